import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('docs/testing.md', () => {
  it('lists every folder of tests in its layers table', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8');
    const layers = [...doc.matchAll(/^\| `test\/([a-z0-9-]+)\/` \|/gm)].map((m) => m[1]);
    const folders = readdirSync(join(ROOT, 'test'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'helpers' && d.name !== 'fixtures')
      .map((d) => d.name);
    expect(folders.length).toBeGreaterThan(5);
    expect([...layers].sort()).toEqual([...folders].sort());
  });
});
