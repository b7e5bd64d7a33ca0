/**
 * Heap of the HTTP hub per open MCP session, and what is left of a session after its DELETE. The
 * hub runs in this process (so the figures are heap after full garbage collections, not RSS) and
 * is driven over a real loopback port with plain fetch, one request at a time, so the client holds
 * nothing but session ids and a few pooled sockets. Each round opens SESSIONS sessions and makes
 * three calls on each (tools/list, list_liveness, prompts/list), then DELETEs them all; every
 * session's server must be collectable afterwards (WeakRefs to them are checked).
 */
import { realHub } from '../test/helpers/hub.js';
import { rawMcp } from '../test/helpers/mcp-raw.js';
import { exposeGc, settledHeap } from '../test/helpers/gc.js';
import { goal, type Benchmark } from './lib/harness.js';
import { num, table } from './lib/stats.js';

const SESSIONS = 200;
const WARM_UP = 20;
/** Goals: an open session costs less than this much heap, and a closed one leaves less than this behind. */
const GOAL_OPEN_KIB = 60;
const GOAL_CLOSED_KIB = 2;

type Held = { server: object; transport: object };

export const sessions: Benchmark = {
  name: 'sessions',
  title: 'Heap per open MCP HTTP session, and after close',
  async run(ctx) {
    const gc = exposeGc();
    const rounds = ctx.quick ? 2 : 4;
    const hub = await realHub();
    try {
      const mcp = rawMcp(await hub.listen(), { 'X-Agent-Space': 'bench' });
      const held = (hub.mcp as unknown as { sessions: Map<string, Held> }).sessions;
      const life = async (): Promise<string> => {
        const s = await mcp.open();
        await mcp.request(s, 'tools/list');
        await mcp.request(s, 'tools/call', { name: 'list_liveness', arguments: { space: 'bench' } });
        await mcp.request(s, 'prompts/list');
        return s;
      };
      for (let i = 0; i < WARM_UP; i++) await mcp.close(await life());
      const start = await settledHeap(gc);
      const rows: string[][] = [];
      let worstOpen = 0;
      let lastClosed = 0;
      let reachable = 0;
      for (let r = 1; r <= rounds; r++) {
        ctx.note(`sessions: round ${r} of ${rounds}`);
        const before = await settledHeap(gc);
        const ids: string[] = [];
        for (let i = 0; i < SESSIONS; i++) ids.push(await life());
        const refs = ids.map((id) => held.get(id)!).map((s) => [new WeakRef(s.server), new WeakRef(s.transport)]).flat();
        const open = await settledHeap(gc);
        for (const id of ids) await mcp.close(id);
        const closed = await settledHeap(gc);
        reachable = refs.filter((w) => w.deref() !== undefined).length;
        const perOpen = (open - before) / SESSIONS / 1024;
        const perClosed = (closed - before) / SESSIONS / 1024;
        worstOpen = Math.max(worstOpen, perOpen);
        lastClosed = perClosed;
        rows.push([String(r), num(perOpen, 1), num(perClosed, 2), num((closed - start) / 2 ** 20, 2), `${hub.mcp.size}`, `${reachable}`]);
      }
      ctx.out(`${SESSIONS} sessions per round, each: initialize, tools/list, list_liveness, prompts/list; then all DELETEd. Heap after full GCs.`);
      ctx.out();
      ctx.out(table(['round', 'KiB per open session', 'KiB per session after close', 'heap grown since round 1 (MiB)', 'sessions kept', 'servers/transports reachable'], rows));
      return [
        goal(`heap per open session < ${GOAL_OPEN_KIB} KiB`, `${num(worstOpen, 1)} KiB (worst round)`, worstOpen < GOAL_OPEN_KIB),
        goal(`heap left per closed session < ${GOAL_CLOSED_KIB} KiB, nothing reachable`, `${num(lastClosed, 2)} KiB (last round); ${reachable} reachable`, lastClosed < GOAL_CLOSED_KIB && reachable === 0),
      ];
    } finally {
      await hub.close();
    }
  },
};
