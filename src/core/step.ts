// The one way into the core: step(state, event, context) → new state, effects to carry out, journal
// entries to make durable first. Pure: everything it knows arrives in its arguments.
import type { Rule } from '../config/schema.ts';
import { parseCrontab } from './crontab.ts';
import { fingerprintVersion } from './fingerprint.ts';
import {
  closeOrphanedIncidents,
  emptyIncidentState,
  isOpen,
  reconcileIncidents,
  type IncidentState,
  type JournalEntry,
} from './incident.ts';
import {
  decisionBuilder,
  initialSafety,
  onExecution,
  onOpened,
  onOperator,
  onPersistingFault,
  onPlanReady,
  onRecovered,
  onStartup,
  onTick,
  type DecisionPolicy,
  type JobRunning,
  type SafetyState,
} from './decision.ts';
import { parseEntries, parseOrderLog, parsePositions, type PositionKeys } from './positions.ts';
import { diffPositions, type PositionsHistory, emptyPositionsHistory } from './positions-change.ts';
import { evaluateRule } from './rules/index.ts';
import { CAUSE_HEALED } from './rules/positions-integrity.ts';
import { say } from './verdict-text.ts';
import { note } from './evidence-text.ts';
import { applyLogLines, emptyRunsState, listOpenRuns, type RunsState } from './runs.ts';
import { openRunKey, processAlive, processVisibility } from './run-fate.ts';
import type {
  ContainerObservation,
  CrontabObservation,
  Effect,
  Event,
  Incident,
  Instant,
  Job,
  JobProfile,
  JsonFileObservation,
  LogLine,
  Notice,
  Run,
  Verdict,
  VersionFingerprint,
} from './types.ts';
import type { HashText } from './hash.ts';
import type {
  ContainerHistory,
  EntryRecord,
  JsonDocState,
  OrderRecord,
  PositionRecord,
  PositionsChange,
  SourceHealth,
  World,
} from './world.ts';

/** Finished runs kept per job: enough for any streak a rule can ask for, small enough to checkpoint. */
export const RUNS_KEPT_PER_JOB = 20;
const RESTARTS_KEPT = 50;
const CHANGES_KEPT = 50;
const LOG_MARKS_KEPT = 200;

export interface StepContext {
  rules: Rule[];
  profiles: Record<string, JobProfile>;
  deployment: {
    timezone: string;
    containerLogsDir: string;
    logTimestampZone: string;
    cronContainer: string;
  };
  /** Keys of a position record (from the positions-integrity rule, or the schema's defaults). */
  positionsKeys: PositionKeys;
  /** The runtime's SHA-256, for a state file the adapter did not hash. */
  hash: HashText;
  /** Who may decide, how long decisions wait, and the guard rails of the automatic path. */
  policy: DecisionPolicy;
}

export interface CoreState {
  schema: 1;
  now: Instant;
  watchStartedAt: Instant;
  crontab?: CrontabObservation;
  jobs: Job[];
  jobsSince: Instant;
  crontabProblems: { line: number; message: string }[];
  files: Record<string, boolean>;
  fingerprint: VersionFingerprint;
  /**
   * The version last reported before the sidecar's own execution (rollback, halt, resume) began. While
   * it runs, the containers are being recreated and the crontab and files briefly unreadable: a version
   * change is judged against `before` once the execution is over (`endedAt`) and the version has settled.
   */
  versionHold?: { before: VersionFingerprint; endedAt?: Instant };
  containers: Record<string, ContainerHistory>;
  jobProcesses?: { commands: string[]; observedAt: Instant };
  /** Open runs (by `runKey`) whose process looks have found no process of their script, since when. */
  processGone: Record<string, Instant>;
  runsState: RunsState;
  finishedRuns: Record<string, Run[]>;
  positions?: JsonDocState<PositionRecord[]>;
  positionsHistory: PositionsHistory;
  entries?: JsonDocState<EntryRecord[]>;
  orderLog?: JsonDocState<OrderRecord[]>;
  positionsChanges: PositionsChange[];
  healLines: { file: string; text: string; at: Instant }[];
  closeLines: { positionId: string; at: Instant }[];
  sources: Record<string, SourceHealth>;
  /** Log lines handed to the core, per file: what `status` and the exactly-once tests count. */
  linesEvaluated: Record<string, number>;
  incidents: IncidentState;
  safety: SafetyState;
  /** Last verdicts per rule, for `status` and `check`. */
  lastVerdicts: Record<string, Verdict[]>;
}

export interface StepResult {
  state: CoreState;
  effects: Effect[];
  journal: JournalEntry[];
}

export function initialState(now: Instant): CoreState {
  return {
    schema: 1,
    now,
    watchStartedAt: now,
    jobs: [],
    jobsSince: now,
    crontabProblems: [],
    files: {},
    fingerprint: { version: 'unknown', evidence: ['nothing observed yet'], reasons: [{ key: 'version.nothing-observed', params: {} }] },
    containers: {},
    processGone: {},
    runsState: emptyRunsState(),
    finishedRuns: {},
    positionsHistory: emptyPositionsHistory(),
    positionsChanges: [],
    healLines: [],
    closeLines: [],
    sources: {},
    linesEvaluated: {},
    incidents: emptyIncidentState(),
    safety: initialSafety(),
    lastVerdicts: {},
  };
}

/**
 * A checkpoint written by an earlier version of the sidecar may lack fields added since: fill them
 * with their initial values instead of failing on them (an upgrade must not lose the incidents).
 */
export function restoreState(saved: CoreState): CoreState {
  const fresh = initialState(saved.watchStartedAt ?? saved.now);
  return {
    ...fresh,
    ...saved,
    incidents: { ...fresh.incidents, ...saved.incidents },
    safety: { ...fresh.safety, ...(saved.safety ?? {}) },
    linesEvaluated: saved.linesEvaluated ?? {},
    processGone: saved.processGone ?? {},
  };
}

/** Apply one observation, then evaluate every rule that is not off. */
export function step(state: CoreState, event: Event, ctx: StepContext): StepResult {
  if (event.kind === 'log-lines') return stepLogLines(state, event.lines, ctx);
  const effects: Effect[] = [];
  const journal: JournalEntry[] = [];
  let next = absorb(state, event, ctx, effects);
  next = absorbDecisionEvent(next, event, ctx, effects, journal);
  if (event.kind === 'execution' || event.kind === 'tick') next = settleVersion(next, effects);
  const evaluated = evaluateAll(next, ctx);
  return { state: evaluated.state, effects: [...effects, ...evaluated.effects], journal: [...journal, ...evaluated.journal] };
}

/**
 * Lines read before the watch began are judged run by run only this far back: at a first start the whole
 * history of the logs is read, and years of recovered streaks are not news. A restart after an outage
 * keeps its `watchStartedAt`, so everything written while the sidecar was down is judged run by run.
 */
export const LATE_REPORT_HORIZON_MS = 24 * 3_600_000;
/** Rule kinds that judge the content of runs and log lines: the ones a run boundary can change. */
const BOUNDARY_RULE_KINDS = new Set<Rule['kind']>(['repeated-failures', 'telegram-delivery', 'positions-integrity']);
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
 * Decisions are taken once, on the state after the whole read. Notices of a read that held more than one
 * boundary, or lines not read live, are marked `late`.
 */
function stepLogLines(state: CoreState, lines: LogLine[], ctx: StepContext): StepResult {
  const observedAt = eventTime({ kind: 'log-lines', lines });
  const now = observedAt !== undefined && observedAt > state.now ? observedAt : state.now;
  let s: CoreState = { ...state, now };
  const effects: Effect[] = [];
  const journal: JournalEntry[] = [];
  const openedEarlier: string[] = [];
  const horizon = state.watchStartedAt - LATE_REPORT_HORIZON_MS;
  let from = 0;
  let boundaries = 0;
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
      s = judged.state;
      effects.push(...judged.effects.map(seenLate));
      journal.push(...judged.journal);
      openedEarlier.push(...judged.opened);
    }
    if (last) break;
  }
  const evaluated = evaluateAll(s, ctx, openedEarlier);
  const late = boundaries > 0 || lines.some((l) => !l.live);
  const logRules = new Set(ctx.rules.filter((r) => BOUNDARY_RULE_KINDS.has(r.kind)).map((r) => r.id));
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
    if (rule.mode === 'off' || !BOUNDARY_RULE_KINDS.has(rule.kind)) continue;
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

/** Re-evaluate without a new observation (after a rules reload, or for `check`). */
export function evaluateAll(state: CoreState, ctx: StepContext, openedBefore: readonly string[] = []): StepResult {
  const world = worldOf(state, ctx);
  const verdictsByRule = new Map<string, Verdict[]>();
  for (const rule of ctx.rules) {
    if (rule.mode === 'off') continue;
    verdictsByRule.set(rule.id, evaluateRule(rule, world, state.now));
  }
  keepIncidentsAcrossRuleEdits(state.incidents.incidents, ctx.rules, verdictsByRule, world, state.now);
  const orphansClosed = closeOrphanedIncidents(state.incidents, ctx.rules, state.now);
  const reconciled = reconcileIncidents(orphansClosed.state, ctx.rules, verdictsByRule, state.now, state.safety.silenced);
  const b = decisionBuilder(
    { incidents: reconciled.state.incidents, safety: state.safety, jobRunning: jobRunning(state) },
    state.now,
    ctx.policy,
  );
  // Incidents opened at a run boundary earlier in the same read (stepLogLines) get their decision here,
  // once, and only if they are still open after the whole read.
  for (const id of [...openedBefore, ...reconciled.opened]) {
    const incident = b.find(id);
    if (incident && (!openedBefore.includes(id) || incident.phase === 'detected'))
      onOpened(
        b,
        incident,
        ctx.rules.find((r) => r.id === incident.ruleId),
        ctx.rules,
      );
  }
  for (const id of reconciled.joined) {
    const incident = b.find(id);
    if (incident?.phase === 'verified') onPersistingFault(b, incident);
  }
  for (const incident of b.incidents) {
    if (
      incident.phase === 'verified' &&
      incident.verifiedAt !== undefined &&
      recoveredSince(world, incident.verifiedAt, verdictsByRule, incident)
    )
      onRecovered(b, incident);
  }
  onTick(b, ctx.rules);
  const decided = b.result();
  // An opening notice shows the incident as decided in this same step (e.g. joined to the decision
  // another incident holds for the same action), not as reconcile first made it.
  const openedNow = (e: Effect): Effect =>
    e.kind === 'notify' && e.notice.kind === 'incident-opened'
      ? { ...e, notice: { ...e.notice, incident: { ...(b.find(e.notice.incident.id) ?? e.notice.incident) } } }
      : e;
  return {
    state: {
      ...state,
      incidents: { ...reconciled.state, incidents: decided.incidents },
      safety: decided.safety,
      lastVerdicts: Object.fromEntries(verdictsByRule),
    },
    effects: [...orphansClosed.effects, ...reconciled.effects.map(openedNow), ...decided.effects],
    journal: [...orphansClosed.journal, ...reconciled.journal, ...decided.journal],
  };
}

/**
 * Editing a rule's parameters does not close its incidents (SPEC §4); its cause recovering does. An
 * incident that fired under an earlier version of its rule and passes under the edited one is judged
 * again under the version it fired under: if that still fails, the pass is the edit's doing, and the
 * earlier version's failing verdict stands for this cause (the incident stays, and an edit restored
 * later joins it instead of opening a new one).
 */
function keepIncidentsAcrossRuleEdits(
  incidents: Incident[],
  rules: Rule[],
  verdictsByRule: Map<string, Verdict[]>,
  world: World,
  now: Instant,
): void {
  const underEarlier = new Map<string, Verdict[]>();
  for (const incident of incidents) {
    if (!incident.firedUnder || (!isOpen(incident) && incident.holdsCause !== true)) continue;
    const current = rules.find((r) => r.id === incident.ruleId);
    const verdicts = verdictsByRule.get(incident.ruleId);
    if (!current || !verdicts || current.mode !== 'enforce' || JSON.stringify(current) === JSON.stringify(incident.firedUnder)) continue;
    const index = verdicts.findIndex((v) => v.cause === incident.cause);
    if (index >= 0 && verdicts[index]!.outcome !== 'pass') continue;
    const key = JSON.stringify(incident.firedUnder);
    if (!underEarlier.has(key)) underEarlier.set(key, evaluateRule(incident.firedUnder, world, now));
    const earlier = underEarlier.get(key)!.find((v) => v.cause === incident.cause);
    if (earlier?.outcome !== 'fail') continue;
    const kept: Verdict = {
      ...earlier,
      keptAcrossEdit: true,
      evidence: [...earlier.evidence, { kind: 'note', ...note({ key: 'rule.kept-across-edit', params: {} }) }],
    };
    verdictsByRule.set(incident.ruleId, index >= 0 ? verdicts.map((v, i) => (i === index ? kept : v)) : [...verdicts, kept]);
  }
}

/**
 * Whether a job process is running in the cron container. A look older than PROCESS_LOOK_FRESH_MS says
 * nothing about now: it is `unknown`, which defers an action exactly like a running job (never act on
 * a guess). With no look at all (Docker off), nothing can be known and the engine checks for itself.
 */
function jobRunning(state: CoreState): JobRunning {
  const seen = state.jobProcesses;
  if (!seen) return 'no';
  if (processVisibility(seen, state.now) !== 'fresh') return 'unknown';
  return seen.commands.length > 0 ? 'yes' : 'no';
}

/**
 * Follow, per open run, whether its process is still there: the first look that finds no process of
 * its script (taken after the run began) starts the clock; a look that finds it alive clears it.
 */
function absorbJobProcesses(s: CoreState, look: { commands: string[]; observedAt: Instant }): CoreState {
  const processGone: Record<string, Instant> = {};
  for (const run of listOpenRuns(s.runsState)) {
    const key = openRunKey(run);
    if (look.observedAt < run.startedAt) {
      if (s.processGone[key] !== undefined) processGone[key] = s.processGone[key]!;
      continue;
    }
    if (!processAlive(look, run.script)) processGone[key] = s.processGone[key] ?? look.observedAt;
  }
  return { ...s, jobProcesses: look, processGone };
}

/**
 * After a verified rollback: every profiled job of the (new) crontab has had a good run that started
 * after verification, and the incident's own rule passes for its cause.
 */
function recoveredSince(world: World, verifiedAt: Instant, verdictsByRule: Map<string, Verdict[]>, incident: Incident): boolean {
  const own = verdictsByRule.get(incident.ruleId)?.find((v) => v.cause === incident.cause);
  if (own && own.outcome !== 'pass') return false;
  const jobs = world.jobs.filter((j) => j.script !== undefined && world.profiles[j.script] !== undefined);
  if (jobs.length === 0) return false;
  return jobs.every((job) =>
    (world.runs[job.id] ?? []).some((r) => r.startedAt > verifiedAt && r.end === 'finished' && r.tracebacks.length === 0),
  );
}

function absorbDecisionEvent(s: CoreState, event: Event, ctx: StepContext, effects: Effect[], journal: JournalEntry[]): CoreState {
  if (event.kind !== 'operator' && event.kind !== 'execution' && event.kind !== 'plan-ready' && event.kind !== 'startup') return s;
  const b = decisionBuilder({ incidents: s.incidents.incidents, safety: s.safety, jobRunning: jobRunning(s) }, s.now, ctx.policy);
  let nextSeq = s.incidents.nextSeq;
  switch (event.kind) {
    case 'operator':
      onOperator(b, event.command, event.by, (action) => {
        const id = `INC-${String(nextSeq).padStart(4, '0')}`;
        nextSeq += 1;
        return {
          id,
          ruleId: 'operator',
          cause: `manual-${action}`,
          severity: 'critical',
          action,
          phase: 'detected',
          openedAt: s.now,
          updatedAt: s.now,
          ...say({ key: 'manual.requested', params: { action } }),
          evidence: [],
          joins: 0,
          history: [{ at: s.now, phase: 'detected', note: `${action} asked by an operator` }],
        };
      });
      break;
    case 'execution':
      onExecution(b, event.incidentId, event.report);
      break;
    case 'plan-ready': {
      const incident = b.find(event.incidentId);
      // A manual action was confirmed by the operator already: its plan runs at once (still gated).
      if (incident?.ruleId === 'operator' && event.result.ok) {
        onPlanReady(b, event.incidentId, event.result, event.nonce, [
          { id: 'operator', approval: { policy: 'auto', window: 0 } } as unknown as Rule,
        ]);
      } else {
        onPlanReady(b, event.incidentId, event.result, event.nonce, ctx.rules);
      }
      break;
    }
    case 'startup':
      onStartup(b, event.seed);
      break;
  }
  const r = b.result();
  effects.push(...r.effects);
  journal.push(...r.journal);
  return { ...s, incidents: { ...s.incidents, incidents: r.incidents, nextSeq }, safety: r.safety };
}

function eventTime(event: Event): Instant | undefined {
  switch (event.kind) {
    case 'log-lines':
      return event.lines.reduce<Instant | undefined>((max, l) => (max === undefined || l.observedAt > max ? l.observedAt : max), undefined);
    case 'container':
      return event.container.observedAt;
    case 'crontab':
      return event.crontab.observedAt;
    case 'container-files':
    case 'job-processes':
    case 'source-error':
    case 'source-ok':
      return event.observedAt;
    case 'json-file':
      return event.file.observedAt;
    case 'tick':
      return event.now;
    case 'operator':
    case 'execution':
    case 'plan-ready':
    case 'startup':
      return event.at;
  }
}

function absorb(state: CoreState, event: Event, ctx: StepContext, effects: Effect[]): CoreState {
  const at = eventTime(event);
  // Time only moves forward: a late observation must not rewind deadlines already passed.
  const now = at !== undefined && at > state.now ? at : state.now;
  const s: CoreState = { ...state, now };
  switch (event.kind) {
    case 'tick':
    case 'operator':
    case 'execution':
    case 'plan-ready':
    case 'startup':
      return s;
    case 'log-lines':
      return absorbLogLines(s, event.lines, ctx).state;
    case 'container':
      return absorbContainer(s, event.container);
    case 'crontab':
      return withFingerprint(absorbCrontab(s, event.crontab, ctx), effects);
    case 'container-files':
      return withFingerprint({ ...s, files: { ...s.files, ...event.present } }, effects);
    case 'job-processes':
      return absorbJobProcesses(s, { commands: event.commands, observedAt: event.observedAt });
    case 'json-file':
      return absorbJsonFile(s, event.file, ctx);
    case 'source-error': {
      const prev = s.sources[event.source] ?? { consecutiveErrors: 0 };
      const health: SourceHealth = {
        ...prev,
        consecutiveErrors: prev.consecutiveErrors + 1,
        lastError: event.message,
        lastErrorAt: event.observedAt,
      };
      return { ...s, sources: { ...s.sources, [event.source]: health } };
    }
    case 'source-ok': {
      const prev = s.sources[event.source] ?? { consecutiveErrors: 0 };
      return { ...s, sources: { ...s.sources, [event.source]: { ...prev, consecutiveErrors: 0, lastOkAt: event.observedAt } } };
    }
  }
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
function absorbLogLines(s: CoreState, lines: LogLine[], ctx: StepContext, from = 0, stopAtBoundaryFrom?: Instant): AbsorbedLines {
  const jobsByLogFile: Record<string, Job> = {};
  for (const job of s.jobs) if (job.logFile) jobsByLogFile[job.logFile] = job;
  const errorPatterns = [...new Set(ctx.rules.flatMap((r) => (r.kind === 'repeated-failures' ? r.params.errorPatterns : [])))];
  const applied = applyLogLines(
    s.runsState,
    lines,
    {
      jobsByLogFile,
      profiles: ctx.profiles,
      errorPatterns,
      logTimestampZone: ctx.deployment.logTimestampZone,
    },
    { from, ...(stopAtBoundaryFrom !== undefined ? { stopAtBoundaryFrom } : {}) },
  );
  const finishedRuns = { ...s.finishedRuns };
  let healLines = s.healLines;
  let closeLines = s.closeLines;
  for (const run of applied.finished) {
    finishedRuns[run.jobId] = [...(finishedRuns[run.jobId] ?? []), run].slice(-RUNS_KEPT_PER_JOB);
  }
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
      closeLines: closeLines.slice(-LOG_MARKS_KEPT),
      healLines: healLines.slice(-LOG_MARKS_KEPT),
    },
    consumed: applied.consumed,
    ...(applied.boundaryAt !== undefined ? { boundaryAt: applied.boundaryAt } : {}),
    jobIds: [...jobIds],
    healed: applied.marks.some((m) => m.kind === 'heal'),
  };
}

function absorbContainer(s: CoreState, c: ContainerObservation): CoreState {
  const prev = s.containers[c.name];
  const running = c.status === 'running';
  const notRunningSince = running ? undefined : (prev?.notRunningSince ?? c.observedAt);
  let restarts = prev?.restarts ?? [];
  if (prev) {
    const countWentUp = c.restartCount > prev.current.restartCount;
    const restartedAfterStop = running && prev.current.status !== 'running';
    const newStart = c.startedAt !== undefined && prev.current.startedAt !== undefined && c.startedAt !== prev.current.startedAt;
    if (countWentUp || restartedAfterStop || newStart) restarts = [...restarts, c.observedAt].slice(-RESTARTS_KEPT);
  }
  const history: ContainerHistory = { current: c, restarts, ...(notRunningSince !== undefined ? { notRunningSince } : {}) };
  return { ...s, containers: { ...s.containers, [c.name]: history } };
}

function absorbCrontab(s: CoreState, crontab: CrontabObservation, ctx: StepContext): CoreState {
  if (s.crontab && s.crontab.text === crontab.text) return { ...s, crontab };
  const parsed = parseCrontab(crontab.text, {
    defaultTimezone: ctx.deployment.timezone,
    containerLogsDir: ctx.deployment.containerLogsDir,
  });
  // A new job set is expected only from the moment it was seen: this is what keeps a rollback (or any
  // crontab change) from being judged by fire times that belonged to the previous crontab.
  return { ...s, crontab, jobs: parsed.jobs, jobsSince: crontab.observedAt, crontabProblems: parsed.problems };
}

/** After the sidecar's own execution, how long a version that is still `unknown` is given to settle before it is reported. */
const VERSION_SETTLE_MS = 10 * 60_000;

function withFingerprint(s: CoreState, effects: Effect[]): CoreState {
  const fingerprint = fingerprintVersion({ jobs: s.jobs, files: s.files });
  // The sidecar's own execution is changing the deployment: no judgement until it is over.
  if (executionRunning(s)) return { ...s, fingerprint, versionHold: { before: s.versionHold?.before ?? s.fingerprint } };
  if (s.versionHold) return settleVersion({ ...s, fingerprint }, effects);
  return judgeVersion(s, s.fingerprint, fingerprint, effects);
}

function judgeVersion(s: CoreState, reported: VersionFingerprint, fingerprint: VersionFingerprint, effects: Effect[]): CoreState {
  if (fingerprint.version !== reported.version && reported.version !== 'unknown') {
    const notice: Notice = { kind: 'version-changed', from: reported, to: fingerprint };
    effects.push({ kind: 'notify', key: `version|${s.now}|${fingerprint.version}`, notice });
  }
  const { versionHold: _judged, ...rest } = s;
  return { ...rest, fingerprint };
}

function executionRunning(s: CoreState): boolean {
  return s.incidents.incidents.some((i) => i.phase === 'running');
}

/**
 * Once nothing runs any more, a version held back during an execution is judged against the one
 * before it: as soon as it is known again, or after VERSION_SETTLE_MS if it stays `unknown`.
 */
function settleVersion(s: CoreState, effects: Effect[]): CoreState {
  const hold = s.versionHold;
  if (hold === undefined || executionRunning(s)) return s;
  const endedAt = hold.endedAt ?? s.now;
  if (s.fingerprint.version === 'unknown' && s.now - endedAt < VERSION_SETTLE_MS)
    return hold.endedAt === undefined ? { ...s, versionHold: { ...hold, endedAt } } : s;
  return judgeVersion(s, hold.before, s.fingerprint, effects);
}

function absorbJsonFile(s: CoreState, file: JsonFileObservation, ctx: StepContext): CoreState {
  switch (file.which) {
    case 'positions': {
      const parsed =
        file.content === undefined
          ? ({ status: 'absent', observedAt: file.observedAt } as const)
          : parsePositions(file.content, ctx.positionsKeys, file.observedAt, file.sha256 ?? ctx.hash, file.invalidUtf8);
      let positionsChanges = s.positionsChanges;
      let history = s.positionsHistory;
      if (parsed.status === 'valid') {
        const diff = diffPositions(history, { sha256: parsed.sha256, doc: parsed.doc }, file.observedAt, {
          runs: worldRuns(s),
          profiles: ctx.profiles,
          jobs: s.jobs,
        });
        history = diff.history;
        if (diff.change) positionsChanges = [...positionsChanges, diff.change].slice(-CHANGES_KEPT);
      }
      return { ...s, positions: parsed, positionsHistory: history, positionsChanges };
    }
    case 'entries':
      return {
        ...s,
        entries:
          file.content === undefined
            ? { status: 'absent', observedAt: file.observedAt }
            : parseEntries(file.content, file.observedAt, file.sha256 ?? ctx.hash, file.invalidUtf8),
      };
    case 'orderLog':
      return {
        ...s,
        orderLog:
          file.content === undefined
            ? { status: 'absent', observedAt: file.observedAt }
            : parseOrderLog(file.content, file.observedAt, file.sha256 ?? ctx.hash, file.invalidUtf8),
      };
  }
}

function worldRuns(s: CoreState): Record<string, Run[]> {
  const runs: Record<string, Run[]> = {};
  for (const [jobId, list] of Object.entries(s.finishedRuns)) runs[jobId] = [...list];
  for (const open of listOpenRuns(s.runsState)) {
    const goneSince = s.processGone[openRunKey(open)];
    const run = goneSince !== undefined ? { ...open, processGoneSince: goneSince } : open;
    runs[open.jobId] = [...(runs[open.jobId] ?? []), run];
  }
  return runs;
}

/** The read-only picture the rules evaluate. */
export function worldOf(s: CoreState, ctx: StepContext): World {
  return {
    now: s.now,
    watchStartedAt: s.watchStartedAt,
    jobs: s.jobs,
    jobsSince: s.jobsSince,
    crontabKnown: s.crontab !== undefined,
    ...(s.crontab ? { crontab: { source: s.crontab.source, problems: s.crontabProblems } } : {}),
    profiles: ctx.profiles,
    runs: worldRuns(s),
    version: s.fingerprint,
    containers: s.containers,
    cronContainer: ctx.deployment.cronContainer,
    ...(s.jobProcesses ? { jobProcesses: s.jobProcesses } : {}),
    ...(s.positions ? { positions: s.positions } : {}),
    ...(s.entries ? { entries: s.entries } : {}),
    ...(s.orderLog ? { orderLog: s.orderLog } : {}),
    positionsChanges: s.positionsChanges,
    healLines: s.healLines,
    closeLines: s.closeLines,
    sources: s.sources,
  };
}
