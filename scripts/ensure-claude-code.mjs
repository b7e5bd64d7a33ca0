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
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLAUDE_CODE_PACKAGE = '@anthropic-ai/claude-code';

const PROJECT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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

/** `claude --version` output, or an Error saying why it did not run. */
function versionOf(binary) {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DISABLE_AUTOUPDATER: '1' } });
  if (r.error) return new Error(`could not start ${binary}: ${r.error.message}`);
  if (r.status !== 0) return new Error(`${binary} --version exited with ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/** Installs (when missing) and checks the wanted Claude Code; returns the binary's path. */
export function ensureClaudeCode({ env = process.env, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const CLAUDE_CODE_VERSION = claudeCodeVersion(env);
  const dir = claudeCodeDir(env);
  const binary = claudeCodeBinary(env);
  const wanted = `${CLAUDE_CODE_VERSION} (Claude Code)`;
  if (existsSync(binary) && versionOf(binary) === wanted) return binary;

  log(`claude-code: installing ${CLAUDE_CODE_PACKAGE}@${CLAUDE_CODE_VERSION} into ${dir} (about 370 MB, once)`);
  mkdirSync(dir, { recursive: true });
  // A package.json of its own, so npm installs here and never touches the project's one.
  const manifest = join(dir, 'package.json');
  writeFileSync(
    manifest,
    `${JSON.stringify(
      {
        name: 'agent-boss-claude-code-cache',
        private: true,
        description: 'Claude Code for the real-client tests of agent-boss-mcp (scripts/ensure-claude-code.mjs)',
        dependencies: { [CLAUDE_CODE_PACKAGE]: CLAUDE_CODE_VERSION },
        allowScripts: { [CLAUDE_CODE_PACKAGE]: true },
      },
      null,
      2,
    )}\n`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', '--loglevel', 'error', `${CLAUDE_CODE_PACKAGE}@${CLAUDE_CODE_VERSION}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15 * 60_000,
  });
  if (r.error || r.status !== 0) {
    throw new Error(
      `npm could not install ${CLAUDE_CODE_PACKAGE}@${CLAUDE_CODE_VERSION} into ${dir} (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr || r.stdout || '').trim().slice(-2000)}. ` +
        'The real-client tests need it: check that the npm registry is reachable, or install it by hand with ' +
        `"npm install --prefix <dir> ${CLAUDE_CODE_PACKAGE}@${CLAUDE_CODE_VERSION}" and set BOSS_CLAUDE_CODE_DIR=<dir>.`,
    );
  }
  if (!existsSync(binary)) {
    throw new Error(
      `${CLAUDE_CODE_PACKAGE}@${CLAUDE_CODE_VERSION} installed into ${dir} but ${binary} is missing: the native binary for ${process.platform}-${process.arch} ` +
        'comes from an optional dependency; check that npm did not skip optional dependencies (--omit=optional).',
    );
  }
  const version = versionOf(binary);
  if (version instanceof Error) throw new Error(`Claude Code does not start: ${version.message}`);
  if (version !== wanted) throw new Error(`${binary} --version printed "${version}", expected "${wanted}". Remove ${dir} and run again.`);
  log(`claude-code: ${version} ready`);
  return binary;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const binary = ensureClaudeCode();
    if (process.argv.includes('--print')) process.stdout.write(`${binary}\n`);
  } catch (err) {
    process.stderr.write(`claude-code: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
