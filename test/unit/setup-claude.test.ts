import { execa } from 'execa';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { mergeMcpServer } from '../../src/json-edit.js';
import { agentBossOnPath, claudeSetup } from '../../src/setup-claude.js';
import { CLI } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';

const ENTRY = { type: 'stdio', command: 'agent-boss', args: ['stdio', '--agent', 'a'], env: {} };

describe('mergeMcpServer', () => {
  it('creates a file when there is none', () => {
    const r = mergeMcpServer(undefined, 'agent-boss', ENTRY);
    expect(r.outcome).toBe('created');
    expect(JSON.parse(r.text)).toEqual({ mcpServers: { 'agent-boss': ENTRY } });
  });

  it('adds the server and keeps every other byte', () => {
    const before = `{\n    "mcpServers": {\n        "other":   {"command": "x",  "args": []}\n    },\n    "extra": [1,2]\n}\n`;
    const r = mergeMcpServer(before, 'agent-boss', ENTRY);
    expect(r.outcome).toBe('added');
    expect(r.others).toBe(1);
    const otherPart = `"other":   {"command": "x",  "args": []}`;
    expect(r.text.startsWith(`{\n    "mcpServers": {\n        ${otherPart},\n        "agent-boss": {\n            "type"`)).toBe(true);
    expect(r.text.endsWith(`\n    },\n    "extra": [1,2]\n}\n`)).toBe(true);
    expect(JSON.parse(r.text)).toEqual({ mcpServers: { other: { command: 'x', args: [] }, 'agent-boss': ENTRY }, extra: [1, 2] });
    // Idempotent: the same entry again changes nothing at all.
    const again = mergeMcpServer(r.text, 'agent-boss', ENTRY);
    expect(again.outcome).toBe('unchanged');
    expect(again.text).toBe(r.text);
  });

  it('replaces only its own entry, and adds mcpServers to a file without it', () => {
    const before = `{"a": 1, "mcpServers": {"agent-boss": {"command": "old"}, "z": {"url": "u"}}}`;
    const r = mergeMcpServer(before, 'agent-boss', ENTRY);
    expect(r.outcome).toBe('replaced');
    expect(r.text.startsWith(`{"a": 1, "mcpServers": {"agent-boss": {`)).toBe(true);
    expect(r.text.endsWith(`}, "z": {"url": "u"}}}`)).toBe(true);
    expect(JSON.parse(r.text).mcpServers['agent-boss']).toEqual(ENTRY);

    const none = mergeMcpServer(`{\n  "x": "y"\n}`, 'agent-boss', ENTRY);
    expect(none.text.startsWith(`{\n  "x": "y",\n  "mcpServers": {\n    "agent-boss": {`)).toBe(true);
    expect(JSON.parse(none.text)).toEqual({ x: 'y', mcpServers: { 'agent-boss': ENTRY } });
    expect(JSON.parse(mergeMcpServer('{}', 'n', ENTRY).text)).toEqual({ mcpServers: { n: ENTRY } });
    expect(JSON.parse(mergeMcpServer('{"mcpServers": {}}', 'n', ENTRY).text)).toEqual({ mcpServers: { n: ENTRY } });
  });

  it('handles strings with braces and escapes', () => {
    const before = `{"mcpServers": {"o": {"args": ["}\\"{", "]"]}}}`;
    const r = mergeMcpServer(before, 'n', ENTRY);
    expect(JSON.parse(r.text).mcpServers.o.args).toEqual(['}"{', ']']);
  });

  it('refuses what it cannot merge', () => {
    expect(() => mergeMcpServer('[1]', 'n', ENTRY)).toThrow(/not a JSON object/);
    expect(() => mergeMcpServer('{"mcpServers": 3}', 'n', ENTRY)).toThrow(/"mcpServers" is not an object/);
    expect(() => mergeMcpServer('{oops', 'n', ENTRY)).toThrow();
  });
});

describe('claudeSetup', () => {
  const where = { env: { PATH: '' }, cliPath: CLI, nodePath: '/usr/bin/node' };

  it('prints a stdio line with node and this cli when agent-boss is not on PATH', () => {
    const s = claudeSetup(resolveConfig(['setup', 'claude', '--space', 'web', '--agent', 'api dev'], {}), where);
    expect(s.addLine).toMatch(/^claude mcp add agent-boss -- \/usr\/bin\/node \S+\/dist\/cli\.js stdio --space web --agent 'api dev'$/);
    expect(s.entry).toMatchObject({ type: 'stdio', command: '/usr/bin/node', args: [expect.stringMatching(/cli\.js$/), 'stdio', '--space', 'web', '--agent', 'api dev'] });
  });

  it('uses agent-boss when PATH leads to this very cli', () => {
    const { dir, cleanup } = tempDir();
    try {
      symlinkSync(CLI, join(dir, 'agent-boss'));
      chmodSync(CLI, 0o755);
      expect(agentBossOnPath({ PATH: dir }, CLI)).toBe(join(dir, 'agent-boss'));
      const s = claudeSetup(resolveConfig(['setup', 'claude', '--agent', 'a'], {}), { ...where, env: { PATH: dir } });
      expect(s.addLine).toBe('claude mcp add agent-boss -- agent-boss stdio --agent a');
      // Another program called agent-boss earlier on PATH is not ours.
      const other = join(dir, 'other');
      mkdirSync(other);
      writeFileSync(join(other, 'agent-boss'), '#!/bin/sh\n');
      chmodSync(join(other, 'agent-boss'), 0o755);
      expect(agentBossOnPath({ PATH: `${other}:${dir}` }, CLI)).toBeUndefined();
    } finally {
      cleanup();
    }
  });

  it('prints an HTTP line with the agent and token headers', () => {
    const s = claudeSetup(resolveConfig(['setup', 'claude', '--hub', 'http://127.0.0.1:8899', '--agent', 'api-dev', '--space', 'web', '--token-env', 'BOSS_TOKEN'], {}), where);
    expect(s.addLine).toBe(
      'claude mcp add --transport http agent-boss http://127.0.0.1:8899/mcp --header "X-Agent-Name: api-dev" --header "X-Agent-Space: web" --header "Authorization: Bearer $BOSS_TOKEN"',
    );
    expect(s.entry).toEqual({
      type: 'http',
      url: 'http://127.0.0.1:8899/mcp',
      headers: { 'X-Agent-Name': 'api-dev', 'X-Agent-Space': 'web', Authorization: 'Bearer ${BOSS_TOKEN}' },
    });
  });
});

describe('agent-boss setup claude --write', () => {
  it('merges into .mcp.json, keeps other servers byte for byte, and is idempotent', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const other = `{\n  "mcpServers": {\n    "keep-me": { "command": "x", "args": ["--y"] }\n  }\n}\n`;
      writeFileSync(join(dir, '.mcp.json'), other);
      const run = () => execa(process.execPath, [CLI, 'setup', 'claude', '--agent', 'api-dev', '--write', '--dir', dir], { env: { PATH: '' }, extendEnv: false });
      const first = await run();
      // After --write it says what it wrote where, and only that: not the alternatives of the printing form.
      expect(first.stdout).toBe('');
      expect(first.stderr).not.toMatch(/Either add it|claude mcp add/);
      expect(first.stderr).toMatch(/added server "agent-boss" to .*\.mcp\.json; kept 1 other server unchanged \(a stdio server bound to agent "api-dev", database .*boss\.db\)/);
      expect(first.stderr).toMatch(/Then check it: claude mcp list$/);
      const after = readFileSync(join(dir, '.mcp.json'), 'utf8');
      expect(after.startsWith(`{\n  "mcpServers": {\n    "keep-me": { "command": "x", "args": ["--y"] },\n    "agent-boss": {`)).toBe(true);
      expect(JSON.parse(after).mcpServers['agent-boss'].args).toEqual([expect.stringMatching(/cli\.js$/), 'stdio', '--agent', 'api-dev']);
      const second = await run();
      expect(second.stderr).toMatch(/already has this server "agent-boss"; nothing changed/);
      expect(readFileSync(join(dir, '.mcp.json'), 'utf8')).toBe(after);
    } finally {
      cleanup();
    }
  });

  it('leaves a file it cannot parse alone and says so', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, '.mcp.json'), '{ not json');
      const r = await execa('node', [CLI, 'setup', 'claude', '--write', '--dir', dir], { reject: false });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/\.mcp\.json was not changed: .*Fix the file/);
      expect(readFileSync(join(dir, '.mcp.json'), 'utf8')).toBe('{ not json');
    } finally {
      cleanup();
    }
  });
});
