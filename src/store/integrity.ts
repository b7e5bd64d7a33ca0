import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite's quick_check of a database file, run in a worker thread on a connection of its own: it
 * reads every page from disk (a long-lived connection could answer from its page cache and miss
 * damage), and on a large file it takes long enough that it must not run on the event loop.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
  const lines = db.pragma('quick_check(3)').map((r) => r.quick_check);
  parentPort.postMessage(lines.length === 1 && lines[0] === 'ok' ? { ok: true } : { ok: false, damaged: true, detail: lines.join('; ') });
} catch (err) {
  const code = String(err && err.code);
  parentPort.postMessage({ ok: false, damaged: /^SQLITE_CORRUPT|^SQLITE_NOTADB/.test(code), busy: /^SQLITE_BUSY/.test(code), detail: String(err && err.message) });
} finally {
  try { db && db.close(); } catch {}
}
`;

export interface IntegrityResult {
  ok: boolean;
  /** The file itself is damaged (as opposed to the check being unable to run). */
  damaged?: boolean;
  busy?: boolean;
  detail?: string;
}

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/** Runs quick_check on `path` in a worker; resolves within `timeoutMs` (as not ok, when it takes longer). */
export function checkFileIntegrity(path: string, timeoutMs = 10_000): Promise<IntegrityResult> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, busyTimeoutMs: 1000 } });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve({ ok: false, detail: `integrity check did not finish within ${timeoutMs} ms` });
    }, timeoutMs);
    const done = (r: IntegrityResult) => {
      clearTimeout(timer);
      resolve(r);
    };
    worker.once('message', (m: IntegrityResult) => done(m));
    worker.once('error', (err) => done({ ok: false, detail: `integrity check failed: ${err.message}` }));
    worker.once('exit', () => done({ ok: false, detail: 'integrity check ended without an answer' }));
  });
}
