import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/fake-agent.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';

/** What `agent-boss serve` tells a newcomer: where things are, how to connect, and what happens. */
describe('agent-boss serve startup text and activity log', () => {
  let server: RunningServer;
  // No tmux server runs on this socket: the hub must say so rather than look healthy.
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('prints where MCP, events, health, the database and the tmux server are, and the connect lines', async () => {
    await waitFor(() => server.stderr().includes('claude mcp add agent-boss -- '), 5000, 'startup text');
    const out = server.stderr();
    expect(out).toMatch(new RegExp(`^agent-boss listening on ${server.url}\\n`));
    expect(out).toContain(`MCP           ${server.url}/mcp`);
    expect(out).toContain(`events        ${server.url}/events`);
    expect(out).toContain(`health        ${server.url}/healthz`);
    expect(out).toContain(`database      ${server.dataDir}/boss.db`);
    expect(out).toContain(`tmux          watching socket "${server.tmuxSocket}" (tmux -L ${server.tmuxSocket})`);
    // Both lines bind the same agent in the same space (the hub's default, named in X-Agent-Space).
    expect(out).toContain(`claude mcp add --transport http agent-boss ${server.url}/mcp --header "X-Agent-Name: api-dev" --header "X-Agent-Space: default"\n`);
    expect(out).toMatch(new RegExp(`claude mcp add agent-boss -- .* stdio --space default --agent api-dev --data-dir ${server.dataDir} --tmux-socket ${server.tmuxSocket}\\n`));
    expect(out).not.toContain('BOSS_TOKEN');
  });

  it('reports a tmux socket without a server in /healthz', async () => {
    const r = await fetch(`${server.url}/healthz`);
    expect(await r.json()).toMatchObject({ ok: true, db: 'ok', tmux: `no tmux server is running on socket "${server.tmuxSocket}" (tmux -L ${server.tmuxSocket})` });
  });

  it('logs one line per registration, report and send, and refusals', async () => {
    const connect = async (headers: Record<string, string>) => {
      const c = new Client({ name: 'startup-test', version: '0' });
      await c.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
      return c;
    };
    const client = await connect({ 'X-Agent-Name': 'api-dev' });
    const operator = await connect(server.asOperator);
    try {
      const call = async (name: string, args: Record<string, unknown>, as = client) => (await as.callTool({ name, arguments: args })) as CallToolResult;
      // A hub cannot see the agent's pane: the agent alone may not claim a session, the operator registers it.
      expect((await call('register_session', { session_id: 'web-api-dev' })).isError).toBe(true);
      expect((await call('register_session', { agent: 'api-dev', session_id: 'web-api-dev' }, operator)).isError).toBeFalsy();
      expect((await call('report_status', { status: 'active', summary: 'line one, line two' })).isError).toBeFalsy();
      const sent = await call('send_input', { agent: 'api-dev', text: 'hi' });
      expect(sent.isError).toBe(true);
      const refused = await call('report_status', { agent: 'someone-else', status: 'idle', summary: 'x' });
      expect(refused.isError).toBe(true);
    } finally {
      await client.close();
      await operator.close();
    }
    await waitFor(() => server.stderr().includes('cannot post to'), 5000, 'refusal line');
    const lines = server.stderr().split('\n');
    expect(lines.some((l) => /^agent-boss info: refused: agent "api-dev" cannot register session "web-api-dev" for "api-dev"/.test(l))).toBe(true);
    expect(lines).toContain('agent-boss info: registered "api-dev" in "default" on tmux session "web-api-dev" (by operator)');
    expect(lines).toContain('agent-boss info: report from "api-dev" in "default": active "line one, line two" (by agent "api-dev")');
    expect(lines.some((l) => /^agent-boss info: refused: agent "api-dev" cannot post to "someone-else"'s channel/.test(l))).toBe(true);
  });
});

/** The connect lines `serve` prints work when run as printed, by a shell, with a token too. */
describe('agent-boss serve connect lines, run as printed', () => {
  const TOKEN = '0123456789abcdef0123';
  /** The printed lines from `Connect a Claude Code agent` up to the stdio alternative. */
  const connectLines = (out: string): string[] => {
    const lines = out.split('\n');
    const from = lines.findIndex((l) => l.startsWith('Connect a Claude Code agent'));
    const to = lines.findIndex((l) => l.startsWith('or give it its own stdio server'));
    return lines.slice(from + 1, to).map((l) => l.trim());
  };
  /** The printed curl line that fetches the ignition text, with curl asked to fail on an HTTP error. */
  const curlLine = (out: string): string => /An agent without MCP fetches its instructions: (curl .*)$/m.exec(out)![1]!.replace(/^curl -s /, 'curl -sf ');

  it.each([
    ['--space web --token (BOSS_TOKEN unset)', ['--space', 'web', '--token', TOKEN], {}, 'web'],
    ['BOSS_TOKEN in the environment', [], { BOSS_TOKEN: TOKEN }, 'default'],
    ['--auth agents', ['--auth', 'agents', '--token', TOKEN], {}, 'default'],
  ] as const)('with %s', async (_what, args, env, space) => {
    const server = await startServer({ args: [...args], env });
    try {
      await waitFor(() => server.stderr().includes('An agent without MCP'), 5000, 'startup text');
      const out = server.stderr();
      const setup = connectLines(out);
      const add = setup.pop()!;
      expect(add).toContain(`--header "X-Agent-Name: api-dev" --header "X-Agent-Space: ${space}"`);
      // The secret itself is never printed.
      expect(out).not.toContain(TOKEN);
      const variable = (args as readonly string[]).includes('agents') ? 'AGENT_TOKEN' : 'BOSS_TOKEN';
      expect(add).toMatch(new RegExp(`--header "Authorization: Bearer \\$${variable}"$`));
      if ('BOSS_TOKEN' in env) expect(setup).toEqual([`# in a shell where BOSS_TOKEN holds the hub's token (as in the one that started it)`]);
      else expect(setup).toHaveLength(1);
      // What a user does: the printed set-up line (pasting the token when asked), then the printed curl line, in a clean shell.
      const script = [...setup, curlLine(out)].join('\n');
      const shellEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env };
      const run = await execa('bash', ['-c', script], { input: `${TOKEN}\n`, env: shellEnv, extendEnv: false, reject: false });
      expect(run.exitCode, `${script}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('api-dev');
      if ((args as readonly string[]).includes('agents')) {
        // The agent's own token registered the session the line names (the one spawn_agent gives it).
        const rows = (await (await fetch(`${server.url}/api/session-status?space=default`, { headers: server.asOperator })).json()) as { agent?: string; name?: string; session_id?: string }[] | Record<string, unknown>;
        expect(JSON.stringify(rows)).toContain('"session_id":"default-api-dev"');
        expect(curlLine(out)).toContain('session_id=default-api-dev');
      }
      // Without the set-up line the same curl is refused: the line is what makes it work.
      if (!('BOSS_TOKEN' in env)) {
        const bare = await execa('bash', ['-c', curlLine(out)], { env: shellEnv, extendEnv: false, reject: false });
        expect(bare.exitCode).not.toBe(0);
      }
    } finally {
      await server.stop();
    }
  });
});

describe('agent-boss serve: the token out of the command line', () => {
  const TOKEN = 'fedcba9876543210fedcba';

  it('warns when the token is given with --token (every local user sees a command line), not from a file or BOSS_TOKEN', async () => {
    const t = tempDir();
    const file = join(t.dir, 'hub.token');
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const warning = /--token on the command line is visible to every local user/;
    try {
      for (const [args, env, warns] of [
        [['--token', TOKEN], {}, true],
        [['--token-file', file], {}, false],
        [[], { BOSS_TOKEN_FILE: file }, false],
        [[], { BOSS_TOKEN: TOKEN }, false],
      ] as const) {
        const server = await startServer({ args: [...args], env });
        try {
          await waitFor(() => server.stderr().includes('An agent without MCP'), 5000, 'startup text');
          const out = server.stderr();
          expect(warning.test(out), `${args.join(' ')} ${JSON.stringify(env)}`).toBe(warns);
          expect(out).not.toContain(TOKEN);
          // The file's token is the hub's token; without it every route but /healthz is refused.
          expect((await fetch(`${server.url}/api/session-status`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
          expect((await fetch(`${server.url}/api/session-status`)).status).toBe(401);
          if ((args as readonly string[]).includes('--token-file')) {
            const setup = /^\s*(export BOSS_TOKEN=\$\(head -n 1 .*\)).*$/m.exec(out);
            expect(setup, out).not.toBeNull();
            const run = await execa('bash', ['-c', `${setup![1]}; printf %s "$BOSS_TOKEN"`], { reject: false });
            expect(run.stdout).toBe(TOKEN);
          }
        } finally {
          await server.stop();
        }
      }
    } finally {
      t.cleanup();
    }
  }, 60_000);
});
