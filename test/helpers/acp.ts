/**
 * A hub (the built `agent-boss serve`) whose agents run headless over the Agent Client Protocol:
 * claude-agent-acp (pinned, scripts/ensure-claude-agent-acp.mjs) against the fake Messages API, or
 * `gemini --acp` with its fake-responses file, with a private HOME written as for the TUI, and an
 * operator MCP client over HTTP. close() stops every agent's runner (and so its program) and the hub.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
// @ts-expect-error -- a plain .mjs script without type declarations
import { CLAUDE_AGENT_ACP_VERSION, claudeAgentAcpBinary } from '../../scripts/ensure-claude-agent-acp.mjs';
import { claudeEnv, writeClaudeConfig } from './claude-code.js';
import { waitForExit } from './process-exit.js';
import { startServer, type RunningServer } from './server.js';
import { tempDir } from './tmp.js';

export { CLAUDE_AGENT_ACP_VERSION };

export function claudeAgentAcpPath(): string {
  const binary = claudeAgentAcpBinary() as string;
  if (!existsSync(binary)) {
    throw new Error(`claude-agent-acp ${CLAUDE_AGENT_ACP_VERSION as string} is not installed at ${binary}. Run "node scripts/ensure-claude-agent-acp.mjs" (npm test does it).`);
  }
  return binary;
}

export interface LivenessRowLike {
  space: string;
  agent: string;
  state: string;
  source: string;
  needs_approval: boolean;
  tool_name?: string;
  prompt_text?: string;
  prompt_id?: string;
  tool_input?: unknown;
  last_line?: string;
  backend: string;
  agent_kind: string;
  exists: boolean;
}

export interface AcpHub {
  server: RunningServer;
  client: Client;
  home: string;
  work: string;
  /** The environment the hub (and so every agent it starts) runs with. */
  env: Record<string, string>;
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult & { structuredContent?: Record<string, unknown> }>;
  /** A tool call that must succeed: its structured content. */
  ok(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The liveness rows of `space` (default: the default space). */
  rows(space?: string): Promise<LivenessRowLike[]>;
  /** The row of `agent` (`space/agent` for another space than the default). */
  waitForRow(agent: string, pred: (r: LivenessRowLike) => boolean, what: string, timeoutMs?: number): Promise<LivenessRowLike>;
  /** The pids of the runners alive now (from their state files). */
  runnerPids(): number[];
  /** Starts another hub on the same data directory and environment (after stopping this one). */
  restartHub(): Promise<void>;
  close(): Promise<void>;
}

export async function startAcpHub(opts: { env: (home: string) => Record<string, string>; workDirs?: string[] }): Promise<AcpHub> {
  const homeDir = tempDir('boss-acp-home-');
  const workDir = tempDir('boss-acp-work-');
  const dataDir = tempDir('boss-acp-data-');
  const home = realpathSync(homeDir.dir);
  const work = realpathSync(workDir.dir);
  writeClaudeConfig(home, { workDirs: [work, ...(opts.workDirs ?? [])] });
  const env = opts.env(home);
  const removeDirs = () => {
    homeDir.cleanup();
    workDir.cleanup();
    dataDir.cleanup();
  };
  let server: RunningServer;
  let client: Client;
  try {
    server = await startServer({ dataDir: dataDir.dir, env });
  } catch (err) {
    removeDirs();
    throw err;
  }
  try {
    client = await connect(server);
  } catch (err) {
    // A hub whose MCP endpoint does not answer is not left running.
    await server.stop();
    removeDirs();
    throw err;
  }

  async function connect(s: RunningServer): Promise<Client> {
    const c = new Client({ name: 'acp-test', version: '0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers: s.asOperator } }));
    return c;
  }
  const call: AcpHub['call'] = async (name, args) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as never;
  const ok: AcpHub['ok'] = async (name, args) => {
    const res = await call(name, args);
    if (res.isError) throw new Error(`${name} failed: ${JSON.stringify(res.content)}`);
    return res.structuredContent ?? {};
  };
  const rows = async (space?: string) => ((await ok('list_liveness', space === undefined ? {} : { space })).agents as LivenessRowLike[]) ?? [];
  const runnerPids = (): number[] => {
    const dir = join(dataDir.dir, 'acp');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => n.endsWith('.state.json'))
      .map((n) => (JSON.parse(readFileSync(join(dir, n), 'utf8')) as { runnerPid: number }).runnerPid)
      .filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
  };
  return {
    get server() {
      return server;
    },
    get client() {
      return client;
    },
    home,
    work,
    env,
    call,
    ok,
    rows,
    async waitForRow(agent, pred, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: LivenessRowLike | undefined;
      for (;;) {
        const [space, name] = agent.includes('/') ? agent.split('/') : [undefined, agent];
        last = (await rows(space)).find((r) => r.agent === name);
        if (last && pred(last)) return last;
        if (Date.now() > deadline) throw new Error(`${agent}: no ${what} within ${timeoutMs / 1000} s; last row ${JSON.stringify(last)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    runnerPids,
    async restartHub() {
      await client.close().catch(() => undefined);
      await server.stop();
      server = await startServer({ dataDir: dataDir.dir, env });
      client = await connect(server).catch(async (err: unknown) => {
        await server.stop();
        throw err;
      });
    },
    async close() {
      for (const r of await rows().catch(() => [] as LivenessRowLike[])) {
        if (r.backend === 'acp' && r.exists) await call('stop_agent', { space: r.space, agent: r.agent }).catch(() => undefined);
      }
      // Whatever a failed test left: end each runner (it ends its agent program) and wait for it.
      for (const pid of runnerPids()) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone already */
        }
        await waitForExit(pid, 10_000).catch(() => undefined);
      }
      await client.close().catch(() => undefined);
      await server.stop();
      homeDir.cleanup();
      workDir.cleanup();
      dataDir.cleanup();
    },
  };
}

/** The environment of a hub whose claude-code ACP agents use the fake model (claude-agent-acp on its PATH). */
export function claudeAcpEnv(modelUrl: string): (home: string) => Record<string, string> {
  const bin = dirname(claudeAgentAcpPath());
  return (home) => {
    const env = claudeEnv(modelUrl, home);
    return { ...env, PATH: `${bin}:${env.PATH}` };
  };
}
