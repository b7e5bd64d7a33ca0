import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defaultDataDir, describeStartupError, helpText, resolveConfig } from '../../src/config.js';
import { tempDir } from '../helpers/tmp.js';

describe('resolveConfig', () => {
  it('uses defaults', () => {
    const c = resolveConfig(['serve'], {});
    expect(c.command).toBe('serve');
    expect(c.port).toBe(8899);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dbPath).toBe(join(homedir(), '.local', 'state', 'agent-boss', 'boss.db'));
    expect(c.dataDirFrom).toBe('default');
    expect(c.token).toBeUndefined();
    expect(c.tmuxSocket).toBeUndefined();
    expect(c.readOnly).toBe(false);
  });

  it('reads the token from --token-file or BOSS_TOKEN_FILE (first line), after --token and BOSS_TOKEN', () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'tok');
      writeFileSync(file, '  file-token-0123456789  \nsecond line\n');
      expect(resolveConfig(['serve', '--token-file', file], {})).toMatchObject({ token: 'file-token-0123456789', tokenFrom: 'file', tokenFile: file });
      expect(resolveConfig(['serve'], { BOSS_TOKEN_FILE: file })).toMatchObject({ token: 'file-token-0123456789', tokenFrom: 'file' });
      expect(resolveConfig(['serve', '--token-file', file], { BOSS_TOKEN: 'env-token-0123456789' })).toMatchObject({ tokenFrom: 'file' });
      expect(resolveConfig(['serve'], { BOSS_TOKEN: 'env-token-0123456789', BOSS_TOKEN_FILE: file })).toMatchObject({ token: 'env-token-0123456789', tokenFrom: 'env' });
      expect(resolveConfig(['serve', '--token', 'flag-token-0123456789'], { BOSS_TOKEN_FILE: file })).toMatchObject({ token: 'flag-token-0123456789', tokenFrom: 'flag' });
      writeFileSync(file, '\n\n');
      expect(() => resolveConfig(['serve', '--token-file', file], {})).toThrow(/is empty/);
      writeFileSync(file, 'short\n');
      expect(() => resolveConfig(['serve', '--token-file', file], {})).toThrow(/the token in .* must be at least 16 characters/);
    } finally {
      t.cleanup();
    }
  });

  it('takes env over defaults and flags over env', () => {
    const env = { BOSS_PORT: '9000', BOSS_SPACE: 'web', BOSS_AGENT: 'api', BOSS_TMUX_SOCKET: 'envsock', BOSS_DATA_DIR: '/tmp/x' };
    const fromEnv = resolveConfig(['stdio'], env);
    expect(fromEnv).toMatchObject({ space: 'web', agent: 'api', tmuxSocket: 'envsock', dbPath: '/tmp/x/boss.db', dataDirFrom: 'env' });
    expect(resolveConfig(['serve'], env).port).toBe(9000);
    const fromFlags = resolveConfig(['stdio', '--space', 'ops', '--tmux-socket', 'flagsock'], env);
    expect(fromFlags).toMatchObject({ space: 'ops', agent: 'api', tmuxSocket: 'flagsock' });
    expect(resolveConfig(['serve', '--port', '0'], env).port).toBe(0);
  });

  it('accepts --flag=value and boolean flags', () => {
    expect(resolveConfig(['stdio', '--agent=dev', '--read-only'], {})).toMatchObject({ agent: 'dev', readOnly: true });
    expect(resolveConfig(['stdio'], { BOSS_READ_ONLY: '1' }).readOnly).toBe(true);
  });

  it('answers help and version', () => {
    expect(resolveConfig(['--help'], {}).command).toBe('help');
    expect(resolveConfig(['help'], {})).toMatchObject({ command: 'help' });
    expect(resolveConfig(['help', 'serve'], {})).toMatchObject({ command: 'help', helpFor: 'serve' });
    expect(resolveConfig(['stdio', '--help'], {})).toMatchObject({ command: 'help', helpFor: 'stdio' });
    expect(resolveConfig(['setup', 'claude', '--help'], {})).toMatchObject({ command: 'help', helpFor: 'setup' });
    expect(resolveConfig(['--version'], {}).command).toBe('version');
  });

  it('gives each command its own help with examples and only its own flags', () => {
    const serve = helpText('serve');
    expect(serve).toMatch(/^Usage: agent-boss serve/);
    expect(serve).toMatch(/Examples:\n  agent-boss serve\n/);
    expect(serve).toContain('--port N');
    expect(serve).not.toContain('--agent NAME');
    const stdio = helpText('stdio');
    expect(stdio).toContain('--agent NAME');
    expect(stdio).not.toContain('--port');
    expect(helpText()).toMatch(/help \[COMMAND\]/);
  });

  it('defaults the data dir to the per-user XDG state dir', () => {
    expect(defaultDataDir({ XDG_STATE_HOME: '/var/state' })).toBe('/var/state/agent-boss');
    expect(defaultDataDir({ HOME: '/home/u' })).toBe('/home/u/.local/state/agent-boss');
    // A relative XDG_STATE_HOME is invalid by the spec and ignored.
    expect(defaultDataDir({ XDG_STATE_HOME: 'rel', HOME: '/home/u' })).toBe('/home/u/.local/state/agent-boss');
    // Every command, from any directory, gets the same absolute path.
    const a = resolveConfig(['serve'], { HOME: '/home/u' }, '/srv/a');
    const b = resolveConfig(['stdio', '--agent', 'x'], { HOME: '/home/u' }, '/work/b');
    expect(a.dbPath).toBe('/home/u/.local/state/agent-boss/boss.db');
    expect(b.dbPath).toBe(a.dbPath);
    // A relative --data-dir is resolved against the current directory.
    expect(resolveConfig(['serve', '--data-dir', 'd'], {}, '/srv/a').dbPath).toBe('/srv/a/d/boss.db');
  });

  it('finds a database at the old default ./data and names it', () => {
    const { dir, cleanup } = tempDir();
    try {
      expect(resolveConfig(['serve'], { HOME: dir }, dir).oldDefaultDb).toBeUndefined();
      mkdirSync(join(dir, 'data'));
      writeFileSync(join(dir, 'data', 'boss.db'), '');
      expect(resolveConfig(['serve'], { HOME: dir }, dir).oldDefaultDb).toBe(join(dir, 'data', 'boss.db'));
      // Not when the data dir was chosen explicitly.
      expect(resolveConfig(['serve', '--data-dir', join(dir, 'x')], { HOME: dir }, dir).oldDefaultDb).toBeUndefined();
    } finally {
      cleanup();
    }
  });

  it('describes database and permission failures in one line with the path and the fix', () => {
    const cfg = { dataDir: '/d', dbPath: '/d/boss.db' };
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/d' });
    expect(describeStartupError(eacces, cfg)).toMatch(/permission denied on \/d: make \/d writable .*--data-dir/);
    const notadb = Object.assign(new Error('file is not a database'), { name: 'SqliteError', code: 'SQLITE_NOTADB' });
    expect(describeStartupError(notadb, cfg)).toMatch(/\/d\/boss\.db is not an agent-boss database/);
    expect(describeStartupError(new Error('other'), cfg)).toBeUndefined();
  });

  it('configures setup claude', () => {
    expect(resolveConfig(['setup', 'claude', '--agent', 'a', '--write'], {}, '/p')).toMatchObject({
      command: 'setup',
      setupTarget: 'claude',
      agent: 'a',
      write: true,
      projectDir: '/p',
      serverName: 'agent-boss',
    });
    expect(resolveConfig(['setup', 'claude', '--hub', 'http://h:1/mcp'], {}).hub).toBe('http://h:1');
  });

  it.each([
    [['stdio', '--bogus'], /bogus/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /missing command/],
    [['serve', '--port', '70000'], /--port must be a whole number/],
    [['serve', '--port', 'abc'], /--port must be a whole number/],
    [['stdio', '--agent', ''], /--agent: agent name must not be empty/],
    [['stdio', '--agent', 'a\u0007b'], /control characters/],
    [['stdio', '--tmux-socket', '../evil'], /--tmux-socket must be a socket name/],
    [['serve', '--token', 'short'], /at least 16/],
    [['serve', '--token', '0123456789abcdef', '--token-file', 'x'], /--token or --token-file, not both/],
    [['serve', '--token-file', '/nonexistent/token'], /cannot read the token file \/nonexistent\/token: ENOENT/],
    [['stdio', '--token-file', 'x'], /--token-file does not apply to "stdio"/],
    [['serve', '--log-level', 'loud'], /--log-level/],
    [['stdio', 'extra'], /unexpected argument/],
    [['stdio', '--port', '1'], /--port does not apply to "stdio" \(only to "serve"\)/],
    [['serve', '--agent', 'x'], /--agent does not apply to "serve"/],
    [['serve', '--write'], /--write does not apply to "serve"/],
    [['setup'], /setup needs a target/],
    [['setup', 'vim'], /unknown setup target "vim"/],
    [['setup', 'claude', '--hub', 'ftp://x'], /--hub must be an http/],
    [['setup', 'claude', '--token-env', 'T'], /--token-env applies only with --hub/],
    [['help', 'nope'], /unknown command "nope"/],
  ])('rejects %j', (argv, msg) => {
    expect(() => resolveConfig(argv, {})).toThrow(ConfigError);
    expect(() => resolveConfig(argv, {})).toThrow(msg);
  });
});
