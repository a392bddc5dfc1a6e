// Every evidence note, pinned as exact strings in Korean and English. The table's type lists every
// note key, so a key added to the catalogue without a case here fails to compile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evidenceIn,
  note,
  renderEvidence,
  type EvidenceKey,
  type EvidenceMessage,
  type EvidenceParams,
} from '../src/core/evidence-text.ts';
import { renderNotice } from '../src/core/messages.ts';
import { renderIncidentDetails } from '../src/core/telegram-text.ts';
import { ruleSchema, type RuleOf } from '../src/config/schema.ts';
import { evaluateContainerState } from '../src/core/rules/container-state.ts';
import type { Evidence } from '../src/core/types.ts';
import type { World } from '../src/core/world.ts';
import { KR, OPENED_AT, OPENED_NOTICE_HEAD, pinEveryText, streakIncident, throughCheckpoint, type TextCase } from './helpers/text-cases.ts';

// Written out case by case on purpose: each entry pins one exact operator text, so entries look alike.
const CASES: { [K in EvidenceKey]: TextCase<EvidenceParams[K]>[] } = {
  'cron.no-crontab-observed': [
    {
      params: {},
      ko: 'cron 컨테이너에서도 대체 파일에서도 crontab을 읽지 못함',
      en: 'no crontab observed from the cron container or the fallback file',
    },
  ],
  'cron.crontab-line': [
    {
      params: { line: 3, text: '0 16 * * 1-5 cd /app && python signal_check.py >> logs/signal_kr.log 2>&1' },
      ko: 'crontab 3번째 줄: 0 16 * * 1-5 cd /app && python signal_check.py >> logs/signal_kr.log 2>&1',
      en: 'crontab line 3: 0 16 * * 1-5 cd /app && python signal_check.py >> logs/signal_kr.log 2>&1',
    },
    {
      params: { line: 1, text: 'expected 5 time fields' },
      ko: 'crontab 1번째 줄: expected 5 time fields',
      en: 'crontab line 1: expected 5 time fields',
    },
  ],
  'cron.last-run': [
    {
      params: {
        startedAt: '2026-02-23 16:00:02 KST',
        stamp: '2026-02-23 16:00:02,123',
        end: 'finished',
        finishedAt: '2026-02-23 16:01:10 KST',
      },
      ko: '마지막으로 본 실행: 2026-02-23 16:00:02 KST 시작 (로그 시각 "2026-02-23 16:00:02,123"), 2026-02-23 16:01:10 KST 종료',
      en: 'last run seen: started 2026-02-23 16:00:02 KST (log stamp "2026-02-23 16:00:02,123"), finished 2026-02-23 16:01:10 KST',
    },
    {
      params: { startedAt: 'S', stamp: 's', end: 'finished' },
      ko: '마지막으로 본 실행: S 시작 (로그 시각 "s"), 종료',
      en: 'last run seen: started S (log stamp "s"), finished',
    },
    {
      params: { startedAt: 'S', stamp: 's', end: 'failed' },
      ko: '마지막으로 본 실행: S 시작 (로그 시각 "s"), 실패',
      en: 'last run seen: started S (log stamp "s"), failed',
    },
    {
      params: { startedAt: 'S', stamp: 's', end: 'open' },
      ko: '마지막으로 본 실행: S 시작 (로그 시각 "s"), 아직 끝나지 않음',
      en: 'last run seen: started S (log stamp "s"), not finished yet',
    },
    {
      params: { startedAt: 'S', stamp: 's', end: 'superseded' },
      ko: '마지막으로 본 실행: S 시작 (로그 시각 "s"), 끝나지 않음 (다음 실행이 시작됨)',
      en: 'last run seen: started S (log stamp "s"), never finished (a later run started)',
    },
  ],
  'cron.no-run-seen': [
    {
      params: { jobId: 'signal_kr.log' },
      ko: '감시 시작 이후 signal_kr.log 실행을 보지 못함',
      en: 'no run of signal_kr.log seen since the sidecar started watching',
    },
  ],
  'cron.hung-run': [
    {
      params: { startedAt: '2026-02-23 16:00:02 KST', stamp: '2026-02-23 16:00:02,123', elapsed: 5_400_000, max: 3_600_000 },
      ko: '2026-02-23 16:00:02 KST에 시작한 실행 (로그 시각 "2026-02-23 16:00:02,123"): 1시간 30분 경과 후에도 종료 표시도 traceback도 없음 (최대 1시간)',
      en: 'run started 2026-02-23 16:00:02 KST (log stamp "2026-02-23 16:00:02,123"), no finish marker and no traceback after 1h30m (max 1h)',
    },
  ],
  'cron.expected-window': [
    {
      params: {
        from: '2026-02-23 15:59:00 KST',
        to: '2026-02-23 16:10:00 KST',
        expected: '2026-02-23 16:00:00 KST',
        schedule: '0 16 * * 1-5',
        zone: 'Asia/Seoul',
      },
      ko: '2026-02-23 16:00:00 KST 예정 실행 (0 16 * * 1-5, Asia/Seoul): 2026-02-23 15:59:00 KST부터 2026-02-23 16:10:00 KST 사이에 시작해야 함',
      en: 'expected a start between 2026-02-23 15:59:00 KST and 2026-02-23 16:10:00 KST for the run scheduled at 2026-02-23 16:00:00 KST (0 16 * * 1-5, Asia/Seoul)',
    },
  ],
  'cron.empty-crontab-hint': [
    {
      params: {},
      ko: '비어 있는 crontab, 주석이나 변수만 있는 crontab, 또는 crontab이 아닌 파일: cron 컨테이너(crontab -l)나 설정의 deployment.crontab을 확인하세요',
      en: 'an empty crontab, one with only comments or variables, or a file that is not a crontab: check the cron container (crontab -l) or deployment.crontab in the config',
    },
  ],
  'cron.container-down-since': [
    {
      params: { name: 'turtle-cron', status: 'exited', since: '2026-02-23T06:55:00.000Z' },
      ko: 'turtle-cron: 2026-02-23T06:55:00.000Z부터 종료됨 상태',
      en: 'turtle-cron exited since 2026-02-23T06:55:00.000Z',
    },
  ],
  'cron.container-restarted': [
    {
      params: { name: 'turtle-cron', at: '2026-02-23T07:05:00.000Z' },
      ko: 'turtle-cron: 예정 시각 이후 2026-02-23T07:05:00.000Z에 (재)시작됨',
      en: 'turtle-cron (re)started at 2026-02-23T07:05:00.000Z, after the scheduled time',
    },
  ],
  'cron.processes-unseen': [
    {
      params: { lastLook: '2026-02-23T07:00:00.000Z' },
      ko: 'cron 컨테이너의 프로세스를 볼 수 없어 (마지막 확인 2026-02-23T07:00:00.000Z) 로그만으로 판단함',
      en: "the cron container's processes cannot be seen (the last look was at 2026-02-23T07:00:00.000Z): judged by the log alone",
    },
    {
      params: {},
      ko: 'cron 컨테이너의 프로세스를 볼 수 없어 (아직 확인하지 못함) 로그만으로 판단함',
      en: "the cron container's processes cannot be seen (no look so far): judged by the log alone",
    },
  ],
  'cron.still-running': [
    {
      params: { at: '2026-02-23T08:30:00.000Z', commands: 'python signal_check.py' },
      ko: '2026-02-23T08:30:00.000Z에 아직 실행 중: python signal_check.py',
      en: 'still running at 2026-02-23T08:30:00.000Z: python signal_check.py',
    },
  ],

  'container.no-observation': [
    { params: {}, ko: '이 컨테이너의 inspect 결과와 이벤트가 아직 없음', en: 'no inspect result and no event for this container so far' },
  ],
  'container.restarts': [
    {
      params: { count: 2, window: 3_600_000, at: ['2026-02-23T07:00:00.000Z', '2026-02-23T07:10:00.000Z'] },
      ko: '최근 1시간 동안 2회 재시작: 2026-02-23T07:00:00.000Z, 2026-02-23T07:10:00.000Z',
      en: '2 restart(s) in the last 1h: 2026-02-23T07:00:00.000Z, 2026-02-23T07:10:00.000Z',
    },
  ],
  'container.state': [
    {
      params: {
        name: 'turtle-cron',
        status: 'running',
        image: 'turtle_trading-turtle-cron',
        imageId: '0123456789ab',
        restartCount: 1,
        startedAt: '2026-02-23T04:30:00.000Z',
        observedAt: '2026-02-23T07:29:50.000Z',
      },
      ko: 'turtle-cron: 실행 중, 이미지 turtle_trading-turtle-cron (0123456789ab), 재시작 횟수 1, 2026-02-23T04:30:00.000Z 시작, 2026-02-23T07:29:50.000Z 확인',
      en: 'turtle-cron: running, image turtle_trading-turtle-cron (0123456789ab), restart count 1, started 2026-02-23T04:30:00.000Z, observed 2026-02-23T07:29:50.000Z',
    },
    {
      params: { name: 'turtle-cron', status: 'missing', restartCount: 0, observedAt: '2026-02-23T07:29:50.000Z' },
      ko: 'turtle-cron: 없음, 재시작 횟수 0, 2026-02-23T07:29:50.000Z 확인',
      en: 'turtle-cron: missing, restart count 0, observed 2026-02-23T07:29:50.000Z',
    },
  ],

  'run.failure': [
    {
      params: { stamp: '2026-02-23 07:00:02', reason: { kind: 'traceback', text: KR } },
      ko: `2026-02-23 07:00:02에 시작한 실행: ${KR}`,
      en: `run started 2026-02-23 07:00:02: ${KR}`,
    },
    {
      params: { reason: { kind: 'traceback', text: KR } },
      ko: `시작 표시 전에 비정상 종료: ${KR}`,
      en: `crash before the start marker: ${KR}`,
    },
    {
      params: { stamp: '2026-02-23 07:00:02', reason: { kind: 'error-pattern', text: '[ERROR] 주문 실패' } },
      ko: '2026-02-23 07:00:02에 시작한 실행: [ERROR] 주문 실패',
      en: 'run started 2026-02-23 07:00:02: [ERROR] 주문 실패',
    },
    {
      params: { stamp: '2026-02-23 07:00:02', reason: { kind: 'missing-finish', text: 'no finish marker before the next start' } },
      ko: '2026-02-23 07:00:02에 시작한 실행: 다음 실행이 시작되기 전에 종료 표시가 없음',
      en: 'run started 2026-02-23 07:00:02: no finish marker before the next start',
    },
    {
      params: {
        stamp: '2026-02-23 07:00:02',
        reason: { kind: 'process-gone', text: 'no finish marker, and its process is gone from the cron container' },
      },
      ko: '2026-02-23 07:00:02에 시작한 실행: 종료 표시가 없고 cron 컨테이너에서 프로세스가 사라짐',
      en: 'run started 2026-02-23 07:00:02: no finish marker, and its process is gone from the cron container',
    },
  ],
  'telegram.send-failed': [
    {
      params: { stamp: '2026-02-23 16:00:02', text: 'Telegram 오류 (모든 재시도 소진): 502 Bad Gateway' },
      ko: '2026-02-23 16:00:02에 시작한 실행: Telegram 오류 (모든 재시도 소진): 502 Bad Gateway',
      en: 'run started 2026-02-23 16:00:02: Telegram 오류 (모든 재시도 소진): 502 Bad Gateway',
    },
  ],
  'telegram.event-without-success': [
    {
      params: { stamp: '2026-02-23 16:00:02', text: '발견된 시그널: 2개' },
      ko: '2026-02-23 16:00:02에 시작한 실행: 발견된 시그널: 2개 (실행 중 Telegram 전송 성공 없음)',
      en: 'run started 2026-02-23 16:00:02: 발견된 시그널: 2개 (no Telegram 전송 성공 in the run)',
    },
  ],
  'telegram.report-without-success': [
    {
      params: { stamp: '2026-02-23 16:00:02', script: 'check_positions.py' },
      ko: '2026-02-23 16:00:02에 시작한 실행: Telegram 전송 성공 줄 없음 (check_positions.py는 항상 알림을 보냄)',
      en: 'run started 2026-02-23 16:00:02: no Telegram 전송 성공 line (check_positions.py always sends)',
    },
  ],
  'telegram.channel-missing': [
    {
      params: { marker: 'Telegram 채널 활성화' },
      ko: "시작 표시 전에 비정상 종료: 'Telegram 채널 활성화' 줄 없음",
      en: "crash before the start marker: no 'Telegram 채널 활성화' line",
    },
  ],

  'positions.file-absent': [{ params: {}, ko: '파일 없음', en: 'file absent' }],
  'positions.reverted': [
    {
      params: { seenAt: '2026-02-23T06:00:00.000Z' },
      ko: '파일이 2026-02-23T06:00:00.000Z에 이미 본 버전으로 되돌아감 (이전 사본에서 복원)',
      en: 'the file went back to a version already seen at 2026-02-23T06:00:00.000Z (a restore from an older copy)',
    },
  ],
  'positions.close-explained': [
    {
      params: { positionId: 'KR_005930_1', writers: ['check_kr.log'] },
      ko: 'KR_005930_1 청산: check_kr.log 실행이 포지션 청산을 기록함',
      en: 'KR_005930_1 closed: 포지션 청산 logged by the run of check_kr.log',
    },
  ],
  'positions.close-pending': [
    {
      params: { positionId: 'KR_005930_1', until: '2026-02-23T07:45:00.000Z' },
      ko: 'KR_005930_1이(가) 더 이상 열려 있지 않음. 2026-02-23T07:45:00.000Z까지 포지션 청산 줄과 기록 작업 실행을 기다림',
      en: 'KR_005930_1 is no longer open; waiting until 2026-02-23T07:45:00.000Z for its 포지션 청산 line and a writer run',
    },
  ],
  'positions.close-without-writer': [
    {
      params: { positionId: 'KR_005930_1' },
      ko: 'KR_005930_1이(가) 더 이상 열려 있지 않고 포지션 청산이 기록되었지만, 그때 positions.json을 쓸 수 있는 작업의 실행이 없었음',
      en: 'KR_005930_1 is no longer open and 포지션 청산 was logged, but no job allowed to write positions.json had a run at the time',
    },
  ],
  'positions.vanished-unexplained': [
    {
      params: { positionId: 'KR_005930_1', window: 2_700_000 },
      ko: '열린 포지션 KR_005930_1이(가) 사라지거나 청산 상태로 바뀌었지만 45분 안에 "포지션 청산: KR_005930_1" 줄이 없음',
      en: 'open position KR_005930_1 vanished or turned closed with no "포지션 청산: KR_005930_1" line within 45 min',
    },
    {
      params: { positionId: 'KR_005930_1', window: 90_000 },
      ko: '열린 포지션 KR_005930_1이(가) 사라지거나 청산 상태로 바뀌었지만 90초 안에 "포지션 청산: KR_005930_1" 줄이 없음',
      en: 'open position KR_005930_1 vanished or turned closed with no "포지션 청산: KR_005930_1" line within 90 s',
    },
  ],
  'positions.size-explained': [
    {
      params: { what: 'KR_005930_1.units 2 → 3', writers: ['check_kr.log', 'signal_kr.log'] },
      ko: 'KR_005930_1.units 2 → 3: check_kr.log, signal_kr.log 실행 중 변경',
      en: 'KR_005930_1.units 2 → 3 during a run of check_kr.log, signal_kr.log',
    },
  ],
  'positions.size-pending': [
    {
      params: { what: 'KR_005930_1.units 2 → 3', until: '2026-02-23T07:05:00.000Z' },
      ko: 'KR_005930_1.units 2 → 3. 2026-02-23T07:05:00.000Z까지 로그에 기록 작업 실행이 나타나기를 기다림',
      en: 'KR_005930_1.units 2 → 3; waiting until 2026-02-23T07:05:00.000Z for a writer run to show up in the logs',
    },
  ],
  'positions.size-unexplained': [
    {
      params: { what: 'KR_005930_1.units 2 → 3' },
      ko: 'KR_005930_1.units 2 → 3: positions.json을 쓸 수 있는 작업의 실행이 없을 때 변경됨 (코드에서 수량을 바꾸는 작업은 없음)',
      en: 'KR_005930_1.units 2 → 3 outside any run of a job allowed to write positions.json (nobody changes sizes in code)',
    },
  ],
  'positions.vanished-open': [{ params: {}, ko: '이전에는 열려 있었으나 지금은 열려 있지 않음', en: 'open before, not open now' }],
  'evidence.more': [{ params: { count: 4 }, ko: '… 외 4건', en: '… and 4 more' }],

  'fill.unavailable': [
    {
      params: { unavailable: { file: 'entries.json', state: 'unread' } },
      ko: 'entries.json 파일을 아직 읽지 못함',
      en: 'entries.json has not been read yet',
    },
    {
      params: { unavailable: { file: 'entries.json', state: 'absent' } },
      ko: 'entries.json 파일이 없음',
      en: 'entries.json does not exist',
    },
    {
      params: { unavailable: { file: 'positions.json', state: 'corrupt', path: '$', detail: 'Unexpected end of JSON input' } },
      ko: 'positions.json 파일 손상 ($: Unexpected end of JSON input)',
      en: 'positions.json is corrupt ($: Unexpected end of JSON input)',
    },
  ],
  'fill.more-violations': [
    {
      params: { count: 2, at: ['positions.json $[7].units', 'positions.json $[8].units'] },
      ko: '… 외 위반 2건: positions.json $[7].units, positions.json $[8].units',
      en: '… and 2 more violations at positions.json $[7].units, positions.json $[8].units',
    },
  ],

  'source.last-error': [
    {
      params: { error: 'EACCES: permission denied' },
      ko: '마지막 오류: EACCES: permission denied',
      en: 'last error: EACCES: permission denied',
    },
    { params: {}, ko: '마지막 오류: 알 수 없음', en: 'last error: unknown' },
  ],

  'rule.kept-across-edit': [
    {
      params: {},
      ko: '발동 당시의 규칙으로 판단함: 수정된 규칙으로는 통과하지만, 규칙 수정으로 사건이 닫히지는 않음',
      en: 'judged by the rule as it was when it fired: the edited rule passes this cause, and an edit does not close an incident',
    },
  ],
};

pinEveryText<EvidenceMessage>(
  (key) => `evidence note ${key}: exact Korean and English`,
  CASES,
  renderEvidence,
  // The English text the logs, the journal and --json keep is the English rendering.
  (message, en) => ({ actual: note(message), expected: { text: en, message } }),
);

const incident = (evidence: Evidence[]) => streakIncident({ evidence });

test('the operator reads evidence notes in the configured language; log lines stay as written', () => {
  const evidence: Evidence[] = [
    {
      kind: 'log',
      file: 'check_kr.log',
      at: OPENED_AT,
      ...note({ key: 'run.failure', params: { stamp: '2026-02-23 07:00:02', reason: { kind: 'traceback', text: KR } } }),
    },
    { kind: 'note', ...note({ key: 'rule.kept-across-edit', params: {} }) },
  ];
  const notice = { kind: 'incident-opened' as const, incident: incident(evidence) };
  assert.equal(
    renderNotice(notice, 'ko', 'Asia/Seoul'),
    [
      ...OPENED_NOTICE_HEAD.ko,
      `  - [2026-02-23 16:00:02 GMT+9] check_kr.log: 2026-02-23 07:00:02에 시작한 실행: ${KR}`,
      '  - 발동 당시의 규칙으로 판단함: 수정된 규칙으로는 통과하지만, 규칙 수정으로 사건이 닫히지는 않음',
    ].join('\n'),
  );
  assert.equal(
    renderNotice(notice, 'en', 'Asia/Seoul'),
    [
      ...OPENED_NOTICE_HEAD.en,
      `  - [2026-02-23 16:00:02 GMT+9] check_kr.log: run started 2026-02-23 07:00:02: ${KR}`,
      '  - judged by the rule as it was when it fired: the edited rule passes this cause, and an edit does not close an incident',
    ].join('\n'),
  );
  const details = renderIncidentDetails(notice.incident, 'ko', 'Asia/Seoul').join('\n');
  assert.ok(
    details.includes(
      `<pre>근거:\n  [2026-02-23 16:00:02 GMT+9] check_kr.log: 2026-02-23 07:00:02에 시작한 실행: ${KR}\n  발동 당시의 규칙으로 판단함: 수정된 규칙으로는 통과하지만, 규칙 수정으로 사건이 닫히지는 않음\n경과:</pre>`,
    ),
    details,
  );
});

test('evidence from a checkpoint written before notes were typed shows its stored English text', () => {
  const old = incident([{ kind: 'note', text: 'no inspect result and no event for this container so far' }]);
  const restored = throughCheckpoint(old);
  assert.equal(evidenceIn('ko', restored.evidence[0]!), 'no inspect result and no event for this container so far');
  // A current checkpoint keeps the note through JSON, and renders it in either language.
  const current = throughCheckpoint(incident([{ kind: 'note', ...note({ key: 'container.no-observation', params: {} }) }]));
  assert.equal(evidenceIn('ko', current.evidence[0]!), '이 컨테이너의 inspect 결과와 이벤트가 아직 없음');
  assert.equal(evidenceIn('en', current.evidence[0]!), 'no inspect result and no event for this container so far');
});

test('a rule builds its evidence as typed notes: container-state in both languages', () => {
  const NOW = Date.parse('2026-02-23T07:30:00Z');
  const rule = ruleSchema.parse({
    id: 'containers',
    kind: 'container-state',
    params: { containers: ['turtle-cron'] },
  }) as RuleOf<'container-state'>;
  const world = {
    now: NOW,
    watchStartedAt: NOW - 86_400_000,
    jobs: [],
    jobsSince: NOW - 86_400_000,
    crontabKnown: false,
    profiles: {},
    runs: {},
    version: { version: 'unknown', evidence: [] },
    containers: {
      'turtle-cron': {
        current: {
          name: 'turtle-cron',
          status: 'exited',
          restartCount: 3,
          observedAt: NOW - 10_000,
          imageRef: 'turtle_trading-turtle-cron',
          imageId: 'sha256:0123456789abcdef',
          startedAt: NOW - 3_600_000,
        },
        restarts: [NOW - 20 * 60_000],
        notRunningSince: NOW - 15 * 60_000,
      },
    },
    positionsChanges: [],
    healLines: [],
    closeLines: [],
    sources: {},
  } as unknown as World;
  const [v] = evaluateContainerState(rule, world, NOW);
  assert.deepEqual(
    v!.evidence.map((e) => evidenceIn('ko', e)),
    [
      'turtle-cron: 종료됨, 이미지 turtle_trading-turtle-cron (0123456789ab), 재시작 횟수 3, 2026-02-23T06:30:00.000Z 시작, 2026-02-23T07:29:50.000Z 확인',
      '최근 1시간 동안 1회 재시작: 2026-02-23T07:10:00.000Z',
    ],
  );
  assert.deepEqual(
    v!.evidence.map((e) => e.text),
    [
      'turtle-cron: exited, image turtle_trading-turtle-cron (0123456789ab), restart count 3, started 2026-02-23T06:30:00.000Z, observed 2026-02-23T07:29:50.000Z',
      '1 restart(s) in the last 1h: 2026-02-23T07:10:00.000Z',
    ],
  );
  const noHistory = evaluateContainerState(rule, { ...world, containers: {} }, NOW)[0]!;
  assert.equal(evidenceIn('ko', noHistory.evidence[0]!), '이 컨테이너의 inspect 결과와 이벤트가 아직 없음');
});
