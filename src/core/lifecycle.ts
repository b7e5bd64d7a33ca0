import { isBackendError } from '../backends/errors.js';
import type { ScreenStateName, SessionLifecycle, SessionObserver } from '../backends/session-backend.js';
import type { AgentRecord } from '../store/store.js';
import { backendCall as call, backendFailure } from './backend-failures.js';
import { OPERATOR, type Caller, type Coordinator, type Target } from './coordinator.js';
import { DomainError, isDomainError } from './errors.js';
import { sameName, sessionNameFor } from './identity.js';
import { dynamicWords, nestedShellCode, parseShell, skipsPermissions } from './shell-words.js';

export { sessionNameFor };
import { SUBMIT_BY_DEFAULT } from './text.js';
import type { LivenessState } from './fusion.js';
import { LIVENESS_STATES } from './liveness.js';
import { shellQuote } from '../backends/shell-quote.js';
import { withAbsoluteProgram } from './program-path.js';
import { quote, target as logTarget } from './activity.js';

/**
 * Starting, stopping and watching agents: spawn_agent, stop_agent, capture_output and wait_for.
 * Built on the coordinator's rules (registration, who may act on whom) and the session backend.
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
}

export interface LifecycleOptions {
  allowSkipPermissions?: boolean;
  /**
   * Environment given to the agent's program so an agent-boss stdio server it starts binds itself
   * to the agent and shares this server's database and tmux server (BOSS_AGENT, BOSS_SPACE, …).
   */
  agentEnv?: Record<string, string>;
  /** The text typed into the agent once its input is ready (the ignite prompt). */
  ignition?: (target: Target) => Promise<string>;
  progress?: (progress: number, total?: number, message?: string) => Promise<void>;
  signal?: AbortSignal;
  /** Poll interval while waiting (tests may shorten it). */
  pollMs?: number;
}

export interface SpawnResult {
  record: AgentRecord;
  session_id: string;
  /** The session backend it runs on. */
  backend: string;
  /** The agent program its screen is read as. */
  agent_kind: string;
  command: string;
  /** The program drew its input box within the timeout. */
  ready: boolean;
  /** The ignite prompt was typed in. */
  ignited: boolean;
  /** What the screen showed instead, when not ready (a dialog such as the folder-trust question, …). */
  state: ScreenStateName;
  last_line?: string;
  /** The last lines of the screen when the program was not ready (why it did not start, what it asks). */
  screen?: string[];
}

/** Sleeps `ms`, or less when `signal` aborts (its listener is removed either way). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** A backend call of the lifecycle functions; `doing` names it in failures the caller cannot fix. */
const backendCall = <T>(doing: string, fn: () => Promise<T>): Promise<T> => call({ doing }, fn);

/**
 * Refuses a command that would start the program with its permission prompts skipped, decided on
 * the words the program gets (after the shell's quote removal), and a command whose words cannot be
 * known before it runs (then whether it skips cannot be checked).
 */
export function checkKeepsPermissions(command: string, skipPermissions: boolean | undefined, flags: readonly string[], depth = 0): void {
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
  if (!opts.allowSkipPermissions) checkKeepsPermissions(command, input.skip_permissions, launch?.skipPermissionWords ?? []);
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
  const sessionId = sessionNameFor(input.space, input.agent);
  const env: Record<string, string> = { BOSS_AGENT: input.agent, BOSS_SPACE: input.space, ...opts.agentEnv };
  // Found now, on the PATH spawning it (the session's login shell may have lost the program's directory).
  const resolved = withAbsoluteProgram(command, env.PATH);
  const program = input.skip_permissions ? `${resolved} ${launch?.skipPermissionsFlag}` : resolved;
  // A plain shell with no command: the session's shell itself is the program, nothing is typed.
  const line =
    program === ''
      ? undefined
      : `env ${Object.entries(env)
          .map(([k, v]) => `${k}=${shellQuote(v)}`)
          .join(' ')} ${program}`;

  await backendCall('starting the session', () =>
    backend.createSession({ sessionId, agent: input.agent, workDir: input.work_dir, env, ...(line !== undefined && { command: line }) }),
  );
  const { record } = await coordinator.registerSession(OPERATOR, {
    space: input.space,
    agent: input.agent,
    session_id: sessionId,
    backend: backend.name,
    ...(input.agent_kind !== undefined && { agent_kind: input.agent_kind }),
    ...(parent !== undefined && { parent }),
    ...(input.role !== undefined && { role: input.role }),
  }, { sharedSession: 'take_over', guessKind: false }); // the session was just made for this agent, its program still starting
  // An agent spawned again after an error starts clean: its last report no longer says error.
  const fresh =
    existing?.status === 'error'
      ? await coordinator.reportStatus(OPERATOR, input, { status: 'idle', summary: `Started again by spawn_agent in session "${sessionId}".` })
      : record;

  const timeoutS = input.ready_timeout_s ?? DEFAULT_READY_TIMEOUT_S;
  const ready = await waitForInputBox(backend, sessionId, timeoutS, opts, { echo: `env BOSS_AGENT=${shellQuote(input.agent)}`, prompt: launch?.takesIgnition === false });
  if (ready.ended) await failedStart(coordinator, backend, record, sessionId, command, ready);
  let ignited = false;
  if (ready.ready && opts.ignition && launch?.takesIgnition !== false) {
    const text = await opts.ignition({ space: record.space, agent: record.name });
    await backendCall('typing the ignite prompt', () => backend.sendInput(sessionId, text, { submit: SUBMIT_BY_DEFAULT }));
    ignited = true;
  }
  const screen = ready.ready ? undefined : await backend.captureOutput(sessionId, 8).catch(() => undefined);
  const done = `spawned ${logTarget(input)} in session ${quote(sessionId)}: ${quote(program)}, ${ready.ready ? (ignited ? 'ignited' : 'ready') : `not ready (${ready.state})`}`;
  return coordinator.activity.did(caller, done, {
    ...(screen !== undefined && { screen }),
    record: fresh,
    session_id: sessionId,
    backend: backend.name,
    agent_kind: backend.agentKind,
    command: program,
    ready: ready.ready,
    ignited,
    state: ready.state,
    ...(ready.lastLine !== undefined && { last_line: ready.lastLine }),
  });
}

/**
 * Default wait for the program's input box. Well under the 60 s an MCP client waits for an answer
 * by default (the TypeScript SDK's request timeout), so a slow start is answered, not timed out;
 * a program that fails to start is noticed at once (see programEnded), whatever the timeout.
 */
export const DEFAULT_READY_TIMEOUT_S = 30;

/** How many lines of the screen a failed start shows. */
const FAILED_SCREEN_LINES = 12;

interface InputBoxWait {
  ready: boolean;
  state: ScreenStateName;
  lastLine?: string;
  /** The program ended before drawing its input box (the session is gone or dead, or the shell prompt is back): the screen then. */
  ended?: { screen: string[]; how: 'prompt' | 'missing' | 'dead' };
}

/**
 * Waits until the program in the session draws its input box (the probe's `inputReady`, as the
 * agent's UI reads its screen; a shell prompt is idle too, but is no input box), or a dialog appears
 * (e.g. the folder-trust question), or the program ends (see programEnded), or the time is up.
 */
async function waitForInputBox(
  backend: SessionObserver,
  sessionId: string,
  timeoutS: number,
  opts: LifecycleOptions,
  /** prompt: the program is a shell or REPL, ready at its prompt (it draws no input box). */
  typed: { echo: string; prompt?: boolean },
): Promise<InputBoxWait> {
  const started = Date.now();
  const deadline = started + timeoutS * 1000;
  let state: ScreenStateName = 'unknown';
  let lastLine: string | undefined;
  const result = (extra: Partial<InputBoxWait> = {}): InputBoxWait => ({ ready: false, state, ...(lastLine !== undefined && { lastLine }), ...extra });
  for (;;) {
    const probe = (await backendCall('watching the session', () => backend.probeSessions([sessionId]))).get(sessionId);
    state = probe?.state ?? 'unknown';
    lastLine = probe?.lastLine;
    if (state === 'missing') return result({ ended: { screen: [], how: 'missing' } });
    if (state === 'dead') {
      const screen = await backend.captureOutput(sessionId, FAILED_SCREEN_LINES).catch(() => []);
      return result({ ended: { screen, how: 'dead' } });
    }
    if (state === 'waiting_approval') return result();
    if (probe?.inputReady || (typed.prompt && state === 'idle')) return result({ ready: true });
    if (state === 'idle' || state === 'gone') {
      const screen = await backendCall('reading the screen', () => backend.captureOutput(sessionId, 60));
      if (programEnded(screen, typed.echo)) return result({ ended: { screen: screen.slice(-FAILED_SCREEN_LINES), how: 'prompt' } });
    }
    const waited = (Date.now() - started) / 1000;
    await opts.progress?.(Math.floor(waited), timeoutS, `waiting for the agent's input box (screen: ${state})`).catch(() => undefined);
    if (Date.now() >= deadline || opts.signal?.aborted) return result();
    await sleep(opts.pollMs ?? 250, opts.signal);
  }
}

/** A last line that is a shell prompt: ends in `$`, `#` or `%` (the agent programs' screens never end so). */
const SHELL_PROMPT_END = /(?:[$#]|(?<!\d)%)$/u;

/**
 * The command typed at the shell prompt has ended: the line that typed it (`echo`, found by its
 * `env BOSS_AGENT=…` part) is on screen and, below it, the shell's prompt is back as the last line
 * (the prompt the command was typed at, or any line ending like a prompt: the `cd` may change it).
 * While the program runs, its own screen is below that line instead; before the shell has echoed
 * the line, the line is not on screen yet.
 */
export function programEnded(screen: readonly string[], echo: string): boolean {
  const lines = screen.map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const at = lines.findLastIndex((l) => l.includes(echo));
  if (at < 0 || at === lines.length - 1) return false;
  const last = lines.at(-1)!.trim();
  const promptTypedAt = lines[at]!.slice(0, lines[at]!.indexOf(echo)).replace(/\bcd\s.*$/u, '').trim();
  return SHELL_PROMPT_END.test(last) || (promptTypedAt !== '' && last === promptTypedAt);
}

/** Output of a shell or `env` that could not find the program. */
const NOT_FOUND = /command not found|No such file or directory|not found|cannot execute|Permission denied/i;

/**
 * A start that failed: the session is ended (nothing runs in it; its last screen goes into the
 * answer), the agent is marked error, and the caller is told why and what to do next.
 */
async function failedStart(
  coordinator: Coordinator,
  backend: SessionLifecycle & SessionObserver,
  record: AgentRecord,
  sessionId: string,
  command: string,
  wait: InputBoxWait,
): Promise<never> {
  const ended = wait.ended!;
  const screen = ended.screen;
  let closed = false;
  if (ended.how !== 'missing') closed = await backend.killSession(sessionId).then(() => true, () => false);
  const program = command.split(/\s+/)[0]!;
  const notFound = screen.some((l) => NOT_FOUND.test(l) && l.includes(program.replace(/^.*\//, '')));
  const what =
    ended.how === 'missing'
      ? `The session "${sessionId}" ended before "${command}" drew its input box.`
      : ended.how === 'dead'
        ? `"${command}" exited before it drew its input box (session "${sessionId}").`
        : `"${command}" ended before it drew its input box: the shell prompt of session "${sessionId}" is back.`;
  const next = notFound
    ? `"${program}" could not be started: install it or put it on the PATH of the tmux server's shell, or pass command with the program's full path.`
    : `Read the screen for the reason (a bad flag, a crash, a missing login), fix command or the environment, then call spawn_agent again.`;
  const kept = ended.how === 'missing' ? '' : closed ? ` The session was ended (nothing ran in it any more).` : ` The session "${sessionId}" is kept; stop_agent ends it.`;
  const reason = screen.filter((l) => NOT_FOUND.test(l)).at(-1) ?? screen.at(-2) ?? ended.how;
  await coordinator
    .reportStatus(OPERATOR, { space: record.space, agent: record.name }, { status: 'error', summary: `Did not start: ${reason.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim().slice(0, 200)}` })
    .catch((err: unknown) => {
      if (!isDomainError(err)) throw err; // a busy store must not hide why the start failed
    });
  const shown = screen.length ? `\nIts screen ended with:\n\`\`\`\n${screen.join('\n')}\n\`\`\`` : '';
  throw new DomainError(
    'backend_failed',
    `${what} ${next}${kept} Agent "${record.name}" stays registered (status error): call spawn_agent again once it is fixed.${shown}`,
  );
}

/** Ends the agent's session and marks the agent done (its record and history stay). */
export async function stopAgent(coordinator: Coordinator, caller: Caller, target: Target): Promise<{ record: AgentRecord; session_id: string; ended: boolean }> {
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
