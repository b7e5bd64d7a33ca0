/**
 * Approval rules: the operator's standing answers to the agents' permission prompts. Pure matching,
 * no I/O; the hook command evaluates them on every event its program's dialect says asks for
 * permission (AgentHooks.asks).
 *
 * A rule names a tool (exact, or a glob such as `mcp__github__*`) and a pattern over the prompt's
 * subject (the shell command, the file path, the URL, the MCP arguments as JSON; the program's
 * dialect says which: AgentHooks.subject and subjectForm).
 * Patterns are anchored globs (src/core/glob.ts): `*` matches any run of characters, `?` one
 * character, `\*` and `\?` the character itself; everything else is literal. Matching takes at most
 * (pattern length + 1) × (subject length + 1) steps, and a prompt's rules together at most
 * MATCH_BUDGET steps: past that the rules decide nothing.
 *
 * Whole commands only: a subject over RULE_SUBJECT_MAX characters gets no rule decision (it is never
 * cut to fit a rule).
 *
 * Shell commands are split into their simple commands (src/core/shell-words.ts: `;` `&&` `||` `|`
 * newlines, `( )`, `{ }`, if/while/until/for/case bodies, `$( )`, backticks, `<( )`).
 * - A deny rule's `*` matches anything; it is tried on the whole command, on each simple command as
 *   written, and on each one's words after quote removal (`r''m -rf x` is `rm -rf x`), also in the
 *   code handed to `sh -c`, `eval` and `env -S`. Where the parser is not sure of the line it still
 *   tries every part it recognised (fail safe).
 * - An allow rule's `*` never matches a shell control character (`;` `&` `|` `<` `>` `` ` `` `$`
 *   `(` `)` newline), so `npm test*` allows `npm test -- --watch` but not `npm test; rm -rf ~`.
 *   A command is allowed when one allow rule matches it whole, or when every simple command in it is
 *   matched by an allow rule; and only when the parser understood the whole line.
 * File paths are normalised (`a/../b` → `b`) before matching, so `/repo/*` cannot be escaped with `..`.
 *
 * Evaluation: among the rules that apply to the agent (its space's and the global ones), any
 * matching deny wins; else an allow as above; else no decision (the prompt is shown as usual).
 * evaluateRules does the matching (slow part, done before the database write); decideFrom combines
 * its results for the rules in scope (cheap, done inside the write).
 */
import { posix } from 'node:path';
import { budget, BudgetExceeded, globMatches, type Budget } from './glob.js';
import type { AgentHooks, SubjectForm } from '../backends/agent-hooks.js';
import { nestedShellCode, parseShell, type ShellParse } from './shell-words.js';

export type RuleDecision = 'allow' | 'deny';

export interface RuleLike {
  id: number;
  tool: string;
  pattern: string;
  decision: RuleDecision;
}

/** A permission prompt as the rules read it: the tool, and its subject whole, in its program's form. */
export interface PermissionAsk {
  toolName: string;
  subject: string;
  form: SubjectForm;
}

/** The prompt of `toolName` with `toolInput`, read in its program's dialect. */
export const permissionAsk = (hooks: AgentHooks, toolName: string, toolInput: unknown): PermissionAsk => ({
  toolName,
  subject: hooks.subject(toolName, toolInput),
  form: hooks.subjectForm(toolName),
});

/** Longest subject rules decide on (characters); a longer one is left to a human. */
export const RULE_SUBJECT_MAX = 65_536;
/** Matching steps all rules of one prompt may take together. */
export const MATCH_BUDGET = 1_000_000;

/** What `*` and `?` never stand for in a shell command's allow rule: the shell control characters. */
const SHELL_CONTROL: ReadonlySet<string> = new Set([';', '&', '|', '<', '>', '`', '$', '(', ')', '\n', '\r']);

export const toolMatches = (ruleTool: string, toolName: string, b: Budget = budget(MATCH_BUDGET)): boolean => globMatches(ruleTool, toolName, b);

/** The subject a rule's pattern is matched against, whole (file paths normalised). */
export function ruleSubject(ask: PermissionAsk): string {
  return ask.form === 'path' && ask.subject.startsWith('/') ? posix.normalize(ask.subject) : ask.subject;
}

/** A prompt made ready for matching: its subject, and for a shell command its simple commands. */
interface Prepared {
  toolName: string;
  subject: string;
  shell?: ShellParse;
  /** What a deny rule is tried on. */
  denyTexts: string[];
  /** What must each be allowed for a part-by-part allow (the simple commands as written). */
  parts: string[];
}

/** The parts of a compound command by a plain split on ; & | and newlines: a deny's fallback when the parser is unsure. */
const roughParts = (command: string): string[] =>
  command
    .split(/[;&|\n\r]+/u)
    .map((p) => p.trim())
    .filter(Boolean);

function prepare(ask: PermissionAsk): Prepared {
  const subject = ruleSubject(ask);
  if (ask.form !== 'command') return { toolName: ask.toolName, subject, denyTexts: [subject], parts: [] };
  const shell = parseShell(subject);
  const deny = new Set([subject]);
  const addParts = (line: ShellParse, depth: number): void => {
    for (const c of line.commands) {
      deny.add(c.text);
      deny.add(c.words.join(' '));
      const firstNotAssignment = c.words.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(w));
      if (firstNotAssignment > 0) deny.add(c.words.slice(firstNotAssignment).join(' '));
      // Shell code handed on (bash -c '…', eval, env -S) runs too.
      if (depth < 3) for (const code of nestedShellCode(c.words)) addParts(parseShell(code), depth + 1);
    }
  };
  addParts(shell, 0);
  if (!shell.sure) for (const p of roughParts(subject)) deny.add(p);
  return { toolName: ask.toolName, subject, shell, denyTexts: [...deny], parts: shell.commands.map((c) => c.text) };
}

/** What matching found for one rule. */
export interface RuleResult<R extends RuleLike> {
  rule: R;
  /** The rule's tool matches the prompt's. */
  tool: boolean;
  /** Deny: some part or the whole matches. Allow: the whole command matches (and the parser was sure). */
  whole: boolean;
  /** Allow, a shell command: which simple commands the pattern matches. */
  parts: boolean[];
}

export interface RuleEvaluation<R extends RuleLike> {
  results: Map<number, RuleResult<R>>;
  /** The subject had no rule decision at all, and why. */
  undecidable?: string;
  /** Allow rules cannot decide (the parser was unsure of the command), and why. */
  allowUnsure?: string;
}

/** Matches every rule against the prompt (the slow part: run it outside any database transaction). */
export function evaluateRules<R extends RuleLike>(rules: readonly R[], ask: PermissionAsk, steps = MATCH_BUDGET): RuleEvaluation<R> {
  // Which rules are about this tool (names of at most 200 characters: cheap), then their patterns.
  const results = new Map<number, RuleResult<R>>(rules.map((rule) => [rule.id, { rule, tool: toolMatches(rule.tool, ask.toolName), whole: false, parts: [] }]));
  const length = ruleSubject(ask).length;
  if (length > RULE_SUBJECT_MAX) return { results, undecidable: `the subject is ${length} characters long; approval rules decide on at most ${RULE_SUBJECT_MAX}` };
  if (![...results.values()].some((r) => r.tool)) return { results }; // no rule is about this tool: nothing to read
  const b = budget(steps);
  try {
    const p = prepare(ask);
    const unsure = p.shell && !p.shell.sure ? `the command could not be read with certainty (${p.shell.problems.join(', ')})` : undefined;
    for (const r of results.values()) {
      if (!r.tool) continue;
      if (r.rule.decision === 'deny') r.whole = p.denyTexts.some((t) => globMatches(r.rule.pattern, t, b));
      else if (!unsure) {
        const barrier = p.shell ? SHELL_CONTROL : undefined;
        r.whole = globMatches(r.rule.pattern, p.subject, b, barrier);
        r.parts = p.parts.map((t) => globMatches(r.rule.pattern, t, b, barrier));
      }
    }
    return { results, ...(unsure && { allowUnsure: unsure }) };
  } catch (err) {
    if (!(err instanceof BudgetExceeded)) throw err;
    for (const r of results.values()) Object.assign(r, { whole: false, parts: [] });
    return { results, undecidable: `matching the rules took over ${steps} steps` };
  }
}

export type Verdict<R extends RuleLike> = { decision: RuleDecision; rule: R } | { decision: 'none'; why: string };

const sameRule = (a: RuleLike, b: RuleLike) => a.tool === b.tool && a.pattern === b.pattern && a.decision === b.decision;

/**
 * The decision of the rules in scope, from what evaluateRules found: a matching deny, else an allow,
 * else undefined (no rule is about this prompt) or `none` with the reason the rules could not decide.
 * A rule in scope that was not evaluated as it is now (changed or added meanwhile) makes it `none`.
 */
export function decideFrom<R extends RuleLike>(ev: RuleEvaluation<R>, inScope: readonly R[]): Verdict<R> | undefined {
  const results: RuleResult<R>[] = [];
  for (const rule of inScope) {
    const r = ev.results.get(rule.id);
    if (!r || !sameRule(r.rule, rule)) return { decision: 'none', why: 'the approval rules changed while they were matched' };
    results.push({ ...r, rule });
  }
  const concerned = results.some((r) => r.tool);
  if (ev.undecidable) return concerned ? { decision: 'none', why: ev.undecidable } : undefined;
  const deny = results.find((r) => r.rule.decision === 'deny' && r.whole);
  if (deny) return { decision: 'deny', rule: deny.rule };
  const allows = results.filter((r) => r.rule.decision === 'allow' && r.tool);
  if (ev.allowUnsure) return allows.length ? { decision: 'none', why: `allow rules do not decide: ${ev.allowUnsure}` } : undefined;
  const whole = allows.find((r) => r.whole);
  if (whole) return { decision: 'allow', rule: whole.rule };
  const parts = allows[0]?.parts.length ?? 0;
  if (parts > 0) {
    const by = Array.from({ length: parts }, (_, i) => allows.find((r) => r.parts[i]));
    if (by.every(Boolean)) return { decision: 'allow', rule: by[0]!.rule };
  }
  return undefined;
}

/** The decision of the rules for one prompt (evaluateRules, then decideFrom on the same rules). */
export function decide<R extends RuleLike>(rules: readonly R[], ask: PermissionAsk): Verdict<R> | undefined {
  return decideFrom(evaluateRules(rules, ask), rules);
}

/** One rule alone matches the prompt (a deny: denies it; an allow: allows it). */
export function ruleMatches(rule: RuleLike, ask: PermissionAsk): boolean {
  const d = decide([rule], ask);
  return d !== undefined && d.decision === rule.decision;
}

/** How an answer by rule names the rule (the program's answer quotes it to the agent). */
export const ruleWhy = (rule: RuleLike): string => `agent-boss approval rule #${rule.id} (${rule.tool} "${rule.pattern}")`;
