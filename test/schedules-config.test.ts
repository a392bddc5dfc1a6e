// `schedules:` in sentinel.yaml: the documented defaults, 5- and 6-field expressions accepted, and every
// bad expression an error naming the file, line:col, the field and what is wrong with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.ts';

const BASE = ['deployment:', '  root: .', '  crontab:', '    fallbackFile: crontab', 'docker:', '  enabled: false'];

async function load(lines: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-schedules-'));
  const file = join(dir, 'sentinel.yaml');
  writeFileSync(file, [...BASE, ...lines, ''].join('\n'));
  return { file, result: await loadConfig(file) };
}

test('schedules: the defaults are a digest at 08:00 Seoul time and a heartbeat every 5 minutes from SENTINEL_HEARTBEAT_URL', async () => {
  const { result } = await load([]);
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  assert.deepEqual(result.config.schedules, {
    timezone: 'Asia/Seoul',
    digest: { enabled: true, cron: '0 8 * * *' },
    heartbeat: { urlEnv: 'SENTINEL_HEARTBEAT_URL', cron: '*/5 * * * *', timeout: 10_000 },
  });
});

test('schedules: 6-field expressions with seconds first are accepted (the real-clock test runs every second)', async () => {
  const { result } = await load([
    'schedules:',
    '  timezone: UTC',
    '  digest:',
    '    cron: "* * * * * *"',
    '  heartbeat:',
    '    cron: "*/30 * * * * *"',
    '    timeout: 2s',
  ]);
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  assert.equal(result.config.schedules.digest.cron, '* * * * * *');
  assert.equal(result.config.schedules.heartbeat.timeout, 2000);
});

test('schedules: a bad cron expression is an error at its file:line:col, naming the field and what is wrong', async () => {
  const { file, result } = await load([
    'schedules:',
    '  digest:',
    '    cron: "61 8 * * *"',
    '  heartbeat:',
    '    cron: "*/5 * * *"',
    '    timeout: 0s',
  ]);
  assert.ok(!result.ok);
  assert.deepEqual(result.errors, [
    `${file}:9:11: schedules.digest.cron: "61 8 * * *" is not a cron expression (minute "61" is not valid: minute takes 0–59)`,
    `${file}:11:11: schedules.heartbeat.cron: "*/5 * * *" is not a cron expression (4 fields; expected 5 — minute hour day month weekday — or 6 with seconds first)`,
    `${file}:12:14: schedules.heartbeat.timeout: must be longer than 0 (e.g. 10s)`,
  ]);
});

test('schedules: out-of-range hours, weekdays and seconds, reversed ranges, macros and unknown zones are refused with their reason', async () => {
  const cases: [string, string][] = [
    ['0 25 * * *', '(hour "25" is not valid: hour takes 0–23)'],
    ['0 8 * * 8', '(day of week "8" is not valid: day of week takes 0–7 or SUN–SAT)'],
    ['60 * * * * *', '(second "60" is not valid: second takes 0–59)'],
    ['5-2 * * * *', "(CronPattern: From value is larger than to value: '5-2')"],
    ['@daily', '(write the fields, e.g. "0 8 * * *" for @daily)'],
  ];
  for (const [cron, why] of cases) {
    const { file, result } = await load(['schedules:', '  digest:', `    cron: "${cron}"`]);
    assert.ok(!result.ok, cron);
    assert.deepEqual(result.errors, [`${file}:9:11: schedules.digest.cron: "${cron}" is not a cron expression ${why}`], cron);
  }
  const zone = await load(['schedules:', '  timezone: Mars/Base']);
  assert.ok(!zone.result.ok);
  assert.deepEqual(zone.result.errors, [`${zone.file}:8:13: schedules.timezone: unknown IANA timezone`]);
  const typo = await load(['schedules:', '  digest:', '    enable: false']);
  assert.ok(!typo.result.ok);
  assert.deepEqual(typo.result.errors, [`${typo.file}:9:5: schedules.digest.enable: unknown key "enable" (did you mean "enabled"?)`]);
});
