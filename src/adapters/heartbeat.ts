// The heartbeat: a GET to a dead-man's-switch URL (Healthchecks-style) on each fire of its schedule,
// only while the sidecar is itself healthy — when it is not, the ping is skipped so that the switch
// fires. One attempt per fire, abandoned after the timeout: no retries, which would only blur when the
// sidecar stopped. The URL usually embeds a secret token: it is never logged, only its host.
import type { Logger } from 'pino';
import type { HealthBody } from '../core/health.ts';
import { FailureStreak } from './retry.ts';

export type HeartbeatOutcome = 'sent' | 'failed' | 'skipped' | 'busy';

export interface HeartbeatStats {
  sent: number;
  failed: number;
  skipped: number;
  /** When a ping was last answered with 2xx (epoch ms). */
  lastSentAt?: number;
}

export interface HeartbeatOptions {
  /** The ping URL (from the environment); secret: never logged. */
  url: string;
  timeoutMs: number;
  /** The sidecar's health now (core/health.ts: the same notion as /healthz). */
  health: () => HealthBody;
  logger: Logger;
  now: () => number;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export interface Heartbeat {
  /** One fire: ping if healthy, else skip (and say why, once per streak). */
  beat(): Promise<HeartbeatOutcome>;
  /** A reload changed the URL or the timeout. */
  update(settings: { url: string; timeoutMs: number }): void;
  stats(): HeartbeatStats;
  /** The host pinged, for logs (never the path or query, which hold the token). */
  host(): string;
}

/** The URL's host, or a fixed word when it is not a URL: what a log line may show of it. */
export function urlHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}

/** Why a ping failed, in words that cannot contain the URL (fetch errors may quote it). */
function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: unknown } } | null;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return `connection failed (${code})`;
  return `request failed (${typeof e?.name === 'string' ? e.name : 'unknown error'})`;
}

export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  const doFetch = options.fetch ?? fetch;
  const { logger } = options;
  let url = options.url;
  let timeoutMs = options.timeoutMs;
  let inFlight = false;
  const failures = new FailureStreak();
  const skips = new FailureStreak();
  const stats: HeartbeatStats = { sent: 0, failed: 0, skipped: 0 };

  const ping = async (): Promise<'sent' | 'failed'> => {
    const host = urlHost(url);
    try {
      const res = await doFetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
      // Read the (tiny) body so the connection is released; its content does not matter.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { name: 'HttpStatus', status: res.status });
    } catch (err) {
      const status = (err as { status?: number }).status;
      const why = status !== undefined ? `answered HTTP ${status}` : describeFailure(err, timeoutMs);
      stats.failed += 1;
      if (failures.fail(why)) logger.warn({ host, failures: failures.failures, error: why }, 'heartbeat ping failed');
      return 'failed';
    }
    stats.sent += 1;
    stats.lastSentAt = options.now();
    const streak = failures.end();
    if (streak > 0) logger.info({ host, after: streak }, 'heartbeat ping answered again');
    else logger.debug({ host }, 'heartbeat ping answered');
    return 'sent';
  };

  return {
    async beat() {
      // One attempt per fire: a ping still waiting for its answer is not joined by another.
      if (inFlight) return 'busy';
      const health = options.health();
      if (!health.ok) {
        stats.skipped += 1;
        const failing = health.failing.map((f) => f.source);
        if (skips.fail(failing.join(','))) {
          logger.warn(
            { failing, skipped: skips.failures },
            "heartbeat skipped: the sidecar is not healthy, so the dead-man's switch is left to fire",
          );
        }
        return 'skipped';
      }
      const skipped = skips.end();
      if (skipped > 0) logger.info({ skipped }, 'heartbeat resumed: the sidecar is healthy again');
      inFlight = true;
      try {
        return await ping();
      } finally {
        inFlight = false;
      }
    },
    update(settings) {
      url = settings.url;
      timeoutMs = settings.timeoutMs;
    },
    stats: () => ({ ...stats }),
    host: () => urlHost(url),
  };
}
