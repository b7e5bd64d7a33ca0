/**
 * `agent-boss hook`: wall time from spawning `node dist/cli.js hook --data-dir …` (what Claude Code
 * does for every event) until it exits, writing into a real database. Three events: a Stop (state
 * update), a PermissionRequest that an approval rule answers (rules read, decision printed), and a
 * PermissionRequest with no matching rule. For scale, `node -e 0` on the same clock, alternated.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { goal, now, type Benchmark } from './lib/harness.js';
import { assertBuilt, CLI } from './lib/cli.js';
import { ms, summarize, table } from './lib/stats.js';
import { benchTempDir } from './lib/tmux.js';

const RUNS = 30;
const QUICK_RUNS = 8;

function timeRun(args: string[], stdin: string): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const p = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '', BOSS_AGENT: 'bench', BOSS_SPACE: 'bench' } });
    let stdout = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve({ ms: now() - t0, stdout }) : reject(new Error(`${args.join(' ')} exited ${code}`))));
    p.stdin.end(stdin);
  });
}

const event = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: '3f1c2a9e-0000-4000-8000-000000000000', transcript_path: '/t.jsonl', cwd: '/w', hook_event_name: name, ...extra });

export const hook: Benchmark = {
  name: 'hook',
  title: 'agent-boss hook: spawn to exit per Claude Code event',
  async run(ctx) {
    assertBuilt();
    const dataDir = join(benchTempDir('hook'), 'data');
    const [{ openDatabase }, { SqliteStore }, { SqliteHookStore }] = await Promise.all([
      import('../src/store/db.js'),
      import('../src/store/sqlite-store.js'),
      import('../src/store/hooks-store.js'),
    ]);
    const db = openDatabase(join(dataDir, 'boss.db'));
    await new SqliteStore(db).register('bench', 'bench', { session_id: 'bench-s' });
    await new SqliteHookStore(db).setRule({ tool: 'Bash', pattern: 'npm test*', decision: 'allow' });
    db.close();

    const args = [CLI, 'hook', '--data-dir', dataDir];
    const kinds = {
      stop: event('Stop', { stop_hook_active: false, last_assistant_message: 'done' }),
      ruled: event('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'npm test -- --run' }, permission_suggestions: [] }),
      unruled: event('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'make deploy' }, permission_suggestions: [] }),
    };
    const runs = ctx.quick ? QUICK_RUNS : RUNS;
    const samples: Record<'node' | keyof typeof kinds, number[]> = { node: [], stop: [], ruled: [], unruled: [] };
    await timeRun(args, kinds.stop); // warm-up (file cache)
    ctx.note(`hook: ${runs} runs each`);
    for (let i = 0; i < runs; i++) {
      samples.node.push((await timeRun(['-e', '0'], '')).ms);
      samples.stop.push((await timeRun(args, kinds.stop)).ms);
      const r = await timeRun(args, kinds.ruled);
      if (!r.stdout.includes('"behavior":"allow"')) throw new Error(`the rule did not answer: ${r.stdout}`);
      samples.ruled.push(r.ms);
      samples.unruled.push((await timeRun(args, kinds.unruled)).ms);
    }
    const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)])) as Record<keyof typeof samples, ReturnType<typeof summarize>>;
    const line = (what: string, x: ReturnType<typeof summarize>) => [what, ms(x.median), ms(x.p95), ms(x.min), ms(x.max), String(x.n)];
    ctx.out('Wall time from spawn to exit (ms), database on a local disk, one registered agent and one rule.');
    ctx.out();
    ctx.out(
      table(
        ['what', 'median', 'p95', 'min', 'max', 'runs'],
        [
          line('`node -e 0` (Node start-up alone)', s.node),
          line('`hook`, Stop (state update)', s.stop),
          line('`hook`, PermissionRequest answered by a rule', s.ruled),
          line('`hook`, PermissionRequest, no rule matches', s.unruled),
        ],
      ),
    );
    const worst = Math.max(s.stop.p95, s.ruled.p95, s.unruled.p95);
    return [goal('agent-boss hook exits within 300 ms (p95 of every event kind)', `${ms(worst)} ms p95 (medians ${ms(s.stop.median)} / ${ms(s.ruled.median)} / ${ms(s.unruled.median)} ms; Node alone ${ms(s.node.median)} ms)`, worst < 300)];
  },
};
