// A safety guard of the guarded system tripped (kill switch on, cost budget tripped): by design, not a
// fault. One incident per guard, escalated once with what it means, however many runs log it; never a
// rollback (the kind refuses one). The lines come from the running release's catalogue entry
// (`guardLines`), or from the rule's own list. Also the v3.8.1+ trap where turning the kill switch on
// crashes as uid 1000 (guard-lines.ts): a guard trip that looks like a crash, named as such.
import type { Rule as AnyRule, RuleOf } from '../../config/schema.ts';
import type { Release } from '../../config/catalogue-schema.ts';
import type { Evidence, Instant, Run, Verdict } from '../types.ts';
import type { World } from '../world.ts';
import { guardOf, guardsInForce, hasKillSwitch, isKillSwitchSaveFailure, type GuardMatch } from '../guard-lines.ts';
import { guardLineSchema } from '../../config/catalogue-schema.ts';
import { duration } from '../../config/duration.ts';
import { say } from '../verdict-text.ts';
import { PLAIN_TRAITS, type RuleKind } from './rule-kind.ts';
import { z } from 'zod';

export const guardTrippedParams = z
  .strictObject({
    /** Guard lines to watch instead of the running release's (catalogue `guardLines`). */
    guards: z
      .array(guardLineSchema.pick({ guard: true, match: true }))
      .min(1)
      .optional(),
    /** A guard line seen within this long keeps the incident open: guards log on some runs only (signals). */
    window: duration.prefault('24h'),
  })
  .prefault({});

type Rule = RuleOf<'guard-tripped'>;

export const guardCause = (guard: string) => `guard:${guard}`;
export const CAUSE_KILL_SWITCH_UNSAVED = 'guard:kill-switch-unsaved';

const GUARDS = guardLineSchema.shape.guard.options;

/** A line of a run that shows `guard` tripped, with the run's job. */
interface Sighting {
  jobId: string;
  line: string;
  at: Instant;
}

export function evaluateGuardTripped(rule: Rule, world: World, now: Instant): Verdict[] {
  const guards = guardsInForce(rule.params.guards, world.release?.release);
  const recent = recentRuns(world, now - rule.params.window);
  const verdicts: Verdict[] = [];
  for (const guard of GUARDS) {
    const watched = guards.filter((g) => g.guard === guard);
    if (watched.length === 0) continue;
    verdicts.push(guardVerdict(rule, guard, sightings(recent, watched)));
  }
  if (hasKillSwitch(world.release?.release)) verdicts.push(unsavedVerdict(rule, recent));
  return verdicts;
}

function guardVerdict(rule: Rule, guard: GuardMatch['guard'], seen: Sighting[]): Verdict {
  const base = { ruleId: rule.id, cause: guardCause(guard) };
  const last = seen.at(-1);
  if (!last) return { ...base, outcome: 'pass', ...say({ key: 'guard.quiet', params: { guard } }), evidence: [] };
  return {
    ...base,
    outcome: 'fail',
    label: guard,
    ...say({ key: 'guard.tripped', params: { guard, jobId: last.jobId, line: last.line } }),
    evidence: seen.slice(-10).map((s): Evidence => ({ kind: 'log', file: s.jobId, text: s.line, at: s.at })),
  };
}

function unsavedVerdict(rule: Rule, runs: readonly Run[]): Verdict {
  const base = { ruleId: rule.id, cause: CAUSE_KILL_SWITCH_UNSAVED };
  const crashed = runs.flatMap((run) => run.tracebacks.filter(isKillSwitchSaveFailure).map((tb) => ({ run, tb })));
  const last = crashed.at(-1);
  if (!last) return { ...base, outcome: 'pass', ...say({ key: 'guard.quiet', params: { guard: 'kill-switch' } }), evidence: [] };
  return {
    ...base,
    outcome: 'fail',
    label: 'kill-switch-unsaved',
    ...say({ key: 'guard.kill-switch-unsaved', params: { jobId: last.run.jobId, error: last.tb.error } }),
    evidence: crashed
      .slice(-5)
      .map(({ run, tb }): Evidence => ({ kind: 'log', file: run.jobId, text: tb.excerpt.join('\n'), at: run.startedAt })),
  };
}

/** Runs (open ones included) that ended, or started, since `since`, oldest first. */
function recentRuns(world: World, since: Instant): Run[] {
  return Object.values(world.runs)
    .flat()
    .filter((run) => (run.finishedAt ?? run.startedAt) >= since)
    .sort((a, b) => a.startedAt - b.startedAt);
}

function sightings(runs: readonly Run[], guards: readonly GuardMatch[]): Sighting[] {
  const seen: Sighting[] = [];
  for (const run of runs) {
    for (const line of [...(run.guardLines ?? []), ...run.errorLines]) {
      if (guardOf(line, guards) && !seen.some((s) => s.line === line && s.jobId === run.jobId)) {
        seen.push({ jobId: run.jobId, line, at: run.finishedAt ?? run.startedAt });
      }
    }
  }
  return seen;
}

/**
 * The substrings the runs keep as guard lines: the running release's, and those guard rules name
 * themselves (the failure rules then never count them, whatever pattern they match).
 */
export function guardPatternsOf(rules: readonly AnyRule[], release: Release | undefined): string[] {
  const own = rules.flatMap((r) => (r.kind === 'guard-tripped' && r.mode !== 'off' ? (r.params.guards ?? []) : []));
  return [...new Set([...guardsInForce(undefined, release), ...own].map((g) => g.match))];
}

/** Needs the guard lines read (the rule's own; the release's are added by the step), and never rolls back. */
export const guardTrippedKind: RuleKind<'guard-tripped'> = {
  params: guardTrippedParams,
  evaluate: evaluateGuardTripped,
  logNeedles: (params) => (params.guards ?? []).map((g) => g.match),
  traits: {
    ...PLAIN_TRAITS,
    judgedAtRunBoundaries: true,
    neverActs: {
      actions: ['rollback', 'halt'],
      why: 'a tripped guard is the guarded system protecting itself: a rollback cures nothing and, to a release without the guard, only removes it',
    },
  },
};
