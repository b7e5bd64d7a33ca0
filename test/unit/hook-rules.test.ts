/**
 * Approval rules on the hook path (recordHookEvent over a real SQLite file): the rules are matched
 * before the write transaction, and a prompt no rule can decide is left to a human with the reason
 * in the decision log.
 */
import { claudeCodeHooks } from '../../src/agents/claude-code/hooks.js';
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RULE_SUBJECT_MAX } from '../../src/core/approval-rules.js';
import { recordHookEvent, type HookIdentity } from '../../src/core/hooks.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteHookStore } from '../../src/store/hooks-store.js';
import { tempDir } from '../helpers/tmp.js';

/** Every glob match, with what a second connection could do meanwhile. */
const probe = vi.hoisted(() => ({ during: undefined as undefined | (() => void), calls: 0 }));
vi.mock('../../src/core/glob.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/core/glob.js')>();
  return {
    ...real,
    globMatches: (...args: Parameters<typeof real.globMatches>) => {
      probe.calls++;
      probe.during?.();
      return real.globMatches(...args);
    },
  };
});

const who: HookIdentity = { agent: 'dev', space: 'web', defaultSpace: 'web' };
const ask = (command: string) => ({ event: 'PermissionRequest', toolName: 'Bash', toolInput: { command } });

let dir: { dir: string; cleanup: () => void };
let hooks: SqliteHookStore;
let path: string;

beforeEach(async () => {
  dir = tempDir();
  path = join(dir.dir, 'boss.db');
  hooks = new SqliteHookStore(openDatabase(path));
  await recordHookEvent(hooks, claudeCodeHooks, { event: 'SessionStart' }, {}, who);
  probe.calls = 0;
  probe.during = undefined;
});
afterEach(() => {
  hooks.db.close();
  dir.cleanup();
});

describe('approval rules on the hook path', () => {
  it('matches the rules outside the write transaction: another connection writes meanwhile', async () => {
    await hooks.setRule({ tool: 'Bash', pattern: 'npm test*', decision: 'allow' });
    const other = new BetterSqlite3(path, { timeout: 0 });
    const writes: string[] = [];
    probe.during = () => {
      // With the write lock held by the hook's transaction this would throw SQLITE_BUSY at once.
      other.prepare(`INSERT INTO events (space, kind, payload, created_at) VALUES ('web', 'probe', '{}', 0)`).run();
      writes.push(hooks.db.inTransaction ? 'inside' : 'outside');
    };
    try {
      const out = await recordHookEvent(hooks, claudeCodeHooks, ask('npm test -- --watch'), {}, who);
      expect(out.decision).toMatchObject({ decision: 'allow' });
      expect(probe.calls).toBeGreaterThan(0);
      expect(writes.length).toBe(probe.calls);
      expect(new Set(writes)).toEqual(new Set(['outside']));
    } finally {
      other.close();
    }
  });

  it('a command over the limit gets no rule decision: the prompt waits for a human, the log says why', async () => {
    await hooks.setRule({ tool: 'Bash', pattern: 'npm test*', decision: 'allow' });
    const long = `npm test ${'a'.repeat(RULE_SUBJECT_MAX)}`;
    const out = await recordHookEvent(hooks, claudeCodeHooks, ask(long), {}, who);
    expect(out.output).toBeUndefined();
    expect(out.decision).toBeUndefined();
    expect(out.state?.state).toBe('waiting_approval');
    const [logged] = await hooks.listDecisions({ agent: 'dev' });
    expect(logged).toMatchObject({ decision: 'none', decided_by: 'rule', rule_id: null, detail: expect.stringMatching(/characters long; approval rules decide on at most 65536/) });
    expect(logged!.subject!.length).toBeLessThanOrEqual(8192);
    // Answered at the terminal afterwards: still inferred and logged.
    await recordHookEvent(hooks, claudeCodeHooks, { event: 'PostToolUse', toolName: 'Bash', toolInput: { command: long } }, {}, who);
    expect((await hooks.listDecisions({ agent: 'dev' }))[0]).toMatchObject({ decided_by: 'terminal', decision: 'allow' });
  });

  it('no rule about the tool: nothing is logged', async () => {
    await hooks.setRule({ tool: 'Edit', pattern: '*', decision: 'allow' });
    await recordHookEvent(hooks, claudeCodeHooks, ask(`echo ${'a'.repeat(RULE_SUBJECT_MAX)}`), {}, who);
    expect(await hooks.listDecisions({ agent: 'dev' })).toEqual([]);
  });
});
