/**
 * Gemini CLI's hooks (0.61.0): what each event in its `settings.json` `hooks` means, and what a
 * BeforeTool hook may answer. Pure.
 *
 * Gemini runs each configured hook command with one JSON object on stdin: `hook_event_name`,
 * `session_id`, `transcript_path`, `cwd`, `timestamp`, and per event `tool_name` / `tool_input`
 * (BeforeTool, AfterTool), `prompt` (BeforeAgent, AfterAgent), `notification_type` /
 * `message` / `details` (Notification), `source` (SessionStart), `reason` (SessionEnd), `trigger`
 * (PreCompress).
 *
 * Events → state:
 *   SessionStart                          → idle
 *   BeforeAgent (a prompt submitted)      → working
 *   BeforeTool, AfterTool                 → working
 *   Notification of type ToolPermission   → waiting_approval: the tool of the BeforeTool before it,
 *                                           the subject from its details (the command, the file)
 *   AfterAgent                            → idle (0.61.0's TUI was not seen firing it: the screen tells the turn's end)
 *   SessionEnd                            → gone
 * PreCompress (fired before every model call in 0.61.0, compressing or not) changes nothing.
 *
 * Answering: the Notification cannot answer a prompt (Gemini says so: observability only), and a
 * BeforeTool `{"decision": "allow"}` does not skip Gemini's confirmation (its policy still asks).
 * So approval rules answer Gemini with deny only: a BeforeTool `{"decision": "deny", "reason"}`
 * blocks the tool before any prompt; an allow rule leaves the prompt to a human.
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
import { promptIdFor } from '../../backends/prompt-id.js';

export const GEMINI_HOOK_EVENTS = ['SessionStart', 'BeforeAgent', 'BeforeTool', 'AfterTool', 'Notification', 'AfterAgent', 'SessionEnd'] as const;

const TOOL_EVENTS: ReadonlySet<string> = new Set(['BeforeTool', 'AfterTool']);

export function readGeminiEvent(raw: Record<string, unknown>): ParsedHookEvent {
  const parsed = readCommonEvent(raw);
  if ('problem' in parsed) return parsed;
  const ev = parsed.event;
  const o = parsed.raw;
  const set = <K extends keyof HookEvent>(k: K, v: HookEvent[K] | undefined) => {
    if (v !== undefined) ev[k] = v;
  };
  set('notificationType', str(o.notification_type, 100));
  set('source', str(o.source, 100));
  set('reason', str(o.reason, 200));
  set('trigger', str(o.trigger, 100));
  // A ToolPermission notification names what is asked in `details` (exec: command; edit: filePath; mcp: toolName).
  if (ev.notificationType !== undefined && typeof o.details === 'object' && o.details !== null) ev.toolInput = o.details;
  return parsed;
}

const COMMAND_TOOLS = new Set(['run_shell_command']);
const PATH_TOOLS = new Set(['write_file', 'replace', 'read_file', 'read_many_files']);
const WORD_TOOLS = new Set(['web_fetch', 'google_web_search']);

export function geminiSubjectForm(toolName: string | undefined): SubjectForm {
  if (toolName !== undefined && COMMAND_TOOLS.has(toolName)) return 'command';
  if (toolName !== undefined && PATH_TOOLS.has(toolName)) return 'path';
  if (toolName !== undefined && WORD_TOOLS.has(toolName)) return 'word';
  return 'input';
}

/** What a tool call is about: the command, the file, the URL or query, else the input as JSON with sorted keys. */
export function geminiSubject(toolName: string | undefined, input: unknown): string {
  const o = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const pick = (...keys: string[]) => keys.map((k) => o[k]).find((v): v is string => typeof v === 'string');
  const form = geminiSubjectForm(toolName);
  const subject = form === 'command' ? pick('command') : form === 'path' ? pick('file_path', 'absolute_path', 'path') : form === 'word' ? pick('url', 'prompt', 'query') : undefined;
  return subject ?? stableJson(input ?? null);
}

/** The subject a ToolPermission notification's details name, as its BeforeTool's subject was. */
function detailsSubject(toolName: string | undefined, details: unknown): string {
  const d = typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {};
  if (d.type === 'exec' && typeof d.command === 'string') return d.command;
  if (d.type === 'edit' && typeof d.filePath === 'string') return d.filePath;
  return geminiSubject(toolName, details);
}

/** Tools the Gemini screen parser names as the hooks do (src/agents/gemini/screen.ts). */
const SCREEN_NAMED = new Set(['run_shell_command', 'write_file', 'replace', 'web_fetch']);

const ANSWERED_BY: Record<string, 'allow' | 'deny'> = { AfterTool: 'allow', BeforeAgent: 'deny', AfterAgent: 'deny' };

export function nextGeminiState(prev: HookState | undefined, ev: HookEvent, at: number): HookState | undefined {
  const step = hookSteps(prev, ev, at);
  const { to } = step;
  switch (ev.event) {
    case 'SessionStart':
      return step.sessionStarted();
    case 'BeforeAgent':
      return step.turnBegan();
    case 'BeforeTool':
      return step.toolRunning();
    case 'AfterTool':
      return step.toolRan();
    case 'Notification': {
      if (ev.notificationType !== 'ToolPermission') return undefined;
      // The tool asking is the one its BeforeTool announced; the details say what it asks for.
      const toolName = prev?.state === 'working' ? prev.detail.tool_name : undefined;
      const subject = detailsSubject(toolName, ev.toolInput).slice(0, MAX_SUBJECT);
      return to('waiting_approval', {
        ...(toolName !== undefined && { tool_name: toolName }),
        ...(prev?.detail.tool_input !== undefined && { tool_input: prev.detail.tool_input }),
        subject,
        prompt_id: promptIdFor(toolName, subject),
      });
    }
    case 'AfterAgent':
      return to('idle');
    case 'SessionEnd':
      return step.sessionEnded(ev.reason && `session ended (${ev.reason})`);
    default:
      return undefined;
  }
}

export const geminiHooks: AgentHooks = {
  kind: 'gemini',
  settings: {
    projectFile: '.gemini/settings.json',
    userFile: '.gemini/settings.json',
    events: GEMINI_HOOK_EVENTS,
    toolEvents: TOOL_EVENTS,
    // Milliseconds Gemini lets the hook run (the hook itself gives up after 250 ms).
    timeout: 5000,
    note: "Gemini CLI warns before running a project's hooks the first time (and again after they change); hooks in ~/.gemini/settings.json (--user) run at once.",
  },
  read: readGeminiEvent,
  next: nextGeminiState,
  registers: (ev) => ev.event === 'SessionStart',
  asks: (ev) => ev.event === 'BeforeTool' && ev.toolName !== undefined && !ev.truncated,
  // Only a denial: an allow in BeforeTool does not skip Gemini's own confirmation.
  answer: (_ev, decision, why) => (decision === 'deny' ? JSON.stringify({ decision: 'deny', reason: `Denied by ${why}.` }) : undefined),
  answeredBy: (ev) => ANSWERED_BY[ev.event],
  promptEvent: 'BeforeAgent',
  precedesPrompt: (event) => event === 'BeforeTool',
  subject: geminiSubject,
  subjectForm: geminiSubjectForm,
  differentTools: (hookTool, screenTool) => hookTool !== undefined && SCREEN_NAMED.has(hookTool) && SCREEN_NAMED.has(screenTool) && hookTool !== screenTool,
};
