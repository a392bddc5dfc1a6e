// Replays simulated weeks of turtle-trading through the real core with the bundled rules:
// normal operation (quiet days, signal days, holidays, UTC stamps, a v3.2.1 → v3.2.0 rollback in
// the middle) opens no incident; each runbook fault opens the incident of its criterion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../../src/config/load-rules.ts';
import { configSchema } from '../../src/config/schema.ts';
import { initialState, step, type CoreState, type StepContext } from '../../src/core/step.ts';
import type { Incident } from '../../src/core/types.ts';
import { stepContextOf } from '../../src/runtime/sentinel.ts';
import { simulate, type SimOptions } from '../sim/turtle-sim.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function bundledContext(): Promise<StepContext> {
  const rules = await loadRules(join(repo, 'rules'));
  assert.ok(rules.ok, rules.ok ? '' : rules.errors.join('\n'));
  return stepContextOf(configSchema.parse({ deployment: { root: '.' } }), rules.rules, rules.profiles);
}

function replay(options: SimOptions, ctx: StepContext): { state: CoreState; opened: Incident[] } {
  const timeline = simulate(options);
  const first = timeline.events[0]!;
  const startAt = first.kind === 'tick' ? first.now : Date.parse(`${options.start}T00:00:00+09:00`);
  let state = initialState(startAt);
  const opened: Incident[] = [];
  for (const event of timeline.events) {
    const r = step(state, event, ctx);
    state = r.state;
    for (const e of r.effects) if (e.kind === 'notify' && e.notice.kind === 'incident-opened') opened.push(e.notice.incident);
  }
  return { state, opened };
}

const describeIncidents = (list: Incident[]) =>
  list.map((i) => `${i.id} ${i.ruleId} ${i.cause}${i.label ? ` (${i.label})` : ''}: ${i.summary}`);

test('30 days of normal operation with a v3.2.1 → v3.2.0 rollback in the middle open zero incidents', async () => {
  const ctx = await bundledContext();
  for (const logStampZone of ['UTC', 'Asia/Seoul'] as const) {
    const { state, opened } = replay(
      { start: '2026-03-02', days: 30, seed: 7, logStampZone, versionSwitch: { atDay: 15, atKst: '11:00', from: 'v3.2.1', to: 'v3.2.0' } },
      ctx,
    );
    assert.deepEqual(describeIncidents(opened), [], `stamps in ${logStampZone}`);
    // The replay really exercised the system: the rollback was recognised and both versions' jobs ran.
    assert.equal(state.fingerprint.version, 'v3.2.0');
    assert.ok((state.finishedRuns['signal_kr.log'] ?? []).length >= 5, 'v3.2.0 KR runs were seen after the switch');
    assert.ok((state.linesEvaluated['check_kr.log'] ?? 0) > 100, 'v3.2.1 KR runs were seen before the switch');
    assert.ok((state.finishedRuns['daily_report.log'] ?? []).length >= 20);
    const fails = Object.values(state.lastVerdicts)
      .flat()
      .filter((v) => v.outcome === 'fail');
    assert.deepEqual(fails, []);
  }
});

test('30 days across KR and US holidays (April–May 2026) with other seeds stay quiet', async () => {
  const ctx = await bundledContext();
  for (const seed of [1, 2, 3]) {
    const { opened } = replay({ start: '2026-04-20', days: 30, seed, logStampZone: 'UTC' }, ctx);
    assert.deepEqual(describeIncidents(opened), [], `seed ${seed}`);
  }
});

// Each runbook criterion fires on its fault: the fault placed on day 3 (a Thursday), the week replayed.
const FAULT_CASES: { name: string; faults: SimOptions['faults']; expect: { rule: string; cause?: string; label?: string } }[] = [
  {
    name: 'missed run',
    faults: [{ kind: 'missed-run', day: 3, job: 'kr' }],
    expect: { rule: 'cron-missed-or-hung', cause: 'check_kr.log', label: 'missed' },
  },
  {
    name: 'hung run',
    faults: [{ kind: 'hung-run', day: 3, job: 'kr' }],
    expect: { rule: 'cron-missed-or-hung', cause: 'check_kr.log', label: 'hung' },
  },
  {
    name: 'cron container stopped',
    faults: [{ kind: 'cron-stopped', day: 3, at: '15:30', minutes: 60 }],
    expect: { rule: 'cron-container-down', cause: 'turtle-cron' },
  },
  {
    name: 'two consecutive failed runs',
    faults: [
      { kind: 'traceback-run', day: 3, job: 'kr' },
      { kind: 'traceback-run', day: 4, job: 'kr' },
    ],
    expect: { rule: 'check-repeated-failures', cause: 'check_kr.log' },
  },
  {
    name: 'two consecutive send failures',
    faults: [
      { kind: 'telegram-send-failure', day: 3, job: 'kr' },
      { kind: 'telegram-send-failure', day: 4, job: 'kr' },
    ],
    expect: { rule: 'telegram-alerts-missing', cause: 'check_kr.log', label: 'send-failed' },
  },
  {
    name: 'channel not configured',
    faults: [
      { kind: 'channel-not-configured', day: 3, job: 'kr' },
      { kind: 'channel-not-configured', day: 4, job: 'kr' },
    ],
    expect: { rule: 'telegram-channel-not-configured', cause: 'check_kr.log', label: 'channel-not-configured' },
  },
  {
    name: 'positions.json corrupt',
    faults: [{ kind: 'positions-corrupt', day: 3, at: '12:00' }],
    expect: { rule: 'positions-corrupt', label: 'corrupt' },
  },
  {
    name: 'positions.json silently healed',
    faults: [{ kind: 'positions-healed', day: 3, job: 'kr' }],
    expect: { rule: 'positions-corrupt', label: 'healed' },
  },
  {
    name: 'open position vanished',
    faults: [{ kind: 'positions-vanished', day: 3, at: '12:00' }],
    expect: { rule: 'positions-unexpected-change', label: 'unexpected-change' },
  },
];

for (const c of FAULT_CASES) {
  test(`fault: ${c.name} opens its incident`, async () => {
    const ctx = await bundledContext();
    const { opened } = replay({ start: '2026-03-02', days: 7, seed: 11, logStampZone: 'UTC', faults: c.faults }, ctx);
    const match = opened.filter(
      (i) =>
        i.ruleId === c.expect.rule &&
        (c.expect.cause === undefined || i.cause === c.expect.cause) &&
        (c.expect.label === undefined || i.label === c.expect.label),
    );
    assert.equal(
      match.length,
      1,
      `expected one ${JSON.stringify(c.expect)}; opened: ${JSON.stringify(describeIncidents(opened), null, 1)}`,
    );
  });
}

test('one failed run only warns: no incident', async () => {
  const ctx = await bundledContext();
  const { opened, state } = replay(
    { start: '2026-03-02', days: 7, seed: 11, logStampZone: 'UTC', faults: [{ kind: 'traceback-run', day: 3, job: 'kr' }] },
    ctx,
  );
  assert.deepEqual(describeIncidents(opened.filter((i) => i.ruleId === 'check-repeated-failures')), []);
  assert.ok(
    (state.finishedRuns['check_kr.log'] ?? []).some((r) => r.tracebacks.length > 0),
    'the failed run was seen',
  );
});
