// The sidecar's own health: a source (Docker, a log file, a state file) that keeps failing to be read.
// Its outcome is `error`, never `fail`: an unreadable source is a reason to tell the operator, never
// a reason to roll back (ENGINEERING §2.2, Argo's Error outcome).
import type { RuleOf } from '../../config/schema.ts';
import type { Instant, Verdict } from '../types.ts';
import type { World } from '../world.ts';
import { say } from '../verdict-text.ts';
import { note } from '../evidence-text.ts';
import { z } from 'zod';
import { NO_NEEDLES, PLAIN_TRAITS, type RuleKind } from './rule-kind.ts';

export const sourceHealthParams = z
  .strictObject({
    /** Consecutive errors of one source before the operator is told. */
    consecutiveErrors: z.number().int().min(1).default(3),
  })
  .prefault({});

export function evaluateSourceHealth(rule: RuleOf<'source-health'>, world: World, _now: Instant): Verdict[] {
  return Object.entries(world.sources).map(([source, health]): Verdict => {
    if (health.consecutiveErrors >= rule.params.consecutiveErrors) {
      return {
        ruleId: rule.id,
        outcome: 'error',
        cause: source,
        ...say({
          key: 'source.failing',
          params: { source, count: health.consecutiveErrors, ...(health.lastError !== undefined ? { error: health.lastError } : {}) },
        }),
        evidence: [
          {
            kind: 'note',
            ...note({ key: 'source.last-error', params: health.lastError !== undefined ? { error: health.lastError } : {} }),
            ...(health.lastErrorAt !== undefined ? { at: health.lastErrorAt } : {}),
          },
        ],
      };
    }
    return { ruleId: rule.id, outcome: 'pass', cause: source, ...say({ key: 'source.ok', params: { source } }), evidence: [] };
  });
}

/** An unreadable source is an `error`, reported, and never a reason to stop or roll back (SPEC §2). */
export const sourceHealthKind: RuleKind<'source-health'> = {
  params: sourceHealthParams,
  evaluate: evaluateSourceHealth,
  logNeedles: NO_NEEDLES,
  traits: {
    ...PLAIN_TRAITS,
    neverActs: {
      actions: ['rollback', 'halt'],
      why: 'a source the sidecar cannot read says nothing about the deployment',
    },
  },
};
