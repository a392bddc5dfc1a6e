// A halt stops the cron container; the plan says what that stops on the RUNNING release (catalogue
// `halt[].stops`): every scheduled job at v3.2.x, also exits and intraday stop-loss alerts from v3.6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan, planSteps, type PlanFacts } from '../src/core/plan.ts';
import { containerHaltStops } from '../src/core/halt-levers.ts';
import { sha256Hex } from '../src/runtime/sha256.ts';
import { V320, V391 } from './helpers/releases.ts';

const CRON_ID = 'c'.repeat(64);

function haltFacts(over: Partial<PlanFacts> = {}): PlanFacts {
  return {
    action: 'halt',
    strategy: 'auto',
    cronContainer: 'turtle-cron',
    configured: ['turtle-cron'],
    containers: {
      'turtle-cron': {
        name: 'turtle-cron',
        id: CRON_ID,
        imageId: 'sha256:' + '39'.repeat(32),
        imageRef: 'turtle_trading-turtle-cron',
        status: 'running',
        config: { env: [], binds: [], ports: [], restart: 'unless-stopped', networks: [], labels: 0 },
      },
    },
    backup: { reference: 'turtle-trading:pre-v3.2.1-backup' },
    rollbackTag: { reference: 'turtle-trading:rollback-v3.2.0' },
    composeSeparator: '-',
    composeImages: {},
    git: { enabled: false },
    verify: { crontabRuns: [], crontabDoesNotRun: [], files: [] },
    failedTargets: [],
    force: false,
    display: { dataDir: 'data', logsDir: 'logs' },
    ...over,
  };
}

function haltLine(facts: PlanFacts, lang: 'ko' | 'en'): string {
  const r = buildPlan(facts, sha256Hex);
  assert.ok(r.ok, !r.ok ? r.reason : '');
  return planSteps(r.plan.preview, lang).at(-1)!;
}

test('at v3.9.1 the halt says it also stops exits and intraday stop-loss alerts, in English and Korean', () => {
  const facts = haltFacts({ haltStops: containerHaltStops(V391)! });
  assert.equal(
    haltLine(facts, 'en'),
    'stop turtle-cron (container cccccccccccc): on v3.9.1 this stops every scheduled job, exits and intraday stop-loss alerts; nothing else is touched',
  );
  assert.equal(
    haltLine(facts, 'ko'),
    'turtle-cron (컨테이너 cccccccccccc) 정지: v3.9.1에서는 모든 예약 작업, 청산, 장중 손절 알림이 멈춤; 다른 것은 건드리지 않음',
  );
});

test('at v3.2.0 it stops every scheduled job; without a recognised release the words are as before', () => {
  assert.equal(
    haltLine(haltFacts({ haltStops: containerHaltStops(V320)! }), 'en'),
    'stop turtle-cron (container cccccccccccc): on v3.2.0 this stops every scheduled job; nothing else is touched',
  );
  assert.equal(
    haltLine(haltFacts({ haltStops: containerHaltStops(V320)! }), 'ko'),
    'turtle-cron (컨테이너 cccccccccccc) 정지: v3.2.0에서는 모든 예약 작업이 멈춤; 다른 것은 건드리지 않음',
  );
  assert.equal(haltLine(haltFacts(), 'en'), 'stop turtle-cron (container cccccccccccc): the scheduled jobs stop; nothing else is touched');
  assert.equal(containerHaltStops(undefined), undefined);
});
