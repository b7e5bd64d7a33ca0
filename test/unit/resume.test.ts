/**
 * Resuming an agent with its conversation (core over a fake backend, a real in-memory SQLite):
 * the conversation id recorded from the SessionStart hook and from the exit screen, the command
 * rebuilt with the program's resume flag, who may resume, and each refusal's next step.
 */
import { describe, expect, it } from 'vitest';
import { CLAUDE_CODE_RESUME } from '../../src/agents/claude-code/ui.js';
import { Coordinator } from '../../src/core/coordinator.js';
import { isDomainError } from '../../src/core/errors.js';
import { HookView } from '../../src/core/hook-view.js';
import { spawnAgent, stopAgent } from '../../src/core/lifecycle.js';
import { LivenessMonitor } from '../../src/core/monitor.js';
import { resumeAgent } from '../../src/core/resume.js';
import { SqliteHookStore } from '../../src/store/hooks-store.js';
import { agentHooksCatalog } from '../../src/agents/hooks.js';
import { resumableText } from '../../src/http/serve.js';
import { AS_OPERATOR, fakeCore, fakeHttp } from '../helpers/core.js';
import { fixtureScreen } from '../helpers/fake-terminal.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/fake-agent.js';

const ID = '0b5c3f5e-8d0e-4a55-9a57-3c0e4b1d2f10';

const domainError = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    if (isDomainError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
};

function core() {
  const c = fakeCore();
  const coordinator = new Coordinator({ store: c.store, backends: c.backends, hooks: new HookView(new SqliteHookStore(c.db), agentHooksCatalog), defaultSpace: 'web' });
  return { ...c, coordinator };
}

const row = async (coordinator: Coordinator, agent: string) => (await coordinator.listLiveness('web')).find((r) => r.agent === agent)!;

describe("Claude Code's resume command", () => {
  it('keeps the original flags, drops the ones that pick a conversation, adds --resume <id>', () => {
    expect(CLAUDE_CODE_RESUME.command('claude', ID)).toBe(`claude --resume ${ID}`);
    expect(CLAUDE_CODE_RESUME.command('claude --permission-mode manual --model opus', ID)).toBe(`claude --permission-mode manual --model opus --resume ${ID}`);
    expect(CLAUDE_CODE_RESUME.command('claude -c --resume old-id-1234 --session-id=abcd-1234 --fork-session -r x1234567 --permission-mode manual', ID)).toBe(
      `claude --permission-mode manual --resume ${ID}`,
    );
    // A word that only contains a flag is not one.
    expect(CLAUDE_CODE_RESUME.command("claude --append-system-prompt 'use -c when compiling'", ID)).toBe(`claude --append-system-prompt 'use -c when compiling' --resume ${ID}`);
  });

  it('reads the id from the resume line its screen shows on exit', () => {
    expect(CLAUDE_CODE_RESUME.idOf(`claude --resume ${ID}`)).toBe(ID);
    expect(CLAUDE_CODE_RESUME.idOf(`claude --permission-mode manual -r ${ID}`)).toBe(ID);
    expect(CLAUDE_CODE_RESUME.idOf('claude --continue')).toBeUndefined();
  });
});

describe('the conversation id is recorded and resume_agent restarts with it', () => {
  it('SessionStart records it with the directory; list_liveness shows it; spawn_agent forgets it', async () => {
    const { coordinator, backend } = core();
    const { dir, cleanup } = tempDir();
    try {
      backend.add('cc-1');
      await coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 'cc-1' });
      await coordinator.recordHookEvent({}, 'claude-code', { hook_event_name: 'SessionStart', session_id: ID, cwd: dir }, { space: 'web', agent: 'dev' });
      expect(await coordinator.getAgent({ space: 'web', agent: 'dev' })).toMatchObject({ program_session_id: ID, work_dir: dir });
      expect(await row(coordinator, 'dev')).toMatchObject({ program_session_id: ID, resumable: false, state: 'idle' });
      // An id that is not one shell word is not recorded.
      await coordinator.recordHookEvent({}, 'claude-code', { hook_event_name: 'SessionStart', session_id: 'x; rm -rf ~', cwd: dir }, { space: 'web', agent: 'dev' });
      expect((await coordinator.getAgent({ space: 'web', agent: 'dev' })).program_session_id).toBe(ID);

      backend.sessions.delete('cc-1'); // the tmux server went away
      expect(await row(coordinator, 'dev')).toMatchObject({ state: 'missing', resumable: true, program_session_id: ID });

      const spawned = await spawnAgent(coordinator, {}, { space: 'web', agent: 'dev', work_dir: dir, command: 'claude --permission-mode manual', ready_timeout_s: 1 }, { pollMs: 20 });
      expect(spawned.record).toMatchObject({ program_session_id: null, launch_command: 'claude --permission-mode manual', work_dir: dir });
      expect((await row(coordinator, 'dev')).program_session_id).toBeUndefined();
    } finally {
      cleanup();
    }
  });

  it("the monitor records the id an exited program's screen shows", async () => {
    const { coordinator, backend, store } = core();
    backend.add('cc-2').showLines(fixtureScreen('exited-shell', '120x40'));
    await coordinator.registerSession({}, { space: 'web', agent: 'quiet', session_id: 'cc-2' });
    const shown = await row(coordinator, 'quiet');
    expect(shown.state).toBe('gone');
    expect(shown.program_session_id).toBe('36fb42a7-a949-43f3-9935-36ed7473e925');
    expect((await coordinator.getAgent({ space: 'web', agent: 'quiet' })).program_session_id).toBeNull();
    await new LivenessMonitor({ coordinator }).tick();
    expect((await coordinator.getAgent({ space: 'web', agent: 'quiet' })).program_session_id).toBe(shown.program_session_id);
  });

  it('resumes in its work dir with --resume <id> and its spawn flags; ignites only when asked', async () => {
    const { coordinator, backend } = core();
    const { dir, cleanup } = tempDir();
    try {
      await spawnAgent(coordinator, {}, { space: 'web', agent: 'dev', work_dir: dir, command: 'claude --permission-mode manual', ready_timeout_s: 1 }, { pollMs: 20 });
      await coordinator.recordHookEvent({}, 'claude-code', { hook_event_name: 'SessionStart', session_id: ID, cwd: dir }, { space: 'web', agent: 'dev' });
      expect(await domainError(resumeAgent(coordinator, {}, { space: 'web', agent: 'dev' }))).toMatch(
        /^conflict: Agent "dev" in space "web" is still running in session "web-dev" \(idle\): there is nothing to resume\. Use send_input to give it work, or stop_agent first to restart it with its conversation\.$/,
      );
      await stopAgent(coordinator, {}, { space: 'web', agent: 'dev' });
      let ignited = 0;
      const res = await resumeAgent(coordinator, {}, { space: 'web', agent: 'dev', ready_timeout_s: 1 }, { pollMs: 20, ignition: async () => `ignite ${++ignited}` });
      expect(res).toMatchObject({ session_id: 'web-dev', program_session_id: ID, command: `claude --permission-mode manual --resume ${ID}` });
      expect(res.record).toMatchObject({ program_session_id: ID, launch_command: 'claude --permission-mode manual', work_dir: dir });
      expect(backend.sessions.has('web-dev')).toBe(true);
      expect(ignited).toBe(0);
      // The original command stays recorded: a second resume is built from it again, not from the first resume's command.
      backend.sessions.delete('web-dev');
      expect((await resumeAgent(coordinator, {}, { space: 'web', agent: 'dev', ready_timeout_s: 1 }, { pollMs: 20 })).command).toBe(`claude --permission-mode manual --resume ${ID}`);
    } finally {
      cleanup();
    }
  });

  it('refusals name the next step: no conversation, no directory, a skipping flag, someone else\'s agent, itself', async () => {
    const { coordinator, backend, store } = core();
    const { dir, cleanup } = tempDir();
    try {
      await coordinator.registerSession({}, { space: 'web', agent: 'bare', session_id: 'gone-1' });
      expect(await domainError(resumeAgent(coordinator, {}, { space: 'web', agent: 'bare' }))).toMatch(
        /^not_found: Agent "bare" in space "web" has no recorded conversation to resume: .*agent-boss setup hooks.*Start it afresh with spawn_agent\.$/,
      );
      await store.setLaunch('web', 'bare', { program_session_id: ID });
      expect(await domainError(resumeAgent(coordinator, {}, { space: 'web', agent: 'bare' }))).toMatch(/^not_found: Agent "bare" in space "web" has no recorded work directory.*spawn_agent \(work_dir\)/);
      await store.setLaunch('web', 'bare', { work_dir: `${dir}/removed` });
      expect(await domainError(resumeAgent(coordinator, {}, { space: 'web', agent: 'bare' }))).toMatch(/no longer exists: restore that directory, or start the agent afresh with spawn_agent\.$/);
      expect(await domainError(resumeAgent(coordinator, {}, { space: 'web', agent: 'nobody' }))).toMatch(/^not_found: /);

      // Spawned with permissions skipped (the server allowed it then), resumed by a server that does not.
      await store.setLaunch('web', 'bare', { work_dir: dir, launch_command: 'claude --dangerously-skip-permissions' });
      expect(await domainError(resumeAgent(coordinator, {}, { space: 'web', agent: 'bare' }))).toMatch(/^forbidden: skip_permissions: this server does not start agents with permission prompts skipped/);
      expect(backend.sessions.size).toBe(0);
      const allowed = await resumeAgent(coordinator, {}, { space: 'web', agent: 'bare', ready_timeout_s: 1 }, { pollMs: 20, allowSkipPermissions: true });
      expect(allowed.command).toBe(`claude --dangerously-skip-permissions --resume ${ID}`);
      backend.sessions.clear();

      // Only the operator or its manager; never the agent itself.
      await coordinator.registerSession({}, { space: 'web', agent: 'lead', session_id: 'web-lead' });
      await coordinator.registerSession({}, { space: 'web', agent: 'other', session_id: 'web-other' });
      await store.setLaunch('web', 'bare', { launch_command: 'claude' });
      await coordinator.reportStatus({}, { space: 'web', agent: 'bare' }, { status: 'idle', summary: 'x', parent: 'lead' });
      expect(await domainError(resumeAgent(coordinator, { space: 'web', agent: 'other' }, { space: 'web', agent: 'bare' }))).toMatch(/^forbidden: agent "other" cannot spawn "bare": that agent is registered already and reports to "lead"/);
      expect(await domainError(resumeAgent(coordinator, { space: 'web', agent: 'bare' }, { space: 'web', agent: 'bare' }))).toMatch(/^forbidden: agent "bare" cannot resume itself/);
      const byLead = await resumeAgent(coordinator, { space: 'web', agent: 'lead' }, { space: 'web', agent: 'bare', ready_timeout_s: 1 }, { pollMs: 20 });
      expect(byLead.record).toMatchObject({ name: 'bare', parent: 'lead', session_id: 'web-bare' });
    } finally {
      cleanup();
    }
  });

  it('an agent of another host (hubs sharing a store) is resumed by that host\'s hub: refused here, naming it', async () => {
    const c = fakeCore();
    const coordinator = new Coordinator({
      store: c.store,
      backends: c.backends,
      hooks: new HookView(new SqliteHookStore(c.db), agentHooksCatalog),
      defaultSpace: 'web',
      hosts: { name: 'alpha', shared: true },
    });
    const { dir, cleanup } = tempDir();
    try {
      await coordinator.registerSession({}, { space: 'web', agent: 'far', session_id: 'gone-3' });
      await c.store.setLaunch('web', 'far', { program_session_id: ID, work_dir: dir, launch_command: 'claude' });
      c.db.prepare("UPDATE agents SET host = 'beta' WHERE name = 'far'").run();
      expect(await domainError(resumeAgent(coordinator, {}, { space: 'web', agent: 'far' }))).toMatch(
        /^conflict: "far" runs on host "beta", not on this hub's host "alpha": resume it through the hub of host "beta".*Nothing was sent\.$/,
      );
      expect(c.backend.sessions.size).toBe(0);
    } finally {
      cleanup();
    }
  });

  it("serve's start lists the agents that can be resumed", async () => {
    const { coordinator, store } = core();
    const { dir, cleanup } = tempDir();
    try {
      await coordinator.registerSession({}, { space: 'web', agent: 'api\u001b[31m', session_id: 'gone-2' }).catch(() => undefined);
      await coordinator.registerSession({}, { space: 'web', agent: 'api', session_id: 'gone-2' });
      await store.setLaunch('web', 'api', { program_session_id: ID, work_dir: dir });
      const rows = (await coordinator.listLiveness()).filter((r) => r.resumable);
      expect(resumableText(rows)).toBe(
        `agent-boss: 1 agent whose session is gone can be resumed with its conversation (resume_agent, or Resume on the dashboard):\n  web/api: session missing, conversation ${ID}\n`,
      );
    } finally {
      cleanup();
    }
  });

  it('the agent route and the dashboard route resume, and answer a refusal as JSON naming the next step', async () => {
    const c = core();
    const { app, store, backend } = fakeHttp({ lifecycle: {} }, c);
    const { dir, cleanup } = tempDir();
    try {
      await c.coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 'gone-3' });
      const post = (path: string, body?: unknown) =>
        app.request(path, { method: 'POST', headers: { ...AS_OPERATOR, ...(body !== undefined && { 'Content-Type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) });
      const refused = await post('/spaces/web/agent/dev/resume');
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ error: expect.stringMatching(/has no recorded conversation to resume: .*Start it afresh with spawn_agent\.$/) });

      await store.setLaunch('web', 'dev', { program_session_id: ID, work_dir: dir, launch_command: 'claude --permission-mode manual' });
      const pending = post('/dashboard/api/resume', { space: 'web', agent: 'dev' });
      // The fake session shows a shell; once it is there, it draws the program's input box.
      await waitFor(() => backend.sessions.get('web-dev'), 10_000, 'the new session').then((pane) => pane.show('idle'));
      const ok = await pending;
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ ok: true, space: 'web', agent: 'dev', session_id: 'web-dev', program_session_id: ID, command: `claude --permission-mode manual --resume ${ID}`, ready: true, ignited: false });
      expect(backend.sessions.has('web-dev')).toBe(true);
      // Running now: a second press is refused with what to do instead.
      const again = await post('/spaces/web/agent/dev/resume?ignite=1');
      expect(again.status).toBe(409);
      expect((await again.json()) as { error: string }).toMatchObject({ error: expect.stringMatching(/is still running in session "web-dev"/) });
    } finally {
      cleanup();
    }
  });
});
