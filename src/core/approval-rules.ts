/**
 * Approval rules: the operator's standing answers to Claude Code permission prompts. Pure matching,
 * no I/O; the hook command evaluates them on every PermissionRequest.
 *
 * A rule names a tool (exact, or a glob such as `mcp__github__*`) and a pattern over the prompt's
 * subject (the Bash command, the file path, the URL, the MCP arguments as JSON; see hookSubject).
 * Patterns are anchored globs: `*` matches any run of characters, `?` one character, `\*` and `\?`
 * the character itself; everything else is literal.
 *
 * Safety of Bash allow rules: in an allow rule, `*` never matches a shell control character
 * (`;` `&` `|` `<` `>` `` ` `` `$` `(` `)` newline), so `npm test*` allows `npm test -- --watch`
 * but not `npm test; rm -rf ~` or `npm test $(curl …)`. A deny rule's `*` matches anything, and a
 * deny rule is also tried on each part of a compound command, so `rm *` denies `make && rm -rf x`.
 * File paths are normalised (`a/../b` → `b`) before matching, so `/repo/*` cannot be escaped with `..`.
 *
 * Evaluation: among the rules that apply to the agent (its space's and the global ones), any
 * matching deny wins; else a matching allow; else no decision (the prompt is shown as usual).
 */
import { posix } from 'node:path';
import { hookSubject } from './hook-state.js';

export type RuleDecision = 'allow' | 'deny';

export interface RuleLike {
  id: number;
  tool: string;
  pattern: string;
  decision: RuleDecision;
}

export interface PermissionAsk {
  toolName: string;
  toolInput: unknown;
}

const FILE_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'Read', 'NotebookEdit']);

/** Compiles an anchored glob; `star` is the character class `*` stands for. */
function globToRegExp(glob: string, star: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && (glob[i + 1] === '*' || glob[i + 1] === '?' || glob[i + 1] === '\\')) {
      re += `\\${glob[++i]!}`;
    } else if (c === '*') {
      re += `${star}*`;
    } else if (c === '?') {
      re += star;
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`, 'su');
}

const ANY = '[\\s\\S]';
/** What `*` stands for in a Bash allow rule: anything but a shell control character. */
const NO_SHELL_CONTROL = '[^;&|<>`$()\\n\\r]';

export const toolMatches = (ruleTool: string, toolName: string): boolean => globToRegExp(ruleTool, ANY).test(toolName);

/** The parts of a compound shell command (split on ; & | and newlines), trimmed. */
const commandParts = (command: string): string[] =>
  command
    .split(/[;&|\n\r]+/u)
    .map((p) => p.trim())
    .filter(Boolean);

/** The subject a rule's pattern is matched against (file paths normalised). */
export function ruleSubject(toolName: string, toolInput: unknown): string {
  const subject = hookSubject(toolName, toolInput);
  return FILE_TOOLS.has(toolName) && subject.startsWith('/') ? posix.normalize(subject) : subject;
}

export function ruleMatches(rule: RuleLike, ask: PermissionAsk): boolean {
  if (!toolMatches(rule.tool, ask.toolName)) return false;
  const subject = ruleSubject(ask.toolName, ask.toolInput);
  if (rule.decision === 'deny') {
    const re = globToRegExp(rule.pattern, ANY);
    return re.test(subject) || (ask.toolName === 'Bash' && commandParts(subject).some((p) => re.test(p)));
  }
  return globToRegExp(rule.pattern, ask.toolName === 'Bash' ? NO_SHELL_CONTROL : ANY).test(subject);
}

/** The decision of the rules for one prompt: a matching deny, else a matching allow, else undefined. */
export function decide<R extends RuleLike>(rules: readonly R[], ask: PermissionAsk): { decision: RuleDecision; rule: R } | undefined {
  const deny = rules.find((r) => r.decision === 'deny' && ruleMatches(r, ask));
  if (deny) return { decision: 'deny', rule: deny };
  const allow = rules.find((r) => r.decision === 'allow' && ruleMatches(r, ask));
  return allow ? { decision: 'allow', rule: allow } : undefined;
}

/**
 * What `agent-boss hook` prints to answer a PermissionRequest, in Claude Code's documented
 * PermissionRequest decision format (https://code.claude.com/docs/en/hooks#permissionrequest-decision-control):
 * `hookSpecificOutput.hookEventName` "PermissionRequest" and `decision.behavior` "allow" or "deny",
 * with `message` telling Claude why it was denied. Printing nothing leaves the dialog to the user.
 */
export function permissionDecisionOutput(decision: RuleDecision, rule: RuleLike): string {
  const why = `agent-boss approval rule #${rule.id} (${rule.tool} "${rule.pattern}")`;
  return JSON.stringify({
    hookSpecificOutput: {
      hookEventName: 'PermissionRequest',
      decision: decision === 'allow' ? { behavior: 'allow' } : { behavior: 'deny', message: `Denied by ${why}.` },
    },
  });
}
