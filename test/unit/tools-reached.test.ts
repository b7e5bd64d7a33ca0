/**
 * spawn_agent types the ignite prompt only once the agent reached its agent-boss tools (an MCP
 * session bound to it initialized); otherwise the spawn failed: not ignited, with the reason and
 * the next step. Core over a fake backend, the MCP session a real SDK client in memory.
 */
import { describe, expect, it } from 'vitest';
import { spawnAgent } from '../../src/core/lifecycle.js';
import { connectClient, fakeCore } from '../helpers/core.js';
import { waitFor } from '../helpers/fake-agent.js';
import { tempDir } from '../helpers/tmp.js';

describe('the ignite prompt waits for the agent-boss tools', () => {
  it('not reached within the bound: not ignited, nothing typed, the agent marked error, the reason and the next step', async () => {
    const { coordinator, backend } = fakeCore();
    const { dir, cleanup } = tempDir();
    try {
      // A connection from before the spawn (an earlier start of the agent) does not count.
      const early = await connectClient(coordinator, { space: 'web', agent: 'dev' });
      await early.close();
      const pending = spawnAgent(coordinator, {}, { space: 'web', agent: 'dev', work_dir: dir, tools_timeout_s: 1 }, { pollMs: 20, ignition: async () => 'IGNITE' });
      await waitFor(() => backend.sessions.get('web-dev'), 5_000, 'the session').then((pane) => pane.show('idle'));
      const res = await pending;
      expect(res).toMatchObject({ ready: true, ignited: false, tools_reached: false });
      expect(res.problem).toMatch(/^Its agent-boss tools did not connect within 1 s \(no agent-boss MCP server bound to "dev" initialized\), so the ignite prompt was not typed: .* To see why: \/mcp in its session .*Fix it, then stop_agent and spawn_agent again; session "web-dev" is kept for reading \(capture_output\)\.$/);
      expect(backend.sessions.get('web-dev')!.inputs).toEqual([]);
      expect(await coordinator.getAgent({ space: 'web', agent: 'dev' })).toMatchObject({ status: 'error', summary: 'Started, but its agent-boss tools did not connect within 1 s; not ignited.' });
    } finally {
      cleanup();
    }
  });

  it('reached: an MCP session bound to the agent initialized, then the ignite prompt is typed', async () => {
    const { coordinator, backend } = fakeCore();
    const { dir, cleanup } = tempDir();
    try {
      const pending = spawnAgent(coordinator, {}, { space: 'web', agent: 'dev', work_dir: dir }, { pollMs: 20, ignition: async () => 'IGNITE' });
      const pane = await waitFor(() => backend.sessions.get('web-dev'), 5_000, 'the session');
      pane.show('idle');
      // The operator's own session is no agent reaching its tools; the agent's is.
      const operator = await connectClient(coordinator, {});
      await new Promise((r) => setTimeout(r, 200));
      expect(pane.inputs).toEqual([]);
      const agent = await connectClient(coordinator, { space: 'web', agent: 'dev' });
      const res = await pending;
      expect(res).toMatchObject({ ready: true, ignited: true, tools_reached: true });
      expect(res.problem).toBeUndefined();
      expect(pane.inputs.map((i) => i.text)).toEqual(['IGNITE']);
      await operator.close();
      await agent.close();
    } finally {
      cleanup();
    }
  });

  it('tools_timeout_s 0: not waited for (a program that reaches the hub another way)', async () => {
    const { coordinator, backend } = fakeCore();
    const { dir, cleanup } = tempDir();
    try {
      const pending = spawnAgent(coordinator, {}, { space: 'web', agent: 'curl', work_dir: dir, tools_timeout_s: 0 }, { pollMs: 20, ignition: async () => 'IGNITE' });
      await waitFor(() => backend.sessions.get('web-curl'), 5_000, 'the session').then((pane) => pane.show('idle'));
      const res = await pending;
      expect(res).toMatchObject({ ready: true, ignited: true });
      expect(res.tools_reached).toBeUndefined();
    } finally {
      cleanup();
    }
  });
});
