import { describe, expect, it } from 'vitest';
import { LivenessMonitor } from '../../src/core/monitor.js';
import { NOTIFICATION_EVENT, Notifier, RATE, type NotificationEvent, type NotificationSink } from '../../src/core/notifications.js';
import type { LivenessRow } from '../../src/core/liveness.js';
import { fakeCore } from '../helpers/core.js';
import { fixtureScreen } from '../helpers/fake-terminal.js';

/** A sink that keeps what it is given. */
function memorySink(): NotificationSink & { events: NotificationEvent[] } {
  const events: NotificationEvent[] = [];
  return { name: 'memory', events, deliver: (e) => void events.push(e) };
}

/** A monitor with a notifier over a fake core whose agent "dev" of space "web" shows `screen` in session s1. */
async function setup(screen = 'idle', opts: { longTurnMs?: number } = {}) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const core = fakeCore();
  await core.coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
  const pane = core.backend.add('s1', screen);
  const sink = memorySink();
  const notifier = new Notifier({ baseUrl: 'http://hub.test:8899/', host: 'box', clock: () => now, ...opts });
  const monitor = new LivenessMonitor({ coordinator: core.coordinator, clock: () => now, notifier, sinks: [sink], holderId: 'one' });
  const tick = async (ms = 1000) => {
    now += ms;
    await monitor.tick();
  };
  return { ...core, pane, sink, notifier, monitor, tick, clock: () => now, kinds: () => sink.events.map((e) => e.kind) };
}

describe('notifications: one decision per event', () => {
  it('a prompt is announced once, with its tool, subject, prompt id and the dashboard link at the tray', async () => {
    const t = await setup('working');
    await t.tick();
    t.pane.show('bash-one-line');
    await t.tick();
    await t.tick();
    await t.tick();
    expect(t.kinds()).toEqual(['prompt']);
    const e = t.sink.events[0]!;
    expect(e).toMatchObject({ kind: 'prompt', space: 'web', agent: 'dev', host: 'box', tool: 'Bash', prompt_id: t.pane.promptId() });
    expect(e.subject).toBeTruthy();
    expect(e.dashboard_url).toBe('http://hub.test:8899/#prompt=web/dev');
    expect(e.text).toContain('dev (web) waits for approval: Bash');
    // Recorded once in the feed the dashboard reads.
    const recorded = (await t.store.eventsSince(0)).filter((ev) => ev.kind === NOTIFICATION_EVENT);
    expect(recorded.map((ev) => (ev.payload as NotificationEvent).kind)).toEqual(['prompt']);
  });

  it('the same prompt flickering away and back is not announced twice; a different prompt is', async () => {
    const t = await setup('bash-one-line');
    await t.tick();
    t.pane.show('working');
    await t.tick();
    t.pane.show('bash-one-line');
    await t.tick();
    expect(t.kinds()).toEqual(['prompt']);
    t.pane.show('edit');
    await t.tick();
    expect(t.kinds()).toEqual(['prompt', 'prompt']);
    expect(t.sink.events[1]!.tool).not.toBe('Bash');
  });

  it('a block on the model API is announced once per block, with its reason', async () => {
    const t = await setup('working');
    await t.tick();
    t.pane.showLines(fixtureScreen('api-rate-limit', '120x40'));
    await t.tick();
    await t.tick();
    expect(t.kinds()).toEqual(['blocked']);
    expect(t.sink.events[0]).toMatchObject({ kind: 'blocked', reason: 'rate_limit', agent: 'dev' });
    t.pane.show('working');
    await t.tick();
    t.pane.showLines(fixtureScreen('api-auth', '120x40'));
    await t.tick();
    expect(t.sink.events.map((e) => e.reason)).toEqual(['rate_limit', 'auth']);
  });

  it('an agent seen running that goes away is announced once; one first seen gone is not', async () => {
    const t = await setup('idle');
    await t.coordinator.registerSession({}, { space: 'web', agent: 'old', session_id: 'nothing-here' });
    await t.tick();
    await t.tick();
    expect(t.kinds()).toEqual([]);
    await t.backend.killSession('s1');
    await t.tick();
    await t.tick();
    expect(t.kinds()).toEqual(['gone']);
    expect(t.sink.events[0]).toMatchObject({ agent: 'dev', reason: 'missing', dashboard_url: 'http://hub.test:8899/#agent=web/dev' });
  });

  it('a long turn ending is announced; a short one is not; 0 turns it off', async () => {
    const t = await setup('working', { longTurnMs: 60_000 });
    await t.tick();
    await t.tick(30_000);
    t.pane.show('idle');
    await t.tick();
    expect(t.kinds()).toEqual([]);
    t.pane.show('working');
    await t.tick();
    await t.tick(61_000);
    t.pane.show('idle');
    await t.tick();
    expect(t.kinds()).toEqual(['turn_done']);
    expect(t.sink.events[0]!.duration_s).toBeGreaterThanOrEqual(61);

    const off = await setup('working', { longTurnMs: 0 });
    await off.tick();
    await off.tick(3_600_000);
    off.pane.show('idle');
    await off.tick();
    expect(off.kinds()).toEqual([]);
  });

  it('only the process holding the monitor lease notifies: two hubs on one database announce once', async () => {
    const t = await setup('bash-one-line');
    const second = memorySink();
    const other = new LivenessMonitor({ coordinator: t.coordinator, notifier: new Notifier({ baseUrl: 'http://x' }), sinks: [second], holderId: 'two' });
    await t.tick();
    await other.tick();
    await t.tick();
    await other.tick();
    expect(t.kinds()).toEqual(['prompt']);
    expect(second.events).toEqual([]);
    expect(other.isLeader).toBe(false);
  });

  it('a hub taking over the lease (or restarting) does not announce again what was announced', async () => {
    const t = await setup('bash-one-line');
    await t.coordinator.registerSession({}, { space: 'web', agent: 'api', session_id: 's2' });
    const api = t.backend.add('s2', 'working');
    await t.tick();
    api.showLines(fixtureScreen('api-rate-limit', '120x40'));
    await t.tick();
    expect(t.kinds()).toEqual(['prompt', 'blocked']);
    await t.monitor.stop();

    const next = memorySink();
    const b = new LivenessMonitor({ coordinator: t.coordinator, notifier: new Notifier({ baseUrl: 'http://x', clock: t.clock }), sinks: [next], holderId: 'two' });
    await b.tick();
    await b.tick();
    expect(next.events).toEqual([]);
    // What happens after the takeover is announced by the new holder.
    t.pane.show('edit');
    await b.tick();
    expect(next.events.map((e) => [e.kind, e.agent])).toEqual([['prompt', 'dev']]);
    await b.stop();
  });

  it('a long turn counts through the prompts asked on the way', async () => {
    const t = await setup('working', { longTurnMs: 60_000 });
    await t.tick();
    await t.tick(40_000);
    t.pane.show('bash-one-line');
    await t.tick();
    t.pane.show('working');
    await t.tick(10_000);
    await t.tick(15_000);
    t.pane.show('idle');
    await t.tick();
    expect(t.kinds()).toEqual(['prompt', 'turn_done']);
    expect(t.sink.events[1]!.duration_s).toBeGreaterThanOrEqual(60);
  });

  it('the feed never carries the one-time links; the sinks do', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const core = fakeCore();
    await core.coordinator.registerSession({}, { space: 'web', agent: 'dev', session_id: 's1' });
    core.backend.add('s1', 'bash-one-line');
    const sink = memorySink();
    const notifier = new Notifier({ baseUrl: 'https://boss.example', clock: () => now, approveLinks: (p) => ({ yes: `/approve/${p.prompt_id}?t=Y`, no: `/approve/${p.prompt_id}?t=N` }) });
    await new LivenessMonitor({ coordinator: core.coordinator, clock: () => now, notifier, sinks: [sink] }).tick();
    now += 1000;
    const id = sink.events[0]!.prompt_id!;
    expect(sink.events[0]!.approve_links).toEqual({ yes: `https://boss.example/approve/${id}?t=Y`, no: `https://boss.example/approve/${id}?t=N` });
    const recorded = (await core.store.eventsSince(0)).find((ev) => ev.kind === NOTIFICATION_EVENT)!;
    expect(recorded.payload).toMatchObject({ kind: 'prompt', prompt_id: id });
    expect(JSON.stringify(recorded.payload)).not.toContain('approve');
  });
});

describe('notifications: rate limit', () => {
  const row = (agent: string, prompt: string): LivenessRow =>
    ({ space: 'web', agent, state: 'waiting_approval', needs_approval: true, prompt_id: prompt, tool_name: 'Bash', agent_kind: 'claude-code' }) as LivenessRow;

  it(`lets ${RATE.perAgent} events per agent and ${RATE.total} overall through per minute, and says how many it held back`, () => {
    let now = 0;
    const n = new Notifier({ baseUrl: 'http://h', clock: () => now });
    let sent = 0;
    for (let i = 0; i < RATE.perAgent + 4; i++) {
      sent += n.observe([row('flappy', `p${i}`)]).length;
      now += 1000;
    }
    expect(sent).toBe(RATE.perAgent);
    // Others are not starved by one agent; the next event delivered says how many were held back.
    const calm = n.observe([row('calm', 'q1')]);
    expect(calm).toHaveLength(1);
    expect(calm[0]!.suppressed).toBe(4);
    now += RATE.windowMs;
    const next = n.observe([row('flappy', 'late')]);
    expect(next).toHaveLength(1);
    expect(next[0]!.suppressed).toBeUndefined();

    let many = 0;
    const m = new Notifier({ baseUrl: 'http://h', clock: () => 0 });
    for (let i = 0; i < RATE.total + 10; i++) many += m.observe([row(`a${i}`, 'p')]).length;
    expect(many).toBe(RATE.total);
  });

  it("names the agent's host (its row's, with hubs on several hosts), else the deciding hub's", () => {
    const n = new Notifier({ baseUrl: 'http://h', host: 'deciding-hub', clock: () => 0 });
    const [remote, local] = n.observe([{ ...row('far', 'p1'), host: 'gpu-box' }, row('near', 'p2')]);
    expect(remote).toMatchObject({ agent: 'far', host: 'gpu-box' });
    expect(local).toMatchObject({ agent: 'near', host: 'deciding-hub' });
  });

  it('agent text in a subject is one line with control characters shown, cut to length', () => {
    const n = new Notifier({ baseUrl: 'http://h', clock: () => 0 });
    const [e] = n.observe([{ ...row('dev', 'x'), subject: `rm -rf /\n\x1b[31mred${'y'.repeat(1000)}` }]);
    expect(e!.subject).not.toMatch(/[\n\x1b]/);
    expect(e!.subject).toContain('\\x1b[31mred');
    expect(e!.subject!.length).toBeLessThanOrEqual(300);
  });
});
