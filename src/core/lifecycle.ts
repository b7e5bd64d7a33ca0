import { resolve } from 'node:path';
import { isBackendError } from '../backends/errors.js';
import type { SessionLifecycle } from '../backends/session-backend.js';
import type { AgentRecord } from '../store/store.js';
import { quote, target as logTarget } from './activity.js';
import { backendCall as call, backendFailure } from './backend-failures.js';
import { OPERATOR, type Caller, type Coordinator, type Target } from './coordinator.js';
import { DomainError } from './errors.js';
import type { LivenessState } from './fusion.js';
import { sameName, sessionNameFor } from './identity.js';
import { LIVENESS_STATES } from './liveness.js';
import { dynamicWords, nestedShellCode, parseShell, skipsPermissions, type SkipSpec } from './shell-words.js';
import { backendCall, DEFAULT_READY_TIMEOUT_S, sleep, startProgram, type LifecycleOptions, type SpawnResult } from './start-program.js';

export { sessionNameFor };
/**
 * Starting, stopping and watching agents: spawn_agent, stop_agent, capture_output and wait_for.
 * Built on the coordinator's rules (registration, who may act on whom) and the session backend;
 * the start itself is start-program.ts (shared with resume_agent).
 */

export interface SpawnInput extends Target {
  work_dir: string;
  command?: string;
  /** The agent program started (default: the agent's registered kind, else the backend's default). */
  agent_kind?: string;
  /** The session backend (default: the agent's registered one, else tmux). */
  backend?: string;
  parent?: string;
  role?: string;
  skip_permissions?: boolean;
  ready_timeout_s?: number;
  /** How long to wait for its agent-boss tools before the ignite prompt (0: not waited for). */
  tools_timeout_s?: number;
  /** The host to start it on (hubs sharing one store): its hub starts it (default: this hub's host). */
  host?: string;
}

export type { LifecycleOptions, SpawnResult } from './start-program.js';
export { DEFAULT_READY_TIMEOUT_S, programEnded } from './start-program.js';

/**
 * Refuses a command that would start the program with its permission prompts skipped, decided on
 * the words the program gets (after the shell's quote removal), and a command whose words cannot be
 * known before it runs (then whether it skips cannot be checked).
 */
export function checkKeepsPermissions(command: string, skipPermissions: boolean | undefined, flags: SkipSpec | readonly string[], depth = 0): void {
  const words = parseShell(command).commands.flatMap((c) => c.words);
  if (skipPermissions || skipsPermissions(words, flags)) {
    throw new DomainError(
      'forbidden',
      'skip_permissions: this server does not start agents with permission prompts skipped. The operator must start it with --allow-skip-permissions; otherwise leave skip_permissions out and approve prompts (approve).',
    );
  }
  const dynamic = depth > 3 ? 'shell code nested more than 3 deep' : dynamicWords(command);
  if (dynamic !== undefined) {
    throw new DomainError(
      'forbidden',
      `command: its words cannot be known before it runs (${dynamic}), so it cannot be checked for skipped permission prompts. Write the program and its flags literally (no $variables, substitutions, globs or here-documents), or ask the operator to start the server with --allow-skip-permissions.`,
    );
  }
  // Shell code handed on (sh -c '…', eval, env -S) runs too: read it the same way.
  for (const code of nestedShellCode(words)) checkKeepsPermissions(code, false, flags, depth + 1);
}

/** Starts an agent: a new session in work_dir, its program once the shell is ready, registration, then the ignite prompt once its input box is drawn. */
export async function spawnAgent(coordinator: Coordinator, caller: Caller, input: SpawnInput, opts: LifecycleOptions = {}): Promise<SpawnResult> {
  const remote = await coordinator.hosts.forwardSpawn<SpawnResult>(caller, input);
  if (remote) return remote.result; // another host's hub starts it in its own terminal
  if (input.command !== undefined && input.command.trim() === '') throw new DomainError('validation', "command: must not be blank (leave it out to start the agent program's own command).");
  const existing = await coordinator.findAgent(input);
  // Whom the caller may spawn (identity.ts): its own space, agents that report to it, and no one else's agent again.
  const parent = await coordinator.identity.checkSpawn(caller, input, input.parent, existing);
  const base = coordinator.backend({ backend_type: input.backend ?? existing?.backend_type ?? null });
  // Refused before anything starts; the session is then watched and typed into with that kind's UI.
  if (input.agent_kind !== undefined) coordinator.checkAgentKind(base, input.agent_kind);
  const backend = coordinator.backend({ backend_type: base.name, agent_kind: input.agent_kind ?? existing?.agent_kind ?? null });
  // The program's own knowledge (src/agents/<kind>/), through its backend: its command and its flags.
  const launch = backend.launch;
  const command = (input.command ?? launch?.defaultCommand ?? '').trim();
  if (command === '' && launch?.takesIgnition !== false) {
    throw new DomainError('validation', `command: agent kind "${backend.agentKind}" has no default command; name the program to start.`);
  }
  if (!opts.allowSkipPermissions) checkKeepsPermissions(command, input.skip_permissions, launch ?? []);
  if (input.skip_permissions && launch?.skipPermissionsFlag === undefined) {
    throw new DomainError('validation', `skip_permissions: agent kind "${backend.agentKind}" has no flag that skips permission prompts; leave skip_permissions out.`);
  }
  if (existing?.session_id && (await backend.sessionExists(existing.session_id).catch(() => false))) {
    // A session whose program exited (kept by tmux as a dead pane) holds nothing: start the agent clean in a new one.
    const probe = (await backend.probeSessions([existing.session_id]).catch(() => undefined))?.get(existing.session_id);
    if (probe?.state === 'dead') await backendCall('ending the dead session', () => backend.killSession(existing.session_id!));
    else throw new DomainError(
      'conflict',
      `Agent "${existing.name}" in space "${existing.space}" is already running in session "${existing.session_id}". Use send_input to give it work, or stop_agent first.`,
    );
  }
  const program = input.skip_permissions ? `${command} ${launch?.skipPermissionsFlag}` : command;
  return startProgram(coordinator, caller, {
    target: input,
    backend,
    existing,
    command: program,
    workDir: resolve(input.work_dir),
    ...(input.agent_kind !== undefined && { agentKind: input.agent_kind }),
    ...(parent !== undefined && { parent }),
    ...(input.role !== undefined && { role: input.role }),
    readyTimeoutS: input.ready_timeout_s ?? DEFAULT_READY_TIMEOUT_S,
    ...(input.tools_timeout_s !== undefined && { toolsTimeoutS: input.tools_timeout_s }),
    // A new conversation: the one recorded before is no longer the agent's.
    launch: { launch_command: program, work_dir: resolve(input.work_dir), program_session_id: null },
    verb: 'spawned',
    retry: 'spawn_agent',
  }, opts);
}

/** Ends the agent's session and marks the agent done (its record and history stay). */
export async function stopAgent(coordinator: Coordinator, caller: Caller, target: Target): Promise<{ record: AgentRecord; session_id: string; ended: boolean }> {
  const remote = await coordinator.hosts.forward<{ record: AgentRecord; session_id: string; ended: boolean }>(caller, target, 'stop');
  if (remote) return remote.result; // the session is on another host: its hub stops it
  const { agent, backend, sessionId } = await coordinator.actionTarget(caller, target, 'stop');
  const sessions: SessionLifecycle = backend;
  let ended = true;
  try {
    await sessions.killSession(sessionId);
  } catch (err) {
    if (!isBackendError(err)) throw err;
    if (err.code !== 'session_missing' && err.code !== 'no_server') throw backendFailure(err, { agent, sessionId, doing: 'ending the session' });
    ended = false; // already gone
  }
  const by = caller.agent !== undefined ? `agent "${caller.agent}"` : 'the operator';
  const record = await coordinator.reportStatus(OPERATOR, { space: agent.space, agent: agent.name }, {
    status: 'done',
    summary: `Stopped by ${by}; session "${sessionId}" ${ended ? 'ended' : 'was already gone'}.`,
  });
  return coordinator.activity.did(caller, `stop ${logTarget({ space: agent.space, agent: agent.name })}: session ${quote(sessionId)} ${ended ? 'ended' : 'was already gone'}`, { record, session_id: sessionId, ended });
}

/** The last `lines` non-empty lines of the agent's terminal (the dashboard's preview; not logged). Changes nothing. */
export async function readScreen(coordinator: Coordinator, caller: Caller, target: Target & { lines: number }): Promise<{ agent: AgentRecord; session_id: string; lines: string[] }> {
  const remote = await coordinator.hosts.forward<{ agent: AgentRecord; session_id: string; lines: string[] }>(caller, target, 'read the screen of');
  if (remote) return remote.result; // the session is on another host: its hub reads it
  const { agent, backend, sessionId } = await coordinator.actionTarget(caller, target, 'read the screen of');
  const lines = await call({ agent, sessionId }, () => backend.captureOutput(sessionId, target.lines));
  return { agent, session_id: sessionId, lines };
}

/** capture_output: the last `lines` (default 50) non-empty lines of the agent's screen, logged as an act. */
export async function captureOutput(coordinator: Coordinator, caller: Caller, target: Target & { lines?: number }): Promise<{ agent: AgentRecord; session_id: string; lines: string[] }> {
  const res = await readScreen(coordinator, caller, { ...target, lines: target.lines ?? 50 });
  return coordinator.activity.did(caller, `capture of ${logTarget(target)}: ${res.lines.length} lines`, res);
}

/** The states wait_for can wait for: every liveness state (an agent that exits is `dead`, or `gone` by its hooks). */
export const WAIT_STATES = LIVENESS_STATES;
export type WaitState = (typeof WAIT_STATES)[number];

/** Polls the agent's liveness until it is in `state` or `timeout_s` passes (not an error: `reached` is false). */
export async function waitForState(
  coordinator: Coordinator,
  target: Target & { state: WaitState; timeout_s: number },
  opts: LifecycleOptions = {},
): Promise<{ agent: string; space: string; reached: boolean; state: LivenessState; waited_s: number }> {
  const agent = await coordinator.getAgent(target);
  const started = Date.now();
  const deadline = started + target.timeout_s * 1000;
  for (;;) {
    const row = (await coordinator.listLiveness(agent.space)).find((r) => sameName(r.agent, agent.name));
    if (!row) throw new DomainError('not_found', `Agent "${agent.name}" was removed while waiting.`);
    const waited = Math.round((Date.now() - started) / 100) / 10;
    if (row.state === target.state) return { agent: agent.name, space: agent.space, reached: true, state: row.state, waited_s: waited };
    await opts.progress?.(Math.floor(waited), target.timeout_s, `"${agent.name}" is ${row.state}; waiting for ${target.state}`).catch(() => undefined);
    if (Date.now() >= deadline || opts.signal?.aborted) return { agent: agent.name, space: agent.space, reached: false, state: row.state, waited_s: waited };
    await sleep(opts.pollMs ?? 500, opts.signal);
  }
}
