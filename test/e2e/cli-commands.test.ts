import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closest } from '../../src/cli-suggest.js';
import { commandsOverview, OPTIONS, SETUP_TARGETS, TOP_COMMAND_NAMES } from '../../src/config-options.js';
import { assertBuilt, CLI } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** The built CLI as a user runs it, with a bounded time: a hang fails the test instead of stalling it. */
const cli = (args: readonly string[], env: Record<string, string> = {}) => {
  assertBuilt();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 15_000,
    input: '',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
};

const DOCS = join(import.meta.dirname, '..', '..', 'docs');

describe('one table of commands', () => {
  it('every command has help, as "help COMMAND" and as "COMMAND --help", on stdout with exit 0', () => {
    const top = cli(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toContain(commandsOverview());
    for (const name of TOP_COMMAND_NAMES) expect(top.stdout, name).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    for (const topic of [['stdio'], ['serve'], ['setup'], ['setup', 'claude'], ['setup', 'hooks'], ['hook'], ['token'], ['token', 'issue']]) {
      for (const argv of [['help', ...topic], [...topic, '--help']]) {
        const r = cli(argv);
        expect(r.status, argv.join(' ')).toBe(0);
        expect(r.stdout, argv.join(' ')).toMatch(/^Usage:/);
      }
    }
    // setup's help names every target.
    const setup = cli(['setup', '--help']).stdout;
    for (const target of Object.keys(SETUP_TARGETS)) expect(setup).toContain(`agent-boss setup ${target}`);
  });

  it.each([
    [['servve'], /unknown command "servve": did you mean "serve"\? Use one of "stdio", "serve", "setup", "hook", "token", "doctor", "help"/],
    [['help', 'servve'], /unknown command "servve": did you mean "serve"\?/],
    [['frobnicate'], /unknown command "frobnicate": use one of "stdio", "serve", "setup", "hook", "token", "doctor", "help" \(see agent-boss help\)/],
    [['setup'], /setup needs a target: "agent-boss setup claude" or "agent-boss setup codex" or "agent-boss setup gemini" or "agent-boss setup hooks"/],
    [['setup', 'clade'], /unknown setup target "clade": did you mean "claude"\? Use "agent-boss setup claude" or "agent-boss setup codex" or "agent-boss setup gemini" or "agent-boss setup hooks"/],
    [['serve', '--prot', '9000'], /Unknown option '--prot': did you mean --port\? \(see agent-boss help serve\)/],
    [['stdio', '--agnet', 'x'], /Unknown option '--agnet': did you mean --agent\? \(see agent-boss help stdio\)/],
    [['setup', 'hooks', '--wrte'], /Unknown option '--wrte': did you mean --write\? \(see agent-boss help setup hooks\)/],
    [['token', 'isue'], /unknown token action "isue": did you mean "issue"\?/],
    [['token', 'issue', '--agnet', 'a'], /Unknown option '--agnet': did you mean --agent\? \(see agent-boss help token\)/],
  ])('%j exits 2 naming the near miss', (argv, message) => {
    const r = cli(argv);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('suggests only a plausible neighbour', () => {
    expect(closest('prot', ['port', 'host'])).toBe('port');
    expect(closest('servve', TOP_COMMAND_NAMES)).toBe('serve');
    expect(closest('zzzz', ['port', 'host'])).toBeUndefined();
    expect(closest('x', ['ab'])).toBeUndefined();
  });

  it("docs/configuration.md lists the commands of the table and every server flag", () => {
    const doc = readFileSync(join(DOCS, 'configuration.md'), 'utf8');
    const block = /## Commands\n\n```\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(block).toBe(commandsOverview('agent-boss ', 36).replace(/^ {2}/gm, ''));
    const table = doc.slice(doc.indexOf('## Flags and environment'), doc.indexOf('## The database'));
    for (const name of Object.keys(OPTIONS)) expect(table, name).toContain(`\`--${name}`);
  });
});

describe('agent-boss token and the database', () => {
  it('list and revoke never create a database: they name the path and the next step', () => {
    const { dir, cleanup } = tempDir();
    try {
      const missing = join(dir, 'nonexistent');
      for (const args of [['list'], ['revoke', '1'], ['revoke', '--agent', 'a']]) {
        const r = cli(['token', ...args, '--data-dir', missing]);
        expect(r.status, args.join(' ')).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`no database at ${missing}/boss\\.db: pass the hub's --data-dir DIR .*agent-boss token issue`));
        expect(existsSync(missing)).toBe(false);
      }
    } finally {
      cleanup();
    }
  });

  it('issue creates the directory as the servers do (this user only) and says it made a new database', () => {
    const { dir, cleanup } = tempDir();
    try {
      const data = join(dir, 'a', 'b');
      const r = cli(['token', 'issue', '--agent', 'a', '--data-dir', data]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^abt_/);
      expect(r.stderr).toContain(`created a new database ${data}/boss.db`);
      expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
      expect(statSync(data).mode & 0o777).toBe(0o700);
      const again = cli(['token', 'issue', '--agent', 'b', '--data-dir', data]);
      expect(again.status).toBe(0);
      expect(again.stderr).not.toContain('created a new database');
      expect(cli(['token', 'list', '--data-dir', data]).stdout).toMatch(/^2\s+default\s+b\s/m);
    } finally {
      cleanup();
    }
  });
});

describe('a data directory that cannot be made', () => {
  // Node's recursive mkdir never returns on /proc/nope; each case must end, with one line.
  it.skipIf(!existsSync('/proc/self')).each([['stdio'], ['serve', '--port', '0'], ['token', 'issue', '--agent', 'a']])('%s --data-dir /proc/nope exits 1 at once', (...argv) => {
    const started = performance.now();
    const r = cli([...argv, '--data-dir', '/proc/nope']);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot create \/proc\/nope: .*--data-dir/);
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('names the file that is in the way, not the directory under it', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'afile');
      writeFileSync(file, 'x');
      for (const argv of [['stdio'], ['token', 'issue', '--agent', 'a']]) {
        const r = cli([...argv, '--data-dir', join(file, 'sub', 'deeper')]);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(`${file} is a file, not a directory`);
        expect(r.stderr).not.toContain(join(file, 'sub'));
      }
    } finally {
      cleanup();
    }
  });
});
