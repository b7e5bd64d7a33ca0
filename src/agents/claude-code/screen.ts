/**
 * Pure parser for what a Claude Code pane shows (text from `capture-pane -p -J`, no ANSI codes).
 * No I/O: the session backend captures through its terminal, this module decides. The dialogs
 * themselves are read in dialog.ts, the lines in rows.ts.
 *
 * Only the live parts of the screen are judged: the last line (a shell prompt, an exit line), the
 * dialog at the bottom, the input box with the status line right above it and the footer below it.
 * The transcript above them is not: an answer may quote a spinner or a whole dialog. Order of the
 * checks (first match wins):
 *   1. empty pane                           → working, starting
 *   2. a shell prompt (`$` `#` `%`) or `[claude exited N]` as the last line → gone (Claude Code
 *      exited or crashed), with `claude --resume <id>` when the screen shows it
 *   3. permission dialog, question or folder-trust dialog at the bottom → waiting_approval
 *      (`· from the <type> agent` in its header names the subagent that asks)
 *   4. the input box, with a spinner / "esc to interrupt" in its footer or in the status line right
 *      above it → working (`retrying in 3s · attempt 3/10`: working, with the retry status)
 *   5. the input box, current → idle (an `API Error` ending the last turn: idle, blocked with its kind)
 *   6. the user's own overlay: `?` help under the box, the Ctrl+O transcript view, a menu (`/model`,
 *      rewind, history search: "Esc to cancel", "Enter to save" …) → idle
 *   7. a spinner at the bottom of a screen without a current input box → working
 *   8. a last line ending in `>` / `❯` (a prompt) → idle
 *   9. anything else → unknown, with the last line
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
import { findDialog, findSelectDialog, type ParseOptions } from './dialog.js';
import { exited, findInputBox, lastTurnFailure, overlay, retrying, statusSlot, working, workingAtBottom } from './live.js';
import { isOuterBorder, lastRawRow, prevNonBlank, toRow, type Row } from './rows.js';

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

  const lastRaw = lastRawRow(rows);
  const ended = lastRaw === undefined ? undefined : exited(rows, lastRaw);
  if (ended) return { state: 'gone', lastLine, ...ended };

  const dialog = findDialog(rows, opts) ?? findSelectDialog(rows);
  if (dialog) {
    return {
      state: 'waiting_approval',
      ...(dialog.toolName !== undefined && { toolName: dialog.toolName }),
      promptText: dialog.promptText,
      promptId: promptIdFor(dialog.toolName, dialog.promptText),
      options: dialog.options,
      ...(dialog.numbered === false && { numbered: false }),
      ...(dialog.subagent !== undefined && { subagent: dialog.subagent }),
      lastLine,
    };
  }

  const box = findInputBox(rows);
  if (box) {
    const slot = statusSlot(rows, box.top);
    if (working(slot) || (box.current && working(box.below))) {
      const retry = retrying(slot);
      return { state: 'working', lastLine, ...(retry !== undefined && { retrying: retry }) };
    }
    if (box.current) {
      const failure = lastTurnFailure(rows, box.top);
      return { state: 'idle', inputReady: true, lastLine, ...(failure && { blocked: failure.reason }) };
    }
  }
  if (overlay(rows, box, lastContent)) return { state: 'idle', lastLine };
  if (workingAtBottom(rows, lastContent)) return { state: 'working', lastLine };
  if (lastRaw !== undefined && isShellPrompt(rows, lastRaw, WEAK_PROMPT_END)) return { state: 'idle', lastLine };
  return { state: 'unknown', lastLine };
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

/** Prompt characters Claude Code's own input box uses too. */
const WEAK_PROMPT_END = /(?:^|[^-=<])[>❯]$|^[>❯]$/u;
const INPUT_PROMPT = /^[>❯›](?:\s|$)/u;

function isShellPrompt(rows: readonly Row[], index: number, end: RegExp): boolean {
  const row = rows[index]!;
  if (row.depth > 0 || row.border !== undefined) return false;
  const text = row.raw.trim();
  if (/<[^<>]*>$/u.test(text)) return false; // an HTML/XML tag, not a prompt
  return end.test(text);
}
