import type { EventWake } from '../core/event-wake.js';
import { sameName } from '../core/identity.js';
import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Context } from 'hono';
import type { Caller, Coordinator } from '../core/coordinator.js';
import type { Logger } from '../log.js';
import { createMcpServer } from '../mcp/server.js';
import { callerFromHeaders, principalKey } from './caller.js';
import type { AppEnv } from './middleware.js';
import { CREDENTIAL_CHECK_MS, type CredentialCheck } from './events.js';

/**
 * MCP over Streamable HTTP at /mcp, stateful: an initialize request (POST without
 * `Mcp-Session-Id`) creates a fresh McpServer and web-standard transport, kept under the session id
 * the transport generated; later requests carrying that id go to it; DELETE (or the transport
 * closing) removes it. The transport gets `c.req.raw`, so Hono's body limit and host checks run
 * first and no Node-specific plumbing is needed.
 *
 * Identity: `X-Agent-Name` (and optionally `X-Agent-Space`) at initialize bind the session to that
 * agent; without them the client is the operator. A later request on the same session naming a
 * different agent is refused, so a session id cannot be reused under another name.
 */

interface McpSession {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  caller: Caller;
  /** Under --auth agents, whose token opened the session: every later request must carry the same principal's token. */
  principal: string | undefined;
  /** Under --auth agents, whether the agent token that opened the session still holds (re-checked while it is open). */
  stillAllowed: CredentialCheck | undefined;
}

/** Sessions kept at most; the least recently used is closed beyond this (clients that vanished without DELETE). */
const MAX_SESSIONS = 500;

export interface McpSessionsOptions {
  coordinator: Coordinator;
  readOnly?: boolean;
  /** Passed to every session's server (`--allow-skip-permissions`). */
  allowSkipPermissions?: boolean;
  agentEnv?: Record<string, string>;
  log?: Logger;
  maxSessions?: number;
  /** The store's "new events" notifications, for every session's resource subscriptions. */
  eventWake?: EventWake;
}

/** A JSON-RPC error answer outside any session (the shape the SDK transport uses). */
export const jsonRpcError = (status: number, code: number, message: string): Response =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

type StreamEntry = { resolveJson?: unknown; cleanup?: () => void };

/**
 * In JSON-response mode the SDK's transport (1.32) resolves a POST's Response but never removes
 * the POST's entry from its stream table, so an open session keeps every answer it ever sent (a
 * tools/list is ~30 KiB). Once a POST is answered, drop the entries no request is waiting on any
 * more. Reads the transport's private tables; when they are not there (another SDK version), does
 * nothing, and test/hardening/session-memory.test.ts notices the growth.
 */
function releaseAnsweredStreams(transport: WebStandardStreamableHTTPServerTransport): void {
  const t = transport as unknown as { _streamMapping?: Map<string, StreamEntry>; _requestToStreamMapping?: Map<unknown, string> };
  if (!(t._streamMapping instanceof Map) || !(t._requestToStreamMapping instanceof Map)) return;
  const waiting = new Set(t._requestToStreamMapping.values());
  for (const [id, entry] of t._streamMapping) {
    if (entry.resolveJson !== undefined && !waiting.has(id)) t._streamMapping.delete(id);
  }
}

const sameCaller = (a: Caller, b: Caller): boolean =>
  sameName(a.agent ?? '', b.agent ?? '') && sameName(a.space ?? '', b.space ?? '');

export class McpSessions {
  private readonly sessions = new Map<string, McpSession>();
  private closed = false;
  private credentialTimer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly opts: McpSessionsOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Handles POST, GET and DELETE /mcp. `stillAllowed` (an agent token's re-check) is kept with a
   * session it opens: once the token is revoked the session is closed, its GET stream with it.
   */
  async handle(c: Context<AppEnv>, stillAllowed?: CredentialCheck): Promise<Response> {
    if (this.closed) return jsonRpcError(503, -32000, 'Server is shutting down');
    const who = callerFromHeaders(c);
    if ('error' in who) return jsonRpcError(who.status, who.status === 403 ? -32000 : -32600, `${who.status === 403 ? 'Forbidden' : 'Bad Request'}: ${who.error}`);
    const principal = principalKey(c.get('principal'));
    const sessionId = c.req.header('mcp-session-id');

    if (sessionId !== undefined) {
      const session = this.sessions.get(sessionId);
      if (!session) return jsonRpcError(404, -32001, 'Session not found');
      const named = c.req.header('x-agent-name') !== undefined || c.req.header('x-agent-space') !== undefined;
      if (named && !sameCaller(who.caller, session.caller)) {
        return jsonRpcError(403, -32000, 'Forbidden: this MCP session was opened under another X-Agent-Name / X-Agent-Space');
      }
      if (session.principal !== principal) {
        return jsonRpcError(403, -32000, 'Forbidden: this MCP session was opened with another token; use the token that opened it, or initialize a new session');
      }
      // Move to the end of the map: the map's order is least recently used first.
      this.sessions.delete(sessionId);
      this.sessions.set(sessionId, session);
      const res = await session.transport.handleRequest(c.req.raw);
      releaseAnsweredStreams(session.transport);
      return res;
    }

    if (c.req.method !== 'POST') {
      return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    }
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch (err) {
      return jsonRpcError(400, -32700, `Parse error: ${(err as Error).message}`);
    }
    const messages = Array.isArray(body) ? body : [body];
    if (!messages.some((m) => isInitializeRequest(m))) {
      return jsonRpcError(400, -32000, 'Bad Request: no valid Mcp-Session-Id; start with an initialize request');
    }
    return this.open(c, who.caller, principal, body, stillAllowed);
  }

  /** Creates the McpServer and transport of a new session and lets it answer the initialize request. */
  private async open(c: Context, caller: Caller, principal: string | undefined, body: unknown, stillAllowed: CredentialCheck | undefined): Promise<Response> {
    const server = createMcpServer({
      coordinator: this.opts.coordinator,
      caller,
      readOnly: this.opts.readOnly ?? false,
      allowSkipPermissions: this.opts.allowSkipPermissions ?? false,
      ...(this.opts.agentEnv !== undefined && { agentEnv: this.opts.agentEnv }),
      ...(this.opts.log !== undefined && { logError: (m: string) => this.opts.log!.error(m) }),
      ...(this.opts.eventWake !== undefined && { eventWake: this.opts.eventWake }),
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // A POST is answered with one JSON body instead of an SSE stream: no tool here streams
      // progress, and the stream framing cost a large share of the hub's CPU per call. Server
      // notifications still reach clients on the GET stream.
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, server, caller, principal, stillAllowed });
        this.opts.log?.debug(`MCP session ${id} opened${caller.agent ? ` for agent "${caller.agent}"` : ' (operator)'}`);
        this.evict();
        if (stillAllowed !== undefined) this.watchCredentials();
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined && this.sessions.get(transport.sessionId)?.transport === transport) {
        this.sessions.delete(transport.sessionId);
        this.opts.log?.debug(`MCP session ${transport.sessionId} closed`);
      }
    };
    await server.connect(transport);
    const res = await transport.handleRequest(c.req.raw, { parsedBody: body });
    releaseAnsweredStreams(transport);
    if (transport.sessionId === undefined || !this.sessions.has(transport.sessionId)) {
      await server.close().catch(() => undefined);
    }
    return res;
  }

  private evict(): void {
    const max = this.opts.maxSessions ?? MAX_SESSIONS;
    for (const [id, s] of this.sessions) {
      if (this.sessions.size <= max) break;
      this.opts.log?.info(`closing MCP session ${id}: more than ${max} sessions open and it was used least recently`);
      this.sessions.delete(id);
      void s.server.close().catch(() => undefined);
    }
  }

  /** While a session opened with an agent token is open, re-checks the tokens every CREDENTIAL_CHECK_MS. */
  private watchCredentials(): void {
    if (this.credentialTimer !== undefined || this.closed) return;
    this.credentialTimer = setInterval(() => void this.dropRevoked(), CREDENTIAL_CHECK_MS);
    this.credentialTimer.unref();
  }

  /** Closes the sessions whose agent token was revoked (`agent-boss token revoke`, or the agent deleted). */
  async dropRevoked(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      let watched = 0;
      for (const [id, s] of [...this.sessions]) {
        if (s.stillAllowed === undefined) continue;
        let allowed: boolean;
        try {
          allowed = await s.stillAllowed();
        } catch (err) {
          this.opts.log?.error(`checking an MCP session's credential failed: ${(err as Error).message}`);
          allowed = false;
        }
        if (allowed) {
          watched++;
          continue;
        }
        if (this.sessions.get(id) !== s) continue;
        this.opts.log?.info(`closing MCP session ${id}: the agent token that opened it was revoked`);
        this.sessions.delete(id);
        await s.server.close().catch(() => undefined);
      }
      if (watched === 0 && this.credentialTimer !== undefined) {
        clearInterval(this.credentialTimer);
        this.credentialTimer = undefined;
      }
    } finally {
      this.checking = false;
    }
  }

  /** Closes every session (server shutdown): their SSE streams end and new requests get 503. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.credentialTimer !== undefined) clearInterval(this.credentialTimer);
    this.credentialTimer = undefined;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.server.close().catch(() => undefined)));
  }
}
