import { existsSync } from 'node:fs';
import type { AgentRecord } from '../store/store.js';
import { isConversationId } from './conversation-id.js';
import type { Caller, Coordinator, Target } from './coordinator.js';
import { DomainError } from './errors.js';
import { agentKey, sameName, sameTarget, sessionNameFor } from './identity.js';
import { checkKeepsPermissions } from './lifecycle.js';
import { RESUMABLE_STATES, STATE_LABELS, type LivenessRow } from './liveness.js';
import { backendCall, DEFAULT_READY_TIMEOUT_S, startProgram, type LifecycleOptions, type SpawnResult } from './start-program.js';

/**
 * resume_agent: an agent whose program exited or whose session is gone (after a reboot, a killed
 * tmux server) is started again in its work directory with its conversation (the program's resume
 * flag and the id recorded for it), with the flags of the command it was spawned with. Who may do
 * it is spawn_agent's rule: the operator, or the agent's manager. The screen's id of a conversation
 * is recorded by the liveness monitor (recordShownConversations).
 */

export interface ResumeInput extends Target {
  /** Type the ignite prompt once its input box is drawn (default: no, the conversation goes on as it was). */
  ignite?: boolean;
  ready_timeout_s?: number;
  /** How long to wait for its agent-boss tools before the ignite prompt (0: not waited for). */
  tools_timeout_s?: number;
}

export interface ResumeResult extends SpawnResult {
  program_session_id: string;
}

const who = (a: AgentRecord): string => `Agent "${a.name}" in space "${a.space}"`;

export async function resumeAgent(coordinator: Coordinator, caller: Caller, input: ResumeInput, opts: LifecycleOptions = {}): Promise<ResumeResult> {
  const agent = await coordinator.getAgent(input);
  const target: Target = { space: agent.space, agent: agent.name };
  const me = coordinator.bindingOf(caller);
  if (me !== undefined && sameTarget(me, target)) {
    throw new DomainError('forbidden', `agent "${me.agent}" cannot resume itself: an agent is resumed by the operator or its manager (resume_agent from another session).`);
  }
  // Whom the caller may start again: spawn_agent's rule (the operator, or the agent's manager).
  await coordinator.identity.checkSpawn(caller, target, undefined, agent);
  // Its conversation and work dir are on the host that ran it: that host's hub resumes it.
  coordinator.hosts.checkLocal(agent, 'resume');
  const backend = coordinator.backend(agent);
  const launch = backend.launch;
  if (launch?.resume === undefined) {
    throw new DomainError('validation', `${who(agent)} runs ${backend.agentKind}, which agent-boss does not know how to resume (no resume flag for it). Start it afresh with spawn_agent.`);
  }
  const row = (await coordinator.listLiveness(agent.space)).find((r) => sameName(r.agent, agent.name));
  const state = row?.state ?? 'unknown';
  if (!RESUMABLE_STATES.has(state)) {
    throw new DomainError(
      'conflict',
      state === 'unknown'
        ? `${who(agent)} has a session whose state cannot be read (${row?.last_line !== undefined ? `it shows "${row.last_line}"` : 'its terminal did not answer'}): it is not resumed while it may still run. Read it with capture_output; stop_agent ends it, then resume_agent starts it with its conversation.`
        : `${who(agent)} is still running in session "${agent.session_id}" (${STATE_LABELS[state]}): there is nothing to resume. Use send_input to give it work, or stop_agent first to restart it with its conversation.`,
    );
  }
  const id = row?.program_session_id ?? agent.program_session_id ?? undefined;
  if (!isConversationId(id)) {
    throw new DomainError(
      'not_found',
      `${who(agent)} has no recorded conversation to resume: its program's session id is recorded from the hook its program calls when it starts (install the hooks with "agent-boss setup hooks") or from the resume command its screen shows when it exits. Start it afresh with spawn_agent.`,
    );
  }
  if (!agent.work_dir) {
    throw new DomainError('not_found', `${who(agent)} has no recorded work directory, and its conversation belongs to one. Start it afresh with spawn_agent (work_dir).`);
  }
  if (!existsSync(agent.work_dir)) {
    throw new DomainError('not_found', `${who(agent)} worked in "${agent.work_dir}", which no longer exists: restore that directory, or start the agent afresh with spawn_agent.`);
  }
  const original = agent.launch_command ?? launch.defaultCommand ?? '';
  const command = launch.resume.command(original, id);
  // The permission-skip refusal holds for a restart as for the first start.
  if (!opts.allowSkipPermissions) checkKeepsPermissions(command, false, launch);
  const sessionId = sessionNameFor(agent.space, agent.name);
  // A session still there holds only an exited program: a dead pane, or the agent's own session, is ended first.
  if (agent.session_id && row?.exists && (state === 'dead' || agent.session_id === sessionId)) {
    await backendCall('ending the session its program exited in', () => backend.killSession(agent.session_id!));
  }
  const res = await startProgram(
    coordinator,
    caller,
    {
      target,
      backend,
      existing: agent,
      command,
      workDir: agent.work_dir,
      readyTimeoutS: input.ready_timeout_s ?? DEFAULT_READY_TIMEOUT_S,
      ...(input.tools_timeout_s !== undefined && { toolsTimeoutS: input.tools_timeout_s }),
      launch: { program_session_id: id },
      verb: 'resumed',
      retry: 'resume_agent',
    },
    input.ignite ? opts : { ...opts, ignition: undefined },
  );
  return { ...res, program_session_id: id };
}

/** The rows of agents resume_agent can restart (for `serve`'s start). */
export async function resumableAgents(coordinator: Coordinator): Promise<LivenessRow[]> {
  return (await coordinator.listLiveness()).filter((r) => r.resumable);
}

/**
 * Records the conversation id a screen shows as its program exits (rows with a resume command),
 * when it is not the one recorded: an agent without hooks is resumable after a reboot too. `seen`
 * keeps what was already recorded, so a row showing the same screen is not read again.
 */
export async function recordShownConversations(coordinator: Coordinator, rows: readonly LivenessRow[], seen: Set<string>): Promise<void> {
  for (const r of rows) {
    if (r.resume_command === undefined || !isConversationId(r.program_session_id)) continue;
    const key = `${agentKey(r.space, r.agent)}\u0000${r.program_session_id}`;
    if (seen.has(key)) continue;
    const agent = await coordinator.findAgent({ space: r.space, agent: r.agent });
    if (agent && agent.program_session_id !== r.program_session_id) await coordinator.store.setLaunch(agent.space, agent.name, { program_session_id: r.program_session_id });
    seen.add(key);
  }
}
