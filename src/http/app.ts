import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Coordinator } from '../core/coordinator.js';
import { spaceName } from '../core/schemas.js';
import { visible } from '../core/text.js';
import type { Logger } from '../log.js';
import type { AgentTokenStore } from '../store/agent-tokens.js';
import { VERSION } from '../version.js';
import type { ApprovalLinks } from '../core/approval-links.js';
import { APPROVE_PATH, approveLinkRoutes } from './approve-link.js';
import { authenticateAgents } from './caller.js';
import { createDashboard } from './dashboard/routes.js';
import { EventHub } from './events.js';
import { hookRoutes } from './hook-routes.js';
import { legacyRoutes } from './legacy-routes.js';
import { McpSessions } from './mcp-route.js';
import { httpResume, type LifecycleSettings } from './resume.js';
import type { OperatorAuth } from './operator.js';
import { bearerToken, BODY_LIMITS, checkHostAndOrigin, jsonError, limitBody, requireToken, type AppEnv } from './middleware.js';

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
  /**
   * The operator's credentials (its key, the dashboard's login). Without them no HTTP caller is the
   * operator in the default mode (under `--auth agents`, `token` still is).
   */
  operator?: OperatorAuth;
  readOnly?: boolean;
  dataDir?: string;
  tmuxSocket?: string;
  /** MCP sessions and SSE hub; created here when not given (the server passes its own to close them on shutdown). */
  mcp?: McpSessions;
  events?: EventHub;
  /** One-time approval links (`serve --approval-links`): their route answers at /approve/<prompt_id>. */
  approvalLinks?: ApprovalLinks;
  /** How agents are started (resume_agent's routes), as the MCP sessions start them. */
  lifecycle?: LifecycleSettings;
  /** Process start, for /healthz uptime. */
  startedAt?: number;
}

/**
 * The HTTP face: MCP over Streamable HTTP at /mcp, the legacy curl routes, SSE events and
 * /healthz, behind the Host/Origin check and the bearer token. Builds the app only; serve.ts
 * listens. Route tests use `app.request()`.
 */
export function createHttpApp(deps: HttpAppDeps): Hono<AppEnv> {
  const { coordinator, log } = deps;
  const mcp = deps.mcp ?? new McpSessions({ coordinator, readOnly: deps.readOnly ?? false, log });
  const events = deps.events ?? new EventHub(coordinator, log);
  const startedAt = deps.startedAt ?? Date.now();
  const app = new Hono<AppEnv>();

  app.use(
    '*',
    checkHostAndOrigin({
      bindHost: deps.bindHost ?? '127.0.0.1',
      allowedHosts: deps.allowedHosts ?? [],
      ...(deps.approvalLinks !== undefined && { navigableFromAnywhere: [APPROVE_PATH] }),
    }),
  );
  const resume = httpResume(coordinator, deps.lifecycle);
  const dashboard = createDashboard({ coordinator, readOnly: deps.readOnly ?? false, tokenRequired: deps.token !== undefined, resume });
  // An approval link's own token is its credential (checked by its route), never the hub's.
  const publicPaths = ['/healthz', '/login', ...dashboard.publicPaths, ...(deps.approvalLinks !== undefined ? [`${APPROVE_PATH}*`] : [])];
  const operator = deps.operator;
  if (deps.agentTokens !== undefined) {
    if (deps.token === undefined) throw new Error('--auth agents needs the operator token (--token)');
    app.use('*', authenticateAgents({ operatorToken: deps.token, tokens: deps.agentTokens, except: publicPaths, ...(operator !== undefined && { operator }) }));
  } else {
    app.use('*', requireToken(deps.token, { except: publicPaths, ...(operator !== undefined && { operator }) }));
  }

  // The one-time link `serve` prints: exchanged for the dashboard's operator cookie, then the dashboard.
  app.get('/login', (c) => {
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    if (operator === undefined || !operator.login(c, c.req.query('code') ?? '')) {
      return c.text('This login link was already used, has expired or is wrong. Restart agent-boss serve for a new one, or use the dashboard with the operator key.\n', 403);
    }
    return c.redirect('/', 303);
  });

  // Each configured backend answers under its own name (e.g. "tmux": "ok").
  app.get('/healthz', async (c) => {
    const h = await coordinator.health();
    return c.json({ ...h.backends, ok: h.ok, version: VERSION, uptime_s: Math.floor((Date.now() - startedAt) / 1000), db: h.db }, h.ok ? 200 : 503);
  });

  app.use('/mcp', limitBody(BODY_LIMITS.mcp, 'jsonrpc'));
  app.on(['GET', 'POST', 'DELETE'], '/mcp', (c) => mcp.handle(c, credentialCheck(c)));
  app.all('/mcp', (c) => {
    c.header('Allow', 'GET, POST, DELETE');
    return c.json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }, 405);
  });

  const sse = (c: Context<AppEnv>) => {
    const space = (c.req.param('space') ?? c.req.query('space')) || undefined;
    if (space !== undefined && !spaceName.safeParse(space).success) return jsonError(c, 400, `invalid space name "${space}"`, 'validation');
    const legacyNames = /^(1|true|yes)$/i.test(c.req.query('legacy_names') ?? '');
    return events.respond(c, { ...(space !== undefined && { space }), ...(legacyNames && { legacyNames }) }, credentialCheck(c));
  };
  /** An agent token can be revoked while its stream is open: the stream re-checks it. */
  const credentialCheck = (c: Context<AppEnv>): (() => Promise<boolean>) | undefined => {
    const principal = c.get('principal');
    const tokens = deps.agentTokens;
    const presented = bearerToken(c);
    if (principal?.kind !== 'agent' || tokens === undefined || presented === undefined) return undefined;
    return async () => (await tokens.verify(presented)) !== undefined;
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
      resume,
    }),
  );

  app.route('/', dashboard.routes);
  if (deps.approvalLinks !== undefined) app.route('/', approveLinkRoutes({ coordinator, links: deps.approvalLinks, readOnly: deps.readOnly ?? false }));
  // Claude Code hooks: events from `agent-boss hook --url`, approval rules, decisions.
  app.route('/', hookRoutes({ coordinator, readOnly: deps.readOnly ?? false }));

  app.notFound((c) => jsonError(c, 404, `not found: ${c.req.method} ${c.req.path}`, 'not_found'));

  app.onError((thrown, c) => {
    if (thrown instanceof HTTPException) return jsonError(c, thrown.status, thrown.message || 'request failed');
    const f = coordinator.explainFailure(thrown, `${c.req.method} ${c.req.path}`);
    if (f.domain) {
      const err = f.domain;
      if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
      if (c.get('errorFormat') === 'text') {
        // Messages quote the caller's input; a text answer is printed by curl straight to a terminal.
        return c.text(visible(err.code === 'validation' ? `validation: ${err.message}` : err.message), err.httpStatus as 400);
      }
      return jsonError(c, err.httpStatus, err.message, err.code);
    }
    log.error(f.log);
    return jsonError(c, 500, f.message, 'internal');
  });

  return app;
}
