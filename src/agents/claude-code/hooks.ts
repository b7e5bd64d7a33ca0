/**
 * Claude Code's hooks: what each of its hook events means (measured on 2.1.328), its tool names
 * and what their prompts are about, and how a PermissionRequest is answered. Pure.
 *
 * Claude Code runs a configured command per event with one JSON object on stdin. Fields used here:
 * `hook_event_name`, `session_id` (Claude Code's own), `tool_name`, `tool_input`, `prompt`
 * (UserPromptSubmit), `notification_type` (Notification), `error` (StopFailure), `reason`
 * (SessionEnd), `source` (SessionStart), `trigger` (PreCompact/PostCompact), `agent_type`
 * (SubagentStart/SubagentStop).
 *
 * Events → state:
 *   SessionStart                                  → idle (at its input box)
 *   UserPromptSubmit, PreToolUse, PostToolUse,
 *   PostToolUseFailure                            → working
 *   PermissionRequest                             → waiting_approval, with the exact tool name, input and prompt id
 *                                                   (and the subagent asking: `agent_type`, measured on 2.1.332)
 *   Notification permission_prompt                → still waiting (waiting_approval, tool unknown if no PermissionRequest came)
 *   Notification idle_prompt, Stop                → idle
 *   StopFailure                                   → idle, with the error and its blocked reason
 *                                                   (rate_limit / overloaded / server_error / auth)
 *   SessionEnd                                    → gone (Claude Code exited; the terminal may still be open)
 *   SubagentStart / SubagentStop                  → the state stays; activity says a subagent runs / finished;
 *                                                   but a SubagentStop while that subagent's prompt is pending
 *                                                   → idle (escaping a subagent's dialog fires only SubagentStop,
 *                                                   and the main turn's Stop came before the prompt)
 *   PreCompact / PostCompact                      → working, activity "compacting"; after a manual compact, idle
 * Any other event, or a Notification of another type, changes nothing (it is still recorded).
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
  type SubjectForm,
} from '../../backends/agent-hooks.js';
import { blockedReasonOf } from '../../backends/blocked.js';
import { promptIdFor } from '../../backends/prompt-id.js';
import { CLAUDE_CODE } from './kind.js';

/** The events `agent-boss setup hooks` installs, in the order Claude Code fires them in a session. */
export const CLAUDE_CODE_HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'PostToolUseFailure',
  'Notification',
  'Stop',
  'StopFailure',
  'SubagentStart',
  'SubagentStop',
  'PreCompact',
  'PostCompact',
  'SessionEnd',
] as const;

/** Events whose hook entry takes a tool-name matcher. */
export const CLAUDE_CODE_TOOL_EVENTS: ReadonlySet<string> = new Set(['PreToolUse', 'PermissionRequest', 'PostToolUse', 'PostToolUseFailure']);

/** Reads the fields of a Claude Code hook event. */
export function readClaudeCodeEvent(raw: Record<string, unknown>): ParsedHookEvent {
  const parsed = readCommonEvent(raw);
  if ('problem' in parsed) return parsed;
  const o = parsed.raw;
  const ev = parsed.event;
  const set = <K extends keyof HookEvent>(k: K, v: HookEvent[K] | undefined) => {
    if (v !== undefined) ev[k] = v;
  };
  set('notificationType', str(o.notification_type, 100));
  set('error', typeof o.error === 'string' ? o.error.slice(0, 4096) : o.error !== undefined ? JSON.stringify(o.error).slice(0, 4096) : undefined);
  set('reason', str(o.reason, 200));
  set('source', str(o.source, 100));
  set('trigger', str(o.trigger, 100));
  set('agentType', str(o.agent_type, 200));
  return parsed;
}

const PATH_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'Read', 'NotebookEdit']);
const WORD_TOOLS = new Set(['WebFetch', 'WebSearch']);

export function claudeCodeSubjectForm(toolName: string | undefined): SubjectForm {
  if (toolName === 'Bash') return 'command';
  if (toolName !== undefined && PATH_TOOLS.has(toolName)) return 'path';
  if (toolName !== undefined && WORD_TOOLS.has(toolName)) return 'word';
  return 'input';
}

/**
 * What a permission prompt is about, from the tool input: the command (Bash), the file (Edit,
 * Write, Read, NotebookEdit), the URL (WebFetch), the query (WebSearch), else the input as JSON
 * with sorted keys (MCP tools and anything else).
 */
export function claudeCodeSubject(toolName: string | undefined, input: unknown): string {
  const o = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const pick = (...keys: string[]) => keys.map((k) => o[k]).find((v): v is string => typeof v === 'string');
  let subject: string | undefined;
  switch (toolName) {
    case 'Bash':
      subject = pick('command');
      break;
    case 'Edit':
    case 'MultiEdit':
    case 'Write':
    case 'Read':
      subject = pick('file_path');
      break;
    case 'NotebookEdit':
      subject = pick('notebook_path', 'file_path');
      break;
    case 'WebFetch':
      subject = pick('url');
      break;
    case 'WebSearch':
      subject = pick('query');
      break;
  }
  return subject ?? stableJson(input ?? null);
}

/** Tools whose dialog header the screen parser names exactly as Claude Code's tool name. */
const SCREEN_NAMED = new Set(['Bash', 'Edit', 'Write', 'Read', 'WebFetch', 'WebSearch', 'NotebookEdit', 'ExitPlanMode']);

/**
 * The screen shows a different dialog than the hook announced. Only names the screen knows exactly
 * are compared (an MCP dialog shows the tool's title, not its name); the trust dialog has no hook.
 */
export function claudeCodeDifferentTools(hookTool: string | undefined, screenTool: string): boolean {
  if (screenTool === 'Trust') return true;
  if (hookTool === undefined) return false;
  const h = hookTool === 'MultiEdit' ? 'Edit' : hookTool;
  return SCREEN_NAMED.has(h) && SCREEN_NAMED.has(screenTool) && h !== screenTool;
}

/** Events after which a prompt that was still pending has been answered, and how. */
const ANSWERED_BY: Record<string, 'allow' | 'deny'> = {
  PostToolUse: 'allow',
  PostToolUseFailure: 'allow',
  UserPromptSubmit: 'deny',
  Stop: 'deny',
  StopFailure: 'deny',
  PermissionRequest: 'deny',
};

/** The state after `ev` (see the module comment). */
export function nextClaudeCodeState(prev: HookState | undefined, ev: HookEvent, at: number): HookState | undefined {
  const step = hookSteps(prev, ev, at);
  const { to, tool } = step;
  switch (ev.event) {
    case 'SessionStart':
      return step.sessionStarted();
    case 'UserPromptSubmit':
      // Claude Code starts a turn by itself when a background task ends (`<task-notification>`).
      return step.turnBegan(ev.prompt?.trimStart().startsWith('<task-notification>') ? { activity: 'a background task finished' } : {});
    case 'PreToolUse':
      return step.toolRunning();
    case 'PostToolUse':
    case 'PostToolUseFailure':
      return step.toolRan();
    case 'PermissionRequest': {
      const subject = claudeCodeSubject(ev.toolName, ev.toolInput).slice(0, MAX_SUBJECT);
      return to('waiting_approval', { ...tool(), subject, prompt_id: promptIdFor(ev.toolName, subject), ...(ev.agentType !== undefined && { subagent: ev.agentType }) });
    }
    case 'Notification':
      if (ev.notificationType === 'permission_prompt') {
        // Fires ~6 s after a dialog appeared, carrying no tool name: the PermissionRequest before it has the details.
        if (prev?.state === 'waiting_approval') return { ...prev, at, event: ev.event, detail: { ...prev.detail, ...(ev.ccSession !== undefined && { cc_session: ev.ccSession }) } };
        return to('waiting_approval');
      }
      if (ev.notificationType === 'idle_prompt') return to('idle');
      return undefined;
    case 'Stop':
      return to('idle', prev?.detail.subagents ? { activity: 'background subagent running' } : {});
    case 'StopFailure': {
      const error = ev.error ?? 'the API request failed';
      const blocked = blockedReasonOf(error);
      return to('idle', { error, ...(blocked !== undefined && { blocked }) });
    }
    case 'SessionEnd':
      return step.sessionEnded(ev.reason && `session ended (${ev.reason})`);
    case 'SubagentStart':
    case 'SubagentStop': {
      // The main agent's state stays what it was; only the activity and the count of subagents change.
      const subagents = Math.max(0, (prev?.detail.subagents ?? 0) + (ev.event === 'SubagentStart' ? 1 : -1));
      const who = ev.agentType ? `subagent ${ev.agentType}` : 'subagent';
      const activity = ev.event === 'SubagentStart' ? `${who} running` : `${who} finished`;
      if (!prev || prev.state === 'gone') return to('working', { activity, subagents });
      if (ev.event === 'SubagentStop' && prev.state === 'waiting_approval' && prev.detail.subagent !== undefined) return to('idle', { activity, subagents });
      return { ...prev, event: ev.event, at, detail: { ...prev.detail, ...(ev.ccSession !== undefined && { cc_session: ev.ccSession }), subagents, activity } };
    }
    case 'PreCompact':
      return to('working', { activity: `compacting${ev.trigger ? ` (${ev.trigger})` : ''}` });
    case 'PostCompact':
      return ev.trigger === 'manual' ? to('idle', { activity: 'compacted' }) : to('working', { activity: 'compacted' });
    default:
      return undefined;
  }
}

/**
 * A PermissionRequest answered in Claude Code's documented decision format
 * (https://code.claude.com/docs/en/hooks#permissionrequest-decision-control):
 * `hookSpecificOutput.hookEventName` "PermissionRequest" and `decision.behavior` "allow" or "deny",
 * with `message` telling Claude why it was denied. Printing nothing leaves the dialog to the user.
 */
export function permissionDecisionOutput(decision: 'allow' | 'deny', why: string): string {
  return JSON.stringify({
    hookSpecificOutput: {
      hookEventName: 'PermissionRequest',
      decision: decision === 'allow' ? { behavior: 'allow' } : { behavior: 'deny', message: `Denied by ${why}.` },
    },
  });
}

export const claudeCodeHooks: AgentHooks = {
  kind: CLAUDE_CODE,
  settings: {
    projectFile: '.claude/settings.json',
    userFile: '.claude/settings.json',
    events: CLAUDE_CODE_HOOK_EVENTS,
    toolEvents: CLAUDE_CODE_TOOL_EVENTS,
    // Seconds Claude Code lets the hook run before it kills it (the hook itself gives up after 250 ms).
    timeout: 5,
  },
  read: readClaudeCodeEvent,
  next: nextClaudeCodeState,
  registers: (ev) => ev.event === 'SessionStart',
  asks: (ev) => ev.event === 'PermissionRequest' && ev.toolName !== undefined && !ev.truncated,
  answer: (_ev, decision, why) => permissionDecisionOutput(decision, why),
  answeredBy: (ev) => ANSWERED_BY[ev.event],
  promptEvent: 'UserPromptSubmit',
  // A dialog is drawn before its PermissionRequest hook is recorded (~60 ms after PreToolUse, plus the hook's start-up).
  precedesPrompt: (event) => event === 'PreToolUse',
  subject: claudeCodeSubject,
  subjectForm: claudeCodeSubjectForm,
  differentTools: claudeCodeDifferentTools,
};
