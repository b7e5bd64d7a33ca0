// Follows /events over fetch rather than EventSource, which cannot send the Authorization header.
// Reconnects by itself and resumes with Last-Event-ID, so no event is missed or seen twice.

import { authHeaders, Unauthorized } from './api.js';

const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;

/**
 * Reads the stream at `url` until stop() is called. `onEvent({id, event, data})` gets every event
 * (data parsed as JSON), `onStatus('live' | 'reconnecting', detail)` the connection state,
 * `onUnauthorized()` a 401 (the stream then stops). `lastId` is where to resume from.
 */
export function follow(url, { lastId = 0, onEvent, onStatus, onUnauthorized }) {
  const controller = new AbortController();
  let retryMs = MIN_RETRY_MS;
  let serverRetryMs;

  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const headers = authHeaders({ Accept: 'text/event-stream' });
        if (lastId > 0) headers['Last-Event-ID'] = String(lastId);
        const res = await fetch(url, { headers, cache: 'no-store', credentials: 'same-origin', signal: controller.signal });
        if (res.status === 401) throw new Unauthorized('unauthorized');
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onStatus('live');
        retryMs = MIN_RETRY_MS;
        await readFrames(res.body, (frame) => {
          if (frame.retry !== undefined) serverRetryMs = frame.retry;
          if (frame.id !== undefined) lastId = frame.id;
          if (frame.data === undefined) return;
          let data;
          try {
            data = JSON.parse(frame.data);
          } catch {
            return;
          }
          onEvent({ id: frame.id, event: frame.event ?? 'message', data });
        });
        if (controller.signal.aborted) return;
        onStatus('reconnecting', 'the stream ended');
      } catch (err) {
        if (controller.signal.aborted) return;
        if (err instanceof Unauthorized) {
          onUnauthorized();
          return;
        }
        onStatus('reconnecting', err instanceof Error ? err.message : String(err));
      }
      const wait = Math.min(MAX_RETRY_MS, Math.max(retryMs, serverRetryMs ?? 0));
      retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
  void run();
  return {
    stop: () => controller.abort(),
    get lastId() {
      return lastId;
    },
  };
}

/** Splits an SSE byte stream into frames ({id, event, data, retry}) as the spec describes. */
async function readFrames(body, onFrame) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let frame = {};
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let nl;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (buf[nl] === '\r' && nl === buf.length - 1) break;
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) frame.data = data.join('\n');
        if (Object.keys(frame).length > 0) onFrame(frame);
        frame = {};
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(v);
      else if (field === 'event') frame.event = v;
      else if (field === 'id' && /^\d+$/.test(v)) frame.id = Number(v);
      else if (field === 'retry' && /^\d+$/.test(v)) frame.retry = Number(v);
    }
  }
}
