import { ConfigError } from './config.js';

/**
 * `serve`'s notification options (see docs/notifications.md), read like every option: a flag, else
 * its environment variable, else the default. `--notify-webhook` and `--notify-command` may be
 * repeated; BOSS_NOTIFY_WEBHOOK holds URLs separated by whitespace, BOSS_NOTIFY_COMMAND one command.
 */
export interface NotifyConfig {
  webhooks: string[];
  commands: string[];
  /** A turn that worked this long is announced when it ends; 0 = never. */
  longTurnMs: number;
  /** The hub as the operator reaches it (links in notifications), without a trailing slash. */
  publicUrl?: string;
  /** One-time approval links in webhook and command events. */
  approvalLinks: boolean;
}

const MAX_LONG_TURN_S = 7 * 24 * 3600;

function httpUrl(flag: string, value: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--${flag} must be an http:// or https:// URL such as ${example}, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--${flag} must be an http:// or https:// URL such as ${example}, got "${value}"`);
  return url;
}

export function notifyConfig(flags: Record<string, string[] | string | boolean | undefined>, env: NodeJS.ProcessEnv, readOnly: boolean): NotifyConfig {
  const list = (flag: string, envName: string, split: boolean): string[] => {
    const given = flags[flag];
    if (Array.isArray(given)) return given;
    const fromEnv = env[envName];
    if (fromEnv === undefined || fromEnv.trim() === '') return [];
    return split ? fromEnv.trim().split(/\s+/u) : [fromEnv];
  };
  const one = (flag: string, envName: string): string | undefined => {
    const given = flags[flag];
    if (Array.isArray(given)) return given.at(-1);
    if (typeof given === 'string') return given;
    if (typeof given === 'boolean') return given ? 'true' : undefined;
    return env[envName] || undefined;
  };

  const webhooks = list('notify-webhook', 'BOSS_NOTIFY_WEBHOOK', true).map((u) => httpUrl('notify-webhook', u, 'https://ntfy.sh/my-topic').href);
  const commands = list('notify-command', 'BOSS_NOTIFY_COMMAND', false).map((c) => {
    if (c.trim() === '') throw new ConfigError('--notify-command must not be empty: give the command to run, e.g. --notify-command \'notify-send "$NOTIFY_TITLE" "$NOTIFY_TEXT"\'');
    if (c.includes('\0')) throw new ConfigError('--notify-command must not contain a NUL character');
    return c;
  });
  const longTurn = one('notify-long-turn', 'BOSS_NOTIFY_LONG_TURN') ?? '300';
  if (!/^\d+$/.test(longTurn) || Number(longTurn) > MAX_LONG_TURN_S) {
    throw new ConfigError(`--notify-long-turn must be a whole number of seconds from 0 (never) to ${MAX_LONG_TURN_S}, got "${longTurn}"`);
  }
  const config: NotifyConfig = { webhooks, commands, longTurnMs: Number(longTurn) * 1000, approvalLinks: /^(1|true|yes|on)$/i.test(one('approval-links', 'BOSS_APPROVAL_LINKS') ?? '') };
  const publicUrl = one('public-url', 'BOSS_PUBLIC_URL');
  if (publicUrl !== undefined) {
    const url = httpUrl('public-url', publicUrl, 'https://boss.example.net');
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      throw new ConfigError(`--public-url must be the hub's address only (no query, fragment or credentials), got "${publicUrl}"`);
    }
    config.publicUrl = url.href.replace(/\/+$/, '');
  }
  if (config.approvalLinks && webhooks.length === 0 && commands.length === 0) {
    throw new ConfigError('--approval-links puts links in webhook and command events: give --notify-webhook or --notify-command too');
  }
  if (config.approvalLinks && readOnly) throw new ConfigError('--approval-links answers prompts: a --read-only hub cannot offer them');
  return config;
}
