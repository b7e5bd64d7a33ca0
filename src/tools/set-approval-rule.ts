import { z } from 'zod';
import { DomainError } from '../core/errors.js';
import { approvalRuleShape } from '../core/hook-schemas.js';
import { describeRule, NO_HOOKS, ruleOut, ruleShape } from './approval-rule-output.js';
import { defineTool } from './define.js';

export const setApprovalRule = defineTool({
  name: 'set_approval_rule',
  title: 'Set approval rule',
  description:
    'Operator only. Answer matching Claude Code permission prompts automatically, with no click: when an agent with agent-boss hooks installed asks to use `tool` on a subject matching `pattern`, the hook allows or denies at once. The subject is the Bash command, the file path (Edit/Write/Read), the URL (WebFetch) or the MCP arguments as JSON. pattern is a glob: * any run of characters, ? one character; in an allow rule for Bash, * never matches a shell control character (; & | < > ` $ ( ) newline), so "npm test*" cannot allow "npm test; rm -rf ~". A matching deny wins over any allow. Setting the same scope, tool and pattern again changes the decision.',
  input: z.strictObject(approvalRuleShape),
  output: z.object({ rule: ruleShape, created: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    if (!coordinator.hooks) throw new DomainError('validation', NO_HOOKS);
    const { rule, created } = await coordinator.hooks.setRule(caller, input);
    return {
      structured: { rule: ruleOut(rule), created },
      text: `${created ? 'Added' : 'Updated'} approval rule ${describeRule(rule)}.`,
    };
  },
});
