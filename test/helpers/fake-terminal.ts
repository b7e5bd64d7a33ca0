/**
 * A fake *terminal* for pure unit tests of the core: each session shows a real captured Claude Code
 * screen (test/fixtures/screens/claude-code-2.1.328/) and reacts to keys the way Claude Code does
 * (a digit or Enter answers a dialog, Escape declines it or stops a working agent, a paste shows
 * in the input box and Enter submits it). The backend over it is the real AgentSessionBackend with
 * the real Claude Code UI, so the tests check the real key choice, not a copy of it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentUi, agentUiCatalog } from '../../src/agents/index.js';
import { AgentSessionBackend } from '../../src/backends/agent-session-backend.js';
import type { KeyName } from '../../src/backends/agent-ui.js';
import { BackendError } from '../../src/backends/errors.js';
import type { ProbeOptions, SessionProbe } from '../../src/backends/session-backend.js';
import type { NewSession, PaneInfo, PaneState, Terminal } from '../../src/backends/terminal.js';

const SCREENS = join(import.meta.dirname, '..', 'fixtures', 'screens', 'claude-code-2.1.328');

/** A captured screen by name (without ".80x30.txt"), e.g. "bash-one-line", "trust", "idle-start". */
export function fixtureScreen(name: string, size = '80x30'): string[] {
  return readFileSync(join(SCREENS, `${name}.${size}.txt`), 'utf8').replace(/\n$/, '').split('\n');
}

/** Shorthands for the screens tests ask for most. */
const ALIASES: Record<string, string> = {
  idle: 'idle-start',
  working: 'working-streaming',
  waiting_approval: 'bash-one-line',
};

/**
 * The input box's text as `capture-pane` shows it in tmux 3.3a when Claude Code 2.1.328 drew it
 * (measured; docs/architecture.md, "Typing a message"): composed (NFC), without the zero-width characters Claude Code drops,
 * skin tones lost, a ZWJ sequence without its last member, a space after an emoji with U+FE0F.
 */
export function capturedBox(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u200b\u2060\ufeff\u00ad\u200e]/gu, '')
    .replace(/\p{Emoji_Modifier}/gu, '')
    .replace(/(\p{Extended_Pictographic}\ufe0f?(?:\u200d\p{Extended_Pictographic}\ufe0f?)*)\u200d\p{Extended_Pictographic}\ufe0f?/gu, '$1\u200d')
    .replace(/(\p{Extended_Pictographic}\ufe0f)(?!\u200d)/gu, '$1 ');
}

/** One fake pane: what it shows and what reached it. */
export class FakePane {
  /** Text put into the input box, and whether Enter submitted it. */
  readonly inputs: { text: string; submit: boolean }[] = [];
  /** Keys that were not part of typing a message: dialog answers, Escape, arrows. */
  readonly keys: string[] = [];
  /** Command lines typed at the shell prompt of a new session (the fake starts no program). */
  readonly commands: string[] = [];
  /**
   * How the next pastes arrive, one entry per paste: a delay in ms before the text shows in the box
   * (a busy program), 'drop' (the program lost it) or 'twice' (drawn together with a late copy of
   * itself). Pastes beyond the list arrive at once.
   */
  readonly pasteArrivals: (number | 'drop' | 'twice' | 'half')[] = [];
  /** How many of the next Enter presses on a non-empty input box are lost (a busy program dropping keys). */
  lostEnters = 0;
  /** false: the input box takes text but never draws it (the box always looks empty). */
  echo = true;
  /** The most characters the input box held at once (to see text typed twice into a box that does not echo). */
  peakTyped = 0;
  dead = false;
  inMode = false;
  /** Bumped on every change of the screen (the pane's "activity"). */
  activity = 1;
  private name = 'idle-start';
  private box = '';
  private selected = 0;
  /** A screen of another agent program (showLines): its lines, and what a key turns it into. */
  private custom: { lines: string[]; onKey: (key: string) => string[] | undefined } | undefined;

  constructor(readonly paneId: string) {}

  /** Show a fixture screen ("idle", "working", "waiting_approval" or a fixture name). */
  show(screen: string): this {
    this.custom = undefined;
    this.name = ALIASES[screen] ?? screen;
    this.box = '';
    this.selected = 0;
    this.activity++;
    return this;
  }

  /**
   * Show the screen of another agent program than Claude Code (a test-only agent kind): `lines`,
   * and `onKey` gives the next screen for a key (undefined: it stays). Every key is recorded.
   */
  showLines(lines: string[], onKey: (key: string) => string[] | undefined = () => undefined): this {
    this.custom = { lines, onKey };
    this.name = 'custom';
    this.activity++;
    return this;
  }

  /** The coarse state, as tests set it. */
  get state(): string {
    return this.name;
  }
  set state(screen: string) {
    this.show(screen);
  }

  /** The prompt id the real parser gives the dialog shown (undefined: none). */
  promptId(): string | undefined {
    return agentUi('claude-code').parse(this.lines()).promptId;
  }

  /** What the input box holds (drawn or not). */
  get typed(): string {
    return this.box;
  }

  lines(): string[] {
    if (this.custom) return this.custom.lines;
    if (this.name === 'shell') return [`user@host:~$ ${this.box}`.trimEnd()];
    const lines = fixtureScreen(this.name);
    if (this.box === '' || !this.echo) return lines;
    const at = lines.findLastIndex((l) => /^❯(?:[\s\u00a0]|$)/u.test(l));
    if (at < 0) return lines;
    const [first = '', ...rest] = capturedBox(this.box).split('\n');
    return [...lines.slice(0, at), `❯\u00a0${first}`, ...rest.map((l) => `  ${l}`), ...lines.slice(at + 1)];
  }

  private get dialog(): boolean {
    return !/^(idle|working|menu|shell)/.test(this.name);
  }

  paste(text: string): void {
    const arrival = this.pasteArrivals.shift();
    if (arrival === 'drop') return;
    if (arrival === 'twice') text = `${text}${text}`;
    if (arrival === 'half') text = text.slice(0, Math.ceil(text.length / 2));
    if (typeof arrival === 'number') return void setTimeout(() => this.arrive(text), arrival);
    this.arrive(text);
  }

  private arrive(text: string): void {
    if (this.custom) return void this.press(text);
    if (this.name === 'shell') {
      this.box += text;
      this.activity++;
      return;
    }
    this.inputs.push({ text, submit: false });
    this.box += text;
    this.peakTyped = Math.max(this.peakTyped, this.box.length);
    this.activity++;
  }

  press(key: string): void {
    this.activity++;
    if (this.custom) {
      this.keys.push(key);
      const next = this.custom.onKey(key);
      if (next) this.custom.lines = next;
      return;
    }
    if (this.dialog) return this.answer(key);
    if (this.name === 'shell') {
      if (key === 'Enter' && this.box !== '') this.commands.push(this.box);
      this.box = '';
      return;
    }
    if (key === 'Enter') {
      if (this.box !== '' && this.lostEnters > 0) return void this.lostEnters--;
      const last = this.inputs.at(-1);
      if (this.box !== '' && last && !last.submit) last.submit = true;
      else this.inputs.push({ text: '', submit: true });
      this.box = '';
      return;
    }
    if (key === 'C-u') {
      // As Claude Code: the current (last) line is cleared; on an empty line, the line break before it.
      this.box = this.box.endsWith('\n') ? this.box.slice(0, -1) : this.box.slice(0, this.box.lastIndexOf('\n') + 1);
      return;
    }
    this.keys.push(key);
    if (key === 'Escape' && this.name.startsWith('working')) this.show('idle-after-escape');
  }

  /** A key on a dialog: a digit or Enter picks an option, arrows move, Escape declines. */
  private answer(key: string): void {
    this.keys.push(key);
    const labels = fixtureScreen(this.name)
      .map((l) => /^\s*(?:❯\s*)?(?:\d+\.\s+)?(Yes|No)\b.*$/u.exec(l)?.[0].trim() ?? '')
      .filter((l) => l !== '');
    if (key === 'Down' || key === 'Up') {
      this.selected = Math.max(0, this.selected + (key === 'Down' ? 1 : -1));
      return;
    }
    if (key === 'Escape') return void this.show('idle-after-escape');
    const index = /^\d$/.test(key) ? Number(key) - 1 : key === 'Enter' ? this.selected : -1;
    if (index < 0) return;
    const label = labels[index]?.replace(/^❯\s*/u, '').replace(/^\d+\.\s+/u, '') ?? '';
    this.show(/^no\b/iu.test(label) ? 'idle-after-escape' : 'working-streaming');
  }
}

export class FakeTerminal implements Terminal {
  readonly sessions = new Map<string, FakePane>();
  isAvailable = true;
  /** How many times the panes were listed (one listing per probe). */
  listings = 0;
  private panes = 0;

  constructor(readonly name = 'tmux') {}

  add(sessionId: string, screen = 'idle'): FakePane {
    const pane = new FakePane(`%${++this.panes}`).show(screen);
    this.sessions.set(sessionId, pane);
    return pane;
  }

  private get(id: string): FakePane {
    if (!this.isAvailable) throw new BackendError('fake is not installed or not on PATH', 'unavailable');
    const s = this.sessions.get(id);
    if (!s) throw new BackendError(`session "${id}" does not exist`, 'session_missing');
    return s;
  }

  async available() {
    return this.isAvailable;
  }
  async problem() {
    return undefined;
  }
  sessionIdProblem(): string | undefined {
    return undefined;
  }
  describe(id: string) {
    return `session "${id}"`;
  }
  async createSession(o: NewSession) {
    if (this.sessions.has(o.sessionId)) throw new BackendError('exists', 'session_exists');
    // A new session shows its shell prompt at once; the command typed there starts nothing.
    this.add(o.sessionId, 'shell');
  }
  async killSession(id: string) {
    this.get(id);
    this.sessions.delete(id);
  }
  async sessionExists(id: string) {
    return this.sessions.has(id);
  }
  async listSessions() {
    return [...this.sessions.keys()];
  }
  async listPanes(): Promise<PaneInfo[]> {
    this.listings++;
    if (!this.isAvailable) throw new BackendError('fake is not installed or not on PATH', 'unavailable');
    return [...this.sessions].map(([session, p]) => ({ paneId: p.paneId, session, dead: p.dead, activity: p.activity, active: true }));
  }
  async capture(id: string) {
    return this.get(id).lines();
  }
  async capturePanes(paneIds: readonly string[]) {
    const byPane = new Map([...this.sessions.values()].map((p) => [p.paneId, p]));
    return paneIds.map((id) => byPane.get(id)?.lines());
  }
  async paneState(id: string): Promise<PaneState> {
    const p = this.get(id);
    return { dead: p.dead, inMode: p.inMode, mode: p.inMode ? 'copy-mode' : '' };
  }
  async leaveMode(id: string) {
    this.get(id).inMode = false;
  }
  async typeLiteral(id: string, text: string) {
    const p = this.get(id);
    for (const ch of text) p.press(ch);
  }
  async paste(id: string, text: string) {
    this.get(id).paste(text);
  }
  async pressKey(id: string, key: KeyName) {
    this.get(id).press(key);
  }
  async identifySelf() {
    return undefined;
  }
  async close() {}
}

/**
 * The real session backend (named "tmux" by default) over a FakeTerminal, for unit tests of the
 * core. `add(id, screen)` shows a fixture screen in a new session ("shell": a shell prompt).
 */
export class FakeBackend extends AgentSessionBackend {
  override readonly terminal: FakeTerminal;
  probeCalls = 0;

  constructor(name = 'tmux') {
    const terminal = new FakeTerminal(name);
    super({ terminal, ui: agentUi('claude-code'), agentUis: agentUiCatalog(), name, submitSettleMs: 0 });
    this.terminal = terminal;
  }

  get sessions(): Map<string, FakePane> {
    return this.terminal.sessions;
  }
  get isAvailable(): boolean {
    return this.terminal.isAvailable;
  }
  set isAvailable(v: boolean) {
    this.terminal.isAvailable = v;
  }

  add(sessionId: string, screen = 'idle'): FakePane {
    return this.terminal.add(sessionId, screen);
  }

  /** The prompt id the real parser gives the dialog a session shows. */
  async promptIdOf(sessionId: string): Promise<string> {
    const id = (await this.checkApproval(sessionId)).promptId;
    if (id === undefined) throw new Error(`session "${sessionId}" shows no dialog`);
    return id;
  }

  override async probeSessions(ids: readonly string[], options?: ProbeOptions): Promise<Map<string, SessionProbe>> {
    this.probeCalls++;
    return super.probeSessions(ids, options);
  }
}
