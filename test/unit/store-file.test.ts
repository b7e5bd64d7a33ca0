import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config.js';
import { readStoreFile, writeStoreFile } from '../../src/store/store-file.js';
import { tempDir } from '../helpers/tmp.js';

const URL_A = 'postgres://boss:secret@db.example.net:5432/agent_boss';
const URL_B = 'postgres://boss:other@db2.example.net/agent_boss';

describe('store.url: a data directory names its PostgreSQL store', () => {
  let t: ReturnType<typeof tempDir> | undefined;
  afterEach(() => t?.cleanup());

  it('is written 0600, replaced whole, and read back; no file names no store', () => {
    t = tempDir('boss-store-file-');
    expect(readStoreFile(t.dir)).toBeUndefined();
    expect(writeStoreFile(t.dir, URL_A)).toBe(true);
    expect(statSync(join(t.dir, 'store.url')).mode & 0o777).toBe(0o600);
    expect(readStoreFile(t.dir)).toBe(URL_A);
    expect(writeStoreFile(t.dir, URL_A)).toBe(false);
    expect(writeStoreFile(t.dir, URL_B)).toBe(true);
    expect(readStoreFile(t.dir)).toBe(URL_B);
  });

  it('a file that holds no PostgreSQL URL is an error naming it and the way out', () => {
    t = tempDir('boss-store-file-');
    writeFileSync(join(t.dir, 'store.url'), 'mysql://nope\n');
    expect(() => readStoreFile(t!.dir)).toThrow(/store\.url does not hold a PostgreSQL URL .*delete it to use the SQLite file/);
    expect(() => resolveConfig(['stdio', '--data-dir', t!.dir], {})).toThrow(ConfigError);
  });

  it('servers and agent-boss token given only the directory use it; --store and BOSS_STORE win', () => {
    t = tempDir('boss-store-file-');
    writeStoreFile(t.dir, URL_A);
    expect(resolveConfig(['stdio', '--data-dir', t.dir], {})).toMatchObject({ storeUrl: URL_A, storeFrom: 'file' });
    expect(resolveConfig(['serve', '--data-dir', t.dir], {})).toMatchObject({ storeUrl: URL_A, storeFrom: 'file' });
    expect(resolveConfig(['stdio', '--data-dir', t.dir], { BOSS_STORE: URL_B })).toMatchObject({ storeUrl: URL_B, storeFrom: 'env' });
    expect(resolveConfig(['serve', '--data-dir', t.dir, '--store', URL_B], {})).toMatchObject({ storeUrl: URL_B, storeFrom: 'flag' });
    expect(resolveConfig(['stdio', '--data-dir', join(t.dir, 'elsewhere')], {}).storeUrl).toBeUndefined();
  });
});
