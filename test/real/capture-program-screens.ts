/**
 * Captures the real Codex CLI's and Gemini CLI's screens in each state, at 120x40 and 80x30, into
 * test/fixtures/screens/<kind>-<version>/<name>.<W>x<H>.txt: the fixtures of their parsers' table
 * tests (test/unit/program-screens.test.ts). Temp paths are replaced by a neutral one of the same
 * length, so wrapping stays as captured.
 *
 *   node --import tsx test/real/capture-program-screens.ts [codex|gemini ...]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeResponses, type FakeResponses } from '../fixtures/fake-responses.js';
import { routerLine, shellLine, textLine, writeFakeResponses } from '../fixtures/fake-gemini.js';
import { CODEX_VERSION, codexIdle, startCodex } from '../helpers/codex.js';
import { GEMINI_VERSION, geminiIdle, startGemini } from '../helpers/gemini.js';
import { tempDir } from '../helpers/tmp.js';
import type { TuiSession } from '../helpers/tui-program.js';

const SIZES = [
  { width: 120, height: 40 },
  { width: 80, height: 30 },
] as const;

export const screensDir = (kind: string, version: string): string => join(import.meta.dirname, '..', 'fixtures', 'screens', `${kind}-${version}`);

function neutralPath(length: number): string {
  const base = '~/code/agent-demo/webapp';
  return length <= base.length ? base.slice(0, length) : `${base}${'-'.repeat(length - base.length)}`;
}

async function settled(t: TuiSession): Promise<string[]> {
  let lines = await t.capture();
  for (let i = 0; i < 6; i++) {
    await sleep(250);
    const next = await t.capture();
    if (next.join('\n') === lines.join('\n')) break;
    lines = next;
  }
  return lines;
}

async function save(dir: string, name: string, t: TuiSession, lines?: string[]): Promise<void> {
  const shown = lines ?? (await settled(t));
  const screen = shown.join('\n').replaceAll(t.workDir, neutralPath(t.workDir.length)).replaceAll(t.home, neutralPath(t.home.length));
  writeFileSync(join(dir, `${name}.${t.width}x${t.height}.txt`), `${screen}\n`);
  process.stderr.write(`  ${name}.${t.width}x${t.height}\n`);
}

const has = (re: RegExp) => (s: string) => re.test(s);

async function submit(t: TuiSession, text: string): Promise<void> {
  await t.type(text);
  await sleep(400);
  await t.keys('Enter');
}

async function codex(): Promise<void> {
  const dir = screensDir('codex', CODEX_VERSION as string);
  mkdirSync(dir, { recursive: true });
  for (const size of SIZES) {
    const model: FakeResponses = await startFakeResponses();
    const t = await startCodex({ modelUrl: model.url, ...size });
    try {
      await t.waitForScreen((s) => codexIdle(s) && !/⣿/u.test(s), 'the input box without the logo', 10_000).catch(() => undefined);
      await save(dir, 'idle-start', t);
      await t.type('a message typed but not sent');
      await sleep(500);
      await save(dir, 'idle-typed', t);
      await t.keys('C-u');
      await sleep(300);
      model.script({ text: 'Thinking about it.', delayMs: 6_000 });
      await submit(t, 'think slowly');
      await t.waitForScreen(has(/esc to interrupt/u), 'working');
      await sleep(1_200);
      await save(dir, 'working', t, await t.capture());
      await t.waitForScreen(codexIdle, 'idle after the answer', 15_000);
      await save(dir, 'idle-after-turn', t);
      model.script({ text: 'I will run it.', command: 'touch escalated.txt', escalate: true }, { text: 'Done.' });
      await submit(t, 'please touch a file');
      await t.waitForScreen(has(/Would you like to run/u), 'the approval prompt');
      await save(dir, 'approval-command', t);
      await t.keys('y');
      await t.waitForScreen(codexIdle, 'idle after the approval', 15_000);
      model.script({ text: 'Sleeping.', command: 'sleep 20' }, { text: 'Slept.' });
      await submit(t, 'sleep for a while');
      await t.waitForScreen(has(/esc to interrupt/u), 'working on a command');
      await sleep(1_500);
      await save(dir, 'working-command', t, await t.capture());
      await t.keys('Escape');
      await t.waitForScreen(has(/interrupted/iu), 'the interrupt');
      await save(dir, 'idle-interrupted', t);
      await t.keys('C-u');
    } finally {
      await t.stop();
      await model.close();
    }
  }
}

async function gemini(): Promise<void> {
  const dir = screensDir('gemini', GEMINI_VERSION as string);
  mkdirSync(dir, { recursive: true });
  for (const size of SIZES) {
    const tmp = tempDir('boss-gemini-capture-');
    const file = join(tmp.dir, 'responses.jsonl');
    writeFakeResponses(file, [
      routerLine(), shellLine('touch approved.txt', 'I will run it.'), textLine('Done.'),
      routerLine(), shellLine('sleep 20'), textLine('Slept.'),
    ]);
    const t = await startGemini({ responsesFile: file, ...size });
    try {
      await sleep(1_500);
      await save(dir, 'idle-start', t);
      await t.type('a message typed but not sent');
      await sleep(500);
      await save(dir, 'idle-typed', t);
      await t.keys('C-u');
      await sleep(300);
      await submit(t, 'please touch a file');
      await t.waitForScreen(has(/Allow execution/u), 'the approval prompt');
      await save(dir, 'approval-command', t);
      await t.keys('1');
      await t.waitForScreen((s) => geminiIdle(s) && /Done\./u.test(s), 'idle after the approval', 15_000);
      await save(dir, 'idle-after-turn', t);
      await submit(t, 'sleep for a while');
      await t.waitForScreen(has(/Allow execution/u), 'the approval prompt for sleep');
      await sleep(500);
      await t.keys('1');
      await t.waitForScreen(has(/esc to cancel/u), 'working');
      await sleep(1_200);
      await save(dir, 'working-command', t, await t.capture());
      await t.keys('Escape');
      await t.waitForScreen(has(/Request cancelled/u), 'the interrupt');
      await save(dir, 'idle-interrupted', t);
    } finally {
      await t.stop();
      tmp.cleanup();
    }
  }
}

const wanted = process.argv.slice(2);
if (wanted.length === 0 || wanted.includes('codex')) await codex();
if (wanted.length === 0 || wanted.includes('gemini')) await gemini();
