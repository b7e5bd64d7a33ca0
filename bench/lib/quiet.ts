/**
 * The machine may be shared (other builds and test runs on the same two cores). Before each
 * benchmark, wait (bounded) until the CPUs are mostly idle, and say how busy they were, so a
 * reader can judge the figures.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function cpuTimes(): { idle: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { idle, total: v.reduce((a, b) => a + b, 0) };
}

/** Share of all CPUs busy over `ms` (0..1). */
export async function cpuBusy(ms = 1000): Promise<number> {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  const total = b.total - a.total;
  return total > 0 ? 1 - (b.idle - a.idle) / total : 0;
}

/** Waits up to maxWaitMs for the CPUs to be at most `threshold` busy; returns the last reading. */
export async function waitQuiet(threshold = 0.15, maxWaitMs = 120_000, onWait?: (busy: number) => void): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const busy = await cpuBusy();
    if (busy <= threshold || Date.now() > deadline) return busy;
    onWait?.(busy);
    await sleep(4000);
  }
}
