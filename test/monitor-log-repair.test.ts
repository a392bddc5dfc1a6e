// Repair lines are read from EVERY log file in the logs directory, profiled or not: from v3.6.0
// monitor_positions.py writes logs/monitor.log itself (no `>>` in the crontab, so no job names that file)
// and, reading positions.json every 5 minutes, is usually the job that logs a silent repair. Real files,
// the real tailer, the real daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRules } from '../src/config/load-rules.ts';
import type { Config } from '../src/config/schema.ts';
import { fileDeployment } from './helpers/file-deployment.ts';
import { createLogger } from '../src/adapters/logger.ts';
import { systemClock } from '../src/adapters/clock.ts';
import type { Notice } from '../src/core/types.ts';
import { startSentinel, type Sentinel } from '../src/runtime/sentinel.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HOUR = 3_600_000;
const KST = 9 * HOUR;
/** The v3.6+ crontab lines of the two jobs that matter here: monitor_positions.py has no `>>`. */
const CRONTAB = [
  'CRON_TZ=Asia/Seoul',
  '0 16 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1',
  '*/5 9-15 * * 1-5 cd /app && python scripts/monitor_positions.py',
  '',
].join('\n');

function deployment(): { work: string; logs: string; config: Config } {
  return fileDeployment('sentinel-monitor-', CRONTAB);
}

async function daemon(d: { work: string; config: Config }, notices: Notice[]): Promise<Sentinel> {
  const loaded = await loadRules(join(repo, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  const started = await startSentinel({
    config: d.config,
    baseDir: d.work,
    rules: loaded.rules,
    profiles: loaded.profiles,
    clock: systemClock,
    notifier: { deliver: async (_key, notice) => void notices.push(notice), close: async () => {} },
    logger: createLogger({ level: 'silent', secrets: [] }),
    tickMs: HOUR,
  });
  assert.ok(started.ok, started.ok ? '' : started.error);
  return started.sentinel;
}

async function until(what: string, done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** monitor_positions logs in KST (TZ=Asia/Seoul from v3.4.0): `2026-03-12 10:05:01,114`. */
const kst = (at: number) => new Date(at + KST).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
const repairLines = (at: number) => [
  `${kst(at)} - src.utils - CRITICAL - JSON 파일 손상: data/positions/positions.json - Expecting value: line 1 column 1 (char 0)`,
  `${kst(at)} - src.utils - INFO - 백업에서 복원: data/positions/backups/positions_20260311.json`,
];

const healedIncident = (notices: Notice[]) =>
  notices.find((n): n is Extract<Notice, { kind: 'incident-opened' }> => n.kind === 'incident-opened' && n.incident.label === 'healed');

test('a repair logged live in monitor.log, a file no crontab job names, opens the positions incident', { timeout: 60_000 }, async () => {
  const d = deployment();
  const notices: Notice[] = [];
  const sentinel = await daemon(d, notices);
  try {
    const lines = repairLines(Date.now());
    appendFileSync(join(d.logs, 'monitor.log'), `${lines.join('\n')}\n`);
    await until('the healed incident', () => healedIncident(notices) !== undefined);
    const incident = healedIncident(notices)!.incident;
    assert.equal(incident.ruleId, 'positions-corrupt');
    assert.equal(incident.action, 'halt');
    // Opened at the first repair line, judged as it was read (the restore line follows it into the incident).
    assert.deepEqual(incident.evidence[0] && [incident.evidence[0].file, incident.evidence[0].text], ['monitor.log', lines[0]]);
  } finally {
    await sentinel.stop();
    rmSync(d.work, { recursive: true, force: true });
  }
});

test('a repair already in monitor.log when the daemon starts (an hour old) opens it too, marked late', { timeout: 60_000 }, async () => {
  const d = deployment();
  writeFileSync(join(d.logs, 'monitor.log'), `${repairLines(Date.now() - HOUR).join('\n')}\n`);
  const notices: Notice[] = [];
  const sentinel = await daemon(d, notices);
  try {
    await until('the healed incident', () => healedIncident(notices) !== undefined);
    const opened = healedIncident(notices)!;
    assert.equal(opened.incident.ruleId, 'positions-corrupt');
    assert.equal(opened.incident.evidence[0]?.file, 'monitor.log');
    assert.equal(opened.late, true);
  } finally {
    await sentinel.stop();
    rmSync(d.work, { recursive: true, force: true });
  }
});
