import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { DEFAULT_RECEIPT_TIMEOUT_MS, MAX_RECEIPT_TIMEOUT_MS } from '../core/hook-view.js';
import { agentName, inputText, spaceName } from '../core/schemas.js';
import { SUBMIT_BY_DEFAULT } from '../core/text.js';
import { defineTool } from './define.js';

export const sendInput = defineTool({
  name: 'send_input',
  title: 'Send input',
  description:
    "Type a message into an agent's terminal, exactly as written (words like Enter or C-c arrive as text, never as keys), and press Enter unless submit is false. Multi-line text arrives as one message. Use it to give an agent instructions or answer its questions.",
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.describe('Agent whose terminal receives the text.'),
    text: inputText.describe('The message to type; newlines and tabs are kept, other control characters are refused.'),
    submit: z.boolean().optional().describe('Press Enter after the text (default true).'),
    await_receipt: z
      .boolean()
      .optional()
      .describe("Wait until the agent's Claude Code reports (UserPromptSubmit hook) that it submitted the text; needs agent-boss hooks installed. Answers delivered true/false."),
    receipt_timeout_ms: z
      .number()
      .int()
      .min(100)
      .max(MAX_RECEIPT_TIMEOUT_MS)
      .optional()
      .describe(`Longest wait for the receipt (default ${DEFAULT_RECEIPT_TIMEOUT_MS} ms). Text typed while the agent works is submitted only after its turn.`),
  }),
  output: z.object({
    space: z.string(),
    agent: z.string(),
    session_id: z.string(),
    chars: z.number().int().describe('Characters typed.'),
    submitted: z.boolean(),
    delivered: z.boolean().optional().describe('With await_receipt: Claude Code reported the text as submitted.'),
    receipt_ms: z.number().int().optional().describe('With await_receipt: ms from sending until the receipt (or until the wait ended).'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    const target = coordinator.resolveTarget(caller, input);
    const submitted = input.submit ?? SUBMIT_BY_DEFAULT;
    if (input.await_receipt && !submitted) throw new DomainError('validation', 'await_receipt needs submit: a receipt comes only for submitted text.');
    const sentAt = coordinator.now();
    const { agent, session_id } = await coordinator.sendInput(caller, { ...target, text: input.text, submit: submitted });
    const sent = `Sent ${input.text.length} characters to "${agent.name}" (session "${session_id}")${submitted ? ' and pressed Enter' : ''}`;
    if (!input.await_receipt) {
      return { structured: { space: agent.space, agent: agent.name, session_id, chars: input.text.length, submitted }, text: `${sent}.` };
    }
    const r = await coordinator.awaitReceipt(target, input.text, sentAt, input.receipt_timeout_ms ?? DEFAULT_RECEIPT_TIMEOUT_MS);
    return {
      structured: { space: agent.space, agent: agent.name, session_id, chars: input.text.length, submitted, delivered: r.delivered, receipt_ms: Math.round(r.receipt_ms) },
      text: r.delivered
        ? `${sent}; Claude Code submitted it after ${Math.round(r.receipt_ms)} ms.`
        : `${sent}, but no receipt came within ${Math.round(r.receipt_ms)} ms${r.hooked ? ' (the agent may be busy: text typed during a turn is submitted after it)' : ': no hook event was ever recorded for this agent; install the hooks with "agent-boss setup hooks --write"'}.`,
    };
  },
});
