/**
 * What the servers do with recorded hook events: fuse them with the screen in liveness rows, verify
 * and record answers given with `approve`, wait for a delivery receipt after `send_input`, and manage
 * approval rules and the decision log. The Coordinator holds one (when the store has the hook
 * tables) and calls it from listLiveness and approve; the rule and decision tools call it directly.
 */
import type { AgentHooks, AgentHooksCatalog } from '../backends/agent-hooks.js';
import type { ApprovalInfo } from '../backends/session-backend.js';
import type { AgentRecord } from '../store/store.js';
import type { ApprovalDecisionRecord, ApprovalRuleRecord, HookStore, StoredHookState } from '../store/hooks-store.js';
import { quote, type Activity } from './activity.js';
import { DomainError } from './errors.js';
import { dialogShowsSubject, type ScreenView } from './fusion.js';
import { hookEventOf, normalisePrompt, sha256, type HookEvent, type HookState } from './hook-state.js';
import { recordHookEvent, type HookIdentity, type HookOutcome } from './hooks.js';
import { agentKey, refuseUnverified, sameName, type Target } from './identity.js';
import { visible } from './text.js';

/** How much of a prompt's subject a refusal quotes. */
const QUOTE_CHARS = 120;

export interface CallerLike {
  agent?: string;
  space?: string;
  unverified?: true;
}

/** Polling period while waiting for a delivery receipt (the hook writes within ~100 ms of Enter). */
const RECEIPT_POLL_MS = 50;
export const DEFAULT_RECEIPT_TIMEOUT_MS = 5000;
export const MAX_RECEIPT_TIMEOUT_MS = 60_000;

/** Per agent: the screen state this process last saw and since when (the `since` of rows that follow the screen). */
export class ScreenSince {
  private readonly seen = new Map<string, { fp: string; since: number }>();

  /** When this process first saw the agent's screen as it is now. */
  since(space: string, agent: string, screen: Omit<ScreenView, 'since'>, now: number): number {
    const k = agentKey(space, agent);
    const fp = `${screen.state}\u0000${screen.promptId ?? ''}`;
    const prev = this.seen.get(k);
    const since = prev && prev.fp === fp ? prev.since : now;
    this.seen.set(k, { fp, since });
    return since;
  }
}

export class HookView {
  private activity: Activity | undefined;

  constructor(
    private readonly store: HookStore,
    /** What each agent program's hook events mean (src/agents/hooks.ts, handed in by the composition root). */
    readonly programs: AgentHooksCatalog,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The hook dialect of agent kind `kind`; a kind without hooks is a validation error naming those with. */
  program(kind: string): AgentHooks {
    const found = this.programs.hooks(kind);
    if (!found) throw new DomainError('validation', `kind: agent kind "${kind}" has no hooks agent-boss reads; kinds with hooks: ${this.programs.kinds().join(', ')}.`);
    return found;
  }

  /** Logs rule changes to the coordinator's activity log (activity.ts). */
  useActivity(activity: Activity): void {
    this.activity = activity;
  }

  /** Reads a posted event in the dialect of `kind`; an unknown kind or a bad payload is a validation error. */
  read(kind: string, payload: unknown): { program: AgentHooks; ev: HookEvent; raw: Record<string, unknown> } {
    const program = this.program(kind);
    const parsed = hookEventOf(program, payload);
    if ('problem' in parsed) throw new DomainError('validation', `payload: ${parsed.problem}`);
    return { program, ev: parsed.event, raw: parsed.raw };
  }

  /** Records one hook event of `program` (what `agent-boss hook` does on the database, for the hub's POST /hooks/event). */
  record(program: AgentHooks, ev: HookEvent, raw: Record<string, unknown>, who: HookIdentity): Promise<HookOutcome> {
    return recordHookEvent(this.store, program, ev, raw, who);
  }

  /** The hook state of every agent of `space` (all spaces when undefined), by agent key. */
  async states(space?: string): Promise<Map<string, HookState>> {
    const rows = await this.store.listStates(space);
    return new Map(rows.map((r) => [agentKey(r.space, r.agent), toHookState(r)]));
  }

  static key = agentKey;

  /** The pending prompt the hooks know of for this agent, if any. */
  async pendingPrompt(agent: AgentRecord): Promise<HookState | undefined> {
    const st = await this.store.getState(agent.space, agent.name);
    return st?.state === 'waiting_approval' ? toHookState({ ...st, space: agent.space, agent: agent.name }) : undefined;
  }

  /**
   * The screen prompt id to require when `approve` was given a prompt id: the given id itself,
   * unless it is the hook's id of the pending prompt, in which case the dialog on screen (checked
   * now) must be the one the hook recorded (same tool, and its text shows the hook's subject), and
   * its own id is required. A hook state can be stale (a hook dropped, an Escape fires none) while
   * another dialog is open: then nothing is sent and the answer says what is pending now.
   */
  async expectedScreenPromptId(agent: AgentRecord, kind: string, given: string, checkScreen: () => Promise<ApprovalInfo>): Promise<string> {
    const program = this.programs.hooks(kind);
    const pending = program && (await this.pendingPrompt(agent));
    if (!program || !pending || pending.detail.prompt_id !== given) return given;
    const screen = await checkScreen();
    if (!screen.needsApproval || screen.promptId === undefined) {
      throw new DomainError('no_pending_approval', `The hooks report prompt ${given} of "${agent.name}", but its screen shows no permission prompt (it may have been answered at the terminal). Call list_liveness again.`);
    }
    if (screen.promptId === given) return given;
    const hookTool = pending.detail.tool_name;
    const sameTool = screen.toolName === undefined || !program.differentTools(hookTool, screen.toolName);
    if (!sameTool || !dialogShowsSubject(program.subjectForm(hookTool), pending.detail.subject, screen.promptText)) {
      const quote = (s: string | undefined) => (s === undefined ? '' : ` "${visible(s.replace(/\s+/gu, ' ').trim().slice(0, QUOTE_CHARS))}${s.length > QUOTE_CHARS ? '…' : ''}"`);
      throw new DomainError(
        'prompt_mismatch',
        `Prompt ${given} is the hooks' ${hookTool ?? 'tool'} prompt${quote(pending.detail.subject)}, but the screen of "${agent.name}" now shows ${screen.toolName ? `a ${screen.toolName}` : 'a'} prompt${quote(screen.promptText)} (prompt_id ${screen.promptId}): the hook state is stale. Nothing was sent. ` +
          `Read the screen (capture_output), then approve with prompt_id ${screen.promptId} if you mean that one.`,
      );
    }
    return screen.promptId;
  }

  /** Records an answer given with the approve tool, and moves the hook state on (no hook fires for it). */
  async recordApprove(agent: AgentRecord, decision: string, res: { toolName?: string; promptId?: string; cleared: boolean }): Promise<void> {
    await this.store.transact(async (tx) => {
      const st = await tx.getState(agent.space, agent.name);
      const hookPending = st?.state === 'waiting_approval' ? st : undefined;
      await tx.insertDecision({
        space: agent.space,
        agent: agent.name,
        tool_name: (hookPending?.detail.tool_name as string | undefined) ?? res.toolName ?? null,
        subject: (hookPending?.detail.subject as string | undefined) ?? null,
        prompt_id: (hookPending?.detail.prompt_id as string | undefined) ?? res.promptId ?? null,
        decision,
        decided_by: 'approve',
        detail: res.cleared ? null : 'the prompt was still shown after the answer',
      });
      if (hookPending && res.cleared) {
        const next: StoredHookState = {
          state: decision === 'no' ? 'idle' : 'working',
          event: 'approve',
          since: tx.now,
          at: tx.now,
          detail: { ...(hookPending.detail.cc_session !== undefined && { cc_session: hookPending.detail.cc_session }), activity: `answered "${decision}" with approve` },
        };
        await tx.putState(agent.space, agent.name, next);
      }
    });
  }

  /**
   * Waits until the agent's program reports a submitted prompt (its dialect's promptEvent), at or
   * after `sentAt`, carrying `text` (compared whitespace-insensitively), or the time runs out.
   * `hooked`: the agent has ever sent a hook event. A program that reports no prompts answers at once.
   */
  async awaitReceipt(agent: AgentRecord, kind: string, text: string, sentAt: number, timeoutMs: number): Promise<{ delivered: boolean; receipt_ms: number; hooked: boolean }> {
    const promptEvent = this.programs.hooks(kind)?.promptEvent;
    if (promptEvent === undefined) return { delivered: false, receipt_ms: 0, hooked: await this.store.hasEvents(agent.space, agent.name) };
    const want = normalisePrompt(text);
    const wantSha = sha256(want);
    const head = want.slice(0, 1000);
    const deadline = sentAt + timeoutMs;
    let seenId = 0;
    for (;;) {
      const events = await this.store.eventsSince(agent.space, agent.name, sentAt, promptEvent);
      for (const e of events) {
        if (e.id <= seenId) continue;
        seenId = e.id;
        const p = e.payload;
        const prompt = typeof p.prompt === 'string' ? normalisePrompt(p.prompt) : '';
        if (p.prompt_norm_sha === wantSha || prompt === want || (head !== '' && prompt.includes(head))) {
          return { delivered: true, receipt_ms: Math.max(0, e.created_at - sentAt), hooked: true };
        }
      }
      const now = this.clock();
      if (now >= deadline) return { delivered: false, receipt_ms: now - sentAt, hooked: await this.store.hasEvents(agent.space, agent.name) };
      await new Promise((r) => setTimeout(r, Math.min(RECEIPT_POLL_MS, Math.max(1, deadline - now))));
    }
  }

  // ── approval rules ─────────────────────────────────────────────────────────

  /** Only the operator sets or deletes rules: a rule answers prompts of other agents without a click. */
  private checkOperator(caller: CallerLike, what: string): void {
    refuseUnverified(caller, what);
    if (caller.agent !== undefined) {
      throw new DomainError(
        'forbidden',
        `agent "${caller.agent}" cannot ${what}: approval rules answer permission prompts without a click, so only the operator (a server not bound to an agent, or an HTTP caller without X-Agent-Name) may change them.`,
      );
    }
  }

  async setRule(caller: CallerLike, input: { space?: string; agent?: string; tool: string; pattern: string; decision: 'allow' | 'deny' }) {
    this.checkOperator(caller, 'set approval rules');
    if (input.agent !== undefined && input.space === undefined) {
      throw new DomainError('validation', 'agent needs space: a rule for one agent must name its space too (a rule without both applies more widely).');
    }
    const res = await this.store.setRule({ space: input.space ?? null, agent: input.agent ?? null, tool: input.tool, pattern: input.pattern, decision: input.decision });
    const rule = res.rule;
    const line = `approval rule #${rule.id} ${res.created ? 'set' : 'kept'}: ${rule.decision} ${quote(rule.tool)} ${quote(rule.pattern)} for ${rule.agent !== null ? quote(rule.agent) : 'every agent'} in ${rule.space !== null ? quote(rule.space) : 'every space'}`;
    return this.activity ? this.activity.did(caller, line, res) : res;
  }

  async deleteRule(caller: CallerLike, id: number): Promise<ApprovalRuleRecord> {
    this.checkOperator(caller, 'delete approval rules');
    const rule = await this.store.getRule(id);
    if (!rule || !(await this.store.deleteRule(id))) {
      throw new DomainError('not_found', `There is no approval rule ${id}. Call list_approval_rules to see the rules and their ids.`);
    }
    return this.activity ? this.activity.did(caller, `approval rule #${id} deleted`, rule) : rule;
  }

  /**
   * Rules: all for the operator (or of one space / agent); an agent (`me`, the caller's binding:
   * Coordinator.bindingOf) sees the rules that apply to it. `spaceOf` fills in a filter's space.
   */
  async listRules(me: Target | undefined, filter: { space?: string; agent?: string }, spaceOf: (space?: string) => string): Promise<ApprovalRuleRecord[]> {
    if (me !== undefined) return this.store.listRules(me);
    if (filter.agent !== undefined) return this.store.listRules({ space: spaceOf(filter.space), agent: filter.agent });
    if (filter.space !== undefined) return this.store.listRules({ space: filter.space });
    return this.store.listRules();
  }

  /**
   * Decisions, newest first: the operator's of anyone (or as filtered); an agent (`me`, the caller's
   * binding) reads only its own, and naming another agent is refused.
   */
  async listDecisions(me: Target | undefined, filter: { space?: string; agent?: string; after_id?: number; limit?: number }): Promise<ApprovalDecisionRecord[]> {
    if (me !== undefined) {
      if (filter.agent !== undefined && !sameName(filter.agent, me.agent)) {
        throw new DomainError('forbidden', `agent "${me.agent}" can read only its own approval decisions.`);
      }
      filter = { ...filter, space: me.space, agent: me.agent };
    }
    return this.store.listDecisions({
      ...(filter.space !== undefined && { space: filter.space }),
      ...(filter.agent !== undefined && { agent: filter.agent }),
      ...(filter.after_id !== undefined && { afterId: filter.after_id }),
      limit: filter.limit ?? 50,
    });
  }
}

const toHookState = (r: StoredHookState & { space: string; agent: string }): HookState => ({
  state: r.state as HookState['state'],
  event: r.event,
  since: r.since,
  at: r.at,
  detail: r.detail as HookState['detail'],
});

/** The object without its null-valued fields: rules and decisions are answered so by every face (MCP output schemas have optional fields, never null ones). */
export const withoutNulls = <T extends object>(o: T): { [K in keyof T]: Exclude<T[K], null> } =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as { [K in keyof T]: Exclude<T[K], null> };

/** An approval rule as every face answers it (list_approval_rules, GET /approval-rules, …): no nulls, ISO times. */
export const ruleJson = (r: ApprovalRuleRecord) => ({
  ...withoutNulls(r),
  created_at: new Date(r.created_at).toISOString(),
  updated_at: new Date(r.updated_at).toISOString(),
});

/** An approval decision as every face answers it (list_approval_decisions, GET /approval-decisions): no nulls, ISO time. */
export const decisionJson = (d: ApprovalDecisionRecord) => ({ ...withoutNulls(d), created_at: new Date(d.created_at).toISOString() });
