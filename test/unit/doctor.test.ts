import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions, TESTED_CLAUDE_CODE_VERSIONS, versionWarning } from '../../src/agents/claude-code/versions.js';
import { runDoctor, transcriptVersion, versionOfOutput } from '../../src/doctor.js';
import { openDatabase } from '../../src/store/db.js';
import { tempDir } from '../helpers/tmp.js';

describe('Claude Code versions against the tested range', () => {
  it('compares x.y.z numerically', () => {
    expect(compareVersions('2.1.300', '2.1.99')).toBe(1);
    expect(compareVersions('2.1.328', '2.1.328')).toBe(0);
    expect(compareVersions('1.9.999', '2.0.0')).toBe(-1);
  });

  it('warns outside [oldest, newest] tested, never inside', () => {
    for (const v of TESTED_CLAUDE_CODE_VERSIONS) expect(versionWarning(v)).toBeUndefined();
    expect(versionWarning('2.1.310')).toBeUndefined();
    expect(versionWarning('2.1.299')).toMatch(/older than the oldest tested version \(2\.1\.300\)/u);
    expect(versionWarning('2.1.333')).toMatch(/newer than the newest tested version .*CLAUDE_CODE_VERSION=2\.1\.333 npm run test:real/u);
    expect(versionWarning('banana')).toMatch(/unrecognised/u);
  });

  it('reads the version from `claude --version` and from the tail of a transcript', () => {
    expect(versionOfOutput('2.1.332 (Claude Code)\n')).toBe('2.1.332');
    const dir = tempDir('boss-doctor-');
    try {
      const file = join(dir.dir, 't.jsonl');
      writeFileSync(file, `${JSON.stringify({ type: 'user', version: '2.1.300' })}\n${JSON.stringify({ type: 'assistant', version: '2.1.301' })}\n`);
      expect(transcriptVersion(file)).toBe('2.1.301');
      expect(transcriptVersion(join(dir.dir, 'missing.jsonl'))).toBeUndefined();
    } finally {
      dir.cleanup();
    }
  });
});

describe('agent-boss doctor', () => {
  it("prints this machine's and each agent's version and warns (exit 1) about one outside the range", async () => {
    const dir = tempDir('boss-doctor-');
    try {
      const claude = join(dir.dir, 'claude');
      writeFileSync(claude, '#!/bin/sh\necho "2.1.332 (Claude Code)"\n');
      chmodSync(claude, 0o755);
      const data = join(dir.dir, 'data');
      mkdirSync(data, { mode: 0o700 });
      const old = join(dir.dir, 'old.jsonl');
      writeFileSync(old, `${JSON.stringify({ version: '2.1.250' })}\n`);
      const ok = join(dir.dir, 'ok.jsonl');
      writeFileSync(ok, `${JSON.stringify({ version: '2.1.328' })}\n`);
      const db = openDatabase(join(data, 'boss.db'));
      const insert = db.prepare(`INSERT INTO hook_events (space, agent, space_key, agent_key, event, cc_session, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
      insert.run('default', 'old', 'default', 'old', 'Stop', 'c1', JSON.stringify({ transcript_path: old }), 1);
      insert.run('default', 'fine', 'default', 'fine', 'Stop', 'c2', JSON.stringify({ transcript_path: ok }), 2);
      db.close();
      let out = '';
      const code = await runDoctor(['--data-dir', data, '--claude', claude], {}, { out: (t) => (out += t), err: (t) => (out += t) });
      expect(out).toContain(`claude (${claude}): 2.1.332`);
      expect(out).toMatch(/default\/old: Claude Code 2\.1\.250\n {2}warning: Claude Code 2\.1\.250 is older than the oldest tested version/u);
      expect(out).toContain('default/fine: Claude Code 2.1.328\n');
      expect(code).toBe(1);
    } finally {
      dir.cleanup();
    }
  });

  it('exit 0 without warnings; a missing claude is said, not thrown', async () => {
    const dir = tempDir('boss-doctor-');
    try {
      let out = '';
      const code = await runDoctor(['--data-dir', join(dir.dir, 'none'), '--claude', join(dir.dir, 'no-claude')], {}, { out: (t) => (out += t), err: (t) => (out += t) });
      expect(out).toMatch(/not found \(could not run/u);
      expect(out).toMatch(/no database at/u);
      expect(code).toBe(0);
    } finally {
      dir.cleanup();
    }
  });
});
