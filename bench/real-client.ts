/**
 * The real Claude Code (the pinned version the tests use) in a private tmux server, driven against
 * the fake Messages API (test/fixtures/fake-model.ts), ours (TmuxSessionBackend) against legacy:
 *
 * - send_input: call start → the fake model receives the message (its request log is the oracle).
 *   Legacy = send-keys TEXT, 800 ms, send-keys C-m, 800 ms.
 * - approve: call start → the fake model receives the tool result of the approved Bash command.
 *   Legacy = send-keys 1, then send-keys Enter. The dialog has stood for 0.5 s before either side
 *   answers (and ours has seen it, as list_liveness would have), so neither pays a settle wait.
 *
 * Every message must reach the model exactly once. Strategies alternate, order flipped each round.
 */
import { execa } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseScreen } from '../src/agents/claude-code/screen.js';
import { TmuxSessionBackend } from '../src/backends/tmux/tmux-backend.js';
import { startFakeModel, textTurn, toolTurn, type FakeModel } from '../test/fixtures/fake-model.js';
import { startClaudeCode, type ClaudeCodeSession } from '../test/helpers/claude-code.js';
import { legacySendInput, LEGACY_SEND_PAUSE_MS } from './legacy.js';
import { onCleanup } from './lib/cleanup.js';
import { goal, now, type BenchContext, type Benchmark, type Goal } from './lib/harness.js';
import { ms, ratio, summarize, table, times } from './lib/stats.js';

type Strategy = 'ours' | 'legacy';
const SIZES = [
  { label: '20 B', bytes: 20 },
  { label: '2 KB', bytes: 2 * 1024 },
] as const;
const DELIVERY_TIMEOUT_MS = 20_000;

/** Claude Code's paste wrapping, taken off (see test/real/send-input.test.ts). */
function unwrapPaste(text: string): string {
  const m = /^\s*<pasted_content id="([^"]*)">\n([\s\S]*)\n<\/pasted_content id="\1">\n?$/u.exec(text);
  return m ? m[2]! : text;
}

function makeText(bytes: number, id: string): string {
  let s = `${id} `;
  while (s.length < bytes) s += 'the quick brown fox jumps over the lazy dog ';
  return `${s.slice(0, bytes - 1)}z`;
}

export const realClient: Benchmark = {
  name: 'real-client',
  title: 'send_input and approve on the real Claude Code (fake model) — ours vs legacy',
  async run(ctx) {
    const model = await startFakeModel();
    const cc = await startClaudeCode({ modelUrl: model.url, width: 120, height: 40 });
    const stop = onCleanup('real-client', () => {
      void cc.stop();
    });
    const backend = new TmuxSessionBackend({ socketName: cc.tmux.socketName, configFile: '/dev/null' });
    try {
      await backend.probeSessions([cc.session]); // attaches the control client, as a running server has
      const goals = await measureSend(ctx, model, cc, backend);
      goals.push(...(await measureApprove(ctx, model, cc, backend)));
      return goals;
    } finally {
      await backend.close();
      await cc.stop();
      stop();
      await model.close();
    }
  },
};

const idle = (cc: ClaudeCodeSession) =>
  cc.waitForScreen((s) => parseScreen(s.split('\n')).state === 'idle' && /\? for shortcuts/u.test(s), 'idle', DELIVERY_TIMEOUT_MS);

async function measureSend(ctx: BenchContext, model: FakeModel, cc: ClaudeCodeSession, backend: TmuxSessionBackend): Promise<Goal[]> {
  const sent: string[] = [];
  let seq = 0;
  const sendOne = async (strategy: Strategy, bytes: number) => {
    const text = makeText(bytes, `m${++seq}-${strategy}`);
    sent.push(text);
    await idle(cc);
    await sleep(300);
    model.clearScript();
    model.script(textTurn('ok'));
    const after = model.lastSeq();
    const t0 = now();
    const call = strategy === 'ours' ? backend.sendInput(cc.session, text) : legacySendInput(cc.tmux.socketName, cc.session, text);
    const req = await model.requestContaining(text.slice(0, 12), { afterSeq: after, timeoutMs: DELIVERY_TIMEOUT_MS });
    await call;
    return req.at - t0;
  };
  const rows: string[][] = [];
  const goals: Goal[] = [];
  const iterations = ctx.quick ? 2 : 6;
  for (const size of SIZES) {
    const samples: Record<Strategy, number[]> = { ours: [], legacy: [] };
    ctx.note(`real-client send_input ${size.label}: ${iterations} each`);
    await sendOne('ours', size.bytes); // warm-up
    for (let i = 0; i < iterations; i++) {
      for (const s of (i % 2 === 0 ? ['ours', 'legacy'] : ['legacy', 'ours']) as Strategy[]) samples[s].push(await sendOne(s, size.bytes));
    }
    const o = summarize(samples.ours);
    const l = summarize(samples.legacy);
    const x = ratio(l.median, o.median);
    rows.push([size.label, ms(l.median), ms(l.p95), ms(o.median), ms(o.p95), times(x), `${l.n}/${o.n}`]);
    if (size.bytes === 20) goals.push(goal('real Claude Code send_input 20 B: ours ≥ 10× faster than legacy (call → model has it, median)', `${times(x)} (legacy ${ms(l.median)} ms, ours ${ms(o.median)} ms)`, x >= 10));
  }
  await idle(cc);
  // Exactly once: every text sent is the whole user text of exactly one request (Claude Code wraps
  // a long paste, and takes a fast burst of typed keys for one, in <pasted_content>: unwrapped).
  const texts = model.requests.map((r) => unwrapPaste(r.lastUserText));
  const check = (who: Strategy) => {
    const mine = sent.filter((t) => t.startsWith(`m`) && t.includes(`-${who} `));
    const exact = mine.filter((t) => texts.filter((m) => m === t).length === 1).length;
    const extra = texts.filter((m) => new RegExp(`^m\\d+-${who} `, 'u').test(m) && !mine.includes(m)).length;
    return { exact, extra, total: mine.length };
  };
  const ours = check('ours');
  const legacy = check('legacy');
  ctx.out('send_input on the real Claude Code: call start → the fake model receives the message (ms); ratio = legacy / ours (medians).');
  ctx.out(`Legacy pauses ${LEGACY_SEND_PAUSE_MS} ms before C-m and ${LEGACY_SEND_PAUSE_MS} ms after (the model has the message before the second pause).`);
  ctx.out();
  ctx.out(table(['text', 'legacy median', 'legacy p95', 'ours median', 'ours p95', 'ratio', 'samples L/O'], rows));
  ctx.out();
  ctx.out(
    `Delivery: ours ${ours.exact}/${ours.total} messages reached the model exactly once and whole (${ours.extra} garbled or extra); legacy ${legacy.exact}/${legacy.total} (${legacy.extra} garbled or extra).`,
  );
  goals.push(goal('real Claude Code send_input: every message exactly once (ours)', `${ours.exact}/${ours.total}, ${ours.extra} garbled or extra`, ours.exact === ours.total && ours.extra === 0));
  return goals;
}

async function measureApprove(ctx: BenchContext, model: FakeModel, cc: ClaudeCodeSession, backend: TmuxSessionBackend): Promise<Goal[]> {
  const tmux = (...args: string[]) => execa('tmux', ['-L', cc.tmux.socketName, ...args], { stdin: 'ignore' });
  let n = 0;
  let oursCleared = 0;
  let oursCalls = 0;
  const approveOne = async (strategy: Strategy) => {
    await idle(cc);
    await sleep(300);
    model.clearScript();
    model.script(toolTurn('Bash', { command: `touch approved-${++n}.txt`, description: 'Create a file' }), textTurn('done'));
    const marker = `approve round ${n}`;
    await backend.sendInput(cc.session, marker);
    await cc.waitForScreen((s) => parseScreen(s.split('\n')).state === 'waiting_approval', 'the dialog', DELIVERY_TIMEOUT_MS);
    await backend.checkApproval(cc.session); // seen, as list_liveness would have
    await sleep(500);
    const after = model.lastSeq();
    const t0 = now();
    const call =
      strategy === 'ours'
        ? backend.approve(cc.session, 'yes').then((r) => {
            oursCalls++;
            if (r.cleared && r.chosen?.number === 1) oursCleared++;
          })
        : (async () => {
            await tmux('send-keys', '-t', cc.session, '1');
            await tmux('send-keys', '-t', cc.session, 'Enter');
          })();
    const req = await model.waitForRequest((r) => r.toolResults.length > 0, { afterSeq: after, timeoutMs: DELIVERY_TIMEOUT_MS });
    await call;
    return req.at - t0;
  };
  const iterations = ctx.quick ? 2 : 6;
  const samples: Record<Strategy, number[]> = { ours: [], legacy: [] };
  ctx.note(`real-client approve: ${iterations} each`);
  for (let i = 0; i < iterations; i++) {
    for (const s of (i % 2 === 0 ? ['ours', 'legacy'] : ['legacy', 'ours']) as Strategy[]) samples[s].push(await approveOne(s));
  }
  const o = summarize(samples.ours);
  const l = summarize(samples.legacy);
  const x = ratio(l.median, o.median);
  ctx.out();
  ctx.out('approve on the real Claude Code: call start → the fake model receives the tool result (ms).');
  ctx.out();
  ctx.out(table(['', 'legacy median', 'legacy p95', 'ours median', 'ours p95', 'ratio', 'samples L/O'], [['approve yes (Bash)', ms(l.median), ms(l.p95), ms(o.median), ms(o.p95), times(x), `${l.n}/${o.n}`]]));
  ctx.out();
  ctx.out(`Ours answered with option 1 and saw the dialog cleared in ${oursCleared}/${oursCalls} calls; ratio ${times(x)} (legacy ${ms(l.median)} ms, ours ${ms(o.median)} ms).`);
  return [goal('real Claude Code approve: every answer taken and reported cleared (ours)', `${oursCleared}/${oursCalls}; vs legacy ${times(x)} (legacy ${ms(l.median)} ms, ours ${ms(o.median)} ms)`, oursCleared === oursCalls && oursCalls > 0)];
}
