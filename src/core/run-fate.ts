// What became of a run that started and has not finished (SPEC §2.1): still running, crashed, or hung.
// Decided once, here, so that the two criteria that look at an open run (missed/hung cron runs and
// repeated failures) can never both claim one root cause: a crash is a failed run, never also a hang.
import type { Instant, Run } from './types.ts';

/**
 * A look at the cron container's processes older than this says nothing about now: it is "unknown".
 * The daemon looks on every tick (30 s) while a run is open or an action is approved, so a fresh look
 * is at most one tick old; two minutes leaves room for a slow Docker API.
 */
export const PROCESS_LOOK_FRESH_MS = 2 * 60_000;

/**
 * A job process must have been missing for this long before its open run counts as crashed: a run
 * that just finished has no process any more, and its finish line may be read a moment after the look.
 */
export const PROCESS_GONE_SETTLE_MS = 60_000;

export interface ProcessLook {
  commands: string[];
  observedAt: Instant;
}

/** Key of a run while it is open: its job and its start (what the process bookkeeping is kept by). */
export function openRunKey(run: Pick<Run, 'jobId' | 'startedAt'>): string {
  return `${run.jobId}@${run.startedAt}`;
}

export type ProcessVisibility = 'fresh' | 'stale' | 'none';

export function processVisibility(look: ProcessLook | undefined, now: Instant): ProcessVisibility {
  if (!look) return 'none';
  return now - look.observedAt <= PROCESS_LOOK_FRESH_MS ? 'fresh' : 'stale';
}

/** Whether a fresh look shows a process running the run's script. */
export function processAlive(look: ProcessLook, script: string): boolean {
  return look.commands.some((cmd) => cmd.includes(script));
}

export type OpenRunFate =
  /** Within its maximum run time, or its process was just seen to go (settling): no judgement yet. */
  | { fate: 'running' }
  /** A traceback was logged, or its process has been gone for the settle time: a failed run (criterion 2). */
  | { fate: 'crashed'; why: 'traceback' | 'process-gone'; text: string }
  /** Past its maximum run time with its process alive, or with no way to see processes and no traceback. */
  | { fate: 'hung'; processSeen: 'alive' | 'not-visible' };

/** Why an open run counts as a failed run, or undefined while it may still be running. */
export function crashOf(run: Run, now: Instant): Extract<OpenRunFate, { fate: 'crashed' }> | undefined {
  if (run.end !== 'open') return undefined;
  if (run.tracebacks.length > 0) return { fate: 'crashed', why: 'traceback', text: run.tracebacks.at(-1)!.error };
  if (run.processGoneSince !== undefined && now - run.processGoneSince >= PROCESS_GONE_SETTLE_MS) {
    return { fate: 'crashed', why: 'process-gone', text: 'no finish marker, and its process is gone from the cron container' };
  }
  return undefined;
}

/** The fate of an open run at `now`, given the latest look at the cron container's processes. */
export function openRunFate(run: Run, look: ProcessLook | undefined, now: Instant, maxRunTime: number): OpenRunFate {
  const crash = crashOf(run, now);
  if (crash) return crash;
  // supercronic refused to start the next run because this one still runs: it hangs, whatever the clock says.
  if (run.runner?.stillRunningAt !== undefined) return { fate: 'hung', processSeen: 'alive' };
  if (now - run.startedAt < maxRunTime) return { fate: 'running' };
  if (processVisibility(look, now) !== 'fresh' || look!.observedAt < run.startedAt) return { fate: 'hung', processSeen: 'not-visible' };
  if (processAlive(look!, run.script)) return { fate: 'hung', processSeen: 'alive' };
  // Seen gone, but not for long enough to rule out a finish line still on its way.
  return { fate: 'running' };
}
