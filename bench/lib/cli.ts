/**
 * The built CLI (`dist/cli.js`) as the benchmarks run it: the HTTP hub (`serve --port 0`) and stdio
 * servers, connected with the SDK client; and a process's memory from /proc.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { assertBuilt, CLI, spawnServe } from '../../test/helpers/cli.js';
import { onCleanup } from './cleanup.js';

export { assertBuilt, CLI } from '../../test/helpers/cli.js';

/** Environment for the servers: no TMUX/TMUX_PANE of the shell the bench runs in. */
function serverEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'TMUX' && k !== 'TMUX_PANE') env[k] = v;
  return env;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export interface ServeProcess {
  url: string;
  pid: number;
  proc: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** `agent-boss serve --port 0 …`; resolves once it printed its URL (bounded). */
export async function startServe(options: { dataDir: string; socket: string; extraArgs?: string[] }): Promise<ServeProcess> {
  assertBuilt();
  const { proc, url, stderr } = await spawnServe(
    ['--data-dir', options.dataDir, '--tmux-socket', options.socket, '--log-level', 'warn', ...(options.extraArgs ?? [])],
    serverEnv(),
    15_000,
  );
  const pid = proc.pid!;
  const release = onCleanup(`kill serve ${pid}`, () => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  return {
    url,
    pid,
    proc,
    stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 6_000);
        await exited;
        clearTimeout(timer);
      }
      release();
    },
  };
}

export interface McpClient {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
  pid?: number;
}

const wrap = (client: Client, close: () => Promise<void>, pid?: number): McpClient => ({
  client,
  call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
  close,
  ...(pid !== undefined && { pid }),
});

/** An MCP client over Streamable HTTP (operator unless headers name an agent). */
export async function httpClient(url: string, headers: Record<string, string> = {}): Promise<McpClient> {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers } });
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(transport);
  return wrap(client, async () => {
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  });
}

/** `agent-boss stdio …` spawned by the SDK's stdio transport, connected. */
export async function stdioClient(args: string[]): Promise<McpClient> {
  assertBuilt();
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'stdio', ...args], env: serverEnv(), stderr: 'pipe' });
  transport.stderr?.on('data', () => undefined); // drained, not shown
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(transport);
  const pid = transport.pid ?? undefined;
  const release = onCleanup(`kill stdio ${pid}`, () => {
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  });
  return wrap(
    client,
    async () => {
      await client.close();
      release();
    },
    pid,
  );
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** A tool result that is not an error, or throws with its text. */
export function ok(result: CallToolResult, what: string): CallToolResult {
  if (result.isError) {
    const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ');
    throw new Error(`${what} failed: ${text}`);
  }
  return result;
}

/**
 * A minimal MCP-over-HTTP client: initialize, then `tools/call` as plain fetch POSTs, the answer
 * read as text (JSON or one SSE event). A lighter load generator than the SDK client, so a
 * throughput run on a small machine measures the server more than the client.
 */
export async function rawHttpClient(url: string): Promise<{ call(name: string, args: Record<string, unknown>): Promise<boolean>; close(): Promise<void> }> {
  const endpoint = new URL('/mcp', url);
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await fetch(endpoint, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench-raw', version: '0' } },
    }),
  });
  const sessionId = init.headers.get('mcp-session-id');
  const text = await init.text();
  if (!sessionId || !text.includes('"result"')) throw new Error(`initialize failed: ${init.status} ${text}`);
  const headers = { ...base, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
  await (await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  let id = 0;
  return {
    async call(name, args) {
      const res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name, arguments: args } }) });
      const body = await res.text();
      return res.ok && body.includes('"result"') && !body.includes('"isError":true');
    },
    async close() {
      await fetch(endpoint, { method: 'DELETE', headers }).then((r) => r.text()).catch(() => undefined);
    },
  };
}
