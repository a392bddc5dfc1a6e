// `check` and the daemon judge scheduled runs from the same instant: when the sidecar began watching
// the current crontab. On a fresh clone (no daemon state) the bundled example is healthy whatever the
// date; next to a daemon's state, check reports the missed run the daemon reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadDefaultConfig, rulesPathsOf } from '../src/config/load-config.ts';
import { loadRules } from '../src/config/load-rules.ts';
import type { Config } from '../src/config/schema.ts';
import { runCheck } from '../src/runtime/check.ts';
import { startSentinel } from '../src/runtime/sentinel.ts';

async function embeddedDefault(stateDir: string) {
  const loaded = loadDefaultConfig();
  assert.ok(loaded.ok);
  const config: Config = {
    ...loaded.config,
    state: { ...loaded.config.state, dir: stateDir },
    http: { ...loaded.config.http, enabled: false },
  };
  const rules = await loadRules(rulesPathsOf(loaded.config, loaded.baseDir));
  assert.ok(rules.ok);
  return { config, baseDir: loaded.baseDir, rules: rules.rules, profiles: rules.profiles };
}

const cronVerdicts = (verdicts: { ruleId: string; cause: string; outcome: string; label?: string }[]) =>
  verdicts.filter((v) => v.ruleId === 'cron-missed-or-hung').map((v) => `${v.cause} ${v.outcome}${v.label ? ` ${v.label}` : ''}`);

test('check on a fresh clone: the bundled example deployment is healthy at any date (exit 0), as a freshly started daemon says', async () => {
  const setup = await embeddedDefault(mkdtempSync(join(tmpdir(), 'sentinel-fresh-state-')));
  // Half an hour after each fire time of the example crontab, on every weekday, in several years.
  const instants = [
    '2026-12-07T16:30:00+09:00',
    '2026-12-08T07:30:00+09:00',
    '2026-12-09T08:30:00+09:00',
    '2026-12-13T03:30:00+09:00',
    '2027-03-01T16:30:00+09:00',
    '2031-07-15T08:30:00+09:00',
  ];
  for (const at of instants) {
    const result = await runCheck({ ...setup, now: Date.parse(at), lookback: '26h' });
    assert.ok(result.ok);
    assert.equal(result.firing, false, `${at}: ${JSON.stringify(result.verdicts.filter((v) => v.outcome === 'fail'))}`);
    assert.deepEqual(cronVerdicts(result.verdicts), ['check_kr.log pass', 'check_us.log pass', 'daily_report.log pass']);
    assert.equal(result.watch.basis, 'no-daemon');
  }
});

test('check next to a daemon state judges from the daemon watch start: both report the same missed run', { timeout: 30_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'sentinel-agree-'));
  cpSync(join(process.cwd(), 'examples/deployment'), join(work, 'deployment'), { recursive: true });
  const base = await embeddedDefault(join(work, 'state'));
  const setup = { ...base, config: { ...base.config, deployment: { ...base.config.deployment, root: join(work, 'deployment') } } };
  const daemonAt = async (at: string) => {
    const started = await startSentinel({
      config: setup.config,
      baseDir: setup.baseDir,
      rules: setup.rules,
      profiles: setup.profiles,
      clock: { now: () => Date.parse(at) },
      notifier: { deliver: async () => {}, close: async () => {} },
      logger: pino({ level: 'silent' }),
      tickMs: 3_600_000,
    });
    assert.ok(started.ok);
    await started.sentinel.loop.submit({ kind: 'tick', now: Date.parse(at) });
    const verdicts = Object.values(started.sentinel.loop.state().lastVerdicts).flat();
    await started.sentinel.stop();
    return verdicts;
  };
  // The daemon starts on a Monday morning; at 16:30 the 16:00 run of check_kr.log has not come.
  assert.deepEqual(cronVerdicts(await daemonAt('2026-12-07T10:00:00+09:00')), [
    'check_kr.log pass',
    'check_us.log pass',
    'daily_report.log pass',
  ]);
  const daemon = cronVerdicts(await daemonAt('2026-12-07T16:30:00+09:00'));
  assert.deepEqual(daemon, ['check_kr.log fail missed', 'check_us.log pass', 'daily_report.log pass']);

  const check = await runCheck({ ...setup, now: Date.parse('2026-12-07T16:30:00+09:00'), lookback: '26h' });
  assert.ok(check.ok);
  assert.deepEqual(cronVerdicts(check.verdicts), daemon);
  assert.equal(check.firing, true);
  assert.deepEqual(check.watch, { since: Date.parse('2026-12-07T10:00:00+09:00'), basis: 'daemon' });
});
