// The sidecar's own health, from its state: what /healthz answers and what decides whether the
// heartbeat pings. One notion for both, so a probe and the dead-man's switch never disagree. Pure.
import type { CoreState } from './step.ts';
import type { Instant } from './types.ts';

export interface HealthBody {
  ok: boolean;
  /** Every source heard from, failing or not: a probe can see what is watched. */
  sources: string[];
  /** The sources whose last read failed (logs, state files, Docker, the crontab), with the error. */
  failing: { source: string; error: string; lastErrorAt?: string; consecutiveErrors: number }[];
}

/** The pseudo-source named when the event loop has stopped moving the core's clock. */
export const EVENT_LOOP_SOURCE = 'event-loop';

export interface HealthOptions {
  /** The wall clock now. */
  now: Instant;
  /**
   * The core's clock moves with every event, and ticks come every few seconds; when it lags the wall
   * clock by more than this, the loop is wedged (a sidecar that cannot judge anything any more).
   */
  stalledAfterMs: number;
}

/**
 * Healthy while no source is failing and the event loop moves: a sidecar that cannot read what it
 * guards is not healthy, even though it runs (a probe or an orchestrator must see it). Rules firing
 * are not ill health: see /metrics.
 */
export function healthOf(state: CoreState, options?: HealthOptions): HealthBody {
  const failing: HealthBody['failing'] = Object.entries(state.sources)
    .filter(([, h]) => h.consecutiveErrors > 0)
    .map(([source, h]) => ({
      source,
      error: h.lastError ?? 'unknown error',
      ...(h.lastErrorAt !== undefined ? { lastErrorAt: new Date(h.lastErrorAt).toISOString() } : {}),
      consecutiveErrors: h.consecutiveErrors,
    }));
  const lag = options ? options.now - state.now : 0;
  if (options && lag > options.stalledAfterMs) {
    failing.push({
      source: EVENT_LOOP_SOURCE,
      error: `the event loop has not moved for ${Math.round(lag / 1000)} s (last event at ${new Date(state.now).toISOString()})`,
      consecutiveErrors: 1,
    });
  }
  return { ok: failing.length === 0, sources: Object.keys(state.sources).sort(), failing };
}
