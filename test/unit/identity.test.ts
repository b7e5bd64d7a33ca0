/**
 * Who may act on what (src/core/identity.ts), as pure rules: claiming a terminal, spawning, and
 * where a hook event lands. The faces that call them are covered in test/hardening/identity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { Identity, OPERATOR, sessionNameFor, type Caller } from '../../src/core/identity.js';
import type { AgentRecord } from '../../src/store/store.js';

/** web: boss ← lead ← dev; carol alone. mobile: bob. */
const PARENTS: Record<string, string | undefined> = { 'web/boss': undefined, 'web/lead': 'boss', 'web/dev': 'lead', 'web/carol': undefined, 'mobile/bob': undefined };
const chain = async (space: string, agent: string): Promise<string[]> => {
  const out = [agent];
  let p = PARENTS[`${space}/${agent.toLowerCase()}`];
  while (p !== undefined) {
    out.push(p);
    p = PARENTS[`${space}/${p}`];
  }
  return out;
};
const identity = new Identity('web', undefined, chain);
const rec = (space: string, name: string): AgentRecord => ({ space, name, parent: PARENTS[`${space}/${name}`] ?? null }) as AgentRecord;
const as = (agent: string, space = 'web'): Caller => ({ agent, space });

const refusal = async (p: Promise<unknown>): Promise<DomainError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe('forbidden');
  return err as DomainError;
};

describe('the claim rule (which terminal an agent may register)', () => {
  const claim = (sessionId: string, holders: AgentRecord[] = [], proof?: 'pane' | 'known', target = { space: 'web', agent: 'lead' }) => ({
    target,
    sessionId,
    holders,
    ...(proof && { proof }),
  });

  it('lets the operator register any session, held or not', async () => {
    await identity.checkClaim(OPERATOR, claim('ops-shell'));
    await identity.checkClaim(OPERATOR, claim('web-carol', [rec('web', 'carol')]));
  });

  it('refuses a session nobody holds that nothing shows is the agent\'s (the operator\'s shell), naming the ways to do it', async () => {
    const err = await refusal(identity.checkClaim(as('lead'), claim('ops-shell')));
    expect(err.message).toMatch(/agent "lead" cannot register session "ops-shell" for "lead": nothing shows it runs there/);
    expect(err.message).toMatch(/agent-boss stdio --agent lead\) started inside that session and leave session_id out, or ask the operator/);
  });

  it("refuses another agent's session, even with take_over, unless it manages that agent", async () => {
    const err = await refusal(identity.checkClaim(as('lead'), claim('web-carol', [rec('web', 'carol')])));
    expect(err.message).toMatch(/it is the terminal of agent "carol" in space "web", which "lead" does not manage/);
    await refusal(identity.checkClaim(as('lead'), claim('web-boss', [rec('web', 'boss')], 'known')));
    // An agent it manages: its terminal is within its reach already.
    await identity.checkClaim(as('lead'), claim('web-dev', [rec('web', 'dev')]));
    await identity.checkClaim(as('boss'), claim('web-dev', [rec('web', 'dev')], undefined, { space: 'web', agent: 'boss' }));
  });

  it('takes proof: the pane its own process runs in (whoever holds it), its current session, the session spawn names for it', async () => {
    await identity.checkClaim(as('lead'), claim('lead-pane', [rec('web', 'carol')], 'pane'));
    await identity.checkClaim(as('lead'), claim('agentdeck_lead_1', [], 'known'));
    expect(sessionNameFor('web', 'lead')).toBe('web-lead');
  });

  it('lets a manager register a session for an agent it manages, and no one else', async () => {
    await identity.checkClaim(as('boss'), claim('dev-shell', [], undefined, { space: 'web', agent: 'dev' }));
    await refusal(identity.checkClaim(as('carol'), claim('dev-shell', [], undefined, { space: 'web', agent: 'dev' })));
    await refusal(identity.checkClaim(as('boss', 'mobile'), claim('dev-shell', [], undefined, { space: 'web', agent: 'dev' })));
  });
});

describe('spawning', () => {
  it('the operator spawns anything anywhere, with the parent it names', async () => {
    expect(await identity.checkSpawn(OPERATOR, { space: 'mobile', agent: 'x' }, 'y', rec('mobile', 'bob'))).toBe('y');
  });

  it('an agent spawns only into its own space', async () => {
    const err = await refusal(identity.checkSpawn(as('boss', 'default'), { space: 'mobile', agent: 'x' }, undefined, undefined));
    expect(err.message).toMatch(/agent "boss" of space "default" cannot spawn "x" in space "mobile": an agent spawns only into its own space/);
  });

  it('an agent becomes the parent of what it spawns, and names no other parent', async () => {
    expect(await identity.checkSpawn(as('boss'), { space: 'web', agent: 'new' }, undefined, undefined)).toBe('boss');
    await refusal(identity.checkSpawn(as('boss'), { space: 'web', agent: 'new' }, 'carol', undefined));
  });

  it("an agent re-spawns only an agent it manages, not another manager's (or nobody's) stopped agent", async () => {
    expect(await identity.checkSpawn(as('boss'), { space: 'web', agent: 'dev' }, undefined, rec('web', 'dev'))).toBe('boss');
    const err = await refusal(identity.checkSpawn(as('carol'), { space: 'web', agent: 'dev' }, undefined, rec('web', 'dev')));
    expect(err.message).toMatch(/cannot spawn "dev": that agent is registered already and reports to "lead", so only "lead" \(or its managers\) may start it again/);
    await refusal(identity.checkSpawn(as('lead'), { space: 'web', agent: 'carol' }, undefined, rec('web', 'carol')));
  });
});

describe('where a hook event lands', () => {
  it("the operator's lands where the body says", () => {
    expect(identity.hookEventTarget(OPERATOR, { space: 'mobile', agent: 'alice' })).toEqual({ space: 'mobile', agent: 'alice' });
  });

  it("a bound caller's lands in its own binding; another space or agent is refused", () => {
    expect(identity.hookEventTarget({ agent: 'alice' }, {})).toEqual({ space: 'web', agent: 'alice' });
    expect(identity.hookEventTarget(as('alice', 'mobile'), { space: 'MOBILE' })).toEqual({ space: 'mobile', agent: 'alice' });
    expect(() => identity.hookEventTarget(as('alice'), { space: 'mobile' })).toThrow(/cannot record hook events in space "mobile": an agent's hook events land in its own space/);
    expect(() => identity.hookEventTarget({ agent: 'alice' }, { space: 'mobile' })).toThrow(/agent "alice" of space "web"/);
    expect(() => identity.hookEventTarget(as('alice'), { agent: 'bob' })).toThrow(/cannot record hook events of "bob"/);
  });
});

describe('answering permission prompts', () => {
  it('lets an agent answer the prompts of the agents it manages, never its own; the operator answers any', async () => {
    const err = await refusal(identity.authorize(as('lead'), rec('web', 'lead'), 'approve prompts of', { self: false }));
    expect(err.message).toMatch(/agent "lead" cannot approve prompts of itself: its permission prompts are answered by the operator or its manager "boss"/);
    await identity.authorize(as('lead'), rec('web', 'dev'), 'approve prompts of', { self: false });
    await refusal(identity.authorize(as('lead'), rec('web', 'carol'), 'approve prompts of', { self: false }));
    await identity.authorize(OPERATOR, rec('web', 'lead'), 'approve prompts of', { self: false });
    // Other actions on itself stay allowed.
    await identity.authorize(as('lead'), rec('web', 'lead'), 'interrupt');
  });
});
