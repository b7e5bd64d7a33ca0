import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { decisionFilterShape } from '../core/hook-schemas.js';
import { decisionJson } from '../core/hook-view.js';
import { NO_HOOKS } from './approval-rule-output.js';
import { defineTool } from './define.js';

const decisionShape = z.object({
  id: z.number().int(),
  space: z.string(),
  agent: z.string(),
  tool_name: z.string().optional(),
  subject: z.string().optional().describe('The command, file, URL or MCP arguments.'),
  prompt_id: z.string().optional(),
  decision: z.string().describe('allow / deny (rule, terminal), the approve answer yes / always / no, or none (rules about this tool could not decide: detail says why).'),
  decided_by: z.enum(['rule', 'approve', 'terminal']),
  rule_id: z.number().int().optional(),
  detail: z.string().optional(),
  created_at: z.string(),
});

export const listApprovalDecisions = defineTool({
  name: 'list_approval_decisions',
  title: 'List approval decisions',
  description:
    'Show how permission prompts were answered, newest first: by an approval rule (no click), with the approve tool, or at the terminal (seen through the hooks). An agent sees its own; the operator any agent\'s or all.',
  input: z.strictObject(decisionFilterShape),
  output: z.object({ decisions: z.array(decisionShape) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    if (!coordinator.hooks) throw new DomainError('validation', NO_HOOKS);
    const decisions = (await coordinator.hooks.listDecisions(coordinator.bindingOf(caller), input)).map(decisionJson);
    return {
      structured: { decisions },
      text:
        decisions.length === 0
          ? 'No approval decisions recorded.'
          : decisions.map((d) => `#${d.id} ${d.agent}: ${d.decision} ${d.tool_name ?? '?'} ${d.subject ? `"${d.subject.slice(0, 80)}"` : ''} by ${d.decided_by}${d.rule_id ? ` #${d.rule_id}` : ''}`).join('\n'),
    };
  },
});
