import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/core/errors.js';
import { sessionNameFor, spawnAgent, stopAgent } from '../../src/core/lifecycle.js';
import { fakeCore } from '../helpers/core.js';
import { tempDir } from '../helpers/tmp.js';

const domainCode = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    if (isDomainError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
};

describe('lifecycle rules (core over a fake backend)', () => {
  it('names sessions {space}-{agent} the way the legacy coordinator did', () => {
    expect(sessionNameFor('Web App', 'API.dev')).toBe('web-app-api-dev');
    expect(sessionNameFor('-x-', '--')).toBe('x');
  });

  it('a bound agent spawns only agents that report to it, and stops only those', async () => {
    const { coordinator, backend } = fakeCore();
    const { dir, cleanup } = tempDir();
    try {
      backend.add('web-lead');
      await coordinator.registerSession({}, { space: 'web', agent: 'lead', session_id: 'web-lead' });
      const lead = { agent: 'lead', space: 'web' };
      expect(await domainCode(spawnAgent(coordinator, lead, { space: 'web', agent: 'helper', work_dir: dir, parent: 'someone' }))).toMatch(
        /^forbidden: agent "lead" may spawn only agents that report to it/,
      );
      const res = await spawnAgent(coordinator, lead, { space: 'web', agent: 'helper', work_dir: dir, ready_timeout_s: 1 }, { pollMs: 20 });
      expect(res.record).toMatchObject({ name: 'helper', parent: 'lead', session_id: 'web-helper' });
      // The fake screen never draws an input box: no ignite prompt is typed.
      expect(res).toMatchObject({ ready: false, ignited: false });
      expect(backend.sessions.get('web-helper')!.inputs).toEqual([]);

      backend.add('web-other');
      await coordinator.registerSession({}, { space: 'web', agent: 'other', session_id: 'web-other' });
      expect(await domainCode(stopAgent(coordinator, lead, { space: 'web', agent: 'other' }))).toMatch(/^forbidden: agent "lead" cannot stop "other"/);
      const stopped = await stopAgent(coordinator, lead, { space: 'web', agent: 'helper' });
      expect(stopped).toMatchObject({ ended: true, record: { status: 'done' } });
      expect(backend.sessions.has('web-helper')).toBe(false);
    } finally {
      cleanup();
    }
  });

  it('adds the skip-permissions flag only when the server allows it', async () => {
    const { coordinator } = fakeCore();
    const { dir, cleanup } = tempDir();
    try {
      expect(await domainCode(spawnAgent(coordinator, {}, { space: 's', agent: 'a', work_dir: dir, skip_permissions: true }))).toMatch(/^forbidden: skip_permissions/);
      expect(await domainCode(spawnAgent(coordinator, {}, { space: 's', agent: 'a', work_dir: dir, command: 'claude --permission-mode bypassPermissions' }))).toMatch(/^forbidden/);
      const ok = await spawnAgent(coordinator, {}, { space: 's', agent: 'a', work_dir: dir, skip_permissions: true, ready_timeout_s: 1 }, { allowSkipPermissions: true, pollMs: 20 });
      expect(ok.command).toBe('claude --dangerously-skip-permissions');
    } finally {
      cleanup();
    }
  });
});
