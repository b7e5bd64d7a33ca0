/**
 * Changing a user's settings file in place (`.mcp.json`, Claude Code's `settings.json`) without
 * harming it: a symbolic link (a dotfiles repository) is followed and its target written, never
 * replaced by a copy; the file keeps its mode; a read-only file is refused, not made writable; a
 * lock file beside it makes concurrent runs take turns, each reading what the one before wrote; a
 * file larger than any settings file is refused before it is read. The new text is written beside
 * the file and renamed over it, so a crash never leaves half a file.
 */
import { closeSync, constants, fstatSync, fsyncSync, fchmodSync, lstatSync, mkdirSync, openSync, readlinkSync, readSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, accessSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A file this module refused to change; the message is one line naming the file and the next step. */
export class SettingsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsFileError';
  }
}

/** Largest settings file read: real ones are a few kilobytes. */
export const MAX_SETTINGS_BYTES = 1024 * 1024;
/** How long a run waits for another run's lock before giving up with a sentence. */
const LOCK_WAIT_MS = 10_000;
/** A lock older than this was left by a run that died (a change takes milliseconds). */
const LOCK_STALE_MS = 60_000;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** The file to write for `file`: the target of a symbolic link (each link followed), else the file itself. */
export function writeTarget(file: string): string {
  let st;
  try {
    st = lstatSync(file);
  } catch (e) {
    if (code(e) === 'ENOENT') return file;
    throw new SettingsFileError(`cannot read ${file} (${code(e)}); check its permissions and run this again`);
  }
  if (!st.isSymbolicLink()) return file;
  try {
    return realpathSync(file);
  } catch {
    const to = resolve(dirname(file), readlinkSync(file));
    throw new SettingsFileError(`${file} is a symbolic link to ${to}, which does not exist; create that file (or remove the link) and run this again`);
  }
}

function lock(target: string): () => void {
  const path = `${target}.agent-boss-lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(path, 'wx', 0o600));
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (e) {
      if (code(e) !== 'EEXIST') throw new SettingsFileError(`cannot create the lock file ${path} (${code(e)}); check the permissions of ${dirname(target)} and run this again`);
    }
    try {
      if (Date.now() - statSync(path).mtimeMs > LOCK_STALE_MS) unlinkSync(path);
    } catch {
      // removed meanwhile: try again
    }
    if (Date.now() > deadline) {
      throw new SettingsFileError(`${target} is being changed by another agent-boss setup (lock file ${path}); run this again when it is done, or delete the lock file if none is running`);
    }
    sleep(20 + Math.random() * 30);
  }
}

function readLimited(target: string): { text: string; mode: number } | undefined {
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDONLY);
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw new SettingsFileError(`cannot read ${target} (${code(e)}); check its permissions and run this again`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SettingsFileError(`${target} is not a regular file; move it away and run this again`);
    if (st.size > MAX_SETTINGS_BYTES) {
      throw new SettingsFileError(`${target} is ${st.size} bytes, more than the ${MAX_SETTINGS_BYTES} a settings file may have here; shorten it and run this again, or add the entry by hand`);
    }
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > st.size) throw new SettingsFileError(`${target} grew while it was read; run this again`);
    return { text: buf.subarray(0, n).toString('utf8'), mode: st.mode & 0o7777 };
  } finally {
    closeSync(fd);
  }
}

function refuseReadOnly(target: string, mode: number): void {
  let writable = (mode & 0o200) !== 0;
  try {
    accessSync(target, constants.W_OK);
  } catch {
    writable = false;
  }
  if (!writable) {
    throw new SettingsFileError(`${target} is read-only (mode ${mode.toString(8).padStart(4, '0')}); make it writable (chmod u+w) and run this again, or add the entry by hand`);
  }
}

/**
 * Reads `file` (undefined: it does not exist), passes its text to `change`, and writes the text
 * `change` returns (undefined: nothing to write) over it, all under the file's lock. Returns what
 * `change` returned and the path written (a link's target). Throws SettingsFileError for a file it
 * will not touch; errors thrown by `change` pass through, with nothing written.
 */
export function updateSettingsFile<T>(
  file: string,
  change: (text: string | undefined) => { text?: string; result: T },
  newMode = 0o666,
): { result: T; written: string } {
  const target = writeTarget(file);
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (e) {
    throw new SettingsFileError(`cannot create the directory ${dirname(target)} (${code(e)}); create it or choose another place and run this again`);
  }
  const unlock = lock(target);
  try {
    const before = readLimited(target);
    if (before !== undefined) refuseReadOnly(target, before.mode);
    const { text, result } = change(before?.text);
    if (text === undefined) return { result, written: target };
    const tmp = `${target}.agent-boss-${process.pid}.tmp`;
    try {
      // A new file gets newMode less the umask; an existing one keeps its exact mode.
      const fd = openSync(tmp, 'w', before === undefined ? newMode : 0o600);
      try {
        writeSync(fd, text);
        if (before !== undefined) fchmodSync(fd, before.mode);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, target);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
      throw new SettingsFileError(`cannot write ${target} (${code(e)}); check the permissions of ${dirname(target)} and run this again`);
    }
    return { result, written: target };
  } finally {
    unlock();
  }
}
