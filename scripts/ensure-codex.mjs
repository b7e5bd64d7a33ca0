#!/usr/bin/env node
/**
 * Makes sure the pinned Codex CLI that the real-binary tests drive is installed in the project's
 * cache folder (BOSS_CODEX_DIR, else <project>/.cache/codex), and that it starts.
 *
 *   node scripts/ensure-codex.mjs          install when missing, then check `codex --version`
 *   node scripts/ensure-codex.mjs --print  same, then print the binary's path on stdout
 */
import { join, resolve } from 'node:path';
import { ensureNpmProgram, PROJECT, runAsScript } from './ensure-npm-program.mjs';

/** The Codex CLI version the real-binary tests are written against. */
export const CODEX_VERSION = '0.171.0';
export const CODEX_PACKAGE = '@openai/codex';

export const codexDir = (env = process.env) => (env.BOSS_CODEX_DIR ? resolve(env.BOSS_CODEX_DIR) : join(PROJECT, '.cache', 'codex'));
export const codexBinary = (env = process.env) => join(codexDir(env), 'node_modules', '.bin', 'codex');

export function ensureCodex({ env = process.env, log } = {}) {
  return ensureNpmProgram({ label: 'codex', pkg: CODEX_PACKAGE, version: CODEX_VERSION, bin: 'codex', dir: codexDir(env), expect: `codex-cli ${CODEX_VERSION}`, dirEnv: 'BOSS_CODEX_DIR', log });
}

runAsScript(import.meta.url, 'codex', ensureCodex);
