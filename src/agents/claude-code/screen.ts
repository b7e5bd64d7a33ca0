/**
 * Pure parser for what a Claude Code pane shows (text from `capture-pane -p -J`, no ANSI codes).
 * No I/O: the session backend captures through its terminal, this module decides. The dialogs
 * themselves are read in dialog.ts, the lines in rows.ts.
 *
 * Order of the checks (first match wins):
 *   1. empty pane                           → working, starting
 *   2. permission dialog, question or folder-trust dialog at the bottom → waiting_approval
 *      (first, because a dialog contains idle-looking lines such as `❯ 1. Yes`)
 *   3. shell prompt ending in `$` `#` `%`    → idle (the agent exited back to its shell)
 *   4. "esc to interrupt" or a spinner line  → working (even with the input box visible below it)
 *   5. Claude Code's input box, or a last line ending in `>` / `❯` → idle
 *   6. a full-screen menu (`/model`, `/mcp`: "Esc to close", "Enter to save" …) → idle
 *   7. anything else (output still scrolling) → working
 *
 * Both Claude Code layouts are understood: the older boxed one (`╭─╮ │ │ ╰─╯`) and the newer
 * borderless one (a `────` rule line above the content).
 *
 * Tool names, from the dialog's header (case-insensitive), else from its question:
 *   "Bash command", "Bash"                                  → Bash
 *   "Edit file", "Edit", "Update"; "…make this edit to…?"   → Edit
 *   "Create file", "Write", "Write file", "Overwrite file"; "…want to create…?" → Write
 *   "Fetch", "WebFetch", "Web fetch"; "…to fetch…?"         → WebFetch
 *   "Web search", "WebSearch"                               → WebSearch
 *   "Read file", "Read"                                     → Read
 *   "Edit notebook", "NotebookEdit"                          → NotebookEdit
 *   "Ready to code?", "Exit plan mode?", "ExitPlanMode"     → ExitPlanMode
 *   "server — Title Tool: (MCP)" (2.1.x: the tool's title)  → mcp__server__<name> when the title is
 *        one of `mcpToolTitles` (this server's own tools), else mcp__server__<title as shown>
 *   "server - tool(…) (MCP)" anywhere in header or body     → mcp__server__tool
 *   "mcp__server__tool" as header or body line              → as is
 *   "Tool use" followed by "Name(…)"                        → Name
 *   numbered choices + "Type something." / "Chat about this" → AskUserQuestion
 *   a question about trusting the folder                    → Trust
 *   any other header                                        → the header text as shown
 *
 * The folder-trust dialog of 2.1.x has options without numbers (`❯ No, exit` / `Yes, I trust this
 * folder`); they are numbered here in screen order and marked `numbered: false`, so an answer moves
 * the selection with the arrow keys instead of typing a digit.
 */
import { promptIdFor } from '../../backends/prompt-id.js';
import type { ScreenReading } from '../../backends/agent-ui.js';
import { findDialog, findSelectDialog, MENU_FOOTER, type ParseOptions } from './dialog.js';
import { isOuterBorder, lastRawRow, prevNonBlank, toRow, WORKING_STATUS, type Row } from './rows.js';

/** What one screen means: the agent-UI contract's reading (src/backends/agent-ui.ts), under the parser's name. */
export type ScreenAnalysis = ScreenReading;

/** Short (12 hex chars) stable hash of tool name + prompt text; shared with the hook path. */
export { promptIdFor };
export { chooseOption, type ParseOptions } from './dialog.js';



export function parseScreen(lines: readonly string[], opts: ParseOptions = {}): ScreenAnalysis {
  const rows = lines.flatMap((line) => line.split('\n')).map(toRow);
  const contentIdx = rows.flatMap((r, i) => (r.content === '' ? [] : [i]));
  const lastContent = contentIdx.at(-1);
  if (lastContent === undefined) return { state: 'working', starting: true };
  const lastLine = rows[lastContent]!.content;

  const dialog = findDialog(rows, opts) ?? findSelectDialog(rows);
  if (dialog) {
    return {
      state: 'waiting_approval',
      ...(dialog.toolName !== undefined && { toolName: dialog.toolName }),
      promptText: dialog.promptText,
      promptId: promptIdFor(dialog.toolName, dialog.promptText),
      options: dialog.options,
      ...(dialog.numbered === false && { numbered: false }),
      lastLine,
    };
  }

  const lastRaw = lastRawRow(rows);
  if (lastRaw !== undefined && isShellPrompt(rows, lastRaw, STRONG_PROMPT_END)) {
    return { state: 'idle', lastLine };
  }
  if (hasWorkingStatus(rows, lastContent)) return { state: 'working', lastLine };
  if (hasInputBox(rows)) return { state: 'idle', inputReady: true, lastLine };
  if (lastRaw !== undefined && isShellPrompt(rows, lastRaw, WEAK_PROMPT_END)) return { state: 'idle', lastLine };
  // A full-screen menu (/model, /mcp, /config …) waits for the user like the input box does.
  if (MENU_FOOTER.test(lastLine)) return { state: 'idle', lastLine };
  return { state: 'working', lastLine };
}

/**
 * The text in Claude Code's input box (the lines between the rules around `❯`, the prompt
 * character taken off, joined with "\n"), or undefined when no input box is shown.
 */
export function inputBoxText(lines: readonly string[]): string | undefined {
  const rows = lines.flatMap((line) => line.split('\n')).map(toRow);
  for (let i = rows.length - 1; i > 0; i--) {
    if (!INPUT_PROMPT.test(rows[i]!.content) || rows[i]!.depth > 0) continue;
    const above = prevNonBlank(rows, i);
    if (above === undefined || rows[above]!.border !== 'rule') continue;
    const parts: string[] = [];
    for (let j = i; j < rows.length && !isOuterBorder(rows[j]!); j++) {
      const raw = rows[j]!.raw;
      parts.push(j === i ? raw.replace(/^\s*[>❯›][\s\u00a0]?/u, '') : raw.replace(/^ {2}/u, ''));
    }
    return parts.join('\n').replace(/\s+$/u, '');
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Rows: one screen line with box borders taken off.

// Working and idle.

/** Claude Code's spinner ("✻ Thinking… (12s …"). */
const SPINNER_LINE = /^[✻✽✶✳✢·*✺✹✷✸⋆∗]\s*[A-Za-z][\w'’ -]{0,40}…/u;
/** How many lines above the bottom the working status may sit (todo lists go under the spinner). */
const WORKING_REGION = 40;

function hasWorkingStatus(rows: readonly Row[], lastContent: number): boolean {
  for (let i = lastContent; i >= 0 && lastContent - i < WORKING_REGION; i--) {
    const c = rows[i]!.content;
    if (WORKING_STATUS.test(c) || SPINNER_LINE.test(c)) return true;
  }
  return false;
}

/** Shell prompts that Claude Code never draws: `$`, `#`, `%` at the end of the last line. */
const STRONG_PROMPT_END = /(?:[$#]|(?<!\d)%)$/u;
/** Prompt characters Claude Code's own input box uses too. */
const WEAK_PROMPT_END = /(?:^|[^-=<])[>❯]$|^[>❯]$/u;

function isShellPrompt(rows: readonly Row[], index: number, end: RegExp): boolean {
  const row = rows[index]!;
  if (row.depth > 0 || row.border !== undefined) return false;
  const text = row.raw.trim();
  if (/<[^<>]*>$/u.test(text)) return false; // an HTML/XML tag, not a prompt
  return end.test(text);
}

/** Lines allowed below the input box's bottom frame (shortcut hints, mode, context left). */
const MAX_LINES_BELOW_INPUT = 5;
/** Typed text in the input box can span many lines. */
const MAX_INPUT_HEIGHT = 40;
const INPUT_PROMPT = /^[>❯›](?:\s|$)/u;

/** Claude Code's input box: `│ > …` in a frame, or a `> ` line right under a `────` rule. */
function hasInputBox(rows: readonly Row[]): boolean {
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    if (!INPUT_PROMPT.test(row.content)) continue;
    const above = prevNonBlank(rows, i);
    const framed = row.depth > 0 || (above !== undefined && rows[above]!.border === 'rule');
    if (!framed) continue;
    // The box must be current: its bottom frame is near the end of the screen.
    let bottom: number | undefined;
    for (let j = i + 1; j < rows.length && j - i <= MAX_INPUT_HEIGHT; j++) {
      if (isOuterBorder(rows[j]!)) {
        bottom = j;
        break;
      }
    }
    const after = bottom === undefined ? rows.slice(i + 1) : rows.slice(bottom + 1);
    const linesBelow = after.filter((r) => r.content !== '').length;
    if (bottom === undefined ? linesBelow <= MAX_INPUT_HEIGHT : linesBelow <= MAX_LINES_BELOW_INPUT) return true;
    return false;
  }
  return false;
}
