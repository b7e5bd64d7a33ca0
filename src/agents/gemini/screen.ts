/**
 * Pure parser for what a Gemini CLI pane shows (text from `capture-pane -p -J`, no ANSI codes).
 * Measured on Gemini CLI 0.61.0 (test/fixtures/screens/gemini-0.61.0/).
 *
 * Order of the checks (first match wins):
 *   1. empty pane                                   → working, starting
 *   2. a confirmation box at the bottom: `? Shell  <command>`, a question ("Allow execution of
 *      [Shell]?"), numbered options (`● 1. Allow once`) → waiting_approval (the input box is hidden);
 *      for a tool of an untrusted MCP server the header is `?  <tool> (<server> MCP Server) <args>`
 *      under "Action Required"
 *   3. a shell prompt ending in `$` `#` `%` as the last line → gone (Gemini exited to its shell, or has not started)
 *   4. the spinner line "(esc to cancel, 3s)"        → working (the input box stays below it)
 *   5. the input box (`>` between `▄▄▄` and `▀▀▀` rules) near the bottom → idle, inputReady
 *   6. anything else                                → unknown
 *
 * Tool names: the box's header names the tool as shown; the known ones are given by their tool
 * names (Shell → run_shell_command, WriteFile → write_file, Edit → replace, WebFetch → web_fetch),
 * the names Gemini's hooks use. An MCP tool is named as Gemini qualifies it, `mcp_<server>_<tool>`,
 * its prompt text the arguments the header shows.
 */
import { approvalReading, paneRows, type ScreenReading } from '../../backends/agent-ui.js';
import type { ApprovalOption } from '../../backends/session-backend.js';

const PLACEHOLDER = 'Type your message or @path/to/file';
const TOOL_NAMES: Readonly<Record<string, string>> = { Shell: 'run_shell_command', WriteFile: 'write_file', Edit: 'replace', WebFetch: 'web_fetch' };
const OPTION = /^(?:●\s*)?(\d{1,2})\.\s+(\S.*)$/u;
const HEADER = /^\?\s+(\S+)(?:\s{2,}(.*))?$/u;
const MCP_HEADER = /^\?\s+(\S+)\s+\((\S+) MCP Server\)\s*(.*)$/u;
const WORKING = /\(esc to cancel, \d/u;
const SHELL_PROMPT_END = /(?:[$#]|(?<!\d)%)$/u;
const BOX_TOP = /^▄{10,}$/u;
const BOX_BOTTOM = /^▀{10,}$/u;
/** Lines under the input box (the workspace / sandbox / model footer). */
const MAX_LINES_BELOW_INPUT = 4;
const BOTTOM_REGION = 12;
const MAX_DIALOG_LINES = 40;

const squashSpaces = (s: string): string => s.replace(/\s+/gu, ' ').trim();

/** A row with its box frames taken off (`│ … │`, nested `│ │ … │ │`); corners give ''. */
function unframe(row: string): { text: string; depth: number } {
  let text = row.trim();
  let depth = 0;
  while (/^│/u.test(text)) {
    text = text.replace(/^│\s?/u, '').replace(/\s?│$/u, '').trim();
    depth++;
  }
  if (/^[╭╰][─]*[╮╯]?$/u.test(text)) return { text: '', depth };
  return { text, depth };
}

interface GeminiDialog {
  toolName: string;
  promptText: string;
  options: ApprovalOption[];
}

export function findGeminiDialog(rows: readonly string[]): GeminiDialog | undefined {
  const content = rows.flatMap((r, i) => (r.trim() === '' ? [] : [i]));
  const region = content.slice(-BOTTOM_REGION);
  // The last option line of a framed box near the bottom.
  const lastOption = [...region].reverse().find((i) => {
    const u = unframe(rows[i]!);
    return u.depth > 0 && OPTION.test(u.text);
  });
  if (lastOption === undefined) return undefined;
  // Under it only the box's frame.
  if (content.some((i) => i > lastOption && unframe(rows[i]!).text !== '')) return undefined;
  const options: ApprovalOption[] = [];
  let i = lastOption;
  for (; i >= 0 && lastOption - i <= MAX_DIALOG_LINES; i--) {
    const u = unframe(rows[i]!);
    const m = OPTION.exec(u.text);
    if (!m) break;
    options.unshift({ number: Number(m[1]), label: squashSpaces(m[2]!), selected: u.text.startsWith('●') });
  }
  // The question, then the body (nested box lines), then the header `? Tool  subject`.
  const body: string[] = [];
  /** The box's lines from the one above back to the nearest blank line: an MCP header's wrapped arguments. */
  let below: string[] = [];
  let question: string | undefined;
  let header: RegExpExecArray | undefined;
  for (let j = i; j >= 0 && lastOption - j <= MAX_DIALOG_LINES; j--) {
    const u = unframe(rows[j]!);
    if (u.depth === 0 && u.text !== '') return undefined; // left the box without its header
    const mcp = u.depth === 1 ? MCP_HEADER.exec(u.text) : null;
    if (mcp && question !== undefined) {
      const args = squashSpaces([mcp[3]!, ...below].join(' '));
      return { toolName: `mcp_${mcp[2]!}_${mcp[1]!}`, promptText: args || question, options };
    }
    const h = u.depth === 1 ? HEADER.exec(u.text) : null;
    if (h) {
      header = h;
      break;
    }
    if (u.text === '') {
      below = [];
      continue;
    }
    if (u.depth === 1) below.unshift(u.text);
    if (question === undefined && u.depth === 1 && /\?$/u.test(u.text)) question = u.text;
    else if (u.depth >= 2) body.unshift(u.text);
  }
  if (!header || question === undefined) return undefined;
  const shown = header[1]!;
  const toolName = TOOL_NAMES[shown] ?? shown;
  const promptText = squashSpaces(body.join(' ')) || squashSpaces(header[2] ?? '') || question;
  return { toolName, promptText, options };
}

/** The index of the input box's line (`>` under a `▄▄▄` rule) when it is near the bottom. */
function inputBoxLine(rows: readonly string[]): { first: number; bottom: number } | undefined {
  for (let i = rows.length - 1; i > 0; i--) {
    if (!BOX_TOP.test(rows[i]!.trim())) continue;
    let bottom = i + 1;
    while (bottom < rows.length && !BOX_BOTTOM.test(rows[bottom]!.trim())) bottom++;
    if (bottom >= rows.length || !/^\s*>/u.test(rows[i + 1] ?? '')) return undefined;
    const below = rows.slice(bottom + 1).filter((r) => r.trim() !== '').length;
    return below <= MAX_LINES_BELOW_INPUT ? { first: i + 1, bottom } : undefined;
  }
  return undefined;
}

export function parseGeminiScreen(lines: readonly string[]): ScreenReading {
  const { rows, content, lastIdx } = paneRows(lines);
  if (lastIdx === undefined) return { state: 'working', starting: true };
  const lastLine = unframe(rows[lastIdx]!).text || rows[lastIdx]!.trim();

  const dialog = findGeminiDialog(rows);
  if (dialog) return approvalReading(dialog, lastLine);
  if (SHELL_PROMPT_END.test(rows[lastIdx]!) && !/^\s/u.test(rows[lastIdx]!)) return { state: 'gone', lastLine };
  if (content.slice(-BOTTOM_REGION).some((i) => WORKING.test(rows[i]!))) return { state: 'working', lastLine };
  if (inputBoxLine(rows)) return { state: 'idle', inputReady: true, lastLine };
  return { state: 'unknown', lastLine };
}

/**
 * The text in Gemini's input box (the lines between its rules, the `> ` taken off), '' for the
 * placeholder, undefined when no input box is shown (a confirmation box hides it).
 */
export function geminiInputBoxText(lines: readonly string[]): string | undefined {
  const { rows } = paneRows(lines);
  if (findGeminiDialog(rows)) return undefined;
  const box = inputBoxLine(rows);
  if (!box) return undefined;
  const parts = rows.slice(box.first, box.bottom).map((r, k) => (k === 0 ? r.replace(/^\s*>\s?/u, '') : r.replace(/^ {3}/u, '')));
  const text = parts.join('\n').replace(/\s+$/u, '').replace(/^\s+/u, '');
  return text === PLACEHOLDER ? '' : text;
}
