import type { ScreenStateName, SessionBackend, SessionLifecycle, SessionObserver } from '../backends/session-backend.js';
import { shellQuote } from '../backends/shell-quote.js';
import type { AgentRecord, LaunchFields } from '../store/store.js';
import { quote, target as logTarget } from './activity.js';
import { backendCall as call } from './backend-failures.js';
import { OPERATOR, type Caller, type Coordinator, type Target } from './coordinator.js';
import { DomainError, isDomainError } from './errors.js';
import { sessionNameFor } from './identity.js';
import { withAbsoluteProgram } from './program-path.js';
import { SUBMIT_BY_DEFAULT } from './text.js';
import { DEFAULT_TOOLS_TIMEOUT_S, waitForTools } from './tools-reached.js';

/**
 * Starting an agent's program in a new terminal session, written once for spawn_agent and
 * resume_agent: the session, the program once its shell is ready, the registration, the wait for
 * its input box (a program that ends first is a failed start), and the ignite prompt.
 */

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
  /** Whether an agent-boss MCP session of the agent initialized before the ignite prompt (absent: not waited for). */
  tools_reached?: boolean;
  /** Why it was not ignited though its input box was drawn, and what to do. */
  problem?: string;
  /** What the screen showed instead, when not ready (a dialog such as the folder-trust question, …). */
  state: ScreenStateName;
  last_line?: string;
  /** The last lines of the screen when the program was not ready (why it did not start, what it asks). */
  screen?: string[];
}

/** What to start, decided and checked by the caller (spawn_agent, resume_agent). */
export interface StartRequest {
  target: Target;
  /** The agent's backend, driving its kind. */
  backend: SessionBackend;
  /** The agent as registered before, if it was. */
  existing: AgentRecord | undefined;
  /** The command typed (its program still found by its absolute path here). */
  command: string;
  /** Absolute directory the session starts in. */
  workDir: string;
  agentKind?: string;
  parent?: string;
  role?: string;
  readyTimeoutS: number;
  /** How long to wait for its agent-boss tools before the ignite prompt (0: not waited for). */
  toolsTimeoutS?: number;
  /** What is recorded for a later resume_agent (the command as given, the directory, the conversation). */
  launch: LaunchFields;
  /** "spawned", "resumed": the activity line and the summary of an agent started again after an error. */
  verb: string;
  /** How the program ends up, for a failed start's next step ("spawn_agent", "resume_agent"). */
  retry: string;
}

/** Sleeps `ms`, or less when `signal` aborts (its listener is removed either way). */
export const sleep = (ms: number, signal?: AbortSignal) =>
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
export const backendCall = <T>(doing: string, fn: () => Promise<T>): Promise<T> => call({ doing }, fn);

/** Starts the program of `req` in the session {space}-{agent}, registers it there, waits for its input box and ignites it when asked. */
export async function startProgram(coordinator: Coordinator, caller: Caller, req: StartRequest, opts: LifecycleOptions = {}): Promise<SpawnResult> {
  const { target, backend, existing } = req;
  const launch = backend.launch;
  const sessionId = sessionNameFor(target.space, target.agent);
  const env: Record<string, string> = { BOSS_AGENT: target.agent, BOSS_SPACE: target.space, ...opts.agentEnv };
  // Found now, on the PATH spawning it (the session's login shell may have lost the program's directory).
  const program = withAbsoluteProgram(req.command, env.PATH);
  // A plain shell with no command: the session's shell itself is the program, nothing is typed.
  const line =
    program === ''
      ? undefined
      : `env ${Object.entries(env)
          .map(([k, v]) => `${k}=${shellQuote(v)}`)
          .join(' ')} ${program}`;

  const toolsTimeoutS = req.toolsTimeoutS ?? DEFAULT_TOOLS_TIMEOUT_S;
  const igniting = opts.ignition !== undefined && launch?.takesIgnition !== false;
  // Tools reached from now on count (an MCP session of an earlier start of the agent does not).
  const eventsBefore = igniting && toolsTimeoutS > 0 ? await coordinator.lastEventId() : undefined;
  await backendCall('starting the session', () =>
    backend.createSession({ sessionId, agent: target.agent, workDir: req.workDir, env, ...(line !== undefined && { command: line }) }),
  );
  const { record } = await coordinator.registerSession(OPERATOR, {
    space: target.space,
    agent: target.agent,
    session_id: sessionId,
    backend: backend.name,
    ...(req.agentKind !== undefined && { agent_kind: req.agentKind }),
    ...(req.parent !== undefined && { parent: req.parent }),
    ...(req.role !== undefined && { role: req.role }),
  }, { sharedSession: 'take_over', guessKind: false }); // the session was just made for this agent, its program still starting
  await coordinator.store.setLaunch(record.space, record.name, req.launch);
  // An agent started again after an error starts clean: its last report no longer says error.
  const fresh =
    existing?.status === 'error'
      ? await coordinator.reportStatus(OPERATOR, target, { status: 'idle', summary: `Started again by ${req.retry} in session "${sessionId}".` })
      : record;

  const ready = await waitForInputBox(backend, sessionId, req.readyTimeoutS, opts, { echo: `env BOSS_AGENT=${shellQuote(target.agent)}`, prompt: launch?.takesIgnition === false });
  if (ready.ended) await failedStart(coordinator, backend, record, sessionId, req.command, ready, req.retry);
  let ignited = false;
  let toolsReached: boolean | undefined;
  let problem: string | undefined;
  if (ready.ready && igniting) {
    // The ignite prompt tells the agent to call its agent-boss tools: typed only once it has them.
    if (eventsBefore !== undefined) {
      await opts.progress?.(0, toolsTimeoutS, "waiting for the agent's agent-boss tools").catch(() => undefined);
      toolsReached = await waitForTools(coordinator, target, eventsBefore, toolsTimeoutS, { ...(opts.pollMs !== undefined && { pollMs: opts.pollMs }), ...(opts.signal && { signal: opts.signal }), sleep });
    }
    if (toolsReached === false) problem = await noTools(coordinator, record, sessionId, toolsTimeoutS, launch?.mcpCheck, req.retry);
    else {
      const text = await opts.ignition!({ space: record.space, agent: record.name });
      await backendCall('typing the ignite prompt', () => backend.sendInput(sessionId, text, { submit: SUBMIT_BY_DEFAULT }));
      ignited = true;
    }
  }
  const screen = ready.ready ? undefined : await backend.captureOutput(sessionId, 8).catch(() => undefined);
  const done = `${req.verb} ${logTarget(target)} in session ${quote(sessionId)}: ${quote(program)}, ${ready.ready ? (ignited ? 'ignited' : problem !== undefined ? 'not ignited: its agent-boss tools did not connect' : 'ready') : `not ready (${ready.state})`}`;
  return coordinator.activity.did(caller, done, {
    ...(screen !== undefined && { screen }),
    record: { ...fresh, ...req.launch } as AgentRecord,
    session_id: sessionId,
    backend: backend.name,
    agent_kind: backend.agentKind,
    command: program,
    ready: ready.ready,
    ignited,
    ...(toolsReached !== undefined && { tools_reached: toolsReached }),
    ...(problem !== undefined && { problem }),
    state: ready.state,
    ...(ready.lastLine !== undefined && { last_line: ready.lastLine }),
  });
}

/**
 * A program that drew its input box but whose agent-boss tools never connected: it cannot do what
 * the ignite prompt asks, so the start failed. Its session is kept (to read why: its MCP view), the
 * agent is marked error, and the answer says why and what to do.
 */
async function noTools(coordinator: Coordinator, record: AgentRecord, sessionId: string, timeoutS: number, mcpCheck: string | undefined, retry: string): Promise<string> {
  await coordinator
    .reportStatus(OPERATOR, { space: record.space, agent: record.name }, { status: 'error', summary: `Started, but its agent-boss tools did not connect within ${timeoutS} s; not ignited.` })
    .catch((err: unknown) => {
      if (!isDomainError(err)) throw err;
    });
  return (
    `Its agent-boss tools did not connect within ${timeoutS} s (no agent-boss MCP server bound to "${record.name}" initialized), so the ignite prompt was not typed: ` +
    `its MCP configuration lacks agent-boss, or that server failed to start (a command not found from its shell, a wrong --data-dir). ` +
    `${mcpCheck !== undefined ? `To see why: ${mcpCheck}. ` : ''}Fix it, then stop_agent and ${retry} again; session "${sessionId}" is kept for reading (capture_output).`
  );
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
  retry: string,
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
    : `Read the screen for the reason (a bad flag, a crash, a missing login), fix command or the environment, then call ${retry} again.`;
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
    `${what} ${next}${kept} Agent "${record.name}" stays registered (status error): call ${retry} again once it is fixed.${shown}`,
  );
}
