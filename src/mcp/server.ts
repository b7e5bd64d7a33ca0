import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { normalizeObjectSchema } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import {
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type ListToolsResult,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';
import type { Caller, Coordinator } from '../core/coordinator.js';
import type { EventWake } from '../core/event-wake.js';
import type { PromptDefinition } from '../prompts/define.js';
import { prompts as allPrompts } from '../prompts/index.js';
import { matchTemplate, type ResourceContent, type ResourceDefinition } from '../resources/define.js';
import { resources as allResources } from '../resources/index.js';
import type { ToolContext, ToolDefinition } from '../tools/define.js';
import { tools as allTools } from '../tools/index.js';
import { recordToolsReached } from '../core/tools-reached.js';
import { VERSION } from '../version.js';
import { Subscriptions } from './subscriptions.js';
import { describeInvalidInput } from './validation.js';

export interface McpServerDeps {
  coordinator: Coordinator;
  /** Who the client is (bound agent, or the operator). */
  caller: Caller;
  /** Offer only tools annotated readOnlyHint. */
  readOnly?: boolean;
  /** spawn_agent may skip the agent's permission prompts when asked to (`--allow-skip-permissions`). */
  allowSkipPermissions?: boolean;
  /** Environment for agents spawn_agent starts (BOSS_DATA_DIR, BOSS_TMUX_SOCKET of this server). */
  agentEnv?: Record<string, string>;
  tools?: readonly ToolDefinition[];
  prompts?: readonly PromptDefinition[];
  resources?: readonly ResourceDefinition[];
  /** How often subscribed resources are re-read (tests shorten it). */
  subscriptionPollMs?: number;
  /** The store's "new events" notifications: resource subscriptions re-read on each instead of every second. */
  eventWake?: EventWake;
  /** Where bugs are reported (stderr by default). */
  logError?: (msg: string) => void;
}

const INSTRUCTIONS =
  'agent-boss coordinates AI coding agents running in terminal sessions. Agents call register_session once and report_status when their status changes; a manager or operator uses list_liveness to watch sessions and send_input, approve and interrupt to steer them, spawn_agent and stop_agent to start and end agents. The prompt "ignite" starts an agent; the resource boss://protocol explains how agents work together.';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/*
 * What every session would otherwise build for itself is built once per process: the JSON Schema
 * validator (an Ajv instance, ~20 KiB of heap per server) and the tools/list answer (JSON Schemas
 * converted from zod, which the SDK redoes on every tools/list). An HTTP hub opens one server per
 * MCP session, so this is much of what an open session costs (docs/benchmarks.md, "sessions").
 */
let sharedValidator: AjvJsonSchemaValidator | undefined;
const toolLists = new WeakMap<readonly ToolDefinition[], Map<boolean, ListToolsResult>>();

/** The tools/list answer for `list` (what the SDK's own handler returns, converted once per process). */
function toolListOf(source: readonly ToolDefinition[], readOnly: boolean, list: readonly ToolDefinition[]): ListToolsResult {
  let byMode = toolLists.get(source);
  if (byMode === undefined) toolLists.set(source, (byMode = new Map()));
  let result = byMode.get(readOnly);
  if (result === undefined) {
    const jsonSchema = (schema: z.ZodObject, pipeStrategy: 'input' | 'output') =>
      toJsonSchemaCompat(normalizeObjectSchema(schema)!, { strictUnions: true, pipeStrategy }) as ListToolsResult['tools'][number]['inputSchema'];
    result = {
      tools: list.map((t) => ({
        name: t.name,
        title: t.title,
        description: t.description,
        inputSchema: jsonSchema(t.input, 'input'),
        annotations: { title: t.title, ...t.annotations },
        execution: { taskSupport: 'forbidden' as const },
        outputSchema: jsonSchema(t.output, 'output'),
      })),
    };
    byMode.set(readOnly, result);
  }
  return result;
}

/** One factory for every transport (stdio, Streamable HTTP, tests). Does no I/O itself. */
export function createMcpServer(deps: McpServerDeps): McpServer {
  sharedValidator ??= new AjvJsonSchemaValidator();
  const server = new McpServer(
    { name: 'agent-boss', version: VERSION },
    { instructions: INSTRUCTIONS, capabilities: { logging: {} }, jsonSchemaValidator: sharedValidator },
  );
  const logError = deps.logError ?? ((m: string) => process.stderr.write(`agent-boss error: ${m}\n`));
  const ctx = { coordinator: deps.coordinator, caller: deps.caller };
  registerTools(server, deps, logError);
  /** A prompt or resource read failed: the caller's failure as invalid params, a bug logged and answered generically. */
  const asMcpError = (err: unknown, where: string): McpError => {
    if (err instanceof McpError) return err;
    const f = deps.coordinator.explainFailure(err, where);
    if (f.domain) return new McpError(ErrorCode.InvalidParams, f.domain.message);
    logError(f.log);
    return new McpError(ErrorCode.InternalError, f.message);
  };
  registerPrompts(server, deps.prompts ?? allPrompts, ctx, asMcpError);
  registerResources(server, deps, ctx, asMcpError);
  // A session bound to an agent is that agent reaching its tools (what spawn_agent waits for).
  server.server.oninitialized = () => {
    recordToolsReached(deps.coordinator, deps.caller, 'mcp').catch((err: unknown) => {
      const f = deps.coordinator.explainFailure(err, 'recording that the agent reached its tools');
      if (!f.domain) logError(f.log);
    });
  };
  return server;
}

/** What the SDK checks a tool's arguments against: any object (each tool's own schema is applied in its handler). */
const ANY_ARGUMENTS = z.looseObject({});

function registerTools(server: McpServer, deps: McpServerDeps, logError: (m: string) => void): void {
  const source = deps.tools ?? allTools;
  const readOnly = deps.readOnly ?? false;
  const list = source.filter((t) => !readOnly || t.annotations.readOnlyHint === true);
  for (const tool of list) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        // The SDK checks input against this (any object passes); the tool's own schema is applied
        // below, so a failure names each field and the next step (validation.ts). tools/list shows
        // the tool's own schema (toolListOf).
        inputSchema: ANY_ARGUMENTS,
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.annotations },
      },
      async (args: unknown, extra: Extra): Promise<CallToolResult> => {
        const progressToken = extra._meta?.progressToken;
        const toolCtx: ToolContext = {
          coordinator: deps.coordinator,
          caller: deps.caller,
          allowSkipPermissions: deps.allowSkipPermissions ?? false,
          ...(deps.agentEnv !== undefined && { agentEnv: deps.agentEnv }),
          signal: extra.signal,
          ...(progressToken !== undefined && {
            progress: async (progress: number, total?: number, message?: string) => {
              await extra.sendNotification({
                method: 'notifications/progress',
                params: { progressToken, progress, ...(total !== undefined && { total }), ...(message !== undefined && { message }) },
              });
            },
          }),
        };
        const input = await tool.input.safeParseAsync(args ?? {});
        if (!input.success) return { isError: true, content: [{ type: 'text', text: describeInvalidInput(tool.name, tool.input, input.error) }] };
        try {
          const res = await tool.handle(input.data as never, toolCtx);
          return {
            content: [{ type: 'text', text: res.text }],
            structuredContent: res.structured as Record<string, unknown>,
          };
        } catch (err) {
          const f = deps.coordinator.explainFailure(err, tool.name);
          if (f.domain) return { isError: true, content: [{ type: 'text', text: f.domain.message }] };
          logError(f.log);
          return { isError: true, content: [{ type: 'text', text: f.message }] };
        }
      },
    );
  }
  // The same answer the SDK's handler builds, built once (registering a tool above installed that handler).
  if (list.length > 0) {
    const result = toolListOf(source, readOnly, list);
    server.server.setRequestHandler(ListToolsRequestSchema, () => result);
  }
}

type AsMcpError = (err: unknown, where: string) => McpError;

function registerPrompts(server: McpServer, list: readonly PromptDefinition[], ctx: { coordinator: Coordinator; caller: Caller }, asMcpError: AsMcpError): void {
  for (const prompt of list) {
    const argsSchema = Object.fromEntries(
      Object.entries(prompt.args).map(([name, arg]) => {
        const field = z.string().optional().describe(arg.description);
        const complete = arg.complete;
        return [
          name,
          complete
            ? completable(field, async (value: string | undefined, context?: { arguments?: Record<string, string> }) =>
                complete(value ?? '', ctx, context?.arguments ?? {}).catch(() => []),
              )
            : field,
        ];
      }),
    );
    server.registerPrompt(prompt.name, { title: prompt.title, description: prompt.description, argsSchema }, async (args: Record<string, string | undefined>) => {
      try {
        const text = await prompt.render(args, ctx);
        return { description: prompt.title, messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] };
      } catch (err) {
        throw asMcpError(err, `prompt ${prompt.name}`);
      }
    });
  }
}

function registerResources(
  server: McpServer,
  deps: McpServerDeps,
  ctx: { coordinator: Coordinator; caller: Caller },
  asMcpError: AsMcpError,
): void {
  const list = deps.resources ?? allResources;
  const asMcp = (uri: string, c: ResourceContent) => ({ contents: [{ uri, mimeType: c.mimeType, text: c.text }] });
  const readAny = async (uri: string): Promise<ResourceContent> => {
    for (const r of list) {
      if (r.kind === 'fixed' && r.uri === uri) return r.read(ctx);
      if (r.kind === 'template') {
        const vars = matchTemplate(r.uriTemplate, uri);
        if (vars) return r.read(vars, ctx);
      }
    }
    throw new McpError(ErrorCode.InvalidParams, `Unknown resource ${uri}: see resources/list and resources/templates/list (e.g. boss://protocol, boss://space/default/agents, boss://liveness/default).`);
  };
  const guarded = async (uri: string) => {
    try {
      return await readAny(uri);
    } catch (err) {
      throw asMcpError(err, `resource ${uri}`);
    }
  };

  for (const r of list) {
    if (r.kind === 'fixed') {
      server.registerResource(r.name, r.uri, { title: r.title, description: r.description, mimeType: r.mimeType }, async (uri) => asMcp(uri.href, await guarded(uri.href)));
      continue;
    }
    const template = new ResourceTemplate(r.uriTemplate, {
      list: async () => ({ resources: (await r.list(ctx)).map((x) => ({ ...x, mimeType: r.mimeType })) }),
      complete: Object.fromEntries(Object.entries(r.complete).map(([v, fn]) => [v, (value: string) => fn(value, ctx).catch(() => [])])),
    });
    server.registerResource(r.name, template, { title: r.title, description: r.description, mimeType: r.mimeType }, async (uri) =>
      asMcp(uri.href, await guarded(uri.href)),
    );
  }

  // resources/subscribe: the SDK's McpServer has no handler for it; this session watches what it subscribed to.
  const subscriptions = new Subscriptions({
    snapshot: async (uri) => {
      const c = await guarded(uri);
      return c.changeKey ?? c.text;
    },
    notify: (uri) => server.server.sendResourceUpdated({ uri }),
    // guarded() has logged a bug already; a failure the caller can fix is not news while watching.
    onError: () => undefined,
    ...(deps.subscriptionPollMs !== undefined && { pollMs: deps.subscriptionPollMs }),
    ...(deps.eventWake !== undefined && { wake: deps.eventWake }),
  });
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    await subscriptions.subscribe(req.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    subscriptions.unsubscribe(req.params.uri);
    return {};
  });
  const previous = server.server.onclose;
  server.server.onclose = () => {
    subscriptions.close();
    previous?.();
  };
}
