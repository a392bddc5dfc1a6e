// The sidecar's own health: a source (Docker, a log file, a state file) that keeps failing to be read.
// Its outcome is `error`, never `fail`: an unreadable source is a reason to tell the operator, never
// a reason to roll back (ENGINEERING §2.2, Argo's Error outcome).
import type { RuleOf } from '../../config/schema.ts';
import type { Instant, Verdict } from '../types.ts';
import type { World } from '../world.ts';
import { say } from '../verdict-text.ts';
import { note } from '../evidence-text.ts';

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
