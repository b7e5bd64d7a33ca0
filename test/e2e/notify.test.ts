import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../../src/core/notifications.js';
import { readEvents, startFakeAgent, waitFor } from '../helpers/fake-agent.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer, type TmuxTestServer } from '../helpers/tmux.js';

/**
 * Notifications end to end: two real hubs (the built CLI) on one data directory watch a fake
 * Claude Code UI in a real tmux pane; both are given the same webhook receiver and a command. The
 * agent asks for a permission (answered through the one-time link the webhook carried), stops on
 * a rate limit and exits: each is received exactly once by the webhook and once by the command. A
 * link is spent across hubs: its sibling, through the other hub, is refused as used.
 */
describe('serve --notify-webhook / --notify-command', () => {
  let tmux: TmuxTestServer;
  let hubs: RunningServer[] = [];
  let dir: { dir: string; cleanup: () => void };
  let received: NotificationEvent[] = [];
  let receiver: ReturnType<typeof createServer>;
  let agentLog: string;
  let commandLog: string;

  beforeAll(async () => {
    dir = tempDir('agent-boss-notify-');
    agentLog = join(dir.dir, 'agent.jsonl');
    commandLog = join(dir.dir, 'command.jsonl');
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        received.push(JSON.parse(body) as NotificationEvent);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ntfy/topic`;
    tmux = await createTmuxServer();
    await startFakeAgent(tmux, 'web-dev', agentLog, 1500);
    const data = join(dir.dir, 'data');
    const args = ['--space', 'web', '--notify-webhook', hookUrl, '--notify-command', `cat >> '${commandLog}'`, '--approval-links', '--notify-long-turn', '0'];
    // The second hub shares the database (and so the monitor's lease) and the tmux server.
    hubs.push(await startServer({ dataDir: data, tmuxSocket: tmux.socketName, args }));
    hubs.push(await startServer({ dataDir: data, tmuxSocket: tmux.socketName, args }));
    const reg = await fetch(`${hubs[0]!.url}/spaces/web/ignition/dev?session_id=web-dev`);
    expect(reg.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(hubs.map((h) => h.stop()));
    hubs = [];
    await tmux?.kill();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    dir?.cleanup();
  });

  const type = async (text: string) => {
    await tmux.tmux('send-keys', '-t', '=web-dev:', '-l', text);
    await tmux.tmux('send-keys', '-t', '=web-dev:', 'Enter');
  };
  const commandEvents = (): NotificationEvent[] =>
    existsSync(commandLog)
      ? readFileSync(commandLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as NotificationEvent)
      : [];
  const bothGot = (kind: string) => () => received.some((e) => e.kind === kind) && commandEvents().some((e) => e.kind === kind);

  it('a prompt arrives once, with the tool, subject and a one-time link that answers it once', async () => {
    await type('PERMIT deploy the site');
    await waitFor(bothGot('prompt'), 20_000, 'the prompt event at the webhook and the command');
    const e = received.find((x) => x.kind === 'prompt')!;
    expect(e).toMatchObject({ kind: 'prompt', space: 'web', agent: 'dev', tool: 'Bash', subject: expect.stringContaining('PERMIT deploy the site') as string });
    expect(e.prompt_id).toMatch(/^[0-9a-f]{12}$/);
    expect(e.dashboard_url).toBe(`${hubs.find((h) => e.dashboard_url.startsWith(h.url))?.url}/#prompt=web/dev`);
    expect(e.approve_links?.yes).toContain(`/approve/${e.prompt_id}?t=`);
    expect(commandEvents().find((x) => x.kind === 'prompt')).toEqual(e);

    // The link needs no hub credential; it answers once, through either hub.
    const ok = await fetch(e.approve_links!.yes, { method: 'POST' });
    expect(ok.status, await ok.clone().text()).toBe(200);
    await waitFor(() => readEvents(agentLog).some((x) => x.type === 'approval' && x.option === 1), 10_000, 'the agent got "yes"');
    await waitFor(() => readEvents(agentLog).some((x) => x.type === 'done'), 10_000, 'the approved work done');

    // The same prompt asked again (the same id, so no new event): the sibling "no" link, through the
    // other hub, finds its prompt pending but its claim spent by the first hub, and sends nothing.
    const otherHub = (link: string) => link.replace(/^http:\/\/127\.0\.0\.1:\d+/, hubs.find((h) => !e.approve_links!.yes.startsWith(h.url))!.url);
    const sibling = otherHub(e.approve_links!.no);
    expect(sibling).not.toBe(e.approve_links!.no);
    await type('PERMIT deploy the site');
    await waitFor(async () => (await fetch(sibling, { headers: { Accept: 'text/html' } })).status === 200, 20_000, 'the same prompt pending again');
    const again = await fetch(sibling, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'link_used' });
    const spentYes = await fetch(otherHub(e.approve_links!.yes), { method: 'POST' });
    expect(await spentYes.json()).toMatchObject({ code: 'link_used' });
    expect(readEvents(agentLog).filter((x) => x.type === 'approval')).toHaveLength(1);
    // Answered on the terminal, so the next steps start from an idle agent.
    await tmux.tmux('send-keys', '-t', '=web-dev:', '1');
    await waitFor(() => readEvents(agentLog).filter((x) => x.type === 'done').length === 2, 10_000, 'the second work done');
  }, 60_000);

  it('a rate limit arrives once as blocked', async () => {
    await type('RATELIMIT please');
    await waitFor(bothGot('blocked'), 20_000, 'the blocked event');
    expect(received.find((x) => x.kind === 'blocked')).toMatchObject({ agent: 'dev', reason: 'rate_limit', tool: 'claude-code' });
  }, 60_000);

  it('the agent exiting arrives once as gone; nothing arrives twice, from either hub', async () => {
    await type('/exit');
    await waitFor(bothGot('gone'), 20_000, 'the gone event');
    expect(received.find((x) => x.kind === 'gone')).toMatchObject({ agent: 'dev', reason: 'missing' });
    // A few more monitor rounds in both hubs: nothing else is announced.
    await new Promise((r) => setTimeout(r, 3000));
    expect(received.map((e) => e.kind)).toEqual(['prompt', 'blocked', 'gone']);
    expect(commandEvents().map((e) => e.kind)).toEqual(['prompt', 'blocked', 'gone']);
    expect(received.every((e) => e.host === hostname())).toBe(true);
    // The start text says where events go, naming the webhook by its origin only (its path is often a secret).
    const started = hubs[0]!.stderr();
    expect(started).toMatch(/notify\s+webhook http:\/\/127\.0\.0\.1:\d+, a command; with one-time approval links/);
    expect(started).not.toContain('/ntfy/topic');
  }, 60_000);
});
