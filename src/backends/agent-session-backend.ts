/**
 * The one SessionBackend: a Terminal (tmux) driven the way an operator at the keyboard would,
 * told by an AgentUi (Claude Code) what the screen means and which keys to press. Send, approve,
 * interrupt and probe are written here once; typing a message is in send-input.ts. Agents of
 * another kind on the same terminal get a sibling backend with their kind's UI (forAgentKind),
 * sharing the terminal and what is known of its sessions (terminal-sessions.ts).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentLaunch, AgentUi, AgentUiCatalog, ScreenReading } from './agent-ui.js';
import { BackendError, UnknownAgentKindError } from './errors.js';
import { sendInput, SUBMIT_SETTLE_MS } from './send-input.js';
import type {
  ApprovalDecision,
  ApprovalInfo,
  ApproveOptions,
  ApproveResult,
  CreateSessionOptions,
  InterruptResult,
  ProbeOptions,
  SendInputOptions,
  SessionBackend,
  SessionProbe,
  SessionStatus,
} from './session-backend.js';
import { agentOf, checkSessionId, invalidIdSentence, validSessionId } from './session-ids.js';
import type { Terminal } from './terminal.js';
import { approvalInfo, TerminalSessions } from './terminal-sessions.js';
import { shellQuote } from './shell-quote.js';

export { SUBMIT_SETTLE_MS };

export interface AgentSessionBackendOptions {
  terminal: Terminal;
  /** The UI of the agents that name no kind (the backend's own kind). */
  ui: AgentUi;
  /** The other agent programs it may drive, by kind (src/agents/index.ts); omitted: only `ui`'s. */
  agentUis?: AgentUiCatalog;
  /** Backend name (default: the terminal's). */
  name?: string;
  /** Pause between the text and the Enter that submits it, where the text cannot be seen arriving. */
  submitSettleMs?: number;
  log?: (msg: string) => void;
}

/** How long an answered dialog / an interrupted agent may take to update its screen. */
const SETTLE_TIMEOUT_MS = 2_000;
const SETTLE_POLL_MS = 50;
/**
 * A new session's shell must draw its prompt before we type the command: a shell (or the agent it
 * starts) switching the terminal to raw mode flushes keys typed ahead, so they were sometimes lost
 * (the legacy code slept a fixed 300 ms and still lost them on a slow start). Poll instead, bounded.
 */
const SHELL_READY_TIMEOUT_MS = 5_000;
const SHELL_READY_POLL_MS = 25;
const DEFAULT_WIDTH = 220;
const DEFAULT_HEIGHT = 50;

export class AgentSessionBackend implements SessionBackend {
  readonly name: string;
  readonly terminal: Terminal;
  readonly ui: AgentUi;
  protected readonly log: (msg: string) => void;
  private readonly submitSettleMs: number;
  private readonly options: AgentSessionBackendOptions;
  /** Shared by the backends of every agent kind over this terminal. */
  private readonly shared: TerminalSessions<AgentSessionBackend>;

  constructor(options: AgentSessionBackendOptions);
  /** A sibling for another agent kind over the same terminal (see forAgentKind). */
  constructor(options: AgentSessionBackendOptions, shared: TerminalSessions<AgentSessionBackend>);
  constructor(options: AgentSessionBackendOptions, shared?: TerminalSessions<AgentSessionBackend>) {
    this.options = options;
    this.terminal = options.terminal;
    this.ui = options.ui;
    this.name = options.name ?? options.terminal.name;
    this.submitSettleMs = options.submitSettleMs ?? SUBMIT_SETTLE_MS;
    this.log = options.log ?? (() => {});
    this.shared = shared ?? new TerminalSessions(options.terminal);
    if (!this.shared.byKind.has(this.ui.kind)) this.shared.byKind.set(this.ui.kind, this);
  }

  get agentKind(): string {
    return this.ui.kind;
  }

  get launch(): AgentLaunch | undefined {
    return this.ui.launch;
  }

  agentKinds(): readonly string[] {
    const kinds = [...(this.options.agentUis?.kinds() ?? [])];
    return kinds.includes(this.ui.kind) ? kinds : [this.ui.kind, ...kinds];
  }

  /** The backend of `kind` over this terminal: the same sessions, read and answered with that kind's UI. */
  forAgentKind(kind: string): AgentSessionBackend {
    if (kind === this.ui.kind) return this;
    if (!this.agentKinds().includes(kind)) throw new UnknownAgentKindError(kind, this.agentKinds());
    const made = this.shared.byKind.get(kind);
    if (made) return made;
    const ui = this.options.agentUis?.ui(kind);
    if (!ui) throw new UnknownAgentKindError(kind, this.agentKinds());
    const sibling = new AgentSessionBackend({ ...this.options, ui }, this.shared);
    this.shared.byKind.set(kind, sibling);
    return sibling;
  }

  available(): Promise<boolean> {
    return this.terminal.available();
  }

  /**
   * The kind whose program names the pane's foreground program; else the one kind whose UI sees
   * its own input box (or else its dialog) on the screen; else the shell, when a shell or REPL is
   * in the foreground at its prompt. Undefined when that does not single out one kind.
   */
  async guessAgentKind(sessionId: string): Promise<{ kind: string; why: string } | undefined> {
    checkSessionId(sessionId);
    const uis = this.agentKinds().map((k) => this.forAgentKind(k).ui);
    const command = (await this.terminal.paneCommand?.(sessionId)) ?? '';
    const named = uis.filter((ui) => ui.launch?.takesIgnition !== false && ui.programNames?.includes(command));
    if (named.length === 1) return { kind: named[0]!.kind, why: `the pane runs "${command}"` };
    const lines = await this.terminal.capture(sessionId);
    const readings = uis.filter((ui) => ui.launch?.takesIgnition !== false).map((ui) => ({ ui, r: ui.parse(lines) }));
    for (const [test, what] of [
      [(r: ScreenReading) => r.inputReady === true, 'its input box'],
      [(r: ScreenReading) => r.state === 'waiting_approval', 'its permission prompt'],
    ] as const) {
      const seen = readings.filter(({ r }) => test(r));
      if (seen.length === 1) return { kind: seen[0]!.ui.kind, why: `the screen shows ${what}${command ? ` (the pane runs "${command}")` : ''}` };
      if (seen.length > 1) break;
    }
    // Its prompt on screen too: a pane whose program is being started (`sh -c 'program'` before the
    // exec, a blank screen) runs a shell for a moment without being one.
    const shell = uis.find((ui) => ui.launch?.takesIgnition === false && ui.programNames?.includes(command) && ui.parse(lines).state === 'idle');
    return shell ? { kind: shell.kind, why: `the pane runs "${command}" and shows no agent program` } : undefined;
  }

  problem(): Promise<string | undefined> {
    return this.terminal.problem();
  }

  sessionIdProblem(id: string): string | undefined {
    if (!validSessionId(id)) return invalidIdSentence(id);
    return this.terminal.sessionIdProblem(id);
  }

  identifySelf(env: NodeJS.ProcessEnv): Promise<string | undefined> {
    return this.terminal.identifySelf(env);
  }

  async close(): Promise<void> {
    await this.terminal.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  async createSession(options: CreateSessionOptions): Promise<void> {
    const id = options.sessionId;
    const problem = this.sessionIdProblem(id);
    if (problem) throw new BackendError(problem, 'invalid_session_id');
    const width = options.width ?? DEFAULT_WIDTH;
    const height = options.height ?? DEFAULT_HEIGHT;
    for (const [label, value] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (!Number.isInteger(value) || value < 10 || value > 1000) {
        throw new RangeError(`${label} must be an integer between 10 and 1000, got ${value}`);
      }
    }
    const workDir = options.workDir === undefined ? undefined : resolve(options.workDir);
    if (workDir !== undefined && !isDirectory(workDir)) {
      throw new BackendError(`Working directory "${workDir}" does not exist or is not a directory. Create it or pass another workDir.`, 'bad_work_dir');
    }
    await this.terminal.createSession({ sessionId: id, workDir: workDir ?? process.cwd(), width, height });
    this.shared.tracked.set(id, options.agent ?? this.shared.tracked.get(id));

    if (!(await this.waitForShellPrompt(id))) {
      this.log(`${this.terminal.describe(id)}: no shell prompt after ${SHELL_READY_TIMEOUT_MS} ms; typing the command anyway`);
    }
    if (options.command !== undefined && options.command.trim() !== '') {
      const line = workDir !== undefined ? `cd ${shellQuote(workDir)} && ${options.command}` : options.command;
      await this.terminal.paste(id, line);
      await this.terminal.pressKey(id, 'Enter');
    }
  }

  async killSession(sessionId: string): Promise<void> {
    checkSessionId(sessionId);
    await this.terminal.killSession(sessionId);
    this.shared.tracked.delete(sessionId);
  }

  async sessionExists(sessionId: string): Promise<boolean> {
    checkSessionId(sessionId);
    return this.terminal.sessionExists(sessionId);
  }

  listSessions(): Promise<string[]> {
    return this.terminal.listSessions();
  }

  /** Remember that a session belongs to an agent, for discoverSessions (e.g. from the store). */
  trackSession(sessionId: string, agent?: string): void {
    this.shared.tracked.set(sessionId, agent);
    this.terminal.track?.(sessionId);
  }

  async discoverSessions(): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const name of await this.listSessions()) {
      const agent = agentOf(name, this.shared.tracked);
      if (agent !== undefined && !found.has(agent)) found.set(agent, name);
    }
    return found;
  }

  // ---------------------------------------------------------------------------------------------
  // Observer

  async getStatus(sessionId: string): Promise<SessionStatus> {
    checkSessionId(sessionId);
    let lines: string[];
    try {
      lines = await this.terminal.capture(sessionId);
    } catch (err) {
      if (err instanceof BackendError && err.code === 'session_missing') return 'missing';
      throw err;
    }
    const state = this.ui.parse(lines).state;
    return state === 'idle' ? 'idle' : state === 'unknown' ? 'unknown' : state === 'gone' ? 'completed' : 'running';
  }

  async isIdle(sessionId: string): Promise<boolean> {
    return (await this.read(sessionId)).state === 'idle';
  }

  async captureOutput(sessionId: string, lines = 50): Promise<string[]> {
    checkSessionId(sessionId);
    if (!Number.isInteger(lines) || lines < 1) throw new RangeError(`lines must be a positive integer, got ${lines}`);
    // History too, for screens with fewer non-empty lines than asked.
    const out = await this.terminal.capture(sessionId, lines);
    return out.filter((line) => line.trim() !== '').slice(-lines);
  }

  async checkApproval(sessionId: string): Promise<ApprovalInfo> {
    return approvalInfo(await this.read(sessionId));
  }

  /**
   * The liveness hot path (terminal-sessions.ts): one pane listing, then one batch of captures of
   * the panes that may have changed. A session whose agent is of another kind (`agentKinds`) is
   * read with that kind's UI, in the same batch.
   */
  probeSessions(sessionIds: readonly string[], options: ProbeOptions = {}): Promise<Map<string, SessionProbe>> {
    const kinds = options.agentKinds;
    return this.shared.probe(sessionIds, (id) => {
      const kind = kinds?.get(id);
      return kind === undefined || kind === this.ui.kind ? this.ui : this.forAgentKind(kind).ui;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Actor

  async sendInput(sessionId: string, text: string, options: SendInputOptions = {}): Promise<void> {
    checkSessionId(sessionId);
    await this.readyForKeys(sessionId);
    // The agent program exited to its shell: text for the agent would run there as a command.
    const now = await this.read(sessionId);
    if (now.state === 'gone') {
      throw new BackendError(
        `The program in ${this.terminal.describe(sessionId)} has exited and its shell prompt is back${now.lastLine ? ` (${JSON.stringify(now.lastLine)})` : ''}, so nothing was typed: the shell would have run the text as a command.`,
        'program_exited',
      );
    }
    await sendInput({ terminal: this.terminal, ui: this.ui, log: this.log, submitSettleMs: this.submitSettleMs }, sessionId, text, options.submit ?? true);
  }

  async approve(sessionId: string, decision: ApprovalDecision, options: ApproveOptions = {}): Promise<ApproveResult> {
    checkSessionId(sessionId);
    await this.readyForKeys(sessionId);
    let before = await this.pendingDialog(sessionId, options.expectPromptId);
    // A key sent to a dialog that was only just drawn can be lost: let it stand long enough first.
    const settle = this.ui.dialogSettleMs;
    for (let round = 0; ; round++) {
      const age = this.shared.dialogAge(sessionId, before.promptId);
      if (age >= settle) break;
      await sleep(settle - age);
      const now = await this.pendingDialog(sessionId, options.expectPromptId);
      if (now.promptId === before.promptId || round >= 3) {
        before = now;
        break;
      }
      before = now; // another dialog took its place: it must stand long enough too
    }

    const answer = this.ui.answerKeys(before, decision, options.option, `session "${sessionId}"`);
    for (const k of answer.keys) {
      if ('literal' in k) await this.terminal.typeLiteral(sessionId, k.literal);
      else await this.terminal.pressKey(sessionId, k.key);
    }
    const cleared = await this.pollScreen(sessionId, (a) => a.state !== 'waiting_approval' || a.promptId !== before.promptId);
    const result: ApproveResult = { decision, keySent: answer.keySent, cleared };
    if (answer.chosen) result.chosen = { number: answer.chosen.number, label: answer.chosen.label };
    if (before.toolName !== undefined) result.toolName = before.toolName;
    if (before.promptId !== undefined) result.promptId = before.promptId;
    return result;
  }

  async interrupt(sessionId: string): Promise<InterruptResult> {
    checkSessionId(sessionId);
    await this.readyForKeys(sessionId); // session_missing / pane_dead before any key is sent
    const before = await this.read(sessionId);
    // Idle, or the program exited (a shell prompt is back): there is nothing to stop.
    if (before.state === 'idle' || before.state === 'gone') return { stopped: true, escapes: 0, nothingToInterrupt: true };
    const plan = this.ui.interruptPlan;
    await this.terminal.pressKey(sessionId, plan.key);
    let escapes = 1;
    let stopped = await this.pollScreen(sessionId, (a) => a.state !== 'working', plan.confirmWaitMs);
    if (!stopped) {
      await this.terminal.pressKey(sessionId, plan.key);
      escapes = 2;
      stopped = await this.pollScreen(sessionId, (a) => a.state !== 'working');
    }
    return { stopped, escapes };
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /**
   * Before any key is sent: a dead pane (its program exited, kept open by the terminal) takes no
   * input, so the action is refused; a pane in a mode (copy mode after scrolling, view mode) would
   * take the keys as mode commands and drop them, so it is taken out of the mode first.
   */
  private async readyForKeys(sessionId: string): Promise<void> {
    const where = this.terminal.describe(sessionId);
    let pane = await this.terminal.paneState(sessionId);
    if (pane.dead) {
      throw new BackendError(
        `The program in ${where} has exited: its pane is dead (the terminal keeps it, e.g. tmux with remain-on-exit on), so nothing was sent.`,
        'pane_dead',
      );
    }
    if (!pane.inMode) return;
    this.log(`${where}: leaving ${pane.mode || 'a mode'} before sending keys`);
    await this.terminal.leaveMode(sessionId);
    pane = await this.terminal.paneState(sessionId);
    if (pane.inMode) {
      throw new BackendError(
        `The pane of ${where} is in ${pane.mode || 'a mode'} and did not leave it, so nothing was sent. Press q in that pane, then try again.`,
        'command_failed',
      );
    }
  }

  private async read(sessionId: string): Promise<ScreenReading> {
    checkSessionId(sessionId);
    const at = Date.now();
    const reading = this.ui.parse(await this.terminal.capture(sessionId));
    this.shared.noteDialog(sessionId, reading, at);
    return reading;
  }

  /** The dialog on screen now, checked against the prompt id the caller expects. */
  private async pendingDialog(sessionId: string, expectPromptId: string | undefined): Promise<ScreenReading> {
    const a = await this.read(sessionId);
    if (a.state !== 'waiting_approval') {
      throw new BackendError(
        `Session "${sessionId}" is not showing a permission prompt, so nothing was sent. Check its approval state again before answering.`,
        'no_pending_approval',
      );
    }
    if (expectPromptId !== undefined && a.promptId !== expectPromptId) {
      throw new BackendError(
        `The permission prompt in session "${sessionId}" is not the one expected (now ${a.promptId ?? 'unknown'}, expected ${expectPromptId}). Nothing was sent. Check the approval again and answer the prompt shown now.`,
        'prompt_mismatch',
      );
    }
    return a;
  }

  /** Poll the screen until `done` holds or the time (default SETTLE_TIMEOUT_MS) passes. */
  private async pollScreen(sessionId: string, done: (a: ScreenReading) => boolean, timeoutMs = SETTLE_TIMEOUT_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (done(await this.read(sessionId))) return true;
      } catch (err) {
        // The session ending counts as "no longer showing the prompt / no longer working".
        if (err instanceof BackendError && err.code === 'session_missing') return true;
        throw err;
      }
      if (Date.now() >= deadline) return false;
      await sleep(SETTLE_POLL_MS);
    }
  }

  private async waitForShellPrompt(sessionId: string): Promise<boolean> {
    const deadline = Date.now() + SHELL_READY_TIMEOUT_MS;
    for (;;) {
      // A prompt, not just any output (a MOTD or "starting…" line comes before the shell is ready).
      const state = this.ui.parse(await this.terminal.capture(sessionId)).state;
      if (state === 'idle' || state === 'gone') return true;
      if (Date.now() >= deadline) return false;
      await sleep(SHELL_READY_POLL_MS);
    }
  }
}

// ---------------------------------------------------------------------------------------------

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** POSIX shell single-quoting. */
