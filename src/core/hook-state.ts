/**
 * What a Claude Code hook event says about the agent: pure functions, no I/O, no schema library
 * (the hook command loads this on every event, so it stays cheap to import).
 *
 * Claude Code runs a configured command per event with one JSON object on stdin. Fields used here
 * (measured on 2.1.328): `hook_event_name`, `session_id` (Claude Code's own), `tool_name`,
 * `tool_input`, `prompt` (UserPromptSubmit), `notification_type` (Notification), `error`
 * (StopFailure), `reason` (SessionEnd), `source` (SessionStart), `trigger` (PreCompact/PostCompact),
 * `agent_type` (SubagentStart/SubagentStop).
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
import { createHash } from 'node:crypto';
import { blockedReasonOf, type BlockedReason } from '../backends/blocked.js';
import { promptIdFor } from '../backends/prompt-id.js';
import { submittedForm } from '../backends/typed-text.js';

export type HookStateName = 'working' | 'waiting_approval' | 'idle' | 'gone';

export interface HookDetail {
  tool_name?: string;
  tool_input?: unknown;
  /** What the pending prompt is about: the command, file, URL or MCP arguments. */
  subject?: string;
  /** promptIdFor(tool_name, subject) of the pending prompt. */
  prompt_id?: string;
  error?: string;
  /** The kind of API error the last turn failed on (StopFailure), when it is one of them. */
  blocked?: BlockedReason;
  /** The subagent whose prompt is pending (a PermissionRequest with `agent_type`). */
  subagent?: string;
  /** What the agent does beyond its state: "subagent Explore running", "compacting (auto)". */
  activity?: string;
  subagents?: number;
  /** Claude Code's own session id. */
  cc_session?: string;
}

export interface HookState {
  state: HookStateName;
  /** The latest event (or "approve" when the approve tool answered the prompt). */
  event: string;
  since: number;
  at: number;
  detail: HookDetail;
}

/** One event as read from stdin. */
export interface HookEvent {
  event: string;
  ccSession?: string;
  toolName?: string;
  toolInput?: unknown;
  prompt?: string;
  notificationType?: string;
  error?: string;
  reason?: string;
  source?: string;
  trigger?: string;
  agentType?: string;
  /** The input was over the size limit: only fields found near its start are known. */
  truncated?: boolean;
}

/** The events `agent-boss setup hooks` installs, in the order Claude Code fires them in a session. */
export const HOOK_EVENTS = [
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
export const TOOL_EVENTS: ReadonlySet<string> = new Set(['PreToolUse', 'PermissionRequest', 'PostToolUse', 'PostToolUseFailure']);

/** Deepest nesting of arrays and objects a hook event may have (Claude Code's inputs nest a few levels). */
export const MAX_HOOK_DEPTH = 64;

/** True when `value` nests arrays and objects deeper than `max`, counted without recursion. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

type ParsedHookEvent = { event: HookEvent; raw: Record<string, unknown> } | { problem: string };

const str = (v: unknown, max = 4096): string | undefined => (typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined);

/**
 * Reads a hook event from the JSON text of stdin. `truncated`: only the first part of an oversized
 * input is available; the event name and tool name are then taken from its start (Claude Code
 * writes them before the bulky fields).
 */
export function parseHookEvent(text: string, truncated = false): ParsedHookEvent {
  if (truncated) {
    const name = /"hook_event_name"\s*:\s*"([A-Za-z]{1,64})"/.exec(text)?.[1];
    if (!name) return { problem: 'input is over the size limit and its start names no hook_event_name' };
    const tool = /"tool_name"\s*:\s*"([^"\\]{1,200})"/.exec(text)?.[1];
    const session = /"session_id"\s*:\s*"([^"\\]{1,200})"/.exec(text)?.[1];
    const event: HookEvent = { event: name, truncated: true, ...(tool && { toolName: tool }), ...(session && { ccSession: session }) };
    return { event, raw: { hook_event_name: name, ...(tool && { tool_name: tool }), ...(session && { session_id: session }), truncated: true } };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { problem: `input is not JSON (${(err as Error).message})` };
  }
  return hookEventOf(raw);
}

/** Reads a hook event from its parsed JSON (the payload of POST /hooks/event). */
export function hookEventOf(raw: unknown): ParsedHookEvent {
  if (nestsDeeperThan(raw, MAX_HOOK_DEPTH)) return { problem: `input nests arrays or objects deeper than ${MAX_HOOK_DEPTH} levels; a Claude Code hook event never does` };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'input is not a JSON object' };
  const o = raw as Record<string, unknown>;
  const name = o.hook_event_name;
  if (typeof name !== 'string' || !/^[A-Za-z]{1,64}$/.test(name)) return { problem: 'input has no valid hook_event_name' };
  const ev: HookEvent = { event: name };
  const set = <K extends keyof HookEvent>(k: K, v: HookEvent[K] | undefined) => {
    if (v !== undefined) ev[k] = v;
  };
  set('ccSession', str(o.session_id, 200));
  set('toolName', str(o.tool_name, 200));
  if (o.tool_input !== undefined) ev.toolInput = o.tool_input;
  set('prompt', typeof o.prompt === 'string' ? o.prompt : undefined);
  set('notificationType', str(o.notification_type, 100));
  set('error', typeof o.error === 'string' ? o.error.slice(0, 4096) : o.error !== undefined ? JSON.stringify(o.error).slice(0, 4096) : undefined);
  set('reason', str(o.reason, 200));
  set('source', str(o.source, 100));
  set('trigger', str(o.trigger, 100));
  set('agentType', str(o.agent_type, 200));
  return { event: ev, raw: o };
}

/** Longest subject kept in the state and the prompt id (a huge heredoc command is still identified by its hash). */
const MAX_SUBJECT = 8192;

/**
 * What a permission prompt is about, from the tool input: the command (Bash), the file (Edit,
 * Write, Read, NotebookEdit), the URL (WebFetch), the query (WebSearch), else the input as JSON
 * with sorted keys (MCP tools and anything else); cut to MAX_SUBJECT for the state, the decision log
 * and the prompt id. Approval rules decide on toolSubject, whole.
 */
export const hookSubject = (toolName: string | undefined, input: unknown): string => toolSubject(toolName, input).slice(0, MAX_SUBJECT);

/** The subject of hookSubject, whole. */
export function toolSubject(toolName: string | undefined, input: unknown): string {
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

/** JSON with object keys sorted, so equal inputs give equal text. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The prompt id of a PermissionRequest: tool name + subject, through the function the screen parser uses too. */
export const hookPromptId = (toolName: string | undefined, input: unknown): string => promptIdFor(toolName, hookSubject(toolName, input));

/** Longest tool input kept in the state (a Write of a large file keeps its path, not its content). */
const MAX_INPUT_JSON = 16 * 1024;

export function boundedInput(input: unknown): unknown {
  const json = JSON.stringify(input ?? null) ?? 'null';
  if (json.length <= MAX_INPUT_JSON) return input;
  if (typeof input !== 'object' || input === null) return json.slice(0, MAX_INPUT_JSON);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    out[k] = typeof v === 'string' && v.length > 1024 ? `${v.slice(0, 1024)}… (${v.length} characters)` : v;
  }
  return JSON.stringify(out).length <= MAX_INPUT_JSON ? out : { truncated: json.slice(0, MAX_INPUT_JSON) };
}

/**
 * The state after `ev`, given the state before it (undefined: first event seen). Returns
 * undefined when the event says nothing about the state. `since` carries over while the state
 * (and, for a pending prompt, the prompt) stays the same.
 */
export function nextHookState(prev: HookState | undefined, ev: HookEvent, at: number): HookState | undefined {
  const base: HookDetail = {
    ...(ev.ccSession !== undefined && { cc_session: ev.ccSession }),
    ...(prev?.detail.subagents ? { subagents: prev.detail.subagents } : {}),
  };
  const to = (state: HookStateName, detail: HookDetail = {}): HookState => {
    const d = { ...base, ...detail };
    const same = prev !== undefined && prev.state === state && (state !== 'waiting_approval' || prev.detail.prompt_id === d.prompt_id);
    return { state, event: ev.event, since: same ? prev.since : at, at, detail: d };
  };
  const tool = (): HookDetail => ({
    ...(ev.toolName !== undefined && { tool_name: ev.toolName }),
    ...(ev.toolInput !== undefined && { tool_input: boundedInput(ev.toolInput) }),
  });
  switch (ev.event) {
    case 'SessionStart':
      return to('idle', { activity: `session started${ev.source ? ` (${ev.source})` : ''}` });
    case 'UserPromptSubmit':
      // A new turn: its own since, even when the hooks last said working (an Escape fires no hook).
      // Claude Code starts one by itself when a background task ends (`<task-notification>`).
      return { ...to('working', ev.prompt?.trimStart().startsWith('<task-notification>') ? { activity: 'a background task finished' } : {}), since: at };
    case 'PreToolUse':
      return to('working', { ...tool(), activity: ev.toolName ? `running ${ev.toolName}` : 'running a tool' });
    case 'PostToolUse':
    case 'PostToolUseFailure':
      return to('working', ev.toolName ? { tool_name: ev.toolName } : {});
    case 'PermissionRequest': {
      const subject = hookSubject(ev.toolName, ev.toolInput);
      return to('waiting_approval', { ...tool(), subject, prompt_id: promptIdFor(ev.toolName, subject), ...(ev.agentType !== undefined && { subagent: ev.agentType }) });
    }
    case 'Notification':
      if (ev.notificationType === 'permission_prompt') {
        // Fires ~6 s after a dialog appeared, carrying no tool name: the PermissionRequest before it has the details.
        if (prev?.state === 'waiting_approval') return { ...prev, at, event: ev.event, detail: { ...prev.detail, ...base } };
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
      return {
        state: 'gone',
        event: ev.event,
        since: prev?.state === 'gone' ? prev.since : at,
        at,
        detail: { ...(ev.ccSession !== undefined && { cc_session: ev.ccSession }), ...(ev.reason && { activity: `session ended (${ev.reason})` }) },
      };
    case 'SubagentStart':
    case 'SubagentStop': {
      // The main agent's state stays what it was; only the activity and the count of subagents change.
      const subagents = Math.max(0, (prev?.detail.subagents ?? 0) + (ev.event === 'SubagentStart' ? 1 : -1));
      const who = ev.agentType ? `subagent ${ev.agentType}` : 'subagent';
      const activity = ev.event === 'SubagentStart' ? `${who} running` : `${who} finished`;
      if (!prev || prev.state === 'gone') return to('working', { activity, subagents });
      if (ev.event === 'SubagentStop' && prev.state === 'waiting_approval' && prev.detail.subagent !== undefined) return to('idle', { activity, subagents });
      return { ...prev, event: ev.event, at, detail: { ...prev.detail, ...base, subagents, activity } };
    }
    case 'PreCompact':
      return to('working', { activity: `compacting${ev.trigger ? ` (${ev.trigger})` : ''}` });
    case 'PostCompact':
      return ev.trigger === 'manual' ? to('idle', { activity: 'compacted' }) : to('working', { activity: 'compacted' });
    default:
      return undefined;
  }
}

/** Longest submitted prompt kept in full in a stored event (longer ones keep a hash of the whole). */
const MAX_STORED_PROMPT = 64 * 1024;
const MAX_STORED_STRING = 4096;

/**
 * The payload as stored: without `tool_response` (a file read can be megabytes), the tool input
 * bounded, long strings cut. A submitted prompt keeps `prompt_norm_sha` (hash of its normalised
 * text) so a delivery receipt can match it however long it was.
 */
export function storedPayload(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'tool_response') continue;
    if (k === 'tool_input') out[k] = boundedInput(v);
    else if (k === 'prompt' && typeof v === 'string') {
      out[k] = v.length > MAX_STORED_PROMPT ? v.slice(0, MAX_STORED_PROMPT) : v;
      out.prompt_chars = v.length;
      out.prompt_norm_sha = sha256(normalisePrompt(v));
    } else if (typeof v === 'string') out[k] = v.length > MAX_STORED_STRING ? `${v.slice(0, MAX_STORED_STRING)}…` : v;
    else if (typeof v === 'object' && v !== null && JSON.stringify(v).length > MAX_STORED_STRING) out[k] = boundedInput(v);
    else out[k] = v;
  }
  return out;
}

/**
 * The form of a prompt for matching what was typed with what was submitted: as the program submits
 * it (composed, invisible characters dropped: typed-text.ts), whitespace-insensitive.
 */
export const normalisePrompt = (s: string): string => submittedForm(s).replace(/\s+/gu, ' ').trim();

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
