/**
 * The one line the CLI prints for a failure no command answered itself (a command's own failures,
 * like a config error or an unwritable data directory, are worded where they happen). It names the
 * file or input when the error carries one and says what to do next; the stack trace is printed
 * only with BOSS_LOG_LEVEL=debug.
 */
export function describeFailure(err: unknown, command: string): string {
  const where = command ? `agent-boss ${command}` : 'agent-boss';
  if (!(err instanceof Error)) return `${where}: failed: ${String(err)}. Run it again with BOSS_LOG_LEVEL=debug for details.`;
  const e = err as NodeJS.ErrnoException;
  const path = typeof e.path === 'string' ? e.path : undefined;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `${where}: cannot ${e.syscall ?? 'write'} ${path ?? 'a file'}: permission denied (${e.code}). Fix the permissions of ${path ?? 'that file'} (or its directory), or pass another --data-dir / --dir, and run it again.`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `${where}: ${path ?? 'the disk'} is full (${e.code}). Free some space and run it again.`;
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EISDIR':
      return `${where}: ${path ?? 'a path it needs'} is missing or not what it should be (${e.code}). Check the path and run it again.`;
  }
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE_')) {
    return `${where}: the database failed: ${e.message} (${e.code}). Check that no other program holds or damaged it, then run it again.`;
  }
  if (err instanceof RangeError && /call stack|Invalid string length|Invalid array length|allocation failed/i.test(err.message)) {
    return `${where}: the input is too large or nests too deeply to handle (${err.message}). Shorten it and run it again.`;
  }
  const line = err.message.split('\n')[0] ?? '';
  return `${where}: unexpected failure: ${line}. This is a bug in agent-boss: run the same command with BOSS_LOG_LEVEL=debug to see where it happened, and report it.`;
}
