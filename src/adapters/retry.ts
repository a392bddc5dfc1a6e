// Retrying a call to something outside (Telegram, Docker): exponential backoff that honours a server's
// retry_after, an abortable sleep over injectable timers (tests use a fake clock), and the rule for
// logging a failure streak without flooding the log.

/** The timer functions a sleep needs; `realTimers` in production, a fake clock in tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolve after `ms`, or at once when `signal` aborts (it never rejects: a stop is not an error). */
export function sleep(ms: number, signal?: AbortSignal, timers: Timers = realTimers): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      timers.clearTimeout(handle);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const handle = timers.setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Exponential backoff: the first retry waits `baseMs`, each next one twice as long, up to `maxMs`. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * How long to wait before retry number `failures` (1 = after the first failure). A server that said
 * how long to wait (Telegram's 429 `retry_after`) is obeyed as it is.
 */
export function backoffDelay(failures: number, backoff: Backoff, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
}

/**
 * Consecutive failures of one thing. A streak is logged at its first failure, whenever the error
 * changes, and every tenth failure: an outage stays visible without a line per retry.
 */
export class FailureStreak {
  private count = 0;
  private lastLogged: string | undefined;

  /** Failures since the last success. */
  get failures(): number {
    return this.count;
  }

  /** Count a failure; true when this one should be logged. */
  fail(error: string): boolean {
    this.count += 1;
    if (this.count !== 1 && this.count % 10 !== 0 && error === this.lastLogged) return false;
    this.lastLogged = error;
    return true;
  }

  /** End the streak; returns how many failures it had (0: there was none, nothing to announce). */
  end(): number {
    const count = this.count;
    this.count = 0;
    this.lastLogged = undefined;
    return count;
  }
}
