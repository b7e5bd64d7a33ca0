/**
 * SSE subscribers that stop reading are cut off by the bytes they hold, not by a chunk count:
 * three raw sockets that never read, against one normal client, over a real loopback port.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { parseFrame } from '../helpers/server.js';
import { realHub, type RealHub } from '../helpers/hub.js';

const BOUND = 512 * 1024;
const PAYLOAD = 'x'.repeat(32 * 1024);
const ROUND = 10;
const MAX_ROUNDS = 150; // 1,500 events of 32 KiB = 48 MiB at most: far past the bound plus any socket buffers

let hub: RealHub | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await hub?.close();
  hub = undefined;
});

/** A client that sends the request and then never reads a byte. */
function slowClient(url: URL): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(Number(url.port), '127.0.0.1', () => {
      s.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${url.port}\r\nAccept: text/event-stream\r\n\r\n`);
      s.pause();
      resolve(s);
    });
    s.on('error', reject);
    sockets.push(s);
  });
}

it('drops clients that never read once they hold the byte bound, while a reading client gets every event', async () => {
  hub = await realHub({ pollMs: 10, maxBufferedBytes: BOUND });
  const base = await hub.listen();
  const url = new URL(base);
  const slow = await Promise.all([slowClient(url), slowClient(url), slowClient(url)]);

  const res = await fetch(`${base}/events`);
  const received: number[] = [];
  const reader = res.body!.getReader();
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const ev = parseFrame(buf.slice(0, i));
        buf = buf.slice(i + 2);
        if (ev?.event === 'load') received.push(ev.id!);
      }
    }
  })();
  await expect.poll(() => hub!.events.size, { timeout: 5000 }).toBe(4);

  const emitted: number[] = [];
  let maxBuffered = 0;
  for (let round = 0; round < MAX_ROUNDS && hub.events.size > 1; round++) {
    for (let i = 0; i < ROUND; i++) emitted.push((await hub.store.appendEvent('load', null, { round, i, pad: PAYLOAD })));
    // The reading client keeps up: wait (bounded) until it has this round.
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(emitted.length);
    maxBuffered = Math.max(maxBuffered, ...(hub.events.bufferedBytes?.() ?? []));
  }

  // The three slow clients are gone, the reading one is still subscribed and has every event in order.
  expect(hub.events.size).toBe(1);
  expect(received).toEqual(emitted);
  // No subscriber ever held more than the bound plus one frame.
  expect(maxBuffered).toBeLessThanOrEqual(BOUND + PAYLOAD.length + 1024);
  expect(hub.logs.filter((l) => /SSE client is not reading/.test(l))).toHaveLength(3);

  // A slow client that finally reads finds its connection closed, well short of everything sent.
  const totalBytes = emitted.length * PAYLOAD.length;
  const got = await Promise.all(
    slow.map(
      (s) =>
        new Promise<number>((resolve) => {
          let n = 0;
          const timer = setTimeout(() => resolve(-1), 10_000);
          s.on('data', (d: Buffer) => (n += d.length));
          s.on('close', () => {
            clearTimeout(timer);
            resolve(n);
          });
          s.resume();
        }),
    ),
  );
  for (const n of got) {
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(totalBytes);
  }

  // More events still reach the reading client.
  const last = (await hub.store.appendEvent('load', null, { last: true }));
  await expect.poll(() => received.at(-1), { timeout: 5000 }).toBe(last);
  await reader.cancel();
  await reading;
}, 120_000);

it('replays a long backlog after Last-Event-ID at the pace the client reads, without dropping it', async () => {
  hub = await realHub({ pollMs: 10, maxBufferedBytes: BOUND });
  const base = await hub.listen();
  const first = (await hub.store.appendEvent('load', null, { i: -1 }));
  const ids: number[] = [];
  // 4 MiB of backlog: eight times the bound, all missed.
  for (let i = 0; i < 128; i++) ids.push((await hub.store.appendEvent('load', null, { i, pad: PAYLOAD })));
  const res = await fetch(`${base}/events`, { headers: { 'Last-Event-ID': String(first) } });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const got: number[] = [];
  const deadline = Date.now() + 20_000;
  while (got.length < ids.length && Date.now() < deadline) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const ev = parseFrame(buf.slice(0, i));
      buf = buf.slice(i + 2);
      if (ev?.event === 'load') got.push(ev.id!);
    }
  }
  expect(got).toEqual(ids);
  expect(Math.max(...(hub.events.bufferedBytes?.() ?? []))).toBeLessThanOrEqual(BOUND);
  expect(hub.logs.some((l) => /not reading/.test(l))).toBe(false);
  await reader.cancel();
}, 60_000);
