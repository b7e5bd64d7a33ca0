import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { Coordinator, Target } from '../../core/coordinator.js';
import { DomainError } from '../../core/errors.js';
import { agentOverview, agentPreviews } from '../../core/overview.js';
import { agentName, describeZodError, inputText, promptId, spaceName } from '../../core/schemas.js';
import { requestCaller } from '../caller.js';
import { BODY_LIMITS, limitBody, refuseIfReadOnly, type AppEnv } from '../middleware.js';
import { httpResume, resumeAnswer, type HttpResume } from '../resume.js';

/**
 * The operator's dashboard: a static page (HTML, CSS and JS modules from ./assets, no build step)
 * at `/` and `/dashboard/*`, and the small JSON routes it needs under `/dashboard/api/`, each
 * validating with the shared schemas and calling the core, like every other route.
 *
 * The page and its assets carry no data, so they load without the token (the page then asks for
 * it); every `/dashboard/api/` route and `/events` need it like the rest of the hub. Actions are
 * JSON POSTs: a cross-site page can only send those after a CORS preflight, which is never granted,
 * and the Host/Origin check in front of every route refuses foreign origins anyway.
 */

const ASSET_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Only this origin's own scripts, styles and connections; no inline script or style, no frames,
 * no plugins. Agent text is inserted as text, and this keeps even a mistake from running script.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

interface Asset {
  body: string;
  type: string;
  etag: string;
}

/** Reads the page's files once; the URL of each is `/dashboard/<name>`, the page itself `/`. */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(ASSET_DIR)) {
    const ext = name.slice(name.lastIndexOf('.'));
    const type = CONTENT_TYPES[ext];
    if (type === undefined) continue;
    const body = readFileSync(ASSET_DIR + name, 'utf8');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    assets.set(name === 'index.html' ? '/' : `/dashboard/${name}`, { body, type, etag });
  }
  if (!assets.has('/')) throw new Error(`dashboard page missing: ${ASSET_DIR}index.html`);
  return assets;
}

const target = { space: spaceName, agent: agentName };
const sendBody = z.strictObject({ ...target, text: inputText });
const approveBody = z.strictObject({ ...target, decision: z.enum(['yes', 'always', 'no']).optional(), prompt_id: promptId.optional() });
const interruptBody = z.strictObject(target);
const resumeBody = z.strictObject({ ...target, ignite: z.boolean().optional() });

/** Preview lines per agent: enough to see what it is doing, small enough for 100 agents. */
const PREVIEW_LINES = { default: 8, max: 50 };

export interface DashboardDeps {
  coordinator: Coordinator;
  readOnly?: boolean;
  tokenRequired?: boolean;
  /** resume_agent with the hub's settings. */
  resume?: HttpResume;
}

export interface Dashboard {
  routes: Hono<AppEnv>;
  /** Paths that need no token: the page and its static files (no data in them). */
  publicPaths: string[];
}

export function createDashboard(deps: DashboardDeps): Dashboard {
  const { coordinator } = deps;
  const assets = loadAssets();
  const app = new Hono<AppEnv>();

  for (const [path, asset] of assets) {
    app.get(path, (c) => {
      const headers = { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Cache-Control': 'no-cache', ETag: asset.etag };
      if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
      return c.body(asset.body, 200, headers);
    });
  }

  app.use('/dashboard/api/*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    c.header('Cache-Control', 'no-store');
  });

  const queriedSpace = (c: Context): string | undefined => {
    const space = c.req.query('space') || undefined;
    if (space !== undefined && !spaceName.safeParse(space).success) throw new DomainError('validation', `invalid space name "${space}"`);
    return space;
  };

  app.get('/dashboard/api/overview', async (c) => {
    // ?host=NAME: only the agents whose sessions run on that host (hubs sharing one store).
    const overview = await agentOverview(coordinator, queriedSpace(c), c.req.query('host')?.slice(0, 100) || undefined);
    return c.json({
      ...overview,
      read_only: deps.readOnly ?? false,
      token_required: deps.tokenRequired ?? false,
      // What the page offers per agent; it shows a control only for an action listed here.
      actions: deps.readOnly ? [] : ['send', 'approve', 'interrupt', 'resume'],
    });
  });

  app.get('/dashboard/api/previews', async (c) => {
    const raw = c.req.query('lines');
    const lines = raw === undefined ? PREVIEW_LINES.default : Number(raw);
    if (!Number.isInteger(lines) || lines < 1 || lines > PREVIEW_LINES.max) {
      throw new DomainError('validation', `lines must be a whole number from 1 to ${PREVIEW_LINES.max}`);
    }
    const space = queriedSpace(c);
    return c.json({ previews: await agentPreviews(coordinator, requestCaller(c), { ...(space !== undefined && { space }), lines }) });
  });

  /** Reads a JSON action body: refuses other content types, so a cross-site form post cannot be one. */
  const actionBody = async <T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> => {
    refuseIfReadOnly(deps.readOnly, 'the dashboard can only watch');
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw new DomainError('validation', 'send the action as JSON (Content-Type: application/json).');
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch (err) {
      throw new DomainError('validation', `malformed JSON body: ${(err as Error).message}`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new DomainError('validation', describeZodError(parsed.error));
    return parsed.data;
  };

  // One send_input over MCP may carry the same 1 MiB of characters.
  app.post('/dashboard/api/send', limitBody(BODY_LIMITS.mcp), async (c) => {
    const body = await actionBody(c, sendBody);
    const res = await coordinator.sendInput(requestCaller(c), body);
    return c.json({ ok: true, ...who(res.agent), session_id: res.session_id });
  });

  app.post('/dashboard/api/approve', limitBody(BODY_LIMITS.other), async (c) => {
    const body = await actionBody(c, approveBody);
    const res = await coordinator.approve(requestCaller(c), body);
    return c.json({
      ok: true,
      ...who(res.agent),
      decision: res.decision,
      cleared: res.cleared,
      tool_name: res.tool_name ?? null,
      prompt_id: res.prompt_id ?? null,
    });
  });

  app.post('/dashboard/api/interrupt', limitBody(BODY_LIMITS.other), async (c) => {
    const body = await actionBody(c, interruptBody);
    const res = await coordinator.interrupt(requestCaller(c), body);
    return c.json({ ok: true, ...who(res.agent), stopped: res.stopped });
  });

  app.post('/dashboard/api/resume', limitBody(BODY_LIMITS.other), async (c) => {
    const body = await actionBody(c, resumeBody);
    return c.json(resumeAnswer(await (deps.resume ?? httpResume(coordinator))(requestCaller(c), body)));
  });

  return { routes: app, publicPaths: [...assets.keys()] };
}

const who = (a: { space: string; name: string }): Target => ({ space: a.space, agent: a.name });

