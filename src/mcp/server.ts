import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Caller, Coordinator } from '../core/coordinator.js';
import { isDomainError } from '../core/errors.js';
import type { ToolDefinition } from '../tools/define.js';
import { tools as allTools } from '../tools/index.js';
import { VERSION } from '../version.js';

export interface McpServerDeps {
  coordinator: Coordinator;
  /** Who the client is (bound agent, or the operator). */
  caller: Caller;
  /** Offer only tools annotated readOnlyHint. */
  readOnly?: boolean;
  tools?: readonly ToolDefinition[];
}

const INSTRUCTIONS =
  'agent-boss coordinates AI coding agents running in terminal sessions. Agents call register_session once and report_status when their status changes; a manager or operator uses list_liveness to watch sessions and send_input, approve and interrupt to steer them.';

/** One factory for every transport (stdio, Streamable HTTP, tests). Does no I/O itself. */
export function createMcpServer(deps: McpServerDeps): McpServer {
  const server = new McpServer({ name: 'agent-boss', version: VERSION }, { instructions: INSTRUCTIONS, capabilities: { logging: {} } });
  const list = (deps.tools ?? allTools).filter((t) => !deps.readOnly || t.annotations.readOnlyHint === true);
  for (const tool of list) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (args: unknown): Promise<CallToolResult> => {
        try {
          const res = await tool.handle(args as never, { coordinator: deps.coordinator, caller: deps.caller });
          return {
            content: [{ type: 'text', text: res.text }],
            structuredContent: res.structured as Record<string, unknown>,
          };
        } catch (err) {
          if (isDomainError(err)) return { isError: true, content: [{ type: 'text', text: err.message }] };
          throw err;
        }
      },
    );
  }
  return server;
}
