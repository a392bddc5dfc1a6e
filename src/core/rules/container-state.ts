// Rule kind `container-state`: a guarded container that stays down, or restarts too often. The runbook's
// verification reads container state, and a stopped cron container is a missed-run cause by itself.
import type { RuleOf } from '../../config/schema.ts';
import type { Evidence, Instant, Verdict } from '../types.ts';
import type { ContainerHistory, World } from '../world.ts';
import { say } from '../verdict-text.ts';
import { note } from '../evidence-text.ts';
import { z } from 'zod';
import { duration } from '../../config/duration.ts';
import { containerName } from '../../config/fields.ts';
import { NO_NEEDLES, PLAIN_TRAITS, type RuleKind } from './rule-kind.ts';

export const containerStateParams = z
  .strictObject({
    containers: z.array(containerName).min(1).default(['turtle-cron']),
    /** Not running for this long fires (a restart in progress is given this much time). */
    notRunningFor: duration.prefault('2m'),
    /** Restarts within `restartWindow` above this count fire. */
    maxRestarts: z.number().int().min(0).default(3),
    restartWindow: duration.prefault('1h'),
  })
  .prefault({});

export function evaluateContainerState(rule: RuleOf<'container-state'>, world: World, now: Instant): Verdict[] {
  return rule.params.containers.map((name) => judgeContainer(rule, name, world.containers[name], now));
}

function judgeContainer(rule: RuleOf<'container-state'>, name: string, history: ContainerHistory | undefined, now: Instant): Verdict {
  const base = { ruleId: rule.id, cause: name };
  const { notRunningFor, maxRestarts, restartWindow } = rule.params;
  if (!history) {
    return {
      ...base,
      outcome: 'inconclusive',
      ...say({ key: 'container.unobserved', params: { name } }),
      evidence: [{ kind: 'note', ...note({ key: 'container.no-observation', params: {} }) }],
    };
  }
  const c = history.current;
  const recentRestarts = history.restarts.filter((at) => at > now - restartWindow && at <= now);
  const restartEvidence: Evidence[] =
    recentRestarts.length > 0
      ? [
          {
            kind: 'container',
            ...note({
              key: 'container.restarts',
              params: { count: recentRestarts.length, window: restartWindow, at: recentRestarts.map((t) => new Date(t).toISOString()) },
            }),
            at: recentRestarts.at(-1)!,
          },
        ]
      : [];
  const stateEvidence: Evidence = {
    kind: 'container',
    ...note({
      key: 'container.state',
      params: {
        name,
        status: c.status,
        ...(c.imageRef ? { image: c.imageRef } : {}),
        ...(c.imageId ? { imageId: c.imageId.replace(/^sha256:/, '').slice(0, 12) } : {}),
        restartCount: c.restartCount,
        ...(c.startedAt !== undefined ? { startedAt: new Date(c.startedAt).toISOString() } : {}),
        observedAt: new Date(c.observedAt).toISOString(),
      },
    }),
    at: c.observedAt,
  };

  const downFor = c.status === 'running' ? 0 : now - (history.notRunningSince ?? c.observedAt);
  if (c.status !== 'running' && downFor >= notRunningFor) {
    return {
      ...base,
      outcome: 'fail',
      label: c.status === 'missing' ? 'missing' : 'not-running',
      ...say(
        c.status === 'missing'
          ? { key: 'container.missing', params: { name, downFor } }
          : { key: 'container.not-running', params: { name, status: c.status, downFor, limit: notRunningFor } },
      ),
      evidence: [stateEvidence, ...restartEvidence],
    };
  }
  // Checked whatever the current state: a crash loop is mostly seen in `restarting`.
  if (recentRestarts.length > maxRestarts) {
    return {
      ...base,
      outcome: 'fail',
      label: 'restart-loop',
      ...say({
        key: 'container.restart-loop',
        params: { name, restarts: recentRestarts.length, window: restartWindow, limit: maxRestarts },
      }),
      evidence: [stateEvidence, ...restartEvidence],
    };
  }
  if (c.status !== 'running') {
    // Within the allowance: a restart or a recreation in progress is given time to finish.
    return {
      ...base,
      outcome: 'pass',
      ...say({ key: 'container.down-within', params: { name, status: c.status, downFor, allowance: notRunningFor } }),
      evidence: [stateEvidence, ...restartEvidence],
    };
  }
  // Docker's own healthcheck (turtle-cron from v3.4.0: `pgrep -x supercronic`) failed its retries:
  // running, but not doing its job. Absent before v3.4.0, so nothing changes there.
  if (c.health === 'unhealthy') {
    return {
      ...base,
      outcome: 'fail',
      label: 'unhealthy',
      ...say({ key: 'container.unhealthy', params: { name } }),
      evidence: [stateEvidence, ...restartEvidence],
    };
  }
  return {
    ...base,
    outcome: 'pass',
    ...say({ key: 'container.running', params: { name } }),
    evidence: [stateEvidence, ...restartEvidence],
  };
}

/** When a container that is down now has been down for the allowance: judged then, not at the runtime's next tick. */
export function containerStateNextChange(rule: RuleOf<'container-state'>, world: World, now: Instant): Instant | undefined {
  const times = rule.params.containers.flatMap((name) => {
    const history = world.containers[name];
    if (!history || history.current.status === 'running') return [];
    const at = (history.notRunningSince ?? history.current.observedAt) + rule.params.notRunningFor;
    return at > now ? [at] : [];
  });
  return times.length > 0 ? Math.min(...times) : undefined;
}

export const containerStateKind: RuleKind<'container-state'> = {
  params: containerStateParams,
  evaluate: evaluateContainerState,
  nextChange: containerStateNextChange,
  logNeedles: NO_NEEDLES,
  traits: PLAIN_TRAITS,
};
