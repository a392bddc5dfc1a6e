// What the rules read: the core's picture of the guarded deployment, rebuilt from observations by
// step.ts. Rules are pure functions of (World, params, now); they never see raw events.
import type { ContainerObservation, Instant, Job, JobProfile, ReleaseInForce, Run, VersionFingerprint } from './types.ts';

export interface ContainerHistory {
  current: ContainerObservation;
  /** When the container was first seen not running in the current streak (absent while running). */
  notRunningSince?: Instant;
  /** Instants at which a restart was observed (restart count went up, or a start event), recent first-out. */
  restarts: Instant[];
}

/** Result of reading a JSON state file: parsed document, or why it is not usable. */
export type JsonDocState<T> =
  | { status: 'absent'; observedAt: Instant }
  | { status: 'valid'; sha256: string; doc: T; observedAt: Instant }
  | { status: 'corrupt'; sha256?: string; problems: JsonProblem[]; observedAt: Instant };

export interface JsonProblem {
  /** JSON path such as `$[2].units`, or `$` for the whole file. */
  path: string;
  message: string;
  /** `parse` (not JSON), `shape` (not a list, not an object), `missing-key`, `unknown-key`, `type`. */
  code: 'parse' | 'shape' | 'missing-key' | 'unknown-key' | 'type';
}

// The record types derive from the zod schemas of the state files.
import type { EntryRecord, OrderRecord, PositionRecord } from './record-shapes.ts';
export type { EntryRecord, OrderRecord, PositionRecord };

/** A change between two valid versions of positions.json, with what the logs said around it. */
export interface PositionsChange {
  at: Instant;
  fromSha256: string;
  toSha256: string;
  /** Open positions that disappeared or turned closed. */
  vanishedOpen: string[];
  /** `position_id.field: before → after` for units / total_shares / pyramid_level changes. */
  sizeChanges: { positionId: string; field: string; before: unknown; after: unknown }[];
  /** The new content equals an older version seen before (a restore from a backup). */
  revertedToSeenAt?: Instant;
  /** Jobs allowed to write positions.json that had a run open (or just finished) at the change. */
  writerRunsNearby: string[];
}

export interface SourceHealth {
  consecutiveErrors: number;
  lastError?: string;
  lastErrorAt?: Instant;
  lastOkAt?: Instant;
}

/** What the step keeps of its observations and hands to the rules as is (the core state and the world alike). */
export interface Observed {
  /** Commands of job processes seen running in the cron container, and when that was looked at. */
  jobProcesses?: { commands: string[]; observedAt: Instant };
  positions?: JsonDocState<PositionRecord[]>;
  entries?: JsonDocState<EntryRecord[]>;
  orderLog?: JsonDocState<OrderRecord[]>;
  /** Changes of positions.json not yet judged or judged recently (kept for evidence). */
  positionsChanges: PositionsChange[];
  /** Silent repair lines (`JSON 파일 손상`, `백업에서 복원`) seen in any log, with when. */
  healLines: { file: string; text: string; at: Instant }[];
  /** `포지션 청산: <id>` lines seen in any log. */
  closeLines: { positionId: string; at: Instant }[];
}

export interface World extends Observed {
  now: Instant;
  /** When the sidecar began watching this deployment (persisted across restarts). */
  watchStartedAt: Instant;
  /** Jobs of the deployed crontab; empty until a crontab has been read. */
  jobs: Job[];
  /** When the current job set was first observed: fire times before it are not expected of it. */
  jobsSince: Instant;
  crontabKnown: boolean;
  /** Where the crontab came from and the lines of it that could not be read as jobs (absent before one is read). */
  crontab?: { source: 'container' | 'file'; problems: { line: number; message: string }[] };
  /** Profiles by script name. */
  profiles: Record<string, JobProfile>;
  /** Runs per job id, oldest first, capped to the most recent few. */
  runs: Record<string, Run[]>;
  version: VersionFingerprint;
  /**
   * The catalogue entry in force for the running release (recognised from the cron container), absent
   * until recognised. Rules that depend on the release read its keys, zone, levers and guard lines here.
   */
  release?: ReleaseInForce;
  containers: Record<string, ContainerHistory>;
  /** The container whose crontab is the schedule (from the config; rules default to turtle-cron). */
  cronContainer?: string;
  sources: Record<string, SourceHealth>;
}
