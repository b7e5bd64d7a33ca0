import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The operator's key: a random secret the hub keeps in `<data-dir>/operator.key` (mode 0600). An
 * HTTP caller presenting it (`Authorization: Bearer <key>`, or the dashboard's login cookie) is the
 * operator; agents are not given it. Whoever can read the data directory can read it, like the
 * database itself: the file's permissions are the boundary. No dependencies, so the hook command
 * can read it.
 */
export const OPERATOR_KEY_FILE = 'operator.key';
export const OPERATOR_KEY_PREFIX = 'abo_';

export const operatorKeyPath = (dataDir: string): string => join(dataDir, OPERATOR_KEY_FILE);

/** A key file readable or writable by others is no secret: refused, with the fix. */
function checkMode(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${path} is accessible to other users (mode ${mode.toString(8).padStart(4, '0')}): delete it (the hub makes a new one) or chmod 600 it`);
  }
}

/**
 * The key that signs one-time approval links (`<data-dir>/approval-link.key`, HMAC-SHA256): made and
 * guarded like the operator key, never sent anywhere.
 */
export const APPROVAL_LINK_KEY_FILE = 'approval-link.key';
export const APPROVAL_LINK_KEY_PREFIX = 'abl_';

/** The key in the data directory, or undefined when there is none (nothing is created). */
export function readOperatorKey(dataDir: string): string | undefined {
  return readKeyFile(dataDir, OPERATOR_KEY_FILE, OPERATOR_KEY_PREFIX);
}

/** The key in the data directory, made first if there is none (see ensureKeyFile). */
export function ensureOperatorKey(dataDir: string): string {
  return ensureKeyFile(dataDir, OPERATOR_KEY_FILE, OPERATOR_KEY_PREFIX);
}

/** The approval links' signing key, made first if there is none. */
export function ensureApprovalLinkKey(dataDir: string): string {
  return ensureKeyFile(dataDir, APPROVAL_LINK_KEY_FILE, APPROVAL_LINK_KEY_PREFIX);
}

function readKeyFile(dataDir: string, file: string, prefix: string): string | undefined {
  const path = join(dataDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  checkMode(path);
  const key = text.trim();
  if (!key.startsWith(prefix) || key.length < 40) throw new Error(`${path} holds no key: delete it (the hub makes a new one)`);
  return key;
}

/**
 * The key in the data directory, made first if there is none. Made atomically: written whole to a
 * private temporary file (0600 from its creation), then linked to its name, which fails if another
 * process made one meanwhile (that one is then used), so nobody ever reads a half-written key.
 */
function ensureKeyFile(dataDir: string, file: string, prefix: string): string {
  const existing = readKeyFile(dataDir, file, prefix);
  if (existing !== undefined) return existing;
  const key = `${prefix}${randomBytes(32).toString('base64url')}`;
  const tmp = join(dataDir, `.${file}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${key}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, join(dataDir, file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return readKeyFile(dataDir, file, prefix)!;
}
