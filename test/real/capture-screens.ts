/**
 * Captures the real Claude Code's screens in every state of test/real/scenarios.ts, at 120x40 and
 * 80x30, into test/fixtures/screens/claude-code-<version>/<name>.<W>x<H>.txt: the fixtures of the
 * pure parser's table tests (test/unit/screen.test.ts).
 *
 *   node --import tsx test/real/capture-screens.ts [name ...]
 *   node --import tsx test/real/capture-screens.ts --classes [name ...]
 *
 * With --classes: the screens of test/real/class-scenarios.ts at 60x30, 120x40 and 200x50. Set
 * CLAUDE_CODE_VERSION to capture another version than the pinned one (its own folder).
 *
 * Re-run after moving to a new Claude Code version and review the diff of the fixtures.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeModel } from '../fixtures/fake-model.js';
import { CLAUDE_CODE_VERSION, startClaudeCode, type ClaudeCodeSession } from '../helpers/claude-code.js';
import { tempDir } from '../helpers/tmp.js';
import { createTmuxServer } from '../helpers/tmux.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { CLASS_SCENARIOS } from './class-scenarios.js';
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

/** The same for a temporary data folder (an --mcp-config path in a resume command). */
function neutralDataPath(length: number): string {
  const base = '~/.config/agent-demo';
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

export const CLASS_SIZES = [
  { width: 60, height: 30 },
  { width: 120, height: 40 },
  { width: 200, height: 50 },
] as const;

/** An --mcp-config with this project's server as "boss" and test/fixtures/github-mcp.mjs as "github". */
export function twoServerMcpConfig(dataDir: string, tmuxSocket: string): string {
  const boss = bossMcpConfig({ dataDir, tmuxSocket, agent: 'dev', space: 'capture' });
  const config = JSON.parse(readFileSync(boss, 'utf8')) as { mcpServers: Record<string, unknown> };
  config.mcpServers.github = { command: process.execPath, args: [join(import.meta.dirname, '..', 'fixtures', 'github-mcp.mjs')] };
  const file = join(dataDir, 'mcp-two.json');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

async function settle(cc: ClaudeCodeSession): Promise<string[]> {
  let lines = await cc.capture();
  for (let i = 0; i < 6; i++) {
    await sleep(250);
    const next = await cc.capture();
    if (next.join('\n') === lines.join('\n')) break;
    lines = next;
  }
  return lines;
}

async function captureClasses(names: string[]): Promise<void> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  const chosen = names.length ? CLASS_SCENARIOS.filter((s) => names.includes(s.name)) : CLASS_SCENARIOS;
  const model = await startFakeModel();
  const data = tempDir('boss-capture-data-');
  const tmux = await createTmuxServer();
  const mcp = twoServerMcpConfig(data.dir, tmux.socketName);
  const failed: string[] = [];
  try {
    for (const size of CLASS_SIZES) {
      let shared: ClaudeCodeSession | undefined;
      for (const s of chosen) {
        process.stderr.write(`capture ${s.name} ${size.width}x${size.height}\n`);
        const own = s.own !== undefined;
        let cc: ClaudeCodeSession | undefined;
        try {
          cc = own ? await startClaudeCode({ modelUrl: model.url, tmux, ...size, ...s.own, args: ['--mcp-config', mcp] }) : (shared ??= await startClaudeCode({ modelUrl: model.url, tmux, ...size, args: ['--mcp-config', mcp] }));
          model.clearScript();
          await s.drive({ cc, model });
          const lines = await settle(cc);
          const screen = lines
            .join('\n')
            .replaceAll(cc.workDir, neutralPath(cc.workDir.length))
            .replace(/\/tmp\/boss-[\w-]+/gu, (p) => neutralDataPath(p.length));
          writeFileSync(join(SCREENS_DIR, `${s.name}.${size.width}x${size.height}.txt`), `${screen}\n`);
          if (!own) await (s.reset ?? (async () => {}))({ cc, model });
        } catch (err) {
          failed.push(`${s.name} ${size.width}x${size.height}: ${(err as Error).message.split('\n').slice(0, 60).join('\n')}`);
          process.stderr.write(`FAILED ${s.name}: ${(err as Error).message.slice(0, 3000)}\n`);
          if (!own) {
            await shared?.stop();
            shared = undefined;
          }
        } finally {
          if (own) await cc?.stop();
        }
      }
      await shared?.stop();
    }
  } finally {
    await tmux.kill();
    await model.close();
    data.cleanup();
  }
  if (failed.length) process.stderr.write(`\n${failed.length} captures failed:\n${failed.join('\n\n')}\n`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--classes') await captureClasses(argv.slice(1));
else await main(argv);
