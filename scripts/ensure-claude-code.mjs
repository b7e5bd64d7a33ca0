#!/usr/bin/env node
/**
 * Makes sure the Claude Code that the real-client tests drive is installed in the project's cache
 * folder, and that it starts: the pinned version by default, CLAUDE_CODE_VERSION=<x.y.z> another
 * (each version in a folder of its own, so switching never reinstalls). Not a dependency of the
 * package: only the test command installs it (about 370 MB a version), so someone who only runs the
 * server never downloads it.
 *
 *   node scripts/ensure-claude-code.mjs          install when missing, then check `claude --version`
 *   node scripts/ensure-claude-code.mjs --print  same, then print the binary's path on stdout
 *   CLAUDE_CODE_VERSION=2.1.332 node scripts/ensure-claude-code.mjs   the same for another version
 *
 * Folder: BOSS_CLAUDE_CODE_DIR, else <project>/.cache/claude-code, for the pinned version; that
 * folder's name with "-<version>" appended for any other. Exit code 1 with a sentence saying
 * why when the install fails or the binary does not print the wanted version.
 *
 * Also importable: `ensureClaudeCode()` returns the binary's path or throws.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureNpmProgram, PROJECT, runAsScript } from './ensure-npm-program.mjs';

export const CLAUDE_CODE_PACKAGE = '@anthropic-ai/claude-code';

/**
 * The pinned version (the real-client tests' default) and the tested ones (oldest first), read from
 * src/agents/claude-code/versions.ts, their one definition (`agent-boss doctor` warns outside them).
 */
const VERSIONS_SOURCE = readFileSync(join(PROJECT, 'src', 'agents', 'claude-code', 'versions.ts'), 'utf8');
export const PINNED_CLAUDE_CODE_VERSION = /PINNED_CLAUDE_CODE_VERSION = '([\d.]+)'/.exec(VERSIONS_SOURCE)[1];
export const TESTED_CLAUDE_CODE_VERSIONS = [.../TESTED_CLAUDE_CODE_VERSIONS = \[([^\]]*)\]/.exec(VERSIONS_SOURCE)[1].matchAll(/'([\d.]+)'/g)].map((m) => m[1]);

/** The version asked for: CLAUDE_CODE_VERSION, else the pinned one. Throws on a malformed value. */
export function claudeCodeVersion(env = process.env) {
  const v = (env.CLAUDE_CODE_VERSION ?? '').trim();
  if (v === '') return PINNED_CLAUDE_CODE_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(v)) throw new Error(`CLAUDE_CODE_VERSION must be a version like 2.1.332, not "${v}"`);
  return v;
}

/**
 * The version the tests of this process use (CLAUDE_CODE_VERSION, else the pinned one). Not checked
 * here: a malformed value is reported by ensureClaudeCode() and claudeCodeDir().
 */
export const CLAUDE_CODE_VERSION = (process.env.CLAUDE_CODE_VERSION ?? '').trim() || PINNED_CLAUDE_CODE_VERSION;

export function claudeCodeDir(env = process.env) {
  const version = claudeCodeVersion(env);
  const base = env.BOSS_CLAUDE_CODE_DIR ? resolve(env.BOSS_CLAUDE_CODE_DIR) : join(PROJECT, '.cache', 'claude-code');
  return version === PINNED_CLAUDE_CODE_VERSION ? base : `${base}-${version}`;
}

export function claudeCodeBinary(env = process.env) {
  return join(claudeCodeDir(env), 'node_modules', '.bin', 'claude');
}

/** Installs (when missing) and checks the wanted Claude Code; returns the binary's path. */
export function ensureClaudeCode({ env = process.env, log } = {}) {
  const version = claudeCodeVersion(env);
  return ensureNpmProgram({
    label: 'claude-code',
    pkg: CLAUDE_CODE_PACKAGE,
    version,
    bin: 'claude',
    dir: claudeCodeDir(env),
    expect: `${version} (Claude Code)`,
    env: { DISABLE_AUTOUPDATER: '1' },
    dirEnv: 'BOSS_CLAUDE_CODE_DIR',
    size: 'about 370 MB',
    allowScripts: true,
    missingHint:
      `the native binary for ${process.platform}-${process.arch} comes from an optional dependency; ` +
      'check that npm did not skip optional dependencies (--omit=optional).',
    log,
  });
}

runAsScript(import.meta.url, 'claude-code', ensureClaudeCode);
