/**
 * Liveness probe: our batched probe against the legacy pattern, on N = 1, 10, 50, 100 real tmux
 * sessions of a private server (half idle fake Claude Code, half a busy spinner that redraws every
 * 100 ms, so legacy takes its three-capture path for those and we must capture them again).
 *
 * Strategies, alternated within each round:
 *   legacy  — bench/legacy.ts: per session list-sessions + capture-pane (+ 2 captures when busy).
 *   ours    — TmuxSessionBackend.probeSessions(ids), steady state (control client attached).
 *   core    — Coordinator.listLiveness(space): the same probe plus SQLite read and row building.
 * Timings run with the plain PATH; tmux processes are counted in a separate phase with the
 * counting shim in PATH, and for ours also over the whole timed phase (TmuxClient.spawnCount).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendRegistry } from '../src/backends/registry.js';
import type { SessionProbe } from '../src/backends/session-backend.js';
import { TmuxSessionBackend } from '../src/backends/tmux/tmux-backend.js';
import { Coordinator } from '../src/core/coordinator.js';
import { openDatabase } from '../src/store/db.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { legacyProbe, type LegacyProbe } from './legacy.js';
import { goal, timed, type Benchmark, type Goal } from './lib/harness.js';
import { ms, num, ratio, summarize, table, times, type Summary } from './lib/stats.js';
import { benchTempDir, mixedSpecs, TmuxServer } from './lib/tmux.js';

const SIZES = [1, 10, 50, 100] as const;
/** Rounds per size: one legacy probe and OURS_PER_ROUND probes of ours and of core per round. */
const ROUNDS: Record<number, number> = { 1: 30, 10: 15, 50: 7, 100: 5 };
const QUICK_ROUNDS: Record<number, number> = { 1: 5, 10: 3, 50: 2, 100: 2 };
const OURS_PER_ROUND = 5;
/** Pause between probes (not timed): lets the busy panes redraw, like a monitor's interval would. */
const GAP_MS = 50;
const SPACE = 'bench';

interface SizeResult {
  n: number;
  legacy: Summary;
  ours: Summary;
  core: Summary;
  cold: number;
  spawnsLegacy: number;
  spawnsOurs: number;
  spawnsCold: number;
  spawnsCore: number;
  /** Ours and core together over the whole timed phase, per probe, from TmuxClient.spawnCount. */
  spawnsTimed: number;
  check: string;
}

export const liveness: Benchmark = {
  name: 'liveness',
  title: 'Liveness probe — ours (batched, control mode) vs legacy (processes per session)',
  async run(ctx) {
    const server = new TmuxServer('live');
    const db = openDatabase(join(benchTempDir('live-db'), 'boss.db'));
    const store = new SqliteStore(db);
    const results: SizeResult[] = [];
    const open: TmuxSessionBackend[] = [];
    const newBackend = () => {
      const b = new TmuxSessionBackend({ socketName: server.socket, configFile: '/dev/null' });
      open.push(b);
      return b;
    };
    try {
      for (const n of SIZES) {
        ctx.note(`liveness: starting sessions up to N=${n}`);
        await server.addSessions(mixedSpecs('live-', server.names.length, n));
        const ids = server.names.slice(0, n);
        for (const id of ids) await store.register(SPACE, id, { session_id: id, backend_type: 'tmux' });

        // Counting phase (shim in PATH). A fresh backend: its first probe is the cold one. The core
        // path uses the same backend, as a server does.
        const ours = newBackend();
        const cold = await ctx.spawns.measure(() => timed(() => ours.probeSessions(ids)));
        const steady = await ctx.spawns.measure(async () => {
          for (let i = 0; i < 3; i++) await ours.probeSessions(ids);
        });
        const legacyCount = await ctx.spawns.measure(() => legacyProbe(server.socket, ids));
        const coordinator = new Coordinator({ store, backends: new BackendRegistry([ours]), defaultSpace: SPACE });
        await coordinator.listLiveness(SPACE); // warm-up: tmux -V for available()
        const coreCount = await ctx.spawns.measure(async () => {
          for (let i = 0; i < 3; i++) await coordinator.listLiveness(SPACE);
        });
        const check = compare(ids, await ours.probeSessions(ids), legacyCount.value);

        // Timed phase (plain PATH), strategies alternated, order flipped every round.
        const samples = { legacy: [] as number[], ours: [] as number[], core: [] as number[] };
        const spawnsBefore = ours.client.spawnCount;
        const rounds = (ctx.quick ? QUICK_ROUNDS : ROUNDS)[n] ?? 3;
        ctx.note(`liveness: N=${n}, ${rounds} rounds`);
        for (let r = 0; r < rounds; r++) {
          const steps = [
            async () => samples.legacy.push((await timed(() => legacyProbe(server.socket, ids))).ms),
            async () => {
              for (let i = 0; i < OURS_PER_ROUND; i++) {
                samples.ours.push((await timed(() => ours.probeSessions(ids))).ms);
                await sleep(GAP_MS);
              }
            },
            async () => {
              for (let i = 0; i < OURS_PER_ROUND; i++) {
                samples.core.push((await timed(() => coordinator.listLiveness(SPACE))).ms);
                await sleep(GAP_MS);
              }
            },
          ];
          if (r % 2 === 1) steps.reverse();
          for (const step of steps) {
            await step();
            await sleep(GAP_MS);
          }
        }
        results.push({
          n,
          legacy: summarize(samples.legacy),
          ours: summarize(samples.ours),
          core: summarize(samples.core),
          cold: cold.value.ms,
          spawnsLegacy: legacyCount.spawned,
          spawnsOurs: steady.spawned / 3,
          spawnsCold: cold.spawned,
          spawnsCore: coreCount.spawned / 3,
          spawnsTimed: (ours.client.spawnCount - spawnsBefore) / (samples.ours.length + samples.core.length),
          check,
        });
        await ours.close();
      }
    } finally {
      await Promise.all(open.map((b) => b.close().catch(() => undefined)));
      db.close();
      server.close();
    }
    return report(ctx.out, results);
  },
};

/** Both strategies must see the same thing: every session alive, the idle ones idle. */
function compare(ids: readonly string[], ours: Map<string, SessionProbe>, legacy: Map<string, LegacyProbe>): string {
  let oursIdle = 0;
  let oursWorking = 0;
  let legacyIdle = 0;
  let legacyBusy = 0;
  const disagree: string[] = [];
  for (const id of ids) {
    const o = ours.get(id);
    const l = legacy.get(id);
    if (o?.exists && o.state === 'idle') oursIdle++;
    if (o?.exists && o.state === 'working') oursWorking++;
    if (l?.exists && l.idle) legacyIdle++;
    if (l?.exists && !l.idle) legacyBusy++;
    if (!o?.exists || !l?.exists || (o.state === 'idle') !== l.idle) {
      disagree.push(`${id} (ours ${o?.exists ? o.state : 'missing'}, legacy ${l?.exists ? (l.idle ? 'idle' : 'busy') : 'missing'})`);
    }
  }
  return `ours ${oursIdle} idle/${oursWorking} working, legacy ${legacyIdle} idle/${legacyBusy} busy${disagree.length ? `; DISAGREE: ${disagree.slice(0, 3).join(', ')}${disagree.length > 3 ? ` and ${disagree.length - 3} more` : ''}` : ''}`;
}

function report(out: (line?: string) => void, results: SizeResult[]): Goal[] {
  out('Wall time per probe (ms), medians and p95; ratio = legacy median / ours median.');
  out();
  out(
    table(
      ['N', 'legacy median', 'legacy p95', 'ours median', 'ours p95', 'ratio', 'ours cold', 'core median', 'core p95', 'samples L/O/C'],
      results.map((r) => [
        String(r.n),
        ms(r.legacy.median),
        ms(r.legacy.p95),
        ms(r.ours.median),
        ms(r.ours.p95),
        times(ratio(r.legacy.median, r.ours.median)),
        ms(r.cold),
        ms(r.core.median),
        ms(r.core.p95),
        `${r.legacy.n}/${r.ours.n}/${r.core.n}`,
      ]),
    ),
  );
  out();
  out('tmux processes spawned per probe (counting shim in PATH, 3 probes after warm-up; last column: TmuxClient.spawnCount over every timed probe of ours and core).');
  out();
  out(
    table(
      ['N', 'legacy', 'ours cold (first probe)', 'ours steady', 'core steady', 'ours+core (whole timed phase)', 'states seen'],
      results.map((r) => [
        String(r.n),
        num(r.spawnsLegacy),
        num(r.spawnsCold),
        num(r.spawnsOurs, 2),
        num(r.spawnsCore, 2),
        num(r.spawnsTimed, 3),
        r.check,
      ]),
    ),
  );
  out();
  out('How cost grows with N (medians): per-session cost is the slope a reader should look at.');
  out();
  out(
    table(
      ['N', 'legacy ms', 'legacy ms/session', 'ours ms', 'ours ms/session', 'core ms', 'legacy procs', 'ours procs'],
      results.map((r) => [
        String(r.n),
        ms(r.legacy.median),
        ms(r.legacy.median / r.n),
        ms(r.ours.median),
        ms(r.ours.median / r.n),
        ms(r.core.median),
        num(r.spawnsLegacy),
        num(r.spawnsOurs, 2),
      ]),
    ),
  );
  const a = results.find((r) => r.n === 50);
  const b = results.find((r) => r.n === 100);
  if (a && b) {
    out();
    out(
      `Marginal cost per extra session (N 50→100): legacy ${ms((b.legacy.median - a.legacy.median) / 50)} ms, ours ${ms((b.ours.median - a.ours.median) / 50)} ms, core ${ms((b.core.median - a.core.median) / 50)} ms.`,
    );
  }
  const goals: Goal[] = [];
  if (a) {
    const x = ratio(a.legacy.median, a.ours.median);
    goals.push(goal('liveness N=50: ours ≥ 100× faster than legacy (median)', `${times(x)} (legacy ${ms(a.legacy.median)} ms, ours ${ms(a.ours.median)} ms)`, x >= 100));
  }
  const worst = Math.max(...results.map((r) => r.spawnsOurs));
  goals.push(
    goal(
      'liveness: no new tmux process per probe in steady state (ours, every N)',
      `${num(worst, 3)} per probe at worst (cold probe: ${results.map((r) => r.spawnsCold).join('/')})`,
      worst === 0,
    ),
  );
  const worstCore = Math.max(...results.map((r) => Math.max(r.spawnsCore, r.spawnsTimed)));
  goals.push(
    goal('liveness: no new tmux process per list_liveness (core path) in steady state', `${num(worstCore, 3)} per call at worst`, worstCore === 0),
  );
  return goals;
}
