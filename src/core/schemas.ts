import { z } from 'zod';
import { AGENT_STATUSES } from '../store/store.js';
import { CONTROL_CHARS, MAX_NAME, nameProblem } from './names.js';
import { normalizeInput } from './text.js';
import { MAX_SESSION_ID_LENGTH, sessionIdProblem } from '../backends/session-ids.js';

/**
 * Field schemas shared by the MCP tools and the HTTP routes, so both faces accept exactly the same
 * values. Descriptions are written for the model that reads the tool list.
 */

/** Longest value of any free-text field. */
export const MAX_FIELD = 64 * 1024;
export const MAX_SUMMARY = 4 * 1024;
/** Longest text `send_input` types into a terminal. */
export const MAX_INPUT_TEXT = 1024 * 1024;
export const MAX_LIST = 200;

/** The same, minus newline and tab, for multi-line text; a CR is allowed only as part of CRLF. */
const TEXT_CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]|\r(?!\n)/;

/** A name: the rule of src/core/names.ts (min and max also here, so the JSON schema shows them). */
const identifier = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(MAX_NAME, `${what} must be at most ${MAX_NAME} characters`)
    .superRefine((s, ctx) => {
      const problem = nameProblem(what, s);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });

export const spaceName = identifier('space name').describe(
  'Space (team/project) the agent belongs to, e.g. "web-app". Defaults to the server\'s --space, else "default".',
);
export const agentName = identifier('agent name').describe('Agent name as shown to peers, e.g. "api-dev". Matched case-insensitively.');
export const sessionId = z
  .string()
  .min(1, 'session_id must not be empty')
  .max(MAX_SESSION_ID_LENGTH, `session_id must be at most ${MAX_SESSION_ID_LENGTH} characters`)
  .superRefine((s, ctx) => {
    const problem = s.length === 0 || s.length > MAX_SESSION_ID_LENGTH ? undefined : sessionIdProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: `session_id ${problem}` });
  })
  .describe('Terminal session that runs the agent, e.g. the tmux session name "web-api-dev".');
export const backendName = identifier('backend').describe('Session backend that runs the agent\'s terminal, e.g. "tmux".');
/** Checked against the kinds the backend can drive by the core (the refusal lists them). */
export const agentKind = identifier('agent_kind').describe(
  'Agent program the session runs, e.g. "codex", "gemini" or "shell": its screen is read and answered with that program\'s UI (default: the agent\'s current kind, else the server\'s default program). An unknown kind is refused with the list of known ones.',
);

/** Multi-line text (free_text, items…): newlines and tabs, no other control characters. */
export const text = (max = MAX_FIELD) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !TEXT_CONTROL_CHARS.test(s), 'must not contain control characters other than newline and tab (no escape sequences, bells or bare carriage returns)');
/** A one-line value (role, branch…): no control characters at all. */
export const line = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), 'must be one line without control characters');

/**
 * Control characters that must never reach a terminal inside typed text: Escape would end a
 * bracketed paste early (and interrupt the agent), CR is an Enter, Ctrl-C/Ctrl-D are signals.
 * Newline and tab are text.
 */
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Text typed into an agent's terminal (send_input, the legacy reply route). CRLF is taken as a newline. */
export const inputText = z
  .string()
  .min(1, 'text must not be empty')
  .max(MAX_INPUT_TEXT, `text must be at most ${MAX_INPUT_TEXT} characters`)
  .refine(
    (s) => !TERMINAL_CONTROL.test(normalizeInput(s)),
    'text must not contain control characters other than newline and tab (use interrupt to stop an agent, approve to answer a prompt)',
  );

/** The prompt id list_liveness shows for a pending permission prompt. */
export const promptId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'prompt_id must be the id shown by list_liveness')
  .describe('prompt_id from list_liveness; refuse if the pending prompt is a different one.');
const listOf = <T extends z.ZodType>(item: T, what: string) => z.array(item).max(MAX_LIST, `${what} must have at most ${MAX_LIST} entries`);

export const agentStatus = z
  .enum(AGENT_STATUSES, { error: () => `status must be one of ${AGENT_STATUSES.join(', ')}` })
  .describe('active = working on it, blocked = needs someone, done = finished, idle = waiting for work, error = failed.');

export const summary = z
  .string()
  .max(MAX_SUMMARY, `summary must be at most ${MAX_SUMMARY} characters`)
  .refine((s) => s.trim() !== '', 'summary is required and must not be blank')
  .refine((s) => !CONTROL_CHARS.test(s), 'summary must be one line without control characters (no newlines, escape sequences or bells); put details in free_text')
  .describe('One line on what you are doing now, e.g. "Adding pagination to /users; tests green".');

const section = z.object({
  title: line(1000).describe('Section heading.'),
  items: listOf(text(), 'section items').optional().describe('Bullet points.'),
  table: z
    .object({
      headers: listOf(line(1000), 'table headers'),
      rows: listOf(listOf(text(), 'table row cells'), 'table rows'),
    })
    .optional()
    .describe('A small table.'),
});

const document = z.object({
  slug: identifier('document slug'),
  title: line(1000).optional(),
  content: text(),
});

/** Report fields replaced by each report (all optional). */
export const reportFieldShape = {
  branch: line(1000).optional().describe('Git branch you are on.'),
  worktree: line(4096).optional().describe('Path of your git worktree.'),
  pr: line(4096).optional().describe('Pull request URL or number.'),
  phase: line(1000).optional().describe('Phase of the work, e.g. "implementing", "review".'),
  test_count: z.number().int().min(0).nullable().optional().describe('How many tests pass now.'),
  items: listOf(text(), 'items').optional().describe('Bullet points of progress.'),
  next_steps: text().optional().describe('What you will do next.'),
  questions: listOf(text(), 'questions').optional().describe('Questions for your manager or the operator.'),
  blockers: listOf(text(), 'blockers').optional().describe('What stops you.'),
  free_text: text().optional().describe('Anything else, in Markdown.'),
} as const;

/** Fields only the legacy HTTP report carries. */
export const legacyReportFieldShape = {
  sections: listOf(section, 'sections').optional(),
  documents: listOf(document, 'documents').optional(),
  backend_type: backendName.optional(),
  session_id: sessionId.optional(),
} as const;

/** Sticky fields: kept from earlier reports when omitted. */
export const stickyFieldShape = {
  repo_url: line(4096).optional().describe('Repository URL (kept until changed).'),
  parent: agentName.optional().describe('Your manager agent (kept until changed).'),
  role: line(200).optional().describe('Your role, e.g. "backend", "reviewer" (kept until changed).'),
} as const;

/**
 * Formats a zod error as one sentence naming each bad field (`field: problem; …`); a missing or
 * mistyped field in our words (`"message" is required`, `"message" must be a string`), not zod's
 * ("Invalid input: expected string, received undefined").
 */
export const describeZodError = (err: z.ZodError): string =>
  [
    ...new Set(
      err.issues.map((i) => {
        const path = i.path.map(String).join('.');
        if (i.code === 'invalid_type' && path) {
          const raw = (i as { expected?: string }).expected;
          const expected = raw === 'int' ? 'integer' : raw;
          if (/received undefined/.test(i.message)) return `"${path}" is required`;
          return `"${path}" must be ${expected ? `${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}` : 'of another type'}`;
        }
        return path ? `${path}: ${i.message}` : i.message;
      }),
    ),
  ].join('; ');
