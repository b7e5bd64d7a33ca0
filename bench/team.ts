/**
 * A team: 3 hubs × N agents (N = 100; 20 with --quick), each hub with its own private tmux server
 * standing in for a host, SQLite (the 3 hubs on one file: one machine) and PostgreSQL (one database,
 * 3 hosts) side by side. Measures reports/s (legacy status posts spread over the 3 hubs, 8 at a time),
 * the round trip of an action (capture_output over MCP) within a host and across hosts, and
 * list_liveness of every agent on one hub.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres } from '../test/helpers/postgres.js';
import { onCleanup } from './lib/cleanup.js';
import { httpClient, startServe, type McpClient, type ServeProcess } from './lib/cli.js';
import { goal, now, type Benchmark, type Goal } from './lib/harness.js';
import { median, ms, num, p95, table } from './lib/stats.js';
import { benchTempDir, REAL_TMUX } from './lib/tmux.js';

const HUBS = 3;

interface Team {
  hubs: ServeProcess[];
  clients: McpClient[];
  operator: string[];
  stop(): Promise<void>;
}

async function startTeam(label: string, agents: number, store: string | undefined): Promise<Team> {
  const hubs: ServeProcess[] = [];
  const sockets: string[] = [];
  const dataDirs: string[] = [];
  const shared = benchTempDir(`team-${label}`);
  for (let h = 0; h < HUBS; h++) {
    const socket = `bench-${process.pid}-team-${label}-${h}`;
    sockets.push(socket);
    onCleanup(`tmux ${socket}`, () => void execa(REAL_TMUX, ['-L', socket, 'kill-server'], { reject: false }));
    await execa(REAL_TMUX, ['-L', socket, '-f', '/dev/null', 'start-server', ';', 'set-option', '-g', 'exit-empty', 'off']);
    // SQLite: the hubs share one file (one machine); PostgreSQL: one database, a host each.
    const dataDir = store ? benchTempDir(`team-${label}-${h}`) : shared;
    dataDirs.push(dataDir);
    const extra = store ? ['--host-name', `host${h}`] : [];
    if (store) process.env.BOSS_STORE = store;
    try {
      hubs.push(await startServe({ dataDir, socket, extraArgs: extra }));
    } finally {
      delete process.env.BOSS_STORE;
    }
    for (let i = 0; i < agents; i++) await execa(REAL_TMUX, ['-L', socket, 'new-session', '-d', '-s', `h${h}-a${i}`, 'sleep 100000']);
  }
  const operator = dataDirs.map((dir) => readFileSync(join(dir, 'operator.key'), 'utf8').trim());
  // Each agent registered through the hub of its host.
  for (let h = 0; h < HUBS; h++) {
    for (let i = 0; i < agents; i++) {
      const r = await fetch(`${hubs[h]!.url}/spaces/team/ignition/h${h}-a${i}?session_id=h${h}-a${i}`, { headers: { Authorization: `Bearer ${operator[h]}` } });
      if (r.status !== 200) throw new Error(`registering h${h}-a${i}: ${r.status} ${await r.text()}`);
    }
  }
  const clients = await Promise.all(hubs.map((hub, h) => httpClient(hub.url, { Authorization: `Bearer ${operator[h]}` })));
  return {
    hubs,
    clients,
    operator,
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all(hubs.map((hub) => hub.stop()));
      for (const s of sockets) await execa(REAL_TMUX, ['-L', s, 'kill-server'], { reject: false });
    },
  };
}

async function reportsPerSecond(team: Team, agents: number, total: number): Promise<number> {
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let n = next++; n < total; n = next++) {
        const h = n % HUBS;
        const agent = `h${h}-a${n % agents}`;
        const r = await fetch(`${team.hubs[h]!.url}/spaces/team/agent/${agent}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${team.operator[h]}`, 'Content-Type': 'application/json', 'X-Agent-Name': agent },
          body: JSON.stringify({ status: 'active', summary: `report ${n}` }),
        });
        if (r.status !== 202) throw new Error(`report: ${r.status} ${await r.text()}`);
      }
    }),
  );
  return total / ((now() - t0) / 1000);
}

async function roundTrips(client: McpClient, agent: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const r = await client.call('capture_output', { space: 'team', agent, lines: 5 });
    if (r.isError) throw new Error(`capture_output ${agent}: ${JSON.stringify(r.content)}`);
    out.push(now() - t0);
  }
  return out;
}

async function livenessTimes(client: McpClient, n: number, expect: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const r = await client.call('list_liveness', { all_spaces: true });
    out.push(now() - t0);
    const rows = (r.structuredContent as { agents: unknown[] } | undefined)?.agents ?? [];
    if (rows.length !== expect) throw new Error(`list_liveness: ${rows.length} rows, expected ${expect}`);
  }
  return out;
}

export const team: Benchmark = {
  name: 'team',
  title: '3 hubs × 100 agents: reports/s, action round trip within and across hosts, list_liveness; SQLite vs PostgreSQL',
  async run(ctx) {
    const agents = ctx.quick ? 20 : 100;
    const reports = ctx.quick ? 300 : 1500;
    const trips = ctx.quick ? 20 : 60;
    const pg = await startPostgres();
    onCleanup('postgres', () => pg.stop());
    const rows: string[][] = [];
    const goals: Goal[] = [];
    try {
      for (const engine of ['SQLite', 'PostgreSQL'] as const) {
        ctx.note(`team: ${engine}, ${HUBS} hubs × ${agents} agents`);
        const t = await startTeam(engine.toLowerCase(), agents, engine === 'PostgreSQL' ? await pg.createDatabase() : undefined);
        try {
          const rps = await reportsPerSecond(t, agents, reports);
          const within = await roundTrips(t.clients[0]!, 'h0-a1', trips);
          // SQLite is one machine: every hub reaches every session; across hosts only exists with PostgreSQL.
          const across = engine === 'PostgreSQL' ? await roundTrips(t.clients[0]!, 'h1-a1', trips) : undefined;
          // Each host publishes its rows within a second of starting: wait until hub 0 sees them all.
          await new Promise((r) => setTimeout(r, 2_500));
          const live = await livenessTimes(t.clients[0]!, trips, HUBS * agents);
          rows.push([
            engine,
            num(rps),
            `${ms(median(within))} / ${ms(p95(within))}`,
            across ? `${ms(median(across))} / ${ms(p95(across))}` : 'n/a (one machine)',
            `${ms(median(live))} / ${ms(p95(live))}`,
          ]);
          if (engine === 'PostgreSQL') {
            goals.push(goal('PostgreSQL: action across hosts, median under 250 ms', `${ms(median(across!))} ms`, median(across!) < 250));
            goals.push(goal(`PostgreSQL: list_liveness of ${HUBS * agents} agents on ${HUBS} hosts, median under 500 ms`, `${ms(median(live))} ms`, median(live) < 500));
          }
        } finally {
          await t.stop();
        }
      }
    } finally {
      pg.stop();
    }
    ctx.out(table(['store', 'reports/s (8 at a time, 3 hubs)', 'action within a host, ms (median / p95)', 'action across hosts, ms (median / p95)', `list_liveness, ${HUBS * agents} agents, ms (median / p95)`], rows));
    return goals;
  },
};
