/**
 * Start-up: from spawning `node dist/cli.js stdio …` (what Claude Code does once per agent) until
 * the `initialize` answer arrives, over raw JSON-RPC on the pipes (no client library in the
 * measurement). For scale, the same clock on `node -e 0` (Node itself) and on
 * `node dist/cli.js --version` (loading our modules without opening the database or serving).
 * Also the stdio server's RSS right after it answered.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { goal, now, type Benchmark } from './lib/harness.js';
import { assertBuilt, CLI, memoryOf } from './lib/cli.js';
import { onCleanup } from './lib/cleanup.js';
import { ms, num, summarize, table } from './lib/stats.js';
import { benchTempDir } from './lib/tmux.js';

const RUNS = 10;
const QUICK_RUNS = 4;
const TIMEOUT_MS = 15_000;

const INITIALIZE = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '0' } },
})}\n`;

/**
 * Import cost of what a stdio server loads before it answers, measured inside one fresh Node
 * process (each row is what that import added; shared dependencies count where first loaded).
 * execa is not on the list: the tmux client loads it on the first tmux command. If a static import
 * brings it back, the "our code" row grows by its ~50 ms.
 */
const IMPORTS: readonly [label: string, specifier: string][] = [
  ['zod', 'zod'],
  ['@modelcontextprotocol/sdk server (mcp.js + stdio.js)', '@modelcontextprotocol/sdk/server/mcp.js'],
  ['', '@modelcontextprotocol/sdk/server/stdio.js'],
  ['better-sqlite3', 'better-sqlite3'],
  ['our code (dist/runtime.js, dist/mcp/server.js, rest)', './dist/runtime.js'],
  ['', './dist/mcp/server.js'],
];

function importCosts(): Promise<Map<string, number>> {
  const script = `const out = {}; let label = ''; for (const [l, s] of ${JSON.stringify(IMPORTS)}) { if (l) label = l; const t0 = performance.now(); await import(s); out[label] = (out[label] ?? 0) + performance.now() - t0; } process.stdout.write(JSON.stringify(out));`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: join(CLI, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (c: string) => (out += c));
    p.once('error', reject);
    p.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`import timing exited ${code}`));
      resolve(new Map(Object.entries(JSON.parse(out) as Record<string, number>)));
    });
  });
}

/** Spawns a process and times until it exits (args) — the "floor" measurements. */
function timeExit(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const p = spawn(process.execPath, args, { stdio: 'ignore' });
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(now() - t0) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

/** Spawns the stdio server, writes initialize at once, times until the answer. */
function timeInitialize(dataDir: string, socket: string): Promise<{ ms: number; rss: number }> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const p = spawn(process.execPath, [CLI, 'stdio', '--data-dir', dataDir, '--tmux-socket', socket, '--space', 'bench', '--agent', 'starter'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const release = onCleanup('kill stdio server', () => p.kill('SIGKILL'));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`no initialize answer within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    let out = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes('"id":1'));
      if (!line) return;
      const elapsed = now() - t0;
      clearTimeout(timer);
      const rss = p.pid !== undefined ? memoryOf(p.pid).rss : Number.NaN;
      if (!line.includes('"result"')) reject(new Error(`initialize failed: ${line}`));
      p.stdin.end(); // the normal way a stdio server ends
      p.once('exit', () => {
        release();
        resolve({ ms: elapsed, rss });
      });
    });
    p.once('error', reject);
    p.stdin.write(INITIALIZE);
  });
}

/** The remainder of a difference of medians from separate processes: below 2 ms it is noise. */
const restText = (rest: number): string => (rest < 2 ? 'under 2 ms (within the noise of this subtraction)' : `${ms(rest)} ms`);

export const startup: Benchmark = {
  name: 'startup',
  title: 'Start-up of a stdio server until it answers initialize',
  async run(ctx) {
    assertBuilt();
    const dataDir = join(benchTempDir('startup'), 'data');
    const socket = `bench-${process.pid}-startup-none`; // no server runs there: start-up must not need one
    const runs = ctx.quick ? QUICK_RUNS : RUNS;
    const first = await timeInitialize(dataDir, socket); // creates the database: reported on its own
    await timeInitialize(dataDir, socket); // warm-up (file cache)
    const samples: Record<'node' | 'version' | 'init', number[]> = { node: [], version: [], init: [] };
    const rss: number[] = [];
    ctx.note(`startup: ${runs} runs each`);
    for (let i = 0; i < runs; i++) {
      samples.node.push(await timeExit(['-e', '0']));
      samples.version.push(await timeExit([CLI, '--version']));
      const r = await timeInitialize(dataDir, socket);
      samples.init.push(r.ms);
      rss.push(r.rss);
    }
    const imports = new Map<string, number[]>();
    for (let i = 0; i < runs; i++) {
      for (const [label, v] of await importCosts()) imports.set(label, [...(imports.get(label) ?? []), v]);
    }
    const s = { node: summarize(samples.node), version: summarize(samples.version), init: summarize(samples.init) };
    ctx.out('Wall time from spawn (ms); the database exists except in the first row.');
    ctx.out();
    ctx.out(
      table(
        ['what', 'median', 'p95', 'min', 'runs'],
        [
          ['`node -e 0` (Node start-up alone)', ms(s.node.median), ms(s.node.p95), ms(s.node.min), String(s.node.n)],
          ['`node dist/cli.js --version` (our modules loaded)', ms(s.version.median), ms(s.version.p95), ms(s.version.min), String(s.version.n)],
          ['`stdio` → initialize answered', ms(s.init.median), ms(s.init.p95), ms(s.init.min), String(s.init.n)],
          ['`stdio` → initialize, first run (creates the database)', ms(first.ms), '', '', '1'],
        ],
      ),
    );
    ctx.out();
    ctx.out();
    ctx.out('Import cost of the modules a stdio server loads (ms, median of the runs, each import timed in one fresh process in this order):');
    ctx.out();
    ctx.out(table(['module', 'median', 'p95'], [...imports].map(([label, v]) => [label, ms(summarize(v).median), ms(summarize(v).p95)])));
    const importSum = [...imports.values()].reduce((a, v) => a + summarize(v).median, 0);
    ctx.out();
    ctx.out(
      `Where the time goes (medians): Node itself ${ms(s.node.median)} ms, imports ${ms(importSum)} ms, the rest (opening the database, connecting stdio, answering initialize) ${restText(s.init.median - s.node.median - importSum)}. RSS of the stdio server right after initialize: median ${num(summarize(rss).median, 1)} MiB.`,
    );
    return [goal('start-up to initialize (stdio): median < 400 ms', `${ms(s.init.median)} ms (p95 ${ms(s.init.p95)})`, s.init.median < 400)];
  },
};
