/**
 * The approval rules applied to a permission request that arrives without a hook event: the request
 * of a headless (ACP) agent, which its runner holds. Same matching as the hook path
 * (approval-rules.ts: evaluateRules outside the write, decideFrom inside it; the subject read in the
 * program's own dialect, its AgentHooks) and the same decision log (`decided_by: "rule"`), so
 * list_approval_decisions shows both.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HookStore } from '../store/hooks-store.js';
import { decideFrom, evaluateRules, permissionAsk } from './approval-rules.js';
import { hookSubject, type AgentHooks } from './hook-state.js';

export interface RuleAsk {
  space: string;
  agent: string;
  toolName: string;
  toolInput: unknown;
  promptId?: string;
}

export interface RuleAnswer {
  decision: 'allow' | 'deny';
  ruleId: number;
  /** "approval rule #3 (<tool> "<pattern>")". */
  why: string;
}

/** The rules' answer to the request (logged), or undefined when they decide nothing (the request waits for a person). */
export async function decideByRules(hooks: HookStore, program: AgentHooks, ask: RuleAsk): Promise<RuleAnswer | undefined> {
  const evaluation = evaluateRules(await hooks.listRules(), permissionAsk(program, ask.toolName, ask.toolInput));
  return hooks.transact(async (tx): Promise<RuleAnswer | undefined> => {
    const d = decideFrom(evaluation, await tx.rulesFor(ask.space, ask.agent));
    if (!d) return undefined;
    await tx.insertDecision({
      space: ask.space,
      agent: ask.agent,
      tool_name: ask.toolName,
      subject: hookSubject(program, ask.toolName, ask.toolInput),
      prompt_id: ask.promptId ?? null,
      decision: d.decision,
      decided_by: 'rule',
      ...(d.decision === 'none' ? { detail: d.why } : { rule_id: d.rule.id }),
    });
    if (d.decision === 'none') return undefined;
    return { decision: d.decision, ruleId: d.rule.id, why: `approval rule #${d.rule.id} (${d.rule.tool} "${d.rule.pattern}")` };
  });
}

/**
 * decideByRules on the database file `dbPath` (opened for the one request, without waiting on a busy
 * file for long). Any failure, or no such file, is an undecided request: it then waits for a person.
 */
export async function decideInDatabase(dbPath: string, program: AgentHooks, ask: RuleAsk, log: (line: string) => void = () => undefined): Promise<RuleAnswer | undefined> {
  // No database file (a hub on a PostgreSQL store, or none started yet): no rules here, and none is made.
  if (!existsSync(dbPath)) {
    log(`approval rules not read: ${dbPath} does not exist`);
    return undefined;
  }
  const [{ openDatabase }, { SqliteHookStore }] = await Promise.all([import('../store/db.js'), import('../store/hooks-store.js')]);
  let db;
  try {
    db = openDatabase(dbPath, { busyTimeoutMs: 50, openDeadlineMs: 2000, integrityCheck: false });
  } catch (err) {
    log(`approval rules not read: cannot open ${dbPath}: ${(err as Error).message}`);
    return undefined;
  }
  try {
    return await decideByRules(new SqliteHookStore(db), program, ask);
  } catch (err) {
    log(`approval rules not applied: ${(err as Error).message}`);
    return undefined;
  } finally {
    db.close();
  }
}

/**
 * The rules of the store a data directory uses, for a process given only the directory (a headless
 * agent's runner): the PostgreSQL store its `store.url` names (one small pool, kept for the
 * process's life), else decideInDatabase on its SQLite file.
 */
export function rulesOfDataDir(dataDir: string, program: AgentHooks, log: (line: string) => void = () => undefined): (ask: RuleAsk) => Promise<RuleAnswer | undefined> {
  let shared: Promise<HookStore | undefined> | undefined;
  const sharedStore = async (url: string): Promise<HookStore | undefined> => {
    const [{ PgDatabase }, { PgHookStore }] = await Promise.all([import('../store/pg-db.js'), import('../store/pg-hooks-store.js')]);
    try {
      return new PgHookStore(await PgDatabase.open(url, { max: 2 }));
    } catch (err) {
      log(`approval rules not read: cannot open the PostgreSQL store: ${(err as Error).message}`);
      return undefined;
    }
  };
  return async (ask) => {
    const { readStoreFile } = await import('../store/store-file.js');
    let url: string | undefined;
    try {
      url = readStoreFile(dataDir);
    } catch (err) {
      log(`approval rules not read: ${(err as Error).message}`);
      return undefined;
    }
    if (url === undefined) return decideInDatabase(join(dataDir, 'boss.db'), program, ask, log);
    shared ??= sharedStore(url);
    const hooks = await shared;
    if (hooks === undefined) {
      shared = undefined; // try again on the next request
      return undefined;
    }
    try {
      return await decideByRules(hooks, program, ask);
    } catch (err) {
      log(`approval rules not applied: ${(err as Error).message}`);
      return undefined;
    }
  };
}
