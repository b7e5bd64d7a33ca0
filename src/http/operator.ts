import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

/**
 * The operator's credentials over HTTP: the operator key (`Authorization: Bearer <key>`, read from
 * `<data-dir>/operator.key` by the CLI and by MCP clients set up with it) and, for the dashboard, a
 * session cookie obtained once through a one-time login link that `agent-boss serve` prints.
 */

/** The dashboard's session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const OPERATOR_COOKIE = 'agent_boss_operator';
/** A login link is single use and short-lived. */
const LOGIN_CODE_TTL_MS = 10 * 60_000;
/** Sessions kept at most (oldest forgotten first): a bound on memory, not a limit anyone meets. */
const MAX_SESSIONS = 1000;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const secret = (): string => randomBytes(32).toString('base64url');

export class OperatorAuth {
  private readonly keyDigest: Buffer;
  private readonly codes = new Map<string, number>();
  private readonly sessions = new Set<string>();

  constructor(key: string) {
    this.keyDigest = digest(key);
  }

  /** Whether a bearer token is the operator key (compared in constant time on digests). */
  isKey(token: string): boolean {
    return timingSafeEqual(digest(token), this.keyDigest);
  }

  /** Whether the request carries the operator's dashboard session cookie. */
  hasSession(c: Context): boolean {
    const cookie = getCookie(c, OPERATOR_COOKIE);
    return cookie !== undefined && this.sessions.has(digest(cookie).toString('hex'));
  }

  /** A new one-time login code (for the link `serve` prints). */
  loginCode(): string {
    const code = secret();
    this.codes.set(digest(code).toString('hex'), Date.now() + LOGIN_CODE_TTL_MS);
    return code;
  }

  /** Exchanges a login code (once) for a session cookie set on the response; false for a used, expired or unknown code. */
  login(c: Context, code: string): boolean {
    const key = digest(code).toString('hex');
    const expires = this.codes.get(key);
    this.codes.delete(key);
    if (expires === undefined || Date.now() > expires) return false;
    const session = secret();
    this.sessions.add(digest(session).toString('hex'));
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.values().next().value!);
    setCookie(c, OPERATOR_COOKIE, session, { httpOnly: true, sameSite: 'Strict', path: '/' });
    return true;
  }
}
