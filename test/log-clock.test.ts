// Naive log stamps → true instants: observation, learned offsets, the market-status line, a configured zone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  emptyLogClock,
  lineInstant,
  naiveToInstant,
  offsetFromMarketStatus,
  startOffset,
  zoneOffsetMs,
  type LogClock,
} from '../src/core/log-clock.ts';
import { parseLogLine } from '../src/core/log-line.ts';
import type { LogLine } from '../src/core/types.ts';

const H = 3_600_000;

function line(text: string, observedAt: number, live: boolean): { line: LogLine; parsed: ReturnType<typeof parseLogLine> } {
  return { line: { file: 'check_kr.log', text, observedAt, live }, parsed: parseLogLine(text) };
}

test('a live line is timed by its observation and teaches the file its offset (UTC stamps)', () => {
  const seen = Date.UTC(2026, 1, 23, 7, 0, 3, 500);
  const { line: l, parsed } = line('2026-02-23 07:00:02,114 - __main__ - INFO - === 체크 완료 ===', seen, true);
  const t = lineInstant(emptyLogClock(), l, parsed);
  assert.equal(t.at, seen);
  assert.equal(t.basis, 'observed');
  assert.equal(t.clock.offsetMs, 0);
  assert.equal(t.clock.learnedFrom, 'live');
});

test('a live line stamped in KST teaches −9 h, and backlog lines then use it', () => {
  const seen = Date.UTC(2026, 1, 23, 7, 0, 2, 900);
  const first = line('2026-02-23 16:00:02,114 - __main__ - INFO - x', seen, true);
  const learned = lineInstant(emptyLogClock(), first.line, first.parsed).clock;
  assert.equal(learned.offsetMs, -9 * H);
  const backlog = line('2026-02-24 16:00:02,287 - __main__ - INFO - y', seen + 86_400_000, false);
  const t = lineInstant(learned, backlog.line, backlog.parsed, 'UTC');
  assert.equal(t.basis, 'learned-offset');
  assert.equal(new Date(t.at).toISOString(), '2026-02-24T07:00:02.287Z');
});

test('a live line read late (residual of 3 min or more) teaches nothing', () => {
  const late = line('2026-02-23 07:00:02,114 - __main__ - INFO - x', Date.UTC(2026, 1, 23, 7, 3, 30), true);
  const t = lineInstant(emptyLogClock(), late.line, late.parsed);
  assert.equal(t.clock.offsetMs, undefined);
  assert.equal(t.at, late.line.observedAt);
  const almost = line('2026-02-23 07:00:02,114 - __main__ - INFO - x', Date.UTC(2026, 1, 23, 7, 2, 30), true);
  assert.equal(lineInstant(emptyLogClock(), almost.line, almost.parsed).clock.offsetMs, 0);
});

test('the KRX market-status line reveals the offset, even in backlog', () => {
  const status = (stamp: string, hhmm: string) =>
    parseLogLine(`${stamp} - __main__ - INFO - 한국거래소 (KRX): 장후 (${hhmm}, 마감 15:30)`)!;
  assert.equal(offsetFromMarketStatus(status('2026-02-23 07:00:02,115', '16:00')), 0);
  assert.equal(offsetFromMarketStatus(status('2026-02-23 16:00:02,115', '16:00')), -9 * H);
  // 07:00 KST written in UTC carries the previous date.
  assert.equal(
    offsetFromMarketStatus(parseLogLine('2026-02-23 22:00:02,501 - __main__ - INFO - 한국거래소 (KRX): 장전 (07:00, 개장 09:00)')!),
    0,
  );
  // A holiday line has no clock; other lines are not market-status lines.
  assert.equal(
    offsetFromMarketStatus(parseLogLine('2026-02-23 07:00:02,115 - __main__ - INFO - 한국거래소 (KRX): 휴장 (공휴일)')!),
    undefined,
  );
  assert.equal(
    offsetFromMarketStatus(parseLogLine('2026-02-23 07:00:02,115 - __main__ - INFO - NYSE/NASDAQ: 장전 (02:00, 개장 09:30)')!),
    undefined,
  );

  const backlog = line(
    '2026-02-23 16:00:02,115 - __main__ - INFO - 한국거래소 (KRX): 장후 (16:00, 마감 15:30)',
    Date.UTC(2026, 2, 1),
    false,
  );
  const t = lineInstant(emptyLogClock(), backlog.line, backlog.parsed, 'UTC');
  assert.equal(t.clock.learnedFrom, 'market-status');
  assert.equal(new Date(t.at).toISOString(), '2026-02-23T07:00:02.115Z');
});

test('backlog without a learned offset: the configured zone (DST-aware), else UTC', () => {
  const summer = line('2026-07-01 18:00:00,000 - __main__ - INFO - x', 0, false);
  const winter = line('2026-01-05 18:00:00,000 - __main__ - INFO - x', 0, false);
  assert.equal(
    new Date(lineInstant(emptyLogClock(), summer.line, summer.parsed, 'America/New_York').at).toISOString(),
    '2026-07-01T22:00:00.000Z',
  );
  assert.equal(
    new Date(lineInstant(emptyLogClock(), winter.line, winter.parsed, 'America/New_York').at).toISOString(),
    '2026-01-05T23:00:00.000Z',
  );
  const kst = lineInstant(emptyLogClock(), winter.line, winter.parsed, 'Asia/Seoul');
  assert.equal(kst.basis, 'configured-zone');
  assert.equal(new Date(kst.at).toISOString(), '2026-01-05T09:00:00.000Z');
  const auto = lineInstant(emptyLogClock(), winter.line, winter.parsed, 'auto');
  assert.equal(auto.basis, 'assumed-utc');
  assert.equal(new Date(auto.at).toISOString(), '2026-01-05T18:00:00.000Z');
  // An unknown zone is not a crash: UTC is assumed.
  assert.equal(lineInstant(emptyLogClock(), winter.line, winter.parsed, 'Mars/Olympus').basis, 'assumed-utc');
});

test('unstamped lines: observation when live, else the previous stamped line', () => {
  const stamped = line('2026-02-25 07:00:02,210 - __main__ - INFO - 상관그룹 설정 로드: 18개 심볼', 0, false);
  const clock = lineInstant(emptyLogClock(), stamped.line, stamped.parsed).clock;
  const body = line('  File "/app/scripts/check_positions.py", line 546, in <module>', 123, false);
  const t = lineInstant(clock, body.line, body.parsed);
  assert.equal(t.basis, 'previous-line');
  assert.equal(new Date(t.at).toISOString(), '2026-02-25T07:00:02.210Z');
  const liveBody = line('TypeError: x', 456, true);
  assert.equal(lineInstant(clock, liveBody.line, liveBody.parsed).at, 456);
  assert.equal(lineInstant(emptyLogClock(), body.line, body.parsed).at, 123, 'nothing earlier: observation');
});

test('zone offsets from Intl, and naive wall times to instants', () => {
  assert.equal(zoneOffsetMs('Asia/Seoul', Date.UTC(2026, 1, 23)), 9 * H);
  assert.equal(zoneOffsetMs('UTC', Date.UTC(2026, 1, 23)), 0);
  assert.equal(zoneOffsetMs('Asia/Kathmandu', Date.UTC(2026, 1, 23)), 5.75 * H);
  assert.equal(zoneOffsetMs('No/Such_Zone', 0), undefined);
  assert.equal(naiveToInstant(Date.UTC(2026, 1, 23, 16), 'Asia/Seoul'), Date.UTC(2026, 1, 23, 7));
  assert.equal(naiveToInstant(Date.UTC(2026, 1, 23, 16), 'No/Such_Zone'), undefined);
});

test('the clock is plain JSON', () => {
  const l = line(
    '2026-02-23 16:00:02,115 - __main__ - INFO - 한국거래소 (KRX): 장후 (16:00, 마감 15:30)',
    Date.UTC(2026, 1, 23, 7, 0, 3),
    true,
  );
  const clock: LogClock = lineInstant(emptyLogClock(), l.line, l.parsed).clock;
  assert.deepEqual(JSON.parse(JSON.stringify(clock)), clock);
  assert.deepEqual(Object.keys(clock).sort(), ['lastAt', 'learnedAtNaiveMs', 'learnedFrom', 'offsetMs']);
});

test('at a start marker read in backlog, the reading on the job schedule wins, in time order, never in the future', () => {
  const START = '=== 통합 포지션 & 시그널 체크 시작 ===';
  // check_kr.log fires at 16:00 KST = 07:00 UTC; a start within seconds to minutes after it is a cron run.
  const onSchedule = (at: number) => {
    const fire = Date.UTC(new Date(at).getUTCFullYear(), new Date(at).getUTCMonth(), new Date(at).getUTCDate(), 7);
    return at - fire >= -60_000 && at - fire <= 600_000;
  };
  const hints = { zones: ['auto'], handZone: 'Asia/Seoul', onSchedule };
  const read = Date.UTC(2026, 2, 7);
  const start = (stampText: string, observedAt = read) => line(`${stampText} - __main__ - INFO - ${START}`, observedAt, false);
  // The file was learned to stamp UTC (a cron run's market-status line)…
  const utc: LogClock = {
    offsetMs: 0,
    learnedFrom: 'market-status',
    learnedAtNaiveMs: Date.UTC(2026, 2, 2, 7),
    lastAt: Date.UTC(2026, 2, 2, 7, 0, 7),
  };
  // …and this start is stamped in KST at the fire time: only the KST reading is on the schedule.
  const kstCron = start('2026-03-03 16:00:02,000');
  const switched = startOffset(utc, kstCron.line, kstCron.parsed!, hints);
  assert.equal(switched.offsetMs, -9 * H);
  assert.equal(switched.learnedFrom, 'run-start');
  assert.equal(new Date(lineInstant(switched, kstCron.line, kstCron.parsed).at).toISOString(), '2026-03-03T07:00:02.000Z');
  // And back: after KST, a UTC cron start.
  const utcCron = start('2026-03-04 07:00:02,000');
  assert.equal(startOffset({ ...switched, lastAt: Date.UTC(2026, 2, 3, 7, 0, 9) }, utcCron.line, utcCron.parsed!, hints).offsetMs, 0);
  // Off the schedule in both readings, after timed runs: a run by hand, in the container's zone.
  const byHand = start('2026-03-03 21:40:00,000');
  assert.equal(startOffset(utc, byHand.line, byHand.parsed!, hints).offsetMs, -9 * H);
  // With nothing learned yet, an off-schedule start changes nothing (the configured zone or UTC applies).
  assert.equal(startOffset(emptyLogClock(), byHand.line, byHand.parsed!, hints).offsetMs, undefined);
  // A reading before the previous line (by more than a few minutes) or after the read is impossible.
  const early = start('2026-03-03 16:00:02,000');
  const after = { ...utc, lastAt: Date.UTC(2026, 2, 3, 8) }; // the previous line was at 17:00 KST
  assert.equal(startOffset(after, early.line, early.parsed!, hints).offsetMs, 0, 'the KST reading would go back in time');
  const future = start('2026-03-03 16:00:02,000', Date.UTC(2026, 2, 3, 7, 1));
  assert.equal(
    startOffset(utc, future.line, future.parsed!, { zones: ['Asia/Seoul'] }).offsetMs,
    -9 * H,
    'the UTC reading would be in the future',
  );
  // Live lines are timed by their observation: untouched.
  const live = line(`2026-03-03 16:00:02,000 - __main__ - INFO - ${START}`, read, true);
  assert.equal(startOffset(utc, live.line, live.parsed!, hints), utc);
});
