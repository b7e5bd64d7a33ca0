import { afterEach, describe, expect, it } from 'vitest';
import { connectClient, fakeCore, textOf } from '../helpers/core.js';
import { TOOL_NAMES } from '../helpers/tool-names.js';

describe('MCP tools over an in-memory SDK client', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  const setup = async (caller = {}, opts: Parameters<typeof fakeCore>[0] = {}, readOnly = false) => {
    const core = fakeCore(opts);
    const conn = await connectClient(core.coordinator, caller, readOnly);
    close = conn.close;
    return { ...core, ...conn };
  };

  it('lists exactly the tools with schemas and annotations', async () => {
    const { client } = await setup();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    const by = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(by.list_liveness!.annotations).toMatchObject({ readOnlyHint: true });
    expect(by.send_input!.annotations).toMatchObject({ destructiveHint: true });
    expect(by.interrupt!.annotations).toMatchObject({ destructiveHint: true });
    expect(by.register_session!.annotations).toMatchObject({ idempotentHint: true });
    for (const t of tools) {
      expect(t.outputSchema).toBeDefined();
      expect(t.inputSchema.additionalProperties).toBe(false);
      for (const [field, schema] of Object.entries(t.inputSchema.properties ?? {})) {
        expect((schema as { description?: string }).description, `${t.name}.${field}`).toBeTruthy();
      }
    }
  });

  it('snapshot of the tool surface', async () => {
    const { client } = await setup();
    const { tools } = await client.listTools();
    const surface = tools.map((t) => ({ name: t.name, input: Object.keys(t.inputSchema.properties ?? {}), required: t.inputSchema.required ?? [] }));
    expect(surface).toMatchInlineSnapshot(`
      [
        {
          "input": [
            "space",
            "agent",
            "session_id",
            "backend",
            "agent_kind",
            "parent",
            "role",
            "take_over",
          ],
          "name": "register_session",
          "required": [],
        },
        {
          "input": [
            "space",
            "agent",
            "status",
            "summary",
            "branch",
            "worktree",
            "pr",
            "phase",
            "test_count",
            "items",
            "next_steps",
            "questions",
            "blockers",
            "free_text",
            "repo_url",
            "parent",
            "role",
          ],
          "name": "report_status",
          "required": [
            "status",
            "summary",
          ],
        },
        {
          "input": [
            "space",
            "agent",
            "text",
            "submit",
            "await_receipt",
            "receipt_timeout_ms",
          ],
          "name": "send_input",
          "required": [
            "agent",
            "text",
          ],
        },
        {
          "input": [
            "space",
            "agent",
            "decision",
            "prompt_id",
            "option",
          ],
          "name": "approve",
          "required": [
            "agent",
          ],
        },
        {
          "input": [
            "space",
            "agent",
          ],
          "name": "interrupt",
          "required": [
            "agent",
          ],
        },
        {
          "input": [
            "space",
            "all_spaces",
            "host",
          ],
          "name": "list_liveness",
          "required": [],
        },
        {
          "input": [
            "space",
            "agent",
            "tool",
            "pattern",
            "decision",
          ],
          "name": "set_approval_rule",
          "required": [
            "tool",
            "pattern",
            "decision",
          ],
        },
        {
          "input": [
            "space",
            "agent",
          ],
          "name": "list_approval_rules",
          "required": [],
        },
        {
          "input": [
            "id",
          ],
          "name": "delete_approval_rule",
          "required": [
            "id",
          ],
        },
        {
          "input": [
            "space",
            "agent",
            "after_id",
            "limit",
          ],
          "name": "list_approval_decisions",
          "required": [],
        },
        {
          "input": [
            "space",
            "agent",
            "work_dir",
            "command",
            "agent_kind",
            "backend",
            "parent",
            "role",
            "skip_permissions",
            "ready_timeout_s",
            "tools_timeout_s",
            "host",
          ],
          "name": "spawn_agent",
          "required": [
            "agent",
            "work_dir",
          ],
        },
        {
          "input": [
            "space",
            "agent",
          ],
          "name": "stop_agent",
          "required": [
            "agent",
          ],
        },
        {
          "input": [
            "space",
            "agent",
            "ignite",
            "ready_timeout_s",
            "tools_timeout_s",
          ],
          "name": "resume_agent",
          "required": [
            "agent",
          ],
        },
        {
          "input": [
            "space",
            "agent",
          ],
          "name": "delete_agent",
          "required": [
            "agent",
          ],
        },
        {
          "input": [
            "space",
            "agent",
            "lines",
          ],
          "name": "capture_output",
          "required": [
            "agent",
          ],
        },
        {
          "input": [
            "space",
            "agent",
            "state",
            "timeout_s",
          ],
          "name": "wait_for",
          "required": [
            "agent",
            "state",
          ],
        },
      ]
    `);
  });

  it('read-only mode offers only read-only tools', async () => {
    const { client } = await setup({}, {}, true);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['list_liveness', 'list_approval_rules', 'list_approval_decisions', 'capture_output', 'wait_for']);
  });

  it('registers, reports and lists with structured results', async () => {
    const { call, backend } = await setup({}, { defaultSpace: 'web' });
    backend.add('web-api', 'idle');
    const reg = await call('register_session', { agent: 'api', session_id: 'web-api', role: 'backend' });
    expect(reg.isError).toBeFalsy();
    expect(reg.structuredContent).toMatchObject({ space: 'web', agent: 'api', session_id: 'web-api', backend: 'tmux', role: 'backend', created: true });
    expect(textOf(reg)).toContain('Registered agent "api" in space "web"');
    const rep = await call('report_status', { agent: 'api', status: 'active', summary: 'Adding pagination', test_count: 12, items: ['a'] });
    expect(rep.structuredContent).toMatchObject({ status: 'active', summary: 'Adding pagination', session_id: 'web-api' });
    const live = await call('list_liveness', {});
    expect(live.structuredContent).toMatchObject({ agents: [{ space: 'web', agent: 'api', state: 'idle', exists: true, status: 'active' }] });
  });

  it('lists one space by default and every space on request', async () => {
    const { call, store } = await setup();
    await store.report('default', 'a', { status: 'active', summary: 'x' });
    await store.report('web', 'b', { status: 'active', summary: 'y' });
    const agentsOf = async (args: Record<string, unknown>) =>
      ((await call('list_liveness', args)).structuredContent as { agents: { agent: string }[] }).agents.map((r) => r.agent);
    expect(await agentsOf({})).toEqual(['a']);
    expect(await agentsOf({ space: 'WEB' })).toEqual(['b']);
    expect(await agentsOf({ all_spaces: true })).toEqual(['a', 'b']);
    const both = await call('list_liveness', { space: 'web', all_spaces: true });
    expect(both.isError).toBe(true);
    expect(textOf(both)).toMatch(/either space or all_spaces/);
  });

  it('uses the bound agent as default and refuses reporting for another', async () => {
    const { call, store } = await setup({ agent: 'me' });
    // Its own channel: the first report registers it.
    const ok = await call('report_status', { status: 'idle', summary: 'ready' });
    expect(ok.structuredContent).toMatchObject({ agent: 'me', space: 'default' });
    const bad = await call('report_status', { agent: 'you', status: 'idle', summary: 'x' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/cannot post to "you"'s channel/);
    expect(await store.getAgent('default', 'you')).toBeUndefined();
  });

  it('report_status never creates an agent: an unknown name is refused with "did you mean" from that space', async () => {
    const { call, store } = await setup();
    await store.report('web', 'api-dev', { status: 'active', summary: 'x' });
    await store.report('mobile', 'ios', { status: 'active', summary: 'y' });
    const typo = await call('report_status', { space: 'web', agent: 'api-dve', status: 'done', summary: 'finished' });
    expect(typo.isError).toBe(true);
    expect(textOf(typo)).toBe('Agent "api-dve" is not registered in space "web": did you mean "api-dev"? Use that name, or call list_liveness to see the agents of space "web".');
    const fresh = await call('report_status', { space: 'web', agent: 'newcomer', status: 'active', summary: 'hi' });
    expect(fresh.isError).toBe(true);
    expect(textOf(fresh)).toMatch(/not registered in space "web"\. Call register_session first/);
    // A name of another space only is a wrong space, not a typo.
    expect(textOf(await call('report_status', { space: 'web', agent: 'ios', status: 'done', summary: 'z' }))).toMatch(/it is registered in space "mobile"/);
    expect((await store.listAgents()).map((a) => `${a.space}/${a.name}`)).toEqual(['mobile/ios', 'web/api-dev']);
    expect((await store.getAgent('web', 'api-dev'))!.status).toBe('active');
  });

  it('every tool naming an unknown agent says "did you mean" with a name of that space', async () => {
    const { call, store } = await setup();
    await store.report('web', 'reviewer', { status: 'active', summary: 'x' });
    for (const [tool, args] of [
      ['send_input', { text: 'hi' }],
      ['approve', {}],
      ['interrupt', {}],
      ['capture_output', {}],
      ['stop_agent', {}],
      ['delete_agent', {}],
      ['wait_for', { state: 'idle', timeout_s: 1 }],
    ] as const) {
      const r = await call(tool, { space: 'web', agent: 'reveiwer', ...args });
      expect(r.isError, tool).toBe(true);
      expect(textOf(r), tool).toMatch(/^Agent "reveiwer" is not registered in space "web": did you mean "reviewer"\?/);
    }
  });

  it('delete_agent removes an agent: the operator any, a manager its own, nobody else', async () => {
    const { call, store, coordinator } = await setup();
    await store.report('web', 'lead', { status: 'active', summary: 'x' });
    await store.report('web', 'worker', { status: 'active', summary: 'y', parent: 'lead' });
    await store.report('web', 'other', { status: 'active', summary: 'z' });
    await coordinator.registerSession({}, { space: 'web', agent: 'other', session_id: 'web-other' });
    // A bound agent that does not manage "other" is refused, and nothing is removed.
    const asWorker = await connectClient(coordinator, { agent: 'worker', space: 'web' });
    try {
      const refused = await asWorker.call('delete_agent', { agent: 'other' });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/agent "worker" cannot delete "other": an agent may act only on itself and the agents it manages/);
    } finally {
      await asWorker.close();
    }
    expect(await store.getAgent('web', 'other')).toBeDefined();
    // The manager deletes its own agent.
    const asLead = await connectClient(coordinator, { agent: 'lead', space: 'web' });
    try {
      const ok = await asLead.call('delete_agent', { agent: 'worker' });
      expect(ok.isError, textOf(ok)).toBeFalsy();
      expect(ok.structuredContent).toEqual({ space: 'web', agent: 'worker' });
    } finally {
      await asLead.close();
    }
    expect(await store.getAgent('web', 'worker')).toBeUndefined();
    // The operator deletes anyone; the session it had is named and left alone.
    const op = await call('delete_agent', { space: 'web', agent: 'OTHER' });
    expect(op.structuredContent).toEqual({ space: 'web', agent: 'other', session_id: 'web-other' });
    expect(textOf(op)).toMatch(/^Deleted agent "other" from space "web"\. Its session "web-other" was not touched/);
    expect((await store.listAgents()).map((a) => a.name)).toEqual(['lead']);
    const again = await call('delete_agent', { space: 'web', agent: 'other' });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/not registered in space "web"/);
  });

  it('answers domain failures with isError and a next step', async () => {
    const { call } = await setup();
    const r = await call('send_input', { agent: 'ghost', text: 'hi' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/not registered in space "default". Call register_session first/);
    const a = await call('report_status', { status: 'idle', summary: 'x' });
    expect(textOf(a)).toMatch(/agent is required/);
  });

  it('registers a session that does not exist now, saying so in the text and in warnings', async () => {
    const { call, store } = await setup();
    const r = await call('register_session', { agent: 'ok2', space: 'web', session_id: 'typo-session' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(textOf(r)).toMatch(/^Registered agent "ok2" in space "web" on tmux session "typo-session"\.\nWarning: No tmux session "typo-session" exists now\. If the agent starts in it later, this is fine; otherwise register again with the right session_id/);
    expect((r.structuredContent as { warnings: string[] }).warnings).toEqual([expect.stringMatching(/^No tmux session "typo-session" exists now/)]);
    expect((await store.getAgent('web', 'ok2'))!.session_id).toBe('typo-session');
  });

  it('refuses a running session registered to another agent, naming it; take_over moves it', async () => {
    const { call, store, backend, coordinator } = await setup();
    backend.add('web-ui');
    await coordinator.registerSession({}, { space: 'web', agent: 'ui-dev', session_id: 'web-ui' });
    const clean = await call('register_session', { agent: 'ui-dev', space: 'web', session_id: 'web-ui' });
    expect(clean.structuredContent).not.toHaveProperty('warnings');
    const r = await call('register_session', { agent: 'ok2', space: 'ops', session_id: 'web-ui' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toBe(
      'The tmux session "web-ui" is already registered to agent "ui-dev" in space "web": two agents on one terminal would type into each other\'s input. Pass the session "ok2" runs in, or, if that terminal now runs "ok2", register again with take_over: true (the other agent is then left without a session). Nothing was changed.',
    );
    expect(await store.getAgent('ops', 'ok2')).toBeUndefined();
    const taken = await call('register_session', { agent: 'ok2', space: 'ops', session_id: 'web-ui', take_over: true });
    expect(taken.isError, textOf(taken)).toBeFalsy();
    expect((taken.structuredContent as { warnings: string[] }).warnings).toEqual(['Took the session over from agent "ui-dev" in space "web": it has no session now.']);
    expect((await store.getAgent('ops', 'ok2'))!.session_id).toBe('web-ui');
    expect((await store.getAgent('web', 'ui-dev'))!.session_id).toBeNull();
    // A session that does not run: both may wait for it, with a warning.
    await coordinator.registerSession({}, { space: 'web', agent: 'later', session_id: 'web-later' });
    const shared = await call('register_session', { agent: 'later2', space: 'web', session_id: 'web-later' });
    expect(shared.isError, textOf(shared)).toBeFalsy();
    expect((shared.structuredContent as { warnings: string[] }).warnings).toEqual([
      expect.stringMatching(/^No tmux session "web-later" exists now/),
      'The tmux session "web-later" is also registered to agent "later" in space "web": input for either agent goes to the same terminal. Register one of them on its own session (or pass take_over: true).',
    ]);
  });

  it('names the spaces an agent is registered in when the call names another (or none)', async () => {
    const { call, backend, coordinator } = await setup();
    backend.add('web-api');
    await coordinator.registerSession({}, { space: 'web', agent: 'api-dev', session_id: 'web-api' });
    for (const [tool, args] of [
      ['send_input', { agent: 'api-dev', text: 'hi' }],
      ['interrupt', { agent: 'API-dev' }],
      ['capture_output', { agent: 'api-dev' }],
      ['wait_for', { agent: 'api-dev', state: 'idle', timeout_s: 1 }],
    ] as const) {
      const r = await call(tool, args);
      expect(r.isError, tool).toBe(true);
      expect(textOf(r), tool).toMatch(/^Agent "api-dev" is not registered in space "default"; it is registered in space "web": use space "web"\.$/i);
    }
    backend.add('ops-api');
    await coordinator.registerSession({}, { space: 'ops', agent: 'api-dev', session_id: 'ops-api' });
    const two = await call('send_input', { agent: 'api-dev', space: 'qa', text: 'hi' });
    expect(textOf(two)).toBe('Agent "api-dev" is not registered in space "qa"; it is registered in spaces "ops", "web": use one of them as space.');
    const none = await call('send_input', { agent: 'ghost', space: 'web', text: 'hi' });
    expect(textOf(none)).toMatch(/not registered in space "web". Call register_session first/);
  });

  const long = (n: number) => 'x'.repeat(n);
  const BAD: [string, string, Record<string, unknown>, RegExp][] = [
    ['summary over 4 KB', 'report_status', { agent: 'a', status: 'active', summary: long(4097) }, /summary/],
    ['blank summary', 'report_status', { agent: 'a', status: 'active', summary: '   ' }, /summary/],
    ['missing summary', 'report_status', { agent: 'a', status: 'active' }, /summary/],
    ['bad status', 'report_status', { agent: 'a', status: 'sleeping', summary: 'x' }, /status/],
    ['field over 64 KB', 'report_status', { agent: 'a', status: 'active', summary: 'x', free_text: long(65537) }, /free_text/],
    ['list item over 64 KB', 'report_status', { agent: 'a', status: 'active', summary: 'x', items: [long(65537)] }, /items/],
    ['wrong type', 'report_status', { agent: 'a', status: 'active', summary: 'x', test_count: 'many' }, /test_count/],
    ['negative test_count', 'report_status', { agent: 'a', status: 'active', summary: 'x', test_count: -1 }, /test_count/],
    ['unknown field', 'report_status', { agent: 'a', status: 'active', summary: 'x', colour: 'red' }, /colour/],
    ['control char in agent', 'register_session', { agent: 'a\u0000b', session_id: 's' }, /agent/],
    ['newline in space', 'register_session', { space: 'a\nb', agent: 'a', session_id: 's' }, /space/],
    ['empty agent', 'register_session', { agent: '', session_id: 's' }, /agent/],
    ['agent over 100 chars', 'register_session', { agent: long(101), session_id: 's' }, /agent/],
    ['space over 100 chars', 'list_liveness', { space: long(101) }, /space/],
    ['control char in session_id', 'register_session', { agent: 'a', session_id: 'x\u001b[2J' }, /session_id/],
    ['text over 1 MB', 'send_input', { agent: 'a', text: long(1024 * 1024 + 1) }, /text/],
    ['empty text', 'send_input', { agent: 'a', text: '' }, /text/],
    ['escape in text', 'send_input', { agent: 'a', text: 'hi\u001b[201~\rrm -rf x' }, /control characters other than newline and tab/],
    ['lone CR in text', 'send_input', { agent: 'a', text: 'a\rb' }, /control characters/],
    ['control char in role', 'register_session', { agent: 'a', session_id: 's', role: 'dev\u001b[31m' }, /role/],
    ['session_id over 100 chars', 'register_session', { agent: 'a', session_id: long(101) }, /session_id/],
    ['submit not boolean', 'send_input', { agent: 'a', text: 'x', submit: 'yes' }, /submit/],
    ['bad decision', 'approve', { agent: 'a', decision: 'maybe' }, /decision/],
    ['bad prompt_id', 'approve', { agent: 'a', prompt_id: 'a b' }, /prompt_id/],
    ['unknown field on interrupt', 'interrupt', { agent: 'a', force: true }, /force/],
    ['unknown backend', 'register_session', { agent: 'a', session_id: 's', backend: 'screen' }, /Unknown session backend "screen". Configured backends: tmux/],
    ['self parent', 'register_session', { agent: 'a', session_id: 's', parent: 'A' }, /self-parent/],
  ];

  it.each(BAD)('refuses %s with isError naming the field, leaving the database unchanged', async (_label, tool, args, msg) => {
    const { call, db } = await setup();
    const before = db.prepare(`SELECT (SELECT count(*) FROM agents) a, (SELECT count(*) FROM spaces) s, (SELECT count(*) FROM status_history) h, (SELECT count(*) FROM events) e`).get();
    const r = await call(tool, args);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(msg);
    const after = db.prepare(`SELECT (SELECT count(*) FROM agents) a, (SELECT count(*) FROM spaces) s, (SELECT count(*) FROM status_history) h, (SELECT count(*) FROM events) e`).get();
    expect(after).toEqual(before);
  });
});
