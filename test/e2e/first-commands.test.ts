/**
 * The README's first two commands: `npm install && npm start` (the hub on the embedded SQLite
 * default) and `npm run test:all` (installs what the tests need, then runs them all). CI runs the
 * same script (.ci/run), so what a reader types and what CI runs cannot drift. The script is run
 * here with stand-ins for apt-get, sudo and npm on PATH: on a machine missing tmux, sqlite3 and
 * Chromium it must install all three, then install the dependencies and run `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

describe("the README's first two commands", () => {
  it('open the README, and name scripts package.json has', () => {
    const readme = read('README.md');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const commands = firstBlock.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
    expect(commands).toEqual(['npm install && npm start', 'npm run test:all']);
    // Nothing but prose comes before that block.
    expect(readme.indexOf('```')).toBe(readme.indexOf(firstBlock) - '```sh\n'.length);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toMatch(/node dist\/cli\.js serve$/);
    expect(scripts['test:all']).toBe('bash scripts/test-all.sh');
    expect(read('.ci/run')).toMatch(/^exec bash scripts\/test-all\.sh --ci$/m);
  });

  it('test:all installs tmux, sqlite3, Chromium and PostgreSQL when missing, then the dependencies, then runs npm test', () => {
    const t = tempDir('boss-test-all-');
    try {
      const bin = join(t.dir, 'bin');
      const log = join(t.dir, 'calls.log');
      const chromium = join(t.dir, 'chromium');
      const pgRoot = join(t.dir, 'postgresql');
      const stub = (name: string, body: string) => {
        writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${JSON.stringify(log)}\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      };
      spawnSync('mkdir', ['-p', bin]);
      // apt-get "installs" a package by putting a stand-in program where the script looks for it.
      stub(
        'apt-get',
        `for p in "$@"; do case "$p" in tmux) printf '#!/bin/sh\\necho tmux 3.3a\\n' > ${JSON.stringify(bin)}/tmux; chmod +x ${JSON.stringify(bin)}/tmux;; ` +
          `sqlite3) printf '#!/bin/sh\\necho 3.40\\n' > ${JSON.stringify(bin)}/sqlite3; chmod +x ${JSON.stringify(bin)}/sqlite3;; ` +
          `chromium) printf '#!/bin/sh\\necho Chromium 1\\n' > ${JSON.stringify(chromium)}; chmod +x ${JSON.stringify(chromium)};; ` +
          `postgresql) mkdir -p ${JSON.stringify(pgRoot)}/15/bin; for p in initdb postgres; do printf '#!/bin/sh\\necho "postgres (PostgreSQL) 15.9"\\n' > ${JSON.stringify(pgRoot)}/15/bin/$p; chmod +x ${JSON.stringify(pgRoot)}/15/bin/$p; done;; esac; done`,
      );
      stub('sudo', '"$@"');
      stub('npm', 'exit 0');
      for (const tool of ['bash', 'sh', 'node', 'id', 'dirname', 'chmod', 'mkdir', 'python3', 'make', 'g++']) {
        const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
        if (found) spawnSync('ln', ['-s', found, join(bin, tool)]);
      }
      const r = spawnSync('bash', [join(ROOT, 'scripts', 'test-all.sh')], { env: { PATH: bin, HOME: t.dir, BOSS_CHROMIUM: chromium, BOSS_PG_ROOT: pgRoot }, encoding: 'utf8' });
      expect(r.status, r.stderr + r.stdout).toBe(0);
      const calls = readFileSync(log, 'utf8').trim().split('\n');
      const install = calls.find((c) => c.includes('apt-get install'));
      expect(install).toMatch(/install -y -qq tmux sqlite3 chromium postgresql$/);
      expect(calls.slice(-2)).toEqual(['npm install --no-audit --no-fund', 'npm test']);
      expect(r.stdout).toMatch(/tmux 3\.3a[\s\S]*3\.40[\s\S]*Chromium 1[\s\S]*postgres \(PostgreSQL\) 15\.9/);
    } finally {
      t.cleanup();
    }
  });
});
