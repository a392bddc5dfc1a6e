// The one way into the core: step(state, event, context) → new state, effects to carry out, journal
// entries to make durable first. Pure: everything it knows arrives in its arguments. The work is in
// step-observations.ts (absorbing), step-log-lines.ts (runs and their boundaries) and step-evaluation.ts.
import type { Rule } from '../config/schema.ts';
import { emptyIncidentState, type IncidentState, type JournalEntry } from './incident.ts';
import { decisionBuilder, initialSafety, type DecisionPolicy, type SafetyState } from './decision-builder.ts';
import { onPlanReady } from './decision.ts';
import { onOperator } from './decision-operator.ts';
import { onExecution, onStartup } from './decision-execution.ts';
import type { PositionKeys } from './positions.ts';
import type { HashText } from './hash.ts';
import { type PositionsHistory, emptyPositionsHistory } from './positions-change.ts';
import { say } from './verdict-text.ts';
import { emptyRunsState, type RunsState } from './runs.ts';
import type {
  CrontabObservation,
  Effect,
  Event,
  Instant,
  Job,
  JobProfile,
  ReleaseInForce,
  Run,
  Verdict,
  VersionFingerprint,
} from './types.ts';
import type { Release } from '../config/catalogue-schema.ts';
import type { ReleaseRecognition } from './release-recognition.ts';
import type { VerdictMessage } from './verdict-text.ts';
import { confirmReleaseByArm } from './step-release.ts';
import type { RunnerRun } from './step-runner-lines.ts';
import type { ContainerHistory, Observed, SourceHealth } from './world.ts';
import { absorb, settleVersion, withFingerprint } from './step-observations.ts';
import { stepLogLines } from './step-log-lines.ts';
import { evaluateAll, jobRunning } from './step-evaluation.ts';
import { stepDigest, type DigestMark, type RunTally } from './digest.ts';

export interface StepContext {
  rules: Rule[];
  profiles: Record<string, JobProfile>;
  deployment: {
    timezone: string;
    containerLogsDir: string;
    logTimestampZone: string;
    cronContainer: string;
    /** `deployment.release`: the operator names the running release (confirms or pins recognition). */
    release?: string;
  };
  /** Keys of a position record (from the positions-integrity rule, or the schema's defaults). */
  positionsKeys: PositionKeys;
  /** The runtime's SHA-256, for a state file the adapter did not hash. */
  hash: HashText;
  /** Who may decide, how long decisions wait, and the guard rails of the automatic path. */
  policy: DecisionPolicy;
  /** The release catalogue (oldest first); absent or empty: no recognition, the v3.2.x fingerprint. */
  catalogue?: readonly Release[];
}

export interface CoreState extends Observed {
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
  /** The last recognition of the running release against the catalogue. */
  recognition?: ReleaseRecognition;
  /** The release in force (recognition and the operator's word) and why. */
  release?: ReleaseInForce;
  releaseReasons?: VerdictMessage[];
  /** The closest release an operator confirmed with `/arm`. */
  releaseArmedFor?: string;
  /** Runs as the cron runner (supercronic) reported them, per job id (absent before any runner line). */
  runnerRuns?: Record<string, RunnerRun[]>;
  containers: Record<string, ContainerHistory>;
  /** Open runs (by `runKey`) whose process looks have found no process of their script, since when. */
  processGone: Record<string, Instant>;
  runsState: RunsState;
  finishedRuns: Record<string, Run[]>;
  positionsHistory: PositionsHistory;
  sources: Record<string, SourceHealth>;
  /** Log lines handed to the core, per file: what `status` and the exactly-once tests count. */
  linesEvaluated: Record<string, number>;
  /** Runs that ended since watching began, per job: the daily digest counts from these (see digest.ts). */
  runsChecked: Record<string, RunTally>;
  /** The last daily digest sent (absent before the first). */
  digest?: DigestMark;
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
    runsChecked: {},
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
    runsChecked: saved.runsChecked ?? {},
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
  if (event.kind === 'operator' && event.command.kind === 'arm') {
    const confirmed = confirmReleaseByArm(next, ctx, effects);
    if (confirmed.release?.confirmed && !next.release?.confirmed)
      journal.push({
        at: next.now,
        type: 'operator-command',
        incidentId: '-',
        ruleId: '-',
        cause: 'arm',
        summary: `release ${confirmed.release.release.release} (closest match) confirmed by /arm`,
      });
    next = withFingerprint(confirmed, effects);
  }
  if (event.kind === 'execution' || event.kind === 'tick') next = settleVersion(next, effects);
  const evaluated = evaluateAll(next, ctx);
  // The digest is composed after evaluation, so that what it says open is what this instant judges.
  const digest = event.kind === 'digest-due' ? stepDigest(evaluated.state, event.scheduledFor) : undefined;
  return {
    state: digest?.state ?? evaluated.state,
    effects: [...effects, ...evaluated.effects, ...(digest?.effects ?? [])],
    journal: [...journal, ...evaluated.journal],
  };
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
