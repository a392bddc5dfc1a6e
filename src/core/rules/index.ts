// The table of rule kinds, keyed by the `kind` of rules/*.yaml. The mapped type makes the compiler
// refuse a kind that the schema knows but the table lacks.
import type { Rule } from '../../config/schema.ts';
import type { Instant, Verdict } from '../types.ts';
import type { World } from '../world.ts';
import type { RuleEvaluator, RuleTable } from './rule-kind.ts';
import { say } from '../verdict-text.ts';
import { evaluateCronSchedule } from './cron-schedule.ts';
import { evaluateRepeatedFailures } from './repeated-failures.ts';
import { evaluateTelegramDelivery } from './telegram-delivery.ts';
import { evaluatePositionsIntegrity } from './positions-integrity.ts';
import { evaluateFillIntegrity } from './fill-integrity.ts';
import { evaluateContainerState } from './container-state.ts';
import { evaluateSourceHealth } from './source-health.ts';

const table: RuleTable = {
  'cron-schedule': evaluateCronSchedule,
  'repeated-failures': evaluateRepeatedFailures,
  'telegram-delivery': evaluateTelegramDelivery,
  'positions-integrity': evaluatePositionsIntegrity,
  'fill-integrity': evaluateFillIntegrity,
  'container-state': evaluateContainerState,
  'source-health': evaluateSourceHealth,
};

/** Evaluate one rule; an exception inside a rule is a bug, reported as an `error` verdict, never a firing. */
export function evaluateRule(rule: Rule, world: World, now: Instant): Verdict[] {
  const evaluate = table[rule.kind] as RuleEvaluator<typeof rule.kind>;
  try {
    return evaluate(rule as never, world, now);
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
