import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../src/cli-failure.js';

const errno = (code: string, syscall: string, path: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: failed, ${syscall} '${path}'`), { code, syscall, path });

describe('describeFailure: one line for a failure no command answered', () => {
  const cases: [string, unknown, RegExp][] = [
    ['a read-only file', errno('EROFS', 'open', '/data/boss.db'), /^agent-boss token issue: cannot open \/data\/boss\.db: permission denied \(EROFS\)\. Fix the permissions of \/data\/boss\.db/],
    ['a permission denied directory', errno('EACCES', 'mkdir', '/p/.claude'), /cannot mkdir \/p\/\.claude: permission denied \(EACCES\).*run it again\.$/],
    ['a full disk', errno('ENOSPC', 'write', '/data/boss.db-wal'), /\/data\/boss\.db-wal is full \(ENOSPC\)\. Free some space/],
    ['a database error', Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }), /the database failed: attempt to write a readonly database \(SQLITE_READONLY\)/],
    ['a stack overflow on huge input', new RangeError('Maximum call stack size exceeded'), /the input is too large or nests too deeply to handle .*Shorten it/],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')\n    at f (file.js:1:1)"), /unexpected failure: Cannot read properties of undefined \(reading 'x'\)\. This is a bug in agent-boss: run the same command with BOSS_LOG_LEVEL=debug/],
    ['a thrown string', 'boom', /^agent-boss token issue: failed: boom\./],
  ];
  for (const [what, err, want] of cases) {
    it(`${what}: ${String(want).slice(1, 50)}…`, () => {
      const line = describeFailure(err, 'token issue');
      expect(line).toMatch(want);
      expect(line).not.toContain('\n');
      expect(line).not.toMatch(/\bat .*:\d+:\d+/);
    });
  }
});
