// Lines that mean a safety guard of the guarded system tripped (releases.md: the kill switch from v3.7.0,
// the cost budget from v3.8.1): by design, not a fault. The catalogue lists them per release (`guardLines`);
// a rule may name its own. They never fail a run and never call for a rollback: a rollback cures nothing
// and, to a release without the guard, only removes the guard.
import type { GuardLine, Release } from '../config/catalogue-schema.ts';
import type { TracebackEvidence } from './types.ts';

/** A guard line as a rule or the catalogue gives it; `source` is only evidence. */
export type GuardMatch = Pick<GuardLine, 'guard' | 'match'>;

/** The guard lines in force: the rule's own when it names some, else the running release's, else none. */
export function guardsInForce(override: readonly GuardMatch[] | undefined, release: Release | undefined): readonly GuardMatch[] {
  return override ?? release?.guardLines ?? [];
}

/** The guard a line shows tripped, if any. */
export function guardOf(text: string, guards: readonly GuardMatch[]): GuardMatch | undefined {
  return guards.find((g) => g.match.length > 0 && text.includes(g.match));
}

/**
 * The v3.8.1+ trap (releases.md): in Docker a tripped cost budget calls `KillSwitch.activate()`, whose
 * `_save()` creates a temp file in /app/config, which the image leaves to root; as uid 1000 `mkstemp`
 * raises PermissionError before `킬 스위치 활성화` is logged, so the guard trip looks like a crash in every
 * run. Recognised by the error and the kill switch's own frame in the traceback.
 */
export function isKillSwitchSaveFailure(traceback: TracebackEvidence): boolean {
  return traceback.error.startsWith('PermissionError') && traceback.excerpt.some((line) => line.includes('kill_switch.py'));
}

/** Whether the release has a kill switch whose save can fail that way. */
export function hasKillSwitch(release: Release | undefined): boolean {
  return (
    release !== undefined &&
    (release.halt.some((h) => h.lever === 'kill-switch') || release.guardLines.some((g) => g.guard === 'kill-switch'))
  );
}
