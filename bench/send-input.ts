/**
 * send_input latency: text of 20 B, 2 KB and 20 KB typed into a fake Claude Code
 * (test/fixtures/fake-agent.mjs) in a real tmux pane, ours (TmuxSessionBackend.sendInput) against
 * legacy (send-keys TEXT, 800 ms, send-keys C-m, 800 ms; paste buffer above 8 KB).
 *
 * "Delivered" = from the call until the agent's log shows the submitted message (polled about
 * every millisecond). "Returned" = until the call resolves. Every message is then checked to have
 * arrived exactly once and byte-identical. Strategies alternate, order flipped each round.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SUBMIT_SETTLE_MS, TmuxSessionBackend } from '../src/backends/tmux/tmux-backend.js';
import { LEGACY_SEND_PAUSE_MS, legacySendInput } from './legacy.js';
import { AgentLog } from './lib/agent-log.js';
import { goal, now, type BenchContext, type Benchmark, type Goal } from './lib/harness.js';
import { ms, num, ratio, summarize, table, times } from './lib/stats.js';
import { TmuxServer } from './lib/tmux.js';

const SIZES = [
  { label: '20 B', bytes: 20 },
  { label: '2 KB', bytes: 2 * 1024 },
  { label: '20 KB', bytes: 20 * 1024 },
] as const;
const ITERATIONS = 5;
const QUICK_ITERATIONS = 2;
/** The fake agent "works" this long after each message before it is idle again. */
const WORK_MS = 20;
/** Bound on one delivery (legacy 20 KB types 20,000 keys into the UI one by one). */
const DELIVERY_TIMEOUT_MS = 60_000;
const SESSION = 'send-target';

type Strategy = 'ours' | 'legacy';

const FILLER = 'The quick brown fox jumps over the lazy dog, 0123456789. Lorem ipsum dolor sit amet. ';

/** ASCII text of exactly `bytes` bytes, unique by its prefix, ending in a letter. */
function makeText(bytes: number, id: string): string {
  let s = `${id} `;
  while (s.length < bytes) s += FILLER;
  return `${s.slice(0, bytes - 1)}z`;
}

export const sendInput: Benchmark = {
  name: 'send-input',
  title: 'send_input latency — ours vs legacy, 20 B / 2 KB / 20 KB into a fake Claude Code',
  async run(ctx) {
    const server = new TmuxServer('send');
    await server.addSessions([{ name: SESSION, kind: 'idle' }], { workMs: WORK_MS });
    // What the backend notices (a retype, a wait that ran out) goes to stderr with the run.
    const backend = new TmuxSessionBackend({ socketName: server.socket, configFile: '/dev/null', log: (m) => process.stderr.write(`send-input: ${m}\n`) });
    try {
      // A running server has probed its sessions (the monitor), which attaches the control client.
      await backend.probeSessions([SESSION]);
      return await measure(ctx, server, backend);
    } finally {
      await backend.close();
      server.close();
    }
  },
};

async function measure(ctx: BenchContext, server: TmuxServer, backend: TmuxSessionBackend): Promise<Goal[]> {
  const log = new AgentLog(server.logFile(SESSION));
  const sent: string[] = [];
  let seq = 0;
  const send = (strategy: Strategy, text: string) =>
    strategy === 'ours' ? backend.sendInput(SESSION, text, { submit: true }) : legacySendInput(server.socket, SESSION, text);

  const sendOne = async (strategy: Strategy, bytes: number) => {
    const text = makeText(bytes, `m${++seq}-${strategy}`);
    sent.push(text);
    const t0 = now();
    let returned = Number.NaN;
    const call = send(strategy, text).then(() => {
      returned = now() - t0;
    });
    const { at } = await log.next((e) => e.type === 'message', DELIVERY_TIMEOUT_MS);
    await call;
    await log.next((e) => e.type === 'done', 10_000); // idle again before the next one
    await sleep(50);
    return { delivered: at - t0, returned };
  };

  const rows: string[][] = [];
  const goals: Goal[] = [];
  const spawnRows: string[][] = [];
  for (const size of SIZES) {
    // Counting phase: one send each with the counting shim in PATH (also the warm-up).
    const spawned: Record<Strategy, number> = { ours: 0, legacy: 0 };
    for (const s of ['ours', 'legacy'] as const) spawned[s] = (await ctx.spawns.measure(() => sendOne(s, size.bytes))).spawned;
    spawnRows.push([size.label, num(spawned.legacy), num(spawned.ours)]);

    const samples: Record<Strategy, { delivered: number[]; returned: number[] }> = {
      ours: { delivered: [], returned: [] },
      legacy: { delivered: [], returned: [] },
    };
    const iterations = ctx.quick ? QUICK_ITERATIONS : ITERATIONS;
    ctx.note(`send-input: ${size.label}, ${iterations} each`);
    for (let i = 0; i < iterations; i++) {
      const order: Strategy[] = i % 2 === 0 ? ['ours', 'legacy'] : ['legacy', 'ours'];
      for (const s of order) {
        const r = await sendOne(s, size.bytes);
        samples[s].delivered.push(r.delivered);
        samples[s].returned.push(r.returned);
      }
    }
    const o = summarize(samples.ours.delivered);
    const l = summarize(samples.legacy.delivered);
    const oRet = summarize(samples.ours.returned);
    const lRet = summarize(samples.legacy.returned);
    const x = ratio(l.median, o.median);
    rows.push([
      size.label,
      ms(l.median),
      ms(l.p95),
      ms(o.median),
      ms(o.p95),
      times(x),
      ms(lRet.median),
      ms(oRet.median),
      `${l.n}/${o.n}`,
    ]);
    goals.push(goal(`send_input ${size.label}: ours ≥ 5× faster than legacy (delivered, median)`, `${times(x)} (legacy ${ms(l.median)} ms, ours ${ms(o.median)} ms)`, x >= 5));
  }

  // Exactly once, byte-identical, in order: the whole log against what was sent.
  const messages = AgentLog.all(server.logFile(SESSION))
    .filter((e) => e.type === 'message')
    .map((e) => e.text ?? '');
  let exact = 0;
  for (const text of sent) if (messages.filter((m) => m === text).length === 1) exact++;
  const extra = messages.filter((m) => !sent.includes(m)).length;
  const inOrder = messages.length === sent.length && messages.every((m, i) => m === sent[i]);

  ctx.out(`Latency per message (ms); "delivered" = call start → message in the agent's log; ratio = legacy / ours (delivered medians).`);
  ctx.out(`Ours presses Enter as soon as the input box shows the text (its ${SUBMIT_SETTLE_MS} ms settle pause is only for programs without an input box); legacy pauses ${LEGACY_SEND_PAUSE_MS} ms before Enter and ${LEGACY_SEND_PAUSE_MS} ms after.`);
  ctx.out();
  ctx.out(
    table(
      ['text', 'legacy delivered median', 'legacy p95', 'ours delivered median', 'ours p95', 'ratio', 'legacy call returns', 'ours call returns', 'samples L/O'],
      rows,
    ),
  );
  ctx.out();
  ctx.out('tmux processes spawned per send (counting shim; ours with its control client already attached):');
  ctx.out();
  ctx.out(table(['text', 'legacy', 'ours'], spawnRows));
  ctx.out();
  ctx.out(
    `Delivery: ${exact}/${sent.length} messages arrived exactly once and byte-identical; ${extra} unexpected messages; order ${inOrder ? 'kept' : 'NOT kept'}.`,
  );
  goals.push(
    goal('send_input: every message delivered exactly once, byte-identical', `${exact}/${sent.length}, ${extra} extra`, exact === sent.length && extra === 0 && inOrder),
  );
  return goals;
}
