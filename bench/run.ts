/**
 * Benchmark runner: `npm run bench` runs them all, `npm run bench -- liveness send-input` some.
 * `--quick` runs fewer iterations; `--list` names them. Benchmarks report, they never fail the
 * build: each goal prints PASS or MISS, a benchmark that breaks prints ERROR, and the exit code is
 * 0 unless the command line itself is wrong.
 */
import { execaSync } from 'execa';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { cleanupAll } from './lib/cleanup.js';
import type { BenchContext, Benchmark, Goal } from './lib/harness.js';
import { waitQuiet } from './lib/quiet.js';
import { table } from './lib/stats.js';
import { REAL_TMUX, SpawnCounter } from './lib/tmux.js';
import { acp } from './acp.js';
import { hook } from './hook.js';
import { liveness } from './liveness.js';
import { memory } from './memory.js';
import { realClient } from './real-client.js';
import { sendInput } from './send-input.js';
import { sessions } from './sessions.js';
import { startup } from './startup.js';
import { team } from './team.js';
import { tools } from './tools.js';

const BENCHMARKS: readonly Benchmark[] = [liveness, sendInput, tools, startup, memory, sessions, hook, realClient, acp, team];

function machineNote(): string {
  const tmux = execaSync(REAL_TMUX, ['-V'], { reject: false }).stdout.trim();
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${tmux}, ${process.platform} ${process.arch}`;
}

const loadText = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const names = argv.filter((a) => !a.startsWith('--'));
  for (const f of flags) {
    if (f !== '--quick' && f !== '--list') {
      process.stderr.write(`bench: unknown flag ${f} (known: --quick, --list)\n`);
      return 2;
    }
  }
  if (flags.has('--list')) {
    for (const b of BENCHMARKS) process.stdout.write(`${b.name.padEnd(12)} ${b.title}\n`);
    return 0;
  }
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.name).join(', ')})\n`);
    return 2;
  }
  const selected = names.length ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
  // The SDK's HTTP client reuses one AbortSignal for every request and undici drops its listener
  // only when the request is garbage-collected, so a fast loop of calls trips Node's leak warning
  // once per call. Say it once instead of thousands of times; other warnings print as usual.
  process.removeAllListeners('warning');
  let listenerWarnings = 0;
  process.on('warning', (w) => {
    if (w.name === 'MaxListenersExceededWarning' && listenerWarnings++ > 0) return;
    process.stderr.write(`${w.name}: ${w.message}${w.name === 'MaxListenersExceededWarning' ? ' (shown once)' : ''}\n`);
  });
  const ctx: BenchContext = {
    quick: flags.has('--quick'),
    spawns: undefined as unknown as SpawnCounter, // one per benchmark: cleanup removes its directory
    out: (line = '') => process.stdout.write(`${line}\n`),
    note: (line) => process.stderr.write(`  … ${line}\n`),
  };
  ctx.out(`# agent-boss benchmarks${ctx.quick ? ' (--quick)' : ''}`);
  ctx.out();
  ctx.out(`Machine: ${machineNote()}`);
  ctx.out(`Date: ${new Date().toISOString()}; load average before: ${loadText()} (other work on the machine shows here)`);

  const all: { bench: string; goal: Goal | { goal: string; result: string; pass: 'ERROR' } }[] = [];
  for (const b of selected) {
    const busyBefore = await waitQuiet(0.15, ctx.quick ? 10_000 : 120_000, (busy) =>
      ctx.note(`waiting for a quiet machine before ${b.name}: CPUs ${(busy * 100).toFixed(0)} % busy`),
    );
    ctx.spawns = new SpawnCounter();
    ctx.out();
    ctx.out(`## ${b.name}: ${b.title}`);
    ctx.out();
    const t0 = performance.now();
    try {
      const goals = await b.run(ctx);
      for (const g of goals) all.push({ bench: b.name, goal: g });
    } catch (err) {
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      ctx.out(`ERROR: ${msg}`);
      all.push({ bench: b.name, goal: { goal: 'benchmark ran to the end', result: (err as Error).message ?? String(err), pass: 'ERROR' } });
    } finally {
      cleanupAll();
    }
    ctx.note(`${b.name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    ctx.out();
    ctx.out(
      `(${b.name}: ${((performance.now() - t0) / 1000).toFixed(0)} s; CPUs busy with other work just before it: ${(busyBefore * 100).toFixed(0)} %; load average after: ${loadText()})`,
    );
  }
  ctx.out();
  ctx.out('## Goals');
  ctx.out();
  ctx.out(
    table(
      ['', 'benchmark', 'goal', 'result'],
      all.map(({ bench, goal }) => [goal.pass === 'ERROR' ? 'ERROR' : goal.pass ? 'PASS' : 'MISS', bench, goal.goal, goal.result]),
    ),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    cleanupAll();
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    cleanupAll();
    process.exit(0);
  },
);
