// Runbook criterion "repeated exceptions without recovery" (SPEC §2.2): per job, N consecutive failed
// runs with no successful run between them fire; a single failed run only warns.
import type { RuleOf } from '../../config/schema.ts';
import type { Evidence, Instant, JobProfile, Run, Verdict } from '../types.ts';
import type { World } from '../world.ts';
import { crashOf } from '../run-fate.ts';
import { guardsInForce, hasKillSwitch, isKillSwitchSaveFailure } from '../guard-lines.ts';
import { say, warn } from '../verdict-text.ts';
import { note } from '../evidence-text.ts';
import { z } from 'zod';
import { jobSelector } from '../../config/fields.ts';
import { PLAIN_TRAITS, type RuleKind } from './rule-kind.ts';

// Signs that an errorPatterns entry was written as a regular expression: it would then never occur in a
// log line as written, and the run it was meant to fail would pass in silence. Brackets alone are not a
// sign (`CRITICAL [ESCALATION]` is real log text); a range inside them is.
const REGEX_SIGNS: readonly [RegExp, string][] = [
  [/\.[*+?]/, '.* .+ .?'],
  [/\\[dswbDSWB.()[\]{}|^$*+?]/, 'a backslash escape'],
  [/^\^|\$$/, '^ or $ anchors'],
  [/\(\?/, '(?'],
  [/\[[^\]]*\w-\w[^\]]*\]/, 'a [a-z] range'],
  [/\([^)]*\|[^)]*\)/, '(a|b) alternatives'],
];

/** Why an errorPatterns entry cannot be what the operator meant, or undefined. */
export function errorPatternProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'must not be empty or only spaces: every line would contain it, so every run would fail';
  const sign = REGEX_SIGNS.find(([re]) => re.test(pattern));
  if (sign)
    return `looks like a regular expression (${sign[1]}); errorPatterns are plain substrings, matched character for character: write the literal text of a failing line`;
  return undefined;
}

const errorPattern = z.string().superRefine((pattern, ctx) => {
  const problem = errorPatternProblem(pattern);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

export const repeatedFailuresParams = z
  .strictObject({
    jobs: jobSelector,
    /** Consecutive failed runs with no success between them that fire the rule. */
    consecutive: z.number().int().min(1).default(2),
    /** Extra patterns that make a run failed: plain substrings, matched character for character (not regular expressions). */
    errorPatterns: z
      .array(errorPattern)
      .default([' - CRITICAL - '])
      .describe(
        'plain substrings, not regular expressions: a run fails when one of its lines contains one of them, character for character',
      ),
    /** A run without its finish marker counts as failed. */
    missingFinishFails: z.boolean().default(true),
  })
  .prefault({});

export interface FailureParams {
  errorPatterns: readonly string[];
  missingFinishFails: boolean;
  /**
   * Lines of the running release that mean a guard tripped (`guardLines`): such a line is not a failure
   * even when it matches an error pattern (the cost budget logs ` - CRITICAL - ` on every run once tripped).
   */
  guardMatches?: readonly string[];
  /** The release has a kill switch: its PermissionError on save (guard-lines.ts) is a guard trip, not a crash. */
  killSwitch?: boolean;
}

/** Why one run failed: each item is one piece of evidence. */
export interface RunFailure {
  kind: 'traceback' | 'error-pattern' | 'missing-finish' | 'process-gone' | 'exit-status';
  text: string;
}

/**
 * `failed` with its reasons, `succeeded`, or `undecided` (still open and nothing wrong yet: a run in
 * progress is neither a success nor a failure; a hung one is the cron-schedule rule's business).
 * A traceback or an error line is decisive even while the run is still open: the process that printed
 * an uncaught traceback is gone, and waiting for the next start would delay the verdict by a day. So is
 * an open run whose process has gone from the cron container (run-fate.ts): it crashed, and counts here
 * as a failed run, never as a hung run of the cron-schedule rule.
 */
export function judgeRun(
  run: Run,
  params: FailureParams,
  now: Instant,
): { status: 'failed'; failures: RunFailure[] } | { status: 'succeeded' | 'undecided' } {
  const failures: RunFailure[] = [];
  for (const tb of run.tracebacks) {
    if (params.killSwitch && isKillSwitchSaveFailure(tb)) continue;
    failures.push({ kind: 'traceback', text: tb.error });
  }
  const crash = crashOf(run, now);
  if (crash?.why === 'process-gone') failures.push({ kind: 'process-gone', text: crash.text });
  // The runner saw the command exit non-zero (supercronic): failed even without a traceback.
  const exit = run.runner?.exitStatus;
  if (exit !== undefined && exit !== 0 && run.tracebacks.length === 0)
    failures.push({ kind: 'exit-status', text: run.runner?.error ?? `exit status ${exit}` });
  const guards = params.guardMatches ?? [];
  for (const line of run.errorLines) {
    // Kept as a guard line when read (the release's or a guard rule's), or a guard line of the release now in force.
    if (run.guardLines?.includes(line) || guards.some((g) => g.length > 0 && line.includes(g))) continue;
    if (params.errorPatterns.some((p) => p.length > 0 && line.includes(p))) failures.push({ kind: 'error-pattern', text: line });
  }
  // A traceback already explains a missing finish: saying it twice would only bury the error line.
  // So does the runner's exit status.
  const exitExplains = exit !== undefined && exit !== 0;
  if (run.end === 'superseded' && params.missingFinishFails && run.tracebacks.length === 0 && !exitExplains) {
    failures.push({ kind: 'missing-finish', text: 'no finish marker before the next start' });
  }
  if (failures.length > 0) return { status: 'failed', failures };
  if (run.end === 'finished') return { status: 'succeeded' };
  // `superseded` without missingFinishFails, or `open`: no judgement either way.
  return { status: 'undecided' };
}

export interface SelectedJob {
  id: string;
  script: string;
  logFile?: string;
  profile: JobProfile;
}

/**
 * The jobs a log rule looks at: those of the deployed crontab that have a profile and match the rule's
 * selector (job id or script name; empty = all). Before the crontab is known, the jobs that left runs.
 * Jobs of a previous crontab are not looked at: after a rollback, the old version's failures and silence
 * must not fire again.
 */
export function selectedJobs(world: World, selector: readonly string[]): SelectedJob[] {
  const wanted = (id: string, script: string) => selector.length === 0 || selector.includes(id) || selector.includes(script);
  const jobs: SelectedJob[] = [];
  // An empty or unreadable crontab must not blind the log rules: judge the jobs found in the logs.
  if (world.crontabKnown && world.jobs.length > 0) {
    for (const job of world.jobs) {
      const profile = job.script ? world.profiles[job.script] : undefined;
      if (!profile || !job.script || !wanted(job.id, job.script)) continue;
      jobs.push({ id: job.id, script: job.script, profile, ...(job.logFile ? { logFile: job.logFile } : {}) });
    }
    return jobs;
  }
  for (const [id, runs] of Object.entries(world.runs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const script = runs[runs.length - 1]?.script;
    const profile = script ? world.profiles[script] : undefined;
    if (script && profile && wanted(id, script)) jobs.push({ id, script, profile, logFile: id });
  }
  return jobs;
}

/** A run's start stamp for an evidence note: absent when it crashed before its start marker (the note says so). */
export function runStamp(run: Run): { stamp?: string } {
  return run.startStamp ? { stamp: run.startStamp } : {};
}

export function evaluateRepeatedFailures(rule: RuleOf<'repeated-failures'>, world: World, now: Instant): Verdict[] {
  const { consecutive } = rule.params;
  // A guard that tripped by design is not a failure of the run (guard-tripped.ts judges it).
  const release = world.release?.release;
  const params: FailureParams = {
    ...rule.params,
    guardMatches: guardsInForce(undefined, release).map((g) => g.match),
    killSwitch: hasKillSwitch(release),
  };
  return selectedJobs(world, rule.params.jobs).map((job): Verdict => {
    const runs = world.runs[job.id] ?? [];
    const streak: { run: Run; failures: RunFailure[] }[] = [];
    for (let i = runs.length - 1; i >= 0; i--) {
      const run = runs[i]!;
      const judged = judgeRun(run, params, now);
      if (judged.status === 'succeeded') break;
      if (judged.status === 'failed') streak.push({ run, failures: judged.failures });
    }
    const base = { ruleId: rule.id, cause: job.id };
    if (streak.length === 0) {
      return {
        ...base,
        outcome: 'pass',
        ...say({ key: runs.length === 0 ? 'failures.no-runs' : 'failures.last-ok', params: { jobId: job.id } }),
        evidence: [],
      };
    }
    // Oldest first, as the operator reads a story; one line per failure reason.
    const chronological = [...streak].reverse();
    const evidence: Evidence[] = chronological.flatMap(({ run, failures }) =>
      failures.map((f): Evidence => ({
        kind: 'log',
        ...note({ key: 'run.failure', params: { ...runStamp(run), reason: f } }),
        ...(job.logFile ? { file: job.logFile } : {}),
        at: run.startedAt,
      })),
    );
    const latest = streak[0]!.failures[0]!;
    if (streak.length >= consecutive) {
      return {
        ...base,
        outcome: 'fail',
        ...say({ key: 'failures.streak', params: { jobId: job.id, count: streak.length, threshold: consecutive, latest } }),
        evidence,
      };
    }
    return {
      ...base,
      outcome: 'pass',
      ...say({ key: 'failures.below', params: { jobId: job.id, count: streak.length, threshold: consecutive } }),
      ...warn({ key: 'failures.below-warning', params: { jobId: job.id, count: streak.length, threshold: consecutive, latest } }),
      evidence,
    };
  });
}

/** Judges run content, and needs the lines its errorPatterns name read from the logs. */
export const repeatedFailuresKind: RuleKind<'repeated-failures'> = {
  params: repeatedFailuresParams,
  evaluate: evaluateRepeatedFailures,
  logNeedles: (params) => params.errorPatterns,
  runFailurePatterns: (params) => params.errorPatterns,
  traits: { ...PLAIN_TRAITS, judgedAtRunBoundaries: true, dependsOnRelease: true },
};
