// The daily digest: what the sidecar says once a day so that its own silence is noticed. Decides from
// the core state whether a digest is due for a fire time (once per fire time, never for one before
// watching began) and what it says: the runs checked since the previous digest, what is open, the
// next scheduled runs, armed or not, the release in force. Pure.
import { healthOf } from './health.ts';
import { isOpen } from './incident.ts';
import { runOutcome } from './runs.ts';
import { nextFire } from './schedule.ts';
import type { CoreState } from './step.ts';
import type { Effect, Incident, Instant, Run } from './types.ts';

/** Runs that ended, per job: counters that only grow (finishedRuns keeps only the last few runs). */
export interface RunTally {
  runs: number;
  failed: number;
}

/** The last digest sent: for which fire time, and the tallies then (the next digest counts from them). */
export interface DigestMark {
  scheduledFor: Instant;
  sentAt: Instant;
  tallies: Record<string, RunTally>;
}

/** An open incident as the digest lists it. */
export type DigestIncident = Pick<Incident, 'id' | 'ruleId' | 'severity' | 'phase' | 'summary' | 'message' | 'openedAt'>;

export interface Digest {
  /** The fire time of the digest schedule this answers. */
  scheduledFor: Instant;
  /** When it was composed (later than `scheduledFor` when it catches up after the sidecar was down). */
  composedAt: Instant;
  /** Runs are counted from here: the previous digest, or when watching began. */
  since: Instant;
  sinceWatchStart: boolean;
  /** Per job with at least one run since `since`, by job id. */
  runs: { jobId: string; runs: number; failed: number }[];
  open: DigestIncident[];
  failingSources: { source: string; error: string; consecutiveErrors: number }[];
  /** The next fire time of each job of the deployed crontab, soonest first. */
  nextRuns: { jobId: string; at: Instant }[];
  /** Jobs in the deployed crontab (0: not read yet). */
  jobs: number;
  armed: boolean;
  /** The release in force, or the v3.2.x fingerprint's version when no catalogue is loaded. */
  release?: { name: string; closest: boolean; confirmed: boolean };
  version: string;
}

/** A digest is late (and says so) when composed this long after its fire time: the sidecar was not running. */
export const DIGEST_LATE_AFTER_MS = 5 * 60_000;
/** The digest lists at most this many next runs (one line each). */
export const DIGEST_NEXT_RUNS = 8;

/** Count the runs that ended in a read, from the moment watching began (history read at first start is not "checked since"). */
export function tallyRuns(tallies: Record<string, RunTally>, ended: readonly Run[], watchStartedAt: Instant): Record<string, RunTally> {
  let next = tallies;
  for (const run of ended) {
    if (run.startedAt < watchStartedAt) continue;
    const prev = next[run.jobId] ?? { runs: 0, failed: 0 };
    const failed = runOutcome(run) === 'failed' ? 1 : 0;
    next = { ...next, [run.jobId]: { runs: prev.runs + 1, failed: prev.failed + failed } };
  }
  return next;
}

export type DigestDecision = { send: true } | { send: false; why: 'already-sent' | 'before-watching' };

/**
 * One digest per fire time: a fire time the last digest already answered (a reload re-arming the
 * schedule, the catch-up at start after a digest was sent) is not sent again, and a fire time from
 * before the sidecar began watching has nothing to report.
 */
export function digestDecision(state: CoreState, scheduledFor: Instant): DigestDecision {
  if (state.digest && scheduledFor <= state.digest.scheduledFor) return { send: false, why: 'already-sent' };
  if (scheduledFor < state.watchStartedAt) return { send: false, why: 'before-watching' };
  return { send: true };
}

/** The digest for `scheduledFor`, composed at the core's `now`. */
export function composeDigest(state: CoreState, scheduledFor: Instant): Digest {
  const since = state.digest?.sentAt ?? state.watchStartedAt;
  const before = state.digest?.tallies ?? {};
  const runs = Object.entries(state.runsChecked)
    .map(([jobId, t]) => ({ jobId, runs: t.runs - (before[jobId]?.runs ?? 0), failed: t.failed - (before[jobId]?.failed ?? 0) }))
    .filter((r) => r.runs > 0)
    .sort((a, b) => a.jobId.localeCompare(b.jobId));
  const open = state.incidents.incidents.filter(isOpen).map((i): DigestIncident => ({
    id: i.id,
    ruleId: i.ruleId,
    severity: i.severity,
    phase: i.phase,
    summary: i.summary,
    ...(i.message ? { message: i.message } : {}),
    openedAt: i.openedAt,
  }));
  const nextRuns = state.jobs
    .flatMap((job) => {
      const at = nextFire(job, state.now);
      return at === undefined ? [] : [{ jobId: job.id, at }];
    })
    .sort((a, b) => a.at - b.at || a.jobId.localeCompare(b.jobId))
    .slice(0, DIGEST_NEXT_RUNS);
  const release = state.release
    ? { name: state.release.release.release, closest: state.release.certainty === 'closest', confirmed: state.release.confirmed }
    : undefined;
  return {
    scheduledFor,
    composedAt: state.now,
    since,
    sinceWatchStart: state.digest === undefined,
    runs,
    open,
    failingSources: healthOf(state).failing.map(({ source, error, consecutiveErrors }) => ({ source, error, consecutiveErrors })),
    nextRuns,
    jobs: state.jobs.length,
    armed: state.safety.armed,
    ...(release ? { release } : {}),
    version: state.fingerprint.version,
  };
}

/** "All quiet": nothing open and every source read. Anything else is listed instead. */
export function isQuiet(digest: Digest): boolean {
  return digest.open.length === 0 && digest.failingSources.length === 0;
}

/** The digest schedule fired for `scheduledFor`: send the digest (through the durable outbox) unless it is not due. */
export function stepDigest(state: CoreState, scheduledFor: Instant): { state: CoreState; effects: Effect[] } {
  if (!digestDecision(state, scheduledFor).send) return { state, effects: [] };
  const digest = composeDigest(state, scheduledFor);
  return {
    state: { ...state, digest: { scheduledFor, sentAt: state.now, tallies: state.runsChecked } },
    // Keyed by fire time: the outbox keeps one message per key, whatever a crash replays.
    effects: [{ kind: 'notify', key: `digest|${scheduledFor}`, notice: { kind: 'digest', digest } }],
  };
}
