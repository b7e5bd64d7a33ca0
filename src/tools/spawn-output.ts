import { z } from 'zod';
import type { SpawnResult } from '../core/lifecycle.js';
import { DEFAULT_TOOLS_TIMEOUT_S } from '../core/tools-reached.js';

/** spawn_agent's and resume_agent's wait for the agent's own agent-boss tools before the ignite prompt. */
export const toolsTimeout = z
  .number()
  .int()
  .min(0)
  .max(120)
  .optional()
  .describe(
    `How long to wait, once its input box is drawn, for the agent's agent-boss MCP server to connect before typing the ignite prompt (default ${DEFAULT_TOOLS_TIMEOUT_S}); an agent whose tools do not connect is not ignited (a failed start: ignited false, problem says why). 0: do not wait (a program that reaches the hub another way).`,
  );

export const toolsOutputShape = {
  tools_reached: z.boolean().optional().describe("An agent-boss MCP session bound to the agent initialized before the ignite prompt (left out when not waited for)."),
  problem: z.string().optional().describe('Why it was not ignited though its input box was drawn, and what to do.'),
} as const;

export const toolsOutput = (res: Pick<SpawnResult, 'tools_reached' | 'problem'>) => ({
  ...(res.tools_reached !== undefined && { tools_reached: res.tools_reached }),
  ...(res.problem !== undefined && { problem: res.problem }),
});
