// The daily digest as the core decides it (fake time: every instant is data): what it says on a quiet
// day and on a day with an open incident, in Korean and English, for Telegram and the console; once per
// fire time; counting only the runs since the previous digest, across a restart from the checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../src/config/load-rules.ts';
import { configSchema } from '../src/config/schema.ts';
import { initialState, restoreState, step, type CoreState, type StepContext } from '../src/core/step.ts';
import type { Event, LogLine, Notice } from '../src/core/types.ts';
import { renderNotice } from '../src/core/messages.ts';
import { renderTelegramNotice } from '../src/core/telegram-text.ts';
import type { Digest } from '../src/core/digest.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CRONTAB = readFileSync(join(repo, 'test/fixtures/crontab-v3.2.1'), 'utf8');
const START = '=== 통합 포지션 & 시그널 체크 시작 ===';
const FINISH = '=== 체크 완료 ===';
const TZ = 'Asia/Seoul';
const kst = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+09:00`);
/** Mon 2026-03-02 08:30 KST: the sidecar begins watching. */
const WATCH = kst('2026-03-02', '08:30');
/** Tue 08:00 KST: the digest's fire time. */
const DIGEST_1 = kst('2026-03-03', '08:00');
const DIGEST_2 = kst('2026-03-04', '08:00');

/** Only the repeated-failures rule: the schedule rules would (rightly) open incidents for the jobs this test does not run. */
async function context(): Promise<StepContext> {
  const loaded = await loadRules(join(repo, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  const rules = loaded.rules.filter((r) => r.kind === 'repeated-failures');
  assert.ok(rules.length > 0);
  return stepContextOf(configSchema.parse({ deployment: { root: '.' } }), rules, loaded.profiles);
}

const stamp = (at: number) => new Date(at).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');

/** One run of check_kr.log read live at `at`: finished, or dead of a traceback. */
function krRun(at: number, outcome: 'good' | 'fail'): Event {
  const texts = [
    `${stamp(at)} - __main__ - INFO - ${START}`,
    `${stamp(at)} - __main__ - INFO - Telegram 채널 활성화`,
    ...(outcome === 'good'
      ? [`${stamp(at)} - __main__ - INFO - ${FINISH}`]
      : ['Traceback (most recent call last):', '  File "/app/scripts/check_positions.py", line 546, in <module>', "KeyError: 'units'"]),
  ];
  const lines: LogLine[] = texts.map((text, i) => ({ file: 'check_kr.log', text, observedAt: at + i * 100, live: true }));
  return { kind: 'log-lines', lines };
}

function run(state: CoreState, events: Event[], ctx: StepContext): { state: CoreState; notices: Notice[]; keys: string[] } {
  const notices: Notice[] = [];
  const keys: string[] = [];
  for (const e of events) {
    const r = step(state, e, ctx);
    state = r.state;
    for (const effect of r.effects)
      if (effect.kind === 'notify') {
        notices.push(effect.notice);
        keys.push(effect.key);
      }
  }
  return { state, notices, keys };
}

/** Watching a v3.2.1 deployment (its crontab, and check_positions.py without signal_check.py) from WATCH. */
function watching(ctx: StepContext): CoreState {
  return run(
    initialState(WATCH),
    [
      { kind: 'crontab', crontab: { text: CRONTAB, source: 'container', observedAt: WATCH } },
      {
        kind: 'container-files',
        present: { '/app/scripts/signal_check.py': false, '/app/scripts/check_positions.py': true },
        observedAt: WATCH,
      },
    ],
    ctx,
  ).state;
}

const due = (scheduledFor: number, at = scheduledFor): Event => ({ kind: 'digest-due', scheduledFor, at });

function digestOf(notices: Notice[]): Digest {
  const digests = notices.filter((n): n is Extract<Notice, { kind: 'digest' }> => n.kind === 'digest');
  assert.equal(digests.length, 1, `one digest among: ${notices.map((n) => n.kind).join(', ')}`);
  return digests[0]!.digest;
}

test('a quiet day: "all quiet", the runs checked since watching began, the next runs soonest first, armed, in English and Korean', async () => {
  const ctx = await context();
  const day = run(watching(ctx), [krRun(kst('2026-03-02', '16:00') + 2_000, 'good'), due(DIGEST_1)], ctx);
  assert.deepEqual(day.keys, [`digest|${DIGEST_1}`]);
  const notice = day.notices[0]!;

  assert.equal(
    renderTelegramNotice(notice, 'en', { timeZone: TZ }).html,
    [
      '📰 <b>Daily digest</b> 2026-03-03 08:00:00 GMT+9',
      '✅ <b>All quiet.</b>',
      '1 run checked since 2026-03-02 08:30:00 GMT+9 (when watching began), none failed.',
      '• <code>check_kr.log</code>: 1 run',
      '<b>Next runs</b>',
      '• <code>check_kr.log</code> 2026-03-03 16:00:00 GMT+9',
      '• <code>check_us.log</code> 2026-03-04 07:00:00 GMT+9',
      '• <code>daily_report.log</code> 2026-03-04 08:00:00 GMT+9',
      '• <code>cleanup.log</code> 2026-03-08 03:00:00 GMT+9',
      'version: v3.2.1 · automatic actions: armed',
    ].join('\n'),
  );
  assert.equal(
    renderTelegramNotice(notice, 'ko', { timeZone: TZ }).html,
    [
      '📰 <b>일일 요약</b> 2026-03-03 08:00:00 GMT+9',
      '✅ <b>이상 없음.</b>',
      '2026-03-02 08:30:00 GMT+9 (감시 시작) 이후 실행 1건 확인, 실패 없음.',
      '• <code>check_kr.log</code>: 1건',
      '<b>다음 실행</b>',
      '• <code>check_kr.log</code> 2026-03-03 16:00:00 GMT+9',
      '• <code>check_us.log</code> 2026-03-04 07:00:00 GMT+9',
      '• <code>daily_report.log</code> 2026-03-04 08:00:00 GMT+9',
      '• <code>cleanup.log</code> 2026-03-08 03:00:00 GMT+9',
      '버전: v3.2.1 · 자동 조치: 활성',
    ].join('\n'),
  );
  // The console says the same, without markup.
  assert.equal(
    renderNotice(notice, 'en', TZ).split('\n').slice(0, 4).join('\n'),
    [
      '📰 Daily digest 2026-03-03 08:00:00 GMT+9',
      '✅ All quiet.',
      '1 run checked since 2026-03-02 08:30:00 GMT+9 (when watching began), none failed.',
      '• check_kr.log: 1 run',
    ].join('\n'),
  );
});

test('an open incident: the digest does not say "all quiet", it lists what is open; failed runs are counted', async () => {
  const ctx = await context();
  const fired = run(
    watching(ctx),
    [
      krRun(kst('2026-03-02', '16:00') + 2_000, 'fail'),
      krRun(kst('2026-03-02', '16:20'), 'fail'),
      krRun(kst('2026-03-02', '16:40'), 'fail'),
    ],
    ctx,
  );
  assert.ok(
    fired.notices.some((n) => n.kind === 'incident-opened'),
    `an incident opened: ${fired.notices.map((n) => n.kind).join(', ')}`,
  );
  const day = run(fired.state, [due(DIGEST_1)], ctx);
  const digest = digestOf(day.notices);
  assert.equal(digest.open.length, 1);
  const html = renderTelegramNotice(day.notices.at(-1)!, 'en', { timeZone: TZ }).html;
  const lines = html.split('\n');
  assert.equal(lines[1], '⚠️ <b>Not quiet:</b> 1 open incident.');
  assert.ok(!html.includes('All quiet'), html);
  assert.equal(lines[2], '2 runs checked since 2026-03-02 08:30:00 GMT+9 (when watching began), 2 failed.');
  assert.equal(lines[3], '• <code>check_kr.log</code>: 2 runs (2 failed)', 'the third run is still open: not counted until it ends');
  assert.equal(lines[4], '<b>Open incidents</b>');
  assert.match(lines[5]!, /^• INC-0001 \[critical\] detected — <code>check-repeated-failures<\/code>: /);
  const ko = renderTelegramNotice(day.notices.at(-1)!, 'ko', { timeZone: TZ }).html.split('\n');
  assert.equal(ko[1], '⚠️ <b>확인 필요:</b> 열린 인시던트 1건.');
});

test('one digest per fire time; none for a fire time before watching began; the next one counts only the new runs, across a restart', async () => {
  const ctx = await context();
  const first = run(watching(ctx), [krRun(kst('2026-03-02', '16:00') + 2_000, 'good'), due(DIGEST_1)], ctx);
  assert.equal(digestOf(first.notices).runs[0]!.runs, 1);

  // The same fire time again (a reload re-arming the schedule, the catch-up at start): nothing.
  const again = run(first.state, [due(DIGEST_1, DIGEST_1 + 30_000)], ctx);
  assert.deepEqual(again.notices, []);
  // A fire time from before the sidecar watched: nothing to report.
  const before = run(watching(ctx), [due(kst('2026-03-02', '08:00'), WATCH + 1_000)], ctx);
  assert.deepEqual(before.notices, []);

  // The checkpoint is JSON: a restart restores the tallies and the last digest from it.
  const restored = restoreState(JSON.parse(JSON.stringify(again.state)) as CoreState);
  const second = run(restored, [krRun(kst('2026-03-03', '16:00') + 2_000, 'good'), due(DIGEST_2)], ctx);
  const digest = digestOf(second.notices);
  assert.deepEqual(digest.runs, [{ jobId: 'check_kr.log', runs: 1, failed: 0 }], 'only the run since the previous digest');
  assert.equal(digest.since, DIGEST_1);
  assert.equal(digest.sinceWatchStart, false);
  assert.equal(
    renderTelegramNotice(second.notices.at(-1)!, 'en', { timeZone: TZ }).html.split('\n')[2],
    '1 run checked since 2026-03-03 08:00:00 GMT+9, none failed.',
  );
});

test('runs from before watching began (the history read at first start) are not counted as checked', async () => {
  const ctx = await context();
  const backlog: Event = {
    kind: 'log-lines',
    lines: [krRun(kst('2026-02-27', '16:00'), 'good'), krRun(kst('2026-02-27', '16:10'), 'good')].flatMap((e) =>
      e.kind === 'log-lines' ? e.lines.map((l) => ({ ...l, observedAt: WATCH + 500, live: false })) : [],
    ),
  };
  const day = run(watching(ctx), [backlog, due(DIGEST_1)], ctx);
  const digest = digestOf(day.notices);
  assert.deepEqual(digest.runs, []);
  assert.equal(
    renderTelegramNotice(day.notices.at(-1)!, 'en', { timeZone: TZ }).html.split('\n')[2],
    '0 runs checked since 2026-03-02 08:30:00 GMT+9 (when watching began).',
  );
});

test('a digest caught up after the sidecar was down says it is late, and when it was due', async () => {
  const ctx = await context();
  const late = run(watching(ctx), [due(DIGEST_1, DIGEST_1 + 2 * 3_600_000)], ctx);
  const lines = renderTelegramNotice(late.notices.at(-1)!, 'en', { timeZone: TZ }).html.split('\n');
  assert.equal(lines[0], '📰 <b>Daily digest</b> 2026-03-03 08:00:00 GMT+9');
  assert.equal(lines[1], '<i>⏱ Due at 2026-03-03 08:00:00 GMT+9; sent late (the sidecar was not running then).</i>');
});

test('a source that cannot be read is not quiet either: the digest names it', async () => {
  const ctx = await context();
  const failing = run(
    watching(ctx),
    [{ kind: 'source-error', source: 'logs', message: 'log tail: cannot list /x/logs: EACCES', observedAt: WATCH + 60_000 }, due(DIGEST_1)],
    ctx,
  );
  const lines = renderTelegramNotice(failing.notices.at(-1)!, 'en', { timeZone: TZ }).html.split('\n');
  assert.equal(lines[1], '⚠️ <b>Not quiet:</b> 1 source not read.');
  assert.ok(lines.includes('<b>Sources not read</b>'));
  assert.ok(lines.includes('• <code>logs</code>: log tail: cannot list /x/logs: EACCES (1 in a row)'), lines.join('\n'));
});
