/**
 * Pure parser for what a Claude Code pane shows (text from `capture-pane -p -J`, no ANSI codes).
 * No I/O: the tmux backend captures, this module decides.
 *
 * Order of the checks (first match wins):
 *   1. empty pane                           → working, starting
 *   2. permission dialog at the bottom      → waiting_approval
 *      (first, because a dialog contains idle-looking lines such as `❯ 1. Yes`)
 *   3. shell prompt ending in `$` `#` `%`    → idle (the agent exited back to its shell)
 *   4. "esc to interrupt" or a spinner line  → working (even with the input box visible below it)
 *   5. Claude Code's input box, or a last line ending in `>` / `❯` → idle
 *   6. anything else (output still scrolling) → working
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
 *   "Ready to code?" (plan mode), "ExitPlanMode"            → ExitPlanMode
 *   "server - tool(…) (MCP)" anywhere in header or body     → mcp__server__tool
 *   "mcp__server__tool" as header or body line              → as is
 *   "Tool use" followed by "Name(…)"                        → Name
 *   a question about trusting the folder                    → Trust
 *   any other header                                        → the header text as shown
 */
import { promptIdFor } from '../prompt-id.js';
import type { ApprovalDecision, ApprovalOption } from '../session-backend.js';

export interface ScreenAnalysis {
  state: 'working' | 'idle' | 'waiting_approval';
  /** True for an empty pane: the program is still starting (state 'working', not idle). */
  starting?: boolean;
  /** e.g. "Bash", "Edit", "Write", "WebFetch", "mcp__github__create_issue", "Trust". */
  toolName?: string;
  /** The dialog's question plus the command/file it is about, whitespace-normalised. */
  promptText?: string;
  /** promptIdFor(toolName, promptText). */
  promptId?: string;
  /** Numbered options of the dialog, in order; selected = the one with ❯. */
  options?: ApprovalOption[];
  /** Last non-empty line (borders stripped, trimmed). */
  lastLine?: string;
}

/** Short (12 hex chars) stable hash of tool name + prompt text; shared with the hook path. */
export { promptIdFor };

/**
 * Which option answers a decision: yes → the first "Yes" option (option 1); always → the option
 * saying "don't ask again" / "always" / "allow all" (undefined if the dialog offers none); no → the
 * option starting with "No" (undefined if none: the caller then presses Escape).
 */
export function chooseOption(
  options: readonly ApprovalOption[],
  decision: ApprovalDecision,
): ApprovalOption | undefined {
  switch (decision) {
    case 'yes':
      return options.find((o) => YES_LABEL.test(o.label));
    case 'always':
      return options.find((o) => ALWAYS_LABEL.test(o.label));
    case 'no':
      return options.find((o) => NO_LABEL.test(o.label));
  }
}

export function parseScreen(lines: readonly string[]): ScreenAnalysis {
  const rows = lines.flatMap((line) => line.split('\n')).map(toRow);
  const contentIdx = rows.flatMap((r, i) => (r.content === '' ? [] : [i]));
  const lastContent = contentIdx.at(-1);
  if (lastContent === undefined) return { state: 'working', starting: true };
  const lastLine = rows[lastContent]!.content;

  const dialog = findDialog(rows);
  if (dialog) {
    return {
      state: 'waiting_approval',
      ...(dialog.toolName !== undefined && { toolName: dialog.toolName }),
      promptText: dialog.promptText,
      promptId: promptIdFor(dialog.toolName, dialog.promptText),
      options: dialog.options,
      lastLine,
    };
  }

  const lastRaw = lastRawRow(rows);
  if (lastRaw !== undefined && isShellPrompt(rows, lastRaw, STRONG_PROMPT_END)) {
    return { state: 'idle', lastLine };
  }
  if (hasWorkingStatus(rows, lastContent)) return { state: 'working', lastLine };
  if (hasInputBox(rows) || (lastRaw !== undefined && isShellPrompt(rows, lastRaw, WEAK_PROMPT_END))) {
    return { state: 'idle', lastLine };
  }
  return { state: 'working', lastLine };
}

// ---------------------------------------------------------------------------------------------
// Rows: one screen line with box borders taken off.

type BorderKind = 'top' | 'bottom' | 'rule' | 'dash';

interface Row {
  /** The line without trailing whitespace. */
  raw: string;
  /** Text with borders stripped, trimmed; '' for blank and border-only lines. */
  content: string;
  /** Leading spaces before the content, after borders were stripped. */
  indent: number;
  /** How many `│ … │` frames enclose the line. */
  depth: number;
  border?: BorderKind;
}

const SIDE_BORDER = /^\s*[│┃║]/u;
const TRAILING_SIDE_BORDER = /\s*[│┃║]\s*$/u;

function toRow(line: string): Row {
  const raw = line.replace(/\s+$/u, '');
  let s = raw;
  let depth = 0;
  for (let m = SIDE_BORDER.exec(s); m; m = SIDE_BORDER.exec(s)) {
    s = s.slice(m[0].length).replace(TRAILING_SIDE_BORDER, '');
    depth++;
  }
  const trimmed = s.trim();
  const indent = s.length - s.trimStart().length;
  const border = borderKind(trimmed);
  if (border) return { raw, content: '', indent, depth, border };
  return { raw, content: trimmed, indent, depth };
}

function borderKind(text: string): BorderKind | undefined {
  if (/^[╭┌╔][─━═]/u.test(text)) return 'top';
  if (/^[╰└╚][─━═]/u.test(text)) return 'bottom';
  if (/^[─━═]{3,}$/u.test(text)) return 'rule';
  if (/^[╌┄┈╍┅]{3,}$/u.test(text)) return 'dash';
  return undefined;
}

/** A frame line at the outermost level: where a dialog or the input box begins or ends. */
function isOuterBorder(row: Row): boolean {
  return row.depth === 0 && (row.border === 'top' || row.border === 'bottom' || row.border === 'rule');
}

function lastRawRow(rows: readonly Row[]): number | undefined {
  for (let i = rows.length - 1; i >= 0; i--) if (rows[i]!.raw.trim() !== '') return i;
  return undefined;
}

function prevNonBlank(rows: readonly Row[], from: number): number | undefined {
  for (let i = from - 1; i >= 0; i--) if (rows[i]!.raw.trim() !== '') return i;
  return undefined;
}

function normaliseSpace(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// Permission dialogs.

interface Dialog {
  toolName?: string;
  promptText: string;
  options: ApprovalOption[];
}

const OPTION_LINE = /^(?:([❯›▶►→>])\s*)?(\d{1,2})[.)]\s+(\S.*)$/u;
/** Hints printed under a dialog ("Esc to cancel · Tab to amend", "Enter to confirm · Esc to exit"). */
const FOOTER_LINE =
  /^(?:esc|enter|tab|press|ctrl|shift|space|return|⏎|↑|↓)\b|^\? for shortcuts|\bto (?:cancel|confirm|exit|select|navigate|go back|continue|amend|explain)\b/iu;
const YES_LABEL = /^(?:yes|allow|approve|proceed|ok)\b/iu;
const NO_LABEL = /^no\b/iu;
const ALWAYS_LABEL = /\b(?:don['’]t|do not) ask again\b|\balways\b|\ballow all\b/iu;
const PATH_LIKE = /^(?:~|\/|\.{1,2}\/|[A-Za-z]:\\)/u;
/** How far above the options the question may be (the trust dialog has a paragraph between). */
const MAX_QUESTION_DISTANCE = 30;
/** How far above the question the dialog's top frame may be (long diffs, long commands). */
const MAX_DIALOG_HEIGHT = 80;
/** Non-blank lines allowed below the last option (footer hints, wrapped label tails). */
const MAX_TRAILING_LINES = 3;
/** Cap on the body that goes into promptText, so a huge command does not make a huge id input. */
const MAX_PROMPT_TEXT = 2000;

interface OptionRow {
  index: number;
  number: number;
  label: string;
  selected: boolean;
  /** Column where the label text starts, used to recognise wrapped label lines. */
  labelColumn: number;
}

function parseOptionRow(row: Row, index: number): OptionRow | undefined {
  const m = OPTION_LINE.exec(row.content);
  if (!m) return undefined;
  const selector = m[1];
  const labelOffset = row.content.length - (m[3] ?? '').length;
  return {
    index,
    number: Number(m[2]),
    label: m[3] ?? '',
    selected: selector !== undefined,
    labelColumn: row.indent + labelOffset,
  };
}

function isFooter(content: string): boolean {
  return FOOTER_LINE.test(content) && !WORKING_STATUS.test(content);
}

function findDialog(rows: readonly Row[]): Dialog | undefined {
  // 1. From the bottom, skip blank lines, frames, footer hints and possible wrapped-label tails
  //    to the last option line: a dialog is current only if it is the last thing on screen.
  const tail: number[] = [];
  let last: OptionRow | undefined;
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    if (row.content === '') continue;
    last = parseOptionRow(row, i);
    if (last) break;
    if (tail.length >= MAX_TRAILING_LINES || WORKING_STATUS.test(row.content)) return undefined;
    tail.unshift(i);
  }
  if (!last) return undefined;

  // 2. Walk up to option 1, numbers descending by one; lines between are wrapped label tails.
  const found: OptionRow[] = [last];
  const continuation = new Map<number, string[]>();
  let pending: string[] = [];
  for (let i = last.index - 1; i >= 0 && found[0]!.number > 1; i--) {
    const row = rows[i]!;
    if (row.content === '' && row.border === undefined) continue;
    const opt = parseOptionRow(row, i);
    if (opt && opt.number === found[0]!.number - 1) {
      if (pending.length > 0) continuation.set(opt.number, pending);
      pending = [];
      found.unshift(opt);
      continue;
    }
    if (row.border !== undefined || opt) return undefined;
    if (row.indent < found[0]!.labelColumn - 1 || pending.length >= 3) return undefined;
    pending.unshift(row.content);
  }
  if (found[0]!.number !== 1 || found.length < 2) return undefined;
  const first = found[0]!;

  // Wrapped tail of the last option: indented at least like its label, not a footer hint.
  const lastTail: string[] = [];
  for (const i of tail) {
    const row = rows[i]!;
    if (isFooter(row.content) || row.indent < last.labelColumn - 1) break;
    lastTail.push(row.content);
  }
  for (const i of tail) {
    const row = rows[i]!;
    if (!isFooter(row.content) && !lastTail.includes(row.content)) return undefined;
  }
  if (lastTail.length > 0) continuation.set(last.number, lastTail);

  const options: ApprovalOption[] = found.map((o) => ({
    number: o.number,
    label: normaliseSpace([o.label, ...(continuation.get(o.number) ?? [])].join(' ')),
    selected: o.selected,
  }));

  // 3. The question: the nearest line with "?" above the options, inside the same frame.
  let questionIdx: number | undefined;
  for (let i = first.index - 1; i >= 0 && first.index - i <= MAX_QUESTION_DISTANCE; i--) {
    const row = rows[i]!;
    if (isOuterBorder(row)) break;
    if (row.content.includes('?')) {
      questionIdx = i;
      break;
    }
  }
  if (questionIdx === undefined) return undefined;
  const questionRow = rows[questionIdx]!;
  const question = questionRow.content.slice(0, questionRow.content.lastIndexOf('?') + 1);
  const anySelected = found.some((o) => o.selected);
  const yesOrNo = options.some((o) => YES_LABEL.test(o.label) || NO_LABEL.test(o.label));
  if (!anySelected && !yesOrNo) return undefined;

  // 4. The dialog's top frame, its header (first line inside) and body (header .. question).
  let top: number | undefined;
  for (let i = questionIdx - 1; i >= 0 && questionIdx - i <= MAX_DIALOG_HEIGHT; i--) {
    if (isOuterBorder(rows[i]!)) {
      top = i;
      break;
    }
  }
  const depth = questionRow.depth;
  const start = top === undefined ? Math.max(0, questionIdx - MAX_DIALOG_HEIGHT) : top + 1;
  const outer: string[] = []; // lines at the dialog's own level, outside inner boxes and diffs
  const inner: string[] = []; // lines inside inner boxes and dashed diff areas
  let inDash = false;
  for (let i = start; i < questionIdx; i++) {
    const row = rows[i]!;
    if (row.border === 'dash' && row.depth === depth) {
      inDash = !inDash;
      continue;
    }
    if (row.content === '') continue;
    if (inDash || row.depth > depth) inner.push(row.content);
    else outer.push(row.content);
  }

  let header: string | undefined;
  let body: string[];
  if (top !== undefined) {
    header = outer[0];
    body = outer.slice(1);
  } else {
    // The frame scrolled off: only a recognised header counts as one.
    const at = outer.findIndex((line) => headerTool(line) !== undefined);
    header = at >= 0 ? outer[at] : undefined;
    body = at >= 0 ? outer.slice(at + 1) : [];
  }

  const toolName = toolNameFor(header, body, question);

  let subject = body;
  if (toolName === 'Trust' || header === undefined) {
    // The trust dialog's subject is the folder path, above or (question first) below the question.
    const path =
      body.find((c) => PATH_LIKE.test(c)) ??
      rows
        .slice(questionIdx + 1, first.index)
        .map((r) => r.content)
        .find((c) => PATH_LIKE.test(c));
    subject = path === undefined ? [] : [path];
  } else if ((toolName === 'Edit' || toolName === 'Write') && subject.length === 0) {
    // The boxed layout shows the file path as the first line of the inner diff box.
    const path = inner[0];
    if (path !== undefined && !/^\d/u.test(path)) subject = [path];
  }

  const promptText = normaliseSpace([question, ...subject].join(' ')).slice(0, MAX_PROMPT_TEXT);
  return { ...(toolName !== undefined && { toolName }), promptText, options };
}

function headerTool(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  if (/^bash( command)?$/u.test(h)) return 'Bash';
  if (/^(edit|edit file|update|update file)$/u.test(h)) return 'Edit';
  if (/^(create|create file|write|write file|overwrite file)$/u.test(h)) return 'Write';
  if (/^(fetch|web ?fetch)$/u.test(h)) return 'WebFetch';
  if (/^web ?search$/u.test(h)) return 'WebSearch';
  if (/^(read|read file)$/u.test(h)) return 'Read';
  if (/^(edit notebook|notebook ?edit)$/u.test(h)) return 'NotebookEdit';
  if (/^(ready to code\??|exit ?plan ?mode)$/u.test(h)) return 'ExitPlanMode';
  return mcpToolName(header);
}

/** `github - create_issue(title: "x") (MCP)` or `mcp__github__create_issue` → mcp__github__create_issue. */
function mcpToolName(line: string): string | undefined {
  const direct = /^(mcp__[\w-]+__[\w.-]+)\b/u.exec(line.trim());
  if (direct) return direct[1];
  const shown = /^(\S+) - ([\w.-]+)\s*(?:\(.*\))?\s*\(MCP\)$/u.exec(line.trim());
  if (!shown) return undefined;
  const clean = (s: string) => s.replace(/[^\w-]/gu, '_');
  return `mcp__${clean(shown[1]!)}__${clean(shown[2]!)}`;
}

function toolNameFor(header: string | undefined, body: readonly string[], question: string): string | undefined {
  if (/\btrust\b/iu.test(question)) return 'Trust';
  const known = header === undefined ? undefined : headerTool(header);
  if (known) return known;
  for (const line of body) {
    const mcp = mcpToolName(line);
    if (mcp) return mcp;
  }
  if (header !== undefined && /^tool use$/iu.test(header.trim())) {
    const call = body.map((line) => /^([A-Za-z]\w*)\(/u.exec(line)).find((m) => m !== null);
    if (call) return call[1];
  }
  if (/\bmake this edit to\b/iu.test(question)) return 'Edit';
  if (/\bwant to (create|overwrite|write)\b/iu.test(question)) return 'Write';
  if (/\bfetch\b/iu.test(question)) return 'WebFetch';
  if (header !== undefined && !header.includes('?')) return header;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Working and idle.

/** Claude Code's status line while it works, and its spinner ("✻ Thinking… (12s · esc to interrupt)"). */
const WORKING_STATUS = /\besc to interrupt\b/iu;
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
