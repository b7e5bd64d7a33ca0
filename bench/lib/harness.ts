/** What a benchmark is and what it hands back to the runner. */
import type { SpawnCounter } from './tmux.js';

export interface Goal {
  /** e.g. "liveness N=50: ours ≥ 100× faster than legacy". */
  goal: string;
  /** The measured figure, e.g. "412× (legacy 2911 ms, ours 7.06 ms)". */
  result: string;
  pass: boolean;
}

export interface BenchContext {
  /** Fewer iterations (for a quick look; the figures in docs/benchmarks.md use the full run). */
  quick: boolean;
  spawns: SpawnCounter;
  /** Prints a line of the report (stdout). */
  out: (line?: string) => void;
  /** Progress notes (stderr), not part of the report. */
  note: (line: string) => void;
}

export interface Benchmark {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<Goal[]>;
}

export const goal = (text: string, result: string, pass: boolean): Goal => ({ goal: text, result, pass });

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export const now = (): number => performance.now();

/** Times one async call. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = now();
  const value = await fn();
  return { value, ms: now() - t0 };
}
