import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { tempDir } from './tmp.js';

/**
 * A private PostgreSQL cluster for one test file: `initdb` in a temp dir, `postgres` on a free
 * loopback port (password auth over TCP, so URLs carry a password as a team's do), stopped by
 * `stop()` (call it in afterAll; a process exit stops it too). PostgreSQL refuses to run as root:
 * as root, every program runs as the `postgres` user (`runuser`), in a directory that user owns.
 */

export interface TestPostgres {
  /** `postgres://boss:<password>@127.0.0.1:<port>/<db>` of a fresh, empty database. */
  createDatabase(): Promise<string>;
  password: string;
  port: number;
  /** Stops the server now (fast shutdown) and removes its directory. */
  stop(): void;
  /** Stops the server abruptly (immediate) and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the server (it stays stopped until restart). */
  halt(): void;
}

/** PostgreSQL's programs: Debian's newest versioned bin directory, else those on PATH. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return join(which.stdout.trim(), '..');
  throw new Error('PostgreSQL is not installed (no initdb): install the Debian package postgresql (scripts/test-all.sh does)');
}

export const postgresAvailable = (): boolean => {
  try {
    binDir();
    return true;
  } catch {
    return false;
  }
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const root = process.getuid?.() === 0;
  const user = root ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) : undefined;
  const group = root ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()) : undefined;
  const tmp = tempDir('boss-pg-');
  const dataDir = join(tmp.dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}:@/x`;
  if (root) {
    chownSync(tmp.dir, user!, group!);
    chmodSync(tmp.dir, 0o700);
  }
  const run = (program: string, args: string[], opts: { check?: boolean } = {}) => {
    const argv = root ? ['runuser', '-u', 'postgres', '--', join(bin, program), ...args] : [join(bin, program), ...args];
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: tmp.dir, timeout: 60_000 });
    if (opts.check !== false && r.status !== 0) throw new Error(`${program} failed (${r.status}): ${r.stderr || r.stdout}`);
    return r;
  };
  const pwfile = join(tmp.dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (root) chownSync(pwfile, user!, group!);
  let port: number;
  try {
    run('initdb', ['-D', dataDir, '-U', 'boss', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '--no-sync', '-E', 'UTF8', '--no-locale']);
    port = await freePort();
  } catch (err) {
    tmp.cleanup();
    throw err;
  }
  const start = () =>
    run('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      join(tmp.dir, 'log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${tmp.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      'start',
    ]);
  let stopped = false;
  const halt = (mode = 'fast') => run('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop'], { check: false });
  const stop = () => {
    if (stopped) return;
    stopped = true;
    halt();
    process.off('exit', stop);
    tmp.cleanup();
  };
  process.on('exit', stop);
  try {
    start();
  } catch (err) {
    // pg_ctl giving up on a slow start leaves the server starting: stop it, and drop its directory.
    stop();
    throw err;
  }
  const base = `postgres://boss:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  let n = 0;
  return {
    password,
    port,
    async createDatabase() {
      const name = `t${process.pid}_${++n}_${Math.random().toString(36).slice(2, 8)}`;
      const admin = new pg.Client({ connectionString: `${base}/postgres` });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `${base}/${name}`;
    },
    stop,
    halt: () => void halt(),
    async restart() {
      halt('immediate');
      start();
    },
  };
}
