import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';

describe('serve: notification options', () => {
  it('reads repeated --notify-webhook and --notify-command, else the environment', () => {
    const c = resolveConfig(
      ['serve', '--notify-webhook', 'https://ntfy.sh/a', '--notify-webhook', 'http://127.0.0.1:9/x', '--notify-command', 'notify-send "$NOTIFY_TITLE"', '--notify-long-turn', '60'],
      { BOSS_NOTIFY_WEBHOOK: 'https://ignored.example' },
    );
    expect(c.notify).toEqual({ webhooks: ['https://ntfy.sh/a', 'http://127.0.0.1:9/x'], commands: ['notify-send "$NOTIFY_TITLE"'], longTurnMs: 60_000, approvalLinks: false });
    const e = resolveConfig(['serve'], {
      BOSS_NOTIFY_WEBHOOK: ' https://a.example/1  https://b.example/2 ',
      BOSS_NOTIFY_COMMAND: 'cat > /dev/null',
      BOSS_APPROVAL_LINKS: '1',
      BOSS_PUBLIC_URL: 'https://boss.example.net/',
    });
    expect(e.notify).toEqual({
      webhooks: ['https://a.example/1', 'https://b.example/2'],
      commands: ['cat > /dev/null'],
      longTurnMs: 300_000,
      approvalLinks: true,
      publicUrl: 'https://boss.example.net',
    });
    expect(resolveConfig(['serve'], {}).notify).toEqual({ webhooks: [], commands: [], longTurnMs: 300_000, approvalLinks: false });
  });

  it('refuses bad values with a sentence that says what is wanted', () => {
    const bad: [string[], RegExp][] = [
      [['--notify-webhook', 'ntfy.sh/topic'], /--notify-webhook must be an http:\/\/ or https:\/\/ URL such as https:\/\/ntfy.sh\/my-topic, got "ntfy.sh\/topic"/],
      [['--notify-webhook', 'file:///etc/passwd'], /--notify-webhook must be an http/],
      [['--notify-command', '  '], /--notify-command must not be empty/],
      [['--notify-long-turn', '5m'], /--notify-long-turn must be a whole number of seconds/],
      [['--public-url', 'https://boss.example/?x=1'], /--public-url must be the hub's address only/],
      [['--approval-links'], /--approval-links puts links in webhook and command events: give --notify-webhook or --notify-command too/],
      [['--approval-links', '--notify-command', 'true', '--read-only'], /a --read-only hub cannot offer them/],
    ];
    for (const [args, message] of bad) expect(() => resolveConfig(['serve', ...args], {}), args.join(' ')).toThrow(message);
    expect(() => resolveConfig(['stdio', '--notify-webhook', 'https://x.example'], {})).toThrow(/--notify-webhook does not apply to "stdio"/);
  });
});
