// Self-test of the simulator's supercronic-era release families (v3.4, v3.6, v3.8, v3.9): determinism,
// the real crontabs and their job counts, monitor.log without a redirect, entry_reason in every v3.9
// record, KST stamps, health_check's normal exit 1, supercronic's lines, quiet days and holidays.
// Checked on the generated timeline with helpers of its own, independent of the generator.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Event, Instant, LogLine } from '../src/core/types.ts';
import { REAL_CRONTABS } from './sim/release-crontabs.ts';
import { simulate, type SimOptions, type SimTimeline, type SupercronicFamily } from './sim/turtle-sim.ts';

/** A turtle-trading checkout (bare works), as test/catalogue-load.test.ts takes it; absent in CI. */
const MIRROR = process.env.TURTLE_TRADING_REPO ?? '';
const KST = 9 * 3600_000;
const ASCTIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d{3}) - [\w.]+ - (INFO|WARNING|ERROR|CRITICAL) - /;

const options = (family: SupercronicFamily, extra: Partial<SimOptions> = {}): SimOptions => ({
  start: '2026-03-20',
  days: 14,
  seed: 5,
  logStampZone: 'Asia/Seoul',
  initialVersion: family,
  ...extra,
});

const cache = new Map<string, SimTimeline>();
function timeline(family: SupercronicFamily, extra: Partial<SimOptions> = {}): SimTimeline {
  const key = JSON.stringify(options(family, extra));
  if (!cache.has(key)) cache.set(key, simulate(options(family, extra)));
  return cache.get(key)!;
}

/** Job lines of a crontab as any cron reads them: not blank, not a comment, not `NAME=value`. */
const jobLines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !/^[A-Za-z_]\w*=/.test(l));

function linesOf(tl: SimTimeline, file: string): LogLine[] {
  return tl.events.flatMap((e) => (e.kind === 'log-lines' ? e.lines.filter((l) => l.file === file) : []));
}

/** A naive asctime stamp read as KST. */
function kstStamp(text: string): Instant {
  const m = ASCTIME.exec(text);
  assert.ok(m, `not an asctime line: ${text}`);
  const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - KST;
}

const kstHour = (at: Instant): number => new Date(at + KST).getUTCHours();
const kstMinute = (at: Instant): number => new Date(at + KST).getUTCMinutes();
const kstWeekday = (at: Instant): number => new Date(at + KST).getUTCDay();

function crontabEvent(tl: SimTimeline): Extract<Event, { kind: 'crontab' }> {
  const e = tl.events.find((x): x is Extract<Event, { kind: 'crontab' }> => x.kind === 'crontab');
  assert.ok(e, 'a crontab observation');
  return e;
}

const FAMILIES: { family: SupercronicFamily; tag: string; jobs: number }[] = [
  { family: 'v3.4', tag: 'v3.4.2', jobs: 4 },
  { family: 'v3.6', tag: 'v3.6.0', jobs: 17 },
  { family: 'v3.8', tag: 'v3.8.0', jobs: 18 },
  { family: 'v3.9', tag: 'v3.9.0', jobs: 20 },
];

describe('release families: determinism and the real crontabs', () => {
  it('gives the identical timeline for the same options, and a different one for another seed', () => {
    for (const family of ['v3.6', 'v3.9'] as const) {
      const a = simulate(options(family, { days: 5 }));
      const b = simulate(options(family, { days: 5 }));
      // compared as JSON: the timeline is plain data, and deepEqual over 10k nested events is very slow
      assert.equal(JSON.stringify(a), JSON.stringify(b), family);
      const c = simulate(options(family, { days: 5, seed: 6 }));
      assert.notDeepEqual(a.files, c.files, `${family}: another seed changes the logs`);
    }
  });

  for (const f of FAMILIES) {
    it(`${f.family}: observes the ${f.tag} crontab from /app/crontab, ${f.jobs} jobs, and runs only what it schedules`, () => {
      const tl = timeline(f.family);
      const crontab = crontabEvent(tl).crontab;
      assert.equal(crontab.source, 'file', 'supercronic images have no crontab binary: the file is read');
      assert.equal(jobLines(crontab.text).length, f.jobs);
      assert.deepEqual(tl.crontabs, [{ version: f.family, text: crontab.text }]);
      // every run's script appears in a crontab line
      const scripts = new Set(tl.runs.map((r) => r.script));
      for (const script of scripts) assert.ok(crontab.text.includes(script), `${script} is in the crontab`);
    });
  }

  it(
    'uses the crontab text committed at each tag, byte for byte (real git)',
    { skip: (MIRROR === '' || !existsSync(MIRROR)) && 'set TURTLE_TRADING_REPO to a turtle-trading checkout' },
    () => {
      for (const f of FAMILIES) {
        const real = execFileSync('git', ['-C', MIRROR, 'show', `${f.tag}:crontab`], { encoding: 'utf8' });
        const blob = execFileSync('git', ['-C', MIRROR, 'rev-parse', `${f.tag}:crontab`], { encoding: 'utf8' }).trim();
        assert.equal(timeline(f.family).crontabs[0]!.text, real, f.tag);
        assert.ok(blob.startsWith(REAL_CRONTABS[f.family].blob), `${f.tag} blob ${blob}`);
      }
    },
  );

  it('refuses UTC stamps and a version switch for a supercronic family, one message per problem', () => {
    assert.throws(
      () =>
        simulate({
          ...options('v3.6'),
          logStampZone: 'UTC',
          versionSwitch: { atDay: 1, atKst: '11:00', from: 'v3.6', to: 'v3.2.0' },
        }),
      (err: Error) =>
        err.message.includes(`logStampZone must be 'Asia/Seoul' for v3.6 (supercronic jobs run in KST)`) &&
        err.message.includes('versionSwitch is simulated between v3.2.1 and v3.2.0 only'),
    );
  });
});

describe('release families: stamps and supercronic', () => {
  it('stamps KST: a 16:00 KST check is stamped 16:00, within seconds of when the line is observed', () => {
    for (const f of FAMILIES) {
      const kr = linesOf(timeline(f.family), 'check_kr.log').filter((l) => ASCTIME.test(l.text));
      assert.ok(kr.length > 100, f.family);
      for (const l of kr) {
        const at = kstStamp(l.text);
        assert.equal(kstHour(at), 16, `${f.family}: ${l.text}`);
        assert.ok(l.observedAt >= at && l.observedAt - at < 5 * 60_000, `${f.family}: observed within minutes: ${l.text}`);
      }
    }
  });

  it('prints supercronic start-up lines; v3.8+ (compose init: true) warns that it is not pid 1', () => {
    for (const f of FAMILIES) {
      const first = timeline(f.family)
        .dockerLogLines.slice(0, 3)
        .map((l) => l.text);
      assert.ok(
        first.some((t) => t.endsWith('level=info msg="read crontab: /app/crontab"')),
        f.family,
      );
      const warns = first.some((t) => t.endsWith('level=warning msg="process reaping disabled, not pid 1"'));
      assert.equal(warns, f.family === 'v3.8' || f.family === 'v3.9', f.family);
    }
  });

  it('logs one starting and one ending line per run in docker logs, in time order, with the crontab fields', () => {
    const tl = timeline('v3.9');
    const lines = tl.dockerLogLines;
    for (let i = 1; i < lines.length; i++) assert.ok(lines[i]!.at >= lines[i - 1]!.at, 'time order');
    const starting = lines.filter((l) => / msg=starting /.test(l.text));
    const ended = lines.filter((l) => /msg="job succeeded"|msg="error running command: exit status \d+"/.test(l.text));
    assert.equal(starting.length, tl.runs.length);
    assert.equal(ended.length, tl.runs.length);
    const health = starting.find((l) => l.text.includes('health_check.py'))!.text;
    assert.match(
      health,
      /^time="\d{4}-\d{2}-\d{2}T\d{2}:00:00\+09:00" level=info msg=starting iteration=\d+ job\.command="cd \/app && python scripts\/health_check\.py >> \/app\/logs\/health_check\.log 2>&1" job\.position=6 job\.schedule="0 \*\/4 \* \* \*"$/,
    );
  });

  it('records health_check runs exiting 1 (.env is not in the image) as normal runs, the only non-zero exits', () => {
    for (const f of FAMILIES.filter((x) => x.family !== 'v3.4')) {
      const tl = timeline(f.family);
      const health = tl.runs.filter((r) => r.script === 'health_check.py');
      assert.equal(health.length, 14 * 6, `${f.family}: every 4 hours`);
      for (const r of health) {
        assert.equal(r.outcome, 'ok');
        assert.equal(r.exitCode, 1);
      }
      assert.deepEqual(
        tl.runs.filter((r) => r.script !== 'health_check.py' && r.exitCode !== 0).map((r) => `${r.script} ${r.exitCode}`),
        [],
      );
      const errors = tl.dockerLogLines.filter((l) => l.text.includes('level=error'));
      assert.equal(errors.length, health.length);
      for (const l of errors) {
        assert.ok(l.text.includes('msg="error running command: exit status 1"') && l.text.includes('health_check.py'), l.text);
      }
      const log = tl.files['logs/health_check.log']!;
      assert.equal(log.split('[WARN] Environment: .env file not found\n').length - 1, health.length);
      assert.equal(log.split('=== Turtle Trading System Health Check ===\n').length - 1, health.length);
    }
  });
});

describe('release families: monitor_positions.py and its own monitor.log', () => {
  it('is scheduled without a redirect; its lines land in monitor.log and, relayed from stderr, in docker logs', () => {
    for (const family of ['v3.6', 'v3.8', 'v3.9'] as const) {
      const tl = timeline(family);
      const monitorLines = jobLines(tl.crontabs[0]!.text).filter((l) => l.includes('monitor_positions.py'));
      assert.equal(monitorLines.length, 5, family);
      for (const l of monitorLines) assert.ok(!l.includes('>>'), `${family}: no redirect: ${l}`);
      const lines = linesOf(tl, 'monitor.log');
      const starts = lines.filter((l) => l.text.endsWith(' - __main__ - INFO - === 포지션 장중 모니터링 시작 ==='));
      assert.equal(starts.length, tl.runs.filter((r) => r.job === 'monitor').length, family);
      const relayed = tl.dockerLogLines.filter((l) => l.text.includes(' channel=stderr '));
      assert.equal(relayed.length, lines.length, `${family}: every monitor line is relayed`);
      assert.ok(
        relayed.every((l) => l.text.includes('scripts/monitor_positions.py"')),
        'only monitor_positions has no redirect',
      );
      assert.ok(
        lines.some((l) => l.text.endsWith(' - src.script_helpers - INFO - Telegram 채널 활성화')),
        `${family}: channel line`,
      );
    }
  });

  it('fires every 5 minutes in the KR session (09:00–15:25) and the US window (22:00–06:25), never on Sunday', () => {
    const tl = timeline('v3.6');
    const fires = tl.runs.filter((r) => r.job === 'monitor').map((r) => r.scheduledAt);
    for (const at of fires) {
      const h = kstHour(at);
      const m = kstMinute(at);
      assert.equal(m % 5, 0);
      assert.ok((h >= 9 && h <= 14) || (h === 15 && m <= 25) || h >= 22 || h <= 5 || (h === 6 && m <= 25), `fires at ${h}:${m}`);
      assert.notEqual(kstWeekday(at), 0);
    }
    // one Wednesday: KR 72 + 6, US 24 (Wed 22–23) + 72 (00–05) + 6 (06:00–06:25)
    const wednesday = fires.filter((at) => new Date(at + KST).toISOString().startsWith('2026-03-25')).length;
    assert.equal(wednesday, 78 + 24 + 72 + 6);
  });

  it('alerts a stop breached intraday once, hours before the check closes it, with hourly loss warnings', () => {
    const tl = timeline('v3.9', { days: 30, seed: 7 });
    const texts = linesOf(tl, 'monitor.log').map((l) => l.text);
    const alerts = texts.filter((t) => / - __main__ - WARNING - 스톱로스 알림: /.test(t));
    assert.equal(alerts.length, 1, 'one alert: monitor_state remembers it');
    const symbol = alerts[0]!.split('스톱로스 알림: ')[1]!;
    const i = texts.indexOf(alerts[0]!);
    assert.ok(texts[i - 1]!.endsWith(' - src.notifier - INFO - Telegram 전송 성공: STOP LOSS ALERT (Intraday)'), texts[i - 1]);
    const warnings = texts.filter((t) => t.includes(` - __main__ - WARNING - P&L 경고: ${symbol} (-`));
    for (let k = 1; k < warnings.length; k++)
      assert.ok(kstStamp(warnings[k]!) - kstStamp(warnings[k - 1]!) >= 3_600_000, 'the 60-minute cooldown');
    const close = tl.runs.find((r) => r.closed.some((id) => id.startsWith(`${symbol}_`)));
    assert.ok(close && close.scheduledAt > kstStamp(alerts[0]!), 'the scheduled check closes it later');
  });

  it('rotates monitor.log at midnight: the last day in monitor.log, earlier days in monitor.log.<date>', () => {
    const tl = timeline('v3.6');
    const rotated = Object.keys(tl.files).filter((k) => k.startsWith('logs/monitor.log.'));
    assert.ok(rotated.length >= 5 && rotated.length <= 7, rotated.join(', '));
    for (const file of rotated) {
      const date = file.slice('logs/monitor.log.'.length);
      for (const line of tl.files[file]!.trimEnd().split('\n')) assert.ok(line.startsWith(date), `${file}: ${line}`);
    }
    assert.ok(!tl.files['logs/monitor.log']!.startsWith(rotated.at(-1)!.slice(-10)), 'monitor.log holds a later day');
  });
});

describe('release families: positions records', () => {
  it('v3.9 writes entry_reason (null or a string) after exit_reason in every record of every save', () => {
    const tl = timeline('v3.9', { days: 30 });
    const saves = tl.events.filter(
      (e): e is Extract<Event, { kind: 'json-file' }> => e.kind === 'json-file' && e.file.which === 'positions',
    );
    assert.ok(saves.length >= 2, 'the start and at least one close');
    for (const e of saves) {
      const records = JSON.parse(e.file.content!) as Record<string, unknown>[];
      for (const r of records) {
        assert.ok('entry_reason' in r, `${String(r.position_id)} has entry_reason`);
        assert.ok(r.entry_reason === null || typeof r.entry_reason === 'string', `entry_reason ${String(r.entry_reason)}`);
        const keys = Object.keys(r);
        assert.equal(keys.indexOf('entry_reason'), keys.indexOf('exit_reason') + 1);
      }
    }
  });

  it('v3.4 … v3.8 records keep the v3.2 keys (no entry_reason)', () => {
    for (const family of ['v3.4', 'v3.6', 'v3.8'] as const) {
      const text = timeline(family).files['data/positions/positions.json']!;
      assert.ok(!text.includes('entry_reason'), family);
    }
  });
});

describe('release families: normal days', () => {
  it('keeps the kill switch off (v3.8+): no kill-switch or CRITICAL line anywhere, health reports it normal', () => {
    for (const family of ['v3.8', 'v3.9'] as const) {
      const tl = timeline(family);
      for (const [file, text] of Object.entries(tl.files).filter(([k]) => k.startsWith('logs/'))) {
        assert.ok(!text.includes('킬 스위치 활성'), `${family} ${file}`);
        assert.ok(!text.includes(' - CRITICAL - '), `${family} ${file}`);
      }
      assert.ok(tl.files['logs/health_check.log']!.includes('[OK]   킬 스위치: 정상 (트레이딩 가능)'), `${family}: health`);
    }
  });

  it('logs the channel line through src.script_helpers in check_positions and the daily report', () => {
    for (const f of FAMILIES) {
      const tl = timeline(f.family);
      for (const file of ['check_kr.log', 'daily_report.log']) {
        const channel = linesOf(tl, file).filter((l) => l.text.endsWith('INFO - Telegram 채널 활성화'));
        assert.ok(channel.length > 0, `${f.family} ${file}`);
        assert.ok(
          channel.every((l) => l.text.includes(' - src.script_helpers - ')),
          `${f.family} ${file}`,
        );
      }
    }
  });

  it('saves a trade record right after each close from v3.5.0 (v3.6+), not at v3.4', () => {
    for (const f of FAMILIES) {
      const tl = timeline(f.family, { days: 30 });
      let closes = 0;
      for (const file of ['check_kr.log', 'check_us.log']) {
        const texts = linesOf(tl, file).map((l) => l.text);
        texts.forEach((t, i) => {
          const close = / - src\.position_tracker - INFO - 포지션 청산: ((\S+?)_\d_(?:LONG|SHORT)_\S+) PnL: /.exec(t);
          if (!close) return;
          closes++;
          const next = texts[i + 1] ?? '';
          if (f.family === 'v3.4') assert.ok(!next.includes('거래 기록 저장'), `${f.family}: ${next}`);
          else assert.ok(next.endsWith(` - src.data_store - INFO - 거래 기록 저장: ${close[2]}`), `${f.family}: ${next}`);
        });
      }
      assert.ok(closes >= 1, `${f.family}: a close happened in 30 days`);
    }
  });

  it('v3.9 sends 일일 PnL 요약 after 일일 리포트 every day; earlier families do not', () => {
    for (const f of FAMILIES) {
      const tl = timeline(f.family);
      const report = tl.runs.filter((r) => r.script === 'daily_report.py');
      assert.equal(report.length, 14);
      for (const r of report)
        assert.deepEqual(r.successes, f.family === 'v3.9' ? ['일일 리포트', '일일 PnL 요약'] : ['일일 리포트'], `${f.family} ${r.day}`);
    }
  });

  it('collects OHLCV at 16:00 on weekdays from v3.8, beside the KR check', () => {
    for (const f of FAMILIES) {
      const runs = timeline(f.family).runs.filter((r) => r.job === 'ohlcv');
      if (f.family === 'v3.4' || f.family === 'v3.6') assert.equal(runs.length, 0);
      else {
        assert.equal(runs.length, 10, 'two weeks of weekdays');
        for (const r of runs) assert.ok(r.successes.includes('OHLCV 수집 완료'), `${r.day}: summary sent`);
      }
    }
  });

  it('market-gated scripts skip on holidays with their real lines (Good Friday 2026-04-03: US closed)', () => {
    const tl = timeline('v3.9', { days: 30 });
    const us = linesOf(tl, 'check_us.log').filter((l) => l.text.startsWith('2026-04-04 07:'));
    assert.ok(
      us.some((l) => l.text.endsWith('NYSE/NASDAQ: 휴장 (공휴일)')),
      'the 04-04 07:00 run logs the holiday',
    );
    assert.ok(
      us.some((l) => l.text.includes('마켓 비활동 시간: SPY (US) 스킵')),
      'and skips US symbols',
    );
    // monitor_positions: the market is closed, so no position is priced (only DEBUG lines, not written)
    const monitor = linesOf(tl, 'monitor.log').filter((l) => l.text.startsWith('2026-04-03 23:'));
    assert.ok(monitor.length > 0, 'monitor runs on Friday night');
    assert.deepEqual(
      monitor.filter((l) => l.text.includes('가격 조회')).map((l) => l.text),
      [],
    );
  });

  it('weekly jobs run on Saturday; the Sunday log cleanup is silent and deletes only stale *.log files', () => {
    const tl = timeline('v3.9', { days: 30 });
    for (const r of tl.runs.filter((x) => x.job === 'weekly' || x.job === 'charts')) assert.equal(kstWeekday(r.scheduledAt), 6);
    const cleanups = tl.runs.filter((r) => r.job === 'log-cleanup');
    assert.ok(cleanups.length >= 4, `${cleanups.length} Sunday cleanups`);
    for (const r of cleanups) assert.equal(r.outcome, 'silent');
    // the monthly report of 04-01 is younger than 15 days at the end: it survives
    assert.ok(tl.files['logs/monthly_report.log']!.includes('=== 월간 리포트 생성 시작: 2026-03 ==='), 'the 04-01 monthly report of March');
  });
});
