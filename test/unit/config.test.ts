import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config.js';

describe('resolveConfig', () => {
  it('uses defaults', () => {
    const c = resolveConfig(['serve'], {});
    expect(c.command).toBe('serve');
    expect(c.port).toBe(8899);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dbPath.endsWith('/data/boss.db')).toBe(true);
    expect(c.token).toBeUndefined();
    expect(c.tmuxSocket).toBeUndefined();
    expect(c.readOnly).toBe(false);
  });

  it('takes env over defaults and flags over env', () => {
    const env = { BOSS_PORT: '9000', BOSS_SPACE: 'web', BOSS_AGENT: 'api', BOSS_TMUX_SOCKET: 'envsock', BOSS_DATA_DIR: '/tmp/x' };
    const fromEnv = resolveConfig(['stdio'], env);
    expect(fromEnv).toMatchObject({ port: 9000, space: 'web', agent: 'api', tmuxSocket: 'envsock', dbPath: '/tmp/x/boss.db' });
    const fromFlags = resolveConfig(['stdio', '--port', '0', '--space', 'ops', '--tmux-socket', 'flagsock'], env);
    expect(fromFlags).toMatchObject({ port: 0, space: 'ops', agent: 'api', tmuxSocket: 'flagsock' });
  });

  it('accepts --flag=value and boolean flags', () => {
    expect(resolveConfig(['stdio', '--agent=dev', '--read-only'], {})).toMatchObject({ agent: 'dev', readOnly: true });
    expect(resolveConfig(['stdio'], { BOSS_READ_ONLY: '1' }).readOnly).toBe(true);
  });

  it('answers help and version', () => {
    expect(resolveConfig(['--help'], {}).command).toBe('help');
    expect(resolveConfig(['--version'], {}).command).toBe('version');
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
    [['serve', '--log-level', 'loud'], /--log-level/],
    [['stdio', 'extra'], /unexpected argument/],
  ])('rejects %j', (argv, msg) => {
    expect(() => resolveConfig(argv, {})).toThrow(ConfigError);
    expect(() => resolveConfig(argv, {})).toThrow(msg);
  });
});
