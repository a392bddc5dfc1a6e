// Tests of the container-state rule: down too long, restart loops, never observed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleOf } from '../src/config/schema.ts';
import { containerStateNextChange, evaluateContainerState } from '../src/core/rules/container-state.ts';
import type { ContainerObservation, Instant } from '../src/core/types.ts';
import type { ContainerHistory, World } from '../src/core/world.ts';
import { ruleOf, worldWith } from './helpers/world.ts';

const NOW = Date.parse('2026-02-23T07:30:00Z');
const S = 1000;
const MIN = 60 * S;

function rule(params: Record<string, unknown> = {}): RuleOf<'container-state'> {
  return ruleOf('container-state', params, { id: 'containers' });
}

function history(
  name: string,
  status: ContainerObservation['status'],
  extra: { notRunningSince?: Instant; restarts?: Instant[]; restartCount?: number } = {},
): ContainerHistory {
  return {
    current: {
      name,
      status,
      restartCount: extra.restartCount ?? 0,
      observedAt: NOW - 10 * S,
      ...(status === 'missing'
        ? {}
        : { imageId: 'sha256:0123456789abcdef', imageRef: 'turtle_trading-turtle-cron', startedAt: NOW - 3 * 60 * MIN }),
    },
    restarts: extra.restarts ?? [],
    ...(extra.notRunningSince !== undefined ? { notRunningSince: extra.notRunningSince } : {}),
  };
}

function world(containers: Record<string, ContainerHistory>): World {
  return worldWith(NOW, { watchStartedAt: NOW - 24 * 60 * MIN, jobsSince: NOW - 24 * 60 * MIN, containers });
}

describe('container-state', () => {
  it('passes a running container', () => {
    const [v] = evaluateContainerState(rule(), world({ 'turtle-cron': history('turtle-cron', 'running') }), NOW);
    assert.equal(v!.outcome, 'pass');
    assert.equal(v!.cause, 'turtle-cron');
    assert.match(v!.evidence[0]!.text, /turtle-cron: running, image turtle_trading-turtle-cron \(0123456789ab\), restart count 0/);
  });

  for (const status of ['exited', 'restarting', 'paused', 'dead', 'created'] as const) {
    it(`fails a container ${status} for at least notRunningFor, passes it before`, () => {
      const r = rule();
      const young = evaluateContainerState(
        r,
        world({ 'turtle-cron': history('turtle-cron', status, { notRunningSince: NOW - 2 * MIN + 1 }) }),
        NOW,
      )[0]!;
      assert.equal(young.outcome, 'pass');
      const old = evaluateContainerState(
        r,
        world({ 'turtle-cron': history('turtle-cron', status, { notRunningSince: NOW - 2 * MIN }) }),
        NOW,
      )[0]!;
      assert.equal(old.outcome, 'fail');
      assert.equal(old.label, 'not-running');
      assert.equal(old.summary, `turtle-cron is ${status}, not running, for 2m (limit 2m)`);
    });
  }

  it('fails a missing container, counting from when it was first seen missing', () => {
    const v = evaluateContainerState(
      rule({ notRunningFor: '5m' }),
      world({ 'turtle-cron': history('turtle-cron', 'missing', { notRunningSince: NOW - 6 * MIN }) }),
      NOW,
    )[0]!;
    assert.equal(v.outcome, 'fail');
    assert.equal(v.label, 'missing');
    assert.equal(v.summary, 'turtle-cron does not exist (for 6m)');
  });

  it('fails more than maxRestarts restarts inside restartWindow, even while restarting', () => {
    const restarts = [NOW - 70 * MIN, NOW - 50 * MIN, NOW - 30 * MIN, NOW - 10 * MIN];
    const r = rule({ maxRestarts: 2, restartWindow: '1h' });
    // Three within the hour (> 2): fires. The one at -70m is outside the window.
    const v = evaluateContainerState(
      r,
      world({ 'turtle-dashboard': history('turtle-dashboard', 'restarting', { restarts, notRunningSince: NOW - 5 * S }) }),
      NOW,
    );
    // Not selected: only turtle-cron is watched by default (the dashboard crash-loops at both versions).
    assert.deepEqual(
      v.map((x) => [x.cause, x.outcome]),
      [['turtle-cron', 'inconclusive']],
    );
    const selected = rule({ containers: ['turtle-dashboard'], maxRestarts: 2, restartWindow: '1h' });
    const [loop] = evaluateContainerState(
      selected,
      world({ 'turtle-dashboard': history('turtle-dashboard', 'restarting', { restarts, notRunningSince: NOW - 5 * S }) }),
      NOW,
    );
    assert.equal(loop!.outcome, 'fail');
    assert.equal(loop!.label, 'restart-loop');
    assert.equal(loop!.summary, 'turtle-dashboard restarted 3 times in 1h (limit 2)');
    const [calm] = evaluateContainerState(
      r,
      world({ 'turtle-cron': history('turtle-cron', 'running', { restarts: restarts.slice(0, 3) }) }),
      NOW,
    );
    assert.equal(calm!.outcome, 'pass', 'two restarts within the hour is not above 2');
  });

  it('is inconclusive for a container never observed, one verdict per selected container', () => {
    const verdicts = evaluateContainerState(
      rule({ containers: ['turtle-cron', 'turtle-dashboard'] }),
      world({ 'turtle-cron': history('turtle-cron', 'running') }),
      NOW,
    );
    assert.deepEqual(
      verdicts.map((v) => [v.cause, v.outcome]),
      [
        ['turtle-cron', 'pass'],
        ['turtle-dashboard', 'inconclusive'],
      ],
    );
  });

  it('running but unhealthy by Docker’s own healthcheck fails at once (supercronic releases); healthy passes', () => {
    const sick = history('turtle-cron', 'running');
    sick.current.health = 'unhealthy';
    const [v] = evaluateContainerState(rule(), world({ 'turtle-cron': sick }), NOW);
    assert.equal(v!.outcome, 'fail');
    assert.equal(v!.label, 'unhealthy');
    assert.equal(v!.summary, 'turtle-cron is running but Docker reports it unhealthy (its healthcheck failed)');
    const well = history('turtle-cron', 'running');
    well.current.health = 'healthy';
    assert.equal(evaluateContainerState(rule(), world({ 'turtle-cron': well }), NOW)[0]!.outcome, 'pass');
  });

  it('next change: a down container is judged again when its allowance runs out; a running one never', () => {
    const since = NOW - 30 * S;
    const down = world({ 'turtle-cron': history('turtle-cron', 'exited', { notRunningSince: since }) });
    const at = containerStateNextChange(rule(), down, NOW);
    assert.equal(at, since + 2 * MIN);
    assert.equal(evaluateContainerState(rule(), down, at! - 1)[0]!.outcome, 'pass');
    assert.equal(evaluateContainerState(rule(), down, at!)[0]!.outcome, 'fail');
    assert.equal(containerStateNextChange(rule(), down, at!), undefined, 'already past: nothing pending');
    assert.equal(containerStateNextChange(rule(), world({ 'turtle-cron': history('turtle-cron', 'running') }), NOW), undefined);
  });
});
