// Malformed log lines through the whole core with the bundled rules: none throws, none opens an
// incident. (Malformed configs, rules and JSON state files have their own corpora.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { loadRules } from '../src/config/load-rules.ts';
import { configSchema } from '../src/config/schema.ts';
import { initialState, step, type CoreState } from '../src/core/step.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const T0 = Date.parse('2026-03-02T06:50:00Z'); // 15:50 KST, ten minutes before the KR run

const BAD_LINES: string[] = [
  '',
  ' ',
  '\u0000\u0000\u0000',
  '\uFFFD\uFFFD\uFFFD - __main__ - INFO - \uFFFD',
  '2026-13-45 99:99:99,999 - __main__ - INFO - === 체크 완료 ===',
  '2026-03-02 16:00:02 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===', // no milliseconds
  '2026-03-02 16:00:02,114 - __main__ - INFO', // no message
  '2026-03-02 16:00:02,114 -  - INFO - ',
  '2026-03-02 16:00:02,114 - __main__ - BOGUSLEVEL - === 체크 완료 ===',
  '=== 체크 완료 ===', // finish marker without a run
  '=== 체크 완료 ====== 체크 완료 ===',
  // Orphan traceback bodies with no header. (A header itself is not malformed: it is the evidence
  // of a crash, and two of them are meant to fire repeated-failures.)
  '  File "x.py", line 1, in <module>',
  'Error:',
  'x'.repeat(70_000),
  `2026-03-02 16:00:02,114 - __main__ - INFO - ${'피라미딩 기회: '.repeat(5000)}`,
  '2026-03-02 16:00:02,114 - src.notifier - INFO - Telegram 전송 성공: ',
  '2026-03-02 16:00:02,114 - src.position_tracker - INFO - 포지션 청산: ',
  '2026-03-02 16:00:02,114 - src.position_tracker - INFO - 포지션 청산: ../../etc/passwd PnL: NaN',
  '2026-03-02 16:00:02,114 - __main__ - INFO - 한국거래소 (KRX): 장후 (99:99, 마감 15:30)',
  '2026-03-02 16:00:02,114 - __main__ - INFO - 한국거래소 (KRX): 장후 (',
  '2026-03-02 16:00:02,114 - __main__ - INFO - 오픈 포지션: -3개',
  '\r\r\r',
  '\t2026-03-02 16:00:02,114 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===',
  '{"json": "in a log"}',
  'time="2026-03-05T08:47:12+09:00" level=info msg="job succeeded"',
  '9999-99-99 99:99:99,999 - a - b - c - d - e',
  '0000-00-00 00:00:00,000 - __main__ - INFO - === 시그널 체크 완료 ===',
  '2026-03-02 16:00:02,114 - __main__ - INFO - ' + '\u202E'.repeat(100),
  '\uD800', // lone surrogate
];

test('malformed log lines: no exception, no incident, with the bundled rules', async () => {
  const rules = await loadRules(join(repo, 'rules'));
  assert.ok(rules.ok, rules.ok ? '' : rules.errors.join('\n'));
  const config = configSchema.parse({ deployment: { root: '.' } });
  const ctx = stepContextOf(config, rules.rules, rules.profiles);
  const crontab = readFileSync(join(repo, 'test/fixtures/crontab-v3.2.1'), 'utf8');
  let state: CoreState = initialState(T0);
  state = step(state, { kind: 'crontab', crontab: { text: crontab, source: 'container', observedAt: T0 } }, ctx).state;
  for (const file of ['check_kr.log', 'check_us.log', 'daily_report.log', 'unknown.log']) {
    // Each line alone, then all of them in one batch: both orders of arrival must be safe.
    for (const [i, text] of BAD_LINES.entries()) {
      const r = step(state, { kind: 'log-lines', lines: [{ file, text, observedAt: T0 + i, live: true }] }, ctx);
      state = r.state;
      assert.equal(
        r.effects.filter((e) => (e.kind === 'notify' ? e.notice.kind : e.kind) === 'incident-opened').length,
        0,
        `line ${i} in ${file} opened an incident`,
      );
    }
    const r = step(state, { kind: 'log-lines', lines: BAD_LINES.map((text) => ({ file, text, observedAt: T0 + 100, live: true })) }, ctx);
    state = r.state;
    assert.deepEqual(
      r.effects
        .filter((e) => (e.kind === 'notify' ? e.notice.kind : e.kind) === 'incident-opened')
        .map((e) => JSON.stringify(e).slice(0, 600)),
      [],
      file,
    );
  }
  assert.deepEqual(
    state.incidents.incidents.map((i) => `${i.ruleId} ${i.cause}: ${i.summary}`),
    [],
  );
  assert.equal(state.linesEvaluated['check_kr.log'], BAD_LINES.length * 2);
  // The state stays serializable (it is checkpointed as JSON) and bounded.
  const size = JSON.stringify(state).length;
  assert.ok(size < 2_000_000, `state grew to ${size} bytes`);
});
