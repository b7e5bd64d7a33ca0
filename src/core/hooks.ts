/**
 * Recording one hook event of an agent program: find the agent, update its hook state, answer a
 * permission request from the approval rules, record decisions, register the agent when its
 * program starts. What the event means is its program's hook dialect (AgentHooks). Called by
 * `agent-boss hook` (straight into the database) and by the hub's hook route, so both paths
 * follow the same rules. Imports no schema library: the hook command loads it per event.
 */
import type { AgentRef, ApprovalRuleRecord, HookStore, HookTx, StoredHookState } from '../store/hooks-store.js';
import { decideFrom, evaluateRules, permissionAsk, ruleWhy, type RuleEvaluation } from './approval-rules.js';
import { agentNameProblem, nameProblem } from './names.js';
import { sameName, spaceFor } from './identity.js';
import { sessionIdProblem } from '../backends/session-ids.js';
import { isConversationId } from './conversation-id.js';

/** Where the database lives by default (the servers' per-user directory), for the hook command. */
export { defaultDataDir } from '../store/location.js';
import { hookSubject, storedPayload, type AgentHooks, type HookEvent, type HookState } from './hook-state.js';

/** Who sent the event, as far as the hook process knows. */
export interface HookIdentity {
  /** BOSS_AGENT / --agent. */
  agent?: string;
  /** BOSS_SPACE / --space. */
  space?: string;
  /** The tmux session of TMUX_PANE, when the hook runs inside tmux. */
  tmuxSession?: string;
  /** The space used when none is named (the server default). */
  defaultSpace: string;
}

export interface HookOutcome {
  recorded: boolean;
  space?: string;
  agent?: string;
  /** The agent was created by this event (its program started). */
  registered?: boolean;
  state?: HookState;
  /** What the hook prints on stdout (the program's answer to a permission request), if anything. */
  output?: string;
  decision?: { decision: 'allow' | 'deny'; rule_id: number };
  /** Why nothing was recorded. */
  problem?: string;
}

/** Why `name` cannot be an agent or space name: the one rule of every face. */
export { nameProblem } from './names.js';

async function resolveAgent(tx: HookTx, program: AgentHooks, ev: HookEvent, who: HookIdentity): Promise<{ agent?: AgentRef; registered?: boolean; problem?: string }> {
  const space = spaceFor(undefined, who.space, who.defaultSpace);
  const spaceProblem = nameProblem('space name', space);
  if (spaceProblem) return { problem: `space name "${space}": ${spaceProblem}` };
  const register = async (name: string): Promise<{ agent?: AgentRef; registered?: boolean; problem?: string }> => {
    // The names register_session and the routes refuse are refused here too (hook events come from every face).
    const problem = agentNameProblem(name);
    if (problem) return { problem: `cannot register "${name}": ${problem}; set BOSS_AGENT to another name` };
    const sessionProblem = who.tmuxSession ? sessionIdProblem(who.tmuxSession) : undefined;
    if (sessionProblem) return { problem: `tmux session ${JSON.stringify(who.tmuxSession)}: a session id ${sessionProblem}` };
    const session = who.tmuxSession ? { session_id: who.tmuxSession, backend_type: 'tmux' } : {};
    const { agent, created } = await tx.ensureAgent(space, name, { ...session, agent_kind: program.kind });
    return { agent, registered: created };
  };
  if (who.agent !== undefined) {
    const known = await tx.findAgent(space, who.agent);
    if (program.registers(ev) && (!known || (!known.session_id && who.tmuxSession))) return register(who.agent);
    if (known) return { agent: known };
    return { problem: `agent "${who.agent}" is not registered in space "${space}" (it is registered when its program starts, or with register_session)` };
  }
  if (who.tmuxSession !== undefined) {
    let found = await tx.findAgentsBySession(who.tmuxSession);
    if (who.space !== undefined) found = found.filter((a) => sameName(a.space, who.space!));
    if (found.length > 1) found = found.filter((a) => sameName(a.space, who.defaultSpace));
    if (found.length === 1) return { agent: found[0]! };
    if (found.length > 1) return { problem: `tmux session "${who.tmuxSession}" is registered for several agents; set BOSS_AGENT and BOSS_SPACE in the agent's environment` };
    if (program.registers(ev)) return register(who.tmuxSession);
    return { problem: `no agent is registered for tmux session "${who.tmuxSession}" (it is registered when its program starts, or set BOSS_AGENT)` };
  }
  return { problem: 'cannot tell which agent this is: set BOSS_AGENT (and BOSS_SPACE) in its environment, or run the agent program inside tmux' };
}

/**
 * Records one event in one transaction and decides a permission request from the rules. The rules are
 * read and matched before the transaction (matching never holds the database's write lock); inside
 * it, only the results of the rules that apply to the agent are combined (decideFrom).
 */
export async function recordHookEvent(hooks: HookStore, program: AgentHooks, ev: HookEvent, raw: Record<string, unknown>, who: HookIdentity): Promise<HookOutcome> {
  const ask = program.asks(ev) && ev.toolName !== undefined && !ev.truncated ? permissionAsk(program, ev.toolName, ev.toolInput) : undefined;
  const evaluation: RuleEvaluation<ApprovalRuleRecord> | undefined = ask && evaluateRules(await hooks.listRules(), ask);
  return hooks.transact(async (tx): Promise<HookOutcome> => {
    const { agent, registered, problem } = await resolveAgent(tx, program, ev, who);
    if (!agent) return { recorded: false, problem: problem! };
    const { space, name } = agent;
    const now = tx.now;
    const prev = (await tx.getState(space, name)) as HookState | undefined;
    let next = program.next(prev, ev, now);

    // A prompt that was pending and is now over without an answer from agent-boss was answered at the terminal.
    const pendingId = prev?.state === 'waiting_approval' ? prev.detail.prompt_id : undefined;
    const answer = program.answeredBy(ev);
    if (pendingId && answer && !(program.asks(ev) && next?.detail.prompt_id === pendingId) && !(await tx.hasDecision(space, name, pendingId, prev!.since))) {
      await tx.insertDecision({
        space,
        agent: name,
        tool_name: prev!.detail.tool_name ?? null,
        subject: prev!.detail.subject ?? null,
        prompt_id: pendingId,
        decision: answer,
        decided_by: 'terminal',
        detail: `inferred from ${ev.event}`,
      });
    }

    const d = ask && evaluation && next ? decideFrom(evaluation, await tx.rulesFor(space, name)) : undefined;
    // The program's answer to the rule's decision; undefined when its hook cannot give that one (the prompt stays for a human).
    const output = ask && d && d.decision !== 'none' ? program.answer(ev, d.decision, ruleWhy(d.rule)) : undefined;
    // Decision "none": rules are about this tool but cannot decide; the prompt stays for a human (detail says why).
    if (ask && next && d && (d.decision === 'none' || output !== undefined)) {
      await tx.insertDecision({
        space,
        agent: name,
        tool_name: ask.toolName,
        subject: hookSubject(program, ask.toolName, ev.toolInput),
        prompt_id: next.detail.prompt_id ?? null,
        decision: d.decision,
        decided_by: 'rule',
        ...(d.decision === 'none' ? { detail: d.why } : { rule_id: d.rule.id }),
      });
    }
    let decision: HookOutcome['decision'];
    if (next && d && d.decision !== 'none' && output !== undefined) {
      decision = { decision: d.decision, rule_id: d.rule.id };
      // No dialog is shown: the program goes on (runs the tool, or reads the denial) at once.
      next = {
        state: 'working',
        event: ev.event,
        since: prev?.state === 'working' ? prev.since : now,
        at: now,
        detail: {
          ...(next.detail.cc_session !== undefined && { cc_session: next.detail.cc_session }),
          tool_name: ev.toolName,
          activity: `${d.decision === 'allow' ? 'allowed' : 'denied'} by approval rule #${d.rule.id}`,
        },
      };
    }

    await tx.insertEvent(space, name, ev.event, ev.ccSession ?? null, storedPayload(raw));
    // The program's conversation as it (re)starts: what resume_agent continues, in the directory it belongs to.
    if (program.registers(ev) && isConversationId(ev.ccSession)) await tx.setConversation(space, name, ev.ccSession, ev.cwd?.startsWith('/') ? ev.cwd : undefined);
    if (next) {
      await tx.putState(space, name, next as unknown as StoredHookState);
      await tx.appendFeed('agent_hook', space, {
        space,
        agent: name,
        event: ev.event,
        state: next.state,
        since: new Date(next.since).toISOString(),
        ...(next.detail.tool_name !== undefined && { tool_name: next.detail.tool_name }),
        ...(next.detail.prompt_id !== undefined && next.state === 'waiting_approval' && { prompt_id: next.detail.prompt_id }),
        ...(next.detail.activity !== undefined && { activity: next.detail.activity }),
        ...(next.detail.error !== undefined && { error: next.detail.error }),
        ...(decision && { decision }),
      });
    }
    return {
      recorded: true,
      space,
      agent: name,
      ...(registered && { registered }),
      ...(next && { state: next }),
      ...(output !== undefined && { output }),
      ...(decision && { decision }),
    };
  });
}

/**
 * Records one event straight into the database file (what `agent-boss hook` does without a hub):
 * opens it without creating or migrating anything beyond what openDatabase does, tries the write
 * once (a hook must not wait), and answers a busy or unopenable file as a problem, not a throw.
 * The store modules are loaded only here, so the hook's other paths stay cheap.
 */
export async function recordInDatabase(dbPath: string, program: AgentHooks, ev: HookEvent, raw: Record<string, unknown>, who: HookIdentity, busyTimeoutMs: number): Promise<HookOutcome> {
  const [{ openDatabase }, { SqliteHookStore }] = await Promise.all([import('../store/db.js'), import('../store/hooks-store.js')]);
  let db;
  try {
    db = openDatabase(dbPath, { busyTimeoutMs, openDeadlineMs: 0, integrityCheck: false });
  } catch (err) {
    return { recorded: false, problem: `cannot open ${dbPath}: ${(err as Error).message}` };
  }
  try {
    return await recordHookEvent(new SqliteHookStore(db, { busyAttempts: 1 }), program, ev, raw, who);
  } catch (err) {
    // The store gives up on a locked file at once (busyAttempts 1) with StoreBusyError; the driver's own codes too.
    const code = err instanceof Error && err.name === 'StoreBusyError' ? 'locked by another process' : (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^SQLITE_BUSY|^SQLITE_LOCKED|^locked/.test(code)) return { recorded: false, problem: `the database is busy (${code}); event ${ev.event} not recorded` };
    throw err;
  } finally {
    db.close();
  }
}
