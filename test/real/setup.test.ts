/**
 * A newcomer's setup, proven with the real Claude Code and a private HOME: the `claude mcp add` line
 * that `agent-boss setup claude` prints works as printed, `setup claude --write` merges into a
 * project's `.mcp.json` without touching the other server, the MCP prompts show in Claude Code's
 * slash-command menu, and `spawn_agent` starts the real Claude Code and types the ignite prompt.
 */
import { execa } from 'execa';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentText, startFakeModel, type FakeModel } from '../fixtures/fake-model.js';
import { claudeBinary, claudeEnv, runClaude, startClaudeCode, writeClaudeConfig } from '../helpers/claude-code.js';
import { textOf } from '../helpers/core.js';
import { CLI, stdioClient } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer } from '../helpers/tmux.js';
import { clearInput } from './scenarios.js';

const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
/** Whitespace runs as one space, so a text typed into Claude Code compares with what the model got. */
const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Runs the built `agent-boss ARGS` as a user without agent-boss on PATH would (absolute node and cli.js). */
async function agentBoss(args: string[], opts: { home: string; cwd: string; env?: Record<string, string> }) {
  return execa(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: opts.home, ...opts.env },
    extendEnv: false,
    reject: false,
  });
}

/** The words of a shell command line, split by the shell itself (as a user pasting it would run it). */
async function shellWords(line: string): Promise<string[]> {
  const r = await execa('sh', ['-c', `printf '%s\\0' ${line}`], { stdin: 'ignore' });
  return r.stdout.split('\0').filter((w, i, all) => i < all.length - 1 || w !== '');
}

describe('setup claude with the real claude mcp add / list', { timeout: 90_000 }, () => {
  let model: FakeModel;
  const dirs: { cleanup: () => void }[] = [];
  let home: string;
  let addProject: string;
  let writeProject: string;
  const mk = (prefix: string) => {
    const d = tempDir(prefix);
    dirs.push(d);
    return realpathSync(d.dir);
  };

  beforeAll(async () => {
    model = await startFakeModel();
    home = mk('boss-setup-home-');
    addProject = mk('boss-setup-add-');
    writeProject = mk('boss-setup-write-');
    writeClaudeConfig(home, { workDirs: [addProject, writeProject] });
  });
  afterAll(async () => {
    await model?.close();
    for (const d of dirs) d.cleanup();
  });

  it('the printed "claude mcp add" line, run as printed, gives a server that claude mcp list shows connected', async () => {
    const setup = await agentBoss(['setup', 'claude', '--space', 'web', '--agent', 'api-dev'], { home, cwd: addProject });
    expect(setup.exitCode, setup.stderr).toBe(0);
    const line = setup.stdout.split('\n').find((l) => l.startsWith('claude mcp add '));
    expect(line, setup.stdout).toBeDefined();
    // agent-boss is not on this PATH, so the line names this install's node and cli.js.
    expect(line).toBe(`claude mcp add agent-boss -- ${process.execPath} ${realpathSync(CLI)} stdio --space web --agent api-dev`);
    const words = await shellWords(line!);
    expect(words[0]).toBe('claude');
    const env = { home, cwd: addProject, modelUrl: model.url };
    const add = await runClaude(words.slice(1), env);
    expect(add.exitCode, add.stderr + add.stdout).toBe(0);
    const list = await runClaude(['mcp', 'list'], env);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^agent-boss: .*cli\.js stdio --space web --agent api-dev - ✔ Connected$/mu);
  });

  it('setup claude --write merges into .mcp.json next to another server, keeping it byte for byte; enabled, it connects', async () => {
    // Another server, formatted the way its author likes it.
    const other = '"other-tool": {\n      "command": "other-mcp",   "args": ["--flag",  "x"],\n      "env": { "OTHER_KEY": "1" }\n    }';
    const before = `{\n    "mcpServers": {\n    ${other}\n    }\n}\n`;
    const file = join(writeProject, '.mcp.json');
    writeFileSync(file, before);
    const setup = await agentBoss(['setup', 'claude', '--space', 'web', '--agent', 'api-dev', '--write', '--dir', writeProject], { home, cwd: writeProject });
    expect(setup.exitCode, setup.stderr).toBe(0);
    expect(setup.stderr).toMatch(/added server "agent-boss" to .*\.mcp\.json; kept 1 other server unchanged/);
    const after = readFileSync(file, 'utf8');
    // Every byte up to the end of the other server's entry is as it was.
    const otherEnd = before.indexOf(other) + other.length;
    expect(after.slice(0, otherEnd)).toBe(before.slice(0, otherEnd));
    const parsed = JSON.parse(after) as { mcpServers: Record<string, { command: string; args: string[] }> };
    expect(parsed.mcpServers['other-tool']).toEqual(JSON.parse(`{${other}}`)['other-tool']);
    expect(parsed.mcpServers['agent-boss']).toMatchObject({ command: process.execPath, args: [realpathSync(CLI), 'stdio', '--space', 'web', '--agent', 'api-dev'] });
    // Running it again changes nothing.
    const again = await agentBoss(['setup', 'claude', '--space', 'web', '--agent', 'api-dev', '--write', '--dir', writeProject], { home, cwd: writeProject });
    expect(again.exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(after);

    // Approved ahead, as the command's note says: enabledMcpjsonServers in .claude/settings.local.json
    // (the other server declined, so Claude Code does not ask about it at start).
    mkdirSync(join(writeProject, '.claude'), { recursive: true });
    writeFileSync(
      join(writeProject, '.claude', 'settings.local.json'),
      `${JSON.stringify({ enabledMcpjsonServers: ['agent-boss'], disabledMcpjsonServers: ['other-tool'] }, null, 2)}\n`,
    );
    const list = await runClaude(['mcp', 'list'], { home, cwd: writeProject, modelUrl: model.url });
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^agent-boss: .*cli\.js stdio --space web --agent api-dev - ✔ Connected$/mu);
  });

  it('the MCP prompts show in the slash-command menu as /agent-boss:ignite (MCP) and /agent-boss:check (MCP)', async () => {
    // Claude Code in the project written above: its .mcp.json server, approved in settings.local.json.
    const cc = await startClaudeCode({ modelUrl: model.url, workDir: writeProject });
    try {
      let screen = '';
      for (let attempt = 0; attempt < 3 && !/agent-boss:check/u.test(screen); attempt++) {
        await clearInput(cc);
        await cc.type('/agent-boss');
        // The menu lists an MCP server's prompts once the server has connected.
        screen = await cc.waitForScreen((s) => /\/agent-boss:ignite \(MCP\)/u.test(s) && /\/agent-boss:check \(MCP\)/u.test(s), 'the agent-boss prompts in the menu', 15_000).catch(
          (err: Error) => err.message,
        );
      }
      // One entry per line, the selected one marked with ❯, each with its description.
      expect(screen).toMatch(/^\s*(?:❯\s+)?\/agent-boss:ignite \(MCP\)\s+Start work as an agent/mu);
      expect(screen).toMatch(/^\s*(?:❯\s+)?\/agent-boss:check \(MCP\)\s+A short status sync/mu);
      await cc.keys('Escape');
      await clearInput(cc);
    } finally {
      await cc.stop();
    }
  });
});

describe('spawn_agent starts the real Claude Code and ignites it once its agent-boss tools connect', { timeout: 150_000 }, () => {
  /**
   * Spawns the real Claude Code as agent "ui-tests" of space "web" with `mcpServers` as its
   * --mcp-config (the harness's environment typed as the command), runs `check`, and cleans up.
   */
  async function withSpawn(mcpServers: (dataDir: string, tmuxSocket: string) => Record<string, unknown>, check: (ctx: { op: Awaited<ReturnType<typeof stdioClient>>; model: FakeModel; r: Awaited<ReturnType<Awaited<ReturnType<typeof stdioClient>>['call']>> }) => Promise<void>) {
    const model = await startFakeModel();
    const tmux = await createTmuxServer();
    const data = tempDir('boss-spawn-data-');
    const homeDir = tempDir('boss-spawn-home-');
    const workDir = tempDir('boss-spawn-work-');
    const home = realpathSync(homeDir.dir);
    const work = realpathSync(workDir.dir);
    writeClaudeConfig(home, { workDirs: [work] });
    const mcpConfig = join(data.dir, 'mcp.json');
    writeFileSync(mcpConfig, JSON.stringify({ mcpServers: mcpServers(data.dir, tmux.socketName) }));
    const op = await stdioClient(['--data-dir', data.dir, '--tmux-socket', tmux.socketName, '--space', 'web']);
    try {
      const env = claudeEnv(model.url, home);
      const command = [
        'env -i TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" TERM="$TERM"',
        ...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`),
        shellQuote(claudeBinary()),
        '--permission-mode manual',
        `--mcp-config ${shellQuote(mcpConfig)}`,
      ].join(' ');
      const r = await op.call('spawn_agent', { agent: 'ui-tests', work_dir: work, command, role: 'tester' });
      expect(r.isError, textOf(r)).toBeFalsy();
      await check({ op, model, r });
      const stop = await op.call('stop_agent', { agent: 'ui-tests' });
      expect(stop.isError, textOf(stop)).toBeFalsy();
    } finally {
      await op.close();
      await tmux.kill();
      await model.close();
      // Claude Code writes to its HOME while it exits.
      await new Promise((res) => setTimeout(res, 500));
      for (const d of [data, homeDir, workDir]) d.cleanup();
    }
  }

  it('answers ignited: true once its agent-boss server connected, and the first message the model gets is the ignite prompt for that agent', async () => {
    const boss = (dataDir: string, tmuxSocket: string) => ({
      boss: { command: process.execPath, args: [CLI, 'stdio', '--data-dir', dataDir, '--tmux-socket', tmuxSocket, '--agent', 'ui-tests', '--space', 'web'] },
    });
    await withSpawn(boss, async ({ op, model, r }) => {
      expect(r.structuredContent, textOf(r)).toMatchObject({ space: 'web', agent: 'ui-tests', session_id: 'web-ui-tests', ready: true, tools_reached: true, ignited: true });
      const first = await model.nextRequest({ afterSeq: 0, timeoutMs: 30_000 });
      expect(first.seq).toBe(1);
      const firstUser = (first.body.messages ?? []).find((m) => m.role === 'user');
      const got = squash(contentText(firstUser?.content));
      // The ignite prompt exactly as the server renders it for this agent (prompts/get).
      const prompt = await op.client.getPrompt({ name: 'ignite', arguments: { agent: 'ui-tests', space: 'web' } });
      const want = (prompt.messages[0]?.content as { type: string; text: string }).text;
      expect(want).toContain('You are **ui-tests**, an AI coding agent in the space **web**');
      expect(got).toContain(squash(want));
    });
  });

  it('a broken MCP config (the agent-boss command is not found) is a failed spawn: not ignited, the reason and the next step, nothing sent to the model', async () => {
    const broken = () => ({ boss: { command: '/nonexistent/bin/agent-boss', args: ['stdio'] } });
    await withSpawn(broken, async ({ op, model, r }) => {
      expect(r.structuredContent, textOf(r)).toMatchObject({ ready: true, tools_reached: false, ignited: false });
      expect(textOf(r)).toMatch(/Not ignited\. Its agent-boss tools did not connect within 20 s .*so the ignite prompt was not typed: .*To see why: \/mcp in its session .*Fix it, then stop_agent and spawn_agent again/);
      expect(model.requests).toHaveLength(0);
      const live = await op.call('list_liveness', {});
      expect((live.structuredContent as { agents: { agent: string; status: string; state: string }[] }).agents.find((a) => a.agent === 'ui-tests')).toMatchObject({ status: 'error', state: 'idle' });
    });
  });
});
