import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../../src/core/notifications.js';
import { createLogger } from '../../src/log.js';
import { CommandSink } from '../../src/notify/command.js';
import { WebhookSink } from '../../src/notify/webhook.js';
import { waitFor } from '../helpers/fake-agent.js';
import { tempDir } from '../helpers/tmp.js';

const event = (over: Partial<NotificationEvent> = {}): NotificationEvent => ({
  kind: 'prompt',
  space: 'web',
  agent: 'dev',
  host: 'box',
  tool: 'Bash',
  subject: 'npm test',
  prompt_id: 'abc123abc123',
  title: 'dev asks to use Bash',
  text: 'dev (web) waits for approval: Bash: npm test',
  dashboard_url: 'http://127.0.0.1:8899/#prompt=web/dev',
  at: '2026-01-01T00:00:00.000Z',
  ...over,
});

function logger() {
  const lines: string[] = [];
  return { lines, log: createLogger('debug', (l) => lines.push(l)) };
}

/** A real HTTP receiver on a free port; `answer` decides each response (by the request's number). */
async function receiver(answer: (n: number, res: ServerResponse) => void = (_n, res) => res.end('ok')) {
  const bodies: unknown[] = [];
  let n = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      bodies.push({ body: JSON.parse(body) as unknown, type: req.headers['content-type'] });
      answer(++n, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-part`;
  return { url, bodies, close: () => new Promise<void>((r) => server.close(() => r())), server };
}

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('webhook sink', () => {
  it('posts the event as JSON without blocking the caller, retries a 5xx and logs only the origin', async () => {
    const r = await receiver((n, res) => {
      res.statusCode = n === 1 ? 503 : 200;
      res.end();
    });
    cleanups.push(r.close);
    const { lines, log } = logger();
    const sink = new WebhookSink(r.url, { log, retryDelaysMs: [20, 20] });
    sink.deliver(event());
    expect(r.bodies).toHaveLength(0); // deliver only queues
    await sink.drain();
    expect(r.bodies).toHaveLength(2);
    expect(r.bodies[1]).toEqual({ body: event(), type: 'application/json' });
    expect(lines.join('')).not.toContain('secret-part');
  });

  it('gives up after its retries on a receiver that never answers (each try bounded by the timeout), and does not retry a 4xx', async () => {
    const hang = await receiver(() => undefined);
    cleanups.push(() => {
      hang.server.closeAllConnections();
      return hang.close();
    });
    const { lines, log } = logger();
    const sink = new WebhookSink(hang.url, { log, timeoutMs: 100, retryDelaysMs: [10] });
    const started = Date.now();
    sink.deliver(event());
    await sink.drain();
    expect(hang.bodies).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lines.join('')).toMatch(/no answer within 100 ms; gave up on the prompt event of dev after 2 tries/);

    const bad = await receiver((_n, res) => {
      res.statusCode = 400;
      res.end();
    });
    cleanups.push(bad.close);
    const b = logger();
    const sink2 = new WebhookSink(bad.url, { log: b.log, retryDelaysMs: [10, 10] });
    sink2.deliver(event());
    await sink2.drain();
    expect(bad.bodies).toHaveLength(1);
    expect(b.lines.join('')).toContain('answered 400');
  });
});

describe('command sink', () => {
  it('gives the command the event on stdin and in NOTIFY_* variables', async () => {
    const dir = tempDir('notify-cmd-');
    cleanups.push(dir.cleanup);
    const out = join(dir.dir, 'out');
    const sink = new CommandSink(`cat > ${out}.json; printf '%s|%s|%s|%s' "$NOTIFY_KIND" "$NOTIFY_AGENT" "$NOTIFY_SUBJECT" "$NOTIFY_URL" > ${out}.env`, {
      log: logger().log,
      env: { PATH: process.env.PATH ?? '', BOSS_TOKEN: 'secret-token-value' },
    });
    sink.deliver(event());
    await sink.drain();
    expect(JSON.parse(readFileSync(`${out}.json`, 'utf8'))).toEqual(event());
    expect(readFileSync(`${out}.env`, 'utf8')).toBe('prompt|dev|npm test|http://127.0.0.1:8899/#prompt=web/dev');
  });

  it('agent text is never shell code, and the hub token is not passed on', async () => {
    const dir = tempDir('notify-cmd-');
    cleanups.push(dir.cleanup);
    const pwned = join(dir.dir, 'pwned');
    const out = join(dir.dir, 'out');
    const subject = `$(touch ${pwned}) \`touch ${pwned}2\`; touch ${pwned}3 "'`;
    const sink = new CommandSink(`echo "$NOTIFY_SUBJECT" > ${out}; echo "token:$BOSS_TOKEN" >> ${out}`, {
      log: logger().log,
      env: { PATH: process.env.PATH ?? '', BOSS_TOKEN: 'secret-token-value' },
    });
    sink.deliver(event({ subject, agent: 'dev;touch x' }));
    await sink.drain();
    expect(readFileSync(out, 'utf8')).toBe(`${subject}\ntoken:\n`);
    for (const f of [pwned, `${pwned}2`, `${pwned}3`]) expect(existsSync(f)).toBe(false);
  });

  it('kills a command that runs too long (its whole process group) and logs a failing one', async () => {
    const dir = tempDir('notify-cmd-');
    cleanups.push(dir.cleanup);
    const late = join(dir.dir, 'late');
    const { lines, log } = logger();
    const sink = new CommandSink(`(sleep 2; touch ${late}) & sleep 30`, { log, env: { PATH: process.env.PATH ?? '' }, timeoutMs: 200 });
    const started = Date.now();
    sink.deliver(event());
    await sink.drain();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lines.join('')).toMatch(/killed after 200 ms/);
    await new Promise((r) => setTimeout(r, 2500));
    expect(existsSync(late)).toBe(false);

    const failing = new CommandSink('echo nope >&2; exit 3', { log, env: { PATH: process.env.PATH ?? '' } });
    failing.deliver(event());
    await failing.drain();
    await waitFor(() => lines.some((l) => /exited with 3 on the prompt event of dev: nope/.test(l)), 2000, 'the failure logged');
  });
});
