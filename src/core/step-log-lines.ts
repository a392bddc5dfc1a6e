// Log lines into runs, and runs judged at every run boundary a read contains (SPEC §2.2), so that a
// backlog read at once gives the notices its runs would have given read one by one.
import type { JournalEntry } from './incident.ts';
import { reconcileIncidents } from './incident.ts';
import { evaluateRule, runFailurePatterns, traitsOf } from './rules/index.ts';
import { CAUSE_HEALED } from './rules/positions-integrity.ts';
import { guardPatternsOf } from './rules/guard-tripped.ts';
import { logZoneInForce } from './log-clock.ts';
import { applyLogLines, listOpenRuns } from './runs.ts';
import type { Effect, Instant, Job, LogLine, Notice, Verdict } from './types.ts';
import type { CoreState, StepContext, StepResult } from './step.ts';
import { evaluateAll, keepIncidentsAcrossRuleEdits, worldOf } from './step-evaluation.ts';
import { profilesInForce } from './step-release.ts';
import { tallyRuns } from './digest.ts';

/** Finished runs kept per job: enough for any streak a rule can ask for, small enough to checkpoint. */
export const RUNS_KEPT_PER_JOB = 20;
const LOG_MARKS_KEPT = 200;

/** When the latest of these lines was read. */
export function latestObservedAt(lines: readonly LogLine[]): Instant | undefined {
  return lines.reduce<Instant | undefined>((max, l) => (max === undefined || l.observedAt > max ? l.observedAt : max), undefined);
}

/**
 * Lines read before the watch began are judged run by run only this far back: at a first start the whole
 * history of the logs is read, and years of recovered streaks are not news. A restart after an outage
 * keeps its `watchStartedAt`, so everything written while the sidecar was down is judged run by run.
 */
export const LATE_REPORT_HORIZON_MS = 24 * 3_600_000;
/** Notices about verdicts (the rest are about decisions, which are never taken on a past state). */
const VERDICT_NOTICES = new Set<Notice['kind']>([
  'incident-opened',
  'incident-resolved',
  'would-fire',
  'warning',
  'inconclusive',
  'rule-error',
]);

/**
 * Log lines are judged at every run boundary they contain (SPEC §2.2), so that runs read together (one
 * write, a backlog after an outage) give the notices they would have given read one by one: fail, fail,
 * good in one read opens the incident and resolves it, instead of showing only the final, healthy state.
 * A boundary is judged at its own time by the log rules, for the job (and repair) it concerns only: other
 * files of the same backlog may not have been read yet, and the schedule rule judges time, not content.
 * Decisions are taken once, on the state after the whole read. Notices of a read whose earlier boundaries
 * told the operator something, or of lines not read live, are marked `late`.
 */
export function stepLogLines(state: CoreState, lines: LogLine[], ctx: StepContext): StepResult {
  const observedAt = latestObservedAt(lines);
  const now = observedAt !== undefined && observedAt > state.now ? observedAt : state.now;
  let s: CoreState = { ...state, now };
  const effects: Effect[] = [];
  const journal: JournalEntry[] = [];
  const openedEarlier: string[] = [];
  const horizon = state.watchStartedAt - LATE_REPORT_HORIZON_MS;
  let from = 0;
  let boundaries = 0;
  /** Boundaries before the end of the read that told the operator something. */
  let toldEarlier = 0;
  for (;;) {
    const absorbed = absorbLogLines(s, lines, ctx, from, horizon);
    s = absorbed.state;
    from += absorbed.consumed;
    const at = absorbed.boundaryAt;
    if (at === undefined) break;
    // The state after the whole read is judged by the full evaluation below, at `now`; a last boundary
    // from the past (a backlog) is judged at its own time first, so that a repair a day old still counts.
    const last = from >= lines.length;
    if (!last || at < now) {
      boundaries++;
      const judged = judgeBoundary(s, ctx, Math.min(at, now), absorbed);
      if (judged.effects.some((e) => e.kind === 'notify')) toldEarlier++;
      s = judged.state;
      effects.push(...judged.effects.map(seenLate));
      journal.push(...judged.journal);
      openedEarlier.push(...judged.opened);
    }
    if (last) break;
  }
  const evaluated = evaluateAll(s, ctx, openedEarlier);
  // The end of a live read is news, not history, unless the read also told of earlier states: a boundary
  // that changed no notice (the next start closing a run whose traceback was already judged, say) does
  // not make the incident the read opens a backlog's. Otherwise every second failed run read live came
  // with the "seen late" banner, because a run's start and its traceback usually arrive in one read.
  const late = toldEarlier > 0 || lines.some((l) => !l.live);
  const logRules = new Set(ctx.rules.filter((r) => traitsOf(r).judgedAtRunBoundaries).map((r) => r.id));
  const finalEffects = late
    ? evaluated.effects.map((e) =>
        e.kind === 'notify' && noticeRule(e.notice) !== undefined && logRules.has(noticeRule(e.notice)!) ? seenLate(e) : e,
      )
    : evaluated.effects;
  return { state: evaluated.state, effects: [...effects, ...finalEffects], journal: [...journal, ...evaluated.journal] };
}

/**
 * The log rules' verdicts at one run boundary, for the causes it touched. The rules judge the world as it
 * was at the boundary; the incidents are dated when the sidecar saw them (the read), like any other, and
 * their evidence carries the times of the lines.
 */
function judgeBoundary(
  s: CoreState,
  ctx: StepContext,
  at: Instant,
  absorbed: AbsorbedLines,
): { state: CoreState; effects: Effect[]; journal: JournalEntry[]; opened: string[] } {
  const world = worldOf({ ...s, now: at }, ctx);
  // The jobs whose runs changed, and a repair where one was read: a boundary in one file says nothing
  // about the others (a backlog is read file after file), nor about a repair read at another time.
  const causes = new Set<string>(absorbed.jobIds);
  if (absorbed.healed) causes.add(CAUSE_HEALED);
  const verdictsByRule = new Map<string, Verdict[]>();
  for (const rule of ctx.rules) {
    if (rule.mode === 'off' || !traitsOf(rule).judgedAtRunBoundaries) continue;
    const verdicts = evaluateRule(rule, world, at).filter((v) => causes.has(v.cause));
    if (verdicts.length > 0) verdictsByRule.set(rule.id, verdicts);
  }
  keepIncidentsAcrossRuleEdits(
    s.incidents.incidents.filter((i) => verdictsByRule.has(i.ruleId) && causes.has(i.cause)),
    ctx.rules,
    verdictsByRule,
    world,
    at,
  );
  const reconciled = reconcileIncidents(s.incidents, ctx.rules, verdictsByRule, s.now, s.safety.silenced);
  return {
    state: { ...s, incidents: reconciled.state },
    effects: reconciled.effects,
    journal: reconciled.journal,
    opened: reconciled.opened,
  };
}

function noticeRule(notice: Notice): string | undefined {
  if ('verdict' in notice) return notice.verdict.ruleId;
  if ('incident' in notice) return notice.incident.ruleId;
  return undefined;
}

function seenLate(effect: Effect): Effect {
  return effect.kind === 'notify' && VERDICT_NOTICES.has(effect.notice.kind)
    ? { ...effect, notice: { ...effect.notice, late: true } }
    : effect;
}

/** What one segment of a log-lines event changed, for the evaluation at its run boundary. */
interface AbsorbedLines {
  state: CoreState;
  consumed: number;
  /** Set when the segment ended at a run boundary (only with `stopAtBoundary`). */
  boundaryAt?: Instant;
  /** Jobs whose runs the segment ended or failed, and whether it read a silent repair. */
  jobIds: string[];
  healed: boolean;
}

/** Absorb `lines` from index `from`; with `stopAtBoundaryFrom`, only up to the first run boundary at or after that instant. */
export function absorbLogLines(s: CoreState, lines: LogLine[], ctx: StepContext, from = 0, stopAtBoundaryFrom?: Instant): AbsorbedLines {
  const jobsByLogFile: Record<string, Job> = {};
  for (const job of s.jobs) if (job.logFile) jobsByLogFile[job.logFile] = job;
  const release = worldOf(s, ctx).release?.release;
  const applied = applyLogLines(
    s.runsState,
    lines,
    {
      jobsByLogFile,
      profiles: profilesInForce(s, ctx),
      errorPatterns: runFailurePatterns(ctx.rules),
      logTimestampZone: logZoneInForce(ctx.deployment.logTimestampZone, release?.logZone),
      guardPatterns: guardPatternsOf(ctx.rules, release),
    },
    { from, ...(stopAtBoundaryFrom !== undefined ? { stopAtBoundaryFrom } : {}) },
  );
  const finishedRuns = { ...s.finishedRuns };
  let healLines = s.healLines;
  let closeLines = s.closeLines;
  for (const run of applied.finished) {
    finishedRuns[run.jobId] = [...(finishedRuns[run.jobId] ?? []), run].slice(-RUNS_KEPT_PER_JOB);
  }
  // Counted in the same state as the tail cursors, so a restart neither loses nor re-counts a run.
  const runsChecked = tallyRuns(s.runsChecked, applied.finished, s.watchStartedAt);
  // Repairs and closes count from the moment their line is read, at the line's own time and in its own
  // file, whether or not a run is open: a repair between runs must not wait for the next start marker.
  const seen = new Set(closeLines.map((c) => `${c.positionId}@${c.at}`));
  const seenHeal = new Set(healLines.map((h) => `${h.file}@${h.at}@${h.text}`));
  for (const mark of applied.marks) {
    if (mark.kind === 'close' && mark.positionId !== undefined) {
      const key = `${mark.positionId}@${mark.at}`;
      if (!seen.has(key)) {
        seen.add(key);
        closeLines = [...closeLines, { positionId: mark.positionId, at: mark.at }];
      }
    } else if (mark.kind === 'heal') {
      const key = `${mark.file}@${mark.at}@${mark.text}`;
      if (!seenHeal.has(key)) {
        seenHeal.add(key);
        healLines = [...healLines, { file: mark.file, text: mark.text, at: mark.at }];
      }
    }
  }
  const end = from + applied.consumed;
  const linesEvaluated = { ...s.linesEvaluated };
  for (let i = from; i < end; i++) linesEvaluated[lines[i]!.file] = (linesEvaluated[lines[i]!.file] ?? 0) + 1;
  const lastFile = end > from ? lines[end - 1]!.file : undefined;
  const jobIds = new Set(applied.finished.map((r) => r.jobId));
  if (lastFile !== undefined) for (const open of listOpenRuns(applied.state, lastFile)) jobIds.add(open.jobId);
  return {
    state: {
      ...s,
      linesEvaluated,
      runsState: applied.state,
      finishedRuns,
      runsChecked,
      closeLines: closeLines.slice(-LOG_MARKS_KEPT),
      healLines: healLines.slice(-LOG_MARKS_KEPT),
    },
    consumed: applied.consumed,
    ...(applied.boundaryAt !== undefined ? { boundaryAt: applied.boundaryAt } : {}),
    jobIds: [...jobIds],
    healed: applied.marks.some((m) => m.kind === 'heal'),
  };
}
