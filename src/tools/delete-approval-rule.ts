import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { describeRule, NO_HOOKS, ruleOut, ruleShape } from './approval-rule-output.js';
import { defineTool } from './define.js';

export const deleteApprovalRule = defineTool({
  name: 'delete_approval_rule',
  title: 'Delete approval rule',
  description: 'Operator only. Remove an approval rule by its id (from list_approval_rules); matching prompts are then shown to the user again.',
  input: z.strictObject({
    id: z.number().int().min(1).describe('Rule id from list_approval_rules.'),
  }),
  output: z.object({ rule: ruleShape }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    if (!coordinator.hooks) throw new DomainError('validation', NO_HOOKS);
    const rule = await coordinator.hooks.deleteRule(caller, input.id);
    return { structured: { rule: ruleOut(rule) }, text: `Deleted approval rule ${describeRule(rule)}.` };
  },
});
