// Self-test of the turtle-trading simulator: determinism, the cron calendar, the log formats, UTC
// stamping, holidays, the version switch and every injectable fault, checked on the generated timeline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerObservation, Event, Instant, LogLine } from '../src/core/types.ts';
import { IMAGE_IDS, simulate, type SimOptions, type SimTimeline } from './sim/turtle-sim.ts';

// ---------------------------------------------------------------------------------------------
// helpers that read the timeline the way a test of the sidecar would (independent of the generator)

const ASCTIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3}) - [\w.]+ - (INFO|WARNING|ERROR|CRITICAL) - /;
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(Error|Exception): /;
const KST = 9 * 3600_000;

/** The instant a naive asctime stamp denotes in the given zone. */
function stampInstant(line: string, zone: 'UTC' | 'KST'): Instant {
  const m = ASCTIME.exec(line);
  assert.ok(m, `not an asctime line: ${line}`);
  const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - (zone === 'KST' ? KST : 0);
}

const kst = (date: string, hhmm = '00:00'): Instant => Date.parse(`${date}T${hhmm}:00+09:00`);
const kstDate = (at: Instant): string => new Date(at + KST).toISOString().slice(0, 10);
const kstWeekday = (at: Instant): number => new Date(at + KST).getUTCDay();

function observedAt(e: Event): Instant {
  switch (e.kind) {
    case 'log-lines':
      return e.lines[0]!.observedAt;
    case 'tick':
      return e.now;
    case 'container':
      return e.container.observedAt;
    case 'crontab':
      return e.crontab.observedAt;
    case 'json-file':
      return e.file.observedAt;
    case 'container-files':
    case 'cron-inspection':
    case 'runner-lines':
    case 'job-processes':
    case 'source-error':
    case 'source-ok':
      return e.observedAt;
    case 'operator':
    case 'execution':
    case 'plan-ready':
    case 'startup':
    case 'digest-due':
      return e.at;
  }
}

function linesOf(tl: SimTimeline, file: string): LogLine[] {
  return tl.events.flatMap((e) => (e.kind === 'log-lines' ? e.lines.filter((l) => l.file === file) : []));
}

interface Segment {
  lines: LogLine[];
  start: Instant; // true instant of the first line
}

/** Runs of a log file: each starts at a line containing `marker` (or a lock warning) and ends before the next. */
function segments(lines: readonly LogLine[], marker: string, zone: 'UTC' | 'KST'): Segment[] {
  const out: Segment[] = [];
  for (const line of lines) {
    if (line.text.includes(marker) || line.text.includes('이미 다른 인스턴스가 실행 중입니다'))
      out.push({ lines: [], start: stampInstant(line.text, zone) });
    out.at(-1)?.lines.push(line);
  }
  return out;
}

const texts = (s: Segment | undefined): string[] => (s ? s.lines.map((l) => l.text) : []);
const has = (s: Segment | undefined, needle: string): boolean => texts(s).some((t) => t.includes(needle));
const segmentAt = (segs: readonly Segment[], date: string, hhmm: string): Segment | undefined =>
  segs.find((s) => s.start >= kst(date, hhmm) && s.start < kst(date, hhmm) + 10 * 60_000);

const CHECK_START = '=== 통합 포지션 & 시그널 체크 시작 ===';
const CHECK_END = '=== 체크 완료 ===';
const SIGNAL_START = '=== 터틀 트레이딩 시그널 체크 시작 ===';
const REPORT_START = '=== 일일 리포트 생성 시작 ===';
const REPORT_END = '=== 일일 리포트 완료 ===';

function positionsWrites(tl: SimTimeline): { at: Instant; content: string }[] {
  return tl.events.flatMap((e) =>
    e.kind === 'json-file' && e.file.which === 'positions' ? [{ at: e.file.observedAt, content: e.file.content ?? '' }] : [],
  );
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Shared per suite but built inside the first test that needs it, so a generator error fails tests (not the suite load). */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

const base: SimOptions = { start: '2026-03-02', days: 30, seed: 20260302, logStampZone: 'Asia/Seoul' };

// ---------------------------------------------------------------------------------------------

describe('simulator: determinism and shape', () => {
  it('gives the identical timeline for the same options, and a different one for another seed', () => {
    const a = simulate({ ...base, logStampZone: 'UTC' });
    const b = simulate({ ...base, logStampZone: 'UTC' });
    assert.deepEqual(a, b);
    const c = simulate({ ...base, logStampZone: 'UTC', seed: base.seed + 1 });
    assert.notDeepEqual(c.files['logs/check_kr.log'], a.files['logs/check_kr.log']);
  });

  it('generates 30 days well under a second', () => {
    const t = performance.now();
    simulate({
      ...base,
      faults: [
        { kind: 'telegram-send-failure', day: 3 },
        { kind: 'positions-corrupt', day: 5 },
      ],
    });
    const ms = performance.now() - t;
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  });

  it('emits events in observation order, log lines a few ms to seconds after they were written', () => {
    const tl = simulate({ ...base, logStampZone: 'UTC' });
    let last = Number.NEGATIVE_INFINITY;
    for (const e of tl.events) {
      const at = observedAt(e);
      assert.ok(at >= last, `event ${e.kind} at ${at} before ${last}`);
      last = at;
      if (e.kind !== 'log-lines') continue;
      for (const line of e.lines) {
        assert.equal(line.live, true);
        if (!ASCTIME.test(line.text)) continue;
        const lag = line.observedAt - stampInstant(line.text, 'UTC');
        assert.ok(lag >= 0 && lag <= 3_000, `lag ${lag} ms for ${line.text}`);
      }
    }
  });

  it('has a tick every 5 minutes, the crontab and container state at the start, one day note per day', () => {
    const tl = simulate(base);
    const ticks = tl.events.filter((e): e is Extract<Event, { kind: 'tick' }> => e.kind === 'tick').map((e) => e.now);
    assert.equal(ticks.length, 30 * 288 + 1);
    assert.ok(ticks.every((t, i) => i === 0 || t - ticks[i - 1]! === 5 * 60_000));
    assert.equal(ticks[0], kst('2026-03-02'));
    const first = tl.events.slice(0, 12).map((e) => e.kind);
    for (const kind of ['crontab', 'container-files', 'container', 'json-file', 'job-processes'] as const)
      assert.ok(first.includes(kind), `${kind} at start`);
    assert.equal(tl.expectations.length, 30);
    assert.equal(tl.expectations[0]!.day, '2026-03-02');
    assert.equal(tl.crontabs.length, 1);
    assert.match(
      tl.crontabs[0]!.text,
      /^0 16 \* \* 1-5 cd \/app && python scripts\/check_positions\.py >> \/app\/logs\/check_kr\.log 2>&1$/m,
    );
  });

  it('keeps the log files equal to the lines it emitted', () => {
    const tl = simulate({ ...base, faults: [{ kind: 'traceback-run', day: 2 }] });
    for (const file of ['check_kr.log', 'check_us.log', 'daily_report.log']) {
      assert.equal(
        tl.files[`logs/${file}`],
        `${linesOf(tl, file)
          .map((l) => l.text)
          .join('\n')}\n`,
      );
    }
  });
});

describe('simulator: schedule and formats', () => {
  it('runs each job exactly as the v3.2.1 crontab and the calendar say over 30 days', () => {
    const tl = simulate(base);
    const expected = { kr: 0, us: 0, report: 0, cleanup: 0 };
    for (let d = 0; d < 30; d++) {
      const wd = kstWeekday(kst('2026-03-02') + d * 86_400_000);
      if (wd >= 1 && wd <= 5) expected.kr++;
      if (wd >= 2 && wd <= 6) expected.us++;
      if (wd === 0) expected.cleanup++;
      expected.report++;
    }
    assert.deepEqual(expected, { kr: 22, us: 21, report: 30, cleanup: 4 }); // March 2026 from Monday the 2nd
    const kr = segments(linesOf(tl, 'check_kr.log'), CHECK_START, 'KST');
    const us = segments(linesOf(tl, 'check_us.log'), CHECK_START, 'KST');
    const report = segments(linesOf(tl, 'daily_report.log'), REPORT_START, 'KST');
    assert.equal(kr.length, expected.kr);
    assert.equal(us.length, expected.us);
    assert.equal(report.length, expected.report);
    for (const [segs, hh, days] of [
      [kr, 16, [1, 2, 3, 4, 5]],
      [us, 7, [2, 3, 4, 5, 6]],
      [report, 8, [0, 1, 2, 3, 4, 5, 6]],
    ] as const) {
      for (const s of segs) {
        const offset = s.start - kst(kstDate(s.start), `${String(hh).padStart(2, '0')}:00`);
        assert.ok(offset > 1_000 && offset < 5_000, `start ${offset} ms after the fire time`);
        assert.ok((days as readonly number[]).includes(kstWeekday(s.start)));
      }
    }
    assert.ok(kr.every((s) => has(s, CHECK_END)) && us.every((s) => has(s, CHECK_END)) && report.every((s) => has(s, REPORT_END)));
    assert.equal(tl.files['logs/cleanup.log'], ''); // find prints nothing; `>>` still creates the file
    assert.equal(tl.runs.filter((r) => r.job === 'cleanup').length, expected.cleanup);
    assert.ok(!('logs/signal_kr.log' in tl.files));
  });

  it('writes every line in the asctime format except the bodies of tracebacks', () => {
    const tl = simulate({
      ...base,
      faults: [
        { kind: 'traceback-run', day: 1 },
        { kind: 'traceback-run', day: 4, job: 'report' },
        { kind: 'positions-unknown-key', day: 8 },
      ],
    });
    let tracebacks = 0;
    for (const file of ['check_kr.log', 'check_us.log', 'daily_report.log']) {
      let inTraceback = false;
      for (const { text } of linesOf(tl, file)) {
        if (text === 'Traceback (most recent call last):') {
          assert.ok(!inTraceback);
          inTraceback = true;
          tracebacks++;
        } else if (inTraceback) {
          if (EXCEPTION_LINE.test(text)) inTraceback = false;
          else assert.match(text, /^ {2}File "|^ {4}/, `traceback body: ${text}`);
        } else {
          assert.match(text, ASCTIME, `${file}: ${text}`);
        }
      }
      assert.ok(!inTraceback, `${file} ends inside a traceback`);
    }
    assert.ok(tracebacks >= 3, `${tracebacks} tracebacks`);
  });

  it('stamps UTC when the jobs run in UTC: a 07:00 KST run is stamped the previous date 22:00', () => {
    const utc = simulate({ ...base, logStampZone: 'UTC' });
    const local = simulate(base);
    const us = linesOf(utc, 'check_us.log').filter((l) => l.text.includes(CHECK_START));
    assert.equal(us.length, 21);
    for (const l of us) {
      const stamp = l.text.slice(0, 19);
      const trueKst = new Date(stampInstant(l.text, 'UTC') + KST).toISOString().slice(0, 10);
      assert.match(stamp, /^\d{4}-\d{2}-\d{2} 22:00:0\d$/);
      assert.equal(stamp.slice(0, 10), new Date(Date.parse(`${trueKst}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10));
    }
    assert.ok(
      linesOf(utc, 'check_kr.log')
        .filter((l) => l.text.includes(CHECK_START))
        .every((l) => / 07:00:0\d,/.test(l.text)),
    );
    // the tz-aware market line keeps the true KST clock
    assert.ok(linesOf(utc, 'check_kr.log').some((l) => l.text.endsWith('한국거래소 (KRX): 장후 (16:00, 마감 15:30)')));
    // same seed, other zone: every stamp denotes the same instant
    for (const file of ['check_kr.log', 'check_us.log', 'daily_report.log']) {
      const a = linesOf(utc, file)
        .filter((l) => ASCTIME.test(l.text))
        .map((l) => stampInstant(l.text, 'UTC'));
      const b = linesOf(local, file)
        .filter((l) => ASCTIME.test(l.text))
        .map((l) => stampInstant(l.text, 'KST'));
      assert.deepEqual(a, b);
    }
  });

  it('shows KR and US holidays in the market-status lines on the right days', () => {
    const march = simulate(base);
    const kr = segments(linesOf(march, 'check_kr.log'), CHECK_START, 'KST');
    const holiday = segmentAt(kr, '2026-03-02', '16:00');
    assert.ok(has(holiday, '한국거래소 (KRX): 휴장 (공휴일)'));
    assert.ok(has(holiday, '마켓 비활동 시간: 005930.KS (KR) 스킵') && has(holiday, '마켓 비활동 시간: 035420.KS (KR) 스킵'));
    assert.ok(has(holiday, CHECK_END));
    const workday = segmentAt(kr, '2026-03-03', '16:00');
    assert.ok(has(workday, '한국거래소 (KRX): 장후 (16:00, 마감 15:30)') && !has(workday, '(KR) 스킵'));
    // US daylight saving starts 2026-03-08: 16:00 KST is 02:00 EST before, 03:00 EDT after
    assert.ok(has(workday, 'NYSE/NASDAQ: 장전 (02:00, 개장 09:30)'));
    assert.ok(has(segmentAt(kr, '2026-03-09', '16:00'), 'NYSE/NASDAQ: 장전 (03:00, 개장 09:30)'));

    const spring = simulate({ ...base, start: '2026-03-30', days: 8 }); // Good Friday 2026-04-03
    const springKr = segments(linesOf(spring, 'check_kr.log'), CHECK_START, 'KST');
    const springUs = segments(linesOf(spring, 'check_us.log'), CHECK_START, 'KST');
    assert.ok(has(segmentAt(springKr, '2026-04-03', '16:00'), 'NYSE/NASDAQ: 휴장 (공휴일)'));
    const afterGoodFriday = segmentAt(springUs, '2026-04-04', '07:00');
    assert.ok(has(afterGoodFriday, 'NYSE/NASDAQ: 휴장 (공휴일)') && has(afterGoodFriday, '마켓 비활동 시간: SPY (US) 스킵'));
    assert.ok(has(afterGoodFriday, '한국거래소 (KRX): 휴장 (주말)'));
    const thursday = segmentAt(springUs, '2026-04-03', '07:00');
    assert.ok(has(thursday, 'NYSE/NASDAQ: 장후 (18:00, 마감 16:00)') && !has(thursday, '마켓 비활동 시간: SPY'));

    const may = simulate({ ...base, start: '2026-05-22', days: 6 }); // Buddha's birthday substitute = Memorial Day
    const mayKr = segments(linesOf(may, 'check_kr.log'), CHECK_START, 'KST');
    const mayUs = segments(linesOf(may, 'check_us.log'), CHECK_START, 'KST');
    const both = segmentAt(mayKr, '2026-05-25', '16:00');
    assert.ok(has(both, '한국거래소 (KRX): 휴장 (공휴일)') && has(both, 'NYSE/NASDAQ: 휴장 (공휴일)'));
    assert.ok(has(segmentAt(mayUs, '2026-05-26', '07:00'), 'NYSE/NASDAQ: 휴장 (공휴일)'));
    assert.ok(has(segmentAt(mayKr, '2026-05-26', '16:00'), '한국거래소 (KRX): 장후 (16:00, 마감 15:30)'));
    assert.ok(may.expectations.find((x) => x.day === '2026-05-25')!.notes.some((n) => n.includes('부처님오신날 대체공휴일')));
  });
});

describe('simulator: normal operation', () => {
  const timeline = lazy(() => simulate(base));

  it('sends Telegram only for notify events and the daily report, and every send succeeds', () => {
    const tl = timeline();
    for (const file of ['check_kr.log', 'check_us.log']) {
      for (const s of segments(linesOf(tl, file), CHECK_START, 'KST')) {
        assert.ok(has(s, 'Telegram 채널 활성화'));
        const events = texts(s).filter(
          (t) => /(피라미딩 기회|스톱로스 발동|청산 시그널|신규 시그널: \d)/.test(t) && !t.includes('신규 시그널 없음'),
        );
        const sent = texts(s).filter((t) => t.includes('Telegram 전송 성공: 매매 시그널: '));
        const newSignals = texts(s)
          .map((t) => /신규 시그널: (\d+)개/.exec(t))
          .find(Boolean);
        assert.equal(sent.length, events.length - (newSignals ? 1 : 0) + (newSignals ? Number(newSignals[1]) : 0));
        assert.ok(!has(s, 'Telegram 오류'));
      }
    }
    const reports = segments(linesOf(tl, 'daily_report.log'), REPORT_START, 'KST');
    assert.ok(reports.every((s) => texts(s).filter((t) => t.endsWith('Telegram 전송 성공: 일일 리포트')).length === 1));
    const quiet = segments(linesOf(tl, 'check_kr.log'), CHECK_START, 'KST').filter((s) => !has(s, 'Telegram 전송 성공'));
    assert.ok(quiet.length > 10, 'most runs are quiet');
    assert.ok(
      linesOf(tl, 'check_kr.log')
        .concat(linesOf(tl, 'check_us.log'))
        .some((l) => l.text.includes('피라미딩 기회')),
      'a pyramid chance',
    );
  });

  it('closes a position on a stop loss or exit: close line, file rewrite with exit fields, a backup', () => {
    const tl = timeline();
    const closes = ['check_kr.log', 'check_us.log']
      .flatMap((f) => linesOf(tl, f))
      .filter((l) => / - src\.position_tracker - INFO - 포지션 청산: \S+ PnL: -?[\d,]+ \(-?\d+\.\d\dR\)$/.test(l.text));
    assert.ok(closes.length >= 1 && closes.length <= 2, `${closes.length} closes`);
    const writes = positionsWrites(tl);
    for (const close of closes) {
      const id = / 포지션 청산: (\S+) /.exec(close.text)![1]!;
      const after = writes.find((w) => w.at <= close.observedAt + 1_000 && w.at >= close.observedAt - 5_000);
      assert.ok(after, `a positions.json write near the close of ${id}`);
      const record = (JSON.parse(after.content) as Record<string, unknown>[]).find((r) => r.position_id === id)!;
      assert.equal(record.status, 'closed');
      for (const key of ['exit_date', 'exit_price', 'exit_reason', 'pnl', 'pnl_pct', 'r_multiple']) assert.notEqual(record[key], null, key);
    }
    const made = Object.keys(tl.files)
      .map((f) => /^data\/positions\/backups\/positions_(\d{8})\.json$/.exec(f)?.[1])
      .filter((d) => d !== undefined && d >= '20260302');
    assert.ok(made.length >= 1, 'a backup written by a close during the simulation');
  });

  it('never violates the positions.json invariants the sidecar checks', () => {
    const tl = timeline();
    for (const w of positionsWrites(tl)) {
      const list = JSON.parse(w.content) as Record<string, number | string | null>[];
      assert.ok(Array.isArray(list));
      for (const p of list) {
        assert.equal(p.units, (p.pyramid_level as number) + 1);
        const n = p.entry_n as number;
        assert.equal(p.stop_loss, p.direction === 'LONG' ? (p.entry_price as number) - 2 * n : (p.entry_price as number) + 2 * n);
        if (p.status === 'closed')
          for (const k of ['exit_date', 'exit_price', 'exit_reason', 'pnl', 'r_multiple']) assert.notEqual(p[k], null);
      }
      assert.ok(!w.content.endsWith('\n'), 'no trailing newline');
    }
  });

  it('shows the cron container running and the dashboard crash-looping', () => {
    const tl = timeline();
    const containers = tl.events.filter((e): e is Extract<Event, { kind: 'container' }> => e.kind === 'container').map((e) => e.container);
    const cron = containers.filter((c) => c.name === 'turtle-cron');
    const dash = containers.filter((c) => c.name === 'turtle-dashboard');
    assert.ok(cron.length >= 30 * 24 && cron.every((c) => c.status === 'running' && c.imageId === IMAGE_IDS['v3.2.1']));
    assert.ok(dash.every((c) => c.status === 'restarting'));
    assert.ok(dash.at(-1)!.restartCount > dash[0]!.restartCount + 500);
  });

  it('without Telegram configured no run logs the channel line or a success line', () => {
    const silent = simulate({ ...base, telegramConfigured: false });
    for (const file of ['check_kr.log', 'check_us.log', 'daily_report.log']) {
      assert.ok(linesOf(silent, file).every((l) => !l.text.includes('Telegram 채널 활성화') && !l.text.includes('Telegram 전송 성공')));
    }
    assert.equal(segments(linesOf(silent, 'daily_report.log'), REPORT_START, 'KST').filter((s) => has(s, REPORT_END)).length, 30);
  });
});

describe('simulator: version switch', () => {
  const timeline = lazy(() => simulate({ ...base, versionSwitch: { atDay: 10, atKst: '11:30', from: 'v3.2.1', to: 'v3.2.0' } }));
  const switchAt = kst('2026-03-12', '11:30');

  it('stops the v3.2.1 logs and starts signal_kr.log / signal_us.log after the switch', () => {
    const tl = timeline();
    const checkLines = [...linesOf(tl, 'check_kr.log'), ...linesOf(tl, 'check_us.log')];
    const signalLines = [...linesOf(tl, 'signal_kr.log'), ...linesOf(tl, 'signal_us.log')];
    assert.ok(checkLines.length > 0 && checkLines.every((l) => stampInstant(l.text, 'KST') < switchAt));
    assert.ok(signalLines.length > 0 && signalLines.every((l) => !ASCTIME.test(l.text) || stampInstant(l.text, 'KST') > switchAt));
    const kr = segments(linesOf(tl, 'signal_kr.log'), SIGNAL_START, 'KST');
    // weekdays from Thu 2026-03-12 16:00 to Tue 2026-03-31 16:00
    assert.equal(kr.length, 14);
    assert.ok(kr.every((s) => has(s, '=== 시그널 체크 완료 ===') && has(s, '대상 종목: 8개') && has(s, 'Telegram 채널 추가')));
    assert.ok(texts(kr[0]).some((t) => / - __main__ - WARNING - ⚠️ 이 스크립트는 deprecated입니다/.test(t)));
    assert.equal(segments(linesOf(tl, 'daily_report.log'), REPORT_START, 'KST').length, 30);
  });

  it('changes the crontab, the container files and the image id at the switch', () => {
    const tl = timeline();
    assert.deepEqual(
      tl.crontabs.map((c) => c.version),
      ['v3.2.1', 'v3.2.0'],
    );
    const crontabs = tl.events.filter((e): e is Extract<Event, { kind: 'crontab' }> => e.kind === 'crontab').map((e) => e.crontab);
    assert.equal(crontabs.length, 2);
    assert.ok(crontabs[1]!.observedAt > switchAt && crontabs[1]!.observedAt < switchAt + 60_000);
    assert.match(crontabs[1]!.text, /signal_check\.py >> \/app\/logs\/signal_kr\.log/);
    assert.doesNotMatch(crontabs[1]!.text, /check_positions\.py/);
    const files = tl.events.filter((e): e is Extract<Event, { kind: 'container-files' }> => e.kind === 'container-files');
    assert.deepEqual(
      files.map((e) => e.present['/app/scripts/signal_check.py']),
      [false, true],
    );
    const cron = tl.events
      .filter((e): e is Extract<Event, { kind: 'container' }> => e.kind === 'container' && e.container.name === 'turtle-cron')
      .map((e) => e.container);
    const before = cron.filter((c) => c.observedAt < switchAt);
    const after = cron.filter((c) => c.observedAt > switchAt + 10_000);
    assert.ok(
      before.every((c) => c.imageId === IMAGE_IDS['v3.2.1']) &&
        after.every((c) => c.imageId === IMAGE_IDS['v3.2.0'] && c.status === 'running'),
    );
    assert.notEqual(IMAGE_IDS['v3.2.0'], IMAGE_IDS['v3.2.1']);
    assert.ok(
      cron.every((c) => c.imageRef === 'turtle_trading-turtle-cron'),
      'compose keeps the image name: only the id tells versions apart',
    );
    const dash = tl.events
      .filter((e): e is Extract<Event, { kind: 'container' }> => e.kind === 'container' && e.container.name === 'turtle-dashboard')
      .map((e) => e.container);
    assert.ok(
      dash.filter((c) => c.observedAt > switchAt + 10_000).every((c) => c.status === 'restarting' && c.imageId === IMAGE_IDS['v3.2.0']),
    );
  });

  it('never rewrites positions.json from v3.2.0 jobs', () => {
    const tl = timeline();
    assert.ok(positionsWrites(tl).every((w) => w.at < switchAt));
  });
});

describe('simulator: faults show up where placed', () => {
  const faults: SimOptions['faults'] = [
    { kind: 'missed-run', day: 1, job: 'kr' }, // Tue 03-03 16:00
    { kind: 'hung-run', day: 2, job: 'us', releaseAfterMinutes: 240 }, // Wed 03-04 07:00
    { kind: 'traceback-run', day: 3 }, // Thu 03-05 16:00
    { kind: 'critical-line', day: 4, job: 'report' }, // Fri 03-06 08:00
    { kind: 'telegram-send-failure', day: 4, job: 'kr' }, // Fri 03-06 16:00
    { kind: 'report-without-success', day: 5 }, // Sat 03-07 08:00
    { kind: 'event-without-success', day: 7, job: 'kr' }, // Mon 03-09 16:00
    { kind: 'channel-not-configured', day: 8, job: 'us' }, // Tue 03-10 07:00
    { kind: 'positions-corrupt', day: 8, at: '12:00', variant: 'truncated' }, // healed by the 16:00 run
    { kind: 'positions-healed', day: 6 }, // Sun 03-08 08:00, before anything else touched the file
    { kind: 'positions-vanished', day: 11, at: '13:20' }, // Fri 03-13
    { kind: 'cron-stopped', day: 14, at: '15:30' }, // Mon 03-16, covers 16:00
    { kind: 'positions-unknown-key', day: 16, at: '11:05' }, // Wed 03-18, crashes the next check runs
  ];
  const timeline = lazy(() => {
    const tl = simulate({ ...base, faults });
    return {
      tl,
      kr: segments(linesOf(tl, 'check_kr.log'), CHECK_START, 'KST'),
      us: segments(linesOf(tl, 'check_us.log'), CHECK_START, 'KST'),
      report: segments(linesOf(tl, 'daily_report.log'), REPORT_START, 'KST'),
    };
  });

  it('missed-run: the scheduled run leaves no line', () => {
    const { tl, kr } = timeline();
    assert.equal(segmentAt(kr, '2026-03-03', '16:00'), undefined);
    assert.ok(segmentAt(kr, '2026-03-04', '16:00'));
    assert.equal(tl.runs.find((r) => r.day === '2026-03-03' && r.job === 'kr')!.outcome, 'missed');
  });

  it('hung-run: a start, nothing after it, and the process visible until it is released', () => {
    const { tl, us } = timeline();
    const hung = segmentAt(us, '2026-03-04', '07:00')!;
    assert.ok(has(hung, CHECK_START) && !has(hung, CHECK_END));
    const last = stampInstant(hung.lines.at(-1)!.text, 'KST');
    assert.ok(last < kst('2026-03-04', '07:01'));
    const next = us[us.indexOf(hung) + 1]!;
    assert.ok(next.start > kst('2026-03-05', '07:00'), 'nothing else in check_us.log until the next day');
    const procs = tl.events.filter((e): e is Extract<Event, { kind: 'job-processes' }> => e.kind === 'job-processes');
    const during = procs.filter((e) => e.observedAt > kst('2026-03-04', '07:00') && e.observedAt < kst('2026-03-04', '11:00'));
    assert.ok(during.length > 0 && during.every((e) => e.commands.includes('python scripts/check_positions.py')));
    const afterRelease = procs.find((e) => e.observedAt > kst('2026-03-04', '11:00'))!;
    assert.ok(afterRelease.observedAt < kst('2026-03-04', '11:01'), 'released 240 minutes after the fire time');
    assert.deepEqual(afterRelease.commands, []);
  });

  it('hung-run without release: later check runs find the lock held and log only the lock warning', () => {
    const held = simulate({ ...base, days: 6, faults: [{ kind: 'hung-run', day: 2, job: 'us' }] });
    const segs = segments(linesOf(held, 'check_kr.log'), CHECK_START, 'KST');
    const busy = segmentAt(segs, '2026-03-04', '16:00')!;
    assert.equal(busy.lines.length, 1);
    assert.match(busy.lines[0]!.text, / - __main__ - WARNING - 이미 다른 인스턴스가 실행 중입니다\. 종료합니다\.$/);
  });

  it('traceback-run: the sample traceback and no finish marker', () => {
    const { kr } = timeline();
    const run = segmentAt(kr, '2026-03-05', '16:00')!;
    const body = texts(run);
    const i = body.indexOf('Traceback (most recent call last):');
    assert.ok(i > 0);
    assert.equal(body.at(-1), "TypeError: Position.__init__() got an unexpected keyword argument 'entry_reason'");
    assert.ok(body.includes('  File "/app/src/position_tracker.py", line 71, in from_dict'));
    assert.equal(body.filter((t) => t.startsWith('  File ')).length, 9);
    assert.ok(!has(run, CHECK_END));
  });

  it('critical-line: a CRITICAL line inside a run that still finishes', () => {
    const { report } = timeline();
    const run = segmentAt(report, '2026-03-06', '08:00');
    assert.ok(texts(run).some((t) => / - src\.notifier - CRITICAL - \[ESCALATION\]/.test(t)));
    assert.ok(has(run, REPORT_END));
    assert.ok(!has(segmentAt(report, '2026-03-05', '08:00'), ' - CRITICAL - '));
  });

  it('telegram-send-failure: Retry 1/2, Retry 2/2, 모든 재시도 소진 after a notify event, no success', () => {
    const { kr } = timeline();
    const run = segmentAt(kr, '2026-03-06', '16:00')!;
    const t = texts(run);
    const event = t.findIndex((x) => /피라미딩 기회|스톱로스 발동|청산 시그널/.test(x));
    const r1 = t.findIndex((x) =>
      / - src\.utils - WARNING - Retry 1\/2: _send_with_retry - Cannot connect to host api\.telegram\.org:443/.test(x),
    );
    const r2 = t.findIndex((x) => x.includes(' - src.utils - WARNING - Retry 2/2: _send_with_retry - '));
    const gaveUp = t.findIndex((x) => x.includes(' - src.notifier - ERROR - Telegram 오류 (모든 재시도 소진): '));
    assert.ok(event >= 0 && event < r1 && r1 < r2 && r2 < gaveUp, `${event} ${r1} ${r2} ${gaveUp}`);
    assert.ok(stampInstant(t[gaveUp]!, 'KST') - stampInstant(t[r1]!, 'KST') >= 3_000, 'the retries sleep 1 s and 2 s');
    assert.ok(!has(run, 'Telegram 전송 성공') && has(run, CHECK_END));
  });

  it('report-without-success: the report finishes without its success line', () => {
    const { report } = timeline();
    const run = segmentAt(report, '2026-03-07', '08:00');
    assert.ok(has(run, REPORT_END) && !has(run, 'Telegram 전송 성공'));
    assert.ok(has(segmentAt(report, '2026-03-08', '08:00'), 'Telegram 전송 성공: 일일 리포트'));
  });

  it('event-without-success: a 피라미딩 기회 line with no Telegram line', () => {
    const { kr } = timeline();
    const run = segmentAt(kr, '2026-03-09', '16:00');
    assert.ok(has(run, '피라미딩 기회: ') && has(run, 'Telegram 채널 활성화'));
    assert.ok(!has(run, 'Telegram 전송') && !has(run, 'Telegram 오류'));
  });

  it('channel-not-configured: that run lacks the channel line, the others have it', () => {
    const { us } = timeline();
    assert.ok(!has(segmentAt(us, '2026-03-10', '07:00'), 'Telegram 채널 활성화'));
    assert.ok(has(segmentAt(us, '2026-03-11', '07:00'), 'Telegram 채널 활성화'));
  });

  it('positions-corrupt: an unparseable file at the fault time, healed by the next reader', () => {
    const { tl, kr } = timeline();
    const writes = positionsWrites(tl);
    const broken = writes.find((w) => w.at >= kst('2026-03-10', '12:00') && w.at < kst('2026-03-10', '12:01'))!;
    assert.ok(broken && tryParse(broken.content) === undefined);
    const healer = segmentAt(kr, '2026-03-10', '16:00')!;
    const t = texts(healer);
    const crit = t.findIndex((x) =>
      / - src\.utils - CRITICAL - JSON 파일 손상: data\/positions\/positions\.json - Unterminated string starting at: line \d+ column \d+ \(char \d+\)$/.test(
        x,
      ),
    );
    const restore = t.findIndex((x) => / - src\.utils - INFO - 백업에서 복원: data\/positions\/backups\/positions_\d{8}\.json$/.test(x));
    assert.ok(crit >= 0 && restore === crit + 1);
    const repaired = writes.find((w) => w.at > broken.at)!;
    const backupName = /positions_\d{8}\.json/.exec(t[restore]!)![0];
    assert.equal(repaired.content, tl.files[`data/positions/backups/${backupName}`]);
    assert.ok(repaired.at < healer.start + 10_000 && has(healer, CHECK_END));
  });

  it('positions-healed: the CRITICAL + 백업에서 복원 pair and the file reverts to the backup', () => {
    const { tl, report } = timeline();
    const run = segmentAt(report, '2026-03-08', '08:00')!;
    assert.ok(has(run, ' - src.utils - CRITICAL - JSON 파일 손상: ') && has(run, '백업에서 복원: ') && has(run, REPORT_END));
    const writes = positionsWrites(tl);
    const i = writes.findIndex((w) => w.at > run.start && w.at < run.start + 10_000);
    assert.ok(i > 0);
    assert.notEqual(writes[i]!.content, writes[i - 1]!.content);
    assert.ok(
      Object.entries(tl.files).some(
        ([name, content]) => name.startsWith('data/positions/backups/positions_') && content === writes[i]!.content,
      ),
    );
  });

  it('positions-vanished: an open position disappears with no close line', () => {
    const { tl } = timeline();
    const writes = positionsWrites(tl);
    const i = writes.findIndex((w) => w.at >= kst('2026-03-13', '13:20') && w.at < kst('2026-03-13', '13:21'));
    assert.ok(i > 0);
    const ids = (text: string): string[] =>
      (JSON.parse(text) as { position_id: string; status: string }[]).filter((p) => p.status === 'open').map((p) => p.position_id);
    const gone = ids(writes[i - 1]!.content).filter((id) => !ids(writes[i]!.content).includes(id));
    assert.equal(gone.length, 1);
    const all = [...linesOf(tl, 'check_kr.log'), ...linesOf(tl, 'check_us.log')];
    assert.ok(!all.some((l) => l.text.includes(`포지션 청산: ${gone[0]}`)));
  });

  it('cron-stopped: turtle-cron exits for an hour and the 16:00 run leaves nothing', () => {
    const { tl, kr } = timeline();
    const cron = tl.events
      .filter((e): e is Extract<Event, { kind: 'container' }> => e.kind === 'container' && e.container.name === 'turtle-cron')
      .map((e) => e.container);
    const firstExit: ContainerObservation = cron.find((c) => c.status !== 'running')!;
    assert.equal(firstExit.status, 'exited');
    assert.ok(firstExit.observedAt >= kst('2026-03-16', '15:30') && firstExit.observedAt < kst('2026-03-16', '15:31'));
    const backUp = cron.find((c) => c.observedAt > firstExit.observedAt && c.status === 'running')!;
    assert.ok(backUp.observedAt >= kst('2026-03-16', '16:30') && backUp.observedAt < kst('2026-03-16', '16:31'));
    assert.equal(segmentAt(kr, '2026-03-16', '16:00'), undefined);
    assert.ok(
      cron.every(
        (c) => c.status === 'running' || (c.observedAt >= kst('2026-03-16', '15:30') && c.observedAt < kst('2026-03-16', '16:31')),
      ),
    );
  });

  it('positions-unknown-key: the key lands in the file and every later check run crashes on it', () => {
    const { tl, kr, us, report } = timeline();
    const written = positionsWrites(tl).find((w) => w.at >= kst('2026-03-18', '11:05') && w.at < kst('2026-03-18', '11:06'))!;
    assert.ok((JSON.parse(written.content) as Record<string, unknown>[]).some((r) => 'market' in r));
    for (const [segs, date, hh] of [
      [kr, '2026-03-18', '16:00'],
      [us, '2026-03-19', '07:00'],
      [kr, '2026-03-31', '16:00'],
    ] as const) {
      const run = segmentAt(segs, date, hh);
      assert.equal(texts(run).at(-1), "TypeError: Position.__init__() got an unexpected keyword argument 'market'", `${date} ${hh}`);
      assert.ok(!has(run, CHECK_END));
    }
    assert.ok(
      has(
        segmentAt(report, '2026-03-19', '08:00'),
        "오픈 포지션 조회 실패: Position.__init__() got an unexpected keyword argument 'market'",
      ),
    );
  });

  it('leaves the days without faults normal', () => {
    const { kr, us } = timeline();
    for (const date of ['2026-03-02', '2026-03-11', '2026-03-17']) {
      for (const s of [...kr, ...us].filter((x) => kstDate(x.start) === date)) {
        assert.ok(has(s, CHECK_END) && has(s, 'Telegram 채널 활성화') && !has(s, ' - CRITICAL - ') && !has(s, 'Telegram 오류'), date);
      }
    }
  });
});

describe('simulator: bad options', () => {
  it('refuses a fault on a day its job does not run, naming the fault', () => {
    assert.throws(
      () => simulate({ ...base, faults: [{ kind: 'missed-run', day: 5, job: 'kr' }] }),
      /faults\[0\] \(missed-run\): no kr run is scheduled on day 5 \(2026-03-07, Sat\)/,
    );
  });

  it('refuses invalid dates, ranges and switch settings with one message per problem', () => {
    assert.throws(() => simulate({ ...base, start: '2026-02-30' }), /start '2026-02-30' is not a YYYY-MM-DD date/);
    assert.throws(() => simulate({ ...base, start: '2025-06-01' }), /within 2026–2027/);
    assert.throws(() => simulate({ ...base, days: 0 }), /days must be an integer/);
    assert.throws(
      () => simulate({ ...base, versionSwitch: { atDay: 40, atKst: '25:00', from: 'v3.2.0', to: 'v3.2.0' } }),
      (err: Error) =>
        /from \(v3\.2\.0\) must be the initial version/.test(err.message) &&
        /atDay must be in 0\.\.29/.test(err.message) &&
        /atKst '25:00'/.test(err.message),
    );
    assert.throws(
      () => simulate({ ...base, faults: [{ kind: 'positions-healed', day: 3, job: 'kr' }], initialVersion: 'v3.2.0' }),
      /signal_check\.py never reads positions\.json/,
    );
  });
});
