// The release a rollback goes to, and whether it can run on the state files as they are now (SPEC §3.4):
// the predecessor of the running release in the catalogue (or the release the operator names), judged
// against the records of positions.json and entries.json. A target that crashes on a current record
// (`cls(**data)` meeting v3.9.x's `entry_reason`) or lacks a required key blocks the plan: never roll
// back into a release that cannot load the current state. Pure.
import type { Release } from '../config/catalogue-schema.ts';
import { unloadableRecords, type UnloadableRecord } from './release-records.ts';

/** What a rollback plan is judged against. */
export interface RollbackRelease {
  target: Release;
  /** The running release, when recognised. */
  from?: string;
  /** Records of the current state files when the plan was made; absent when the file is absent or unreadable. */
  records: { positions?: readonly unknown[]; entries?: readonly unknown[] };
}

/** Why a rollback plan is blocked: the target cannot load these records. */
export interface PlanBlock {
  target: string;
  targetCommit: string;
  from?: string;
  records: UnloadableRecord[];
}

/** The v3.2.x verification of the runbook's rollback, for a target the catalogue does not describe. */
export const RUNBOOK_VERIFY = {
  crontabRuns: ['signal_check.py'],
  crontabDoesNotRun: ['check_positions.py'],
  files: ['/app/scripts/signal_check.py'],
} as const;

/** The configured target commit of the runbook (v3.2.0 is 238760b: its tag points elsewhere). */
export const RUNBOOK_TARGET_COMMIT = '238760b';

/**
 * The catalogue entry a rollback goes to: the one the operator names, else the running release's
 * predecessor. Without a recognised running release and no name, there is none (the configured commit
 * and verification of the runbook apply, as before the catalogue).
 */
export function chooseRollbackTarget(
  catalogue: readonly Release[],
  running: Release | undefined,
  named: string | undefined,
): { ok: true; target?: Release } | { ok: false; reason: string } {
  const find = (name: string) => catalogue.find((r) => r.release === name);
  if (named !== undefined) {
    const target = find(named);
    return target ? { ok: true, target } : { ok: false, reason: `rollback.targetRelease ${named} is not in the release catalogue` };
  }
  if (!running) return { ok: true };
  if (running.predecessor === undefined) {
    return { ok: false, reason: `${running.release} is the oldest catalogued release: there is no predecessor to roll back to` };
  }
  const target = find(running.predecessor);
  return target
    ? { ok: true, target }
    : { ok: false, reason: `the predecessor ${running.predecessor} of ${running.release} is not in the release catalogue` };
}

/** The records the target cannot load, or undefined when it loads every one of them. */
export function loadBlock(release: RollbackRelease): PlanBlock | undefined {
  const { target, records } = release;
  const found = [
    ...unloadableRecords('positions.json', 'position_id', records.positions ?? [], target.positions),
    ...unloadableRecords('entries.json', 'entry_id', records.entries ?? [], target.entries),
  ];
  if (found.length === 0) return undefined;
  return { target: target.release, targetCommit: target.commit, ...(release.from ? { from: release.from } : {}), records: found };
}

/** Records shown by name in a blocked plan's text; the rest are counted. */
export const BLOCK_RECORDS_SHOWN = 5;

/** The English line of a blocked plan, for the logs and the journal (the operator reads the typed text). */
export function blockedReason(block: PlanBlock): string {
  const shown = block.records.slice(0, BLOCK_RECORDS_SHOWN).map(describeRecord).join('; ');
  const more = block.records.length > BLOCK_RECORDS_SHOWN ? `; and ${block.records.length - BLOCK_RECORDS_SHOWN} more records` : '';
  return `rollback blocked: the target ${block.target} (${block.targetCommit}) cannot load the current state files${block.from ? ` written by ${block.from}` : ''}: ${shown}${more}; nothing was stopped, backed up or recreated`;
}

export function describeRecord(r: UnloadableRecord): string {
  const parts = [
    r.unknown.length > 0 ? `unknown ${r.unknown.join(', ')}` : undefined,
    r.missing.length > 0 ? `missing ${r.missing.join(', ')}` : undefined,
  ].filter((p) => p !== undefined);
  return `${r.file} ${r.record}: ${parts.join(', ')}`;
}

/**
 * The user a recreated container must run as for the target: a Debian-cron release runs `cron -f`,
 * which needs root, so a container whose own user is not root (`user: 1000:1000` of the v3.4+ compose)
 * gets root. Undefined: keep the container's own user.
 */
export function targetUser(target: Release, currentUser: string | undefined): string | undefined {
  const isRoot = (u: string | undefined) => u === undefined || u === '' || u === 'root' || u === '0' || u.startsWith('0:');
  if (target.recognition.runner === 'debian-cron' && target.recognition.user === 'root' && !isRoot(currentUser)) return 'root';
  return undefined;
}

/** The releases the engine knows when it plans: the catalogue, and the running release once recognised. */
export interface ReleaseContext {
  catalogue: readonly Release[];
  running?: Release;
}

/** What a rollback verifies: the operator's lists where given, else the target's `verify`, else the runbook's. */
export function verifySpecFor(
  configured: { crontabRuns?: string[] | undefined; crontabDoesNotRun?: string[] | undefined; files?: string[] | undefined },
  target: Release | undefined,
): { crontabRuns: string[]; crontabDoesNotRun: string[]; files: string[] } {
  const fallback = target?.verify ?? RUNBOOK_VERIFY;
  return {
    crontabRuns: configured.crontabRuns ?? [...fallback.crontabRuns],
    crontabDoesNotRun: configured.crontabDoesNotRun ?? [...fallback.crontabDoesNotRun],
    files: configured.files ?? [...fallback.files],
  };
}

/** The commit the git strategy builds: the operator's, else the target release's, else the runbook's v3.2.0. */
export function targetCommitFor(configured: string | undefined, target: Release | undefined): string {
  return configured ?? target?.commit ?? RUNBOOK_TARGET_COMMIT;
}
