import { z } from 'zod';
import { agentName, agentStatus, reportFieldShape, spaceName, stickyFieldShape, summary } from '../core/schemas.js';
import { agentSummary, agentSummaryShape } from './agent-output.js';
import { defineTool } from './define.js';

export const reportStatus = defineTool({
  name: 'report_status',
  title: 'Report status',
  description:
    'Post your current status to the coordinator so your manager and peers see it. Send it when you start, when your status changes (blocked, done, error) and at milestones. Each report replaces the previous one; repo_url, parent and role are kept when omitted. An agent reports only for itself; a caller not bound to an agent (the operator) may report only for a registered agent.',
  input: z.strictObject({
    space: spaceName.optional(),
    agent: agentName.optional().describe("Your agent name. Defaults to the server's --agent."),
    status: agentStatus,
    summary,
    ...reportFieldShape,
    // Not nullable over MCP (a null type is not portable across clients): leave it out instead.
    test_count: z.number().int().min(0).optional().describe('How many tests pass now.'),
    ...stickyFieldShape,
  }),
  output: z.object(agentSummaryShape),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async handle(input, { coordinator, caller }) {
    const { space: _s, agent: _a, ...report } = input;
    const target = coordinator.resolveTarget(caller, input);
    // Over MCP only an agent's own first report registers it: a name typed by the operator must exist (no ghosts).
    const record = await coordinator.reportStatus(caller, target, report, { registeredOnly: true });
    return {
      structured: agentSummary(record),
      text: `Status of "${record.name}" in space "${record.space}" is now ${record.status}: ${record.summary}`,
    };
  },
});
