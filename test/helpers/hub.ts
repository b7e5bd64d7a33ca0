import { agentHooksCatalog } from '../../src/agents/hooks.js';
import { createAdaptorServer } from '@hono/node-server';
import type { Database } from 'better-sqlite3';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { BackendRegistry } from '../../src/backends/registry.js';
import { TmuxSessionBackend } from '../../src/backends/tmux/tmux-backend.js';
import { Coordinator } from '../../src/core/coordinator.js';
import { HookView } from '../../src/core/hook-view.js';
import { createHttpApp } from '../../src/http/app.js';
import { EventHub } from '../../src/http/events.js';
import { McpSessions } from '../../src/http/mcp-route.js';
import { OperatorAuth } from '../../src/http/operator.js';
import { OPERATOR_KEY } from './core.js';
import { KEEP_ALIVE_MS } from '../../src/http/serve.js';
import { createLogger } from '../../src/log.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteHookStore } from '../../src/store/hooks-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { tools } from '../../src/tools/index.js';
import { createTmuxServer, type TmuxTestServer } from './tmux.js';
import { tempDir } from './tmp.js';

export interface HubOptions {
  token?: string;
  /** `--auth agents` (needs token). */
  agentAuth?: boolean;
  defaultSpace?: string;
  defaultAgent?: string;
  /** EventHub poll interval and per-subscriber byte bound. */
  pollMs?: number;
  maxBufferedBytes?: number;
}

/**
 * The hub's parts, real and wired as `createRuntime` wires them for `agent-boss serve` (the hook
 * store included): a SQLite file in a temp dir, the tmux backend on a private tmux server, the core
 * and the HTTP app. `listen()` serves the app on a loopback port (as `agent-boss serve`
 * does) for tests that need a real socket.
 */
export async function realHub(opts: HubOptions = {}) {
  const tmp = tempDir('boss-hub-');
  const dbPath = join(tmp.dir, 'boss.db');
  const db = openDatabase(dbPath);
  const store = new SqliteStore(db);
  const tmux: TmuxTestServer = await createTmuxServer();
  const backend = new TmuxSessionBackend({
    socketName: tmux.socketName,
    configFile: '/dev/null',
    submitSettleMs: 50,
    mcpToolTitles: new Map(tools.map((t) => [t.title, t.name])),
  });
  const backends = new BackendRegistry([backend]);
  // Loaded only when used, so the other tests run against a build without agent tokens too.
  const tokens = opts.agentAuth ? new (await import('../../src/store/agent-tokens.js')).SqliteAgentTokens(db) : undefined;
  const coordinator = new Coordinator({
    store,
    backends,
    env: {},
    // As createRuntime wires it for serve and stdio: the hook store is always there.
    hooks: new HookView(new SqliteHookStore(db), agentHooksCatalog),
    ...(opts.defaultSpace !== undefined && { defaultSpace: opts.defaultSpace }),
    ...(opts.defaultAgent !== undefined && { defaultAgent: opts.defaultAgent }),
    ...(tokens !== undefined && { agentTokens: tokens }),
  });
  const logs: string[] = [];
  const log = createLogger('debug', (l) => logs.push(l));
  const events = new EventHub(store, log, opts.pollMs ?? 20, 15_000, opts.maxBufferedBytes);
  const mcp = new McpSessions({ coordinator, log });
  const app = createHttpApp({
    coordinator,
    log,
    events,
    mcp,
    ...(opts.token !== undefined && { token: opts.token }),
    ...(tokens !== undefined && { agentTokens: tokens }),
    operator: new OperatorAuth(OPERATOR_KEY),
  });
  let server: Server | undefined;
  return {
    dir: tmp.dir,
    dbPath,
    db,
    store,
    tmux,
    backend,
    coordinator,
    tokens,
    events,
    mcp,
    app,
    logs,
    /** Every table but `leases` (renewed by the monitor), as rows, for "nothing changed" checks. */
    snapshot: () => snapshot(db),
    /** Serves the app on 127.0.0.1 and resolves with its base URL. */
    async listen(): Promise<string> {
      server = createAdaptorServer({ fetch: app.fetch }) as Server;
      server.keepAliveTimeout = KEEP_ALIVE_MS;
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      events.close();
      await mcp.close();
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await backend.close();
      await tmux.kill();
      db.close();
      tmp.cleanup();
    },
  };
}

export type RealHub = Awaited<ReturnType<typeof realHub>>;

/** The contents of every table but `leases`, in rowid order. */
export function snapshot(db: Database): Record<string, unknown[]> {
  const tables = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'leases' ORDER BY name`)
    .all() as { name: string }[];
  return Object.fromEntries(tables.map((t) => [t.name, db.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`).all()]));
}
