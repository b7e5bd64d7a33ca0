import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { killTmuxServer, START_TEST_SERVER } from '../helpers/tmux.js';

/**
 * The package as a user gets it: `npm pack` of this checkout, installed globally into a temporary
 * prefix (no clone, no registry beyond npm's cache: `--prefer-offline`), then `agent-boss` from that
 * prefix's bin/ is run as an MCP stdio server by the SDK client.
 *
 * better-sqlite3 compiles from source on install (~90 s); the install skips scripts and copies this
 * checkout's compiled binding instead, so the test checks our package, not the compiler.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BINDING = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
const socket = `boss-e2e-pack-${process.pid}`;

describe('npm pack → install → agent-boss stdio', () => {
  let dir: string;
  let cleanup: () => void;
  let prefix: string;
  let tarball: string;
  let bin: string;
  const npm = (args: string[], cwd: string) =>
    execa('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });

  beforeAll(async () => {
    expect(existsSync(CLI), 'run "npm run build" first').toBe(true);
    ({ dir, cleanup } = tempDir('agent-boss-pack-'));
    prefix = join(dir, 'prefix');
    // dist/ is already built by the test run; --ignore-scripts keeps pack from building it again.
    const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, info[0]!.filename);
    const files = info[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/cli.js');
    expect(files).toContain('README.md');
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map'))).toBe(false);

    mkdirSync(prefix);
    await npm(['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', tarball], dir);
    const pkg = join(prefix, 'lib', 'node_modules', 'agent-boss-mcp');
    const release = join(pkg, 'node_modules', 'better-sqlite3', 'build', 'Release');
    mkdirSync(release, { recursive: true });
    copyFileSync(BINDING, join(release, 'better_sqlite3.node'));
    bin = join(prefix, 'bin', 'agent-boss');
  }, 240_000);

  afterAll(() => {
    killTmuxServer(socket);
    cleanup?.();
  });

  it('puts agent-boss on the prefix PATH and it runs from there', async () => {
    expect(readdirSync(join(prefix, 'bin'))).toContain('agent-boss');
    const r = await execa(bin, ['--version']);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('serves MCP over stdio to the SDK client', async () => {
    // As a user runs it: inside the agent's tmux pane (a bound agent registers the session it runs in).
    await execa('tmux', ['-L', socket, '-f', '/dev/null', ...START_TEST_SERVER, ';', 'new-session', '-d', '-s', 'packed-session', '-x', '80', '-y', '20']);
    const info = await execa('tmux', ['-L', socket, 'display-message', '-p', '-t', '=packed-session:', '#{socket_path},#{pid},0 #{pane_id}']);
    const [tmuxEnv, pane] = info.stdout.trim().split(' ');
    const transport = new StdioClientTransport({
      command: bin,
      args: ['stdio', '--data-dir', join(dir, 'data'), '--tmux-socket', socket, '--agent', 'packed'],
      env: { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: dir, TMUX: tmuxEnv!, TMUX_PANE: pane! },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'pack-test', version: '0' });
    await client.connect(transport);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('register_session');
      expect(names).toContain('list_liveness');
      const reg = (await client.callTool({ name: 'register_session', arguments: {} })) as CallToolResult;
      expect(reg.isError, JSON.stringify(reg.content)).toBeFalsy();
      expect(reg.structuredContent).toMatchObject({ agent: 'packed', session_id: 'packed-session' });
      const list = (await client.callTool({ name: 'list_liveness', arguments: {} })) as CallToolResult;
      const agents = (list.structuredContent as { agents: { agent: string; exists: boolean }[] }).agents;
      expect(agents.map((a) => [a.agent, a.exists])).toEqual([['packed', true]]);
    } finally {
      await client.close();
    }
  });

  it('setup claude prints a line that uses agent-boss from PATH', async () => {
    const r = await execa(bin, ['setup', 'claude', '--space', 'web', '--agent', 'api-dev'], {
      env: { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: dir },
      cwd: dir,
    });
    expect(r.stdout).toContain('claude mcp add agent-boss -- agent-boss stdio --space web --agent api-dev');
  });
});
