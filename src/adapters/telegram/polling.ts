// Long polling of Telegram: getMe and deleteWebhook first, then getUpdates in order, each update handed
// over before its offset is kept on disk (so none is handled twice across a restart), with backoff on
// every failure and a log line per failure streak, not per retry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Update, User } from 'telegraf/types';
import { replaceFileAtomic } from '../durable.ts';
import { backoffDelay, FailureStreak, realTimers, sleep, type Backoff, type Timers } from '../retry.ts';
import { describeApiError, type ApiError, type TelegramApi } from './api.ts';

const OFFSET_FILE = 'updates-offset.json';

export interface PollingOptions {
  api: TelegramApi;
  /** Where the update offset is kept. */
  dir: string;
  logger?: Logger | undefined;
  /** Long-poll timeout asked of getUpdates, in seconds (Telegram allows up to 50). */
  pollTimeoutSec: number;
  /** Backoff for getMe / getUpdates failures. */
  retry: Backoff;
  /** Aborted to stop polling: sleeps end at once, the request in flight is cancelled. */
  signal: AbortSignal;
  timers?: Timers;
  /** getMe answered and no webhook is in the way: updates follow. */
  onReady: (me: User) => void;
  /** Handle one update; must not throw (an update is handled once, whatever happens). */
  handle: (update: Update) => Promise<void>;
}

/** Poll until `signal` aborts; resolves then. */
export async function pollUpdates(options: PollingOptions): Promise<void> {
  const { api, signal } = options;
  const log = options.logger;
  const timers = options.timers ?? realTimers;
  const offsetPath = join(options.dir, OFFSET_FILE);
  let offset = readOffset(offsetPath);

  /** Count a failure: its text, whether to log it, and how long to wait before the next try. */
  const retryIn = (streak: FailureStreak, failure: ApiError) => {
    const error = describeApiError(failure);
    const shouldLog = streak.fail(error);
    const retryAfterMs = failure.kind === 'rate-limited' ? failure.retryAfterMs : undefined;
    return { error, shouldLog, delay: backoffDelay(streak.failures, options.retry, retryAfterMs) };
  };

  const callUntilOk = async <T>(what: string, call: () => ReturnType<TelegramApi['call']>): Promise<T | undefined> => {
    const streak = new FailureStreak();
    while (!signal.aborted) {
      const r = await call();
      if (r.ok) return r.value as T;
      if (signal.aborted) return undefined;
      const { error, shouldLog, delay } = retryIn(streak, r.error);
      if (shouldLog) {
        log?.[r.error.kind === 'unauthorized' ? 'error' : 'warn'](
          { error, failures: streak.failures, retryInMs: delay },
          `telegram ${what} failed; will retry`,
        );
      }
      await sleep(delay, signal, timers);
    }
    return undefined;
  };

  const me = await callUntilOk<User>('getMe', () => api.call('getMe', {}, { signal }));
  if (!me) return;
  // A webhook left set by another program makes getUpdates fail with 409.
  await callUntilOk('deleteWebhook', () => api.call('deleteWebhook', {}, { signal }));
  log?.info({ bot: me.username }, 'telegram bot polling');
  options.onReady(me);
  const streak = new FailureStreak();
  while (!signal.aborted) {
    const r = await api.call(
      'getUpdates',
      { offset, timeout: options.pollTimeoutSec, allowed_updates: ['message', 'callback_query'] },
      { signal, timeoutMs: (options.pollTimeoutSec + 15) * 1000 },
    );
    if (signal.aborted) break;
    if (!r.ok) {
      const { error, shouldLog, delay } = retryIn(streak, r.error);
      if (shouldLog) log?.warn({ error, failures: streak.failures, retryInMs: delay }, 'telegram getUpdates failed; will retry');
      await sleep(delay, signal, timers);
      continue;
    }
    const failures = streak.end();
    if (failures > 0) log?.info({ failures }, 'telegram getUpdates works again');
    for (const update of r.value) {
      await options.handle(update);
      offset = update.update_id + 1;
    }
    if (r.value.length > 0) writeOffset(offsetPath, offset, log);
  }
}

function readOffset(path: string): number {
  try {
    const value = (JSON.parse(readFileSync(path, 'utf8')) as { offset?: unknown }).offset;
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
  } catch {
    return 0;
  }
}

function writeOffset(path: string, offset: number, log: Logger | undefined): void {
  try {
    replaceFileAtomic(path, JSON.stringify({ offset }) + '\n');
  } catch (err) {
    // Losing the offset only means an update may be handled twice after a restart (the core refuses
    // a repeated decision); it must not stop the bot.
    log?.warn({ error: (err as Error).message }, 'telegram update offset not saved');
  }
}
