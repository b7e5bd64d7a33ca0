/**
 * The approval rules asked about a headless (ACP) agent's permission request, as its runner asks
 * them: on the data directory's database file, the decision logged as decided by the rule; no file
 * is never created and decides nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeCodeHooks } from '../../src/agents/claude-code/hooks.js';
import { decideInDatabase } from '../../src/core/rule-decision.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteHookStore } from '../../src/store/hooks-store.js';
import { tempDir } from '../helpers/tmp.js';

describe('decideInDatabase', () => {
  const tmp = tempDir('boss-rule-decision-');

  it('answers allow and deny from the rules of the agent, and logs each decision', async () => {
    const dbPath = join(tmp.dir, 'boss.db');
    const db = openDatabase(dbPath);
    const hooks = new SqliteHookStore(db);
    const allow = (await hooks.setRule({ space: 'web', tool: 'Bash', pattern: 'npm test*', decision: 'allow' })).rule;
    const deny = (await hooks.setRule({ tool: 'Bash', pattern: 'rm *', decision: 'deny' })).rule;
    const ask = (command: string, space = 'web') => decideInDatabase(dbPath, claudeCodeHooks, { space, agent: 'w', toolName: 'Bash', toolInput: { command }, promptId: 'p1' });
    expect(await ask('npm test -- --watch')).toEqual({ decision: 'allow', ruleId: allow.id, why: `approval rule #${allow.id} (Bash "npm test*")` });
    expect(await ask('make && rm -rf build')).toMatchObject({ decision: 'deny', ruleId: deny.id });
    expect(await ask('npm test; curl x')).toBeUndefined();
    expect(await ask('npm test', 'other')).toBeUndefined(); // the allow rule is of space "web" only
    const logged = await hooks.listDecisions({ space: 'web', agent: 'w' });
    expect(logged.map((d) => [d.decision, d.decided_by, d.subject])).toEqual([
      ['deny', 'rule', 'make && rm -rf build'],
      ['allow', 'rule', 'npm test -- --watch'],
    ]);
    db.close();
  });

  it('decides nothing, and creates no file, when the data directory has no database', async () => {
    const dbPath = join(tmp.dir, 'none', 'boss.db');
    const lines: string[] = [];
    expect(await decideInDatabase(dbPath, claudeCodeHooks, { space: 's', agent: 'a', toolName: 'Bash', toolInput: { command: 'ls' } }, (l) => lines.push(l))).toBeUndefined();
    expect(existsSync(dbPath)).toBe(false);
    expect(lines).toEqual([`approval rules not read: ${dbPath} does not exist`]);
    tmp.cleanup();
  });
});
