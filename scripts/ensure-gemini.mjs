#!/usr/bin/env node
/**
 * Makes sure the pinned Gemini CLI that the real-binary tests drive is installed in the project's
 * cache folder (BOSS_GEMINI_DIR, else <project>/.cache/gemini), and that it starts.
 *
 *   node scripts/ensure-gemini.mjs          install when missing, then check `gemini --version`
 *   node scripts/ensure-gemini.mjs --print  same, then print the binary's path on stdout
 */
import { join, resolve } from 'node:path';
import { ensureNpmProgram, PROJECT, runAsScript } from './ensure-npm-program.mjs';

/** The Gemini CLI version the real-binary tests are written against. */
export const GEMINI_VERSION = '0.61.0';
export const GEMINI_PACKAGE = '@google/gemini-cli';

export const geminiDir = (env = process.env) => (env.BOSS_GEMINI_DIR ? resolve(env.BOSS_GEMINI_DIR) : join(PROJECT, '.cache', 'gemini'));
export const geminiBinary = (env = process.env) => join(geminiDir(env), 'node_modules', '.bin', 'gemini');

export function ensureGemini({ env = process.env, log } = {}) {
  return ensureNpmProgram({
    label: 'gemini',
    pkg: GEMINI_PACKAGE,
    version: GEMINI_VERSION,
    bin: 'gemini',
    dir: geminiDir(env),
    expect: GEMINI_VERSION,
    env: { GEMINI_CLI_NO_RELAUNCH: 'true', HOME: join(geminiDir(env), 'home') },
    dirEnv: 'BOSS_GEMINI_DIR',
    log,
  });
}

runAsScript(import.meta.url, 'gemini', ensureGemini);
