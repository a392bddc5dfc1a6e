// The sidecar's own schedules (`schedules:` in sentinel.yaml): the daily digest, submitted to the
// event loop so the core composes it and the durable outbox carries it, and the heartbeat ping. Armed
// at start, re-armed when a reload changes them, stopped on shutdown.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { HealthBody } from '../core/health.ts';
import { previousFire } from '../core/schedule.ts';
import type { Event } from '../core/types.ts';
import type { Clock } from '../ports/clock.ts';
import type { ScheduledJob, Scheduler } from '../ports/scheduler.ts';
import { createHeartbeat, type Heartbeat, type HeartbeatStats } from '../adapters/heartbeat.ts';

type Schedules = Config['schedules'];

export interface OwnSchedulesOptions {
  scheduler: Scheduler;
  schedules: Schedules;
  /** Where the heartbeat URL is read, by the name `schedules.heartbeat.urlEnv` gives. */
  env: Record<string, string | undefined>;
  clock: Clock;
  logger: Logger;
  /** Into the event loop: the digest is the core's to compose and the outbox's to deliver. */
  submit: (event: Event) => Promise<void>;
  /** The sidecar's health now: the heartbeat pings only while it is ok. */
  health: () => HealthBody;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export interface OwnSchedules {
  /** A reload: re-arm whatever schedule changed (expression, zone, on/off, URL variable, timeout). */
  reconfigure(schedules: Schedules): void;
  /** The heartbeat's counters, for /metrics (absent while it is off). */
  heartbeatStats(): HeartbeatStats | undefined;
  /** When each schedule fires next (absent when off). */
  nextRuns(): { digest?: number; heartbeat?: number };
  stop(): void;
}

/** The ping URL from the environment, or why there is none. Messages name the variable, never its value. */
export function heartbeatUrl(
  schedules: Schedules,
  env: Record<string, string | undefined>,
): { kind: 'off' } | { kind: 'on'; url: string } | { kind: 'error'; error: string } {
  const name = schedules.heartbeat.urlEnv;
  const url = env[name]?.trim() ?? '';
  if (url === '') return { kind: 'off' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'error', error: `${name} is not a URL: the heartbeat is off` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return { kind: 'error', error: `${name} is not an http(s) URL: the heartbeat is off` };
  return { kind: 'on', url };
}

export function startOwnSchedules(options: OwnSchedulesOptions): OwnSchedules {
  const { scheduler, clock, logger } = options;
  let current = options.schedules;
  let digestJob: ScheduledJob | undefined;
  let heartbeatJob: ScheduledJob | undefined;
  let heartbeat: Heartbeat | undefined;

  const armDigest = (s: Schedules) => {
    digestJob?.stop();
    digestJob = undefined;
    if (!s.digest.enabled) return;
    digestJob = scheduler.every('digest', s.digest.cron, s.timezone, (scheduledFor) =>
      options.submit({ kind: 'digest-due', scheduledFor, at: clock.now() }),
    );
    logger.info({ cron: s.digest.cron, timezone: s.timezone, next: isoOf(digestJob.nextRun()) }, 'daily digest scheduled');
  };

  const armHeartbeat = (s: Schedules) => {
    heartbeatJob?.stop();
    heartbeatJob = undefined;
    const found = heartbeatUrl(s, options.env);
    if (found.kind === 'error') logger.error({ urlEnv: s.heartbeat.urlEnv }, found.error);
    if (found.kind !== 'on') {
      if (found.kind === 'off') logger.info({ urlEnv: s.heartbeat.urlEnv }, 'heartbeat off: its URL variable is unset or empty');
      return;
    }
    const settings = { url: found.url, timeoutMs: s.heartbeat.timeout };
    if (heartbeat) heartbeat.update(settings);
    else
      heartbeat = createHeartbeat({
        ...settings,
        health: options.health,
        logger,
        now: () => clock.now(),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    const beat = heartbeat;
    heartbeatJob = scheduler.every('heartbeat', s.heartbeat.cron, s.timezone, async () => void (await beat.beat()));
    logger.info(
      { cron: s.heartbeat.cron, timezone: s.timezone, host: beat.host(), next: isoOf(heartbeatJob.nextRun()) },
      'heartbeat scheduled',
    );
  };

  armDigest(current);
  armHeartbeat(current);
  // A digest whose fire time passed while the sidecar was down is sent now, marked late; the core
  // refuses it when it was sent already, or when that fire time came before watching began.
  if (current.digest.enabled) {
    const now = clock.now();
    const last = previousFire({ schedule: current.digest.cron, timezone: current.timezone }, now);
    if (last !== undefined) void options.submit({ kind: 'digest-due', scheduledFor: last, at: now });
  }

  return {
    reconfigure(next) {
      const digestChanged = JSON.stringify([next.timezone, next.digest]) !== JSON.stringify([current.timezone, current.digest]);
      const heartbeatChanged = JSON.stringify([next.timezone, next.heartbeat]) !== JSON.stringify([current.timezone, current.heartbeat]);
      current = next;
      if (digestChanged) armDigest(next);
      if (heartbeatChanged) armHeartbeat(next);
    },
    heartbeatStats: () => (heartbeatJob && heartbeat ? heartbeat.stats() : undefined),
    nextRuns() {
      const digest = digestJob?.nextRun();
      const beat = heartbeatJob?.nextRun();
      return { ...(digest !== undefined ? { digest } : {}), ...(beat !== undefined ? { heartbeat: beat } : {}) };
    },
    stop() {
      digestJob?.stop();
      heartbeatJob?.stop();
      digestJob = undefined;
      heartbeatJob = undefined;
    },
  };
}

function isoOf(at: number | undefined): string | undefined {
  return at === undefined ? undefined : new Date(at).toISOString();
}
