import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BackendRegistry } from '../../src/backends/registry.js';
import { Coordinator, type Caller, type CoordinatorOptions } from '../../src/core/coordinator.js';
import { createHttpApp, type HttpAppDeps } from '../../src/http/app.js';
import { EventHub } from '../../src/http/events.js';
import { McpSessions } from '../../src/http/mcp-route.js';
import { OperatorAuth } from '../../src/http/operator.js';
import { createLogger } from '../../src/log.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeBackend } from './fake-terminal.js';

/** A coordinator over an in-memory database and a fake backend registered as "tmux". */
export function fakeCore(opts: Partial<CoordinatorOptions> = {}) {
  const db = openDatabase(':memory:');
  const store = new SqliteStore(db, { ...(opts.clock && { clock: opts.clock }) });
  const backend = new FakeBackend('tmux');
  const backends = new BackendRegistry([backend]);
  const coordinator = new Coordinator({ store, backends, ...opts });
  return { db, store, backend, backends, coordinator };
}

/**
 * The HTTP app over a fake core (routes tested with `app.request()`): its SSE hub polls every 20 ms,
 * and everything it logs is kept in `logs`.
 */
export function fakeHttp(opts: Partial<HttpAppDeps> = {}, core = fakeCore()) {
  const logs: string[] = [];
  const log = createLogger('debug', (l) => logs.push(l));
  const events = new EventHub(core.coordinator, undefined, 20);
  const mcp = new McpSessions({ coordinator: core.coordinator });
  const operator = new OperatorAuth(OPERATOR_KEY);
  const app = createHttpApp({ coordinator: core.coordinator, log, events, mcp, operator, ...opts });
  return { ...core, app, logs, events, mcp, operator };
}

/** The operator key of the test apps (fakeHttp, realHub): what `serve` keeps in `<data-dir>/operator.key`. */
export const OPERATOR_KEY = 'abo_test-operator-key-0123456789abcdefghijklmnopq';
/** Headers of a request made as the operator (its key as bearer token). */
export const AS_OPERATOR: Readonly<Record<string, string>> = Object.freeze({ Authorization: `Bearer ${OPERATOR_KEY}` });

/** A real SDK client connected in memory to createMcpServer over the given core. */
export async function connectClient(coordinator: Coordinator, caller: Caller = {}, readOnly = false) {
  const server = createMcpServer({ coordinator, caller, readOnly });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test', version: '0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { client, server, call, close: () => client.close() };
}

export const textOf = (r: CallToolResult): string =>
  r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
