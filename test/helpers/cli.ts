import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The built CLI, as Claude Code and the operator run it. Tests and benchmarks start it from here. */
export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test and npm run bench do).`);
}

export interface ListeningServe {
  proc: ChildProcess;
  /** `http://HOST:PORT` as the server printed it. */
  url: string;
  port: number;
  stderr(): string;
  stdout(): string;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
}

/**
 * Spawns `node …nodeArgs dist/cli.js serve --port 0 …args` and resolves once it printed
 * `agent-boss listening on http://HOST:PORT` (bounded by `timeoutMs`); on a timeout or an early exit
 * the process is killed and the error carries what it printed.
 */
export async function spawnServe(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 10_000, nodeArgs: readonly string[] = []): Promise<ListeningServe> {
  assertBuilt();
  const proc = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not print "listening on" within ${timeoutMs} ms; stderr:\n${err}`)), timeoutMs);
      const onData = () => {
        const m = /agent-boss listening on (http:\/\/\S+:\d+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          proc.stderr!.off('data', onData);
          resolve(m[1]!);
        }
      };
      proc.stderr!.on('data', onData);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with code ${code} before listening; stderr:\n${err}${out ? `\nstdout:\n${out}` : ''}`));
      });
    });
    return { proc, url, port: Number(new URL(url).port), stderr: () => err, stdout: () => out, exited };
  } catch (e) {
    proc.kill('SIGKILL');
    await exited;
    throw e;
  }
}
