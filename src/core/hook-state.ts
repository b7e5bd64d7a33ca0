/**
 * What a hook event says about the agent, through its program's hook dialect (AgentHooks,
 * src/backends/agent-hooks.ts; each program's own in src/agents/<kind>/hooks.ts): reading the
 * input, the subject and id of a prompt, what is stored. Pure functions, no I/O, no schema
 * library (the hook command loads this on every event, so it stays cheap to import).
 */
import { createHash } from 'node:crypto';
import { boundedInput, MAX_SUBJECT, readEventStart, type AgentHooks, type ParsedHookEvent } from '../backends/agent-hooks.js';
import { promptIdFor } from '../backends/prompt-id.js';
import { submittedForm } from '../backends/typed-text.js';

export type { AgentHooks, AgentHooksCatalog, HookDetail, HookSettings, HookEvent, HookState, HookStateName, ParsedHookEvent } from '../backends/agent-hooks.js';

/**
 * Reads a hook event from the JSON text of its input, in its program's dialect. `truncated`: only
 * the first part of an oversized input is available; the event name, tool name and session are
 * then taken from its start (the programs write them before the bulky fields).
 */
export function parseHookEvent(hooks: AgentHooks, text: string, truncated = false): ParsedHookEvent {
  if (truncated) return readEventStart(text);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { problem: `input is not JSON (${(err as Error).message})` };
  }
  return hookEventOf(hooks, raw);
}

/** Reads a hook event from its parsed JSON (the payload of POST /hooks/event). */
export function hookEventOf(hooks: AgentHooks, raw: unknown): ParsedHookEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'input is not a JSON object' };
  return hooks.read(raw as Record<string, unknown>);
}

/**
 * What a permission prompt is about (the program's subject of the tool input), cut to MAX_SUBJECT
 * for the state, the decision log and the prompt id. Approval rules decide on the subject whole.
 */
export const hookSubject = (hooks: AgentHooks, toolName: string | undefined, input: unknown): string => hooks.subject(toolName, input).slice(0, MAX_SUBJECT);

/** The prompt id of a permission request: tool name + subject, through the function the screen parser uses too. */
export const hookPromptId = (hooks: AgentHooks, toolName: string | undefined, input: unknown): string => promptIdFor(toolName, hookSubject(hooks, toolName, input));

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
