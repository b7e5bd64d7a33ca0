import { describe, expect, it } from 'vitest';
import { BackendRegistry, UnknownBackendError } from '../../src/backends/registry.js';
import { FakeBackend } from '../helpers/fake-terminal.js';

describe('BackendRegistry', () => {
  const tmux = new FakeBackend('tmux');
  const other = new FakeBackend('other');
  const reg = new BackendRegistry([tmux, other]);

  it('resolves backends by name', () => {
    expect(reg.backendByName('tmux')).toBe(tmux);
    expect(reg.backendByName('other')).toBe(other);
    expect(reg.names()).toEqual(['tmux', 'other']);
  });

  it('refuses an unknown name and lists the configured ones', () => {
    expect(() => reg.backendByName('screen')).toThrow(UnknownBackendError);
    expect(() => reg.backendByName('screen')).toThrow('Configured backends: tmux, other.');
  });

  it('resolves an agent by its backend_type, defaulting to tmux', () => {
    expect(reg.backendFor({ backend_type: 'other' })).toBe(other);
    expect(reg.backendFor({ backend_type: null })).toBe(tmux);
    expect(reg.backendFor({})).toBe(tmux);
    expect(() => reg.backendFor({ backend_type: 'gone' })).toThrow('Unknown session backend "gone"');
  });

  it('never falls back silently when the default is not configured', () => {
    const onlyOther = new BackendRegistry([other]);
    expect(() => onlyOther.backendFor({})).toThrow('Configured backends: other.');
  });

  it('refuses registering the same name twice', () => {
    expect(() => reg.register(new FakeBackend('tmux'))).toThrow('already registered');
  });
});
