/**
 * Headless (ACP) against terminal (tmux): the same Claude Code, the same fake Messages API
 * (test/fixtures/fake-model.ts), driven through each session backend directly.
 *
 * - approve → tool running: call start → the fake model receives the result of the approved Bash
 *   `touch` (the tool ran and Claude Code went on). Each permission request has stood 0.5 s and been
 *   read once (as list_liveness would) before either side answers.
 * - interrupt → idle: call start, in the middle of a slowly streamed answer, → the call has returned
 *   and the backend reads the agent idle.
 *
 * ACP: claude-agent-acp (pinned, .cache/claude-agent-acp) under its runner, as spawn_agent starts
 * it. tmux: the pinned Claude Code at 120x40 in a private tmux server, `--permission-mode manual`.
 * Rounds alternate between the two, order flipped each round.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AcpSessionBackend } from '../src/backends/acp/acp-backend.js';
import type { SessionBackend } from '../src/backends/session-backend.js';
import { shellQuote } from '../src/backends/shell-quote.js';
import { TmuxSessionBackend } from '../src/backends/tmux/tmux-backend.js';
import { startFakeModel, textTurn, toolTurn, type FakeModel, type RecordedRequest } from '../test/fixtures/fake-model.js';
import { claudeAgentAcpPath } from '../test/helpers/acp.js';
import { claudeEnv, startClaudeCode, writeClaudeConfig } from '../test/helpers/claude-code.js';
import { CLI } from '../test/helpers/cli.js';
import { tempDir } from '../test/helpers/tmp.js';
import { onCleanup } from './lib/cleanup.js';
import { goal, now, type BenchContext, type Benchmark, type Goal } from './lib/harness.js';
import { ms, ratio, summarize, table, times } from './lib/stats.js';

type Side = 'acp' | 'tmux';
const TIMEOUT_MS = 30_000;

interface Target {
  backend: SessionBackend;
  session: string;
}

const until = async (what: string, ok: () => Promise<boolean>, pollMs = 5): Promise<void> => {
  for (const deadline = Date.now() + TIMEOUT_MS; !(await ok()); ) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${TIMEOUT_MS / 1000} s`);
    await sleep(pollMs);
  }
};

const state = async (t: Target) => (await t.backend.probeSessions([t.session])).get(t.session)?.state;

export const acp: Benchmark = {
  name: 'acp',
  title: 'approve → tool running and interrupt → idle: headless Claude Code (ACP) vs Claude Code in tmux',
  async run(ctx) {
    const model = await startFakeModel();
    const data = tempDir('boss-bench-acp-');
    const home = realpathSync(tempDir('boss-bench-acp-home-').dir);
    const work = realpathSync(tempDir('boss-bench-acp-work-').dir);
    writeClaudeConfig(home, { workDirs: [work] });
    const acpBackend = new AcpSessionBackend({ dataDir: data.dir, nodePath: process.execPath, cliPath: CLI });
    const env = claudeEnv(model.url, home);
    const command = `env -i ${Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ')} ${shellQuote(claudeAgentAcpPath())}`;
    const cc = await startClaudeCode({ modelUrl: model.url, width: 120, height: 40 });
    const tmuxBackend = new TmuxSessionBackend({ socketName: cc.tmux.socketName, configFile: '/dev/null' });
    const stop = onCleanup('acp', () => {
      void acpBackend.killSession('bench-acp').catch(() => undefined);
      void cc.stop();
    });
    try {
      await acpBackend.createSession({ sessionId: 'bench-acp', agent: 'bench', workDir: work, command });
      const targets: Record<Side, Target> = { acp: { backend: acpBackend, session: 'bench-acp' }, tmux: { backend: tmuxBackend, session: cc.session } };
      await until('idle ACP session', async () => (await state(targets.acp)) === 'idle', 20);
      await tmuxBackend.probeSessions([cc.session]); // attaches the control client, as a running server has
      return [...(await measureApprove(ctx, model, targets)), ...(await measureInterrupt(ctx, model, targets))];
    } finally {
      await acpBackend.killSession('bench-acp').catch(() => undefined);
      await tmuxBackend.close();
      await cc.stop();
      stop();
      await model.close();
      data.cleanup();
    }
  },
};

/** A conversation request (not Claude Code's own title or suggestion requests) whose prompt has `text`. */
const asked = (text: string) => ({ when: (r: RecordedRequest) => (r.body.tools?.length ?? 0) > 0 && r.lastUserText.includes(text) });
const afterTool = { when: (r: RecordedRequest) => r.toolResults.length > 0 };

async function measureApprove(ctx: BenchContext, model: FakeModel, targets: Record<Side, Target>): Promise<Goal[]> {
  let n = 0;
  const cleared: Record<Side, number> = { acp: 0, tmux: 0 };
  const one = async (side: Side) => {
    const t = targets[side];
    await until('idle', async () => (await state(t)) === 'idle');
    const marker = `approve round ${++n}`;
    model.script(toolTurn('Bash', { command: `touch approved-${n}.txt`, description: 'Create a file' }, asked(marker)), textTurn('done', afterTool));
    await t.backend.sendInput(t.session, marker);
    await until('the permission request', async () => (await state(t)) === 'waiting_approval');
    await t.backend.checkApproval(t.session); // seen, as list_liveness would have
    await sleep(500);
    const after = model.lastSeq();
    const t0 = now();
    const call = t.backend.approve(t.session, 'yes').then((r) => {
      if (r.cleared) cleared[side]++;
    });
    const req = await model.waitForRequest((r) => r.toolResults.length > 0, { afterSeq: after, timeoutMs: TIMEOUT_MS });
    await call;
    return req.at - t0;
  };
  const rounds = ctx.quick ? 2 : 6;
  const samples: Record<Side, number[]> = { acp: [], tmux: [] };
  ctx.note(`acp approve: ${rounds} rounds`);
  for (let i = 0; i < rounds; i++) for (const s of (i % 2 === 0 ? ['acp', 'tmux'] : ['tmux', 'acp']) as Side[]) samples[s].push(await one(s));
  const a = summarize(samples.acp);
  const m = summarize(samples.tmux);
  ctx.out('approve → tool running: call start → the fake model receives the approved command\'s result (ms); ratio = tmux / acp (medians).');
  ctx.out();
  ctx.out(table(['', 'tmux median', 'tmux p95', 'acp median', 'acp p95', 'ratio', 'samples T/A'], [['approve yes (Bash)', ms(m.median), ms(m.p95), ms(a.median), ms(a.p95), times(ratio(m.median, a.median)), `${m.n}/${a.n}`]]));
  ctx.out();
  return [goal('approve on a headless agent: every answer taken and reported cleared (acp)', `${cleared.acp}/${rounds}; acp ${ms(a.median)} ms vs tmux ${ms(m.median)} ms`, cleared.acp === rounds)];
}

async function measureInterrupt(ctx: BenchContext, model: FakeModel, targets: Record<Side, Target>): Promise<Goal[]> {
  let n = 0;
  const stopped: Record<Side, number> = { acp: 0, tmux: 0 };
  const one = async (side: Side) => {
    const t = targets[side];
    await until('idle', async () => (await state(t)) === 'idle');
    const marker = `stream round ${++n}`;
    model.script(textTurn('a long streamed answer '.repeat(60), { chunkDelayMs: 100, chunkChars: 4, ...asked(marker) }));
    const after = model.lastSeq();
    await t.backend.sendInput(t.session, marker);
    await model.waitForRequest(asked(marker).when, { afterSeq: after, timeoutMs: TIMEOUT_MS });
    await until('working', async () => (await state(t)) === 'working');
    await sleep(500);
    const t0 = now();
    const res = await t.backend.interrupt(t.session);
    if (res.stopped) stopped[side]++;
    await until('idle after the interrupt', async () => (await state(t)) === 'idle', 2);
    const took = now() - t0;
    model.clearScript();
    return took;
  };
  const rounds = ctx.quick ? 2 : 6;
  const samples: Record<Side, number[]> = { acp: [], tmux: [] };
  ctx.note(`acp interrupt: ${rounds} rounds`);
  for (let i = 0; i < rounds; i++) for (const s of (i % 2 === 0 ? ['acp', 'tmux'] : ['tmux', 'acp']) as Side[]) samples[s].push(await one(s));
  const a = summarize(samples.acp);
  const m = summarize(samples.tmux);
  const x = ratio(m.median, a.median);
  ctx.out('interrupt → idle, in the middle of a streamed answer: call start → the call returned and the backend reads idle (ms).');
  ctx.out();
  ctx.out(table(['', 'tmux median', 'tmux p95', 'acp median', 'acp p95', 'ratio', 'samples T/A'], [['interrupt', ms(m.median), ms(m.p95), ms(a.median), ms(a.p95), times(x), `${m.n}/${a.n}`]]));
  ctx.out();
  ctx.out(`Reported stopped: acp ${stopped.acp}/${rounds}, tmux ${stopped.tmux}/${rounds}.`);
  return [goal('interrupt on a headless agent: idle, and faster than in tmux (median)', `acp ${ms(a.median)} ms vs tmux ${ms(m.median)} ms (${times(x)}), stopped ${stopped.acp}/${rounds}`, stopped.acp === rounds && a.median < m.median)];
}
