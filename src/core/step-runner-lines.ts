// The cron runner as a second witness of the runs (SPEC §3.3): supercronic's own lines in `docker logs`
// say when it started a job, and whether the command exited 0, exited non-zero, or was still running
// at its next fire time. Kept per job beside the runs cut from the job logs, and merged into them for
// the rules (mergeRunnerWitness): a job started by supercronic counts as started even when its script
// logs no start marker, and a non-zero exit is a failed run even without a traceback. At v3.2.x
// `docker logs` is empty and nothing changes. Pure.
import { parseSupercronicLine, type SupercronicJob } from './supercronic-lines.ts';
import type { Instant, Job, Run } from './types.ts';
import type { CoreState, StepContext } from './step.ts';

/** One run as supercronic reported it. */
export interface RunnerRun {
  jobId: string;
  script?: string;
  position: number;
  iteration: number;
  startedAt: Instant;
  end: 'open' | 'succeeded' | 'failed';
  endedAt?: Instant;
  exitStatus?: number;
  error?: string;
  /** A later fire time found it still running (`not starting: job is still running since …`). */
  stillRunningAt?: Instant;
}

const KEPT_PER_JOB = 20;
/** A log run and a runner run of the same job that start this close together are the same run. */
const SAME_RUN_MS = 2 * 60_000;

export function absorbRunnerLines(s: CoreState, lines: readonly { text: string; at?: Instant }[], _ctx: StepContext): CoreState {
  let runnerRuns = s.runnerRuns ?? {};
  let changed = false;
  for (const raw of lines) {
    const line = parseSupercronicLine(raw.text);
    if (!line || line.kind === 'runner' || line.kind === 'output') continue;
    const job = jobOf(s.jobs, line.job);
    if (!job) continue;
    const at = line.at ?? raw.at ?? s.now;
    const list = [...(runnerRuns[job.id] ?? [])];
    if (line.kind === 'started') {
      list.push({
        jobId: job.id,
        ...(job.script !== undefined ? { script: job.script } : {}),
        position: line.job.position,
        iteration: line.iteration,
        startedAt: at,
        end: 'open',
      });
    } else {
      const index = findLastIndex(
        list,
        (r) => r.position === line.job.position && (line.kind === 'still-running' ? r.end === 'open' : r.iteration === line.iteration),
      );
      if (index < 0) continue;
      const run = list[index]!;
      if (line.kind === 'still-running') list[index] = { ...run, stillRunningAt: at };
      else if (line.kind === 'succeeded') list[index] = { ...run, end: 'succeeded', endedAt: at, exitStatus: 0 };
      else
        list[index] = {
          ...run,
          end: 'failed',
          endedAt: at,
          error: line.error,
          ...(line.exitStatus !== undefined ? { exitStatus: line.exitStatus } : {}),
        };
    }
    runnerRuns = { ...runnerRuns, [job.id]: list.slice(-KEPT_PER_JOB) };
    changed = true;
  }
  return changed ? { ...s, runnerRuns } : s;
}

/** The crontab job a supercronic line names: same command and schedule, else the same command. */
function jobOf(jobs: readonly Job[], named: SupercronicJob): Job | undefined {
  const command = squash(named.command);
  const same = jobs.filter((j) => squash(j.command) === command);
  return same.find((j) => squash(j.schedule) === squash(named.schedule)) ?? same[0];
}

function squash(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/**
 * The runs the rules see for one job: the log's runs, each told what the runner said of it, and a run
 * of the runner's own for every start the log shows nothing of.
 */
export function mergeRunnerWitness(logRuns: Run[], runnerRuns: readonly RunnerRun[] | undefined): Run[] {
  if (!runnerRuns || runnerRuns.length === 0) return logRuns;
  const runs = logRuns.map((r) => ({ ...r }));
  const added: Run[] = [];
  const matched = new Set<Run>();
  for (const rr of runnerRuns) {
    // The nearest log run not yet taken: a job may fire every few seconds, so the first one in the window is not enough.
    let match: Run | undefined;
    for (const r of runs) {
      const distance = Math.abs(r.startedAt - rr.startedAt);
      if (distance <= SAME_RUN_MS && !matched.has(r) && (!match || distance < Math.abs(match.startedAt - rr.startedAt))) match = r;
    }
    if (match) {
      matched.add(match);
      match.runner = runnerReport(rr);
      // The runner saw the process end: a run whose script logged no finish marker is over.
      if (match.end === 'open' && rr.end !== 'open') {
        match.end = rr.end === 'failed' ? 'failed' : match.tracebacks.length > 0 ? 'failed' : 'finished';
        if (rr.endedAt !== undefined) match.finishedAt = rr.endedAt;
      }
    } else added.push(runOfRunner(rr));
  }
  return [...runs, ...added].sort((a, b) => a.startedAt - b.startedAt);
}

function runnerReport(rr: RunnerRun): NonNullable<Run['runner']> {
  return {
    ...(rr.exitStatus !== undefined ? { exitStatus: rr.exitStatus } : {}),
    ...(rr.error !== undefined ? { error: rr.error } : {}),
    ...(rr.stillRunningAt !== undefined ? { stillRunningAt: rr.stillRunningAt } : {}),
  };
}

function runOfRunner(rr: RunnerRun): Run {
  return {
    jobId: rr.jobId,
    script: rr.script ?? '',
    startedAt: rr.startedAt,
    startStamp: new Date(rr.startedAt).toISOString(),
    ...(rr.endedAt !== undefined ? { finishedAt: rr.endedAt } : {}),
    end: rr.end === 'open' ? 'open' : rr.end === 'failed' ? 'failed' : 'finished',
    tracebacks: [],
    errorLines: [],
    telegram: { channelActive: false, successes: [], failures: [], notifyEvents: [] },
    closedPositions: [],
    healLines: [],
    runner: runnerReport(rr),
    witnessedBy: 'runner',
  };
}

function findLastIndex<T>(list: readonly T[], test: (item: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i]!)) return i;
  return -1;
}
