import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { DomainError } from '../core/errors.js';
import { nameKey, OPERATOR, sameName as same, type Caller } from '../core/identity.js';
import { agentName, spaceName } from '../core/schemas.js';
import type { AgentTokenStore } from '../store/agent-tokens.js';
import { exemptPaths, jsonError, type AppEnv, type Principal } from './middleware.js';
import type { OperatorAuth } from './operator.js';

/**
 * Who an HTTP request speaks for.
 *
 * Default (`--auth none`): identity is self-asserted. `X-Agent-Name` (and optionally
 * `X-Agent-Space`) bind the request to that agent; no header: the operator. `--token`, when set,
 * only keeps out whoever does not know it.
 *
 * `--auth agents`: the bearer token decides. The operator's token (`--token`) makes the operator;
 * an agent's token (issued by the hub, see src/store/agent-tokens.ts) makes that (space, agent),
 * whatever the headers say. `X-Agent-Name` / `X-Agent-Space` are honoured only when they name the
 * token's own agent, and refused with the operator's token, so nobody can speak for an agent
 * without that agent's token.
 */

export type CallerResult = { caller: Caller } | { error: string; status: 400 | 403 };

/**
 * A header value as text. HTTP carries header bytes; Node hands them over one character per byte
 * (latin1), so a UTF-8 `café` arrives as `cafÃ©`. Bytes that form valid UTF-8 are decoded as
 * UTF-8; anything else is refused rather than guessed at.
 */
export function headerText(c: Context, name: string): { value: string | undefined } | { error: string } {
  const raw = c.req.header(name);
  if (raw === undefined || !/[\u0080-\u00ff]/.test(raw) || /[^\u0000-\u00ff]/.test(raw)) return { value: raw };
  try {
    return { value: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(raw, 'latin1')) };
  } catch {
    return { error: `${name} header is not valid UTF-8: send the name encoded as UTF-8` };
  }
}

/** The caller of a request, validated with the same schemas as the tools' agent and space fields. */
export function callerFromHeaders(c: Context<AppEnv>): CallerResult {
  const nameHeader = headerText(c, 'X-Agent-Name');
  if ('error' in nameHeader) return { error: nameHeader.error, status: 400 };
  const spaceHeader = headerText(c, 'X-Agent-Space');
  if ('error' in spaceHeader) return { error: spaceHeader.error, status: 400 };
  let agent: string | undefined;
  let space: string | undefined;
  if (nameHeader.value !== undefined) {
    const r = agentName.safeParse(nameHeader.value);
    if (!r.success) return { error: `invalid X-Agent-Name header: ${r.error.issues[0]?.message ?? 'invalid agent name'}`, status: 400 };
    agent = r.data;
  }
  if (spaceHeader.value !== undefined) {
    const r = spaceName.safeParse(spaceHeader.value);
    if (!r.success) return { error: `invalid X-Agent-Space header: ${r.error.issues[0]?.message ?? 'invalid space name'}`, status: 400 };
    space = r.data;
  }

  const principal = c.get('principal');
  // Default mode, no operator credential: a name is taken on trust; without one, not the operator.
  if (principal === undefined) return { caller: { ...(agent !== undefined ? { agent } : { unverified: true }), ...(space !== undefined && { space }) } };
  if (principal.kind === 'operator') {
    if (agent !== undefined && !principal.agentsNeedTokens) return { caller: { agent, ...(space !== undefined && { space }) } };
    if (agent !== undefined) {
      return {
        status: 403,
        error: `X-Agent-Name "${agent}" is honoured only with that agent's own token: send the token issued to "${agent}" (agent-boss token issue), or drop X-Agent-Name to act as the operator.`,
      };
    }
    return { caller: space !== undefined ? { space } : {} };
  }
  if (agent !== undefined && !same(agent, principal.agent)) {
    return { status: 403, error: `this token belongs to agent "${principal.agent}" of space "${principal.space}", not to "${agent}": send "${agent}"'s own token.` };
  }
  if (space !== undefined && !same(space, principal.space)) {
    return { status: 403, error: `this token belongs to agent "${principal.agent}" of space "${principal.space}", not to space "${space}".` };
  }
  return { caller: { agent: principal.agent, space: principal.space } };
}

/**
 * The caller a route acts for: the operator, or the agent the headers (or its token) name, bound
 * to their space, else to `space` (the path's), else the server's default. A header problem is a
 * DomainError (403 when it names someone the credentials do not allow, else 400).
 */
export function requestCaller(c: Context<AppEnv>, space?: string): Caller {
  const who = callerFromHeaders(c);
  if ('error' in who) throw new DomainError(who.status === 403 ? 'forbidden' : 'validation', who.error);
  if (who.caller.agent === undefined) return who.caller.unverified ? { unverified: true, ...(who.caller.space !== undefined && { space: who.caller.space }) } : OPERATOR;
  const boundTo = who.caller.space ?? space;
  return { agent: who.caller.agent, ...(boundTo !== undefined && { space: boundTo }) };
}

/** A stable key of who holds a request's credentials (an MCP session stays with one). */
export const principalKey = (p: Principal | undefined): string | undefined =>
  p === undefined ? undefined : p.kind === 'operator' ? 'operator' : `agent:${nameKey(p.space)}/${nameKey(p.agent)}`;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export interface AgentAuthOptions {
  /** The operator's token (`--token`). */
  operatorToken: string;
  /** The operator key and dashboard sessions, which make the operator too. */
  operator?: OperatorAuth;
  tokens: AgentTokenStore;
  except?: readonly string[];
}

/**
 * `--auth agents`: every request but the exceptions carries `Authorization: Bearer <token>`, either
 * the operator's or an active agent token; the request's principal is set from it.
 */
export function authenticateAgents(opts: AgentAuthOptions): MiddlewareHandler<AppEnv> {
  const operator = digest(opts.operatorToken);
  const exempt = exemptPaths(opts.except ?? []);
  return async function authenticateAgents(c, next) {
    if (exempt(c.req.path)) return next();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    let principal: Principal | undefined;
    if (opts.operator?.hasSession(c) || (m && opts.operator?.isKey(m[1]!))) principal = { kind: 'operator', agentsNeedTokens: true };
    else if (m) {
      if (timingSafeEqual(digest(m[1]!), operator)) principal = { kind: 'operator', agentsNeedTokens: true };
      else {
        const found = await opts.tokens.verify(m[1]!);
        if (found) principal = { kind: 'agent', space: found.space, agent: found.agent };
      }
    }
    if (principal === undefined) {
      c.header('WWW-Authenticate', 'Bearer realm="agent-boss"');
      return jsonError(
        c,
        401,
        'unauthorized: this server (--auth agents) requires "Authorization: Bearer <token>": your agent token (agent-boss token issue), or the operator\'s --token.',
        'unauthorized',
      );
    }
    c.set('principal', principal);
    await next();
  };
}
