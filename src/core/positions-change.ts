// Change detection for positions.json: what changed between two valid versions (open positions that
// vanished or closed, size fields, a revert to an older copy) and whether the logs explain it.
//
// At v3.2.1 the only scheduled writer is check_positions.py, and only to close positions (reference §1
// "Who writes it"); at v3.2.0 nothing scheduled writes it. Nobody opens or pyramids in code, so a size
// change is a human's doing, and a file that turns back into an older version is a restore.
import type { Instant, Job, JobProfile, Run } from './types.ts';
import { renderEvidence, type EvidenceMessage } from './evidence-text.ts';
import type { PositionRecord, PositionsChange, World } from './world.ts';

/** A valid version seen earlier, by content hash. */
export interface SeenVersion {
  sha256: string;
  firstSeenAt: Instant;
  lastSeenAt: Instant;
}

/**
 * What change detection remembers between observations. Plain JSON (it is checkpointed) and bounded.
 * `last` is the last *valid* version: an absent or corrupt file in between is compared through, so that
 * "positions vanished, then health_check recreated `[]`" is still seen as open positions vanishing.
 */
export interface PositionsHistory {
  last?: { sha256: string; doc: PositionRecord[]; at: Instant };
  /** Oldest first; the newest is the current version. */
  seen: SeenVersion[];
}

/** Hashes remembered for revert detection: a week of daily writes with room to spare. */
export const SEEN_VERSIONS_KEPT = 32;

/** A writer run counts as "near" a change this long before its start and after its end. */
export const WRITER_SLACK_MS = 5 * 60_000;

/** A run with no finish marker is presumed dead after this long (it no longer explains writes). */
export const OPEN_RUN_HORIZON_MS = 2 * 3_600_000;

const SIZE_FIELDS = ['units', 'total_shares', 'pyramid_level'] as const;

export function emptyPositionsHistory(): PositionsHistory {
  return { seen: [] };
}

export interface ChangeContext {
  runs: Record<string, Run[]>;
  profiles: Record<string, JobProfile>;
  /** Accepted for symmetry with the World; runs already carry their job id. */
  jobs?: Job[];
}

/**
 * Fold a new valid version into the history; returns the change against the last valid version, if it
 * is one worth judging (additions and cosmetic edits such as `last_update` are not).
 */
export function diffPositions(
  history: PositionsHistory,
  current: { sha256: string; doc: PositionRecord[] },
  at: Instant,
  context: ChangeContext,
): { history: PositionsHistory; change?: PositionsChange } {
  const next: PositionsHistory = {
    last: { sha256: current.sha256, doc: current.doc, at },
    seen: rememberVersion(history.seen, current.sha256, at),
  };
  if (!history.last) return { history: next };
  const change = comparePositions(history.last, current, at, { seen: history.seen, ...context });
  return change ? { history: next, change } : { history: next };
}

/** Record that a version was seen at `at`, keeping the list bounded (the oldest fall off). */
export function rememberVersion(seen: readonly SeenVersion[], sha256: string, at: Instant, keep = SEEN_VERSIONS_KEPT): SeenVersion[] {
  const existing = seen.find((v) => v.sha256 === sha256);
  const others = seen.filter((v) => v.sha256 !== sha256);
  const entry: SeenVersion = existing ? { ...existing, lastSeenAt: at } : { sha256, firstSeenAt: at, lastSeenAt: at };
  return [...others, entry].slice(-keep);
}

/** The change from `before` to `after`, or null when nothing that needs explaining changed. */
export function comparePositions(
  before: { sha256: string; doc: readonly PositionRecord[] },
  after: { sha256: string; doc: readonly PositionRecord[] },
  at: Instant,
  context: ChangeContext & { seen?: readonly SeenVersion[] },
): PositionsChange | null {
  if (before.sha256 === after.sha256) return null;
  const afterById = byId(after.doc);
  const vanishedOpen: string[] = [];
  const sizeChanges: PositionsChange['sizeChanges'] = [];
  for (const [positionId, old] of byId(before.doc)) {
    const now = afterById.get(positionId);
    if (old.status === 'open' && (!now || now.status !== 'open')) vanishedOpen.push(positionId);
    if (!now) continue;
    for (const field of SIZE_FIELDS) {
      if (!sameValue(old[field], now[field]))
        sizeChanges.push({ positionId, field, before: old[field] ?? null, after: now[field] ?? null });
    }
  }
  const older = (context.seen ?? []).find((v) => v.sha256 === after.sha256 && v.sha256 !== before.sha256);
  if (vanishedOpen.length === 0 && sizeChanges.length === 0 && !older) return null;
  return {
    at,
    fromSha256: before.sha256,
    toSha256: after.sha256,
    vanishedOpen,
    sizeChanges,
    ...(older ? { revertedToSeenAt: older.lastSeenAt } : {}),
    writerRunsNearby: writerRunsNear(context.runs, context.profiles, at),
  };
}

/** Jobs whose profile may write positions.json and that had a run open around `at`. */
export function writerRunsNear(
  runs: Record<string, Run[]>,
  profiles: Record<string, JobProfile>,
  at: Instant,
  slack = WRITER_SLACK_MS,
): string[] {
  const jobs = new Set<string>();
  for (const [jobId, list] of Object.entries(runs)) {
    for (const run of list) {
      if (!profiles[run.script]?.writesPositions) continue;
      const end = run.end === 'open' ? run.startedAt + OPEN_RUN_HORIZON_MS : (run.finishedAt ?? run.startedAt);
      if (at >= run.startedAt - slack && at <= end + slack) jobs.add(jobId);
    }
  }
  return [...jobs].sort();
}

export type ChangeStatus = 'explained' | 'unexplained' | 'pending';

export interface ChangeJudgement {
  status: ChangeStatus;
  /** One line per part of the change, in English (the logs, the verdict summary). */
  reasons: string[];
  /** The same lines as typed notes, for the operator's language. */
  notes: EvidenceMessage[];
  /** While pending: when the judgement becomes final. */
  decideAt?: Instant;
}

/**
 * Is the change explained by the logs? A vanished open position needs a `포지션 청산: <id>` line within
 * `closeExplainWindow` of the change *and* a run of a job allowed to write the file; a size change needs
 * such a run. The log may trail the file, so a part stays pending until its window has passed.
 * A revert is never explained by a job: no job restores positions.json except the silent heal.
 */
export function judgeChange(
  change: PositionsChange,
  world: Pick<World, 'closeLines' | 'runs' | 'profiles'>,
  params: { closeExplainWindow: number },
  now: Instant,
): ChangeJudgement {
  const reasons: string[] = [];
  const notes: EvidenceMessage[] = [];
  const tell = (note: EvidenceMessage) => {
    notes.push(note);
    reasons.push(renderEvidence(note, 'en'));
  };
  let unexplained = false;
  let decideAt: Instant | undefined;
  const pendUntil = (until: Instant, note: EvidenceMessage) => {
    tell(note);
    decideAt = decideAt === undefined ? until : Math.max(decideAt, until);
  };

  if (change.revertedToSeenAt !== undefined) {
    unexplained = true;
    tell({ key: 'positions.reverted', params: { seenAt: iso(change.revertedToSeenAt) } });
  }

  const writers = [...new Set([...change.writerRunsNearby, ...writerRunsNear(world.runs, world.profiles, change.at)])].sort();

  for (const positionId of change.vanishedOpen) {
    const line = world.closeLines.find((c) => c.positionId === positionId && Math.abs(c.at - change.at) <= params.closeExplainWindow);
    if (line && writers.length > 0) {
      tell({ key: 'positions.close-explained', params: { positionId, writers } });
      continue;
    }
    const until = change.at + params.closeExplainWindow;
    if (now < until) {
      pendUntil(until, { key: 'positions.close-pending', params: { positionId, until: iso(until) } });
      continue;
    }
    unexplained = true;
    tell(
      line
        ? { key: 'positions.close-without-writer', params: { positionId } }
        : { key: 'positions.vanished-unexplained', params: { positionId, window: params.closeExplainWindow } },
    );
  }

  for (const size of change.sizeChanges) {
    const what = `${size.positionId}.${size.field} ${String(size.before)} → ${String(size.after)}`;
    if (writers.length > 0) {
      tell({ key: 'positions.size-explained', params: { what, writers } });
      continue;
    }
    const until = change.at + WRITER_SLACK_MS;
    if (now < until) {
      pendUntil(until, { key: 'positions.size-pending', params: { what, until: iso(until) } });
      continue;
    }
    unexplained = true;
    tell({ key: 'positions.size-unexplained', params: { what } });
  }

  if (unexplained) return { status: 'unexplained', reasons, notes };
  if (decideAt !== undefined) return { status: 'pending', reasons, notes, decideAt };
  return { status: 'explained', reasons, notes };
}

// ---------------------------------------------------------------------------------------------

function byId(doc: readonly PositionRecord[]): Map<string, PositionRecord> {
  const map = new Map<string, PositionRecord>();
  // A hand-edited file may repeat an id; the last record with it is compared (one-open-per-symbol flags such files).
  for (const record of doc) if (typeof record.position_id === 'string') map.set(record.position_id, record);
  return map;
}

function sameValue(a: unknown, b: unknown): boolean {
  return Object.is(a ?? null, b ?? null);
}

function iso(at: Instant): string {
  return new Date(at).toISOString();
}
