// The run builder: log lines of the reference formats → runs with their failure and Telegram evidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { profileSchema } from '../src/config/schema.ts';
import { applyLogLines, emptyRunsState, listOpenRuns, runNeedles, type RunsContext, type RunsState } from '../src/core/runs.ts';
import type { Job, LogLine, Run } from '../src/core/types.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/runs/${name}`, import.meta.url)), 'utf8');

const PROFILES = {
  'check_positions.py': profileSchema.parse({
    script: 'check_positions.py',
    startMarker: '=== 통합 포지션 & 시그널 체크 시작 ===',
    finishMarker: '=== 체크 완료 ===',
    channelMarker: 'Telegram 채널 활성화',
    notifyEvents: ['스톱로스 발동:', '청산 시그널:', 'Inverse ETF 강제 청산:', '피라미딩 기회:', '신규 시그널:'],
    writesPositions: true,
  }),
  'signal_check.py': profileSchema.parse({
    script: 'signal_check.py',
    startMarker: '=== 터틀 트레이딩 시그널 체크 시작 ===',
    finishMarker: '=== 시그널 체크 완료 ===',
    channelMarker: 'Telegram 채널 추가',
    notifyEvents: ['발견된 시그널:'],
  }),
  'daily_report.py': profileSchema.parse({
    script: 'daily_report.py',
    startMarker: '=== 일일 리포트 생성 시작 ===',
    finishMarker: '=== 일일 리포트 완료 ===',
    alwaysSends: true,
  }),
};

function job(logFile: string, script: string): Job {
  return {
    id: logFile,
    schedule: '0 16 * * 1-5',
    timezone: 'Asia/Seoul',
    command: `python scripts/${script} >> /app/logs/${logFile} 2>&1`,
    script,
    logFile,
    line: 0,
  };
}

const CTX: RunsContext = {
  jobsByLogFile: {
    'check_kr.log': job('check_kr.log', 'check_positions.py'),
    'signal_kr.log': job('signal_kr.log', 'signal_check.py'),
    'daily_report.log': job('daily_report.log', 'daily_report.py'),
  },
  profiles: PROFILES,
  errorPatterns: [' - CRITICAL - '],
  logTimestampZone: 'auto',
};

const OBSERVED = Date.UTC(2026, 2, 1, 0, 0, 0);

function linesOf(file: string, text: string, observedAt = OBSERVED, live = false): LogLine[] {
  return text
    .split('\n')
    .filter((l, i, all) => i < all.length - 1 || l.length > 0)
    .map((t) => ({ file, text: t, observedAt, live }));
}

function feedAll(lines: LogLine[], ctx: RunsContext = CTX, state: RunsState = emptyRunsState()) {
  return applyLogLines(state, lines, ctx);
}

test('sample check_kr.log: two good runs, then a run that died of a traceback', () => {
  const { state, finished } = feedAll(linesOf('check_kr.log', fixture('check_kr.log')));
  assert.equal(finished.length, 2);
  const [first, second] = finished as [Run, Run];
  assert.equal(first.end, 'finished');
  assert.equal(first.jobId, 'check_kr.log');
  assert.equal(first.script, 'check_positions.py');
  assert.equal(first.startStamp, '2026-02-23 16:00:02,114');
  // The sample is stamped in KST; the market-status line (16:00 KST) reveals it: 16:00:02 KST = 07:00:02 UTC.
  assert.equal(new Date(first.startedAt).toISOString(), '2026-02-23T07:00:02.114Z');
  assert.equal(new Date(first.finishedAt!).toISOString(), '2026-02-23T07:00:07.615Z');
  assert.deepEqual(first.telegram, {
    channelActive: true,
    successes: ['Telegram 전송 성공: 매매 시그널: 005930.KS'],
    failures: [],
    notifyEvents: ['피라미딩 기회: 005930.KS'],
  });
  assert.deepEqual(first.tracebacks, []);
  assert.equal(second.end, 'finished');
  assert.deepEqual(second.telegram, { channelActive: true, successes: [], failures: [], notifyEvents: [] });

  const open = listOpenRuns(state);
  assert.equal(open.length, 1);
  const crashed = open[0]!;
  assert.equal(crashed.end, 'open');
  assert.equal(crashed.startStamp, '2026-02-25 16:00:02,196');
  assert.equal(crashed.tracebacks.length, 1);
  assert.equal(crashed.tracebacks[0]!.error, "TypeError: Position.__init__() got an unexpected keyword argument 'entry_reason'");
  assert.equal(crashed.tracebacks[0]!.excerpt[0], 'Traceback (most recent call last):');
  assert.ok(crashed.tracebacks[0]!.excerpt.length <= 11, 'the excerpt is short');
  assert.ok(crashed.tracebacks[0]!.excerpt.some((l) => l.includes('more lines')));
  // The state is plain JSON: a checkpoint round trip changes nothing.
  assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
});

test('the crashed run is closed as superseded by the next start, keeping its traceback', () => {
  const next = [
    '2026-02-26 16:00:02,201 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===',
    '2026-02-26 16:00:02,202 - __main__ - INFO - 한국거래소 (KRX): 장후 (16:00, 마감 15:30)',
  ].join('\n');
  const { state, finished } = feedAll(linesOf('check_kr.log', `${fixture('check_kr.log')}\n${next}\n`));
  assert.equal(finished.length, 3);
  const crashed = finished[2]!;
  assert.equal(crashed.end, 'superseded');
  assert.equal(crashed.finishedAt, undefined);
  assert.match(crashed.tracebacks[0]!.error, /^TypeError: /);
  assert.equal(listOpenRuns(state)[0]!.startStamp, '2026-02-26 16:00:02,201');
});

test('a run with a traceback that still logs its finish marker is failed', () => {
  const text = [
    '2026-02-23 07:00:02,114 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===',
    'Traceback (most recent call last):',
    '  File "/app/scripts/check_positions.py", line 10, in <module>',
    "KeyError: 'units'",
    '2026-02-23 07:00:07,615 - __main__ - INFO - === 체크 완료 ===',
  ].join('\n');
  const { finished } = feedAll(linesOf('check_kr.log', text));
  assert.equal(finished.length, 1);
  assert.equal(finished[0]!.end, 'failed');
  assert.equal(finished[0]!.tracebacks[0]!.error, "KeyError: 'units'");
});

test('sample signal_kr.log (v3.2.0): two finished runs; the deprecation WARNING before the start marker belongs to the run it precedes', () => {
  const ctx = { ...CTX, errorPatterns: [' - WARNING - '] };
  const { finished } = feedAll(linesOf('signal_kr.log', fixture('signal_kr.log')), ctx);
  assert.equal(finished.length, 2);
  for (const run of finished) {
    assert.equal(run.end, 'finished');
    assert.equal(run.script, 'signal_check.py');
    assert.equal(run.telegram.channelActive, true);
    assert.equal(run.errorLines.length, 1);
    assert.match(run.errorLines[0]!, /^2026-02-(19|20) 16:00:02,\d{3} - __main__ - WARNING - ⚠️ 이 스크립트는 deprecated/);
  }
  assert.equal(finished[0]!.startStamp, '2026-02-19 16:00:02,305');
  assert.deepEqual(finished[0]!.telegram.successes, []);
  assert.deepEqual(finished[1]!.telegram.notifyEvents, ['발견된 시그널: 2개']);
  assert.deepEqual(finished[1]!.telegram.successes, ['Telegram 전송 성공: 매매 시그널: GLD', 'Telegram 전송 성공: 매매 시그널: GLD']);
  // No market-status line and no live line: the stamps are taken as UTC (what Debian cron writes).
  assert.equal(new Date(finished[0]!.startedAt).toISOString(), '2026-02-19T16:00:02.305Z');
});

test('daily report: delivered, failed after retries, silent', () => {
  const { finished } = feedAll(linesOf('daily_report.log', fixture('daily_report.log')));
  assert.equal(finished.length, 3);
  assert.deepEqual(
    finished.map((r) => [r.end, r.telegram.successes.length, r.telegram.failures.length]),
    [
      ['finished', 1, 0],
      ['finished', 0, 1],
      ['finished', 0, 0],
    ],
  );
  assert.equal(finished[0]!.telegram.successes[0], 'Telegram 전송 성공: 일일 리포트');
  assert.match(finished[1]!.telegram.failures[0]!, /^Telegram 오류 \(모든 재시도 소진\): Cannot connect/);
  assert.equal(finished[0]!.telegram.channelActive, false, 'daily_report logs no channel line');
});

test('a start without a finish followed by another start: the first run is superseded', () => {
  const text = [
    '2026-02-23 07:00:02,114 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===',
    '2026-02-23 07:00:02,117 - __main__ - INFO - Telegram 채널 활성화',
    '2026-02-24 07:00:02,287 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===',
    '2026-02-24 07:00:06,794 - __main__ - INFO - === 체크 완료 ===',
  ].join('\n');
  const { state, finished } = feedAll(linesOf('check_kr.log', text));
  assert.deepEqual(
    finished.map((r) => [r.startStamp, r.end, r.telegram.channelActive]),
    [
      ['2026-02-23 07:00:02,114', 'superseded', true],
      ['2026-02-24 07:00:02,287', 'finished', false],
    ],
  );
  assert.equal(finished[0]!.tracebacks.length, 0);
  assert.deepEqual(listOpenRuns(state), []);
});

test('a traceback before any start marker (import error) is a failed run of its own', () => {
  const text = [
    '2026-02-19 16:00:07,592 - __main__ - INFO - === 시그널 체크 완료 ===',
    'Traceback (most recent call last):',
    '  File "/app/scripts/signal_check.py", line 14, in <module>',
    '    from src.notifier import NotificationManager',
    '  File "/app/src/notifier.py", line 9, in <module>',
    '    import aiohttp',
    "ModuleNotFoundError: No module named 'aiohttp'",
  ].join('\n');
  const live = Date.UTC(2026, 1, 20, 7, 0, 3);
  const lines = linesOf('signal_kr.log', text);
  // The traceback is read live: its time is when it was seen.
  for (const l of lines.slice(1)) Object.assign(l, { observedAt: live, live: true });
  const { state, finished } = feedAll(lines);
  assert.equal(finished.length, 1);
  const crash = finished[0]!;
  assert.equal(crash.end, 'failed');
  assert.equal(crash.jobId, 'signal_kr.log');
  assert.equal(crash.startStamp, '');
  assert.equal(crash.startedAt, live);
  assert.deepEqual(crash.tracebacks, [
    {
      error: "ModuleNotFoundError: No module named 'aiohttp'",
      excerpt: [
        'Traceback (most recent call last):',
        '  File "/app/scripts/signal_check.py", line 14, in <module>',
        '    from src.notifier import NotificationManager',
        '  File "/app/src/notifier.py", line 9, in <module>',
        '    import aiohttp',
      ],
    },
  ]);
  assert.deepEqual(listOpenRuns(state), []);
});

test('lines split across batches give the same runs and state as one batch, through checkpoints', () => {
  const text = `${fixture('check_kr.log')}\n${fixture('check_kr.log').replaceAll('2026-02-2', '2026-03-1')}`;
  const lines = linesOf('check_kr.log', text);
  const once = feedAll(lines);
  let state = emptyRunsState();
  const finished: Run[] = [];
  for (const line of lines) {
    const r = applyLogLines(state, [line], CTX);
    finished.push(...r.finished);
    state = JSON.parse(JSON.stringify(r.state)) as RunsState; // what a checkpoint keeps
  }
  assert.deepEqual(finished, once.finished);
  assert.deepEqual(state, once.state);
  // The crash of the first copy ends, superseded, when the second copy's first run starts.
  assert.deepEqual(
    once.finished.map((r) => r.end),
    ['finished', 'finished', 'superseded', 'finished', 'finished'],
  );
});

test("the caller's state is never mutated", () => {
  const first = feedAll(linesOf('check_kr.log', fixture('check_kr.log').split('\n').slice(0, 20).join('\n')));
  const before = JSON.stringify(first.state);
  applyLogLines(first.state, linesOf('check_kr.log', fixture('check_kr.log').split('\n').slice(20).join('\n')), CTX);
  assert.equal(JSON.stringify(first.state), before);
});

test('UTC and KST stamps of the same run give the same instants', () => {
  const kst = fixture('check_kr.log');
  // The same runs as Debian cron writes them: the wall clock 9 h behind, in UTC.
  const utc = kst.replace(/^2026-02-(\d\d) 16:/gm, '2026-02-$1 07:');
  assert.notEqual(utc, kst);
  const a = feedAll(linesOf('check_kr.log', kst)).finished;
  const b = feedAll(linesOf('check_kr.log', utc)).finished;
  assert.deepEqual(
    a.map((r) => [r.startedAt, r.finishedAt]),
    b.map((r) => [r.startedAt, r.finishedAt]),
  );
  assert.notEqual(a[0]!.startStamp, b[0]!.startStamp);
  // The 07:00 KST run, written in UTC, carries the previous date; its market-status line shows 07:00.
  const us = [
    '2026-02-23 22:00:02,501 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===',
    '2026-02-23 22:00:02,502 - __main__ - INFO - 한국거래소 (KRX): 장전 (07:00, 개장 09:00)',
    '2026-02-23 22:00:09,100 - __main__ - INFO - === 체크 완료 ===',
  ].join('\n');
  const run = feedAll(linesOf('check_us.log', us), { ...CTX, jobsByLogFile: { 'check_us.log': job('check_us.log', 'check_positions.py') } })
    .finished[0]!;
  assert.equal(new Date(run.startedAt).toISOString(), '2026-02-23T22:00:02.501Z');
});

test('a configured zone is used for backlog stamps until an offset is learned', () => {
  const text = [
    '2026-02-19 16:00:02,305 - __main__ - INFO - === 터틀 트레이딩 시그널 체크 시작 ===',
    '2026-02-19 16:00:07,592 - __main__ - INFO - === 시그널 체크 완료 ===',
  ].join('\n');
  const run = feedAll(linesOf('signal_kr.log', text), { ...CTX, logTimestampZone: 'Asia/Seoul' }).finished[0]!;
  assert.equal(new Date(run.startedAt).toISOString(), '2026-02-19T07:00:02.305Z');
});

test('live lines are timed by observation and teach the offset used for later backlog', () => {
  const seen = Date.UTC(2026, 1, 23, 7, 0, 3); // 1 s after the (UTC) stamp
  const live: LogLine = {
    file: 'signal_kr.log',
    text: '2026-02-23 07:00:02,114 - __main__ - INFO - === 터틀 트레이딩 시그널 체크 시작 ===',
    observedAt: seen,
    live: true,
  };
  const a = applyLogLines(emptyRunsState(), [live], { ...CTX, logTimestampZone: 'Asia/Seoul' });
  assert.equal(listOpenRuns(a.state)[0]!.startedAt, seen);
  assert.equal(a.state.files['signal_kr.log']!.clock.offsetMs, 0);
  // The configured zone (KST) would say 22:00 UTC the day before; the learned offset (UTC) wins.
  const later = applyLogLines(
    a.state,
    [
      {
        file: 'signal_kr.log',
        text: '2026-02-23 07:00:07,000 - __main__ - INFO - === 시그널 체크 완료 ===',
        observedAt: seen + 3_600_000,
        live: false,
      },
    ],
    { ...CTX, logTimestampZone: 'Asia/Seoul' },
  );
  assert.equal(new Date(later.finished[0]!.finishedAt!).toISOString(), '2026-02-23T07:00:07.000Z');
});

test('error-pattern, heal and close lines are collected, and every list is capped', () => {
  const lines = [
    '2026-02-24 07:00:02,287 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===',
    '2026-02-24 07:00:02,300 - src.utils - CRITICAL - JSON 파일 손상: data/positions/positions.json - Unterminated string starting at: line 1 column 18 (char 17)',
    '2026-02-24 07:00:02,301 - src.utils - INFO - 백업에서 복원: data/positions/backups/positions_20260224.json',
    '2026-02-24 07:00:03,100 - __main__ - WARNING - 스톱로스 발동: SPY (LONG) @ 92.96',
    '2026-02-24 07:00:03,102 - src.position_tracker - INFO - 포지션 청산: SPY_2_LONG_20260210_093001 PnL: -173 (-1.00R)',
    ...Array.from(
      { length: 50 },
      (_, i) => `2026-02-24 07:00:04,${String(i).padStart(3, '0')} - __main__ - CRITICAL - [ESCALATION] 모든 알림 채널 전송 실패: ${i}`,
    ),
    `2026-02-24 07:00:05,000 - __main__ - CRITICAL - ${'x'.repeat(5000)}`,
  ];
  const { state } = feedAll(lines.map((text) => ({ file: 'check_kr.log', text, observedAt: OBSERVED, live: false })));
  const run = listOpenRuns(state)[0]!;
  assert.equal(run.errorLines.length, 20);
  assert.match(run.errorLines[0]!, /CRITICAL - JSON 파일 손상/);
  assert.deepEqual(
    run.healLines.map((l) => l.replace(/^.* - (src\.utils) - /, '$1: ')),
    [
      'src.utils: CRITICAL - JSON 파일 손상: data/positions/positions.json - Unterminated string starting at: line 1 column 18 (char 17)',
      'src.utils: INFO - 백업에서 복원: data/positions/backups/positions_20260224.json',
    ],
  );
  assert.deepEqual(run.closedPositions, ['SPY_2_LONG_20260210_093001']);
  assert.deepEqual(run.telegram.notifyEvents, ['스톱로스 발동: SPY (LONG) @ 92.96']);
  assert.ok(JSON.stringify(state).length < 20_000, 'the checkpointed state stays small');
});

test('a traceback counts in the open run once its final line is read, however the reads cut it', () => {
  const lines = [
    '2026-02-25 07:00:02,196 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===',
    'Traceback (most recent call last):',
    '  File "/app/scripts/check_positions.py", line 546, in <module>',
    "KeyError: 'units'",
  ].map((text) => ({ file: 'check_kr.log', text, observedAt: OBSERVED, live: false }));
  const pending = listOpenRuns(feedAll(lines.slice(0, 3)).state);
  assert.equal(pending.length, 1);
  assert.equal(pending[0]!.tracebacks.length, 0, 'half a traceback judges nothing yet');
  for (let cut = 1; cut < lines.length; cut++) {
    const first = applyLogLines(emptyRunsState(), lines.slice(0, cut), CTX);
    const open = listOpenRuns(applyLogLines(first.state, lines.slice(cut), CTX).state);
    assert.deepEqual(
      open[0]!.tracebacks.map((t) => t.error),
      ["KeyError: 'units'"],
      `cut after line ${cut}`,
    );
  }
});

test('a log file no crontab job names yet is attributed by the start marker it contains', () => {
  const { finished } = feedAll(linesOf('check_kr.log', fixture('check_kr.log')), { ...CTX, jobsByLogFile: {} });
  assert.equal(finished.length, 2);
  assert.equal(finished[0]!.jobId, 'check_kr.log');
  assert.equal(finished[0]!.script, 'check_positions.py');
  // A file with no markers of any profile makes no runs.
  assert.deepEqual(
    feedAll(linesOf('cleanup.log', 'find: /app/data/cache: No such file or directory\n'), { ...CTX, jobsByLogFile: {} }).finished,
    [],
  );
});

test('garbage never throws and makes no runs', () => {
  const junk = [
    '',
    '\u0000\uFFFD\uFFFD',
    '9999-99-99 99:99:99,999 - x - INFO - y',
    '2026-02-23 16:00:02,114',
    ' - - - ',
    '\t\t',
    '   ',
    'XError',
  ];
  const lines = junk.map((text) => ({ file: 'check_kr.log', text, observedAt: OBSERVED, live: false }));
  const r = applyLogLines(
    emptyRunsState(),
    [...lines, { file: 'check_kr.log', text: undefined as unknown as string, observedAt: 0, live: false }],
    CTX,
  );
  assert.deepEqual(r.finished, []);
  assert.deepEqual(listOpenRuns(r.state), []);
  // A traceback header followed by junk is still a crash: the first non-indented line is its error line.
  const crash = applyLogLines(
    r.state,
    ['Traceback (most recent call last):', '   ', 'XError'].map((text) => ({
      file: 'check_kr.log',
      text,
      observedAt: OBSERVED,
      live: false,
    })),
    CTX,
  );
  assert.deepEqual(
    crash.finished.map((run) => [run.end, run.tracebacks[0]!.error]),
    [['failed', 'XError']],
  );
});

test('runNeedles: markers, Telegram and repair strings, error patterns, without redundant needles', () => {
  const needles = runNeedles(PROFILES, [' - CRITICAL - ', 'CRITICAL']);
  for (const expected of [
    '=== 통합 포지션 & 시그널 체크 시작 ===',
    '=== 체크 완료 ===',
    '=== 시그널 체크 완료 ===',
    '=== 일일 리포트 완료 ===',
    'Telegram 채널 활성화',
    'Telegram 전송 성공',
    'Telegram 오류 (모든 재시도 소진)',
    '포지션 청산: ',
    'JSON 파일 손상',
    '백업에서 복원',
    'Traceback (most recent call last):',
    '한국거래소 (KRX): ',
    '피라미딩 기회:',
    'CRITICAL',
  ]) {
    assert.ok(needles.includes(expected), `missing needle ${expected}`);
  }
  // ' - CRITICAL - ' contains 'CRITICAL': searching the shorter one finds the same lines.
  assert.ok(!needles.includes(' - CRITICAL - '));
  assert.deepEqual(runNeedles([PROFILES['daily_report.py']], []), runNeedles({ d: PROFILES['daily_report.py'] }, []));
});
