/**
 * Claude Code's permission dialogs, questions and the folder-trust dialog, read from screen rows
 * (pure): the options, the subject, the tool asking. Which option answers yes / always / no is
 * decided here too (chooseOption), next to the label patterns it relies on.
 */
import type { ApprovalDecision, ApprovalOption } from '../../backends/session-backend.js';
import { isOuterBorder, normaliseSpace, WORKING_STATUS, type Row } from './rows.js';

export interface ParseOptions {
  /**
   * Titles of MCP tools whose real name is known (title → tool name, e.g. "Report status" →
   * "report_status"): Claude Code 2.1 shows an MCP tool's title, not its name, in the dialog.
   */
  mcpToolTitles?: ReadonlyMap<string, string>;
}

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

// ---------------------------------------------------------------------------------------------
// Permission dialogs.

interface Dialog {
  toolName?: string;
  promptText: string;
  options: ApprovalOption[];
  numbered?: boolean;
  /** The subagent asking (`Bash command · from the general-purpose agent`). */
  subagent?: string;
}

/** A subagent's dialog names it after the header: `Bash command · from the general-purpose agent`. */
const FROM_SUBAGENT = /\s+·\s+from the (.+?) agent$/u;
/** The tab bar of a question with several parts: `←  ☒ Colour  ☒ Size  ✔ Submit  →`. */
const QUESTION_TABS = /^←\s.*[☐☒✔✓□■].*→$/u;

const OPTION_LINE = /^(?:([❯›▶►→>])\s*)?(\d{1,2})[.)]\s+(\S.*)$/u;
/** Hints printed under a dialog ("Esc to cancel · Tab to amend", "Enter to confirm · Esc to exit"). */
const FOOTER_LINE =
  /^[↑↓]\s+\d+ more lines?\b|^(?:esc|enter|tab|press|ctrl|shift|space|return|⏎|↑|↓)\b|^\? for shortcuts|\bto (?:cancel|confirm|exit|select|navigate|go back|continue|amend|explain)\b/iu;
const YES_LABEL = /^(?:yes|allow|approve|proceed|ok)\b/iu;
const NO_LABEL = /^no\b/iu;
/**
 * "Don't ask again" as the real dialogs of 2.1.x word it: Bash "Yes, and always allow access to
 * <dir> from this project" / "Yes, and don't ask again for <cmd> commands in <dir>"; Edit and Write
 * "Yes, and switch to accept edits (…) for this session"; Read "Yes, allow reading from <dir> during
 * this session"; WebFetch "… don't ask again for <domain>"; MCP "… don't ask again for <server> —
 * <title> commands in <dir>". Not "switch to auto mode" (a classifier then answers every prompt).
 */
const ALWAYS_LABEL =
  /\b(?:don['’]t|do not) ask again\b|\balways allow\b|\ballow all\b|\baccept edits\b|^yes, allow reading from\b|^always\b/iu;
/** Choices of an AskUserQuestion dialog that are not one of the model's options. */
const QUESTION_EXTRA = /^(?:type something\.?|chat about this)$/iu;
/** Lines of a dialog that change without the subject changing (rotating tips, expand hints). */
const VOLATILE_LINE = /^(?:tip:|\(ctrl\+\w to expand)/iu;
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

export function findDialog(rows: readonly Row[], opts: ParseOptions): Dialog | undefined {
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
  let rulesCrossed = 0;
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
    // AskUserQuestion draws a rule between "Type something." and "Chat about this".
    if (row.border === 'rule' && pending.length === 0 && rulesCrossed === 0) {
      rulesCrossed++;
      continue;
    }
    if (row.border !== undefined || opt) return undefined;
    // Wrapped labels, and the description lines under each choice of a question.
    if (row.indent < found[0]!.labelColumn - 1 || pending.length >= 6) return undefined;
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

  // A question (AskUserQuestion) ends in its own extra choices; the lines under a choice are its
  // description, not a wrapped label.
  const isQuestion = found.some((o) => QUESTION_EXTRA.test(o.label.trim()));
  const options: ApprovalOption[] = found.map((o) => {
    const more = continuation.get(o.number) ?? [];
    if (isQuestion) {
      return {
        number: o.number,
        label: normaliseSpace(o.label),
        selected: o.selected,
        ...(more.length > 0 && { description: normaliseSpace(more.join(' ')) }),
      };
    }
    return { number: o.number, label: normaliseSpace([o.label, ...more].join(' ')), selected: o.selected };
  });

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

  const headerShown = header;
  const fromSubagent = header === undefined ? null : FROM_SUBAGENT.exec(header);
  if (fromSubagent) header = header!.slice(0, fromSubagent.index);
  const subagent = fromSubagent?.[1];
  const tabbed = rows.slice(start, first.index).some((r) => QUESTION_TABS.test(r.content));
  const toolName = isQuestion || tabbed ? 'AskUserQuestion' : toolNameFor(header, [...body, ...inner], question, opts);

  // The subject: what the dialog is about (the command, the file and its diff, the URL, the MCP
  // tool's arguments), so two different commands never share an id. In the 2.1 layout that is the
  // text between the `╌╌╌` rules, plus for a file tool the path above them. The lines above the
  // rules of a Bash, WebFetch or MCP dialog describe the call (the Bash `description`, "Claude
  // wants to fetch content from …", the MCP tool's title) and the rotating "Tip:" paragraph (whose
  // wrap depends on the width) is no subject either; the tool description below the rules neither.
  const dashed: string[] = [];
  const beforeDash: string[] = [];
  let sawDash = false;
  {
    let inside = false;
    let headerSkipped = headerShown === undefined || top === undefined;
    for (let i = start; i < questionIdx; i++) {
      const row = rows[i]!;
      if (row.border === 'dash') {
        inside = !inside;
        sawDash = true;
        continue;
      }
      if (row.content === '' || row.border !== undefined) continue;
      if (!headerSkipped && row.content === headerShown) {
        headerSkipped = true;
        continue;
      }
      if (inside) dashed.push(row.content);
      else if (!sawDash) beforeDash.push(row.content);
    }
  }
  const tip = beforeDash.findIndex((l) => VOLATILE_LINE.test(l));
  const lead = tip < 0 ? beforeDash : [...beforeDash.slice(0, tip), ...beforeDash.slice(Math.max(tip + 1, beforeDash.length - 1))];
  const described = toolName === 'Bash' || toolName === 'WebFetch' || toolName === 'WebSearch' || toolName?.startsWith('mcp__') === true;
  let subject: string[];
  if (sawDash && described && dashed.length > 0) subject = dashed;
  else if (sawDash) subject = [...lead.filter((l) => !VOLATILE_LINE.test(l)), ...dashed];
  else subject = body.filter((l) => !VOLATILE_LINE.test(l));
  // A plan (ExitPlanMode) may sit in a box of its own inside the dialog.
  if (toolName === 'ExitPlanMode' && !sawDash) subject = [...subject, ...inner];
  if (toolName === 'Read' && subject.length === 1) subject = [subject[0]!.replace(/^Read\((.+)\)$/u, '$1')];
  // A search's subject is its query, as the hook's is: `Web Search("tmux control mode")`.
  if (toolName === 'WebSearch' && subject.length === 1) subject = [subject[0]!.replace(/^Web ?Search\("(.*)"\)$/u, '$1')];
  if (isQuestion || tabbed) {
    // A question's subject is its wording and its choices.
    subject = [question, ...options.map((o) => `${o.number}. ${o.label}${o.description ? ` ${o.description}` : ''}`)];
  } else if (toolName === 'Trust' || header === undefined) {
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

  // The generic question ("Do you want to proceed?") says nothing the tool name does not: it is
  // the prompt text only when the dialog shows nothing else (a plan, a frame scrolled off).
  const promptText = normaliseSpace((subject.length > 0 ? subject : [question]).join(' ')).slice(0, MAX_PROMPT_TEXT);
  return { ...(toolName !== undefined && { toolName }), promptText, options, ...(subagent !== undefined && { subagent }) };
}

/**
 * A dialog whose options carry no digits (the folder-trust dialog of 2.1.x): a block of lines at one
 * column, one of them marked `❯`, right above an "Enter to confirm" hint, with a question above.
 */
export function findSelectDialog(rows: readonly Row[]): Dialog | undefined {
  let i = rows.length - 1;
  while (i >= 0 && rows[i]!.content === '') i--;
  if (i < 0 || !/^enter to (?:confirm|select)\b/iu.test(rows[i]!.content)) return undefined;
  i--;
  while (i >= 0 && rows[i]!.content === '') i--;
  const block: { label: string; selected: boolean; column: number }[] = [];
  for (; i >= 0 && block.length < 10; i--) {
    const row = rows[i]!;
    if (row.content === '' || row.border !== undefined) break;
    const m = /^([❯›▶►>])\s+(\S.*)$/u.exec(row.content);
    const label = m ? m[2]! : row.content;
    const column = m ? row.indent + row.content.length - label.length : row.indent;
    if (block.length > 0 && column !== block[0]!.column) break;
    block.unshift({ label, selected: m !== null, column });
  }
  if (block.length < 2 || block.filter((b) => b.selected).length !== 1) return undefined;
  if (!block.some((b) => YES_LABEL.test(b.label)) || !block.some((b) => NO_LABEL.test(b.label))) return undefined;
  const first = i + 1;
  let questionIdx: number | undefined;
  let top: number | undefined;
  for (let j = first - 1; j >= 0 && first - j <= MAX_QUESTION_DISTANCE; j--) {
    if (isOuterBorder(rows[j]!)) {
      top = j;
      break;
    }
    if (questionIdx === undefined && rows[j]!.content.includes('?')) questionIdx = j;
  }
  if (questionIdx === undefined) return undefined;
  const q = rows[questionIdx]!.content;
  const question = q.slice(0, q.lastIndexOf('?') + 1);
  const around = rows.slice(top === undefined ? Math.max(0, first - MAX_QUESTION_DISTANCE) : top + 1, first).map((r) => r.content);
  const toolName = /\btrust\b/iu.test(question) || block.some((b) => /\btrust this folder\b/iu.test(b.label)) ? 'Trust' : undefined;
  const path = around.find((c) => PATH_LIKE.test(c));
  const promptText = normaliseSpace(path ?? question).slice(0, MAX_PROMPT_TEXT);
  const options = block.map((b, n) => ({ number: n + 1, label: normaliseSpace(b.label), selected: b.selected }));
  return { ...(toolName !== undefined && { toolName }), promptText, options, numbered: false };
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
  if (/^(ready to code\??|exit ?plan ?mode\??)$/u.test(h)) return 'ExitPlanMode';
  return mcpToolName(header);
}

/**
 * `boss — Report status Tool: (MCP)` (2.1.x shows the server and the tool's title) →
 * mcp__boss__report_status when the title is a known one, else the title in snake case
 * (`github — Create Issue Tool: (MCP)` → mcp__github__create_issue), the way tool titles are made
 * from names.
 */
function mcpTitleName(line: string, opts: ParseOptions): string | undefined {
  const m = /^(\S+) [—–] (.+?)(?: Tool:)? \(MCP\)$/u.exec(line.trim());
  if (!m) return undefined;
  const server = m[1]!.replace(/[^\w-]/gu, '_');
  const title = m[2]!.trim();
  const known = opts.mcpToolTitles?.get(title) ?? [...(opts.mcpToolTitles ?? [])].find(([t]) => t.toLowerCase() === title.toLowerCase())?.[1];
  if (known !== undefined) return `mcp__${server}__${known}`;
  // Another server's tool: its title is its name in words ("Create Issue" for create_issue).
  return `mcp__${server}__${title.toLowerCase().replace(/[^\w-]+/gu, '_')}`;
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

function toolNameFor(header: string | undefined, body: readonly string[], question: string, opts: ParseOptions): string | undefined {
  if (/\btrust\b/iu.test(question)) return 'Trust';
  if (/\bexit plan mode\b/iu.test(question)) return 'ExitPlanMode';
  const known = header === undefined ? undefined : (mcpTitleName(header, opts) ?? headerTool(header));
  if (known) return known;
  for (const line of body) {
    const mcp = mcpTitleName(line, opts) ?? mcpToolName(line);
    if (mcp) return mcp;
  }
  if (header !== undefined && /^tool use$/iu.test(header.trim())) {
    if (body.some((line) => /^Claude wants to search the web\b|^Web ?Search\(/u.test(line))) return 'WebSearch';
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
