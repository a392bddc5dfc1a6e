// The registry of rule kinds, keyed by the `kind` of rules/*.yaml: the one place a kind is looked up.
// The `satisfies` makes the compiler refuse a kind that the schema knows but the registry lacks, and a
// kind whose params schema is not the one the schema built the rule from.
import type { Rule, RuleKindName } from '../../config/schema.ts';
import type { Instant, Verdict } from '../types.ts';
import type { World } from '../world.ts';
import type { PositionKeys } from '../positions.ts';
import type { Release } from '../../config/catalogue-schema.ts';
import type { RuleKind, RuleTraits } from './rule-kind.ts';
import { say } from '../verdict-text.ts';
import { cronScheduleKind } from './cron-schedule.ts';
import { repeatedFailuresKind } from './repeated-failures.ts';
import { telegramDeliveryKind } from './telegram-delivery.ts';
import { positionsIntegrityKind } from './positions-integrity.ts';
import { fillIntegrityKind } from './fill-integrity.ts';
import { containerStateKind } from './container-state.ts';
import { sourceHealthKind } from './source-health.ts';
import { guardTrippedKind } from './guard-tripped.ts';

const kinds = {
  'cron-schedule': cronScheduleKind,
  'repeated-failures': repeatedFailuresKind,
  'telegram-delivery': telegramDeliveryKind,
  'positions-integrity': positionsIntegrityKind,
  'fill-integrity': fillIntegrityKind,
  'container-state': containerStateKind,
  'source-health': sourceHealthKind,
  'guard-tripped': guardTrippedKind,
} satisfies { [K in RuleKindName]: RuleKind<K> };

/** One rule's kind module, typed for the rule's own params. */
function kindOf<K extends RuleKindName>(rule: Extract<Rule, { kind: K }>): RuleKind<K> {
  return kinds[rule.kind] as unknown as RuleKind<K>;
}

export function traitsOf(rule: Pick<Rule, 'kind'>): RuleTraits {
  return kinds[rule.kind].traits;
}

/** The plain substrings the log pre-filter must let through for these rules, once each. */
export function logNeedles(rules: readonly Rule[]): string[] {
  return [...new Set(rules.flatMap((rule) => kindOf(rule).logNeedles(rule.params as never)))];
}

/** The substrings that make a run failed, from every rule that defines some, once each. */
export function runFailurePatterns(rules: readonly Rule[]): string[] {
  return [...new Set(rules.flatMap((rule) => kindOf(rule).runFailurePatterns?.(rule.params as never) ?? []))];
}

/**
 * The position record keys: from the first rule that defines them, else the positions-integrity defaults;
 * lists a rule does not set come from the running release, when it is known.
 */
export function positionKeysOf(rules: readonly Rule[], release?: Release): PositionKeys {
  for (const rule of rules) {
    const keys = kindOf(rule).positionKeys?.(rule.params as never, release);
    if (keys) return keys;
  }
  return positionsIntegrityKind.positionKeys!(positionsIntegrityKind.params.parse({}), release);
}

/**
 * The first instant after `now` at which a rule that is not off may judge differently with nothing new
 * observed (the earliest deadline of the time-judged kinds), or undefined. A rule that throws here is
 * left out: its evaluation reports the bug.
 */
export function nextChange(rules: readonly Rule[], world: World, now: Instant): Instant | undefined {
  let first: Instant | undefined;
  for (const rule of rules) {
    if (rule.mode === 'off') continue;
    let at: Instant | undefined;
    try {
      at = kindOf(rule).nextChange?.(rule as never, world, now);
    } catch {
      continue;
    }
    if (at !== undefined && at > now && (first === undefined || at < first)) first = at;
  }
  return first;
}

/** Evaluate one rule; an exception inside a rule is a bug, reported as an `error` verdict, never a firing. */
export function evaluateRule(rule: Rule, world: World, now: Instant): Verdict[] {
  try {
    return kindOf(rule).evaluate(rule as never, world, now);
  } catch (err) {
    return [
      {
        ruleId: rule.id,
        outcome: 'error',
        cause: 'rule-crashed',
        ...say({ key: 'rule.crashed', params: { ruleId: rule.id, error: err instanceof Error ? err.message : String(err) } }),
        evidence: [],
      },
    ];
  }
}
