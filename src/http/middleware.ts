import { DomainError } from '../core/errors.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { OperatorAuth } from './operator.js';

/**
 * Who holds the request's credentials: the operator (its key or dashboard cookie, or under
 * `--auth agents` the `--token`), or an agent by its token (`--auth agents`). Unset: a caller that
 * proved nothing, who is not the operator.
 */
export type Principal =
  | {
      kind: 'operator';
      /** `--auth agents`: X-Agent-Name needs that agent's token, so the operator cannot send it. */
      agentsNeedTokens: boolean;
    }
  | { kind: 'agent'; space: string; agent: string };

/**
 * Hono env of the app: routes whose callers read text mark it, and errors then answer text;
 * `principal` is set by the agent-token check (src/http/caller.ts).
 */
export type AppEnv = { Variables: { errorFormat?: 'text'; principal?: Principal } };

/** Error bodies of the HTTP face: `{error, code?}` JSON. */
export const jsonError = (c: Context, status: number, error: string, code?: string): Response =>
  c.json(code === undefined ? { error } : { error, code }, status as 400);

/** The hostnames every server accepts: the loopback names. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

/** True for an address that only this machine can reach. */
export const isLoopbackHost = (host: string): boolean => {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return LOOPBACK_NAMES.includes(h) || /^127(\.\d{1,3}){3}$/.test(h) || h === '0:0:0:0:0:0:0:1';
};

/**
 * Splits a Host header value (`name`, `name:port`, `[v6]`, `[v6]:port`) into a lower-case hostname
 * (IPv6 without brackets) and the port, if any. Undefined for a value that is no host at all.
 */
export function parseHostHeader(value: string): { hostname: string; port?: string } | undefined {
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  const m = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(v) ?? /^([^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(v);
  if (!m) return undefined;
  return m[2] === undefined ? { hostname: m[1]! } : { hostname: m[1]!, port: m[2] };
}

export interface HostCheckOptions {
  /** Address the server is bound to (accepted as Host besides the loopback names). */
  bindHost: string;
  /**
   * Path prefixes a browser may open from another site (a link in a chat or a notification app):
   * only a top-level GET navigation, which must change nothing (the approval links' confirm page).
   */
  navigableFromAnywhere?: readonly string[];
  /** Extra accepted Host values: a hostname (any port) or `hostname:port` (that port only). */
  allowedHosts?: readonly string[];
}

/** Builds the predicate deciding whether a hostname (and port) may address this server. */
export function hostAllowList(opts: HostCheckOptions): (hostname: string, port?: string) => boolean {
  const names = new Set<string>(LOOPBACK_NAMES);
  const exact = new Set<string>();
  const bind = parseHostHeader(opts.bindHost.includes(':') && !opts.bindHost.startsWith('[') ? `[${opts.bindHost}]` : opts.bindHost);
  // A wildcard bind address is not a name a client can use; it adds nothing to the list.
  if (bind && bind.hostname !== '0.0.0.0' && bind.hostname !== '::') names.add(bind.hostname);
  for (const entry of opts.allowedHosts ?? []) {
    const parsed = parseHostHeader(entry) ?? parseHostHeader(`[${entry}]`);
    if (!parsed) continue;
    if (parsed.port === undefined) names.add(parsed.hostname);
    else exact.add(`${parsed.hostname}:${parsed.port}`);
  }
  return (hostname, port) => names.has(hostname) || isLoopbackHost(hostname) || (port !== undefined && exact.has(`${hostname}:${port}`));
}

/**
 * DNS-rebinding defence on every route. A page on evil.example whose name resolves to 127.0.0.1
 * reaches us with `Host: evil.example`; a cross-site browser request carries its page's `Origin`.
 * Requests without `Origin` (curl, SDK clients, agents) are not browser cross-origin requests and pass.
 */
export function checkHostAndOrigin(opts: HostCheckOptions): MiddlewareHandler {
  const allowed = hostAllowList(opts);
  return async function checkHostAndOrigin(c, next) {
    const hostHeader = c.req.header('host') ?? new URL(c.req.url).host;
    const host = parseHostHeader(hostHeader);
    if (!host || !allowed(host.hostname, host.port)) {
      return jsonError(
        c,
        403,
        `forbidden host "${hostHeader}": this server answers only to loopback names, its bind address and --allowed-hosts.`,
        'forbidden_host',
      );
    }
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      let originHost: { hostname: string; port?: string } | undefined;
      try {
        const u = new URL(origin);
        originHost = parseHostHeader(u.host);
      } catch {
        originHost = undefined;
      }
      if (!originHost || !allowed(originHost.hostname, originHost.port)) {
        return jsonError(c, 403, `forbidden origin "${origin}": cross-site browser requests are not accepted.`, 'forbidden_origin');
      }
    }
    // Browsers omit Origin on simple cross-site GETs (an <img> or a link to the ignition URL, which
    // registers a session) but mark them with Sec-Fetch-Site. Non-browser clients send neither.
    const site = c.req.header('sec-fetch-site')?.toLowerCase();
    const navigation =
      c.req.method === 'GET' && c.req.header('sec-fetch-mode') === 'navigate' && (opts.navigableFromAnywhere ?? []).some((p) => c.req.path.startsWith(p));
    if (site !== undefined && site !== 'same-origin' && site !== 'none' && !navigation) {
      return jsonError(c, 403, `forbidden: cross-site browser requests (Sec-Fetch-Site: ${site}) are not accepted.`, 'forbidden_origin');
    }
    await next();
  };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Paths exempt from a credential check: exact paths, and prefixes written with a final `*`. */
export function exemptPaths(paths: readonly string[]): (path: string) => boolean {
  const exact = new Set(paths.filter((p) => !p.endsWith('*')));
  const prefixes = paths.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return (path) => exact.has(path) || prefixes.some((p) => path.startsWith(p));
}

/** The token of `Authorization: Bearer <token>`, if the request carries one. */
export const bearerToken = (c: Context): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];

/**
 * The default mode (`--auth none`): the operator's credential (its key as bearer token, or the
 * dashboard's cookie) makes the operator; otherwise, when a token is configured,
 * `Authorization: Bearer <token>` is required, and makes nobody the operator. The comparison runs on
 * equal-length SHA-256 digests with timingSafeEqual, so neither the content nor the length of the
 * token leaks through timing.
 */
export function requireToken(
  token: string | undefined,
  opts: { except?: readonly string[]; operator?: OperatorAuth } = {},
): MiddlewareHandler<AppEnv> {
  const want = token === undefined ? undefined : digest(token);
  const exempt = exemptPaths(opts.except ?? []);
  return async function requireToken(c, next) {
    if (exempt(c.req.path)) return next();
    const presented = bearerToken(c);
    if (opts.operator !== undefined && ((presented !== undefined && opts.operator.isKey(presented)) || opts.operator.hasSession(c))) {
      c.set('principal', { kind: 'operator', agentsNeedTokens: false });
      return next();
    }
    if (want === undefined) return next();
    if (presented === undefined || !timingSafeEqual(digest(presented), want)) {
      c.header('WWW-Authenticate', 'Bearer realm="agent-boss"');
      return jsonError(c, 401, 'unauthorized: this server requires "Authorization: Bearer <token>" (the --token it was started with).', 'unauthorized');
    }
    await next();
  };
}

/** Body-size limits, in bytes. */
export const BODY_LIMITS = {
  status: 1024 * 1024,
  reply: 1024 * 1024,
  /** MCP messages carry at most one send_input text (1 MiB of characters, up to 4 bytes each in UTF-8). */
  mcp: 4 * 1024 * 1024 + 64 * 1024,
  /** Every other route: small JSON bodies at most. */
  other: 64 * 1024,
} as const;

/**
 * Hono's bodyLimit answering 413 JSON (never a silently truncated body). The answer closes the
 * connection: the unread rest of the body is still on the wire, so the socket cannot carry the
 * client's next request.
 */
export const limitBody = (maxSize: number, shape: 'json' | 'jsonrpc' = 'json'): MiddlewareHandler =>
  bodyLimit({
    maxSize,
    onError: (c) => {
      c.header('Connection', 'close');
      return shape === 'jsonrpc'
        ? c.json({ jsonrpc: '2.0', error: { code: -32000, message: `Request body too large: limit is ${maxSize} bytes` }, id: null }, 413)
        : jsonError(c, 413, `request body too large: limit is ${maxSize} bytes`, 'payload_too_large');
    },
  });

/** Refuses a change on a read-only server (`--read-only`); `reads` says what it still answers. */
export function refuseIfReadOnly(readOnly: boolean | undefined, reads: string): void {
  if (readOnly) throw new DomainError('forbidden', `this server is read-only (--read-only): ${reads}.`);
}
