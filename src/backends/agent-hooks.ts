/**
 * What an agent program's hooks mean: the contract between the core, which records hook events,
 * fuses them with the screen and answers permission requests from approval rules, and each
 * program's own hook dialect (src/agents/<kind>/hooks.ts: its event names, its fields, its tool
 * names and how to answer it). The core never names a program's event, tool or flag; it asks
 * this interface. Pure: no I/O, no schema library (the hook command loads it on every event).
 */

import type { BlockedReason } from './blocked.js';

export type HookStateName = 'working' | 'waiting_approval' | 'idle' | 'gone';

/** What the state says beyond its name. */
export interface HookDetail {
  tool_name?: string;
  tool_input?: unknown;
  /** What the pending prompt is about: the command, file, URL or tool arguments. */
  subject?: string;
  /** promptIdFor(tool_name, subject) of the pending prompt. */
  prompt_id?: string;
  error?: string;
  /** The kind of API error the last turn failed on, when it is one of them. */
  blocked?: BlockedReason;
  /** The subagent whose prompt is pending. */
  subagent?: string;
  /** What the agent does beyond its state: "subagent Explore running", "compacting (auto)". */
  activity?: string;
  subagents?: number;
  /** The program's own session id. */
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

/** One event as read from the hook's input, in the program's own words. */
export interface HookEvent {
  /** The program's name of the event (recorded as it is: the provenance of a state). */
  event: string;
  /** The program's own session id. */
  ccSession?: string;
  toolName?: string;
  toolInput?: unknown;
  /** The prompt the user submitted. */
  prompt?: string;
  notificationType?: string;
  error?: string;
  reason?: string;
  source?: string;
  trigger?: string;
  agentType?: string;
  /** The directory the program runs in (its conversation belongs to it). */
  cwd?: string;
  /** The input was over the size limit: only fields found near its start are known. */
  truncated?: boolean;
}

export type ParsedHookEvent = { event: HookEvent; raw: Record<string, unknown> } | { problem: string };

/**
 * How a prompt's subject is read: a shell command (split into its simple commands for approval
 * rules), a file path (normalised; a dialog shows it, often relative), one word of what a dialog
 * shows (a URL, a query), or a tool's input (drawn as `key: value` lines).
 */
export type SubjectForm = 'command' | 'path' | 'word' | 'input';

/**
 * Where a program reads its hook settings and what `agent-boss setup hooks --kind` writes there:
 * a JSON file whose `hooks` object lists, per event, entries `{ matcher?, hooks: [{ type:
 * "command", command, timeout }] }` (the shape Claude Code, Codex and Gemini CLI share).
 */
export interface HookSettings {
  /** The file in a project, relative to it (".claude/settings.json"). */
  readonly projectFile: string;
  /** The user's file, relative to HOME (".claude/settings.json"). */
  readonly userFile: string;
  /** The program's own home variable and the file relative to it, used instead when it is set (CODEX_HOME, "hooks.json"). */
  readonly homeVariable?: { readonly name: string; readonly file: string };
  /** The events installed, in the order the program fires them. */
  readonly events: readonly string[];
  /** Events whose entry takes a tool-name matcher ("*"). */
  readonly toolEvents: ReadonlySet<string>;
  /** The entry's timeout: how long the program lets the hook run, in its unit. */
  readonly timeout: number;
  /** What the user must still do for the program to run the hooks (printed after writing). */
  readonly note?: string;
}

/** One agent program's hooks. */
export interface AgentHooks {
  /** Where its hook settings live and what is installed there. */
  readonly settings: HookSettings;
  /** The agent kind whose hooks these are (an agent its hooks register runs this program). */
  readonly kind: string;
  /** Reads one event from its parsed JSON (the hook's stdin, or the payload the hub was posted). */
  read(raw: Record<string, unknown>): ParsedHookEvent;
  /** The state after `ev`, given the state before it; undefined when the event says nothing about the state. */
  next(prev: HookState | undefined, ev: HookEvent, at: number): HookState | undefined;
  /** The event says the program started in its session: it may register the agent. */
  registers(ev: HookEvent): boolean;
  /**
   * The event asks for permission and its hook can answer (the tool named): approval rules decide
   * it. An event that only tells of a prompt (it cannot carry an answer) is not one.
   */
  asks(ev: HookEvent): boolean;
  /**
   * Printed on stdout to answer an asking event with a rule's decision (`why` names the rule);
   * undefined when the program's hook cannot give that decision (the prompt stays for a human).
   */
  answer(ev: HookEvent, decision: 'allow' | 'deny', why: string): string | undefined;
  /** After this event, a prompt that was pending is over: answered at the terminal, and how. */
  answeredBy(ev: HookEvent): 'allow' | 'deny' | undefined;
  /** The event that carries a submitted prompt (`prompt`): the receipt of a send_input. */
  readonly promptEvent?: string;
  /** A dialog may be drawn before the hook event announcing it arrives, when this was the last event. */
  precedesPrompt(event: string): boolean;
  /** What a permission prompt of this tool is about, whole (see hookSubject for the bounded form). */
  subject(toolName: string | undefined, input: unknown): string;
  /** How the subject of this tool's prompt is read. */
  subjectForm(toolName: string | undefined): SubjectForm;
  /**
   * The screen shows another prompt than the hook announced: only names the screen reads exactly
   * are compared (false when unsure).
   */
  differentTools(hookTool: string | undefined, screenTool: string): boolean;
}

/** The hook dialects of the agent programs, by kind (src/agents/hooks.ts gives the real one). */
export interface AgentHooksCatalog {
  /** Every kind with hooks. */
  kinds(): readonly string[];
  hooks(kind: string): AgentHooks | undefined;
}

// ── what every dialect shares ────────────────────────────────────────────────

/** Deepest nesting of arrays and objects a hook event may have (the programs' inputs nest a few levels). */
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

/** A non-empty string field, cut to `max`. */
export const str = (v: unknown, max = 4096): string | undefined => (typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined);

/**
 * The fields every program's hook input shares (`hook_event_name`, `session_id`, `tool_name`,
 * `tool_input`, `prompt`), read from its parsed JSON; a program reads its own extra fields on top.
 */
export function readCommonEvent(raw: unknown, name: unknown = (raw as Record<string, unknown> | null)?.hook_event_name): ParsedHookEvent {
  if (nestsDeeperThan(raw, MAX_HOOK_DEPTH)) return { problem: `input nests arrays or objects deeper than ${MAX_HOOK_DEPTH} levels; a hook event never does` };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'input is not a JSON object' };
  const o = raw as Record<string, unknown>;
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z_:-]{0,63}$/.test(name)) return { problem: 'input has no valid hook_event_name' };
  const ev: HookEvent = { event: name };
  const session = str(o.session_id, 200);
  if (session !== undefined) ev.ccSession = session;
  const tool = str(o.tool_name, 200);
  if (tool !== undefined) ev.toolName = tool;
  if (o.tool_input !== undefined) ev.toolInput = o.tool_input;
  if (typeof o.prompt === 'string') ev.prompt = o.prompt;
  const cwd = str(o.cwd);
  if (cwd !== undefined) ev.cwd = cwd;
  return { event: ev, raw: o };
}

/**
 * Reads an event from the start of an oversized input: the event name, the tool name and the
 * session id, which the programs write before the bulky fields.
 */
export function readEventStart(text: string): ParsedHookEvent {
  const name = /"hook_event_name"\s*:\s*"([A-Za-z][A-Za-z_:-]{0,63})"/.exec(text)?.[1];
  if (!name) return { problem: 'input is over the size limit and its start names no hook_event_name' };
  const tool = /"tool_name"\s*:\s*"([^"\\]{1,200})"/.exec(text)?.[1];
  const session = /"session_id"\s*:\s*"([^"\\]{1,200})"/.exec(text)?.[1];
  const event: HookEvent = { event: name, truncated: true, ...(tool && { toolName: tool }), ...(session && { ccSession: session }) };
  return { event, raw: { hook_event_name: name, ...(tool && { tool_name: tool }), ...(session && { session_id: session }), truncated: true } };
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

/** Longest tool input kept in the state (a write of a large file keeps its path, not its content). */
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

/** Longest subject kept in the state and the prompt id (a huge heredoc command is still identified by its hash). */
export const MAX_SUBJECT = 8192;

/**
 * The state `state` after `ev`, keeping `since` while the state (and, for a pending prompt, the
 * prompt) stays the same; carries the session id and the count of subagents over.
 */
export function stateAfter(prev: HookState | undefined, ev: HookEvent, at: number, state: HookStateName, detail: HookDetail = {}): HookState {
  const d: HookDetail = {
    ...(ev.ccSession !== undefined && { cc_session: ev.ccSession }),
    ...(prev?.detail.subagents ? { subagents: prev.detail.subagents } : {}),
    ...detail,
  };
  const same = prev !== undefined && prev.state === state && (state !== 'waiting_approval' || prev.detail.prompt_id === d.prompt_id);
  return { state, event: ev.event, since: same ? prev.since : at, at, detail: d };
}

/**
 * The steps every program's hook dialect shares, for its next-state function: `to` a state (see
 * stateAfter), and the events each program has under its own names: its session starting or ending,
 * a turn beginning (its own since), a tool about to run and a tool that ran.
 */
export function hookSteps(prev: HookState | undefined, ev: HookEvent, at: number) {
  const to = (state: HookStateName, detail: HookDetail = {}): HookState => stateAfter(prev, ev, at, state, detail);
  /** The tool of the event and its input (bounded). */
  const tool = (): HookDetail => ({
    ...(ev.toolName !== undefined && { tool_name: ev.toolName }),
    ...(ev.toolInput !== undefined && { tool_input: boundedInput(ev.toolInput) }),
  });
  return {
    to,
    tool,
    sessionStarted: (): HookState => to('idle', { activity: `session started${ev.source ? ` (${ev.source})` : ''}` }),
    /** Gone: only the program's session id and `activity` are kept. */
    sessionEnded: (activity?: string): HookState => ({
      state: 'gone',
      event: ev.event,
      since: prev?.state === 'gone' ? prev.since : at,
      at,
      detail: { ...(ev.ccSession !== undefined && { cc_session: ev.ccSession }), ...(activity && { activity }) },
    }),
    /** A new turn: its own since, even when the hooks last said working (an interrupt fires no hook). */
    turnBegan: (detail: HookDetail = {}): HookState => ({ ...to('working', detail), since: at }),
    toolRunning: (): HookState => to('working', { ...tool(), activity: ev.toolName ? `running ${ev.toolName}` : 'running a tool' }),
    toolRan: (): HookState => to('working', ev.toolName ? { tool_name: ev.toolName } : {}),
  };
}
