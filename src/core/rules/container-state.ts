// Rule kind `container-state`: a guarded container that stays down, or restarts too often. The runbook's
// verification reads container state, and a stopped cron container is a missed-run cause by itself.
import type { RuleOf } from '../../config/schema.ts';
import { formatDuration } from '../schedule.ts';
import type { Evidence, Instant, Verdict } from '../types.ts';
import type { ContainerHistory, World } from '../world.ts';
import { say } from '../verdict-text.ts';

export function evaluateContainerState(rule: RuleOf<'container-state'>, world: World, now: Instant): Verdict[] {
  return rule.params.containers.map((name) => judgeContainer(rule, name, world.containers[name], now));
}

function judgeContainer(rule: RuleOf<'container-state'>, name: string, history: ContainerHistory | undefined, now: Instant): Verdict {
  const base = { ruleId: rule.id, cause: name };
  const { notRunningFor, maxRestarts, restartWindow } = rule.params;
  if (!history) {
    return { ...base, outcome: 'inconclusive', ...say({ key: 'container.unobserved', params: { name } }), evidence: [{ kind: 'note', text: 'no inspect result and no event for this container so far' }] };
  }
  const c = history.current;
  const recentRestarts = history.restarts.filter((at) => at > now - restartWindow && at <= now);
  const restartEvidence: Evidence[] = recentRestarts.length > 0
    ? [{ kind: 'container', text: `${recentRestarts.length} restart(s) in the last ${formatDuration(restartWindow)}: ${recentRestarts.map((t) => new Date(t).toISOString()).join(', ')}`, at: recentRestarts.at(-1)! }]
    : [];
  const stateEvidence: Evidence = {
    kind: 'container',
    text: `${name}: ${c.status}${c.imageRef ? `, image ${c.imageRef}` : ''}${c.imageId ? ` (${c.imageId.replace(/^sha256:/, '').slice(0, 12)})` : ''}, restart count ${c.restartCount}${c.startedAt !== undefined ? `, started ${new Date(c.startedAt).toISOString()}` : ''}, observed ${new Date(c.observedAt).toISOString()}`,
    at: c.observedAt,
  };

  const downFor = c.status === 'running' ? 0 : now - (history.notRunningSince ?? c.observedAt);
  if (c.status !== 'running' && downFor >= notRunningFor) {
    return {
      ...base,
      outcome: 'fail',
      label: c.status === 'missing' ? 'missing' : 'not-running',
      ...say(c.status === 'missing'
        ? { key: 'container.missing', params: { name, downFor } }
        : { key: 'container.not-running', params: { name, status: c.status, downFor, limit: notRunningFor } }),
      evidence: [stateEvidence, ...restartEvidence],
    };
  }
  // Checked whatever the current state: a crash loop is mostly seen in `restarting`.
  if (recentRestarts.length > maxRestarts) {
    return {
      ...base,
      outcome: 'fail',
      label: 'restart-loop',
      ...say({ key: 'container.restart-loop', params: { name, restarts: recentRestarts.length, window: restartWindow, limit: maxRestarts } }),
      evidence: [stateEvidence, ...restartEvidence],
    };
  }
  if (c.status !== 'running') {
    // Within the allowance: a restart or a recreation in progress is given time to finish.
    return { ...base, outcome: 'pass', ...say({ key: 'container.down-within', params: { name, status: c.status, downFor, allowance: notRunningFor } }), evidence: [stateEvidence, ...restartEvidence] };
  }
  return { ...base, outcome: 'pass', ...say({ key: 'container.running', params: { name } }), evidence: [stateEvidence, ...restartEvidence] };
}
