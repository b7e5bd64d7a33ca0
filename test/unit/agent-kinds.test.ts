/**
 * The agent program is chosen per agent (`agent_kind`): over one fake terminal, an agent running
 * Claude Code and one running a second, test-only program (added with registerAgentUi, the way a
 * real second program is added) are each read and answered with their own UI, in one listing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentKinds, agentUi, registerAgentUi } from '../../src/agents/index.js';
import type { AgentUi, ScreenReading } from '../../src/backends/agent-ui.js';
import { BackendError, UnknownAgentKindError } from '../../src/backends/errors.js';
import { promptIdFor } from '../../src/backends/prompt-id.js';
import { BackendRegistry } from '../../src/backends/registry.js';
import { DomainError } from '../../src/core/errors.js';
import { fakeCore } from '../helpers/core.js';
import { fixtureScreen } from '../helpers/fake-terminal.js';

const KIND = 'test-repl';

/**
 * A made-up agent program: its prompt is a line "repl>", it asks "Allow <tool> on <what>? (y/n)"
 * and is answered by typing y or n (no digits, no Enter), and it is interrupted with Escape.
 */
function replUi(): AgentUi {
  const ask = /^Allow (\w+) on (.+)\? \(y\/n\)$/;
  const lastLine = (lines: readonly string[]) => lines.filter((l) => l.trim() !== '').at(-1)?.trim();
  return {
    kind: KIND,
    parse(lines): ScreenReading {
      const last = lastLine(lines);
      const q = lines.map((l) => ask.exec(l.trim())).find((m) => m);
      if (q) {
        const promptText = `${q[1]} ${q[2]}`;
        return {
          state: 'waiting_approval',
          toolName: q[1]!,
          promptText,
          promptId: promptIdFor(q[1], promptText),
          options: [
            { number: 1, label: 'y', selected: false },
            { number: 2, label: 'n', selected: false },
          ],
          numbered: false,
          ...(last !== undefined && { lastLine: last }),
        };
      }
      return { state: last?.startsWith('repl>') ? 'idle' : 'working', ...(last !== undefined && { lastLine: last }) };
    },
    answerKeys(dialog, decision, option, where) {
      if (decision === 'always' || option !== undefined) throw new BackendError(`${where}: this program only takes y or n.`, 'option_unavailable');
      const key = decision === 'yes' ? 'y' : 'n';
      return { keys: [{ literal: key }], keySent: key, chosen: dialog.options![decision === 'yes' ? 0 : 1]! };
    },
    interruptPlan: { key: 'Escape', confirmWaitMs: 50 },
    dialogSettleMs: 0,
    inputBoxText: (lines) => lastLine(lines)?.replace(/^repl>\s?/, ''),
    inputShows: (box, text) => box.endsWith(text),
    mustShowExactly: () => false,
    inputIs: (box, text) => box === text,
    lostStart: () => false,
    clearInputKey: 'C-u',
  };
}

let unregister: (() => void) | undefined;
beforeAll(() => {
  unregister = registerAgentUi(KIND, replUi);
});
afterAll(() => unregister?.());

const REPL_DIALOG = ['repl v0.1', 'Allow Deploy on staging? (y/n)'];
const REPL_DONE = ['deployed.', 'repl>'];

/** A core with a Claude Code agent "cc" at its Bash dialog and a test-repl agent "repl" at its own. */
async function twoKinds() {
  const core = fakeCore();
  const cc = core.backend.add('cc-sess', 'waiting_approval');
  const repl = core.backend.add('repl-sess').showLines(REPL_DIALOG, (key) => (key === 'y' || key === 'n' ? REPL_DONE : undefined));
  await core.coordinator.registerSession({}, { space: 's', agent: 'cc', session_id: 'cc-sess' });
  await core.coordinator.registerSession({}, { space: 's', agent: 'repl', session_id: 'repl-sess', agent_kind: KIND });
  return { ...core, cc, repl };
}

describe('agent kinds', () => {
  it('knows the built-in kind and the one a test added', () => {
    expect(agentKinds()).toEqual(['claude-code', 'codex', 'gemini', 'shell', KIND]);
    expect(() => registerAgentUi(KIND, replUi)).toThrow('already registered');
    expect(() => registerAgentUi('Bad Kind', replUi)).toThrow(/a-z, 0-9/);
    // The two UIs read the same screens differently: the premise of the tests below.
    expect(agentUi('claude-code').parse(REPL_DIALOG).state).not.toBe('waiting_approval');
    expect(agentUi(KIND).parse(fixtureScreen('bash-one-line')).state).not.toBe('waiting_approval');
  });

  it('reads each session with the UI of its own agent kind, in one listing of the terminal', async () => {
    const { coordinator, backend } = await twoKinds();
    const listings = backend.terminal.listings;
    const rows = await coordinator.listLiveness('s');
    expect(backend.terminal.listings - listings).toBe(1);
    expect(backend.probeCalls).toBe(1);
    const byAgent = Object.fromEntries(rows.map((r) => [r.agent, r]));
    expect(byAgent.cc).toMatchObject({ agent_kind: 'claude-code', state: 'waiting_approval', needs_approval: true, tool_name: 'Bash' });
    expect(byAgent.repl).toMatchObject({ agent_kind: KIND, state: 'waiting_approval', needs_approval: true, tool_name: 'Deploy', prompt_text: 'Deploy staging' });
    expect(byAgent.repl!.prompt_id).toBe(promptIdFor('Deploy', 'Deploy staging'));
    // Again: cached screens stay with their kind.
    const again = await coordinator.listLiveness('s');
    expect(again.map((r) => [r.agent, r.tool_name])).toEqual([
      ['cc', 'Bash'],
      ['repl', 'Deploy'],
    ]);
  });

  it('answers each dialog with the keys of its own program', async () => {
    const { coordinator, cc, repl } = await twoKinds();
    const replPrompt = (await coordinator.listLiveness('s')).find((r) => r.agent === 'repl')!.prompt_id!;
    const r = await coordinator.approve({}, { space: 's', agent: 'repl', decision: 'yes', prompt_id: replPrompt });
    expect(r).toMatchObject({ tool_name: 'Deploy', cleared: true, chosen: { number: 1, label: 'y' } });
    expect(repl.keys).toEqual(['y']);
    expect(cc.keys).toEqual([]);
    const c = await coordinator.approve({}, { space: 's', agent: 'cc', decision: 'yes' });
    expect(c).toMatchObject({ tool_name: 'Bash', cleared: true, chosen: { number: 1 } });
    expect(cc.keys).toEqual(['1']);
    expect(repl.keys).toEqual(['y']);
    // What only Claude Code offers is refused in the other program's own words, and nothing is sent.
    repl.showLines(REPL_DIALOG);
    await expect(coordinator.approve({}, { space: 's', agent: 'repl', decision: 'always' })).rejects.toThrow(/only takes y or n/);
    expect(repl.keys).toEqual(['y']);
  });

  it('keeps the kind when registering again without one, changes it when one is named', async () => {
    const { coordinator, store } = await twoKinds();
    await coordinator.registerSession({}, { space: 's', agent: 'repl', role: 'deployer' });
    expect((await store.getAgent('s', 'repl'))?.agent_kind).toBe(KIND);
    await coordinator.registerSession({}, { space: 's', agent: 'repl', agent_kind: 'claude-code' });
    expect((await store.getAgent('s', 'repl'))?.agent_kind).toBe('claude-code');
    expect((await coordinator.listLiveness('s')).find((r) => r.agent === 'repl')).toMatchObject({ agent_kind: 'claude-code', needs_approval: false });
  });

  it('refuses an unknown kind, naming the known ones, and writes nothing', async () => {
    const { coordinator, store } = fakeCore();
    const err = await coordinator.registerSession({}, { space: 's', agent: 'a', session_id: 'x', agent_kind: 'aider' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('validation');
    expect((err as DomainError).message).toBe(
      `agent_kind: Unknown agent kind "aider". Known kinds: claude-code, codex, gemini, shell, ${KIND}. Use one of those, or leave agent_kind out for the default (claude-code). Nothing was changed.`,
    );
    expect(await store.listAgents()).toEqual([]);
  });

  it('shows an agent of a kind no longer known as unknown, and refuses actions on it', async () => {
    const { coordinator, store, cc } = await twoKinds();
    await store.register('s', 'ghost', { session_id: 'cc-sess', agent_kind: 'gone-program' });
    const ghost = (await coordinator.listLiveness('s')).find((r) => r.agent === 'ghost')!;
    expect(ghost).toMatchObject({ agent_kind: 'gone-program', state: 'unknown', needs_approval: false });
    await expect(coordinator.approve({}, { space: 's', agent: 'ghost' })).rejects.toThrow(/Unknown agent kind "gone-program".*register_session with agent_kind/);
    expect(cc.keys).toEqual([]);
  });
});

describe('BackendRegistry by agent kind', () => {
  it('gives each kind one backend over the same terminal, made when first asked for', () => {
    const { backend, backends } = fakeCore();
    expect(backends.backendByName('tmux')).toBe(backend);
    expect(backends.backendFor({})).toBe(backend);
    expect(backends.backendFor({ agent_kind: 'claude-code' })).toBe(backend);
    const repl = backends.backendFor({ agent_kind: KIND });
    expect(repl).not.toBe(backend);
    expect(repl).toMatchObject({ name: 'tmux', agentKind: KIND, terminal: backend.terminal });
    expect(backends.backendFor({ backend_type: 'tmux', agent_kind: KIND })).toBe(repl);
    expect(repl.forAgentKind('claude-code')).toBe(backend);
    expect(() => backends.backendFor({ agent_kind: 'nope' })).toThrow(UnknownAgentKindError);
    expect(() => backends.backendFor({ agent_kind: 'nope' })).toThrow(`Known kinds: claude-code, codex, gemini, shell, ${KIND}.`);
    expect(backends.agentKindOf({})).toBe('claude-code');
    expect(backends.agentKindOf({ agent_kind: KIND })).toBe(KIND);
    expect(new BackendRegistry([]).agentKindOf({})).toBe('');
  });
});
