/**
 * Installs one pinned agent program from npm into its own folder of the project's cache (never a
 * dependency of the package: only the test command installs it) and checks that it starts and
 * prints the pinned version. Shared by scripts/ensure-claude-code.mjs, ensure-codex.mjs and ensure-gemini.mjs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `env`: added to the environment of `--version`; `dirEnv`: the variable that points the tests at
 * another folder (named in the install error); `size`: said when installing; `allowScripts`: the
 * package's install scripts may run; `missingHint`: why the binary can be missing after install.
 *
 * @param {{ label: string, pkg: string, version: string, bin: string, dir: string, expect: string,
 *           env?: Record<string,string>, dirEnv?: string, size?: string, allowScripts?: boolean,
 *           missingHint?: string, log?: (m: string) => void }} program
 * @returns {string} the binary's path
 */
export function ensureNpmProgram(program) {
  const log = program.log ?? ((m) => process.stderr.write(`${m}\n`));
  const binary = join(program.dir, 'node_modules', '.bin', program.bin);
  const versionOf = () => {
    const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...program.env } });
    if (r.error) return new Error(`could not start ${binary}: ${r.error.message}`);
    if (r.status !== 0) return new Error(`${binary} --version exited with ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout.trim();
  };
  if (existsSync(binary) && versionOf() === program.expect) return binary;

  log(`${program.label}: installing ${program.pkg}@${program.version} into ${program.dir} (${program.size ? `${program.size}, ` : ''}once)`);
  mkdirSync(program.dir, { recursive: true });
  // A package.json of its own, so npm installs here and never touches the project's one.
  writeFileSync(
    join(program.dir, 'package.json'),
    `${JSON.stringify(
      {
        name: `agent-boss-${program.label}-cache`,
        private: true,
        description: `${program.pkg} for the real-binary tests of agent-boss-mcp`,
        dependencies: { [program.pkg]: program.version },
        ...(program.allowScripts ? { allowScripts: { [program.pkg]: true } } : {}),
      },
      null,
      2,
    )}\n`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', program.dir, '--no-audit', '--no-fund', '--no-save', '--loglevel', 'error', `${program.pkg}@${program.version}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15 * 60_000,
  });
  if (r.error || r.status !== 0) {
    throw new Error(
      `npm could not install ${program.pkg}@${program.version} into ${program.dir} (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr || r.stdout || '').trim().slice(-2000)}. ` +
        `The real-binary tests need it: check that the npm registry is reachable, or install it by hand with "npm install --prefix <dir> ${program.pkg}@${program.version}"` +
        `${program.dirEnv ? ` and set ${program.dirEnv}=<dir>` : ''}.`,
    );
  }
  if (!existsSync(binary)) throw new Error(`${program.pkg}@${program.version} installed into ${program.dir} but ${binary} is missing${program.missingHint ? `: ${program.missingHint}` : '.'}`);
  const version = versionOf();
  if (version instanceof Error) throw new Error(`${program.label} does not start: ${version.message}`);
  if (version !== program.expect) throw new Error(`${binary} --version printed "${version}", expected "${program.expect}". Remove ${program.dir} and run again.`);
  log(`${program.label}: ${version} ready`);
  return binary;
}

/** Runs `ensure` as a command line script (`--print` prints the binary's path). */
export function runAsScript(url, label, ensure) {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(url)) return;
  try {
    const binary = ensure();
    if (process.argv.includes('--print')) process.stdout.write(`${binary}\n`);
  } catch (err) {
    process.stderr.write(`${label}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
