import { spawn } from 'node:child_process';
import { CLI } from './stdio-client.js';

export interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

/**
 * Runs the built `agent-boss hook …` as Claude Code does: one event on stdin (an object is sent as
 * JSON, a string or Buffer as is), stdin closed, environment given explicitly (no TMUX of the
 * developer's own terminal leaks in).
 */
export function runHook(input: unknown, args: string[], env: Record<string, string> = {}): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [CLI, 'hook', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.once('error', reject);
    const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
    p.stdin.on('error', () => undefined); // the hook may stop reading an oversized event
    const data = typeof input === 'string' || Buffer.isBuffer(input) ? input : JSON.stringify(input);
    p.stdin.end(data);
  });
}

/** A recorded-shape payload of Claude Code 2.1.328 for one event (fields as measured). */
export function payload(event: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    session_id: '3f1c2a9e-1b2c-4d5e-8f90-123456789abc',
    transcript_path: '/home/u/.claude/projects/-w/3f1c2a9e.jsonl',
    cwd: '/w',
    permission_mode: 'default',
    hook_event_name: event,
    ...extra,
  };
}
