import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
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
 *    by any process on the database, is refused, and so is the other decision's link;
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
   * Takes a one-time claim named `name` for `ttlMs`; false when it was taken already. The hub passes
   * a lease of the store under a fresh holder each time, so the claim holds across processes.
   */
  claim: (name: string, ttlMs: number) => Promise<boolean>;
  ttlMs?: number;
  clock?: () => number;
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
  private readonly claimOnce: ApprovalLinksOptions['claim'];
  private readonly clock: () => number;

  constructor(opts: ApprovalLinksOptions) {
    this.key = opts.key;
    this.claimOnce = opts.claim;
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

  /** Spends a checked grant: true the first time, false for every later use of any link of its notification. */
  async spend(grant: LinkGrant): Promise<boolean> {
    // Held a little past the expiry, so the claim outlives every link it covers.
    return this.claimOnce(`approval-link:${grant.nonce}`, Math.max(0, grant.expires - this.clock()) + 60_000);
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
