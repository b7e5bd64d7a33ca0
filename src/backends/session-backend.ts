/**
 * The contract every session backend (tmux first) implements, and the narrow role interfaces
 * (lifecycle, observation, action) for code that needs only one of them. Nothing here knows about
 * spaces, agents or the store: a backend deals in session ids only.
 */
import type { AgentLaunch } from './agent-ui.js';
import type { BlockedReason } from './blocked.js';

/** Coarse lifecycle status of one session. */
export type SessionStatus = 'unknown' | 'pending' | 'running' | 'idle' | 'completed' | 'failed' | 'missing';

/**
 * What an agent's terminal shows right now. `missing`: the session does not exist. `dead`: it
 * exists but its program has exited (tmux keeps such a pane with remain-on-exit); it takes no input.
 * `gone`: the agent program exited but the pane lives on (a shell prompt or an exit line is back).
 */
export type ScreenStateName = 'working' | 'idle' | 'waiting_approval' | 'dead' | 'missing' | 'unknown' | 'gone';

export type ApprovalDecision = 'yes' | 'always' | 'no';

/** One numbered choice of a permission dialog (`❯ 1. Yes`). */
export interface ApprovalOption {
  number: number;
  label: string;
  selected: boolean;
  /** The line(s) under a choice of a question (AskUserQuestion), when shown. */
  description?: string;
}

export interface ApprovalInfo {
  needsApproval: boolean;
  toolName?: string;
  promptText?: string;
  /** Short stable hash of tool name and prompt text, so a caller can approve exactly what it saw. */
  promptId?: string;
  options?: ApprovalOption[];
  /** The subagent that asks (ScreenReading.subagent). */
  subagent?: string;
  /** The exact input of the tool asked about, when the backend knows it (ACP: the request's raw input). */
  toolInput?: unknown;
}

export interface CreateSessionOptions {
  sessionId: string;
  /** The agent the session is for, so discovery maps it back without guessing from the name. */
  agent?: string;
  /** Command typed into the session's shell once it is ready; omitted = just the shell. */
  command?: string;
  /** Working directory; must exist and be a directory. */
  workDir?: string;
  width?: number;
  height?: number;
  /**
   * Environment the agent's program gets (also in `command` as `env K=V …`): a backend that hands
   * the agent an agent-boss MCP server itself (acp) gives it the same, so it binds to the agent.
   */
  env?: Record<string, string>;
}

/** One session as seen by a batch probe. */
export interface SessionProbe {
  sessionId: string;
  exists: boolean;
  state: ScreenStateName;
  approval: ApprovalInfo;
  /** Last non-empty line of the screen, when the session exists. */
  lastLine?: string;
  /** The agent program's input box is on screen (ScreenReading.inputReady). */
  inputReady?: boolean;
  /** ScreenReading.resumeCommand, .blocked, .retrying. */
  resumeCommand?: string;
  blocked?: BlockedReason;
  retrying?: string;
  /**
   * The state is exact, known from the agent's protocol rather than read from a screen (the acp
   * backend): liveness takes it as is, with this as the row's source.
   */
  protocol?: 'acp';
}

export interface ProbeOptions {
  /**
   * The agent kind of each session whose agent runs another program than the backend's own
   * (session id → kind): those screens are read with that kind's UI, in the same batch.
   */
  agentKinds?: ReadonlyMap<string, string>;
}

export interface SendInputOptions {
  /** Press Enter after the text (default true). */
  submit?: boolean;
}

export interface ApproveOptions {
  /** Refuse unless the pending prompt has this id. */
  expectPromptId?: string;
  /** Pick this option number of the dialog (a question's choice), whatever the decision says. */
  option?: number;
}

export interface ApproveResult {
  decision: ApprovalDecision;
  toolName?: string;
  promptId?: string;
  /** The key(s) sent (option number, arrows and Enter, or "Escape"). */
  keySent: string;
  /** The option taken (absent when the dialog was declined with Escape). */
  chosen?: { number: number; label: string };
  /** The prompt was no longer shown after the answer (checked within a bounded wait). */
  cleared: boolean;
}

export interface InterruptResult {
  /** The session no longer looks busy after the interrupt. */
  stopped: boolean;
  /** How many Escape presses were sent (Claude Code asks for a second one to confirm). */
  escapes: number;
  /** The agent was idle already: no key was sent. */
  nothingToInterrupt?: boolean;
}

/** Create, destroy and enumerate sessions. */
export interface SessionLifecycle {
  createSession(options: CreateSessionOptions): Promise<void>;
  killSession(sessionId: string): Promise<void>;
  sessionExists(sessionId: string): Promise<boolean>;
  listSessions(): Promise<string[]>;
}

/** Read what sessions show, without changing them. */
export interface SessionObserver {
  getStatus(sessionId: string): Promise<SessionStatus>;
  isIdle(sessionId: string): Promise<boolean>;
  /** Last `lines` non-empty lines of the screen (wrapped lines joined). */
  captureOutput(sessionId: string, lines?: number): Promise<string[]>;
  checkApproval(sessionId: string): Promise<ApprovalInfo>;
  /** Probe many sessions at once: the cheap path for liveness. */
  probeSessions(sessionIds: readonly string[], options?: ProbeOptions): Promise<Map<string, SessionProbe>>;
}

/** Act on a session the way an operator would at the keyboard. */
export interface SessionActor {
  sendInput(sessionId: string, text: string, options?: SendInputOptions): Promise<void>;
  approve(sessionId: string, decision: ApprovalDecision, options?: ApproveOptions): Promise<ApproveResult>;
  interrupt(sessionId: string): Promise<InterruptResult>;
}

export interface SessionBackend extends SessionLifecycle, SessionObserver, SessionActor {
  readonly name: string;
  /** The agent program it reads and answers (e.g. "claude-code"); an agent that names none is of this kind. */
  readonly agentKind: string;
  /** Every agent kind it can drive, its own among them. */
  agentKinds(): readonly string[];
  /** How its kind's program is started and which of its flags skip its prompts (undefined: not known). */
  readonly launch?: AgentLaunch;
  /**
   * Which agent program runs in the session, guessed from its foreground program and its screen,
   * with why (for the caller); undefined when it cannot tell.
   */
  guessAgentKind?(sessionId: string): Promise<{ kind: string; why: string } | undefined>;
  /**
   * The backend over the same terminal and sessions that drives agents of `kind` with that kind's
   * UI (this one for its own kind), made once per kind. Throws UnknownAgentKindError for a kind
   * it cannot drive.
   */
  forAgentKind(kind: string): SessionBackend;
  /** The backend's program is installed and answers. */
  available(): Promise<boolean>;
  /** Sessions that look like agents' (by naming convention): agent name → session id. */
  discoverSessions(): Promise<Map<string, string>>;
  /**
   * The session the calling process itself runs in, found from the environment it inherited
   * (for tmux: `TMUX`, `TMUX_PANE`); undefined when not inside one of this backend's sessions.
   */
  identifySelf?(env: NodeJS.ProcessEnv): Promise<string | undefined>;
  /**
   * Why `sessionId` can never name a session of this backend (a sentence for the caller), or
   * undefined when it can. Checked when a session is registered, so a bad id is refused up front.
   */
  sessionIdProblem?(sessionId: string): string | undefined;
  /**
   * Why no session of this backend can be reached right now (e.g. no tmux server runs on the
   * configured socket), as a sentence for the operator; undefined when the backend is reachable.
   */
  problem?(): Promise<string | undefined>;
  /** Release long-lived resources (control-mode clients, timers). */
  close?(): Promise<void>;
}
