import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposeGc, settledHeap } from '../helpers/gc.js';
import { realHub, type RealHub } from '../helpers/hub.js';
import { rawMcp } from '../helpers/mcp-raw.js';
import { startServer, type RunningServer } from '../helpers/server.js';

/**
 * A hub whose V8 heap is capped at 64 MB survives five back-to-back rounds of 200 concurrent MCP
 * HTTP sessions (open, three calls, DELETE): what every session builds identically is shared, and
 * nothing a closed session held stays reachable. The cap is the assertion (an out-of-memory hub
 * dies), so the test times nothing.
 */
const ROUNDS = 5;
const SESSIONS = 200;

/** One client's whole life: initialize, three calls, DELETE the session, close. */
async function oneSession(url: string, i: number): Promise<void> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { 'X-Agent-Name': `load-${i}`, 'X-Agent-Space': 'memory' } },
  });
  const client = new Client({ name: 'session-memory', version: '0' });
  await client.connect(transport);
  try {
    const tools = await client.listTools();
    expect(tools.tools.length).toBeGreaterThan(5);
    const live = (await client.callTool({ name: 'list_liveness', arguments: { space: 'memory' } })) as CallToolResult;
    expect(live.isError).toBeFalsy();
    const prompts = await client.listPrompts();
    expect(prompts.prompts.map((p) => p.name)).toContain('ignite');
    await transport.terminateSession();
  } finally {
    await client.close();
  }
}

const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('MCP HTTP sessions under a 64 MB heap cap', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ nodeArgs: ['--max-old-space-size=64'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`survives ${ROUNDS} rounds of ${SESSIONS} concurrent sessions and closes each one`, async () => {
    const rss: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const results = await Promise.allSettled(Array.from({ length: SESSIONS }, (_, i) => oneSession(server.url, round * SESSIONS + i)));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(failed.map((f) => String(f.reason)).slice(0, 3), `round ${round + 1}: ${failed.length} of ${SESSIONS} sessions failed; hub stderr:\n${server.stderr().slice(-2000)}`).toEqual([]);
      expect(server.proc.exitCode, `the hub exited in round ${round + 1}:\n${server.stderr().slice(-2000)}`).toBeNull();
      rss.push(rssMiB(server.proc.pid!));
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.stderr()).not.toMatch(/heap out of memory|Allocation failed/);
    console.log(`RSS after each round (MiB): ${rss.map((r) => r.toFixed(0)).join(', ')}`);
  }, 600_000);
});

describe('what an MCP HTTP session holds', () => {
  let hub: RealHub;
  let mcp: ReturnType<typeof rawMcp>;
  const gc = exposeGc();
  beforeAll(async () => {
    hub = await realHub();
    mcp = rawMcp(await hub.listen());
  });
  afterAll(async () => {
    await hub?.close();
  });
  const held = () => (hub.mcp as unknown as { sessions: Map<string, { server: object; transport: object }> }).sessions;

  it('keeps no answer once it is sent: 300 tools/list on one session leave its heap as it was', async () => {
    const s = await mcp.open();
    for (let i = 0; i < 20; i++) await mcp.request(s, 'tools/list');
    const before = await settledHeap(gc);
    for (let i = 0; i < 300; i++) await mcp.request(s, 'tools/list');
    const grown = (await settledHeap(gc)) - before;
    // One tools/list answer is ~30 KiB: keeping each would add ~9 MiB.
    expect(grown).toBeLessThan(1.5 * 2 ** 20);
    expect(await mcp.close(s)).toBe(200);
  });

  it('leaves nothing of a DELETEd session reachable: its server and transport are collected', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await mcp.open();
      await mcp.request(s, 'tools/call', { name: 'list_liveness', arguments: {} });
      await mcp.request(s, 'resources/subscribe', { uri: 'boss://protocol' });
      ids.push(s);
    }
    const refs = ids.flatMap((id) => {
      const s = held().get(id)!;
      return [new WeakRef(s.server), new WeakRef(s.transport)];
    });
    expect(refs).toHaveLength(40);
    for (const id of ids) expect(await mcp.close(id)).toBe(200);
    expect(hub.mcp.size).toBe(0);
    await settledHeap(gc);
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
  });
});
