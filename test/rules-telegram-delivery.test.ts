// Runbook criterion "Telegram alerts not received in two consecutive scheduled runs", with quiet days.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RuleOf } from '../src/config/schema.ts';
import { applyLogLines, emptyRunsState } from '../src/core/runs.ts';
import { classifyTelegramRun, evaluateTelegramDelivery } from '../src/core/rules/telegram-delivery.ts';
import type { Job, Run } from '../src/core/types.ts';
import type { World } from '../src/core/world.ts';
import { profileOf, ruleOf, worldWith } from './helpers/world.ts';

const CHECK = profileOf('check_positions.py');
const REPORT = profileOf('daily_report.py');
const job = (id: string, script: string): Job => ({
  id,
  schedule: '0 16 * * 1-5',
  timezone: 'Asia/Seoul',
  command: `python scripts/${script} >> /app/logs/${id} 2>&1`,
  script,
  logFile: id,
  line: 0,
});
const CHECK_JOB = job('check_kr.log', 'check_positions.py');
const REPORT_JOB = job('daily_report.log', 'daily_report.py');
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 1, 23, 7, 0, 2);

function rule(params: Record<string, unknown> = {}, id = 'telegram-delivery'): RuleOf<'telegram-delivery'> {
  return ruleOf('telegram-delivery', params, { id, action: 'rollback' });
}

function world(runs: Record<string, Run[]>): World {
  return worldWith(T0 + 30 * DAY, {
    watchStartedAt: T0,
    jobsSince: T0,
    jobs: [CHECK_JOB, REPORT_JOB],
    crontabKnown: true,
    profiles: { 'check_positions.py': CHECK, 'daily_report.py': REPORT },
    runs,
    version: { version: 'v3.2.1', evidence: [] },
  });
}

type Shape = 'quiet' | 'ok' | 'send-failed' | 'event-without-success' | 'no-channel' | 'no-channel-event' | 'open-event';
let day = 0;
function run(shape: Shape, jobId = 'check_kr.log'): Run {
  const at = T0 + day++ * DAY;
  const r: Run = {
    jobId,
    script: jobId === 'daily_report.log' ? 'daily_report.py' : 'check_positions.py',
    startedAt: at,
    startStamp: new Date(at).toISOString().replace('T', ' ').replace('.000Z', ',000'),
    end: shape === 'open-event' ? 'open' : 'finished',
    tracebacks: [],
    errorLines: [],
    telegram: { channelActive: !shape.startsWith('no-channel'), successes: [], failures: [], notifyEvents: [] },
    closedPositions: [],
    healLines: [],
  };
  if (shape !== 'open-event') r.finishedAt = at + 5000;
  if (shape === 'ok') r.telegram.successes.push('Telegram 전송 성공: 매매 시그널: 005930.KS');
  if (
    shape === 'ok' ||
    shape === 'event-without-success' ||
    shape === 'send-failed' ||
    shape === 'no-channel-event' ||
    shape === 'open-event'
  ) {
    r.telegram.notifyEvents.push('피라미딩 기회: 005930.KS');
  }
  if (shape === 'send-failed')
    r.telegram.failures.push(
      'Telegram 오류 (모든 재시도 소진): Cannot connect to host api.telegram.org:443 ssl:default [Name or service not known]',
    );
  return r;
}

test('each run is classified by what it had to send and what its log says', () => {
  assert.equal(classifyTelegramRun(run('quiet'), CHECK), 'quiet');
  assert.equal(classifyTelegramRun(run('ok'), CHECK), 'ok');
  assert.equal(classifyTelegramRun(run('send-failed'), CHECK), 'send-failed');
  assert.equal(classifyTelegramRun(run('event-without-success'), CHECK), 'event-without-success');
  assert.equal(classifyTelegramRun(run('no-channel'), CHECK), 'channel-not-configured');
  // No channel explains the missing success: it is not counted as a delivery failure.
  assert.equal(classifyTelegramRun(run('no-channel-event'), CHECK), 'channel-not-configured');
  const report = run('quiet', 'daily_report.log');
  report.telegram.channelActive = false; // daily_report logs no channel line; its profile names none
  assert.equal(classifyTelegramRun(report, REPORT), 'report-without-success');
  report.telegram.successes.push('Telegram 전송 성공: 일일 리포트');
  assert.equal(classifyTelegramRun(report, REPORT), 'ok');
  // A run that crashed early is not blamed on the channel.
  const crashed = run('no-channel');
  crashed.tracebacks.push({ error: 'ImportError: x', excerpt: [] });
  assert.equal(classifyTelegramRun(crashed, CHECK), 'quiet');
});

test('two consecutive send failures fire, and the message names the case', () => {
  const v = evaluateTelegramDelivery(rule(), world({ 'check_kr.log': [run('ok'), run('send-failed'), run('send-failed')] }), T0);
  const check = v.find((x) => x.cause === 'check_kr.log')!;
  assert.equal(check.outcome, 'fail');
  assert.equal(check.label, 'send-failed');
  assert.match(
    check.summary,
    /^check_kr\.log: Telegram alert missing in 2 consecutive runs \(threshold 2\) — send-failed: a Telegram send failed after all retries/,
  );
  assert.equal(check.evidence.length, 2);
  assert.match(check.evidence[0]!.text, /Telegram 오류 \(모든 재시도 소진\): Cannot connect/);
  assert.equal(check.evidence[0]!.file, 'check_kr.log');
  assert.ok(check.evidence[0]!.at! < check.evidence[1]!.at!);
});

test('one missing alert only warns; a delivered run between resets', () => {
  const one = evaluateTelegramDelivery(rule(), world({ 'check_kr.log': [run('event-without-success')] }), T0).find(
    (x) => x.cause === 'check_kr.log',
  )!;
  assert.equal(one.outcome, 'pass');
  assert.equal(one.label, 'event-without-success');
  assert.match(one.warning ?? '', /missing in the last run — event-without-success/);
  const reset = evaluateTelegramDelivery(
    rule(),
    world({ 'check_kr.log': [run('event-without-success'), run('ok'), run('send-failed')] }),
    T0,
  ).find((x) => x.cause === 'check_kr.log')!;
  assert.equal(reset.outcome, 'pass');
  assert.equal(reset.evidence.length, 1);
});

test('quiet runs neither count nor reset, unless quietRunsResetStreak', () => {
  const runs = [run('send-failed'), run('quiet'), run('quiet'), run('event-without-success')];
  const v = evaluateTelegramDelivery(rule(), world({ 'check_kr.log': runs }), T0).find((x) => x.cause === 'check_kr.log')!;
  assert.equal(v.outcome, 'fail');
  assert.equal(v.label, 'event-without-success', 'the label is the most recent case');
  assert.match(v.summary, /event-without-success: .*; send-failed: /);
  const strict = evaluateTelegramDelivery(rule({ quietRunsResetStreak: true }), world({ 'check_kr.log': runs }), T0).find(
    (x) => x.cause === 'check_kr.log',
  )!;
  assert.equal(strict.outcome, 'pass');
  // Quiet days alone are never a failure.
  const quiet = evaluateTelegramDelivery(rule(), world({ 'check_kr.log': [run('quiet'), run('quiet'), run('quiet')] }), T0).find(
    (x) => x.cause === 'check_kr.log',
  )!;
  assert.deepEqual([quiet.outcome, quiet.warning, quiet.evidence], ['pass', undefined, []]);
});

test('runs still open are not judged', () => {
  const v = evaluateTelegramDelivery(rule(), world({ 'check_kr.log': [run('event-without-success'), run('open-event')] }), T0).find(
    (x) => x.cause === 'check_kr.log',
  )!;
  assert.equal(v.outcome, 'pass');
});

test('the daily report without its success line, twice, fires report-without-success', () => {
  const text = readFileSync(fileURLToPath(new URL('./fixtures/runs/daily_report.log', import.meta.url)), 'utf8');
  const ctx = {
    jobsByLogFile: { 'daily_report.log': REPORT_JOB },
    profiles: { 'daily_report.py': REPORT },
    errorPatterns: [],
    logTimestampZone: 'auto',
  };
  const lines = text
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ file: 'daily_report.log', text: l, observedAt: T0 + 40 * DAY, live: false }));
  const { finished } = applyLogLines(emptyRunsState(), lines, ctx);
  const v = evaluateTelegramDelivery(rule(), world({ 'daily_report.log': finished }), T0).find((x) => x.cause === 'daily_report.log')!;
  // Delivered, then "send failed" (counted), then silent (counted): two in a row.
  assert.equal(v.outcome, 'fail');
  assert.equal(v.label, 'report-without-success');
  assert.match(v.summary, /report-without-success: .*; send-failed: /);
  assert.deepEqual(
    v.evidence.map((e) => new Date(e.at!).toISOString()),
    ['2026-02-23T23:00:01.498Z', '2026-02-24T23:00:01.530Z'],
  );
});

test('channel not configured is counted only by the rule that asks for it (escalate-only)', () => {
  const runs = [run('ok'), run('no-channel'), run('no-channel-event')];
  const main = evaluateTelegramDelivery(rule(), world({ 'check_kr.log': runs }), T0).find((x) => x.cause === 'check_kr.log')!;
  assert.deepEqual([main.outcome, main.warning], ['pass', undefined]);
  const escalate = rule({ cases: ['channel-not-configured'] }, 'telegram-channel');
  const v = evaluateTelegramDelivery(escalate, world({ 'check_kr.log': runs }), T0).find((x) => x.cause === 'check_kr.log')!;
  assert.equal(v.outcome, 'fail');
  assert.equal(v.label, 'channel-not-configured');
  assert.match(v.summary, /channel not configured: .*a rollback cannot cure/);
  assert.match(v.evidence[0]!.text, /no 'Telegram 채널 활성화' line/);
  // A run that logged its channel line proves the channel configured, even if its send then failed.
  const back = evaluateTelegramDelivery(
    escalate,
    world({ 'check_kr.log': [run('no-channel'), run('send-failed'), run('no-channel')] }),
    T0,
  ).find((x) => x.cause === 'check_kr.log')!;
  assert.equal(back.outcome, 'pass');
  assert.ok(back.warning);
  // daily_report has no channel line to miss: the escalate rule passes it whatever it logs.
  const report = evaluateTelegramDelivery(
    escalate,
    world({ 'daily_report.log': [run('quiet', 'daily_report.log'), run('quiet', 'daily_report.log')] }),
    T0,
  ).find((x) => x.cause === 'daily_report.log')!;
  assert.equal(report.outcome, 'pass');
});
