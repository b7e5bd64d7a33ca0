import { describe, expect, it } from 'vitest';
import { LIVENESS_EVENT } from '../../src/core/monitor.js';
import { createHttpApp } from '../../src/http/app.js';
import { EventHub } from '../../src/http/events.js';
import { createLogger } from '../../src/log.js';
import { fakeCore } from '../helpers/core.js';
import { readSse } from '../helpers/server.js';

describe('SSE legacy event names', () => {
  it('sends session_liveness also as tmux_liveness (same id and data) only to subscribers that ask', async () => {
    const core = fakeCore();
    const hub = new EventHub(core.store, undefined, 20);
    const app = createHttpApp({ coordinator: core.coordinator, log: createLogger('error', () => undefined), events: hub });
    try {
      const legacy = await app.request('/events?legacy_names=1');
      const plain = await app.request('/spaces/web/events');
      const rows = [{ agent: 'dev', session: 'web-dev', exists: true, idle: true, needs_approval: false }];
      await core.store.appendEvent(LIVENESS_EVENT, 'web', rows);
      await core.coordinator.reportStatus({}, { space: 'web', agent: 'dev' }, { status: 'active', summary: 'x' });
      const done = (evs: { event?: string }[]) => evs.some((e) => e.event === 'agent_updated');
      const [l, p] = await Promise.all([readSse(legacy, done, 3000), readSse(plain, done, 3000)]);
      const liveness = l.filter((e) => e.event === 'session_liveness' || e.event === 'tmux_liveness');
      expect(liveness.map((e) => e.event)).toEqual(['session_liveness', 'tmux_liveness']);
      expect(liveness[1]!.id).toBe(liveness[0]!.id);
      expect(liveness[1]!.data).toEqual(rows);
      expect(p.map((e) => e.event)).toEqual(['session_liveness', 'agent_updated']);
    } finally {
      hub.close();
    }
  });
});
