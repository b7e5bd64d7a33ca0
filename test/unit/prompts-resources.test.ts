import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/core/coordinator.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { fakeCore } from '../helpers/core.js';
import { waitFor } from '../helpers/fake-agent.js';

describe('MCP prompts and resources', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  const setup = async (caller: Caller = {}) => {
    const core = fakeCore();
    const server = createMcpServer({ coordinator: core.coordinator, caller, subscriptionPollMs: 50 });
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test', version: '0' });
    await Promise.all([server.connect(b), client.connect(a)]);
    close = () => client.close();
    const { coordinator, backend } = core;
    backend.add('web-api');
    backend.add('web-ui');
    await coordinator.registerSession({}, { space: 'web', agent: 'api-dev', session_id: 'web-api', role: 'backend', agent_kind: 'claude-code' });
    await coordinator.registerSession({}, { space: 'web', agent: 'ui-dev', session_id: 'web-ui', parent: 'api-dev' });
    await coordinator.reportStatus({}, { space: 'web', agent: 'ui-dev' }, { status: 'blocked', summary: 'waiting | for API', questions: ['which endpoint?'] });
    await coordinator.registerSession({}, { space: 'ops', agent: 'deployer', session_id: 'ops-d' });
    return { ...core, client };
  };

  it('lists ignite and check with optional agent and space arguments', async () => {
    const { client } = await setup();
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => [p.name, p.title])).toEqual([
      ['ignite', 'Ignite: start as a coordinated agent'],
      ['check', 'Check: sync your status'],
    ]);
    for (const p of prompts) expect(p.arguments?.map((a) => [a.name, a.required ?? false])).toEqual([['agent', false], ['space', false]]);
  });

  it('ignite tells the agent who it is, its peers, and to register and report', async () => {
    const { client } = await setup();
    const r = await client.getPrompt({ name: 'ignite', arguments: { agent: 'API-DEV', space: 'web' } });
    const text = (r.messages[0]!.content as { text: string }).text;
    expect(r.messages[0]!.role).toBe('user');
    expect(text).toContain('You are **api-dev**, an AI coding agent in the space **web**');
    expect(text).toContain('Your role: **backend**');
    expect(text).toContain('| ui-dev | — | blocked | waiting \\| for API | which endpoint? |');
    expect(text).not.toContain('deployer');
    expect(text).toMatch(/1\. Call `register_session`[^\n]*\n2\. Call `report_status`/);
  });

  it('check and a bound server fill in the agent; a missing agent is refused with the field named', async () => {
    const { client } = await setup({ agent: 'ui-dev', space: 'web' });
    const r = await client.getPrompt({ name: 'check', arguments: {} });
    expect((r.messages[0]!.content as { text: string }).text).toContain('Status check for **ui-dev** in space **web**');
    await close?.();
    const op = await setup();
    await expect(op.client.getPrompt({ name: 'check', arguments: {} })).rejects.toThrow(/agent: name the agent/);
  });

  it('completes spaces and the agents of the chosen space', async () => {
    const { client } = await setup();
    const spaces = await client.complete({ ref: { type: 'ref/prompt', name: 'ignite' }, argument: { name: 'space', value: '' } });
    expect(spaces.completion.values).toEqual(['ops', 'web']);
    const agents = await client.complete({
      ref: { type: 'ref/prompt', name: 'ignite' },
      argument: { name: 'agent', value: 'u' },
      context: { arguments: { space: 'web' } },
    });
    expect(agents.completion.values).toEqual(['ui-dev']);
    const res = await client.complete({ ref: { type: 'ref/resource', uri: 'boss://liveness/{space}' }, argument: { name: 'space', value: 'o' } });
    expect(res.completion.values).toEqual(['ops']);
  });

  it('lists and reads boss://protocol, boss://space/{space}/agents and boss://liveness/{space}', async () => {
    const { client } = await setup();
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['boss://protocol', 'boss://space/ops/agents', 'boss://space/web/agents', 'boss://liveness/ops', 'boss://liveness/web']);
    const templates = await client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual(['boss://space/{space}/agents', 'boss://liveness/{space}']);
    const protocol = await client.readResource({ uri: 'boss://protocol' });
    expect(protocol.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
    expect((protocol.contents[0] as { text: string }).text).toMatch(/call `register_session` once/);
    const agents = JSON.parse(((await client.readResource({ uri: 'boss://space/web/agents' })).contents[0] as { text: string }).text);
    expect(agents.map((a: { agent: string }) => a.agent)).toEqual(['api-dev', 'ui-dev']);
    expect(agents[1]).toMatchObject({ parent: 'api-dev', status: 'blocked', questions: ['which endpoint?'] });
    // The agent kind shows when the agent named one (left out: the default).
    expect(agents[0]).toMatchObject({ agent: 'api-dev', agent_kind: 'claude-code' });
    expect(agents[1]).not.toHaveProperty('agent_kind');
    const live = JSON.parse(((await client.readResource({ uri: 'boss://liveness/web' })).contents[0] as { text: string }).text);
    expect(live.map((r: { agent: string; state: string; agent_kind: string }) => [r.agent, r.state, r.agent_kind])).toEqual([
      ['api-dev', 'idle', 'claude-code'],
      ['ui-dev', 'idle', 'claude-code'],
    ]);
    await expect(client.readResource({ uri: 'boss://nothing' })).rejects.toThrow(/boss:\/\/nothing not found/);
    await expect(client.subscribeResource({ uri: 'boss://nothing' })).rejects.toThrow(/Unknown resource boss:\/\/nothing: see resources\/list/);
    await expect(client.readResource({ uri: 'boss://space/%01/agents' })).rejects.toThrow(/space: space name must not contain control characters/);
  });

  it('notifies a subscriber when the rows of a subscribed resource change, and not after unsubscribing', async () => {
    const { client, coordinator, backend } = await setup();
    const updated: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updated.push(n.params.uri);
    });
    expect(client.getServerCapabilities()?.resources).toMatchObject({ subscribe: true });
    await client.subscribeResource({ uri: 'boss://space/web/agents' });
    await client.subscribeResource({ uri: 'boss://liveness/web' });
    await coordinator.reportStatus({}, { space: 'web', agent: 'api-dev' }, { status: 'active', summary: 'building' });
    await waitFor(() => updated.includes('boss://space/web/agents'), 3000, 'agents updated');
    backend.sessions.get('web-api')!.state = 'working';
    await waitFor(() => updated.includes('boss://liveness/web'), 3000, 'liveness updated');
    const count = updated.length;
    await client.unsubscribeResource({ uri: 'boss://space/web/agents' });
    await client.unsubscribeResource({ uri: 'boss://liveness/web' });
    await coordinator.reportStatus({}, { space: 'web', agent: 'api-dev' }, { status: 'done', summary: 'built' });
    await new Promise((r) => setTimeout(r, 300));
    expect(updated.length).toBe(count);
    // Another space's changes never notify a subscriber of this one.
    expect(updated.every((u) => u.includes('/web'))).toBe(true);
  });
});
