/**
 * The live parts of a Claude Code screen (pure): whether the program still runs, its input box, the
 * status line right above the box, the footer below it, the overlays the user opened, and how the
 * last turn ended. The transcript above them is never judged: an answer may quote a spinner line,
 * `esc to interrupt` or a whole permission dialog, and the user's draft may too.
 */
import { blockedReasonOf, type BlockedReason } from '../../backends/blocked.js';
import { isOuterBorder, prevNonBlank, WORKING_STATUS, type Row } from './rows.js';

/** Claude Code's spinner ("✻ Thinking… (12s …"); a finished turn's "✻ Cooked for 27s · done" has no "…". */
const SPINNER_LINE = /^[✻✽✶✳✢·*✺✹✷✸⋆∗]\s*[A-Za-z][\w'’ -]{0,40}…/u;
/** Its status while the API is retried: "✻ 500 Internal server error · retrying in 3s · attempt 3/10". */
const RETRY_LINE = /^[✻✽✶✳✢·*✺✹✷✸⋆∗]\s*(.*\bretrying in \d+\s*\w*.*)$/iu;
const INPUT_PROMPT = /^[>❯›](?:\s|$)/u;
/** Lines allowed below the input box's bottom frame (shortcut hints, mode, context left). */
const MAX_LINES_BELOW_INPUT = 5;
/** Typed text in the input box can span many lines. */
const MAX_INPUT_HEIGHT = 40;
/** How far above the input box the status line may sit (a todo list goes under it). */
const STATUS_SLOT = 40;

// ---------------------------------------------------------------------------------------------
// Exited.

/** Shell prompts that Claude Code never draws: `$`, `#`, `%` at the end of the last line. */
const STRONG_PROMPT_END = /(?:[$#]|(?<!\d)%)$/u;
/** What a wrapper script or tmux leaves when the program ended: `[claude exited 0]`, `Pane is dead`. */
const EXIT_MARK = /^\[(?:claude(?: code)?|process|program)\s+exited\b[^\]]*\]$|^Pane is dead\b/iu;
/** `claude --resume <id>`, with the flags the session was started with between (2.1.332 repeats them). */
const RESUME = /\bclaude(?: \S+)*? (?:--resume|-r) [\w-]{8,}/u;
/** The shell's report of a program killed by a signal: `bash: line 1: 4242 Killed   claude`. */
const KILLED = /\b\d+ (?:Killed|Segmentation fault|Aborted|Terminated|Bus error|Illegal instruction)\b.*\bclaude\b/u;
/** How many lines above the last the resume hint may be. */
const RESUME_REGION = 8;

export interface Exited {
  /** `claude --resume <id>`, when the screen shows it. */
  resumeCommand?: string;
}

/**
 * Claude Code has ended: the last line is a shell prompt (after `/exit`, a crash, or before it was
 * started), a wrapper's `[claude exited N]` line, or the shell's report that claude was killed.
 */
export function exited(rows: readonly Row[], lastRaw: number): Exited | undefined {
  const row = rows[lastRaw]!;
  const text = row.raw.trim();
  // A crash: the shell reports the kill and prints its prompt over the old screen's last lines.
  const mark = EXIT_MARK.test(text) || rows.slice(Math.max(0, lastRaw - 2), lastRaw + 1).some((r) => KILLED.test(r.raw));
  if (!mark) {
    if (row.depth > 0 || row.border !== undefined) return undefined;
    if (/<[^<>]*>$/u.test(text)) return undefined; // an HTML/XML tag, not a prompt
    if (!STRONG_PROMPT_END.test(text)) return undefined;
  }
  for (let i = lastRaw; i >= 0 && lastRaw - i <= RESUME_REGION; i--) {
    // The command may wrap over several lines (a capture without joined lines): rejoin them.
    if (/^Resume this session with:?$/iu.test(rows[i]!.content)) {
      const m = RESUME.exec(rows.slice(i + 1, lastRaw).map((r) => r.raw).join(''));
      if (m) return { resumeCommand: m[0] };
    }
    const m = RESUME.exec(rows[i]!.content);
    if (m) return { resumeCommand: m[0] };
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// The input box, the status slot above it and the footer below it.

export interface InputBox {
  /** Row of the `❯` line. */
  prompt: number;
  /** Row of the frame or rule above it (the top of the live region). */
  top: number;
  /** Non-blank rows below the box's bottom frame (the footer, or an overlay drawn under the box). */
  below: Row[];
  /** The box is current: few enough lines below it. */
  current: boolean;
}

/** Claude Code's input box: `│ > …` in a frame, or a `❯ ` line right under a `────` rule; the lowest one. */
export function findInputBox(rows: readonly Row[]): InputBox | undefined {
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    if (!INPUT_PROMPT.test(row.content)) continue;
    const above = prevNonBlank(rows, i);
    const framed = row.depth > 0 || (above !== undefined && rows[above]!.border === 'rule');
    if (!framed) continue;
    let top = above ?? i;
    if (row.depth > 0) for (let j = i - 1; j >= 0 && rows[j]!.depth > 0; j--) top = j - 1;
    let bottom: number | undefined;
    for (let j = i + 1; j < rows.length && j - i <= MAX_INPUT_HEIGHT; j++) {
      if (isOuterBorder(rows[j]!)) {
        bottom = j;
        break;
      }
    }
    const below = (bottom === undefined ? rows.slice(i + 1) : rows.slice(bottom + 1)).filter((r) => r.content !== '');
    const current = bottom === undefined ? below.length <= MAX_INPUT_HEIGHT : below.length <= MAX_LINES_BELOW_INPUT;
    return { prompt: i, top: Math.max(0, top), below, current };
  }
  return undefined;
}

/** A transcript item starts here: a submitted prompt or an answer at the left edge. */
const ITEM_START = /^[❯>●⏺]\s/u;

/**
 * The status lines right above the input box: from the box up to the start of the last transcript
 * item. Only lines at the left edge count (a quoted spinner sits indented inside an answer).
 */
export function statusSlot(rows: readonly Row[], boxTop: number): Row[] {
  const out: Row[] = [];
  for (let i = boxTop - 1; i >= 0 && boxTop - i <= STATUS_SLOT; i--) {
    const row = rows[i]!;
    if (row.content === '') continue;
    if (isOuterBorder(row) || (row.indent === 0 && ITEM_START.test(row.content))) break;
    if (row.indent <= 1) out.unshift(row);
  }
  return out;
}

/** A live spinner or working status among these lines. */
export function working(lines: readonly Row[]): boolean {
  return lines.some((r) => WORKING_STATUS.test(r.content) || SPINNER_LINE.test(r.content) || RETRY_LINE.test(r.content));
}

/** "500 Internal server error · retrying in 3s · attempt 3/10" when the status line says so. */
export function retrying(lines: readonly Row[]): string | undefined {
  for (const r of lines) {
    const m = RETRY_LINE.exec(r.content);
    if (m) return m[1]!.trim();
  }
  return undefined;
}

/**
 * The bottom of a screen without a current input box: a spinner or working status among its last
 * few lines, at the left edge (an old screen that is still scrolling, the legacy layouts).
 */
export function workingAtBottom(rows: readonly Row[], lastContent: number): boolean {
  const tail: Row[] = [];
  for (let i = lastContent; i >= 0 && tail.length < 4; i--) if (rows[i]!.content !== '') tail.push(rows[i]!);
  return working(tail.filter((r) => r.indent <= 1 || r.depth > 0));
}

// ---------------------------------------------------------------------------------------------
// Overlays the user opened (none is a turn and none is a prompt).

/** Hints under a full-screen menu (/model, /mcp, rewind, history search): the user is choosing. */
export const MENU_FOOTER = /\b(?:esc to (?:close|cancel|go back|exit)|enter to (?:save|view|select|confirm|continue|use|set as default)|to use this session only)\b/iu;
/** The `?` shortcuts help, drawn under the input box. */
const HELP_LINE = /\bfor (?:shell mode|commands|file paths)\b|\bto cycle modes\b|\bto see full transcript\b/iu;
/** The Ctrl+O transcript view (no input box). */
const TRANSCRIPT_VIEW = /^Showing detailed transcript\b|\bctrl\+o to toggle\b/iu;

/** The user's own overlay is open: help under the box, the transcript view, a menu. */
export function overlay(rows: readonly Row[], box: InputBox | undefined, lastContent: number): boolean {
  if (box && box.below.some((r) => HELP_LINE.test(r.content))) return true;
  const tail: string[] = [];
  for (let i = lastContent; i >= 0 && tail.length < 3; i--) if (rows[i]!.content !== '') tail.unshift(rows[i]!.content);
  if (tail.some((l) => TRANSCRIPT_VIEW.test(l))) return true;
  // A menu's hint line may wrap on a narrow screen ("… · Esc to" / "cancel").
  return MENU_FOOTER.test(tail.slice(-2).join(' '));
}

// ---------------------------------------------------------------------------------------------
// How the last turn ended.

/** Claude Code's own report of a failed request, at the left edge of the transcript. */
const API_FAILURE = /^(?:[●⏺]\s+API Error\b|⎿\s+(?:API Error\b|Invalid API key\b|Please run \/login\b|OAuth token\b|Credit balance\b))/u;

/**
 * The last turn ended on an API error Claude Code gave up on: the lines between the last submitted
 * prompt and the input box hold its `API Error: …` (or `Invalid API key`) report.
 */
export function lastTurnFailure(rows: readonly Row[], boxTop: number): { reason: BlockedReason; text: string } | undefined {
  for (let i = boxTop - 1; i >= 0 && boxTop - i <= STATUS_SLOT; i--) {
    const row = rows[i]!;
    if (row.content === '') continue;
    if (row.indent === 0 && /^[❯>]\s/u.test(row.content)) return undefined;
    if (row.indent > 2) continue;
    if (API_FAILURE.test(row.content)) {
      const text = [row.content, ...rows.slice(i + 1, Math.min(boxTop, i + 4)).filter((r) => r.indent === 2 && r.content !== '').map((r) => r.content)]
        .join(' ')
        .replace(/^[●⏺⎿]\s+/u, '');
      // An API error Claude Code reports and names no other kind of: the server failed.
      return { reason: blockedReasonOf(text) ?? 'server_error', text };
    }
  }
  return undefined;
}
