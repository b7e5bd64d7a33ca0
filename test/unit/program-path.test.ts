import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath, withAbsoluteProgram } from '../../src/core/program-path.js';
import { tempDir } from '../helpers/tmp.js';

describe('spawn_agent names its program by the path the spawner finds', () => {
  const tmp = tempDir('agent-boss-program-path-');
  afterAll(() => tmp.cleanup());
  const a = join(tmp.dir, 'a');
  const b = join(tmp.dir, 'b b');
  mkdirSync(a);
  mkdirSync(b);
  writeFileSync(join(a, 'plain'), 'not executable');
  writeFileSync(join(b, 'plain'), '#!/bin/sh\n');
  chmodSync(join(b, 'plain'), 0o755);
  mkdirSync(join(a, 'dir-named'));
  const path = `relative:${a}:${b}`;

  it('finds the first executable file, skipping files without x, directories and relative entries', () => {
    expect(findOnPath('plain', path)).toBe(join(b, 'plain'));
    expect(findOnPath('dir-named', path)).toBeUndefined();
    expect(findOnPath('missing', path)).toBeUndefined();
    expect(findOnPath('plain', undefined)).toBeUndefined();
  });

  it('replaces only a leading bare program name, quoted for the shell', () => {
    expect(withAbsoluteProgram('plain --flag "x y"', path)).toBe(`'${join(b, 'plain')}' --flag "x y"`);
    expect(withAbsoluteProgram('plain', path)).toBe(`'${join(b, 'plain')}'`);
    expect(withAbsoluteProgram('/opt/plain --x', path)).toBe('/opt/plain --x');
    expect(withAbsoluteProgram('missing --x', path)).toBe('missing --x');
    expect(withAbsoluteProgram('X=1 plain', path)).toBe('X=1 plain');
    expect(withAbsoluteProgram("'plain' --x", path)).toBe("'plain' --x");
  });
});
