/**
 * `agent-boss setup codex|gemini`: the MCP server entry bound to an agent, as each program reads it,
 * merged into Codex's config.toml (table appended or replaced, every other byte kept) and Gemini's
 * settings.json.
 */
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { mergeTomlServer, programEntry } from '../../src/setup-programs.js';
import { CLI } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';

const where = { env: { PATH: '' }, cliPath: '/opt/boss/dist/cli.js', nodePath: '/usr/bin/node' };

describe('mergeTomlServer', () => {
  const entry = { command: 'agent-boss', args: ['stdio', '--agent', 'a'] };
  it('appends its table and keeps every byte of the file; the same entry again changes nothing', () => {
    const before = '# mine\nmodel = "o3"   # keep\n\n[mcp_servers.other]\ncommand = "x"\n';
    const r = mergeTomlServer(before, 'agent-boss', entry);
    expect(r.outcome).toBe('added');
    expect(r.text.startsWith(before)).toBe(true);
    expect(parse(r.text)).toMatchObject({ model: 'o3', mcp_servers: { other: { command: 'x' }, 'agent-boss': entry } });
    expect(mergeTomlServer(r.text, 'agent-boss', entry)).toEqual({ text: r.text, outcome: 'unchanged' });
  });

  it('replaces its own table with its sub-tables, and nothing else', () => {
    const before = 'a = 1\n[mcp_servers.agent-boss]\ncommand = "old"\n[mcp_servers.agent-boss.env]\nX = "1"\n\n[projects."/w"]\ntrust_level = "trusted"\n';
    const r = mergeTomlServer(before, 'agent-boss', entry);
    expect(r.outcome).toBe('replaced');
    expect(r.text).toBe(`a = 1\n[mcp_servers.agent-boss]\ncommand = "agent-boss"\nargs = [ "stdio", "--agent", "a" ]\n\n[projects."/w"]\ntrust_level = "trusted"\n`);
  });

  it('refuses a file that is not TOML, or whose entry is inline, changing nothing', () => {
    expect(() => mergeTomlServer('model = \n', 'agent-boss', entry)).toThrow(/not valid TOML/);
    expect(() => mergeTomlServer('mcp_servers = { agent-boss = { command = "x" } }\n', 'agent-boss', entry)).toThrow(/edit it by hand/);
  });
});

describe('programEntry', () => {
  it('a stdio server bound to the agent, for both programs', () => {
    const config = resolveConfig(['setup', 'codex', '--agent', 'dev', '--space', 'web'], {}, '/p');
    expect(programEntry('codex', config, where).entry).toEqual({ command: '/usr/bin/node', args: ['/opt/boss/dist/cli.js', 'stdio', '--space', 'web', '--agent', 'dev'] });
    expect(programEntry('gemini', config, where).entry).toEqual(programEntry('codex', config, where).entry);
  });

  it('HTTP to a hub: Codex names the token variable, Gemini expands it in a header', () => {
    const config = resolveConfig(['setup', 'gemini', '--hub', 'http://127.0.0.1:8899', '--agent', 'dev', '--token-env', 'BOSS_TOKEN'], {}, '/p');
    expect(programEntry('codex', config, where).entry).toEqual({ url: 'http://127.0.0.1:8899/mcp', http_headers: { 'X-Agent-Name': 'dev' }, bearer_token_env_var: 'BOSS_TOKEN' });
    expect(programEntry('gemini', config, where).entry).toEqual({ httpUrl: 'http://127.0.0.1:8899/mcp', headers: { 'X-Agent-Name': 'dev', Authorization: 'Bearer ${BOSS_TOKEN}' } });
  });
});

describe('agent-boss setup codex|gemini --write (the built CLI)', () => {
  it('merges into $CODEX_HOME/config.toml and <dir>/.gemini/settings.json, keeping what was there', async () => {
    const t = tempDir();
    try {
      const codexHome = join(t.dir, 'cx');
      mkdirSync(codexHome);
      writeFileSync(join(codexHome, 'config.toml'), 'model = "m"\n');
      mkdirSync(join(t.dir, '.gemini'));
      writeFileSync(join(t.dir, '.gemini', 'settings.json'), '{\n  "general": {"x": 1}\n}\n');
      const env = { HOME: t.dir, CODEX_HOME: codexHome, PATH: process.env.PATH ?? '' };
      const codex = await execa(process.execPath, [CLI, 'setup', 'codex', '--agent', 'dev', '--space', 'web', '--write'], { env, extendEnv: false, cwd: t.dir });
      expect(codex.stderr).toMatch(/added server "agent-boss" to .*config\.toml/);
      expect(parse(readFileSync(join(codexHome, 'config.toml'), 'utf8'))).toMatchObject({ model: 'm', mcp_servers: { 'agent-boss': { args: expect.arrayContaining(['stdio', '--agent', 'dev']) } } });
      const gemini = await execa(process.execPath, [CLI, 'setup', 'gemini', '--agent', 'dev', '--space', 'web', '--write', '--dir', t.dir], { env, extendEnv: false, cwd: t.dir });
      expect(gemini.stderr).toMatch(/added server "agent-boss" to .*settings\.json/);
      expect(JSON.parse(readFileSync(join(t.dir, '.gemini', 'settings.json'), 'utf8'))).toMatchObject({ general: { x: 1 }, mcpServers: { 'agent-boss': { args: expect.arrayContaining(['--agent', 'dev']) } } });
      const printed = await execa(process.execPath, [CLI, 'setup', 'codex', '--agent', 'dev'], { env, extendEnv: false, cwd: t.dir });
      expect(printed.stdout).toMatch(/^\[mcp_servers\.agent-boss\]$/m);
    } finally {
      t.cleanup();
    }
  });
});
