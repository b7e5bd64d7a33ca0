/**
 * Tool call latency and throughput of the built server, as MCP clients see it:
 * - `report_status` and `list_liveness` round trips over stdio and over Streamable HTTP (sequential
 *   calls, transports alternated in blocks), p50 / p95 / p99;
 * - `report_status` throughput over HTTP with 1, 8 and 32 concurrent clients (each its own MCP
 *   session, looping for a fixed time), then every accepted report checked durable in SQLite
 *   (`status_history` rows equal to the accepted count).
 * Each transport has its own data dir and its own private tmux server with 10 registered sessions
 * (5 idle fake Claude Code, 5 busy spinners): list_liveness probes them for real.
 */
import BetterSqlite3 from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { goal, now, type Benchmark, type Goal } from './lib/harness.js';
import { httpClient, ok, rawHttpClient, startServe, stdioClient, type McpClient, type ServeProcess } from './lib/cli.js';
import { ms, num, summarize, table, type Summary } from './lib/stats.js';
import { benchTempDir, mixedSpecs, TmuxServer } from './lib/tmux.js';

const SESSIONS = 10;
const ROUNDS = 10;
const QUICK_ROUNDS = 3;
const BLOCK = 50;
const QUICK_BLOCK = 20;
const WARMUP = 50;
const CONCURRENCY = [1, 8, 32] as const;
const THROUGHPUT_MS = 3_000;
const QUICK_THROUGHPUT_MS = 1_000;

type Transport = 'stdio' | 'http';

/** CPU time (user + system) a process has used, in ms, from /proc/PID/stat. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11], fields[12] = utime, stime (the 14th and 15th of the whole line), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
const ownCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
type Tool = 'report_status' | 'list_liveness';

interface ThroughputRow {
  client: 'sdk' | 'raw';
  k: number;
  accepted: number;
  failed: number;
  perSec: number;
  durable: number;
  lat: Summary;
  serverCpuPct: number;
  serverMsPerCall: number;
  clientMsPerCall: number;
}

/**
 * K clients, each its own MCP session, each looping report_status (as its own agent) for
 * `duration`; then the reports are counted in SQLite.
 */
async function throughput(serve: ServeProcess, dataDir: string, kind: 'sdk' | 'raw', k: number, duration: number, tag = ''): Promise<ThroughputRow> {
  const group = await Promise.all(
    Array.from({ length: k }, async () => {
      if (kind === 'raw') return rawHttpClient(serve.url);
      const c = await httpClient(serve.url);
      return { call: async (name: string, args: Record<string, unknown>) => !(await c.call(name, args)).isError, close: c.close };
    }),
  );
  const prefix = `tp${tag}-${kind}${k}-`;
  const names = group.map((_, i) => `${prefix}c${i}`);
  let accepted = 0;
  let failed = 0;
  const lats: number[] = [];
  try {
    // Warm-up (counted: these reports are durable too).
    await Promise.all(
      group.map(async (cl, i) => {
        for (let j = 0; j < 5; j++) (await cl.call('report_status', report(names[i]!, j))) ? accepted++ : failed++;
      }),
    );
    const t0 = now();
    const end = t0 + duration;
    const serverCpu0 = cpuMsOf(serve.pid);
    const clientCpu0 = ownCpuMs();
    let measured = 0;
    await Promise.all(
      group.map(async (cl, i) => {
        let j = 0;
        while (now() < end) {
          const s = now();
          if (await cl.call('report_status', report(names[i]!, ++j))) {
            accepted++;
            measured++;
            lats.push(now() - s);
          } else failed++;
        }
      }),
    );
    const elapsed = now() - t0;
    const serverCpu = cpuMsOf(serve.pid) - serverCpu0;
    const clientCpu = ownCpuMs() - clientCpu0;
    const db = new BetterSqlite3(join(dataDir, 'boss.db'), { readonly: true, fileMustExist: true });
    let durable = 0;
    try {
      durable = (db.prepare(`SELECT count(*) AS n FROM status_history WHERE agent LIKE ?`).get(`${prefix}%`) as { n: number }).n;
    } finally {
      db.close();
    }
    return {
      client: kind,
      k,
      accepted,
      failed,
      perSec: (measured / elapsed) * 1000,
      durable,
      lat: summarize(lats),
      serverCpuPct: (serverCpu / elapsed) * 100,
      serverMsPerCall: serverCpu / measured,
      clientMsPerCall: clientCpu / measured,
    };
  } finally {
    await Promise.all(group.map((cl) => cl.close().catch(() => undefined)));
  }
}

const report = (agent: string, i: number) => ({
  agent,
  status: 'active',
  summary: `Benchmark report ${i}`,
  branch: 'feat/bench',
  test_count: 42,
  items: ['wrote the harness', 'ran it'],
});

export const tools: Benchmark = {
  name: 'tools',
  title: 'Tool call latency (stdio, HTTP) and report_status throughput (HTTP)',
  async run(ctx) {
    const tmux: Record<Transport, TmuxServer> = { stdio: new TmuxServer('tools-stdio'), http: new TmuxServer('tools-http') };
    const dirs: Record<Transport, string> = { stdio: benchTempDir('tools-stdio'), http: benchTempDir('tools-http') };
    let serve: ServeProcess | undefined;
    const clients: McpClient[] = [];
    try {
      ctx.note('tools: starting sessions, servers');
      for (const t of ['stdio', 'http'] as const) await tmux[t].addSessions(mixedSpecs(`${t}-`, 0, SESSIONS));
      serve = await startServe({ dataDir: dirs.http, socket: tmux.http.socket });
      const c: Record<Transport, McpClient> = {
        stdio: await stdioClient(['--data-dir', dirs.stdio, '--tmux-socket', tmux.stdio.socket, '--space', 'bench', '--log-level', 'warn']),
        http: await httpClient(serve.url, { 'X-Agent-Space': 'bench' }),
      };
      clients.push(c.stdio, c.http);
      for (const t of ['stdio', 'http'] as const) {
        for (const name of tmux[t].names) ok(await c[t].call('register_session', { space: 'bench', agent: name, session_id: name }), 'register_session');
      }
      // Sanity: both see 10 live sessions, half idle.
      const seen: string[] = [];
      for (const t of ['stdio', 'http'] as const) {
        const rows = (ok(await c[t].call('list_liveness', { space: 'bench' }), 'list_liveness').structuredContent as { agents: { exists: boolean; state: string }[] }).agents;
        seen.push(`${t}: ${rows.length} agents, ${rows.filter((r) => r.exists).length} alive, ${rows.filter((r) => r.state === 'idle').length} idle`);
      }

      let seq = 0;
      const callOnce = async (t: Transport, tool: Tool) => {
        const args = tool === 'report_status' ? report('reporter', ++seq) : { space: 'bench' };
        const t0 = now();
        ok(await c[t].call(tool, args), tool);
        return now() - t0;
      };
      const kinds = (['stdio', 'http'] as const).flatMap((t) => (['report_status', 'list_liveness'] as const).map((tool) => ({ t, tool })));
      for (const k of kinds) for (let i = 0; i < WARMUP; i++) await callOnce(k.t, k.tool);
      const samples = new Map<string, number[]>(kinds.map((k) => [`${k.t} ${k.tool}`, []]));
      const rounds = ctx.quick ? QUICK_ROUNDS : ROUNDS;
      const block = ctx.quick ? QUICK_BLOCK : BLOCK;
      ctx.note(`tools: latency, ${rounds} rounds of ${block} calls per transport and tool`);
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? kinds : [...kinds].reverse();
        for (const k of order) for (let i = 0; i < block; i++) samples.get(`${k.t} ${k.tool}`)!.push(await callOnce(k.t, k.tool));
      }
      const lat = new Map<string, Summary>([...samples].map(([k, v]) => [k, summarize(v)]));

      ctx.out(`Round trip per call (ms), sequential calls from one client; ${seen.join('; ')}.`);
      ctx.out();
      ctx.out(
        table(
          ['transport', 'tool', 'p50', 'p95', 'p99', 'max', 'calls'],
          kinds.map((k) => {
            const s = lat.get(`${k.t} ${k.tool}`)!;
            return [k.t, k.tool, ms(s.median), ms(s.p95), ms(s.p99), ms(s.max), String(s.n)];
          }),
        ),
      );

      // Throughput over HTTP, with SDK clients (the goal) and with the raw load generator.
      const tp: ThroughputRow[] = [];
      const duration = ctx.quick ? QUICK_THROUGHPUT_MS : THROUGHPUT_MS;
      // A discarded run first, so neither kind of client meets a cold (un-JITted) server.
      await throughput(serve, dirs.http, 'raw', 8, duration, 'warm');
      for (const [i, k] of CONCURRENCY.entries()) {
        for (const client of i % 2 === 0 ? (['sdk', 'raw'] as const) : (['raw', 'sdk'] as const)) {
          ctx.note(`tools: throughput, ${k} ${client} clients for ${duration} ms`);
          tp.push(await throughput(serve, dirs.http, client, k, duration));
        }
      }
      tp.sort((a, b) => (a.client === b.client ? a.k - b.k : a.client === 'sdk' ? -1 : 1));
      ctx.out();
      ctx.out(
        `report_status throughput over HTTP: K clients in the bench process, each its own MCP session looping for ${duration} ms ("SDK Client", and "raw fetch": plain JSON-RPC POSTs, a lighter load generator); "durable" = status_history rows in SQLite for those agents afterwards (warm-up reports included in both counts); CPU from /proc for the server, process.cpuUsage() for the clients.`,
      );
      ctx.out();
      ctx.out(
        table(
          ['client', 'clients', 'reports/s', 'accepted', 'errors', 'durable rows', 'call p50', 'call p99', 'server CPU', 'server CPU ms/report', 'client CPU ms/report'],
          tp.map((r) => [
            r.client === 'sdk' ? 'SDK Client' : 'raw fetch',
            String(r.k),
            num(r.perSec),
            String(r.accepted),
            String(r.failed),
            `${r.durable}${r.durable === r.accepted ? ' (=)' : ' (≠!)'}`,
            ms(r.lat.median),
            ms(r.lat.p99),
            `${num(r.serverCpuPct)} %`,
            ms(r.serverMsPerCall),
            ms(r.clientMsPerCall),
          ]),
        ),
      );

      const goals: Goal[] = [];
      const p50 = (key: string) => lat.get(key)!.median;
      goals.push(goal('report_status over stdio: p50 < 2 ms', `${ms(p50('stdio report_status'))} ms (p99 ${ms(lat.get('stdio report_status')!.p99)})`, p50('stdio report_status') < 2));
      goals.push(goal('list_liveness over stdio (10 sessions): p50 < 2 ms', `${ms(p50('stdio list_liveness'))} ms (p99 ${ms(lat.get('stdio list_liveness')!.p99)})`, p50('stdio list_liveness') < 2));
      goals.push(goal('report_status over HTTP: p50 < 5 ms', `${ms(p50('http report_status'))} ms (p99 ${ms(lat.get('http report_status')!.p99)})`, p50('http report_status') < 5));
      goals.push(goal('list_liveness over HTTP (10 sessions): p50 < 5 ms', `${ms(p50('http list_liveness'))} ms (p99 ${ms(lat.get('http list_liveness')!.p99)})`, p50('http list_liveness') < 5));
      const at8 = tp.find((r) => r.k === 8 && r.client === 'sdk');
      const raw8 = tp.find((r) => r.k === 8 && r.client === 'raw');
      if (at8) {
        goals.push(
          goal(
            'report_status over HTTP: ≥ 2,000 reports/s at 8 clients',
            `${num(at8.perSec)} reports/s with SDK clients${raw8 ? `, ${num(raw8.perSec)} with raw fetch clients` : ''}`,
            at8.perSec >= 2000,
          ),
        );
      }
      const allDurable = tp.every((r) => r.durable === r.accepted && r.failed === 0);
      goals.push(goal('every accepted report durable in SQLite', tp.map((r) => `${r.durable}/${r.accepted}`).join(', '), allDurable));
      return goals;
    } finally {
      await Promise.all(clients.map((cl) => cl.close().catch(() => undefined)));
      await serve?.stop();
      tmux.stdio.close();
      tmux.http.close();
    }
  },
};
