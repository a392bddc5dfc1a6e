// The scheduler port: how the runtime fires the sidecar's own schedules (the daily digest, the
// heartbeat) on cron expressions. node-cron implements it; tests drive it with node:test's mock timers.
import type { Instant } from '../core/types.ts';

export interface ScheduledJob {
  /** The next fire time, or undefined once stopped. */
  nextRun(): Instant | undefined;
  /** No fire after this returns; a fire already running finishes on its own. */
  stop(): void;
}

export interface Scheduler {
  /**
   * Call `fire` at every fire time of `cron` (5 fields, or 6 with seconds first) read in `timeZone`,
   * with the fire time it answers. A fire still running when the next one comes makes that one skip.
   */
  every(name: string, cron: string, timeZone: string, fire: (scheduledFor: Instant) => Promise<void> | void): ScheduledJob;
}
