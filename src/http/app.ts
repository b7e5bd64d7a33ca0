import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Coordinator } from '../core/coordinator.js';
import { fromStoreError, isDomainError } from '../core/errors.js';
import { spaceName } from '../core/schemas.js';
import { visible } from '../core/text.js';
import type { Logger } from '../log.js';
import type { AgentTokenStore } from '../store/agent-tokens.js';
import { VERSION } from '../version.js';
import { authenticateAgents } from './caller.js';
import { createDashboard } from './dashboard/routes.js';
import { EventHub } from './events.js';
import { hookRoutes } from './hook-routes.js';
import { legacyRoutes } from './legacy-routes.js';
import { McpSessions } from './mcp-route.js';
import { BODY_LIMITS, checkHostAndOrigin, jsonError, limitBody, requireToken, type AppEnv } from './middleware.js';

export interface HttpAppDeps {
  coordinator: Coordinator;
  log: Logger;
  /** Address the server binds to (accepted as Host). */
  bindHost?: string;
  /** Extra accepted Host values (`--allowed-hosts`). */
  allowedHosts?: readonly string[];
  /** Bearer token every route but /healthz requires (the operator's token under `--auth agents`). */
  token?: string;
  /** `--auth agents`: agent tokens from this store are accepted too, and decide who the caller is. Needs `token`. */
  agentTokens?: AgentTokenStore;
  readOnly?: boolean;
  dataDir?: string;
  tmuxSocket?: string;
  /** MCP sessions and SSE hub; created here when not given (the server passes its own to close them on shutdown). */
  mcp?: McpSessions;
  events?: EventHub;
  /** Process start, for /healthz uptime. */
  startedAt?: number;
}

/** How long /healthz waits for the tmux probe. */
const HEALTH_PROBE_MS = 2000;

/**
 * The HTTP face: MCP over Streamable HTTP at /mcp, the legacy curl routes, SSE events and
 * /healthz, behind the Host/Origin check and the bearer token. Builds the app only; serve.ts
 * listens. Route tests use `app.request()`.
 */
export function createHttpApp(deps: HttpAppDeps): Hono<AppEnv> {
  const { coordinator, log } = deps;
  const mcp = deps.mcp ?? new McpSessions({ coordinator, readOnly: deps.readOnly ?? false, log });
  const events = deps.events ?? new EventHub(coordinator.store, log);
  const startedAt = deps.startedAt ?? Date.now();
  const app = new Hono<AppEnv>();

  app.use('*', checkHostAndOrigin({ bindHost: deps.bindHost ?? '127.0.0.1', allowedHosts: deps.allowedHosts ?? [] }));
  const dashboard = createDashboard({ coordinator, readOnly: deps.readOnly ?? false, tokenRequired: deps.token !== undefined });
  const publicPaths = ['/healthz', ...dashboard.publicPaths];
  if (deps.agentTokens !== undefined) {
    if (deps.token === undefined) throw new Error('--auth agents needs the operator token (--token)');
    app.use('*', authenticateAgents({ operatorToken: deps.token, tokens: deps.agentTokens, except: publicPaths }));
  } else {
    app.use('*', requireToken(deps.token, { except: publicPaths }));
  }

  app.get('/healthz', async (c) => {
    let db: string;
    try {
      db = (await coordinator.store.health()).detail;
    } catch (err) {
      db = `error: ${(err as Error).message}`;
    }
    let tmux = coordinator.backends.has('tmux') ? await probe(() => coordinator.backends.backendByName('tmux').available()) : 'not configured';
    // tmux is installed; is there a server on the socket this hub watches (a wrong --tmux-socket shows here)?
    if (tmux === 'ok') tmux = (await coordinator.backends.backendByName('tmux').problem?.().catch((e: Error) => e.message)) ?? 'ok';
    const ok = db === 'ok';
    return c.json({ ok, version: VERSION, uptime_s: Math.floor((Date.now() - startedAt) / 1000), db, tmux }, ok ? 200 : 503);
  });

  app.use('/mcp', limitBody(BODY_LIMITS.mcp, 'jsonrpc'));
  app.on(['GET', 'POST', 'DELETE'], '/mcp', (c) => mcp.handle(c));
  app.all('/mcp', (c) => {
    c.header('Allow', 'GET, POST, DELETE');
    return c.json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }, 405);
  });

  const sse = (c: Context<AppEnv>) => {
    const space = (c.req.param('space') ?? c.req.query('space')) || undefined;
    if (space !== undefined && !spaceName.safeParse(space).success) return jsonError(c, 400, `invalid space name "${space}"`, 'validation');
    const legacyNames = /^(1|true|yes)$/i.test(c.req.query('legacy_names') ?? '');
    return events.respond(c, { ...(space !== undefined && { space }), ...(legacyNames && { legacyNames }) });
  };
  app.get('/events', sse);
  app.get('/spaces/:space/events', sse);

  app.route(
    '/',
    legacyRoutes({
      coordinator,
      tokenRequired: deps.token !== undefined,
      readOnly: deps.readOnly ?? false,
      ...(deps.dataDir !== undefined && { dataDir: deps.dataDir }),
      ...(deps.tmuxSocket !== undefined && { tmuxSocket: deps.tmuxSocket }),
      ...(deps.agentTokens !== undefined && { tokens: deps.agentTokens }),
    }),
  );

  app.route('/', dashboard.routes);
  // Claude Code hooks: events from `agent-boss hook --url`, approval rules, decisions.
  app.route('/', hookRoutes({ coordinator, readOnly: deps.readOnly ?? false }));

  app.notFound((c) => jsonError(c, 404, `not found: ${c.req.method} ${c.req.path}`, 'not_found'));

  app.onError((thrown, c) => {
    const err = fromStoreError(thrown);
    if (isDomainError(err)) {
      if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
      if (c.get('errorFormat') === 'text') {
        // Messages quote the caller's input; a text answer is printed by curl straight to a terminal.
        return c.text(visible(err.code === 'validation' ? `validation: ${err.message}` : err.message), err.httpStatus as 400);
      }
      return jsonError(c, err.httpStatus, err.message, err.code);
    }
    if (err instanceof HTTPException) return jsonError(c, err.status, err.message || 'request failed');
    log.error(`${c.req.method} ${c.req.path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return jsonError(c, 500, 'internal error: the server logged the details', 'internal');
  });

  return app;
}

/** Runs a probe with a time bound: "ok", "unavailable" or "timeout". */
async function probe(fn: () => Promise<boolean>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), HEALTH_PROBE_MS);
  });
  try {
    return await Promise.race([fn().then((up) => (up ? 'ok' : 'unavailable'), () => 'unavailable'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
