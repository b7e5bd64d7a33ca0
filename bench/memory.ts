/**
 * Memory of the HTTP hub (`agent-boss serve`): VmRSS idle, then with 100 agents registered on 100
 * live tmux sessions (50 idle fake Claude Code, 50 busy spinners) while the liveness monitor probes
 * them about once a second, sampled over ~5 s, plus the peak (VmHWM).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { goal, type Benchmark } from './lib/harness.js';
import { httpClient, memoryOf, ok, startServe, type McpClient, type ServeProcess } from './lib/cli.js';
import { num, summarize, table } from './lib/stats.js';
import { benchTempDir, mixedSpecs, TmuxServer } from './lib/tmux.js';

const SESSIONS = 100;
const IDLE_SETTLE_MS = 2_000;
const MONITOR_MS = 5_000;
const GOAL_MIB = 120;

export const memory: Benchmark = {
  name: 'memory',
  title: 'Memory (RSS) of the HTTP hub, idle and monitoring 100 sessions',
  async run(ctx) {
    const tmux = new TmuxServer('mem');
    const dataDir = join(benchTempDir('mem'), 'data');
    let serve: ServeProcess | undefined;
    let client: McpClient | undefined;
    try {
      ctx.note(`memory: starting ${SESSIONS} sessions`);
      await tmux.addSessions(mixedSpecs('mem-', 0, SESSIONS));
      serve = await startServe({ dataDir, socket: tmux.socket });
      await sleep(IDLE_SETTLE_MS);
      const idle = memoryOf(serve.pid);

      client = await httpClient(serve.url);
      for (const name of tmux.names) ok(await client.call('register_session', { space: 'bench', agent: name, session_id: name }), 'register_session');
      const rows = (ok(await client.call('list_liveness', { space: 'bench' }), 'list_liveness').structuredContent as { agents: { exists: boolean; state: string }[] })
        .agents;
      const alive = rows.filter((r) => r.exists).length;
      const idleRows = rows.filter((r) => r.state === 'idle').length;
      ctx.note(`memory: monitoring for ${MONITOR_MS} ms`);
      const samples: number[] = [];
      const end = Date.now() + MONITOR_MS;
      while (Date.now() < end) {
        await sleep(250);
        samples.push(memoryOf(serve.pid).rss);
      }
      const busy = memoryOf(serve.pid);
      const s = summarize(samples);
      ctx.out(`RSS of \`agent-boss serve\` (MiB). list_liveness saw ${rows.length} agents, ${alive} alive, ${idleRows} idle.`);
      ctx.out();
      ctx.out(
        table(
          ['state', 'VmRSS', 'peak (VmHWM) so far'],
          [
            [`idle (${IDLE_SETTLE_MS / 1000} s after start, no agents)`, num(idle.rss, 1), num(idle.hwm, 1)],
            [`${SESSIONS} sessions monitored, median over ${MONITOR_MS / 1000} s`, num(s.median, 1), ''],
            [`${SESSIONS} sessions monitored, max sample`, num(s.max, 1), num(busy.hwm, 1)],
          ],
        ),
      );
      return [
        goal(`RSS idle < ${GOAL_MIB} MB`, `${num(idle.rss, 1)} MiB`, idle.rss < GOAL_MIB),
        goal(`RSS with ${SESSIONS} sessions monitored < ${GOAL_MIB} MB`, `${num(s.max, 1)} MiB max (peak ${num(busy.hwm, 1)} MiB)`, s.max < GOAL_MIB && busy.hwm < GOAL_MIB),
      ];
    } finally {
      await client?.close().catch(() => undefined);
      await serve?.stop();
      tmux.close();
    }
  },
};
