// Log lines as the daemon and `check` meet them, through real files: a repair between runs is reported
// when written, and a log whose stamps switch between UTC and KST is timed the same by `check`, by the
// daemon reading it live and by the daemon reading it as a backlog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRules } from '../src/config/load-rules.ts';
import type { Config } from '../src/config/schema.ts';
import { fileDeployment } from './helpers/file-deployment.ts';
import { createLogger } from '../src/adapters/logger.ts';
import { systemClock } from '../src/adapters/clock.ts';
import type { CoreState } from '../src/core/step.ts';
import type { Notice } from '../src/core/types.ts';
import { printCheck, runCheck } from '../src/runtime/check.ts';
import { startSentinel, type Sentinel } from '../src/runtime/sentinel.ts';
import type { Clock } from '../src/ports/clock.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const START = '=== 통합 포지션 & 시그널 체크 시작 ===';
const FINISH = '=== 체크 완료 ===';
const HOUR = 3_600_000;
const KST = 9 * HOUR;

function deployment(crontab: string): { work: string; log: string; config: Config } {
  const { work, logs, config } = fileDeployment('sentinel-logtime-', crontab);
  return { work, log: join(logs, 'check_kr.log'), config };
}

async function bundledRules() {
  const loaded = await loadRules(join(repo, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  return loaded;
}

async function daemon(d: { work: string; config: Config }, clock: Clock, notices: { notice: Notice; at: number }[]): Promise<Sentinel> {
  const { rules, profiles } = await bundledRules();
  const started = await startSentinel({
    config: d.config,
    baseDir: d.work,
    rules,
    profiles,
    clock,
    notifier: { deliver: async (_key, notice) => void notices.push({ notice, at: Date.now() }), close: async () => {} },
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

/** Python asctime of an instant in a zone offset: `2026-02-23 16:00:02,114`. */
const stamp = (at: number, offset: number) => new Date(at + offset).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');

test(
  'a repair line written after a run finished is reported by the daemon within 2 s, with its own time and file',
  { timeout: 60_000 },
  async () => {
    const d = deployment('* * * * * cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1\n');
    const notices: { notice: Notice; at: number }[] = [];
    const sentinel = await daemon(d, systemClock, notices);
    try {
      const t = Date.now();
      appendFileSync(
        d.log,
        [
          `${stamp(t, 0)} - __main__ - INFO - ${START}`,
          `${stamp(t, 0)} - __main__ - INFO - Telegram 채널 활성화`,
          `${stamp(t, 0)} - __main__ - INFO - ${FINISH}`,
          '',
        ].join('\n'),
      );
      await until('the run to be read', () => (sentinel.loop.state().finishedRuns['check_kr.log'] ?? []).length === 1);
      await sleep(300);

      const repair = `${stamp(Date.now(), 0)} - src.utils - CRITICAL - JSON 파일 손상: data/positions/positions.json - Expecting value: line 1 column 1 (char 0)`;
      const writtenAt = Date.now();
      appendFileSync(d.log, `${repair}\n`);
      const healed = () => notices.find((n) => n.notice.kind === 'incident-opened' && n.notice.incident.label === 'healed');
      await until('the healed incident', () => healed() !== undefined, 5_000);
      const seen = healed()!;
      assert.ok(seen.at - writtenAt <= 2_000, `reported ${seen.at - writtenAt} ms after the write`);
      assert.ok(seen.notice.kind === 'incident-opened');
      const evidence = seen.notice.incident.evidence;
      assert.deepEqual(
        evidence.map((e) => [e.file, e.text]),
        [['check_kr.log', repair]],
      );
      assert.ok(evidence[0]!.at! >= writtenAt && evidence[0]!.at! - writtenAt <= 2_000, 'timed when it was written, not at the run start');
      assert.equal(seen.notice.late, undefined, 'read live: not late');
      // No next start marker was needed, and the finished run did not get the repair attributed to it.
      assert.deepEqual(
        sentinel.loop.state().finishedRuns['check_kr.log']!.map((r) => r.healLines),
        [[]],
      );
    } finally {
      await sentinel.stop();
    }
  },
);

// ---------------------------------------------------------------------------------------------
// One check_kr.log holding cron runs (UTC stamps, Debian cron strips TZ) and runs by hand
// (`docker exec turtle-cron python scripts/check_positions.py`: KST stamps), switching several times.

interface PlannedRun {
  /** True instant of the start line. */
  at: number;
  zone: 'UTC' | 'KST';
  /** The KRX market-status line: with its clock (`장후 (16:00, …)`), without one (a holiday), or absent. */
  status: 'clock' | 'holiday' | 'none';
  repair?: boolean;
}

const RUNS: PlannedRun[] = [
  { at: Date.UTC(2026, 1, 24, 7, 0, 2), zone: 'UTC', status: 'clock' }, // Tue 16:00 KST, cron
  { at: Date.UTC(2026, 1, 24, 12, 40, 0), zone: 'KST', status: 'none', repair: true }, // Tue 21:40 KST, by hand, no status line
  { at: Date.UTC(2026, 1, 25, 7, 0, 2), zone: 'UTC', status: 'clock' }, // Wed 16:00 KST, cron
  { at: Date.UTC(2026, 1, 25, 18, 5, 0), zone: 'KST', status: 'clock' }, // Thu 03:05 KST, by hand
  { at: Date.UTC(2026, 1, 26, 7, 0, 3), zone: 'UTC', status: 'clock' }, // Thu 16:00 KST, cron
  { at: Date.UTC(2026, 1, 27, 7, 0, 2), zone: 'UTC', status: 'clock' }, // Fri 16:00 KST, cron
  { at: Date.UTC(2026, 1, 27, 9, 30, 5), zone: 'KST', status: 'clock' }, // Fri 18:30 KST, by hand
  // Mon 16:00 KST, cron, on 삼일절 대체공휴일: the status line has no clock to learn the zone from. Read
  // with the offset of the run by hand before it, it fell nine hours early and the run was "missed".
  { at: Date.UTC(2026, 2, 2, 7, 0, 2), zone: 'UTC', status: 'holiday' },
];
/** Mon 2026-03-02 18:00 KST: after the last run. */
const NOW = Date.UTC(2026, 2, 2, 9, 0, 0);
const RUN_MS = 4_000;

/** Each run's lines, with the true instant of each. */
function runLines(run: PlannedRun): { text: string; at: number }[] {
  const offset = run.zone === 'KST' ? KST : 0;
  const line = (dt: number, logger: string, level: string, message: string) => ({
    text: `${stamp(run.at + dt, offset)} - ${logger} - ${level} - ${message}`,
    at: run.at + dt,
  });
  const kst = new Date(run.at + KST);
  const hhmm = `${String(kst.getUTCHours()).padStart(2, '0')}:${String(kst.getUTCMinutes()).padStart(2, '0')}`;
  const out = [line(0, '__main__', 'INFO', START)];
  if (run.status === 'clock')
    out.push(
      line(
        1,
        '__main__',
        'INFO',
        `한국거래소 (KRX): ${kst.getUTCHours() >= 15 ? `장후 (${hhmm}, 마감 15:30)` : kst.getUTCHours() < 9 ? `장전 (${hhmm}, 개장 09:00)` : `장중 (${hhmm})`}`,
      ),
    );
  if (run.status === 'holiday') out.push(line(1, '__main__', 'INFO', '한국거래소 (KRX): 휴장 (공휴일)'));
  out.push(line(3, '__main__', 'INFO', 'Telegram 채널 활성화'));
  if (run.repair) {
    out.push(
      line(1_500, 'src.utils', 'CRITICAL', 'JSON 파일 손상: data/positions/positions.json - Expecting value: line 1 column 1 (char 0)'),
    );
    out.push(line(1_501, 'src.utils', 'INFO', '백업에서 복원: data/positions/backups/positions_20260224.json'));
  }
  out.push(line(RUN_MS, '__main__', 'INFO', FINISH));
  return out;
}

/** What the three readers must agree on: every run's start and finish, and every repair line's time. */
function timing(state: CoreState) {
  const runs = state.finishedRuns['check_kr.log'] ?? [];
  return {
    runs: runs.map((r) => ({
      stamp: r.startStamp,
      startedAt: new Date(r.startedAt).toISOString(),
      finishedAt: new Date(r.finishedAt ?? 0).toISOString(),
    })),
    repairs: state.healLines.map((h) => ({ file: h.file, at: new Date(h.at).toISOString() })),
  };
}

const truth = () => ({
  runs: RUNS.map((r) => ({
    stamp: stamp(r.at, r.zone === 'KST' ? KST : 0),
    startedAt: new Date(r.at).toISOString(),
    finishedAt: new Date(r.at + RUN_MS).toISOString(),
  })),
  repairs: RUNS.flatMap((r) => (r.repair ? [r.at + 1_500, r.at + 1_501] : [])).map((at) => ({
    file: 'check_kr.log',
    at: new Date(at).toISOString(),
  })),
});

/**
 * Live reads are timed by when they were read (below: each part of a run 1 s after its last line was
 * written), so live times may trail the true ones by up to a run's length and a second.
 */
function assertClose(seen: ReturnType<typeof timing>, expected: ReturnType<typeof timing>, slack: number, what: string): void {
  const close = (a: string, b: string) => Math.abs(Date.parse(a) - Date.parse(b)) <= slack;
  assert.deepEqual(
    seen.runs.map((r) => r.stamp),
    expected.runs.map((r) => r.stamp),
    what,
  );
  seen.runs.forEach((r, i) => {
    const e = expected.runs[i]!;
    assert.ok(
      close(r.startedAt, e.startedAt) && close(r.finishedAt, e.finishedAt),
      `${what}: run ${r.stamp}: ${JSON.stringify(r)} vs ${JSON.stringify(e)}`,
    );
  });
  assert.equal(seen.repairs.length, expected.repairs.length, what);
  seen.repairs.forEach((h, i) =>
    assert.ok(h.file === expected.repairs[i]!.file && close(h.at, expected.repairs[i]!.at), `${what}: repair ${JSON.stringify(h)}`),
  );
}

test(
  'a log whose stamps switch between UTC and KST is timed right, and alike, by check, the daemon live and the daemon reading a backlog',
  { timeout: 60_000 },
  async () => {
    const crontab = '0 16 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1\n';
    const all = RUNS.flatMap(runLines);
    const expected = truth();

    // `check` on the whole file.
    const c = deployment(crontab);
    writeFileSync(c.log, all.map((l) => `${l.text}\n`).join(''));
    const { rules, profiles } = await bundledRules();
    const checked = await runCheck({ config: c.config, baseDir: c.work, rules, profiles, now: NOW, lookback: '7d' });
    assert.ok(checked.ok);
    assert.deepEqual(timing(checked.state), expected, 'check');
    const failing = checked.verdicts.filter((v) => v.outcome === 'fail');
    assert.deepEqual(
      failing.map((v) => `${v.ruleId} ${v.cause}: ${v.summary}`),
      [],
      'check: no run missed, nothing firing',
    );
    assert.equal(checked.firing, false);

    // The daemon started after everything was written: a backlog.
    const b = deployment(crontab);
    writeFileSync(b.log, all.map((l) => `${l.text}\n`).join(''));
    const backlogNotices: { notice: Notice; at: number }[] = [];
    const fromBacklog = await daemon(b, { now: () => NOW }, backlogNotices);
    try {
      await until('the backlog', () => (fromBacklog.loop.state().linesEvaluated['check_kr.log'] ?? 0) > 0);
      assert.deepEqual(timing(fromBacklog.loop.state()), expected, 'daemon, backlog');
    } finally {
      await fromBacklog.stop();
    }

    // The daemon watching as the runs are written, each read a second after its write.
    const l = deployment(crontab);
    writeFileSync(l.log, '');
    let now = RUNS[0]!.at - HOUR;
    const liveNotices: { notice: Notice; at: number }[] = [];
    const live = await daemon(l, { now: () => now }, liveNotices);
    try {
      let written = 0;
      for (const run of RUNS) {
        const lines = runLines(run);
        // A run is written over seconds: its start, then the rest, each part read as it comes.
        for (const part of [lines.slice(0, 1), lines.slice(1)]) {
          now = part.at(-1)!.at + 1_000;
          appendFileSync(l.log, part.map((x) => `${x.text}\n`).join(''));
          written += part.length;
          await live.poke();
          await until('the live read', () => (live.loop.state().linesEvaluated['check_kr.log'] ?? 0) >= written);
        }
      }
      const seen = timing(live.loop.state());
      assertClose(seen, expected, RUN_MS + 1_000, 'daemon, live');
      assertClose(timing(checked.state), seen, RUN_MS + 1_000, 'check and the live daemon agree');
      const opened = liveNotices
        .filter((n) => n.notice.kind === 'incident-opened')
        .map((n) => (n.notice.kind === 'incident-opened' ? `${n.notice.incident.ruleId} ${n.notice.incident.label ?? ''}` : ''));
      assert.deepEqual(opened, ['positions-corrupt healed'], 'live: the repair, and no missed run');
    } finally {
      await live.stop();
    }
  },
);

test(
  'fail, fail, good read at start-up: the daemon reports the streak opened and resolved, late, and check agrees',
  { timeout: 60_000 },
  async () => {
    const crontab = '0 16 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1\n';
    // Three runs on Mon 2026-03-02 from 16:00 KST (KST stamps), read two hours later; the last one good.
    const now = Date.UTC(2026, 2, 2, 9, 0, 0);
    const lines: string[] = [];
    ['fail', 'fail', 'good'].forEach((outcome, i) => {
      const at = now - 2 * HOUR + i * 60_000;
      lines.push(`${stamp(at, KST)} - __main__ - INFO - ${START}`, `${stamp(at + 1, KST)} - __main__ - INFO - Telegram 채널 활성화`);
      if (outcome === 'fail')
        lines.push(
          'Traceback (most recent call last):',
          '  File "/app/scripts/check_positions.py", line 546, in <module>',
          "KeyError: 'units'",
        );
      else lines.push(`${stamp(at + 5_000, KST)} - __main__ - INFO - ${FINISH}`);
    });
    const { rules, profiles } = await bundledRules();

    const b = deployment(crontab);
    writeFileSync(b.log, lines.map((l) => `${l}\n`).join(''));
    const notices: { notice: Notice; at: number }[] = [];
    const sentinel = await daemon(b, { now: () => now }, notices);
    try {
      await until('the backlog', () => (sentinel.loop.state().linesEvaluated['check_kr.log'] ?? 0) >= 11);
    } finally {
      await sentinel.stop();
    }
    const aboutRuns = notices.filter((n) => 'incident' in n.notice && n.notice.incident.ruleId === 'check-repeated-failures');
    assert.deepEqual(
      aboutRuns.map((n) => `${n.notice.kind}${n.notice.late ? ' (late)' : ''}`),
      ['incident-opened (late)', 'incident-resolved (late)'],
    );

    const c = deployment(crontab);
    writeFileSync(c.log, lines.map((l) => `${l}\n`).join(''));
    const checked = await runCheck({ config: c.config, baseDir: c.work, rules, profiles, now, lookback: '1d' });
    assert.ok(checked.ok);
    assert.equal(checked.firing, false);
    assert.deepEqual(
      checked.recovered.map((i) => `${i.ruleId} ${i.cause}`),
      ['check-repeated-failures check_kr.log'],
    );
    const printed = (lang: 'en' | 'ko') => {
      const out: string[] = [];
      printCheck(checked, false, (line) => out.push(line), lang);
      return out;
    };
    const en = printed('en');
    assert.ok(
      en.includes(
        "RECOVERED    check-repeated-failures check_kr.log: check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units' (opened and resolved while unobserved)",
      ),
      en.join('\n'),
    );
    const ko = printed('ko');
    assert.ok(
      ko.includes(
        "회복됨    check-repeated-failures check_kr.log: check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units' (관찰되지 않는 동안 열렸다가 해소됨)",
      ),
      ko.join('\n'),
    );
  },
);
