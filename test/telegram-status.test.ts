// /status, /incidents and /rules answers, rendered from the core's state, pinned in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profileSchema, ruleSchema } from '../src/config/schema.ts';
import { applyLogLines, emptyRunsState } from '../src/core/runs.ts';
import { renderIncidents, renderRules, renderStatus } from '../src/core/status-text.ts';
import { initialState, type CoreState } from '../src/core/step.ts';
import { MESSAGE_LIMIT } from '../src/core/telegram-html.ts';
import type { Job, Run } from '../src/core/types.ts';
import { parseTelegramHtml } from './fakes/bot-api-server.ts';
import { awaiting, incident, stateWith, T0 } from './fakes/telegram-fixtures.ts';

const job = (id: string, schedule: string, script: string, line: number): Job => ({
  id,
  schedule,
  timezone: 'Asia/Seoul',
  command: `python ${script} >> /app/logs/${id}`,
  script,
  logFile: id,
  line,
});
const run = (jobId: string, startedAt: number, over: Partial<Run> = {}): Run => ({
  jobId,
  script: 'x.py',
  startedAt,
  startStamp: '',
  end: 'finished',
  finishedAt: startedAt + 60_000,
  tracebacks: [],
  errorLines: [],
  telegram: { channelActive: true, successes: [], failures: [], notifyEvents: [] },
  closedPositions: [],
  healLines: [],
  ...over,
});
function fullState(): CoreState {
  const s = stateWith([
    awaiting({ id: 'INC-0002' }),
    incident({ id: 'INC-0001', phase: 'resolved', updatedAt: T0 - 3_600_000, ruleId: 'cron-missed-or-hung' }),
  ]);
  const jobs = [
    job('check_kr.log', '0 16 * * 1-5', 'check_positions.py', 0),
    job('daily_report.log', '30 18 * * 1-5', 'daily_report.py', 1),
    job('check_us.log', '0 6 * * 2-6', 'check_positions.py', 2),
  ];
  const profile = profileSchema.parse({
    script: 'check_positions.py',
    startMarker: '=== 통합 포지션 & 시그널 체크 시작 ===',
    finishMarker: '=== 체크 완료 ===',
  });
  // check_us.log has a run open right now (start marker, no finish yet).
  const open = applyLogLines(
    emptyRunsState(),
    [
      {
        file: 'check_us.log',
        text: '2026-02-23 06:59:59,000 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===',
        observedAt: T0 - 1000,
        live: true,
      },
    ],
    {
      jobsByLogFile: { 'check_us.log': jobs[2]! },
      profiles: { 'check_positions.py': profile },
      errorPatterns: [],
      logTimestampZone: 'auto',
    },
  );
  return {
    ...s,
    runsState: open.state,
    fingerprint: { version: 'v3.2.1', evidence: ['crontab runs check_positions.py'] },
    jobs,
    finishedRuns: {
      'check_kr.log': [
        run('check_kr.log', T0 - 86_400_000),
        run('check_kr.log', T0 - 2000, { end: 'failed', tracebacks: [{ error: "KeyError: 'units'", excerpt: [] }] }),
      ],
      'daily_report.log': [run('daily_report.log', T0 - 80_000_000)],
    },
    containers: {
      'turtle-cron': {
        current: { name: 'turtle-cron', status: 'running', imageId: 'sha256:0123456789abcdef0123', restartCount: 0, observedAt: T0 },
        restarts: [],
      },
      'turtle-dashboard': {
        current: { name: 'turtle-dashboard', status: 'restarting', imageId: 'sha256:fedcba9876543210', restartCount: 7, observedAt: T0 },
        restarts: [T0 - 1000, T0 - 500],
      },
    },
    safety: {
      ...s.safety,
      armed: false,
      silenced: { 'telegram-alerts-missing': T0 + 7_200_000, 'fill-mismatch': T0 - 1 },
      inFlight: 'INC-0003',
    },
  };
}
const RULES = [
  ruleSchema.parse({ id: 'cron-missed-or-hung', kind: 'cron-schedule', action: 'rollback' }),
  ruleSchema.parse({ id: 'positions-corrupt', kind: 'positions-integrity', action: 'halt', approval: { policy: 'auto' } }),
  ruleSchema.parse({ id: 'telegram-alerts-missing', kind: 'telegram-delivery', action: 'escalate', mode: 'dry-run' }),
];

const lines = (text: string) => text.split('\n');

test('/status in Korean: jobs with last run, outcome and next run; containers; armed; open incidents; silences', () => {
  assert.deepEqual(lines(renderStatus(fullState(), 'ko', 'Asia/Seoul', T0)), [
    '📊 <b>상태</b> 2026-02-23 16:00:02 GMT+9',
    '버전: v3.2.1',
    '자동 조치: 해제됨 (/arm 으로 다시 활성화)',
    '실행 중인 조치: INC-0003',
    '<b>작업</b>',
    '• <code>check_kr.log</code> (0 16 * * 1-5)',
    "  마지막 실행: 2026-02-23 16:00:00 GMT+9 실패 (KeyError: 'units')",
    '  다음 예정: 2026-02-24 16:00:00 GMT+9',
    '• <code>daily_report.log</code> (30 18 * * 1-5)',
    '  마지막 실행: 2026-02-22 17:46:42 GMT+9 성공',
    '  다음 예정: 2026-02-23 18:30:00 GMT+9',
    '• <code>check_us.log</code> (0 6 * * 2-6)',
    '  마지막 실행: 2026-02-23 16:00:01 GMT+9 실행 중',
    '  다음 예정: 2026-02-24 06:00:00 GMT+9',
    '<b>컨테이너</b>',
    '• turtle-cron: 실행 중, 이미지 <code>0123456789ab</code> (재시작 0회)',
    '• turtle-dashboard: 재시작 중, 이미지 <code>fedcba987654</code> (재시작 7회)',
    '<b>열린 인시던트</b>',
    "• INC-0002 [심각] 결정 대기 — <code>repeated-failures</code>: check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
    '  열림: 2026-02-23 16:00:02 GMT+9; 결정 기한: 2026-02-23 16:10:02 GMT+9 (거부 기한)',
    '<b>알림 끔</b>',
    '• <code>telegram-alerts-missing</code> 2026-02-23 18:00:02 GMT+9 까지',
  ]);
});

test('/status in English', () => {
  assert.deepEqual(lines(renderStatus(fullState(), 'en', 'Asia/Seoul', T0)), [
    '📊 <b>Status</b> 2026-02-23 16:00:02 GMT+9',
    'version: v3.2.1',
    'automatic actions: disarmed (/arm to re-arm)',
    'executing now: INC-0003',
    '<b>Jobs</b>',
    '• <code>check_kr.log</code> (0 16 * * 1-5)',
    "  last run: 2026-02-23 16:00:00 GMT+9 failed (KeyError: 'units')",
    '  next expected: 2026-02-24 16:00:00 GMT+9',
    '• <code>daily_report.log</code> (30 18 * * 1-5)',
    '  last run: 2026-02-22 17:46:42 GMT+9 succeeded',
    '  next expected: 2026-02-23 18:30:00 GMT+9',
    '• <code>check_us.log</code> (0 6 * * 2-6)',
    '  last run: 2026-02-23 16:00:01 GMT+9 running',
    '  next expected: 2026-02-24 06:00:00 GMT+9',
    '<b>Containers</b>',
    '• turtle-cron: running, image <code>0123456789ab</code> (0 restarts)',
    '• turtle-dashboard: restarting, image <code>fedcba987654</code> (7 restarts)',
    '<b>Open incidents</b>',
    "• INC-0002 [critical] awaiting decision — <code>repeated-failures</code>: check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
    '  opened: 2026-02-23 16:00:02 GMT+9; decision by: 2026-02-23 16:10:02 GMT+9 (veto window)',
    '<b>Silenced</b>',
    '• <code>telegram-alerts-missing</code> until 2026-02-23 18:00:02 GMT+9',
  ]);
});

test('/status of a fresh sidecar says what it does not know yet', () => {
  assert.deepEqual(lines(renderStatus(initialState(T0), 'en', 'Asia/Seoul', T0)), [
    '📊 <b>Status</b> 2026-02-23 16:00:02 GMT+9',
    'version: unknown',
    'automatic actions: armed',
    '<b>Jobs</b>',
    'The crontab has not been read yet.',
    '<b>Containers</b>',
    'No container observed.',
    '<b>Open incidents</b>',
    'No open incidents.',
  ]);
  assert.deepEqual(lines(renderStatus(initialState(T0), 'ko', 'Asia/Seoul', T0)).slice(2), [
    '자동 조치: 활성',
    '<b>작업</b>',
    'crontab을 아직 읽지 못했습니다.',
    '<b>컨테이너</b>',
    '관찰된 컨테이너가 없습니다.',
    '<b>열린 인시던트</b>',
    '열린 인시던트가 없습니다.',
  ]);
});

test('/incidents in both languages: open ones with their deadline, then the recently closed', () => {
  assert.deepEqual(lines(renderIncidents(fullState(), 'ko', 'Asia/Seoul')), [
    '📋 <b>인시던트</b>',
    '<b>열린 인시던트</b>',
    "• INC-0002 [심각] 결정 대기 — <code>repeated-failures</code>: check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
    '  열림: 2026-02-23 16:00:02 GMT+9; 결정 기한: 2026-02-23 16:10:02 GMT+9 (거부 기한)',
    '<b>최근 종료</b>',
    '• INC-0001 해소됨 — <code>cron-missed-or-hung</code>, 2026-02-23 15:00:02 GMT+9',
  ]);
  assert.deepEqual(lines(renderIncidents(fullState(), 'en', 'Asia/Seoul')), [
    '📋 <b>Incidents</b>',
    '<b>Open incidents</b>',
    "• INC-0002 [critical] awaiting decision — <code>repeated-failures</code>: check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
    '  opened: 2026-02-23 16:00:02 GMT+9; decision by: 2026-02-23 16:10:02 GMT+9 (veto window)',
    '<b>Recently closed</b>',
    '• INC-0001 resolved — <code>cron-missed-or-hung</code>, 2026-02-23 15:00:02 GMT+9',
  ]);
  assert.deepEqual(lines(renderIncidents(initialState(T0), 'en', 'Asia/Seoul')), [
    '📋 <b>Incidents</b>',
    '<b>Open incidents</b>',
    'No open incidents.',
  ]);
});

test('/rules in both languages: kind, mode, action, approval policy, silence', () => {
  assert.deepEqual(lines(renderRules(RULES, fullState(), 'ko', 'Asia/Seoul', T0)), [
    '📜 <b>규칙</b> (3개)',
    '• <code>cron-missed-or-hung</code> cron-schedule — enforce, 롤백, 승인: 거부 기한 10m',
    '• <code>positions-corrupt</code> positions-integrity — enforce, 거래 중단 (cron 컨테이너 정지), 승인: 자동',
    '• <code>telegram-alerts-missing</code> telegram-delivery — dry-run, 에스컬레이션 🔕 2026-02-23 18:00:02 GMT+9 까지 끔',
  ]);
  assert.deepEqual(lines(renderRules(RULES, fullState(), 'en', 'Asia/Seoul', T0)), [
    '📜 <b>Rules</b> (3)',
    '• <code>cron-missed-or-hung</code> cron-schedule — enforce, rollback, approval: veto window 10m',
    '• <code>positions-corrupt</code> positions-integrity — enforce, halt trading (stop the cron container), approval: automatic',
    '• <code>telegram-alerts-missing</code> telegram-delivery — dry-run, escalate 🔕 silenced until 2026-02-23 18:00:02 GMT+9',
  ]);
});

test('a huge state still answers within one valid message, whole lines only', () => {
  const many = Array.from({ length: 400 }, (_, i) =>
    awaiting({ id: `INC-${String(i + 1).padStart(4, '0')}`, summary: `<${'s'.repeat(250)}> & more` }),
  );
  for (const text of [renderStatus(stateWith(many), 'ko', 'Asia/Seoul', T0), renderIncidents(stateWith(many), 'en', 'Asia/Seoul')]) {
    assert.ok(text.length <= MESSAGE_LIMIT, `${text.length}`);
    const parsed = parseTelegramHtml(text);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    assert.match(text, /\n… (외 \d+줄|\d+ more lines)$/);
  }
});
