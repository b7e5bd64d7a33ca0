/**
 * Pure parser for what a Codex CLI pane shows (text from `capture-pane -p -J`, no ANSI codes).
 * Measured on Codex 0.171.0 (test/fixtures/screens/codex-0.171.0/).
 *
 * Order of the checks (first match wins):
 *   1. empty pane                                    → working, starting
 *   2. an approval prompt at the bottom: "Would you like to …?", numbered options (`› 1. Yes,
 *      proceed (y)`), "Press enter to confirm or esc to cancel" → waiting_approval
 *   3. a shell prompt ending in `$` `#` `%` as the last line → gone (Codex exited to its shell, or has not started)
 *   4. the status line "Working (3s • esc to interrupt)"  → working (the input box stays below it)
 *   5. the input box (`› …` with only indented lines under it) → idle, inputReady
 *   6. anything else                                 → unknown
 *
 * Tool names: "run the following command" → Bash (the name Codex's hooks give its shell tool),
 * "make the following edits" → apply_patch, "send input to … terminal" → write_stdin, "grant these
 * permissions" → permissions; another question → the question as shown.
 */
import { approvalReading, paneRows, type ScreenReading } from '../../backends/agent-ui.js';
import type { ApprovalOption } from '../../backends/session-backend.js';

/** What the empty input box shows (dimmed) instead of text. */
const PLACEHOLDERS = new Set(['Ask Codex to do anything', 'Ask a follow-up question']);

const CONFIRM_FOOTER = /^Press enter to confirm or esc to cancel$/u;
const QUESTION = /^(?:Would you like to|Do you want to|Allow\b).*\?$/u;
const OPTION = /^(?:›\s*)?(\d{1,2})\.\s+(\S.*)$/u;
const WORKING = /\besc to interrupt\)/u;
const INPUT_LINE = /^› ?/u;
const SHELL_PROMPT_END = /(?:[$#]|(?<!\d)%)$/u;
/** How far above the bottom the dialog's footer and the working line may sit. */
const BOTTOM_REGION = 12;
const MAX_DIALOG_LINES = 40;

interface CodexDialog {
  toolName: string;
  promptText: string;
  options: ApprovalOption[];
}

const squashSpaces = (s: string): string => s.replace(/\s+/gu, ' ').trim();

function toolOf(question: string): string {
  if (/run the following command/iu.test(question)) return 'Bash';
  if (/make the following edits/iu.test(question)) return 'apply_patch';
  if (/send input to .*terminal/iu.test(question)) return 'write_stdin';
  if (/grant these permissions/iu.test(question)) return 'permissions';
  return question;
}

/** The approval prompt whose footer is among the last lines, or undefined. */
export function findCodexDialog(rows: readonly string[]): CodexDialog | undefined {
  const content = rows.flatMap((r, i) => (r.trim() === '' ? [] : [i]));
  const footer = content.slice(-BOTTOM_REGION).reverse().find((i) => CONFIRM_FOOTER.test(rows[i]!.trim()));
  if (footer === undefined) return undefined;
  // Options above the footer: numbered lines, each possibly continued on deeper-indented lines.
  const options: ApprovalOption[] = [];
  let i = footer - 1;
  let pending: string[] = [];
  let top = footer;
  for (; i >= 0 && footer - i <= MAX_DIALOG_LINES; i--) {
    const raw = rows[i]!;
    const text = raw.trim();
    if (text === '') {
      if (options.length > 0) break;
      continue;
    }
    const m = OPTION.exec(text);
    if (m) {
      // Lines under an option, indented deeper, continue its label (a wrapped "(p)").
      const label = squashSpaces([m[2]!, ...pending].join(' '));
      pending = [];
      options.unshift({ number: Number(m[1]), label, selected: text.startsWith('›') });
      top = i;
      continue;
    }
    if (/^\s{4,}/u.test(raw)) pending.unshift(text);
    else break;
  }
  if (options.length === 0) return undefined;
  // The question and its body above the options.
  const body: string[] = [];
  let question: string | undefined;
  for (let j = top - 1; j >= 0 && top - j <= MAX_DIALOG_LINES; j--) {
    const text = rows[j]!.trim();
    if (QUESTION.test(text)) {
      question = text;
      break;
    }
    if (text !== '') body.unshift(text);
  }
  if (question === undefined) return undefined;
  const toolName = toolOf(question);
  const command = body.findIndex((l) => l.startsWith('$ '));
  const promptText =
    toolName === 'Bash' && command >= 0 ? squashSpaces(body.slice(command).join(' ').slice(2)) : squashSpaces(body.filter((l) => !/^(?:Environment|Reason):/u.test(l)).join(' ')) || question;
  return { toolName, promptText, options };
}

/** The line index of the input box's first line, or undefined. */
function inputBoxStart(rows: readonly string[]): number | undefined {
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    if (row.trim() === '') continue;
    if (INPUT_LINE.test(row)) return i;
    if (!/^\s/u.test(row)) return undefined; // a history line under it: not the box
  }
  return undefined;
}

export function parseCodexScreen(lines: readonly string[]): ScreenReading {
  const { rows, content, lastIdx } = paneRows(lines);
  if (lastIdx === undefined) return { state: 'working', starting: true };
  const lastLine = rows[lastIdx]!.trim();

  const dialog = findCodexDialog(rows);
  if (dialog) return approvalReading(dialog, lastLine);
  if (SHELL_PROMPT_END.test(lastLine) && !/^\s/u.test(rows[lastIdx]!)) return { state: 'gone', lastLine };
  if (content.slice(-BOTTOM_REGION).some((i) => WORKING.test(rows[i]!))) return { state: 'working', lastLine };
  if (inputBoxStart(rows) !== undefined) return { state: 'idle', inputReady: true, lastLine };
  return { state: 'unknown', lastLine };
}

/**
 * The text in Codex's input box: the `› ` line and the indented lines under it up to the first
 * blank line (the footer follows one), prompt character and indent taken off; '' for the
 * placeholder; undefined when no input box is shown (a dialog replaces it).
 */
export function codexInputBoxText(lines: readonly string[]): string | undefined {
  const { rows } = paneRows(lines);
  if (findCodexDialog(rows)) return undefined;
  const start = inputBoxStart(rows);
  if (start === undefined) return undefined;
  const parts: string[] = [rows[start]!.replace(INPUT_LINE, '')];
  for (let j = start + 1; j < rows.length && rows[j]!.trim() !== ''; j++) parts.push(rows[j]!.replace(/^ {2}/u, ''));
  const text = parts.join('\n').replace(/\s+$/u, '');
  return PLACEHOLDERS.has(text) ? '' : text;
}
