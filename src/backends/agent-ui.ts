/**
 * What a session backend needs to know about the agent program in a terminal (Claude Code, later
 * Codex CLI or aider), with no I/O: what a screen means, which keys answer a dialog, how an
 * interrupt is done and confirmed, when typed text shows in the input box. Each agent program is
 * one folder under src/agents/ implementing this; the backend (agent-session-backend.ts) does the
 * I/O through a Terminal and asks its AgentUi what to do.
 */
import type { BlockedReason } from './blocked.js';
import { BackendError } from './errors.js';
import { promptIdFor } from './prompt-id.js';
import type { ApprovalDecision, ApprovalOption } from './session-backend.js';

/** What one screen of the agent means. */
export interface ScreenReading {
  /**
   * gone: the program has exited (a shell prompt or an exit line is back). `unknown`: the screen is
   * none of the program's known states (a full-screen view it was not taught, a crash report …). A
   * program's UI says so rather than guess a confident wrong state (lastLine says what it shows).
   */
  state: 'working' | 'idle' | 'waiting_approval' | 'gone' | 'unknown';
  /** True for an empty pane: the program is still starting (state 'working', not idle). */
  starting?: boolean;
  /** e.g. "Bash", "Edit", "Write", "WebFetch", "mcp__github__create_issue", "Trust". */
  toolName?: string;
  /**
   * What the dialog is about, whitespace-normalised: the command, the file and its change, the URL,
   * the tool's arguments, the folder; for a question, its wording and choices. A fixed question
   * ("Do you want to proceed?") only when the dialog shows nothing else.
   */
  promptText?: string;
  /** promptIdFor(toolName, promptText). */
  promptId?: string;
  /** Options of the dialog, in order; selected = the one marked as current. */
  options?: ApprovalOption[];
  /** false: the options carry no digits on screen (answer with arrows and Enter). */
  numbered?: boolean;
  /** Last non-empty line (borders stripped, trimmed). */
  lastLine?: string;
  /** The program's own input box is drawn: it is up and waits for a message (idle screens only). */
  inputReady?: boolean;
  /** gone: the command that resumes the conversation, when the screen shows it. */
  resumeCommand?: string;
  /** idle: the last turn ended on an API error of this kind. */
  blocked?: BlockedReason;
  /** working: the program is retrying the API; its status line (e.g. "529 Overloaded · retrying in 3s · attempt 3/10"). */
  retrying?: string;
  /** waiting_approval: the prompt comes from this subagent (e.g. "general-purpose"), not the main agent. */
  subagent?: string;
}

/** Keys a terminal can press by name. */
export type KeyName = 'Enter' | 'Escape' | 'Up' | 'Down' | 'C-u' | 'C-c' | 'BSpace';

/** One thing to send: a named key, or characters typed as key presses (not a paste). */
export type Keystroke = { key: KeyName } | { literal: string };

/** How a dialog is answered. */
export interface DialogAnswer {
  keys: Keystroke[];
  /** The keys as reported to the caller ("1", "Down Enter", "Escape"). */
  keySent: string;
  /** The option taken; absent when the dialog is declined without choosing one. */
  chosen?: ApprovalOption;
}

/** How an interrupt is done: press `key`; if still working after `confirmWaitMs`, press it once more. */
export interface InterruptPlan {
  key: KeyName;
  confirmWaitMs: number;
}

/**
 * How spawn_agent starts the program, and which of its words skip its permission prompts: the
 * program's own knowledge, which the core receives through the session backend.
 */
export interface AgentLaunch {
  /**
   * The command typed into the new session when the caller names none ("claude", "codex
   * --no-daemon"); undefined: the session's own shell is the program (nothing is typed).
   */
  readonly defaultCommand?: string;
  /** The program draws an input box to wait for, and takes the ignite prompt (false: a plain shell). */
  readonly takesIgnition: boolean;
  /** The flag skip_permissions adds (absent: the program has no such flag and it is refused). */
  readonly skipPermissionsFlag?: string;
  /**
   * Parts of a word (compared ignoring case) that start the program with its prompts skipped
   * wherever they appear: long distinctive flags, and values such as a permission mode's (also
   * inside a JSON settings argument). Allowed only with --allow-skip-permissions.
   */
  readonly skipPermissionWords: readonly string[];
  /** Flags and option values that skip its prompts, matched as whole words (see SkipFlags). */
  readonly skipPermissionFlags?: SkipFlags;
  /** Where to look when the program's MCP servers did not connect (its own command or view for them). */
  readonly mcpCheck?: string;
  /** How the program continues an earlier conversation (resume_agent); absent: it cannot. */
  readonly resume?: AgentResume;
}

/**
 * A program's permission-skipping command-line words, matched as whole flags: `flags` alone
 * (`--yolo`, `-y`, also as `--yolo=true` and, for a one-letter flag, inside a cluster like `-dy`;
 * not `--yolo=false`), and options whose value skips (`-a never`, `--ask-for-approval=never`,
 * `-anever`).
 */
export interface SkipFlags {
  readonly flags: readonly string[];
  readonly options: readonly { readonly names: readonly string[]; readonly values: readonly string[] }[];
}

/** A program's way back into a conversation it had: its flag, and where its screen names the id. */
export interface AgentResume {
  /**
   * The command that continues conversation `id` (letters, digits, `-`, `_`: one shell word):
   * `command`, the one the agent was started with, with any resume or continue flag of its own
   * taken out and the program's resume flag added, so its other flags stay.
   */
  command(command: string, id: string): string;
  /** The conversation id in the resume command the program's screen shows when it exits (ScreenReading.resumeCommand). */
  idOf(shown: string): string | undefined;
}

export interface AgentUi {
  /** The agent kind it reads ("claude-code"). */
  readonly kind: string;
  /** How it is started (spawn_agent); absent: only with an explicit command, never ignited. */
  readonly launch?: AgentLaunch;
  /**
   * Names its process shows as the pane's foreground program (tmux `pane_current_command`), to
   * guess the kind of a session registered without one. Programs run through node show "node":
   * those are told by their screen instead.
   */
  readonly programNames?: readonly string[];
  /**
   * What a screen means. A bare shell prompt reads as idle or gone (the program is not running): a
   * new session waits for it before the command is typed.
   */
  parse(lines: readonly string[]): ScreenReading;
  /**
   * The keys that give `decision` (or pick option number `option`) on `dialog`. Throws
   * BackendError('option_unavailable') naming what the dialog offers when it cannot be done;
   * `where` names the session in that sentence.
   */
  answerKeys(dialog: ScreenReading, decision: ApprovalDecision, option: number | undefined, where: string): DialogAnswer;
  /** Nothing is sent to an idle agent. */
  readonly interruptPlan: InterruptPlan;
  /** A dialog must have stood this long before a key is sent to it (keys sent earlier can be lost). */
  readonly dialogSettleMs: number;
  /** The text in the agent's input box, or undefined when no input box is shown. */
  inputBoxText(lines: readonly string[]): string | undefined;
  /** The box shows `text` (typed or pasted): then Enter may be pressed. */
  inputShows(box: string, text: string): boolean;
  /**
   * Text put into a box that held `before` must show exactly (not only its end): then a box that
   * shows only the end of it lost its first keys, and the text is typed again (see lostStart).
   */
  mustShowExactly(text: string, before: string): boolean;
  /** The box shows `text` exactly (as the agent draws it). */
  inputIs(box: string, text: string): boolean;
  /** The box shows an end part of `text` only: its start (or all of it) was lost. */
  lostStart(box: string, text: string): boolean;
  /** The key that empties the input box. */
  readonly clearInputKey: KeyName;
  /**
   * For a program that takes an Enter arriving soon after a paste as part of it (a newline in the
   * text): how long Enter waits after the paste even once the box shows the text. When set, an
   * Enter that still turned into a newline (the box keeps the text) is taken back with Backspace
   * and pressed again. Omitted: Enter goes once the text shows.
   */
  readonly submitAfterPasteMs?: number;
}

/**
 * The agent programs a backend can drive, by kind (src/agents/index.ts gives the real one). Each
 * agent names its kind (`agent_kind`); the backend reads and answers its session with that UI.
 */
export interface AgentUiCatalog {
  /** Every kind it knows, as callers may name them. */
  kinds(): readonly string[];
  /** The UI of `kind`, or undefined for a kind it does not know. */
  ui(kind: string): AgentUi | undefined;
}

/** A pane's text as rows (multi-line entries split, trailing blanks cut), and the index of its last non-blank row. */
export function paneRows(lines: readonly string[]): { rows: string[]; content: number[]; lastIdx: number | undefined } {
  const rows = lines.flatMap((l) => l.split('\n')).map((l) => l.trimEnd());
  const content = rows.flatMap((r, i) => (r.trim() === '' ? [] : [i]));
  return { rows, content, lastIdx: content.at(-1) };
}

/** The waiting_approval reading of a dialog found on screen, with its promptId. */
export function approvalReading(dialog: { toolName: string; promptText: string; options: ApprovalOption[] }, lastLine: string): ScreenReading {
  return {
    state: 'waiting_approval',
    toolName: dialog.toolName,
    promptText: dialog.promptText,
    promptId: promptIdFor(dialog.toolName, dialog.promptText),
    options: dialog.options,
    lastLine,
  };
}

/** How a program's numbered dialog is answered: which decision an option's label means, its key. */
export interface NumberedDialogKeys {
  decisionOf(label: string): ApprovalDecision | undefined;
  keyFor(option: ApprovalOption): Keystroke;
  /** The kind of option an answer looked for, as the program words it: '"yes"', '"don't ask again"'. */
  wording: { yes: string; always: string };
}

/**
 * Answers a numbered dialog: the option asked for, else the one whose label means the decision; a
 * "no" with no such option is Escape. An option the dialog does not offer is an error naming the
 * ones it does, and nothing is sent.
 */
export function answerNumbered(keys: NumberedDialogKeys, dialog: ScreenReading, decision: ApprovalDecision, option: number | undefined, where: string): DialogAnswer {
  const offered = dialog.options ?? [];
  const chosen = option !== undefined ? offered.find((o) => o.number === option) : offered.find((o) => keys.decisionOf(o.label) === decision);
  if (!chosen) {
    if (option === undefined && decision === 'no') return { keys: [{ key: 'Escape' }], keySent: 'Escape' };
    const list = offered.map((o) => `${o.number}. ${o.label}`).join('; ');
    throw new BackendError(
      option !== undefined
        ? `The prompt in ${where} has no option ${option}; it offers: ${list}. Nothing was sent.`
        : `The prompt in ${where} offers no ${decision === 'always' ? keys.wording.always : keys.wording.yes} option; it offers: ${list}. Pick one with option N. Nothing was sent.`,
      'option_unavailable',
    );
  }
  const key = keys.keyFor(chosen);
  return { keys: [key], keySent: 'key' in key ? key.key : key.literal, chosen };
}

const MAX_EXACT_CHARS = 256;
const SHOWN_TAIL_CHARS = 24;
const squash = (s: string): string => s.replace(/\s+/gu, '');

/**
 * The input-box checks of a program whose box wraps text freely (whitespace does not count) and
 * draws a long paste as a placeholder (`pasted`): the box shows the text when it shows the
 * placeholder or the text's last characters; a short first text must show whole.
 */
export function wrappedInputChecks(pasted: RegExp): Pick<AgentUi, 'inputShows' | 'mustShowExactly' | 'inputIs' | 'lostStart'> {
  return {
    inputShows: (box, text) => pasted.test(box) || squash(box).includes(squash(text).slice(-SHOWN_TAIL_CHARS)),
    mustShowExactly: (text, before) => before === '' && text.length <= MAX_EXACT_CHARS && !/[\x00-\x1f\x7f]/u.test(text),
    inputIs: (box, text) => squash(box) === squash(text),
    lostStart: (box, text) => squash(box).length < squash(text).length && squash(text).endsWith(squash(box)),
  };
}
