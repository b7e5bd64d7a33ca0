/**
 * Two send_input calls to one agent at the same time arrive as two messages, each exactly once.
 * This needs the core to serialise actions on one agent (and across server processes): two
 * callers typing into one input box at once would otherwise mix their keys.
 */
import { describe, expect, it } from 'vitest';
import { textTurn } from '../fixtures/fake-model.js';
import { benchPerBlock, type Bench, AGENT } from './harness.js';

describe('concurrent send_input on real Claude Code', { timeout: 60_000 }, () => {
  let b: Bench;
  benchPerBlock((bench) => (b = bench));

  it('two concurrent calls arrive as two messages', async () => {
    b.model.script(textTurn('first answer'), textTurn('second answer'));
    const seq = b.model.lastSeq();
    const texts = ['concurrent message alpha one', 'concurrent message beta two'];
    await Promise.all(texts.map((text) => b.call('send_input', { agent: AGENT, text })));
    await b.model.waitForRequest(() => b.model.requests.filter((r) => r.seq > seq && r.lastUserText.includes('concurrent message')).length >= 2, {
      afterSeq: seq,
      what: 'two messages',
    });
    // Claude Code may put a message typed while it works into the same request as a queued one.
    await b.waitForRow((r) => r.state === 'idle', 'idle after both');
    // So each text must be one whole line of what was submitted, exactly once: keys of the two
    // calls mixed in the input box would show as one line holding parts of both.
    const seen = b.model.requests.filter((r) => r.seq > seq).map((r) => r.lastUserText);
    const lines = seen.flatMap((s) => s.split('\n')).filter((l) => l.includes('concurrent message'));
    for (const t of texts) expect(lines.filter((l) => l === t), `${t} exactly once as a whole line; submitted: ${JSON.stringify(seen)}`).toHaveLength(1);
    expect(lines, `nothing but the two messages; submitted: ${JSON.stringify(seen)}`).toHaveLength(2);
  });
});
