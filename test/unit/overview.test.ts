import { describe, expect, it } from 'vitest';
import { claudeCodeHooks } from '../../src/agents/claude-code/hooks.js';
import { agentHooksCatalog } from '../../src/agents/hooks.js';
import { Coordinator } from '../../src/core/coordinator.js';
import { hookPromptId } from '../../src/core/hook-state.js';
import { HookView } from '../../src/core/hook-view.js';
import { recordHookEvent } from '../../src/core/hooks.js';
import type { LivenessEventRow } from '../../src/core/liveness.js';
import { LIVENESS_EVENT, LivenessMonitor } from '../../src/core/monitor.js';
import { agentOverview } from '../../src/core/overview.js';
import { SqliteHookStore } from '../../src/store/hooks-store.js';
import { fakeCore } from '../helpers/core.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** The monitor over a fake core with one agent (web/dev on session s1) and a clock the test moves. */
async function setup(withHooks = false) {
  const core = fakeCore({ defaultSpace: 'web' });
  const hooks = new SqliteHookStore(core.db);
  const coordinator = withHooks
    ? new Coordinator({ store: core.store, backends: core.backends, hooks: new HookView(hooks, agentHooksCatalog), defaultSpace: 'web' })
    : core.coordinator;
  await coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
  const pane = core.backend.add('s1', 'working');
  const clock = { now: T0 };
  const monitor = new LivenessMonitor({ coordinator, clock: () => clock.now });
  /** The agent's row in the newest session_liveness event. */
  const lastRow = async (): Promise<LivenessEventRow> => {
    const events = (await core.store.eventsSince(0)).filter((e) => e.kind === LIVENESS_EVENT);
    return (events.at(-1)!.payload as LivenessEventRow[]).find((r) => r.agent === 'dev')!;
  };
  return { ...core, coordinator, hooks, pane, clock, monitor, lastRow };
}

describe('how long a prompt has waited (prompt_since)', () => {
  it('starts again for each of several prompts in a row; approval_since stays at the first', async () => {
    const { coordinator, pane, clock, monitor, lastRow } = await setup();
    await monitor.tick();

    // Three different prompts, each shown right after the previous one was answered.
    const shown: { screen: string; at: number; id?: string }[] = [];
    for (const [i, screen] of ['bash-one-line', 'edit', 'bash-multi-line'].entries()) {
      clock.now = T0 + 1000 + i * 11_000;
      pane.show(screen);
      shown.push({ screen, at: clock.now, id: pane.promptId() });
      expect(await monitor.tick(), screen).toHaveLength(1);
      clock.now += 3000; // still the same prompt a few ticks later
      await monitor.tick();
      const row = await lastRow();
      expect(row, screen).toMatchObject({ needs_approval: true, prompt_id: shown[i]!.id, approval_since: iso(T0 + 1000), prompt_since: iso(shown[i]!.at) });
    }
    expect(new Set(shown.map((s) => s.id)).size).toBe(3);

    // The dashboard's overview says the same as the newest event.
    const dev = (await agentOverview(coordinator, 'web')).agents.find((a) => a.agent === 'dev')!;
    expect(dev).toMatchObject({ prompt_id: shown[2]!.id, approval_since: iso(T0 + 1000), prompt_since: iso(shown[2]!.at) });

    // Answered: both are gone; the next prompt starts both afresh.
    clock.now += 1000;
    pane.show('working');
    await monitor.tick();
    const working = await lastRow();
    expect(working).not.toHaveProperty('approval_since');
    expect(working).not.toHaveProperty('prompt_since');
    clock.now += 1000;
    pane.show('write');
    await monitor.tick();
    expect(await lastRow()).toMatchObject({ approval_since: iso(clock.now), prompt_since: iso(clock.now) });
    await monitor.stop();
  });

  it('keeps its time when the hook names the prompt the screen showed first (its id changes)', async () => {
    const { hooks, pane, clock, monitor, lastRow } = await setup(true);
    await monitor.tick();
    clock.now = T0 + 1000;
    pane.show('edit');
    await monitor.tick();
    const screenId = pane.promptId()!;
    expect(await lastRow()).toMatchObject({ source: 'screen', prompt_id: screenId, prompt_since: iso(T0 + 1000) });

    // The PermissionRequest hook arrives: the row now follows it, under the hook's id.
    const input = { file_path: '/work/notes.txt', old_string: 'beta', new_string: 'BETA' };
    await recordHookEvent(hooks, claudeCodeHooks, { event: 'PermissionRequest', toolName: 'Edit', toolInput: input }, {}, { agent: 'dev', space: 'web', defaultSpace: 'web' });
    clock.now += 1000;
    expect(await monitor.tick()).toHaveLength(1);
    const row = await lastRow();
    expect(row.source).toBe('hook');
    expect(row.prompt_id).toBe(hookPromptId(claudeCodeHooks, 'Edit', input));
    expect(row.prompt_id).not.toBe(screenId);
    expect(row.prompt_since).toBe(iso(T0 + 1000));
    await monitor.stop();
  });
});
