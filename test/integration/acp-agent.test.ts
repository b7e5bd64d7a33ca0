import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AcpAgent, type RuleDecider } from '../../src/backends/acp/acp-agent.js';
import { shellQuote } from '../../src/backends/shell-quote.js';
import { waitFor } from '../helpers/fake-agent.js';
import { tempDir } from '../helpers/tmp.js';

const FAKE_ACP_AGENT = join(import.meta.dirname, '..', 'fixtures', 'fake-acp-agent.mjs');

/** A request offering no "allow once": only "always" and "reject". */
const NO_ONCE = [
  { optionId: 'always', name: 'Always Allow', kind: 'allow_always' },
  { optionId: 'reject', name: 'Reject', kind: 'reject_once' },
];

/**
 * AcpAgent (the part of an ACP agent's runner that speaks to the program) against a small agent
 * program speaking the protocol on its stdio. A "yes" is an allow once: it never grants a
 * permission for the rest of the session, whether it comes from a person or an approval rule.
 */
describe('AcpAgent answering permission requests', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(decide?: RuleDecider) {
    const dir = tempDir('boss-acp-agent-');
    cleanups.push(dir.cleanup);
    const log = join(dir.dir, 'answers.jsonl');
    const command = `env FAKE_ACP_OPTIONS=${shellQuote(JSON.stringify(NO_ONCE))} FAKE_ACP_LOG=${shellQuote(log)} ${shellQuote(process.execPath)} ${shellQuote(FAKE_ACP_AGENT)}`;
    const agent = new AcpAgent({ sessionId: 'acp-test', command, cwd: dir.dir, mcpServers: [] }, () => undefined, () => undefined, decide);
    cleanups.push(() => agent.kill());
    await agent.start();
    expect(agent.snapshot()).toMatchObject({ phase: 'ready', state: 'idle' });
    const answers = (): unknown[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown) : []);
    return { agent, answers };
  }

  it('refuses "yes" when the request offers no allow-once option, answering nothing; "always" then answers it', async () => {
    const { agent, answers } = await start();
    agent.prompt('make the file');
    await waitFor(() => agent.snapshot().state === 'waiting_approval', 10_000, 'the permission request');

    expect(() => agent.approve('yes')).toThrow(/allow once/i);
    expect(agent.snapshot()).toMatchObject({ state: 'waiting_approval', approval: { needsApproval: true, toolName: 'Bash' } });
    expect(answers()).toEqual([]);

    expect(agent.approve('always')).toMatchObject({ decision: 'always', chosen: { number: 1, label: 'Always Allow' } });
    await waitFor(() => answers().length === 1, 10_000, 'the answer at the agent');
    expect(answers()).toEqual([{ outcome: 'selected', optionId: 'always' }]);
    await waitFor(() => agent.snapshot().state === 'idle', 10_000, 'the turn ended');
  });

  it('an approval rule that allows does not answer "always" for it: the request waits for a person', async () => {
    const { agent, answers } = await start(async () => ({ decision: 'allow', why: 'approval rule #1 (Bash "touch *")' }));
    agent.prompt('make the file');
    await waitFor(() => agent.snapshot().state === 'waiting_approval', 10_000, 'the permission request left to a person');
    expect(answers()).toEqual([]);
    expect(agent.approve('no')).toMatchObject({ decision: 'no', chosen: { label: 'Reject' } });
    await waitFor(() => answers().length === 1, 10_000, 'the answer at the agent');
    expect(answers()).toEqual([{ outcome: 'selected', optionId: 'reject' }]);
  });
});
