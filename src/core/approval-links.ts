import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { sameName } from './identity.js';

/**
 * One-time approval links (`/approve/<prompt_id>?t=<token>`), for answering a prompt from a phone
 * through a notification. The token is the link's only credential, never the hub's token or the
 * operator key:
 *
 *  - signed: HMAC-SHA256 with a key kept in the data directory (`approval-link.key`, 0600), over
 *    the prompt (space, agent, prompt_id), the decision, an expiry and a nonce;
 *  - short-lived: refused after `ttlMs` (15 minutes by default);
 *  - single use: the links of one notification share a nonce, and the first use claims it in the
 *    store (a lease named after the nonce that lives until the links expire), so a second use,
 *    by any process on the database, is refused, and so is the other decision's link. A use that
 *    answered nothing for a passing reason (store or session busy, another host's hub down) gives
 *    its claim back (`Spent.release`), so the links work again until they expire;
 *  - bound to the prompt: the path's prompt id must be the token's, and the answer goes through
 *    approve with that prompt_id, which sends nothing when a different prompt is on screen.
 */

export type LinkDecision = 'yes' | 'no';
export const LINK_DECISIONS: readonly LinkDecision[] = ['yes', 'no'];
export const DEFAULT_LINK_TTL_MS = 15 * 60_000;
const SIGNED = 'agent-boss approval link v1\n';

export interface LinkGrant {
  space: string;
  agent: string;
  prompt_id: string;
  decision: LinkDecision;
  /** Expiry, ms since the epoch. */
  expires: number;
  nonce: string;
}

export type LinkCheck = { ok: true; grant: LinkGrant } | { ok: false; reason: 'invalid' | 'expired' | 'wrong_prompt' };

export interface ApprovalLinksOptions {
  /** The signing key (from the data directory). */
  key: string;
  /**
   * The store's leases: a link is spent by taking the lease named after its nonce under a fresh
   * holder (so only the first use takes it, in any process on the database), and given back by
   * releasing it.
   */
  leases: LinkLeases;
  ttlMs?: number;
  clock?: () => number;
}

/** The part of the store the links use (`Store` has it). */
export interface LinkLeases {
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
}

/** A spent link: `release` gives the claim back (when the answer sent nothing, for a passing reason). */
export interface Spent {
  release(): Promise<void>;
}

interface Payload {
  s: string;
  a: string;
  p: string;
  d: LinkDecision;
  e: number;
  n: string;
}

export class ApprovalLinks {
  readonly ttlMs: number;
  private readonly key: string;
  private readonly leases: LinkLeases;
  private readonly clock: () => number;

  constructor(opts: ApprovalLinksOptions) {
    this.key = opts.key;
    this.leases = opts.leases;
    this.ttlMs = opts.ttlMs ?? DEFAULT_LINK_TTL_MS;
    this.clock = opts.clock ?? Date.now;
  }

  /** The links (paths, under the hub's address) of one prompt, one per decision, sharing one nonce (using one spends both). */
  links(prompt: { space: string; agent: string; prompt_id: string }): { yes: string; no: string } {
    const base = { s: prompt.space, a: prompt.agent, p: prompt.prompt_id, e: this.clock() + this.ttlMs, n: randomBytes(12).toString('base64url') };
    const url = (d: LinkDecision) => `/approve/${encodeURIComponent(prompt.prompt_id)}?t=${this.sign({ ...base, d })}`;
    return { yes: url('yes'), no: url('no') };
  }

  /** Checks a token presented for `promptId` (signature, expiry, prompt); does not spend it. */
  check(promptId: string, token: string): LinkCheck {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 2048) return { ok: false, reason: 'invalid' };
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const want = this.mac(body);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, reason: 'invalid' };
    let p: Payload;
    try {
      p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (typeof p.e !== 'number' || !LINK_DECISIONS.includes(p.d) || typeof p.p !== 'string' || typeof p.n !== 'string') return { ok: false, reason: 'invalid' };
    if (p.p !== promptId) return { ok: false, reason: 'wrong_prompt' };
    if (this.clock() >= p.e) return { ok: false, reason: 'expired' };
    return { ok: true, grant: { space: p.s, agent: p.a, prompt_id: p.p, decision: p.d, expires: p.e, nonce: p.n } };
  }

  /**
   * Spends a checked grant: its claim the first time, undefined for every later use of any link of
   * its notification (until the claim is released).
   */
  async spend(grant: LinkGrant): Promise<Spent | undefined> {
    const name = `approval-link:${grant.nonce}`;
    const holder = randomUUID();
    // Held a little past the expiry, so the claim outlives every link it covers.
    if (!(await this.leases.acquireLease(name, holder, Math.max(0, grant.expires - this.clock()) + 60_000))) return undefined;
    return { release: () => this.leases.releaseLease(name, holder) };
  }

  /** Whether a pending prompt (its ids) is the one a grant is for. */
  static matches(grant: LinkGrant, row: { space: string; agent: string; needs_approval: boolean; prompt_id?: string; screen_prompt_id?: string }): boolean {
    return (
      sameName(grant.space, row.space) && sameName(grant.agent, row.agent) && row.needs_approval && (row.prompt_id === grant.prompt_id || row.screen_prompt_id === grant.prompt_id)
    );
  }

  private sign(p: Payload): string {
    const body = Buffer.from(JSON.stringify(p), 'utf8').toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(SIGNED + body).digest();
  }
}
