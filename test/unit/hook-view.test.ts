import { describe, expect, it } from 'vitest';
import { claudeCodeHooks } from '../../src/agents/claude-code/hooks.js';
import { agentHooksCatalog } from '../../src/agents/hooks.js';
import { hookPromptId } from '../../src/core/hook-state.js';
import { recordHookEvent } from '../../src/core/hooks.js';
import { HookView } from '../../src/core/hook-view.js';
import { SqliteHookStore } from '../../src/store/hooks-store.js';
import { connectClient, fakeCore, textOf } from '../helpers/core.js';
import { claudeCodeSubmits } from '../fixtures/unicode-text.js';
import { fixtureScreen } from '../helpers/fake-terminal.js';

/** The core with a hook store on the same (in-memory) database and the fake backend. */
async function setup() {
  const core = fakeCore({ defaultSpace: 'web' });
  const hooks = new SqliteHookStore(core.db);
  const { Coordinator } = await import('../../src/core/coordinator.js');
  const coordinator = new Coordinator({ store: core.store, backends: core.backends, hooks: new HookView(hooks, agentHooksCatalog), defaultSpace: 'web' });
  await coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
  const session = core.backend.add('s1', 'bash-one-line');
  // The command the fixture's dialog shows.
  const input = { command: 'touch one-line.txt' };
  await recordHookEvent(hooks, claudeCodeHooks, { event: 'PermissionRequest', toolName: 'Bash', toolInput: input }, {}, { agent: 'dev', space: 'web', defaultSpace: 'web' });
  return { ...core, hooks, coordinator, session, hookId: hookPromptId(claudeCodeHooks, 'Bash', input) };
}

describe('approve and rules with hooks', () => {
  it('list_liveness shows the hook prompt id; approve accepts it and records the answer', async () => {
    const { coordinator, hooks, session, hookId } = await setup();
    const row = (await coordinator.listLiveness('web'))[0]!;
    expect(row).toMatchObject({ source: 'hook', prompt_id: hookId, tool_input: { command: 'touch one-line.txt' } });
    expect(session.promptId()).toBe(hookId); // a Bash command shown whole: the screen's id is the hook's
    const res = await coordinator.approve({}, { space: 'web', agent: 'dev', prompt_id: hookId });
    expect(res.cleared).toBe(true);
    expect(session.keys).toEqual(['1']);
    expect((await hooks.listDecisions({ agent: 'dev' }))[0]).toMatchObject({ decided_by: 'approve', decision: 'yes', subject: 'touch one-line.txt', prompt_id: hookId });
    expect((await coordinator.listLiveness('web'))[0]).toMatchObject({ state: 'working', source: 'hook', hook_event: 'approve' });
  });

  it('refuses a hook prompt id when the screen shows another dialog or none, sending nothing', async () => {
    const { coordinator, session, hookId } = await setup();
    session.show('edit');
    await expect(coordinator.approve({}, { space: 'web', agent: 'dev', prompt_id: hookId })).rejects.toMatchObject({ code: 'prompt_mismatch' });
    session.show('idle');
    await expect(coordinator.approve({}, { space: 'web', agent: 'dev', prompt_id: hookId })).rejects.toMatchObject({ code: 'no_pending_approval' });
    expect(session.keys).toEqual([]);
  });

  it('refuses a stale hook prompt id whose tool matches but whose dialog on screen is another (nothing sent), naming what is pending now', async () => {
    const { coordinator, hooks, session } = await setup();
    // The hook recorded `echo SAFE`; that prompt was dismissed (no hook fired) and a dialog for another command is open.
    const safe = { command: 'echo SAFE' };
    await recordHookEvent(hooks, claudeCodeHooks, { event: 'PermissionRequest', toolName: 'Bash', toolInput: safe }, {}, { agent: 'dev', space: 'web', defaultSpace: 'web' });
    session.showLines(fixtureScreen('bash-one-line').map((l) => l.replace('touch one-line.txt', 'rm -rf ~/project')));
    const screenId = session.promptId()!;
    const err = await coordinator.approve({}, { space: 'web', agent: 'dev', prompt_id: hookPromptId(claudeCodeHooks, 'Bash', safe) }).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(err?.code).toBe('prompt_mismatch');
    expect(err?.message).toMatch(/the hooks' Bash prompt "echo SAFE", but the screen of "dev" now shows a Bash prompt "rm -rf ~\/project" \(prompt_id [0-9a-f]{12}\): the hook state is stale\. Nothing was sent/);
    expect(err?.message).toContain(`approve with prompt_id ${screenId}`);
    expect(session.keys).toEqual([]);
    // The screen's own id answers the dialog that is there.
    expect((await coordinator.approve({}, { space: 'web', agent: 'dev', prompt_id: screenId })).prompt_id).toBe(screenId);
  });

  it('accepts a hook prompt id whose dialog shows its file by a relative path (a different screen id)', async () => {
    const { coordinator, hooks, session } = await setup();
    const edit = { file_path: '/home/u/webapp/notes.txt', old_string: 'beta', new_string: 'BETA' };
    await recordHookEvent(hooks, claudeCodeHooks, { event: 'PermissionRequest', toolName: 'Edit', toolInput: edit }, {}, { agent: 'dev', space: 'web', defaultSpace: 'web' });
    session.show('edit');
    expect(session.promptId()).not.toBe(hookPromptId(claudeCodeHooks, 'Edit', edit));
    const res = await coordinator.approve({}, { space: 'web', agent: 'dev', prompt_id: hookPromptId(claudeCodeHooks, 'Edit', edit) });
    expect(res.cleared).toBe(true);
    expect(session.keys).toEqual(['1']);
  });

  it('only the operator sets and deletes rules; an agent lists the rules that apply to it', async () => {
    const { coordinator } = await setup();
    const agent = await connectClient(coordinator, { agent: 'dev', space: 'web' });
    const op = await connectClient(coordinator, {});
    try {
      const refused = await agent.call('set_approval_rule', { tool: 'Bash', pattern: '*', decision: 'allow' });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/only the operator/);
      const set = await op.call('set_approval_rule', { space: 'web', tool: 'Bash', pattern: 'npm test', decision: 'allow' });
      expect(set.structuredContent).toMatchObject({ created: true, rule: { space: 'web', tool: 'Bash', decision: 'allow' } });
      expect((set.structuredContent as { rule: object }).rule).not.toHaveProperty('agent'); // every agent of the space
      const again = await op.call('set_approval_rule', { space: 'web', tool: 'Bash', pattern: 'npm test', decision: 'deny' });
      expect(again.structuredContent).toMatchObject({ created: false, rule: { decision: 'deny' } });
      await op.call('set_approval_rule', { space: 'other', tool: 'Bash', pattern: 'x', decision: 'allow' });
      const needSpace = await op.call('set_approval_rule', { agent: 'dev', tool: 'Bash', pattern: 'x', decision: 'allow' });
      expect(textOf(needSpace)).toMatch(/agent needs space/);
      const mine = await agent.call('list_approval_rules', {});
      expect((mine.structuredContent as { rules: unknown[] }).rules).toHaveLength(1);
      const all = await op.call('list_approval_rules', {});
      expect((all.structuredContent as { rules: { id: number }[] }).rules).toHaveLength(2);
      const id = (all.structuredContent as { rules: { id: number }[] }).rules[0]!.id;
      expect((await agent.call('delete_approval_rule', { id })).isError).toBe(true);
      expect((await op.call('delete_approval_rule', { id })).isError).toBeFalsy();
      expect(textOf(await op.call('delete_approval_rule', { id }))).toMatch(/no approval rule/);
      expect(textOf(await agent.call('list_approval_decisions', { agent: 'other' }))).toMatch(/only its own/);
    } finally {
      await agent.close();
      await op.close();
    }
  });
});

describe('delivery receipt', () => {
  it.each([
    ['short', 'cafe\u0301 zero\u200Bwidth \u{1F44D}\u{1F3FD} family \u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}'],
    ['long', `cafe\u0301 zero\u200Bwidth ${'a long message with words to fill it up. '.repeat(60)}\u{1F44D}\u{1F3FD} end`],
  ])('a %s text Claude Code submitted composed and without zero-width characters counts as delivered', async (_, text) => {
    const { coordinator, hooks } = await setup();
    const sentAt = coordinator.now();
    const prompt = claudeCodeSubmits(text);
    expect(prompt).not.toBe(text);
    await recordHookEvent(hooks, claudeCodeHooks, { event: 'UserPromptSubmit', prompt }, { hook_event_name: 'UserPromptSubmit', prompt }, { agent: 'dev', space: 'web', defaultSpace: 'web' });
    expect(await coordinator.awaitReceipt({ space: 'web', agent: 'dev' }, text, sentAt, 300)).toMatchObject({ delivered: true });
    expect(await coordinator.awaitReceipt({ space: 'web', agent: 'dev' }, `other ${text}`, sentAt, 300)).toMatchObject({ delivered: false });
  });
});

