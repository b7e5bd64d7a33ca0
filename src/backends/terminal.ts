/**
 * A terminal multiplexer seen as sessions of panes one can read and type into (tmux first). It
 * knows nothing of the program in the pane: the session backend (agent-session-backend.ts) pairs
 * a Terminal with an AgentUi. Failures are BackendErrors with the terminal's own sentences
 * (session_missing, no_server, unavailable, command_failed …).
 */
import type { KeyName } from './agent-ui.js';

/** One pane as a listing shows it. */
export interface PaneInfo {
  paneId: string;
  session: string;
  /** Its program exited (the pane is kept, e.g. tmux remain-on-exit). */
  dead: boolean;
  /** When the pane's window last had output (seconds; the terminal's clock resolution). */
  activity: number;
  /** The active pane of the active window of its session. */
  active: boolean;
}

/** Whether a pane takes keys now. */
export interface PaneState {
  dead: boolean;
  /** In a mode (copy mode, view mode) that would take keys as its own commands. */
  inMode: boolean;
  /** The mode's name, for messages. */
  mode: string;
}

export interface NewSession {
  sessionId: string;
  /** An existing directory (absolute). */
  workDir: string;
  width: number;
  height: number;
}

export interface Terminal {
  /** The backend name it serves under ("tmux"). */
  readonly name: string;
  available(): Promise<boolean>;
  /** Why no session can be reached now (no server running …), or undefined. */
  problem(): Promise<string | undefined>;
  /** Why `sessionId` can never name a session of this terminal, or undefined. */
  sessionIdProblem(sessionId: string): string | undefined;
  /** "tmux session "x"": how a session is named in sentences. */
  describe(sessionId: string): string;

  createSession(options: NewSession): Promise<void>;
  killSession(sessionId: string): Promise<void>;
  sessionExists(sessionId: string): Promise<boolean>;
  listSessions(): Promise<string[]>;
  /** Every pane of every session, in one listing. */
  listPanes(): Promise<PaneInfo[]>;
  /** The session's visible screen (plus up to `historyLines` earlier lines), trailing blanks trimmed. */
  capture(sessionId: string, historyLines?: number): Promise<string[]>;
  /** Snapshots of many panes at once; undefined for a pane that is gone. */
  capturePanes(paneIds: readonly string[]): Promise<(string[] | undefined)[]>;
  paneState(sessionId: string): Promise<PaneState>;
  /** The name of the program in the foreground of the session's pane ("claude", "node", "bash"). */
  paneCommand?(sessionId: string): Promise<string>;
  /** Take the pane out of its mode (copy mode …). */
  leaveMode(sessionId: string): Promise<void>;

  /** Characters as key presses, literally (no key names interpreted). */
  typeLiteral(sessionId: string, text: string): Promise<void>;
  /** Text as one paste (bracketed when the program asked for it), literally, newlines kept. */
  paste(sessionId: string, text: string): Promise<void>;
  pressKey(sessionId: string, key: KeyName): Promise<void>;

  /** The session the calling process runs in, from the environment it inherited. */
  identifySelf(env: NodeJS.ProcessEnv): Promise<string | undefined>;
  /** A session that belongs to an agent (the terminal may prefer it for its own long-lived attachments). */
  track?(sessionId: string): void;
  untrack?(sessionId: string): void;
  close(): Promise<void>;
}
