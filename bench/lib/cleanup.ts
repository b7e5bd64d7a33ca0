/**
 * Everything a benchmark starts (tmux servers, child processes, temp dirs) registers a synchronous
 * undo here. They run when the benchmark's `finally` calls them, and also when the harness is
 * interrupted (SIGINT/SIGTERM) or exits early, so nothing is left behind.
 */
const pending = new Map<number, { label: string; fn: () => void }>();
let counter = 0;
let installed = false;

/** Registers an undo; the returned function runs it now (once) and forgets it. */
export function onCleanup(label: string, fn: () => void): () => void {
  install();
  const id = ++counter;
  pending.set(id, { label, fn });
  return () => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    runOne(entry);
  };
}

/** Runs every registered undo, newest first. */
export function cleanupAll(): void {
  const entries = [...pending.entries()].reverse();
  pending.clear();
  for (const [, entry] of entries) runOne(entry);
}

function runOne(entry: { label: string; fn: () => void }): void {
  try {
    entry.fn();
  } catch (err) {
    process.stderr.write(`bench: cleanup "${entry.label}" failed: ${(err as Error).message}\n`);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, cleaning up…\n`);
      cleanupAll();
      process.exit(130);
    });
  }
  process.once('exit', cleanupAll);
}
