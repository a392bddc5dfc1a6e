// The rollback report's step timings (SPEC §5.5) as the console notices and the CLI print them.
// (The Telegram text is pinned in telegram-text.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConsoleNotifier } from '../src/adapters/console-notifier.ts';
import { stepDuration } from '../src/core/step-timings.ts';
import { formatReport } from '../src/runtime/cli-rollback.ts';
import type { ExecutionReport } from '../src/core/types.ts';
import { incident } from './fakes/telegram-fixtures.ts';

const VERIFIED: ExecutionReport = {
  kind: 'verified',
  ok: true,
  detail: 'turtle-cron runs the target image',
  preExisting: [],
  steps: [
    { name: 'preflight turtle-cron', ok: true, ms: 120 },
    { name: 'stop turtle-cron', ok: true, ms: 10_480 },
    { name: 'verify', ok: true, ms: 61_000 },
  ],
};

test('durations: tenths under 10 s, whole seconds, then minutes', () => {
  assert.deepEqual(
    [0, 49, 950, 9_949, 9_950, 59_499, 60_000, 125_000].map((ms) => stepDuration('en', ms)),
    ['0.0 s', '0.0 s', '1.0 s', '9.9 s', '10 s', '59 s', '1 min', '2 min 5 s'],
  );
  assert.deepEqual(
    [950, 125_000].map((ms) => stepDuration('ko', ms)),
    ['1.0초', '2분 5초'],
  );
});

for (const [lang, expected] of [
  [
    'en',
    [
      '⚙️ Execution INC-0001: verified — turtle-cron runs the target image',
      'step timings:',
      '  ✔️ preflight turtle-cron 0.1 s',
      '  ✔️ stop turtle-cron 10 s',
      '  ✔️ verify 1 min 1 s',
      'total 1 min 12 s',
    ],
  ],
  [
    'ko',
    [
      '⚙️ 실행 INC-0001: 검증 — turtle-cron runs the target image',
      '단계별 소요 시간:',
      '  ✔️ preflight turtle-cron 0.1초',
      '  ✔️ stop turtle-cron 10초',
      '  ✔️ verify 1분 1초',
      '합계 1분 12초',
    ],
  ],
] as const) {
  test(`console notice after a rollback carries each step's duration (${lang})`, async () => {
    const written: string[] = [];
    const notifier = createConsoleNotifier({ language: lang, timeZone: 'Asia/Seoul', write: (line) => written.push(line) });
    await notifier.deliver('k', { kind: 'execution-update', incident: incident({ id: 'INC-0001', phase: 'verified' }), report: VERIFIED });
    assert.deepEqual((JSON.parse(written[0]!) as { text: string }).text.split('\n'), expected);
  });
}

test('CLI: each step line carries its duration', () => {
  assert.equal(
    formatReport({ kind: 'step', name: 'stop turtle-cron', ok: true, detail: 'stopped', ms: 2_340 }, 'en'),
    '  ok     stop turtle-cron: stopped (2.3 s)',
  );
  assert.equal(
    formatReport({ kind: 'step', name: 'verify', ok: false, detail: 'crontab still runs check_positions.py', ms: 75_000 }, 'en'),
    '  FAILED verify: crontab still runs check_positions.py (1 min 15 s)',
  );
  assert.equal(
    formatReport({ kind: 'step', name: 'verify', ok: true, detail: 'verified before the restart' }, 'en'),
    '  ok     verify: verified before the restart',
  );
});
