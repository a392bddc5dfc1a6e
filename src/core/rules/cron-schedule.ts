// Rule kind `cron-schedule` (runbook criterion 1): each profiled job started within its grace period
// after its latest scheduled time, and no run of it is stuck past the maximum run time.
import type { RuleOf } from '../../config/schema.ts';
import { formatInZone, nextFire, previousFire, scheduleProblem } from '../schedule.ts';
import { isValidTimezone } from '../wall-clock.ts';
import type { ContainerStatus, Evidence, Instant, Job, Run, Verdict } from '../types.ts';
import type { ContainerHistory, World } from '../world.ts';
import { openRunFate } from '../run-fate.ts';
import { say, warn } from '../verdict-text.ts';
import { note, type RunEndWord } from '../evidence-text.ts';
import { z } from 'zod';
import { duration } from '../../config/duration.ts';
import { jobSelector } from '../../config/fields.ts';
import { NO_NEEDLES, PLAIN_TRAITS, type RuleKind } from './rule-kind.ts';

export const cronScheduleParams = z
  .strictObject({
    jobs: jobSelector,
    /** A start marker must appear within this long after each scheduled time. */
    grace: duration.prefault('10m'),
    /** A finish marker must appear within this long after the start. */
    maxRunTime: duration.prefault('30m'),
    /** How early a start may be stamped and still count for a fire time (clock skew). */
    earlyTolerance: duration.prefault('2m'),
  })
  .prefault({});

/** Until World carries the configured cron container, fall back to the configuration's default name. */
const DEFAULT_CRON_CONTAINER = 'turtle-cron';

type Params = RuleOf<'cron-schedule'>['params'];

export function evaluateCronSchedule(rule: RuleOf<'cron-schedule'>, world: World, now: Instant): Verdict[] {
  if (!world.crontabKnown) {
    return [
      {
        ruleId: rule.id,
        outcome: 'inconclusive',
        cause: 'crontab',
        ...say({ key: 'cron.no-crontab', params: {} }),
        evidence: [{ kind: 'note', ...note({ key: 'cron.no-crontab-observed', params: {} }) }],
      },
    ];
  }
  if (world.jobs.length === 0) return [noJobLines(rule.id, world)];
  const cronContainer = world.cronContainer ?? DEFAULT_CRON_CONTAINER;
  return [...jobGroups(rule, world).entries()].map(([jobId, jobs]) =>
    judgeJob(rule.id, jobId, jobs, world, now, rule.params, cronContainer, world.containers[cronContainer]),
  );
}

/**
 * The jobs judged, by job id. Several crontab lines may feed one log (one job id): they are judged
 * together, by the latest fire time of any of them, because their runs cannot be told apart in the log.
 */
function jobGroups(rule: RuleOf<'cron-schedule'>, world: World): Map<string, Job[]> {
  const selected = new Set(rule.params.jobs);
  const groups = new Map<string, Job[]>();
  for (const job of world.jobs) {
    if (job.script === undefined || world.profiles[job.script] === undefined) continue;
    if (selected.size > 0 && !selected.has(job.id) && !selected.has(job.script)) continue;
    groups.set(job.id, [...(groups.get(job.id) ?? []), job]);
  }
  return groups;
}

/**
 * When judgeJob may next change its mind with nothing new seen: the next fire time's grace ending (the
 * latest due fire time, the last at or before now − grace, moves on then: a missed run is judged at
 * fire time + grace, not at the runtime's next tick), and an open run reaching the maximum run time.
 */
export function cronScheduleNextChange(rule: RuleOf<'cron-schedule'>, world: World, now: Instant): Instant | undefined {
  if (!world.crontabKnown) return undefined;
  const { grace, maxRunTime } = rule.params;
  const times: Instant[] = [];
  for (const [jobId, jobs] of jobGroups(rule, world)) {
    for (const job of jobs) {
      const fire = nextFire(job, now - grace);
      if (fire !== undefined) times.push(fire + grace);
    }
    for (const run of world.runs[jobId] ?? []) if (run.end === 'open') times.push(run.startedAt + maxRunTime);
  }
  const pending = times.filter((t) => t > now);
  return pending.length > 0 ? Math.min(...pending) : undefined;
}

function judgeJob(
  ruleId: string,
  jobId: string,
  jobs: Job[],
  world: World,
  now: Instant,
  params: Params,
  cronContainer: string,
  container: ContainerHistory | undefined,
): Verdict {
  const zone = jobs[0]!.timezone;
  const runs = [...(world.runs[jobId] ?? [])].sort((a, b) => a.startedAt - b.startedAt);
  const lastRun = runs.at(-1);
  const crontabEvidence: Evidence[] = jobs.map((j) => ({
    kind: 'note',
    ...note({ key: 'cron.crontab-line', params: { line: j.line + 1, text: `${j.schedule} ${j.command}` } }),
  }));
  const lastRunEvidence: Evidence = lastRun
    ? {
        kind: 'note',
        ...note({
          key: 'cron.last-run',
          params: { startedAt: formatInZone(lastRun.startedAt, zone), stamp: lastRun.startStamp, ...describeEnd(lastRun, zone) },
        }),
        at: lastRun.startedAt,
      }
    : { kind: 'note', ...note({ key: 'cron.no-run-seen', params: { jobId } }) };
  const base = { ruleId, cause: jobId };

  const broken = jobs
    .map((j) => scheduleProblem(j.schedule) ?? (isValidTimezone(j.timezone) ? undefined : `unknown timezone ${j.timezone}`))
    .find((p) => p !== undefined);
  if (broken !== undefined) {
    return {
      ...base,
      outcome: 'inconclusive',
      ...say({ key: 'cron.schedule-broken', params: { jobId, problem: broken } }),
      evidence: crontabEvidence,
    };
  }

  // Fire times before the sidecar watched, or before the current crontab was first seen, are never
  // judged: the first because nothing was watching, the second because they belonged to the previous
  // crontab (after a rollback, v3.2.1's silence at 16:00 must not count against v3.2.0).
  const judgedFrom = Math.max(world.watchStartedAt, world.jobsSince);

  // Hung: a run still open past the maximum run time with its process alive (or, where processes
  // cannot be seen, with neither a finish marker nor a traceback). A run that crashed (a traceback, or
  // its process gone) is a failed run for the repeated-failures rule and never also a hang here: one
  // root cause must not open two decisions (run-fate.ts decides which it is, for both rules).
  // Runs that began long before the watch started are left out: a start marker with no end in an old
  // backlog says a past run died, not that one is stuck. A run whose container was (re)started after
  // it began cannot still be running: its process died with the old instance (a restart, or the
  // recreation of a rollback), and it must not fire after a rollback.
  const containerStart = container?.current.status === 'running' ? container.current.startedAt : undefined;
  const open = runs
    .filter(
      (r) =>
        r.end === 'open' &&
        r.startedAt >= judgedFrom - params.maxRunTime &&
        !(containerStart !== undefined && containerStart > r.startedAt),
    )
    .at(-1);
  const fate = open ? openRunFate(open, world.jobProcesses, now, params.maxRunTime) : undefined;
  if (open && fate?.fate === 'hung') {
    const evidence: Evidence[] = [
      {
        kind: 'note',
        ...note({
          key: 'cron.hung-run',
          params: {
            startedAt: formatInZone(open.startedAt, zone),
            stamp: open.startStamp,
            elapsed: now - open.startedAt,
            max: params.maxRunTime,
          },
        }),
        at: open.startedAt,
      },
      ...processEvidence(world, open, jobs, fate.processSeen, zone),
      ...crontabEvidence,
    ];
    return {
      ...base,
      outcome: 'fail',
      label: 'hung',
      ...say({
        key: 'cron.hung',
        params: { jobId, startedAt: formatInZone(open.startedAt, zone), elapsed: now - open.startedAt, max: params.maxRunTime },
      }),
      evidence,
    };
  }

  const due = latestDueFire(jobs, now - params.grace);
  if (due === undefined || due.at <= judgedFrom) {
    const next = jobs
      .map((j) => nextFire(j, now))
      .filter((t): t is number => t !== undefined)
      .sort((a, b) => a - b)[0];
    return {
      ...base,
      outcome: 'pass',
      ...say({ key: 'cron.nothing-due', params: { jobId, ...(next !== undefined ? { next: formatInZone(next, zone) } : {}) } }),
      evidence: [lastRunEvidence, ...crontabEvidence],
    };
  }

  const expected = formatInZone(due.at, zone);
  const expectedEvidence: Evidence = {
    kind: 'note',
    ...note({
      key: 'cron.expected-window',
      params: {
        from: formatInZone(due.at - params.earlyTolerance, zone),
        to: formatInZone(due.at + params.grace, zone),
        expected,
        schedule: due.job.schedule,
        zone,
      },
    }),
    at: due.at,
  };
  const onTime = runs.find((r) => r.startedAt >= due.at - params.earlyTolerance && r.startedAt <= due.at + params.grace);
  if (onTime) {
    return {
      ...base,
      outcome: 'pass',
      ...say({ key: 'cron.on-time', params: { jobId, expected, startedAt: formatInZone(onTime.startedAt, zone) } }),
      evidence: [expectedEvidence, lastRunEvidence],
    };
  }

  // A start after the grace period but before the next fire time: the job did run, late (a slow
  // daemon, or a manual run). Worth a word to the operator, not an incident.
  const following = nextFireOfGroup(jobs, due.at);
  const late = runs.find(
    (r) => r.startedAt > due.at + params.grace && (following === undefined || r.startedAt < following - params.earlyTolerance),
  );
  if (late) {
    return {
      ...base,
      outcome: 'pass',
      ...say({ key: 'cron.late', params: { jobId, expected, startedAt: formatInZone(late.startedAt, zone) } }),
      ...warn({ key: 'cron.late-warning', params: { lateBy: late.startedAt - due.at, grace: params.grace } }),
      evidence: [expectedEvidence, lastRunEvidence],
    };
  }

  const down = cronDownAt(cronContainer, container, due.at);
  if (down) {
    return {
      ...base,
      outcome: 'fail',
      label: 'cron-down',
      ...say({
        key: 'cron.cron-down',
        params: {
          jobId,
          expected,
          container: cronContainer,
          status: down.status,
          ...(down.restartedAt !== undefined ? { restartedAt: down.restartedAt } : {}),
        },
      }),
      evidence: [expectedEvidence, down.evidence, lastRunEvidence, ...crontabEvidence],
    };
  }
  return {
    ...base,
    outcome: 'fail',
    label: 'missed',
    ...say({ key: 'cron.missed', params: { jobId, expected, grace: params.grace } }),
    evidence: [expectedEvidence, lastRunEvidence, ...crontabEvidence],
  };
}

/**
 * A crontab without a single job line is never "healthy": nothing could be expected of it, and a
 * schedule that cannot be read is the first thing an operator must hear about. The log rules go on
 * judging the jobs found in the logs meanwhile (selectedJobs).
 */
function noJobLines(ruleId: string, world: World): Verdict {
  const problems = world.crontab?.problems ?? [];
  return {
    ruleId,
    outcome: 'error',
    cause: 'crontab',
    ...say({ key: 'cron.no-job-lines', params: { source: world.crontab?.source ?? 'container', unreadable: problems.length } }),
    evidence: [
      ...problems
        .slice(0, 5)
        .map((p): Evidence => ({ kind: 'note', ...note({ key: 'cron.crontab-line', params: { line: p.line + 1, text: p.message } }) })),
      { kind: 'note', ...note({ key: 'cron.empty-crontab-hint', params: {} }) },
    ],
  };
}

function latestDueFire(jobs: Job[], atOrBefore: Instant): { at: Instant; job: Job } | undefined {
  let best: { at: Instant; job: Job } | undefined;
  for (const job of jobs) {
    const at = previousFire(job, atOrBefore);
    if (at !== undefined && (best === undefined || at > best.at)) best = { at, job };
  }
  return best;
}

function nextFireOfGroup(jobs: Job[], after: Instant): Instant | undefined {
  const times = jobs.map((j) => nextFire(j, after)).filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** Whether the cron container was down at the fire time, as far as the observations tell. */
function cronDownAt(
  name: string,
  history: ContainerHistory | undefined,
  fireAt: Instant,
): { status: ContainerStatus; restartedAt?: string; evidence: Evidence } | undefined {
  if (!history) return undefined;
  const c = history.current;
  if (c.status !== 'running') {
    const since = history.notRunningSince ?? c.observedAt;
    if (since > fireAt) return undefined;
    return {
      status: c.status,
      evidence: {
        kind: 'container',
        ...note({ key: 'cron.container-down-since', params: { name, status: c.status, since: new Date(since).toISOString() } }),
        at: since,
      },
    };
  }
  // Running now, but this instance started after the fire time: at the fire time it was stopped or
  // restarting (a restart between the fire time and the first log line kills the run just the same).
  if (c.startedAt !== undefined && c.startedAt > fireAt) {
    return {
      status: c.status,
      restartedAt: new Date(c.startedAt).toISOString(),
      evidence: {
        kind: 'container',
        ...note({ key: 'cron.container-restarted', params: { name, at: new Date(c.startedAt).toISOString() } }),
        at: c.startedAt,
      },
    };
  }
  return undefined;
}

// Times in the job's zone, like every other time in the evidence (an ISO UTC stamp among KST ones misleads).
function processEvidence(world: World, run: Run, jobs: Job[], seen: 'alive' | 'not-visible', zone: string): Evidence[] {
  const look = world.jobProcesses;
  if (seen === 'not-visible' || !look) {
    return [
      {
        kind: 'note',
        ...note({ key: 'cron.processes-unseen', params: look ? { lastLook: formatInZone(look.observedAt, zone) } : {} }),
      },
    ];
  }
  const scripts = new Set(jobs.map((j) => j.script).filter((s): s is string => s !== undefined));
  const alive = look.commands.filter((cmd) => [...scripts].some((s) => cmd.includes(s)));
  return [
    {
      kind: 'container',
      ...note({
        key: 'cron.still-running',
        params: { at: formatInZone(look.observedAt, zone), commands: alive.join(' | ') || run.script },
      }),
      at: look.observedAt,
    },
  ];
}

function describeEnd(run: Run, zone: string): { end: RunEndWord; finishedAt?: string } {
  if (run.end === 'finished' && run.finishedAt !== undefined) return { end: 'finished', finishedAt: formatInZone(run.finishedAt, zone) };
  // A run stays open after its traceback (the job may log on); "not finished yet" beside the warning that
  // the same run failed would contradict it, so a run with a traceback is described as failed.
  if (run.end === 'open' && run.tracebacks.length > 0) return { end: 'failed' };
  return { end: run.end };
}

/** Judges time (fire times against runs), not the content of lines: judged on the state at hand. */
export const cronScheduleKind: RuleKind<'cron-schedule'> = {
  params: cronScheduleParams,
  evaluate: evaluateCronSchedule,
  nextChange: cronScheduleNextChange,
  logNeedles: NO_NEEDLES,
  traits: { ...PLAIN_TRAITS, dependsOnRelease: true },
};
