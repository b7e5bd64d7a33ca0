import { Hono, type Context } from 'hono';
import { ApprovalLinks, type LinkGrant, type Spent } from '../core/approval-links.js';
import type { Coordinator } from '../core/coordinator.js';
import { DomainError } from '../core/errors.js';
import { OPERATOR } from '../core/identity.js';
import type { LivenessRow } from '../core/liveness.js';
import { BODY_LIMITS, limitBody, type AppEnv } from './middleware.js';

/**
 * `/approve/<prompt_id>?t=<token>`: the one-time approval links notifications carry (see
 * src/core/approval-links.ts). The token is the only credential (the path is exempt from the hub's
 * token). A GET only shows what would be answered and a button: link previews and prefetchers
 * answer nothing. The POST (from that page's form, or a notification app's HTTP action) checks the
 * token, that the same prompt is still on screen, spends the link and answers as the operator; when
 * that answer sent nothing for a passing reason (busy, a host's hub down) the link is given back.
 * Refusals are a page for a browser, `{error, code}` JSON otherwise, and every value shown is
 * HTML-escaped.
 */

export const APPROVE_PATH = '/approve/';

const PAGE_HEADERS = {
  // No script at all; the page's small style sheet is inline.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'Cache-Control': 'no-store',
  // The token is in the URL: never send it to another site in a Referer. Not "no-referrer": with
  // it a browser sends `Origin: null` on the page's own form POST, which the Origin check refuses.
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

/**
 * Failures of approve that go away by themselves and that send nothing: the store or the session
 * busy, the store unreachable, another host's hub down or not taking the action (those carry a
 * retry delay; "took it but did not answer" does not, and may have answered).
 */
const passing = (err: DomainError): boolean =>
  err.code === 'store_busy' || err.code === 'store_unavailable' || err.code === 'session_busy' || (err.code === 'backend_unavailable' && err.retryAfterSeconds !== undefined);

const DECISION_LABEL = { yes: 'Allow once', no: 'Refuse' } as const;

interface Refusal {
  status: 400 | 403 | 409 | 410 | 503;
  code: string;
  message: string;
}

const REFUSALS = {
  invalid: { status: 403, code: 'invalid_link', message: 'This approval link is not valid (altered, or signed by another hub). Open the dashboard to answer.' },
  wrong_prompt: { status: 403, code: 'invalid_link', message: 'This approval link belongs to another prompt. Open the dashboard to answer.' },
  expired: { status: 410, code: 'link_expired', message: 'This approval link has expired. Open the dashboard to answer the prompt.' },
  used: { status: 409, code: 'link_used', message: 'This approval link was already used (a link works once). Open the dashboard to see the agent.' },
  changed: {
    status: 409,
    code: 'prompt_changed',
    message: 'The prompt this link answers is no longer on the screen (it was answered, or the agent asks something else now). Nothing was sent. Open the dashboard.',
  },
} as const satisfies Record<string, Refusal>;

export interface ApproveLinkDeps {
  coordinator: Coordinator;
  links: ApprovalLinks;
  readOnly?: boolean;
}

export function approveLinkRoutes(deps: ApproveLinkDeps): Hono<AppEnv> {
  const { coordinator, links } = deps;
  const app = new Hono<AppEnv>();

  const wantsHtml = (c: Context) => /text\/html/i.test(c.req.header('accept') ?? '');
  const page = (c: Context, status: number, title: string, body: string) =>
    c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<meta name="referrer" content="same-origin"><title>${escapeHtml(title)}</title><style>body{font:16px/1.45 system-ui,sans-serif;max-width:34rem;margin:1.2rem auto;padding:0 1rem}` +
        `pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f1f3f6;padding:.6rem;border-radius:6px}button{font-size:1.1rem;padding:.8rem 1.2rem;width:100%}</style></head>` +
        `<body><h1>${escapeHtml(title)}</h1>${body}<p><a href="/">Open the dashboard</a></p></body></html>`,
      status as 200,
      PAGE_HEADERS,
    );
  const refuse = (c: Context, r: Refusal, detail?: string) => {
    const message = detail ?? r.message;
    if (wantsHtml(c)) return page(c, r.status, 'Not answered', `<p>${escapeHtml(message)}</p>`);
    for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
    return c.json({ error: message, code: r.code }, r.status);
  };

  /** The token's grant, or the refusal to answer with. */
  const grantOf = (c: Context, token: string | undefined): LinkGrant | Refusal => {
    const checked = links.check(c.req.param('prompt_id') ?? '', token ?? '');
    return checked.ok ? checked.grant : REFUSALS[checked.reason];
  };

  /** The agent's liveness row when it still shows the grant's prompt. */
  const pendingRow = async (grant: LinkGrant): Promise<LivenessRow | undefined> => {
    const rows = await coordinator.listLiveness(grant.space);
    return rows.find((r) => ApprovalLinks.matches(grant, r));
  };

  /**
   * After a passing failure, gives the link's claim back when its prompt is still pending (so
   * nothing was answered); true when given back. A link whose prompt went stays spent.
   */
  const giveBack = async (grant: LinkGrant, spent: Spent): Promise<boolean> => {
    try {
      if (!(await pendingRow(grant))) return false;
      await spent.release();
      return true;
    } catch (err) {
      if (err instanceof DomainError) return false;
      throw err;
    }
  };

  app.get(`${APPROVE_PATH}:prompt_id`, async (c) => {
    const token = c.req.query('t');
    const grant = grantOf(c, token);
    if ('status' in grant) return refuse(c, grant);
    const row = await pendingRow(grant);
    if (!row) return refuse(c, REFUSALS.changed);
    const subject = row.subject ?? row.prompt_text ?? '';
    return page(
      c,
      200,
      `${DECISION_LABEL[grant.decision]}: ${row.tool_name ?? 'permission prompt'}`,
      `<p><strong>${escapeHtml(row.agent)}</strong> (space ${escapeHtml(row.space)}) asks to use <strong>${escapeHtml(row.tool_name ?? 'a tool')}</strong>:</p>` +
        `<pre>${escapeHtml(subject)}</pre>` +
        `<form method="post"><input type="hidden" name="t" value="${escapeHtml(token ?? '')}">` +
        `<button type="submit">${escapeHtml(DECISION_LABEL[grant.decision])}</button></form>` +
        `<p>This link works once, until ${escapeHtml(new Date(grant.expires).toISOString().replace('T', ' ').slice(0, 16))} UTC.</p>`,
    );
  });

  app.post(`${APPROVE_PATH}:prompt_id`, limitBody(BODY_LIMITS.other), async (c) => {
    let token = c.req.query('t');
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(await c.req.text());
      token = form.get('t') ?? token;
    }
    const grant = grantOf(c, token);
    if ('status' in grant) return refuse(c, grant);
    if (deps.readOnly) return refuse(c, { status: 403, code: 'forbidden', message: 'This hub is read-only (--read-only): it answers no prompt.' });
    if (!(await pendingRow(grant))) return refuse(c, REFUSALS.changed);
    const spent = await links.spend(grant);
    if (!spent) return refuse(c, REFUSALS.used);
    let res;
    try {
      res = await coordinator.approve(OPERATOR, { space: grant.space, agent: grant.agent, decision: grant.decision, prompt_id: grant.prompt_id });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      if (passing(err) && (await giveBack(grant, spent))) {
        return refuse(c, { status: 503, code: err.code, message: '' }, `Not answered: ${err.message} Nothing was sent; try the link again (it works until it expires).`);
      }
      const status = err.code === 'prompt_mismatch' ? 409 : ((err.httpStatus >= 400 && err.httpStatus < 500 ? err.httpStatus : 409) as 409);
      return refuse(c, { status, code: err.code, message: '' }, `Not answered: ${err.message}`);
    }
    const what = `${res.decision === 'no' ? 'Refused' : 'Allowed'} ${res.tool_name ?? 'the prompt'} for ${res.agent.name}`;
    if (wantsHtml(c)) return page(c, 200, what, `<p>${escapeHtml(`${what} (space ${res.agent.space}).`)}</p>`);
    for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
    return c.json({ ok: true, space: res.agent.space, agent: res.agent.name, decision: res.decision, tool_name: res.tool_name ?? null, prompt_id: grant.prompt_id });
  });

  return app;
}
