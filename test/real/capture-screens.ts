/**
 * Captures the real Claude Code's screens in every state of test/real/scenarios.ts, at 120x40 and
 * 80x30, into test/fixtures/screens/claude-code-<version>/<name>.<W>x<H>.txt: the fixtures of the
 * pure parser's table tests (test/unit/screen.test.ts).
 *
 *   node --import tsx test/real/capture-screens.ts [name ...]
 *
 * Re-run after moving to a new Claude Code version and review the diff of the fixtures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeModel } from '../fixtures/fake-model.js';
import { CLAUDE_CODE_VERSION, startClaudeCode, type ClaudeCodeSession } from '../helpers/claude-code.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer } from '../helpers/tmux.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { bossMcpConfig } from './boss-mcp.js';

export const SCREENS_DIR = join(import.meta.dirname, '..', 'fixtures', 'screens', `claude-code-${CLAUDE_CODE_VERSION}`);
const SIZES = [
  { width: 120, height: 40 },
  { width: 80, height: 30 },
] as const;

/**
 * A stand-in for the temporary work directory Claude Code shows, of the same length so that the
 * screen's wrapping and widths stay exactly as captured: fixtures carry no machine's paths.
 */
function neutralPath(length: number): string {
  const base = '~/code/agent-demo/webapp';
  return length <= base.length ? base.slice(0, length) : `${base}${'-'.repeat(length - base.length)}`;
}

async function main(names: string[]): Promise<void> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  const chosen = names.length ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  const model = await startFakeModel();
  const data = tempDir('boss-capture-data-');
  const tmux = await createTmuxServer();
  try {
    for (const size of SIZES) {
      for (const start of ['manual', 'plan', 'untrusted'] as const) {
        const list = chosen.filter((s) => s.start === start);
        if (list.length === 0) continue;
        const perScenario = start === 'untrusted';
        let cc: ClaudeCodeSession | undefined;
        for (const scenario of list) {
          cc ??= await startFor(scenario, size, model.url, tmux, data.dir);
          await capture(scenario, cc, model, size);
          if (perScenario) {
            await cc.stop();
            cc = undefined;
          }
        }
        await cc?.stop();
      }
    }
  } finally {
    await tmux.kill();
    await model.close();
    data.cleanup();
  }
}

async function startFor(s: Scenario, size: { width: number; height: number }, modelUrl: string, tmux: Awaited<ReturnType<typeof createTmuxServer>>, dataDir: string) {
  const mcp = bossMcpConfig({ dataDir, tmuxSocket: tmux.socketName, agent: 'dev', space: 'capture' });
  return startClaudeCode({
    modelUrl,
    tmux,
    ...size,
    ...(s.start === 'plan' && { permissionMode: 'plan' }),
    ...(s.start === 'untrusted' && { trusted: false }),
    args: ['--mcp-config', mcp],
  });
}

async function capture(s: Scenario, cc: ClaudeCodeSession, model: Awaited<ReturnType<typeof startFakeModel>>, size: { width: number; height: number }) {
  process.stderr.write(`capture ${s.name} ${size.width}x${size.height}\n`);
  await s.drive({ cc, model });
  // Let the screen finish drawing (a spinner never settles: bounded).
  let lines = await cc.capture();
  for (let i = 0; i < 6; i++) {
    await sleep(250);
    const next = await cc.capture();
    if (next.join('\n') === lines.join('\n')) break;
    lines = next;
  }
  const screen = lines.join('\n').replaceAll(cc.workDir, neutralPath(cc.workDir.length));
  writeFileSync(join(SCREENS_DIR, `${s.name}.${size.width}x${size.height}.txt`), `${screen}\n`);
  await s.reset({ cc, model });
}

await main(process.argv.slice(2));
