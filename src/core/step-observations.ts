// Observations absorbed into the core state: containers, the crontab and the version it fingerprints,
// job processes, the JSON state files, source health; and when each event happened.
import { parseCrontab } from './crontab.ts';
import { fingerprintVersion } from './fingerprint.ts';
import { absorbInspection, profilesInForce, releaseFingerprint } from './step-release.ts';
import { absorbRunnerLines } from './step-runner-lines.ts';
import { parseEntries, parseOrderLog, parsePositions, type PositionKeys } from './positions.ts';
import { diffPositions } from './positions-change.ts';
import { listOpenRuns } from './runs.ts';
import { openRunKey, processAlive } from './run-fate.ts';
import type {
  ContainerObservation,
  CrontabObservation,
  Effect,
  Event,
  Instant,
  JsonFileObservation,
  Notice,
  VersionFingerprint,
} from './types.ts';
import type { ContainerHistory, SourceHealth } from './world.ts';
import type { CoreState, StepContext } from './step.ts';
import { absorbLogLines, latestObservedAt } from './step-log-lines.ts';
import { worldOf, worldRuns } from './step-evaluation.ts';
import { positionKeysOf } from './rules/index.ts';

const RESTARTS_KEPT = 50;
const CHANGES_KEPT = 50;

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

export function eventTime(event: Event): Instant | undefined {
  switch (event.kind) {
    case 'log-lines':
      return latestObservedAt(event.lines);
    case 'container':
      return event.container.observedAt;
    case 'crontab':
      return event.crontab.observedAt;
    case 'container-files':
    case 'cron-inspection':
    case 'runner-lines':
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
    case 'digest-due':
      return event.at;
  }
}

export function absorb(state: CoreState, event: Event, ctx: StepContext, effects: Effect[]): CoreState {
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
    case 'digest-due':
      return s;
    case 'log-lines':
      return absorbLogLines(s, event.lines, ctx).state;
    case 'container':
      return absorbContainer(s, event.container);
    case 'crontab':
      return withFingerprint(absorbCrontab(s, event.crontab, ctx), effects);
    case 'container-files':
      return withFingerprint({ ...s, files: { ...s.files, ...event.present } }, effects);
    case 'cron-inspection':
      return withFingerprint(absorbInspection(s, event.inspection, ctx, effects), effects);
    case 'runner-lines':
      return absorbRunnerLines(s, event.lines, ctx);
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

export function withFingerprint(s: CoreState, effects: Effect[]): CoreState {
  const fingerprint = releaseFingerprint(s) ?? fingerprintVersion({ jobs: s.jobs, files: s.files });
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
export function settleVersion(s: CoreState, effects: Effect[]): CoreState {
  const hold = s.versionHold;
  if (hold === undefined || executionRunning(s)) return s;
  const endedAt = hold.endedAt ?? s.now;
  if (s.fingerprint.version === 'unknown' && s.now - endedAt < VERSION_SETTLE_MS)
    return hold.endedAt === undefined ? { ...s, versionHold: { ...hold, endedAt } } : s;
  return judgeVersion(s, hold.before, s.fingerprint, effects);
}

/**
 * The keys positions.json is read with: the context's (the rules' lists over v3.2.x's) until a release is
 * recognised, then the rules' lists over the running release's, so that a v3.9.x file with `entry_reason`
 * stays valid and its changes are followed.
 */
function positionKeysFor(s: CoreState, ctx: StepContext): PositionKeys {
  const release = worldOf(s, ctx).release?.release;
  return release ? positionKeysOf(ctx.rules, release) : ctx.positionsKeys;
}

function absorbJsonFile(s: CoreState, file: JsonFileObservation, ctx: StepContext): CoreState {
  switch (file.which) {
    case 'positions': {
      const parsed =
        file.content === undefined
          ? ({ status: 'absent', observedAt: file.observedAt } as const)
          : parsePositions(file.content, positionKeysFor(s, ctx), file.observedAt, file.sha256 ?? ctx.hash, file.invalidUtf8);
      let positionsChanges = s.positionsChanges;
      let history = s.positionsHistory;
      if (parsed.status === 'valid') {
        const diff = diffPositions(history, { sha256: parsed.sha256, doc: parsed.doc }, file.observedAt, {
          runs: worldRuns(s),
          profiles: profilesInForce(s, ctx),
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
