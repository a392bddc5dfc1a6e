// The one way into the core: step(state, event, context) → new state, effects to carry out, journal
// entries to make durable first. Pure: everything it knows arrives in its arguments.
import type { Rule } from '../config/schema.ts';
import { parseCrontab } from './crontab.ts';
import { fingerprintVersion } from './fingerprint.ts';
import { emptyIncidentState, reconcileIncidents, type IncidentState, type JournalEntry } from './incident.ts';
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
  type SafetyState,
} from './decision.ts';
import { parseEntries, parseOrderLog, parsePositions } from './positions.ts';
import { diffPositions, type PositionsHistory, emptyPositionsHistory } from './positions-change.ts';
import { evaluateRule } from './rules/index.ts';
import { say } from './verdict-text.ts';
import { applyLogLines, emptyRunsState, listOpenRuns, type RunsState } from './runs.ts';
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
  positionsKeys: { requiredKeys: string[]; knownKeys: string[] };
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
  containers: Record<string, ContainerHistory>;
  jobProcesses?: { commands: string[]; observedAt: Instant };
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
  };
}

/** Apply one observation, then evaluate every rule that is not off. */
export function step(state: CoreState, event: Event, ctx: StepContext): StepResult {
  const effects: Effect[] = [];
  const journal: JournalEntry[] = [];
  let next = absorb(state, event, ctx, effects);
  next = absorbDecisionEvent(next, event, ctx, effects, journal);
  const evaluated = evaluateAll(next, ctx);
  return { state: evaluated.state, effects: [...effects, ...evaluated.effects], journal: [...journal, ...evaluated.journal] };
}

/** Re-evaluate without a new observation (after a rules reload, or for `check`). */
export function evaluateAll(state: CoreState, ctx: StepContext): StepResult {
  const world = worldOf(state, ctx);
  const verdictsByRule = new Map<string, Verdict[]>();
  for (const rule of ctx.rules) {
    if (rule.mode === 'off') continue;
    verdictsByRule.set(rule.id, evaluateRule(rule, world, state.now));
  }
  const reconciled = reconcileIncidents(state.incidents, ctx.rules, verdictsByRule, state.now, state.safety.silenced);
  const b = decisionBuilder({ incidents: reconciled.state.incidents, safety: state.safety, jobRunning: jobRunning(state) }, state.now, ctx.policy);
  for (const id of reconciled.opened) {
    const incident = b.find(id);
    if (incident) onOpened(b, incident, ctx.rules.find((r) => r.id === incident.ruleId));
  }
  for (const id of reconciled.joined) {
    const incident = b.find(id);
    if (incident?.phase === 'verified') onPersistingFault(b, incident);
  }
  for (const incident of b.incidents) {
    if (incident.phase === 'verified' && incident.verifiedAt !== undefined && recoveredSince(world, incident.verifiedAt, verdictsByRule, incident)) onRecovered(b, incident);
  }
  onTick(b, ctx.rules);
  const decided = b.result();
  return {
    state: { ...state, incidents: { ...reconciled.state, incidents: decided.incidents }, safety: decided.safety, lastVerdicts: Object.fromEntries(verdictsByRule) },
    effects: [...reconciled.effects, ...decided.effects],
    journal: [...reconciled.journal, ...decided.journal],
  };
}

/** A job process is running in the cron container, as last observed (a stale look counts as unknown = running). */
function jobRunning(state: CoreState): boolean {
  const seen = state.jobProcesses;
  if (!seen) return false;
  return seen.commands.length > 0;
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
  return jobs.every((job) => (world.runs[job.id] ?? []).some((r) => r.startedAt > verifiedAt && r.end === 'finished' && r.tracebacks.length === 0));
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
        onPlanReady(b, event.incidentId, event.result, event.nonce, [{ id: 'operator', approval: { policy: 'auto', window: 0 } } as unknown as Rule]);
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
      return absorbLogLines(s, event.lines, ctx);
    case 'container':
      return absorbContainer(s, event.container);
    case 'crontab':
      return withFingerprint(absorbCrontab(s, event.crontab, ctx), effects);
    case 'container-files':
      return withFingerprint({ ...s, files: { ...s.files, ...event.present } }, effects);
    case 'job-processes':
      return { ...s, jobProcesses: { commands: event.commands, observedAt: event.observedAt } };
    case 'json-file':
      return absorbJsonFile(s, event.file, ctx);
    case 'source-error': {
      const prev = s.sources[event.source] ?? { consecutiveErrors: 0 };
      const health: SourceHealth = { ...prev, consecutiveErrors: prev.consecutiveErrors + 1, lastError: event.message, lastErrorAt: event.observedAt };
      return { ...s, sources: { ...s.sources, [event.source]: health } };
    }
    case 'source-ok': {
      const prev = s.sources[event.source] ?? { consecutiveErrors: 0 };
      return { ...s, sources: { ...s.sources, [event.source]: { ...prev, consecutiveErrors: 0, lastOkAt: event.observedAt } } };
    }
  }
}

function absorbLogLines(s: CoreState, lines: LogLine[], ctx: StepContext): CoreState {
  const jobsByLogFile: Record<string, Job> = {};
  for (const job of s.jobs) if (job.logFile) jobsByLogFile[job.logFile] = job;
  const errorPatterns = [
    ...new Set(ctx.rules.flatMap((r) => (r.kind === 'repeated-failures' ? r.params.errorPatterns : []))),
  ];
  const applied = applyLogLines(s.runsState, lines, {
    jobsByLogFile,
    profiles: ctx.profiles,
    errorPatterns,
    logTimestampZone: ctx.deployment.logTimestampZone,
  });
  const finishedRuns = { ...s.finishedRuns };
  let healLines = s.healLines;
  let closeLines = s.closeLines;
  for (const run of applied.finished) {
    finishedRuns[run.jobId] = [...(finishedRuns[run.jobId] ?? []), run].slice(-RUNS_KEPT_PER_JOB);
  }
  // Heal and close lines matter before their run finishes (a close explains a file change at once),
  // so they are collected from open runs too, keyed to avoid counting a run twice.
  const seen = new Set(closeLines.map((c) => `${c.positionId}@${c.at}`));
  const seenHeal = new Set(healLines.map((h) => `${h.file}@${h.at}@${h.text}`));
  for (const run of [...applied.finished, ...listOpenRuns(applied.state)]) {
    const file = s.jobs.find((j) => j.id === run.jobId)?.logFile ?? run.jobId;
    for (const positionId of run.closedPositions) {
      const key = `${positionId}@${run.startedAt}`;
      if (!seen.has(key)) {
        seen.add(key);
        closeLines = [...closeLines, { positionId, at: run.startedAt }];
      }
    }
    for (const text of run.healLines) {
      const key = `${file}@${run.startedAt}@${text}`;
      if (!seenHeal.has(key)) {
        seenHeal.add(key);
        healLines = [...healLines, { file, text, at: run.startedAt }];
      }
    }
  }
  const linesEvaluated = { ...s.linesEvaluated };
  for (const line of lines) linesEvaluated[line.file] = (linesEvaluated[line.file] ?? 0) + 1;
  return {
    ...s,
    linesEvaluated,
    runsState: applied.state,
    finishedRuns,
    closeLines: closeLines.slice(-LOG_MARKS_KEPT),
    healLines: healLines.slice(-LOG_MARKS_KEPT),
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

function withFingerprint(s: CoreState, effects: Effect[]): CoreState {
  const fingerprint = fingerprintVersion({ jobs: s.jobs, files: s.files });
  if (fingerprint.version !== s.fingerprint.version && s.fingerprint.version !== 'unknown') {
    const notice: Notice = { kind: 'version-changed', from: s.fingerprint, to: fingerprint };
    effects.push({ kind: 'notify', key: `version|${s.now}|${fingerprint.version}`, notice });
  }
  return { ...s, fingerprint };
}

function absorbJsonFile(s: CoreState, file: JsonFileObservation, ctx: StepContext): CoreState {
  switch (file.which) {
    case 'positions': {
      const parsed = file.content === undefined ? ({ status: 'absent', observedAt: file.observedAt } as const) : parsePositions(file.content, ctx.positionsKeys, file.observedAt, file.sha256);
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
      return { ...s, entries: file.content === undefined ? { status: 'absent', observedAt: file.observedAt } : parseEntries(file.content, file.observedAt, file.sha256) };
    case 'orderLog':
      return { ...s, orderLog: file.content === undefined ? { status: 'absent', observedAt: file.observedAt } : parseOrderLog(file.content, file.observedAt, file.sha256) };
  }
}

function worldRuns(s: CoreState): Record<string, Run[]> {
  const runs: Record<string, Run[]> = {};
  for (const [jobId, list] of Object.entries(s.finishedRuns)) runs[jobId] = [...list];
  for (const open of listOpenRuns(s.runsState)) runs[open.jobId] = [...(runs[open.jobId] ?? []), open];
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
