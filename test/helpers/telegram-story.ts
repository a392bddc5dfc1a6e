// The shared cast of the Telegram story tests: the rollback plan (the decision tests propose it too), an
// action port that records what it is asked to execute, the container-state rule that proposes the
// rollback, and the event loop a story runs on.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ruleSchema, type Rule } from '../../src/config/schema.ts';
import type { Instant, ExecutionReport, PlanPreview } from '../../src/core/types.ts';
import { openEventLoop, type EventLoop, type EventLoopOptions } from '../../src/runtime/event-loop.ts';
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

/** The real event loop over `stateDir`, silent, its clock read through `now`; fails the test if it cannot open. */
export async function openStoryLoop(
  now: () => Instant,
  options: Pick<EventLoopOptions, 'stateDir' | 'notifier' | 'context' | 'actions'>,
): Promise<EventLoop> {
  const opened = await openEventLoop({ ...options, clock: { now }, logger: pino({ level: 'silent' }) });
  assert.ok(opened.ok);
  return opened.loop;
}

/** turtle-cron seen running, then exited at `at`: the cron-down rule starts counting from there. */
export async function cronGoesDown(loop: EventLoop, at: Instant): Promise<void> {
  await loop.submit({ kind: 'container', container: { name: 'turtle-cron', status: 'running', restartCount: 0, observedAt: at } });
  await loop.submit({ kind: 'container', container: { name: 'turtle-cron', status: 'exited', restartCount: 0, observedAt: at } });
}
