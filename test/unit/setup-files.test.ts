import { execa } from 'execa';
import { claudeCodeHooks } from '../../src/agents/claude-code/hooks.js';
import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, mergeMcpServer } from '../../src/json-edit.js';
import { hookEntries } from '../../src/hooks/setup-command.js';
import { mergeHookSettings } from '../../src/hooks/settings-merge.js';
import { CLI } from '../helpers/stdio-client.js';
import { tempDir } from '../helpers/tmp.js';

/** What the two setup writers do to the user's files: the built CLI on real files. */

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
const dir = (): string => {
  const t = tempDir('agent-boss-setup-files-');
  cleanups.push(t.cleanup);
  return t.dir;
};
const env = (home: string) => ({ PATH: '', HOME: home });
const claude = (project: string, ...args: string[]) =>
  execa(process.execPath, [CLI, 'setup', 'claude', '--write', '--dir', project, ...args], { env: env(project), extendEnv: false, reject: false });
const hooks = (project: string, ...args: string[]) =>
  execa(process.execPath, [CLI, 'setup', 'hooks', '--write', '--project', project, '--data-dir', join(project, 'db'), ...args], {
    cwd: project,
    env: env(project),
    extendEnv: false,
    reject: false,
  });
const mode = (f: string) => statSync(f).mode & 0o777;
/** One line on stderr, naming the file, no stack trace. */
const oneLine = (stderr: string, file: string) => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toContain(file);
  expect(stderr).not.toMatch(/\n\s+at /);
};

describe('setup claude --write and setup hooks --write keep the user file intact', () => {
  it('keep a private file private', async () => {
    const p = dir();
    const mcp = join(p, '.mcp.json');
    writeFileSync(mcp, '{"mcpServers": {"other": {"url": "http://x", "headers": {"Authorization": "Bearer secret"}}}}\n');
    chmodSync(mcp, 0o600);
    expect((await claude(p)).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(mcp, 'utf8')).mcpServers['agent-boss']).toBeDefined();
    expect(mode(mcp)).toBe(0o600);

    const settings = join(p, '.claude', 'settings.json');
    mkdirSync(join(p, '.claude'));
    writeFileSync(settings, '{}\n');
    chmodSync(settings, 0o640);
    expect((await hooks(p)).exitCode).toBe(0);
    expect(mode(settings)).toBe(0o640);
  });

  it('refuse a read-only file in one line and leave it as it was', async () => {
    const p = dir();
    const mcp = join(p, '.mcp.json');
    writeFileSync(mcp, '{}\n');
    chmodSync(mcp, 0o444);
    const r = await claude(p);
    expect(r.exitCode).toBe(1);
    oneLine(r.stderr, mcp);
    expect(r.stderr).toMatch(/read-only .*chmod u\+w/);
    expect(readFileSync(mcp, 'utf8')).toBe('{}\n');
    expect(mode(mcp)).toBe(0o444);

    mkdirSync(join(p, '.claude'));
    const settings = join(p, '.claude', 'settings.json');
    writeFileSync(settings, '{}\n');
    chmodSync(settings, 0o400);
    const h = await hooks(p);
    expect(h.exitCode).toBe(1);
    oneLine(h.stderr, settings);
    expect(readFileSync(settings, 'utf8')).toBe('{}\n');
    expect(mode(settings)).toBe(0o400);
  });

  it('write through a symbolic link (a dotfiles repository) and keep the link', async () => {
    const p = dir();
    const dotfiles = join(p, 'dotfiles');
    mkdirSync(dotfiles);
    writeFileSync(join(dotfiles, 'mcp.json'), '{"mcpServers": {}}\n');
    writeFileSync(join(dotfiles, 'settings.json'), '{"model": "opus"}\n');
    symlinkSync(join(dotfiles, 'mcp.json'), join(p, '.mcp.json'));
    mkdirSync(join(p, '.claude'));
    symlinkSync('../dotfiles/settings.json', join(p, '.claude', 'settings.json'));
    expect((await claude(p)).exitCode).toBe(0);
    const h = await hooks(p);
    expect(h.exitCode, h.stderr).toBe(0);
    expect(lstatSync(join(p, '.mcp.json')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(p, '.claude', 'settings.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dotfiles, 'mcp.json'), 'utf8')).mcpServers['agent-boss']).toBeDefined();
    const settings = JSON.parse(readFileSync(join(dotfiles, 'settings.json'), 'utf8'));
    expect(settings.model).toBe('opus');
    expect(settings.hooks.Stop).toHaveLength(1);
    // No lock or temporary file is left beside either.
    expect(readdirSync(dotfiles).sort()).toEqual(['mcp.json', 'settings.json']);

    // A link to nothing is refused in one line, not replaced by a file.
    const q = dir();
    symlinkSync(join(q, 'nowhere.json'), join(q, '.mcp.json'));
    const r = await claude(q);
    expect(r.exitCode).toBe(1);
    oneLine(r.stderr, join(q, '.mcp.json'));
    expect(r.stderr).toMatch(/symbolic link to .*nowhere\.json, which does not exist/);
    expect(lstatSync(join(q, '.mcp.json')).isSymbolicLink()).toBe(true);
  });

  it('six concurrent runs each keep their server', async () => {
    const p = dir();
    writeFileSync(join(p, '.mcp.json'), '{}\n');
    const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const runs = await Promise.all(names.map((n) => claude(p, '--name', n)));
    for (const r of runs) expect(r.exitCode, r.stderr).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(join(p, '.mcp.json'), 'utf8')).mcpServers).sort()).toEqual(names);
    expect(readdirSync(p)).toEqual(['.mcp.json']);
  });

  it('merge into the member Claude Code reads when a key is written twice', async () => {
    const p = dir();
    mkdirSync(join(p, '.claude'));
    const settings = join(p, '.claude', 'settings.json');
    const text = '{\n  "hooks": {"Stop": []},\n  "model": "opus",\n  "hooks": {\n    "Stop": [],\n    "Stop": [{"hooks": [{"type": "command", "command": "mine"}]}]\n  }\n}\n';
    writeFileSync(settings, text);
    const h = await hooks(p);
    expect(h.exitCode, h.stderr).toBe(0);
    const read = JSON.parse(readFileSync(settings, 'utf8')); // what Claude Code sees: the last of each
    expect(read.hooks.Stop.map((e: { hooks: { command: string }[] }) => e.hooks[0]!.command)).toEqual(['mine', expect.stringContaining(' hook --data-dir ')]);
    expect(Object.keys(read.hooks)).toHaveLength(Object.keys(hookEntries(claudeCodeHooks.settings, 'x')).length);
    expect(readFileSync(settings, 'utf8').startsWith('{\n  "hooks": {"Stop": []},\n  "model": "opus",\n  "hooks": {\n    "Stop": [],\n')).toBe(true);

    const dup = '{"mcpServers": {"a": {}}, "mcpServers": {"b": {}, "agent-boss": {"command": "old"}, "agent-boss": {"command": "older"}}}';
    const m = mergeMcpServer(dup, 'agent-boss', { command: 'new' });
    expect(m.outcome).toBe('replaced');
    expect(JSON.parse(m.text).mcpServers).toEqual({ b: {}, 'agent-boss': { command: 'new' } });
    expect(m.text.startsWith('{"mcpServers": {"a": {}}, "mcpServers": {"b": {}, "agent-boss": {"command": "old"}, "agent-boss": {')).toBe(true);
  });

  it('answer a huge or deeply nested file in one line, untouched', async () => {
    const p = dir();
    const mcp = join(p, '.mcp.json');
    const huge = `{"x": "${'a'.repeat(25 * 1024 * 1024)}"}`;
    writeFileSync(mcp, huge);
    const big = await claude(p);
    expect(big.exitCode).toBe(1);
    oneLine(big.stderr, mcp);
    expect(big.stderr).toMatch(/bytes, more than/);
    expect(statSync(mcp).size).toBe(huge.length);

    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    writeFileSync(mcp, deep);
    const d = await claude(p);
    expect(d.exitCode).toBe(1);
    oneLine(d.stderr, mcp);
    expect(d.stderr).toMatch(new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`));
    mkdirSync(join(p, '.claude'));
    writeFileSync(join(p, '.claude', 'settings.json'), `{"a": ${deep}}`);
    const h = await hooks(p);
    expect(h.exitCode).toBe(1);
    oneLine(h.stderr, join(p, '.claude', 'settings.json'));
    expect(() => mergeHookSettings(`{"a": ${deep}}`, hookEntries(claudeCodeHooks.settings, 'agent-boss hook'))).toThrow(/nested deeper/);
  });
});
