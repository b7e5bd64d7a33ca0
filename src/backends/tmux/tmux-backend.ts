/**
 * SessionBackend over tmux: one tmux session per agent, driven the way an operator at the keyboard
 * would (type text, press Enter, answer a permission dialog with its digit, Escape to interrupt).
 * tmux I/O lives in tmux-client.ts, reading the screen in screen.ts (pure).
 */
import { realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendError } from '../errors.js';
import type {
  ApprovalDecision,
  ApprovalInfo,
  ApproveOptions,
  ApproveResult,
  CreateSessionOptions,
  InterruptResult,
  SendInputOptions,
  SessionBackend,
  SessionProbe,
  SessionStatus,
} from '../session-backend.js';
import { chooseOption, inputBoxText, parseScreen, type ParseOptions, type ScreenAnalysis } from './screen.js';
import { TmuxClient, TmuxCommandError, type TmuxCommand } from './tmux-client.js';

export interface TmuxBackendOptions {
  /** `tmux -L name`; default: the user's default server (or the one `$TMUX` points at). */
  socketName?: string;
  /** `tmux -f file` when our command starts the server (tests: /dev/null). */
  configFile?: string;
  /** Pause between the text and the Enter that submits it (see SUBMIT_SETTLE_MS). */
  submitSettleMs?: number;
  /** The tmux program (default "tmux" on PATH). */
  tmuxBinary?: string;
  /**
   * Titles of this server's own MCP tools (title → name): Claude Code shows an MCP tool's title in
   * its permission dialog, and liveness names the tool `mcp__<server>__<name>` from it.
   */
  mcpToolTitles?: ReadonlyMap<string, string>;
  log?: (msg: string) => void;
}

/**
 * Pause between typing/pasting text and pressing Enter, for a program without Claude Code's input
 * box (where the text cannot be seen arriving). An app handles a paste (and a burst of typed keys,
 * which it may take for a paste) asynchronously; an Enter that arrives before it has finished lands
 * INSIDE the text as a newline instead of submitting it.
 */
export const SUBMIT_SETTLE_MS = 150;
/**
 * In Claude Code's input box the text is watched instead: Enter goes as soon as the end of the text
 * (or its "[Pasted text #N]" placeholder) is drawn in the box, bounded by this wait.
 */
const INPUT_SHOWN_TIMEOUT_MS = 5_000;
/** Added to that wait per KB of text. */
const INPUT_SHOWN_PER_KB_MS = 500;
const INPUT_POLL_MS = 5;
/** Typed text that stopped changing in the box for this long without matching lost a key. */
const TYPED_STALL_MS = 400;
/** After Enter, how long to wait for the input box to let go of the text (then return anyway). */
const SUBMIT_TAKEN_TIMEOUT_MS = 2_000;
/**
 * A dialog must have been on screen this long before a key is sent to it: Claude Code 2.1 lost
 * keys sent within ~0.3 s of a dialog appearing (twice in a few dozen tries), never later.
 */
export const DIALOG_SETTLE_MS = 400;
/**
 * After the first Escape, how long to wait for the agent to stop before sending a second one (older
 * Claude Code versions asked for a confirming Escape; 2.1 stops on the first). A second Escape on an
 * idle 2.1 input box opens its rewind menu, so it is sent only if the agent still works by then.
 */
const INTERRUPT_CONFIRM_WAIT_MS = 1_500;
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
/** A negative `tmux -V` answer is trusted this long by available(). */
const AVAILABLE_CACHE_MS = 10_000;
/**
 * One-line text up to this many characters must show in Claude Code's input box exactly (whitespace
 * aside) before Enter; longer text may be drawn as a "[Pasted text #N]" placeholder or cut.
 */
const MAX_EXACT_CHARS = 256;
/**
 * Paste text up to this many UTF-8 bytes is handed to tmux as a command argument (set-buffer, over
 * the control client: no process); longer text goes on a process's stdin (load-buffer), since tmux
 * refuses command lines much over 16 KB.
 */
const MAX_SET_BUFFER_BYTES = 4 * 1024;
const MAX_SESSION_ID_LENGTH = 100;
const DEFAULT_WIDTH = 220;
const DEFAULT_HEIGHT = 50;

const AGENTDECK_PATTERN = /^agentdeck_(.+)_[^_]*$/;

interface PaneRow {
  paneId: string;
  dead: boolean;
  activity: number;
  active: boolean;
  session: string;
}

interface CachedScreen {
  /** window_activity when listed before the capture. */
  activity: number;
  /** Whole second (local clock) taken BEFORE the listing that led to the capture. */
  capturedSec: number;
  analysis: ScreenAnalysis;
}

/** What readyForKeys looks at: pane_dead, pane_in_mode, pane_mode. */
const PANE_STATE_FORMAT = '#{pane_dead}\t#{pane_in_mode}\t#{pane_mode}';

// `#{session_name}` last: it is the only field that may contain the separator.
const PANE_FORMAT = [
  '#{pane_id}',
  '#{pane_dead}',
  '#{window_activity}',
  '#{window_active}#{pane_active}',
  '#{session_name}',
].join('\t');

export class TmuxSessionBackend implements SessionBackend {
  readonly name = 'tmux';
  /** The tmux I/O layer (exposed for tests and diagnostics). */
  readonly client: TmuxClient;

  private readonly socketName: string | undefined;
  private readonly submitSettleMs: number;
  private readonly log: (msg: string) => void;
  private availableCache: { at: number; value: Promise<boolean>; yes: boolean } | undefined;
  /** Sessions this server created or was told about, with the agent when known. */
  private readonly tracked = new Map<string, string | undefined>();
  private readonly screens = new Map<string, CachedScreen>();
  /** When each session's current dialog (by prompt id) was first seen on screen. */
  private readonly dialogSeen = new Map<string, { promptId: string; at: number }>();
  private readonly parseOptions: ParseOptions;
  private bufferCounter = 0;

  constructor(options: TmuxBackendOptions = {}) {
    this.socketName = options.socketName;
    this.submitSettleMs = options.submitSettleMs ?? SUBMIT_SETTLE_MS;
    this.log = options.log ?? (() => {});
    this.parseOptions = options.mcpToolTitles ? { mcpToolTitles: options.mcpToolTitles } : {};
    this.client = new TmuxClient({
      ...(options.socketName !== undefined && { socketName: options.socketName }),
      ...(options.configFile !== undefined && { configFile: options.configFile }),
      ...(options.tmuxBinary !== undefined && { binary: options.tmuxBinary }),
      log: this.log,
    });
  }

  available(): Promise<boolean> {
    const now = Date.now();
    // A yes is kept: liveness asks on every probe and must not start a `tmux -V` process in steady
    // state (tmux vanishing later still surfaces, as the "unavailable" error of the next command).
    // A no is asked again after a while, so installing tmux needs no restart.
    if (this.availableCache && (this.availableCache.yes || now - this.availableCache.at < AVAILABLE_CACHE_MS)) {
      return this.availableCache.value;
    }
    const value = this.client.run(['-V']).then(
      (out) => /^tmux /.test(out),
      () => false,
    );
    const entry = { at: now, value, yes: false };
    this.availableCache = entry;
    void value.then((yes) => {
      entry.yes = yes;
    });
    return value;
  }

  sessionIdProblem(id: string): string | undefined {
    if (!validSessionId(id)) {
      return `Session id ${JSON.stringify(id)} is not valid: use 1 to ${MAX_SESSION_ID_LENGTH} characters without control characters.`;
    }
    if (!addressable(id)) {
      return `Session id "${id}" cannot be used with tmux: tmux rewrites ":", ".", "$" and "\\" in session names. Pick a name without them.`;
    }
    return undefined;
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
    if (workDir !== undefined) {
      let isDir = false;
      try {
        isDir = statSync(workDir).isDirectory();
      } catch {
        isDir = false;
      }
      if (!isDir) {
        throw new BackendError(
          `Working directory "${workDir}" does not exist or is not a directory. Create it or pass another workDir.`,
          'bad_work_dir',
        );
      }
    }
    if (await this.sessionExists(id)) throw sessionExists(id);

    const command: string[] = ['new-session', '-d', '-s', formatLiteral(id), '-x', String(width), '-y', String(height)];
    // Always a directory: over the control client, new-session would otherwise start in the
    // directory of whichever session that client is attached to.
    command.push('-c', formatLiteral(workDir ?? process.cwd()));
    try {
      await this.client.command(command);
    } catch (err) {
      if (err instanceof TmuxCommandError && /duplicate session/i.test(err.stderr)) throw sessionExists(id);
      throw this.failure(err, id);
    }
    this.tracked.set(id, options.agent ?? this.tracked.get(id));
    this.client.noteSessionCreated(id);

    if (!(await this.waitForShellPrompt(id))) {
      this.log(`tmux session "${id}": no shell prompt after ${SHELL_READY_TIMEOUT_MS} ms; typing the command anyway`);
    }
    if (options.command !== undefined && options.command.trim() !== '') {
      const line = workDir !== undefined ? `cd ${shellQuote(workDir)} && ${options.command}` : options.command;
      await this.typeText(id, line);
      await this.pressKey(id, 'Enter');
    }
  }

  async killSession(sessionId: string): Promise<void> {
    checkSessionId(sessionId);
    if (!addressable(sessionId)) throw sessionMissing(sessionId);
    try {
      // The control client is attached to some user session; killing that one would end the
      // client before it answers, so it is let go first (a later listing picks another session).
      await this.client.releaseSession(sessionId);
      await this.client.run(['kill-session', '-t', `=${sessionId}`]);
    } catch (err) {
      throw this.failure(err, sessionId);
    }
    this.tracked.delete(sessionId);
  }

  async sessionExists(sessionId: string): Promise<boolean> {
    checkSessionId(sessionId);
    if (!addressable(sessionId)) return false;
    try {
      await this.client.command(['has-session', '-t', `=${sessionId}`], { idempotent: true });
      return true;
    } catch (err) {
      if (err instanceof TmuxCommandError && (err.missingTarget || err.noServer)) return false;
      throw this.failure(err, sessionId);
    }
  }

  async listSessions(): Promise<string[]> {
    return this.allSessionNames();
  }

  /**
   * Session names with the ones this backend created or was told about first: the control client
   * attaches to the first, and attaching has small side effects on a session (its window's bell flag
   * is cleared, `client-attached` hooks run), better borne by an agent's session than the user's own.
   */
  private preferTracked(names: Iterable<string>): string[] {
    const all = [...names];
    return [...all.filter((n) => this.tracked.has(n)), ...all.filter((n) => !this.tracked.has(n))];
  }

  /** Remember that a session belongs to an agent, for discoverSessions (e.g. from the store). */
  trackSession(sessionId: string, agent?: string): void {
    this.tracked.set(sessionId, agent);
  }

  async discoverSessions(): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const name of await this.listSessions()) {
      const agent = agentOf(name, this.tracked);
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
      lines = await this.captureScreen(sessionId);
    } catch (err) {
      if (err instanceof BackendError && err.code === 'session_missing') return 'missing';
      throw err;
    }
    return parseScreen(lines, this.parseOptions).state === 'idle' ? 'idle' : 'running';
  }

  async isIdle(sessionId: string): Promise<boolean> {
    return (await this.analyse(sessionId)).state === 'idle';
  }

  async captureOutput(sessionId: string, lines = 50): Promise<string[]> {
    checkSessionId(sessionId);
    if (!Number.isInteger(lines) || lines < 1) throw new RangeError(`lines must be a positive integer, got ${lines}`);
    // -S -N: include up to N lines of history, for screens with fewer non-empty lines than asked.
    const out = await this.captureScreen(sessionId, ['-S', `-${lines}`]);
    return out.filter((line) => line.trim() !== '').slice(-lines);
  }

  async checkApproval(sessionId: string): Promise<ApprovalInfo> {
    return approvalInfo(await this.analyse(sessionId));
  }

  /**
   * The liveness hot path. One `list-panes -a` answers which sessions exist and when each window
   * last had output; only panes that may have changed since their cached capture are captured
   * again, all in one pipelined batch. Over the control client that is no new process at all.
   */
  async probeSessions(sessionIds: readonly string[]): Promise<Map<string, SessionProbe>> {
    // Taken BEFORE listing: tmux stamps any later output with this second or a later one.
    const nowSec = Math.floor(Date.now() / 1000);
    const panes = await this.listPanes();
    const bySession = new Map<string, PaneRow>();
    for (const row of panes) {
      const seen = bySession.get(row.session);
      if (!seen || (row.active && !seen.active)) bySession.set(row.session, row);
    }
    this.client.noteSessions(this.preferTracked(bySession.keys()));
    // Forget screens of panes that are gone.
    const livePanes = new Set(panes.map((p) => p.paneId));
    for (const paneId of this.screens.keys()) if (!livePanes.has(paneId)) this.screens.delete(paneId);

    const toCapture: PaneRow[] = [];
    for (const id of new Set(sessionIds)) {
      const row = bySession.get(id);
      if (!row || row.dead || !validSessionId(id)) continue;
      const cached = this.screens.get(row.paneId);
      // Reuse only if no output since the listing before that capture. window_activity has 1 s
      // resolution, so output in the same second as the capture would not change it: a capture
      // is trusted only when the activity it saw is from an earlier second than the capture.
      const fresh = cached !== undefined && cached.activity === row.activity && cached.activity < cached.capturedSec;
      if (!fresh) toCapture.push(row);
    }
    const captures = await this.client.exec(
      toCapture.map((row) => ['capture-pane', '-p', '-J', '-t', row.paneId]),
      { idempotent: true },
    );
    const gone = new Set<string>();
    const capturedAt = Date.now();
    toCapture.forEach((row, i) => {
      const result = captures[i];
      if (result?.ok) {
        const analysis = parseScreen(trimScreen(result.lines), this.parseOptions);
        this.screens.set(row.paneId, { activity: row.activity, capturedSec: nowSec, analysis });
        this.noteDialog(row.session, analysis, capturedAt);
      } else {
        gone.add(row.paneId); // closed between the listing and the capture
        this.screens.delete(row.paneId);
      }
    });

    const out = new Map<string, SessionProbe>();
    for (const id of sessionIds) {
      const row = validSessionId(id) ? bySession.get(id) : undefined;
      if (!row || gone.has(row.paneId)) {
        out.set(id, { sessionId: id, exists: false, state: 'missing', approval: { needsApproval: false } });
        continue;
      }
      const analysis = row.dead ? undefined : this.screens.get(row.paneId)?.analysis;
      const probe: SessionProbe = {
        sessionId: id,
        exists: true,
        state: row.dead ? 'dead' : (analysis?.state ?? 'unknown'),
        approval: analysis ? approvalInfo(analysis) : { needsApproval: false },
      };
      if (analysis?.lastLine !== undefined) probe.lastLine = analysis.lastLine;
      out.set(id, probe);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Actor

  async sendInput(sessionId: string, text: string, options: SendInputOptions = {}): Promise<void> {
    checkSessionId(sessionId);
    if (!addressable(sessionId)) throw sessionMissing(sessionId);
    await this.readyForKeys(sessionId);
    const submit = options.submit ?? true;
    // The input box before typing, to tell the text arriving from text that was already there.
    const before = submit && text !== '' ? inputBoxText(await this.captureScreen(sessionId)) : undefined;
    if (text !== '') await this.typeText(sessionId, text);
    else if (!submit && !(await this.sessionExists(sessionId))) throw sessionMissing(sessionId);
    if (!submit) return;
    if (text === '') {
      await this.pressKey(sessionId, 'Enter');
      return;
    }
    const shown = before === undefined ? false : await this.waitUntilShown(sessionId, text, before);
    if (!shown) await sleep(this.submitSettleMs);
    await this.pressKey(sessionId, 'Enter');
    // Return once the box let go of the text, so the next call's text cannot join this message.
    if (shown) await this.waitForInput(sessionId, (box) => !showsText(box, text), SUBMIT_TAKEN_TIMEOUT_MS);
  }

  /**
   * Waits until Claude Code's input box shows the text. Short one-line text put into an empty box
   * must show exactly: Claude Code 2.1 sometimes drops the first input right after a turn ends (a
   * typed first letter, or a whole paste), and such a message must not be submitted, so the box is
   * emptied (Ctrl+U) and the text sent again (twice at most). False when the box never showed (then the caller falls back
   * to a fixed pause); throws when the text could not be put in intact.
   */
  private async waitUntilShown(sessionId: string, text: string, before: string): Promise<boolean> {
    const exact = before === '' && isShortLine(text);
    for (let attempt = 0; exact; attempt++) {
      if (await this.waitForInput(sessionId, (box) => squash(box) === squash(text), INPUT_SHOWN_TIMEOUT_MS, TYPED_STALL_MS)) return true;
      const box = inputBoxText(await this.captureScreen(sessionId));
      if (box === undefined) return false; // not (or no longer) Claude Code's input box
      const shown = squash(box);
      // Only a lost paste or a lost start is repaired; a box that draws the text otherwise (cut to
      // its width) is judged by the end of the text below.
      if (shown.length >= squash(text).length || !squash(text).endsWith(shown)) break;
      this.log(`tmux session "${sessionId}": input box shows ${JSON.stringify(box.slice(0, 80))}, the text (or its start) was lost; sending it again`);
      if (shown !== '') {
        await this.act(sessionId, ['send-keys', '-t', paneTarget(sessionId), 'C-u']);
        await this.waitForInput(sessionId, (b) => b === '', SUBMIT_TAKEN_TIMEOUT_MS);
      }
      if (attempt >= 2) {
        throw new BackendError(
          `The text did not arrive intact in the input box of session "${sessionId}" after 3 tries, so nothing was submitted (the box was emptied again). Send again.`,
          'command_failed',
        );
      }
      await this.typeText(sessionId, text);
    }
    // A long paste takes the program longer to take in and draw, the more so on a loaded machine.
    const timeoutMs = INPUT_SHOWN_TIMEOUT_MS + Math.ceil(text.length / 1024) * INPUT_SHOWN_PER_KB_MS;
    if (await this.waitForInput(sessionId, (box) => box !== before && showsText(box, text), timeoutMs)) return true;
    if (inputBoxText(await this.captureScreen(sessionId)) === undefined) return false;
    throw new BackendError(
      `The text did not show in the input box of session "${sessionId}" within ${timeoutMs} ms, so Enter was not pressed. Look at the agent's screen, then send again.`,
      'command_failed',
    );
  }

  /**
   * Polls Claude Code's input box until `done` holds for its text (bounded); false when the box is
   * not shown (another program) or the time ran out.
   */
  private async waitForInput(
    sessionId: string,
    done: (box: string) => boolean,
    timeoutMs = INPUT_SHOWN_TIMEOUT_MS,
    /** Give up early when the box has not changed for this long. */
    stallMs = Number.POSITIVE_INFINITY,
  ): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let last: string | undefined;
    let lastChange = Date.now();
    for (;;) {
      const box = inputBoxText(await this.captureScreen(sessionId));
      if (box === undefined) return false;
      if (done(box)) return true;
      if (box !== last) {
        last = box;
        lastChange = Date.now();
      } else if (Date.now() - lastChange >= stallMs) {
        return false;
      }
      if (Date.now() >= deadline) {
        this.log(`tmux session "${sessionId}": input box did not reach the expected text within ${timeoutMs} ms`);
        return false;
      }
      await sleep(INPUT_POLL_MS);
    }
  }

  async approve(sessionId: string, decision: ApprovalDecision, options: ApproveOptions = {}): Promise<ApproveResult> {
    checkSessionId(sessionId);
    await this.readyForKeys(sessionId);
    let before = await this.pendingDialog(sessionId, options.expectPromptId);
    // A key sent to a dialog that was only just drawn can be lost: let it stand long enough first.
    for (let round = 0; ; round++) {
      const seen = this.dialogSeen.get(sessionId);
      const age = seen && seen.promptId === before.promptId ? Date.now() - seen.at : 0;
      if (age >= DIALOG_SETTLE_MS) break;
      await sleep(DIALOG_SETTLE_MS - age);
      const now = await this.pendingDialog(sessionId, options.expectPromptId);
      if (now.promptId === before.promptId || round >= 3) {
        before = now;
        break;
      }
      before = now; // another dialog took its place: it must stand long enough too
    }

    const offered = before.options ?? [];
    const option = this.pickOption(sessionId, before, decision, options.option);
    let keySent: string;
    if (option && before.numbered !== false) {
      keySent = String(option.number);
      // Keys, not a paste: a dialog reads a digit key press, and may ignore a pasted "1".
      await this.act(sessionId, ['send-keys', '-t', paneTarget(sessionId), '-l', '--', keySent]);
    } else if (option) {
      // Options without digits: move the selection with the arrows, then Enter.
      const from = offered.find((o) => o.selected)?.number ?? 1;
      const key = option.number > from ? 'Down' : 'Up';
      const keys = [...Array<string>(Math.abs(option.number - from)).fill(key), 'Enter'];
      for (const k of keys) await this.pressKey(sessionId, k as 'Down' | 'Up' | 'Enter');
      keySent = keys.join(' ');
    } else {
      keySent = 'Escape';
      await this.pressKey(sessionId, 'Escape');
    }
    const cleared = await this.pollScreen(
      sessionId,
      (a) => a.state !== 'waiting_approval' || a.promptId !== before.promptId,
    );
    const result: ApproveResult = { decision, keySent, cleared };
    if (option) result.chosen = { number: option.number, label: option.label };
    if (before.toolName !== undefined) result.toolName = before.toolName;
    if (before.promptId !== undefined) result.promptId = before.promptId;
    return result;
  }

  /** The dialog on screen now, checked against the prompt id the caller expects. */
  private async pendingDialog(sessionId: string, expectPromptId: string | undefined): Promise<ScreenAnalysis> {
    const a = await this.analyse(sessionId);
    if (a.state !== 'waiting_approval') {
      throw new BackendError(
        `Session "${sessionId}" is not showing a permission prompt, so nothing was sent. Check its approval state again before answering.`,
        'no_pending_approval',
      );
    }
    if (expectPromptId !== undefined && a.promptId !== expectPromptId) {
      throw new BackendError(
        `The permission prompt in session "${sessionId}" is not the one expected (now ${a.promptId ?? 'unknown'}, expected ${expectPromptId}), so nothing was sent. Check the approval again and answer the prompt shown now.`,
        'prompt_mismatch',
      );
    }
    return a;
  }

  /** The option that answers the decision (or the explicit option number); undefined = Escape. */
  private pickOption(sessionId: string, dialog: ScreenAnalysis, decision: ApprovalDecision, number: number | undefined) {
    const offered = dialog.options ?? [];
    const list = offered.map((o) => `${o.number}. ${o.label}`).join('; ');
    if (number !== undefined) {
      const chosen = offered.find((o) => o.number === number);
      if (!chosen) {
        throw new BackendError(`The prompt in session "${sessionId}" has no option ${number}; it offers: ${list}. Nothing was sent.`, 'option_unavailable');
      }
      return chosen;
    }
    if (dialog.toolName === 'AskUserQuestion' && decision !== 'no') {
      throw new BackendError(
        `Session "${sessionId}" is asking a question, not for permission: pick a choice with option N (${list}), or decision "no" to decline. Nothing was sent.`,
        'option_unavailable',
      );
    }
    const option = chooseOption(offered, decision);
    if (!option && decision !== 'no') {
      throw new BackendError(
        decision === 'always'
          ? `The prompt in session "${sessionId}" offers no "don't ask again" option; it offers: ${list}. Answer yes or no, or pick one with option N. Nothing was sent.`
          : `The prompt in session "${sessionId}" offers no "yes" option; it offers: ${list}. Pick one with option N. Nothing was sent.`,
        'option_unavailable',
      );
    }
    return option;
  }

  /** Remembers when a session's dialog was first seen (for DIALOG_SETTLE_MS). */
  private noteDialog(sessionId: string, a: ScreenAnalysis, at: number): void {
    if (a.state !== 'waiting_approval' || a.promptId === undefined) {
      this.dialogSeen.delete(sessionId);
      return;
    }
    const seen = this.dialogSeen.get(sessionId);
    if (!seen || seen.promptId !== a.promptId) this.dialogSeen.set(sessionId, { promptId: a.promptId, at });
  }

  async interrupt(sessionId: string): Promise<InterruptResult> {
    checkSessionId(sessionId);
    await this.readyForKeys(sessionId); // session_missing / pane_dead before any key is sent
    const before = await this.analyse(sessionId);
    if (before.state === 'idle') return { stopped: true, escapes: 0, nothingToInterrupt: true };
    await this.pressKey(sessionId, 'Escape');
    let escapes = 1;
    let stopped = await this.pollScreen(sessionId, (a) => a.state !== 'working', INTERRUPT_CONFIRM_WAIT_MS);
    if (!stopped) {
      await this.pressKey(sessionId, 'Escape');
      escapes = 2;
      stopped = await this.pollScreen(sessionId, (a) => a.state !== 'working');
    }
    return { stopped, escapes };
  }

  /**
   * The session this process runs in, from the `TMUX` (`socket_path,server_pid,session_index`)
   * and `TMUX_PANE` it inherited; undefined when not in a pane of the server this backend uses.
   */
  async identifySelf(env: NodeJS.ProcessEnv): Promise<string | undefined> {
    const tmuxVar = env.TMUX;
    const pane = env.TMUX_PANE;
    if (!tmuxVar || !pane || !/^%\d+$/.test(pane)) return undefined;
    const socketPath = tmuxVar.split(',')[0];
    if (!socketPath) return undefined;
    if (!sameFile(socketPath, this.ourSocketPath())) return undefined;
    const probe = new TmuxClient({ socketPath, control: false, log: this.log });
    try {
      const name = (await probe.run(['display-message', '-p', '-t', pane, '#{session_name}'])).trim();
      return name === '' ? undefined : name;
    } catch (err) {
      if (err instanceof TmuxCommandError) return undefined;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /**
   * Before any key is sent: a dead pane (its program exited, kept by remain-on-exit) takes no
   * input, so the action is refused; a pane in a mode (copy mode after scrolling, view mode) would
   * take the keys as mode commands and drop them, so it is taken out of the mode first.
   */
  private async readyForKeys(sessionId: string): Promise<void> {
    if (!addressable(sessionId)) throw sessionMissing(sessionId);
    const state = async () => {
      const [line = ''] = await this.client.command(['display-message', '-p', '-t', paneTarget(sessionId), PANE_STATE_FORMAT], { idempotent: true });
      const [dead, inMode, mode = ''] = line.split('\t');
      return { dead: dead === '1', inMode: inMode === '1', mode };
    };
    try {
      let pane = await state();
      if (pane.dead) throw paneDead(sessionId);
      if (!pane.inMode) return;
      this.log(`tmux session "${sessionId}": leaving ${pane.mode || 'a mode'} before sending keys`);
      await this.client.command(['send-keys', '-t', paneTarget(sessionId), '-X', 'cancel']).catch((err: unknown) => {
        if (!(err instanceof TmuxCommandError && /not in a mode/i.test(err.stderr))) throw err;
      });
      pane = await state();
      if (pane.inMode) {
        throw new BackendError(
          `The pane of tmux session "${sessionId}" is in ${pane.mode || 'a mode'} and did not leave it, so nothing was sent. Press q in that pane, then try again.`,
          'command_failed',
        );
      }
    } catch (err) {
      throw this.failure(err, sessionId);
    }
  }

  /** The visible screen of a session, trailing blank lines trimmed. */
  private async captureScreen(sessionId: string, extra: readonly string[] = []): Promise<string[]> {
    if (!addressable(sessionId)) throw sessionMissing(sessionId);
    try {
      const lines = await this.client.command(['capture-pane', '-p', '-J', ...extra, '-t', paneTarget(sessionId)], {
        idempotent: true,
      });
      return trimScreen(lines);
    } catch (err) {
      throw this.failure(err, sessionId);
    }
  }

  private async analyse(sessionId: string): Promise<ScreenAnalysis> {
    checkSessionId(sessionId);
    const at = Date.now();
    const a = parseScreen(await this.captureScreen(sessionId), this.parseOptions);
    this.noteDialog(sessionId, a, at);
    return a;
  }

  /** Poll the screen until `done` holds or the time (default SETTLE_TIMEOUT_MS) passes. */
  private async pollScreen(sessionId: string, done: (a: ScreenAnalysis) => boolean, timeoutMs = SETTLE_TIMEOUT_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (done(await this.analyse(sessionId))) return true;
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
      if (parseScreen(await this.captureScreen(sessionId), this.parseOptions).state === 'idle') return true;
      if (Date.now() >= deadline) return false;
      await sleep(SHELL_READY_POLL_MS);
    }
  }

  /**
   * Put text literally into the pane: through a uniquely named paste buffer, pasted with -p
   * (bracketed paste when the app asked for it, so several lines arrive as ONE message, and a TUI
   * takes the text as one input event rather than one redraw per key: Claude Code showed 20 typed
   * characters ~50 ms later than the same 20 pasted) and -r (keep LF as LF: without it tmux turns
   * each LF into CR, the Enter key, which an app not in bracketed-paste mode would take as several
   * submissions; and CRLF text would double up). Words like "Enter" or "-t x" arrive as text.
   */
  private async typeText(sessionId: string, text: string): Promise<void> {
    const target = paneTarget(sessionId);
    if (!(await this.sessionExists(sessionId))) throw sessionMissing(sessionId);
    const buffer = `agent-boss-${process.pid}-${++this.bufferCounter}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      // A NUL cannot travel in a command argument (tmux cuts the text there): stdin it is.
      if (Buffer.byteLength(text) <= MAX_SET_BUFFER_BYTES && !text.includes('\0')) await this.client.command(['set-buffer', '-b', buffer, '--', text]);
      else await this.client.run(['load-buffer', '-b', buffer, '-'], { input: text });
    } catch (err) {
      throw this.failure(err, sessionId);
    }
    try {
      await this.act(sessionId, ['paste-buffer', '-b', buffer, '-t', target, '-p', '-r', '-d']);
    } catch (err) {
      await this.client.command(['delete-buffer', '-b', buffer]).catch(() => undefined);
      throw err;
    }
  }

  /**
   * A key by name, as its own send-keys. Enter is sent as `Enter`, not `C-m`: apps that turn on
   * extended keys (CSI u) may ignore a raw C-m.
   */
  private async pressKey(sessionId: string, key: 'Enter' | 'Escape' | 'Up' | 'Down'): Promise<void> {
    await this.act(sessionId, ['send-keys', '-t', paneTarget(sessionId), key]);
  }

  private async act(sessionId: string, command: TmuxCommand): Promise<void> {
    try {
      await this.client.command(command);
    } catch (err) {
      throw this.failure(err, sessionId);
    }
  }

  private async allSessionNames(): Promise<string[]> {
    let names: string[];
    try {
      names = await this.client.command(['list-sessions', '-F', '#{session_name}'], { idempotent: true });
    } catch (err) {
      if (err instanceof TmuxCommandError && err.noServer) names = [];
      else throw this.failure(err);
    }
    this.client.noteSessions(this.preferTracked(names));
    return names;
  }

  private async listPanes(): Promise<PaneRow[]> {
    let lines: string[];
    try {
      lines = await this.client.command(['list-panes', '-a', '-F', PANE_FORMAT], { idempotent: true });
    } catch (err) {
      // No server, or a server without sessions ("no current target"): no panes at all.
      if (err instanceof TmuxCommandError && (err.noServer || err.missingTarget)) return [];
      throw this.failure(err);
    }
    const rows: PaneRow[] = [];
    for (const line of lines) {
      const parts = line.split('\t');
      if (parts.length < 5) continue;
      const [paneId = '', dead, activity, active] = parts;
      rows.push({
        paneId,
        dead: dead === '1',
        activity: Number(activity),
        active: active === '11',
        session: parts.slice(4).join('\t'),
      });
    }
    return rows;
  }

  /** The tmux server this backend talks to, for messages. */
  private serverLabel(): string {
    return this.socketName !== undefined ? `socket "${this.socketName}" (tmux -L ${this.socketName})` : 'the default socket';
  }

  async problem(): Promise<string | undefined> {
    try {
      await this.client.run(['list-sessions', '-F', '#{session_name}']);
      return undefined;
    } catch (err) {
      if (err instanceof TmuxCommandError && err.noServer) return `no tmux server is running on ${this.serverLabel()}`;
      if (err instanceof TmuxCommandError && err.missingTarget) return undefined; // a server without sessions
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** Our server's socket path, as tmux computes it (for identifySelf). */
  private ourSocketPath(): string {
    const dir = join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    if (this.socketName !== undefined) return join(dir, this.socketName);
    const inherited = process.env.TMUX?.split(',')[0];
    return inherited || join(dir, 'default');
  }

  /** A tmux failure as the BackendError the caller can act on. */
  private failure(err: unknown, sessionId?: string): Error {
    if (err instanceof BackendError) return err;
    if (err instanceof TmuxCommandError) {
      if (sessionId !== undefined && err.noServer) {
        return new BackendError(`no tmux server is running on ${this.serverLabel()}, so session "${sessionId}" cannot be reached`, 'no_server');
      }
      if (sessionId !== undefined && err.missingTarget) return sessionMissing(sessionId);
      return new BackendError(`${err.message}`, 'command_failed');
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

// ---------------------------------------------------------------------------------------------

function validSessionId(id: string): boolean {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_SESSION_ID_LENGTH && !/[\x00-\x1f\x7f]/.test(id);
}

function checkSessionId(id: string): void {
  if (!validSessionId(id)) {
    throw new BackendError(
      `Session id ${JSON.stringify(id)} is not valid: use 1 to ${MAX_SESSION_ID_LENGTH} characters without control characters.`,
      'invalid_session_id',
    );
  }
}

/** A name tmux never gives a session (it rewrites these characters) cannot exist: treat as missing. */
const addressable = (id: string): boolean => !/[:.$\\]/.test(id);

/** Exact pane target: `=name:` is the active pane of exactly that session (bare `web` would match `web-2`). */
const paneTarget = (id: string): string => `=${id}:`;

/** tmux expands formats (`#{…}`, `#S`) in some arguments, e.g. new-session -s and -c. */
const formatLiteral = (s: string): string => s.replaceAll('#', '##');

/** POSIX shell single-quoting. */
const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** Drop trailing blank lines and trailing spaces. */
function trimScreen(lines: readonly string[]): string[] {
  const out = lines.map((l) => l.trimEnd());
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** Short one-line text, which the input box shows whole. */
const isShortLine = (text: string): boolean => text.length <= MAX_EXACT_CHARS && !/[\x00-\x1f\x7f]/.test(text);

/** Whitespace-free text, to compare text with how a TUI wrapped and indented it. */
const squash = (s: string): string => s.replace(/\s+/gu, '');
/** How much of the end of the text must be seen in the input box. */
const SHOWN_TAIL_CHARS = 24;

/**
 * The input box shows the text: its end (whitespace ignored: the box wraps and indents lines, and
 * turns tabs into spaces), or the placeholder Claude Code draws for a long paste.
 */
function showsText(box: string, text: string): boolean {
  if (/\[Pasted text #\d+/u.test(box)) return true;
  const tail = squash(text).slice(-SHOWN_TAIL_CHARS);
  return tail === '' || squash(box).includes(tail);
}

function approvalInfo(a: ScreenAnalysis): ApprovalInfo {
  if (a.state !== 'waiting_approval') return { needsApproval: false };
  const info: ApprovalInfo = { needsApproval: true };
  if (a.toolName !== undefined) info.toolName = a.toolName;
  if (a.promptText !== undefined) info.promptText = a.promptText;
  if (a.promptId !== undefined) info.promptId = a.promptId;
  if (a.options !== undefined) info.options = a.options;
  return info;
}

/**
 * The agent a session belongs to: told explicitly (trackSession), `agentdeck_<agent>_<suffix>`, or
 * `<space>-<agent>` for a session this server created without naming its agent (split at the first
 * "-", which guesses wrong when the space name holds a "-": pass `agent` to createSession).
 */
function agentOf(name: string, tracked: ReadonlyMap<string, string | undefined>): string | undefined {
  const told = tracked.get(name);
  if (told) return told;
  const deck = AGENTDECK_PATTERN.exec(name);
  if (deck?.[1]) return deck[1];
  if (tracked.has(name)) {
    const dash = name.indexOf('-');
    if (dash > 0 && dash < name.length - 1) return name.slice(dash + 1);
  }
  return undefined;
}

function sameFile(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return a === b || real(a) === real(b);
}

const sessionMissing = (id: string): BackendError =>
  new BackendError(
    `tmux session "${id}" does not exist. Check the name with listSessions, or create the session first.`,
    'session_missing',
  );

const paneDead = (id: string): BackendError =>
  new BackendError(
    `The program in tmux session "${id}" has exited: its pane is dead (tmux keeps it because remain-on-exit is on), so nothing was sent.`,
    'pane_dead',
  );

const sessionExists = (id: string): BackendError =>
  new BackendError(
    `A tmux session named "${id}" already exists. Pick another name, or kill that session first.`,
    'session_exists',
  );
