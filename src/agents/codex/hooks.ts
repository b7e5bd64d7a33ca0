/**
 * Codex CLI's hooks (0.171.0): its `hooks.json` events and its `notify` program, what each means,
 * and how a PermissionRequest is answered. Pure.
 *
 * Codex runs each configured hook command with one JSON object on stdin: `hook_event_name`,
 * `session_id`, `turn_id`, `cwd`, `model`, `permission_mode`, and per event `tool_name` /
 * `tool_input` (a shell command is tool "Bash" with `{command, description}`), `prompt`
 * (UserPromptSubmit), `source` (SessionStart). The `notify` program instead gets one JSON argument,
 * `{"type": "agent-turn-complete", "thread-id", "turn-id", "cwd", "input-messages",
 * "last-assistant-message"}`, after each turn.
 *
 * Events → state:
 *   SessionStart                                → idle
 *   UserPromptSubmit, PreToolUse, PostToolUse   → working
 *   PermissionRequest                           → waiting_approval, with the tool, its input and the prompt id
 *   Stop, Interrupt, agent-turn-complete        → idle
 *   SubagentStart / SubagentStop                → the state stays; activity says a subagent runs / finished
 *   PreCompact / PostCompact                    → working, activity "compacting"
 *   SessionEnd                                  → gone
 *
 * Codex runs a hook only once it is trusted: a new or changed hook is skipped (it warns at start-up)
 * until it is reviewed and trusted with `/hooks` in the Codex TUI, which records its hash in
 * `config.toml`; automation that vets its hooks may start Codex with `--dangerously-bypass-hook-trust`.
 */
import {
  MAX_SUBJECT,
  readCommonEvent,
  stableJson,
  hookSteps,
  str,
  type AgentHooks,
  type HookEvent,
  type HookState,
  type ParsedHookEvent,
} from '../../backends/agent-hooks.js';
import { promptIdFor } from '../../backends/prompt-id.js';

/** The notify program's event after each turn. */
export const TURN_COMPLETE = 'agent-turn-complete';

export const CODEX_HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'SubagentStart',
  'SubagentStop',
  'PreCompact',
  'PostCompact',
  'Stop',
  'Interrupt',
  'SessionEnd',
] as const;

const TOOL_EVENTS: ReadonlySet<string> = new Set(['PreToolUse', 'PermissionRequest', 'PostToolUse']);

/** Reads a hook event, or the notify program's argument (its `type` names the event). */
export function readCodexEvent(raw: Record<string, unknown>): ParsedHookEvent {
  const notify = raw.hook_event_name === undefined && typeof raw.type === 'string';
  const parsed = readCommonEvent(raw, notify ? raw.type : raw.hook_event_name);
  if ('problem' in parsed) return parsed;
  const ev = parsed.event;
  const o = parsed.raw;
  if (notify && ev.ccSession === undefined) {
    const thread = str(o['thread-id'], 200);
    if (thread !== undefined) ev.ccSession = thread;
  }
  const source = str(o.source, 100);
  if (source !== undefined) ev.source = source;
  const reason = str(o.reason, 200);
  if (reason !== undefined) ev.reason = reason;
  const trigger = str(o.trigger, 100);
  if (trigger !== undefined) ev.trigger = trigger;
  const agentType = str(o.agent_type, 200);
  if (agentType !== undefined) ev.agentType = agentType;
  return parsed;
}

/** What a prompt is about: a shell command's text, else the tool input as JSON with sorted keys. */
export function codexSubject(toolName: string | undefined, input: unknown): string {
  const o = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  if (toolName === 'Bash' && typeof o.command === 'string') return o.command;
  return stableJson(input ?? null);
}

/** Tools the Codex screen parser names as the hooks do (src/agents/codex/screen.ts). */
const SCREEN_NAMED = new Set(['Bash', 'apply_patch']);

const ANSWERED_BY: Record<string, 'allow' | 'deny'> = {
  PostToolUse: 'allow',
  UserPromptSubmit: 'deny',
  PermissionRequest: 'deny',
  Stop: 'deny',
  Interrupt: 'deny',
  [TURN_COMPLETE]: 'deny',
};

export function nextCodexState(prev: HookState | undefined, ev: HookEvent, at: number): HookState | undefined {
  const step = hookSteps(prev, ev, at);
  const { to } = step;
  switch (ev.event) {
    case 'SessionStart':
      return step.sessionStarted();
    case 'UserPromptSubmit':
      return step.turnBegan();
    case 'PreToolUse':
      return step.toolRunning();
    case 'PostToolUse':
      return step.toolRan();
    case 'PermissionRequest': {
      const subject = codexSubject(ev.toolName, ev.toolInput).slice(0, MAX_SUBJECT);
      return to('waiting_approval', { ...step.tool(), subject, prompt_id: promptIdFor(ev.toolName, subject) });
    }
    case 'Stop':
    case TURN_COMPLETE:
      return to('idle');
    case 'Interrupt':
      return to('idle', { activity: 'interrupted' });
    case 'SubagentStart':
    case 'SubagentStop': {
      const subagents = Math.max(0, (prev?.detail.subagents ?? 0) + (ev.event === 'SubagentStart' ? 1 : -1));
      const activity = `${ev.agentType ? `subagent ${ev.agentType}` : 'subagent'} ${ev.event === 'SubagentStart' ? 'running' : 'finished'}`;
      if (!prev || prev.state === 'gone') return to('working', { activity, subagents });
      return { ...prev, event: ev.event, at, detail: { ...prev.detail, subagents, activity } };
    }
    case 'PreCompact':
      return to('working', { activity: `compacting${ev.trigger ? ` (${ev.trigger})` : ''}` });
    case 'PostCompact':
      return to('working', { activity: 'compacted' });
    case 'SessionEnd':
      return step.sessionEnded('session ended');
    default:
      return undefined;
  }
}

/** Codex's PermissionRequest decision: `hookSpecificOutput.decision.behavior` "allow" or "deny" with a message. */
export function codexDecisionOutput(decision: 'allow' | 'deny', why: string): string {
  return JSON.stringify({
    hookSpecificOutput: {
      hookEventName: 'PermissionRequest',
      decision: decision === 'allow' ? { behavior: 'allow' } : { behavior: 'deny', message: `Denied by ${why}.` },
    },
  });
}

export const codexHooks: AgentHooks = {
  kind: 'codex',
  settings: {
    projectFile: '.codex/hooks.json',
    userFile: '.codex/hooks.json',
    homeVariable: { name: 'CODEX_HOME', file: 'hooks.json' },
    events: CODEX_HOOK_EVENTS,
    toolEvents: TOOL_EVENTS,
    // Seconds Codex lets the hook run (the hook itself gives up after 250 ms).
    timeout: 5,
    note:
      'Codex runs a new or changed hook only once you trust it: open /hooks in Codex and trust the agent-boss hooks (Codex records their hash in config.toml), ' +
      'or start Codex with --dangerously-bypass-hook-trust where its hooks are vetted otherwise. A project\'s .codex/hooks.json is read only in a trusted project.',
  },
  read: readCodexEvent,
  next: nextCodexState,
  registers: (ev) => ev.event === 'SessionStart',
  asks: (ev) => ev.event === 'PermissionRequest' && ev.toolName !== undefined && !ev.truncated,
  answer: (_ev, decision, why) => codexDecisionOutput(decision, why),
  answeredBy: (ev) => ANSWERED_BY[ev.event],
  promptEvent: 'UserPromptSubmit',
  precedesPrompt: (event) => event === 'PreToolUse',
  subject: codexSubject,
  subjectForm: (toolName) => (toolName === 'Bash' ? 'command' : 'input'),
  differentTools: (hookTool, screenTool) => hookTool !== undefined && SCREEN_NAMED.has(hookTool) && SCREEN_NAMED.has(screenTool) && hookTool !== screenTool,
};
