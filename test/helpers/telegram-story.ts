// The shared cast of the Telegram story tests: the rollback plan, an action port that records what it
// is asked to execute, and the container-state rule that proposes the rollback.
import { ruleSchema, type Rule } from '../../src/config/schema.ts';
import type { ExecutionReport, PlanPreview } from '../../src/core/types.ts';
import type { ActionPort } from '../../src/ports/action.ts';

export const STORY_PLAN: PlanPreview = {
  id: 'plan-abc',
  action: 'rollback',
  strategy: 'image-tag',
  steps: ['back up positions.json', 'recreate turtle-cron from sha256:v320'],
  targetImageId: 'sha256:v320',
};

/** An action port that plans STORY_PLAN and records each incident it executes (reporting only `started`). */
export function recordingActions(executed: string[]): ActionPort {
  return {
    plan: async () => ({ ok: true, plan: STORY_PLAN }),
    async execute(incidentId, _action, planId, report: (r: ExecutionReport) => void) {
      executed.push(incidentId);
      report({ kind: 'started', planId });
    },
  };
}

/** `cron-down`: turtle-cron not running for 2 minutes proposes a rollback under the given approval. */
export function cronDownRule(approval: Record<string, unknown>): Rule {
  return ruleSchema.parse({
    id: 'cron-down',
    kind: 'container-state',
    action: 'rollback',
    approval,
    params: { containers: ['turtle-cron'], notRunningFor: '2m' },
  });
}
