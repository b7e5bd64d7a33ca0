import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { agentName, spaceName } from '../core/schemas.js';
import { describeRule, NO_HOOKS, ruleOut, ruleShape } from './approval-rule-output.js';
import { defineTool } from './define.js';

export const listApprovalRules = defineTool({
  name: 'list_approval_rules',
  title: 'List approval rules',
  description:
    'Show the approval rules that answer permission prompts automatically. The operator sees every rule (or those of one space, or those that apply to one agent); an agent sees the rules that apply to itself.',
  input: z.strictObject({
    space: spaceName.optional().describe('Only rules of this space (and the global ones when agent is given).'),
    agent: agentName.optional().describe('Only rules that apply to this agent (its own, its space\'s and the global ones).'),
  }),
  output: z.object({ rules: z.array(ruleShape) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    if (!coordinator.hooks) throw new DomainError('validation', NO_HOOKS);
    const rules = await coordinator.hooks.listRules(coordinator.bindingOf(caller), input, (s) => coordinator.spaceOf(caller, s));
    return {
      structured: { rules: rules.map(ruleOut) },
      text: rules.length === 0 ? 'No approval rules.' : `${rules.length} approval rules:\n${rules.map(describeRule).join('\n')}`,
    };
  },
});
