// Every verdict message, pinned as exact strings in Korean and English. The table's type lists every
// message key, so a key added to the catalogue without a case here fails to compile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationKo } from '../src/core/text/ko/words.ts';
import {
  renderMessage,
  say,
  summaryIn,
  warn,
  warningIn,
  type MessageKey,
  type MessageParams,
  type VerdictMessage,
} from '../src/core/verdict-text.ts';
import { renderNotice } from '../src/core/messages.ts';
import { KR, OPENED_NOTICE_HEAD, STREAK, pinEveryText, streakIncident, throughCheckpoint, type TextCase } from './helpers/text-cases.ts';

// Written out case by case on purpose: each entry pins one exact operator text, so entries look alike.
const CASES: { [K in MessageKey]: TextCase<MessageParams[K]>[] } = {
  'container.unobserved': [
    { params: { name: 'turtle-cron' }, ko: 'turtle-cron 컨테이너를 아직 관찰하지 못했습니다', en: 'turtle-cron has not been observed yet' },
  ],
  'container.missing': [
    {
      params: { name: 'turtle-cron', downFor: 300_000 },
      ko: 'turtle-cron 컨테이너가 없습니다 (5분 동안)',
      en: 'turtle-cron does not exist (for 5m)',
    },
  ],
  'container.not-running': [
    {
      params: { name: 'turtle-cron', status: 'exited', downFor: 5_400_000, limit: 600_000 },
      ko: 'turtle-cron 컨테이너가 1시간 30분 동안 실행 중이 아닙니다 (상태: 종료됨, 한도 10분)',
      en: 'turtle-cron is exited, not running, for 1h30m (limit 10m)',
    },
  ],
  'container.restart-loop': [
    {
      params: { name: 'turtle-dashboard', restarts: 4, window: 3_600_000, limit: 3 },
      ko: 'turtle-dashboard 컨테이너가 1시간 동안 4회 재시작했습니다 (한도 3회)',
      en: 'turtle-dashboard restarted 4 times in 1h (limit 3)',
    },
  ],
  'container.down-within': [
    {
      params: { name: 'turtle-cron', status: 'restarting', downFor: 45_000, allowance: 600_000 },
      ko: 'turtle-cron 컨테이너가 45초 동안 재시작 중 상태입니다 (허용 10분 이내)',
      en: 'turtle-cron is restarting for 45s, within 10m',
    },
  ],
  'container.running': [{ params: { name: 'turtle-cron' }, ko: 'turtle-cron 컨테이너 실행 중', en: 'turtle-cron is running' }],

  'cron.no-crontab': [
    {
      params: {},
      ko: '배포된 crontab을 아직 읽지 못해 예정된 실행을 판단할 수 없습니다',
      en: 'the deployed crontab has not been read yet, so no run can be expected',
    },
  ],
  'cron.no-job-lines': [
    {
      params: { source: 'file', unreadable: 0 },
      ko: '설정된 crontab 파일에 작업 줄이 없어 예정된 실행을 기대하거나 확인할 수 없습니다',
      en: 'the configured crontab file has no job lines, so no scheduled run can be expected or checked',
    },
    {
      params: { source: 'container', unreadable: 2 },
      ko: 'cron 컨테이너의 crontab에 작업 줄이 없어 예정된 실행을 기대하거나 확인할 수 없습니다 (작업으로 읽을 수 없는 줄 2개)',
      en: "the cron container's crontab has no job lines, so no scheduled run can be expected or checked (2 line(s) could not be read as jobs)",
    },
  ],
  'cron.schedule-broken': [
    {
      params: { jobId: 'check_kr.log', problem: 'unknown timezone Mars/Olympus' },
      ko: 'check_kr.log: 스케줄을 계산할 수 없습니다 (unknown timezone Mars/Olympus)',
      en: 'check_kr.log: its schedule cannot be computed (unknown timezone Mars/Olympus)',
    },
  ],
  'cron.hung': [
    {
      params: { jobId: 'check_kr.log', startedAt: '2026-02-23T16:00:02+09:00', elapsed: 2_700_000, max: 1_800_000 },
      ko: 'check_kr.log: 2026-02-23T16:00:02+09:00에 시작한 실행이 45분 경과 후에도 끝나지 않았습니다 (최대 30분)',
      en: 'check_kr.log: the run started 2026-02-23T16:00:02+09:00 has not finished after 45m (max 30m)',
    },
  ],
  'cron.nothing-due': [
    {
      params: { jobId: 'check_kr.log', next: '2026-02-24T16:00:00+09:00' },
      ko: 'check_kr.log: 감시 시작 이후 예정된 실행이 없습니다; 다음 예정 2026-02-24T16:00:00+09:00',
      en: 'check_kr.log: no scheduled run due since watching began; next at 2026-02-24T16:00:00+09:00',
    },
    {
      params: { jobId: 'check_kr.log' },
      ko: 'check_kr.log: 감시 시작 이후 예정된 실행이 없습니다',
      en: 'check_kr.log: no scheduled run due since watching began',
    },
  ],
  'cron.on-time': [
    {
      params: { jobId: 'check_kr.log', expected: '2026-02-23T16:00:00+09:00', startedAt: '2026-02-23T16:00:02+09:00' },
      ko: 'check_kr.log: 2026-02-23T16:00:00+09:00 예정 실행이 2026-02-23T16:00:02+09:00에 시작했습니다',
      en: 'check_kr.log: the run scheduled at 2026-02-23T16:00:00+09:00 started 2026-02-23T16:00:02+09:00',
    },
  ],
  'cron.late': [
    {
      params: { jobId: 'check_kr.log', expected: '2026-02-23T16:00:00+09:00', startedAt: '2026-02-23T16:20:00+09:00' },
      ko: 'check_kr.log: 2026-02-23T16:00:00+09:00 예정 실행이 늦게 시작했습니다 (2026-02-23T16:20:00+09:00)',
      en: 'check_kr.log: the run scheduled at 2026-02-23T16:00:00+09:00 started late, at 2026-02-23T16:20:00+09:00',
    },
  ],
  'cron.late-warning': [
    {
      params: { lateBy: 1_200_000, grace: 600_000 },
      ko: '예정 시각보다 20분 늦게 시작했습니다 (유예 10분)',
      en: 'started 20m after its scheduled time (grace 10m)',
    },
  ],
  'cron.cron-down': [
    {
      params: { jobId: 'check_kr.log', expected: '2026-02-23T16:00:00+09:00', container: 'turtle-cron', status: 'exited' },
      ko: 'check_kr.log: 2026-02-23T16:00:00+09:00 실행이 없습니다. cron 컨테이너(turtle-cron)가 실행 중이 아니었습니다 (종료됨)',
      en: 'check_kr.log: no run for 2026-02-23T16:00:00+09:00; the cron container turtle-cron was not running (exited)',
    },
    {
      params: {
        jobId: 'check_kr.log',
        expected: '2026-02-23T16:00:00+09:00',
        container: 'turtle-cron',
        status: 'running',
        restartedAt: '2026-02-23T07:05:00.000Z',
      },
      ko: 'check_kr.log: 2026-02-23T16:00:00+09:00 실행이 없습니다. cron 컨테이너(turtle-cron)가 실행 중이 아니었습니다 (2026-02-23T07:05:00.000Z에야 시작됨)',
      en: 'check_kr.log: no run for 2026-02-23T16:00:00+09:00; the cron container turtle-cron was not running (started only at 2026-02-23T07:05:00.000Z)',
    },
  ],
  'cron.missed': [
    {
      params: { jobId: 'check_kr.log', expected: '2026-02-23T16:00:00+09:00', grace: 600_000 },
      ko: 'check_kr.log: 예정 시각 2026-02-23T16:00:00+09:00 이후 10분 안에 시작한 실행이 없습니다',
      en: 'check_kr.log: no run started within 10m of its scheduled time 2026-02-23T16:00:00+09:00',
    },
  ],

  'fill.cannot-check': [
    {
      params: {
        check: 'units-match-entries',
        unavailable: [
          { file: 'positions.json', state: 'corrupt', path: '$[0].units', detail: 'expected a number' },
          { file: 'entries.json', state: 'absent' },
          { file: 'order_log.json', state: 'unread' },
        ],
      },
      ko: 'units-match-entries: 검사할 수 없습니다 (positions.json 파일 손상 ($[0].units: expected a number); entries.json 파일이 없음; order_log.json 파일을 아직 읽지 못함)',
      en: 'units-match-entries cannot be checked: positions.json is corrupt ($[0].units: expected a number); entries.json does not exist; order_log.json has not been read yet',
    },
  ],
  'fill.clean': [
    {
      params: { check: 'units-match-entries', files: ['positions.json', 'entries.json'] },
      ko: 'units-match-entries: positions.json + entries.json에서 위반 사항 없음',
      en: 'units-match-entries: no violation in positions.json + entries.json',
    },
  ],
  'fill.violations': [
    {
      params: { check: 'units-match-entries', count: 2, first: 'P1: units 3 ≠ 2 entries' },
      ko: 'units-match-entries: 위반 2건: P1: units 3 ≠ 2 entries',
      en: 'units-match-entries: 2 violations: P1: units 3 ≠ 2 entries',
    },
    {
      params: { check: 'units-match-entries', count: 1, first: 'P1: units 3 ≠ 2 entries' },
      ko: 'units-match-entries: 위반 1건: P1: units 3 ≠ 2 entries',
      en: 'units-match-entries: 1 violation: P1: units 3 ≠ 2 entries',
    },
  ],

  'positions.unread': [{ params: {}, ko: 'positions.json을 아직 읽지 못했습니다', en: 'positions.json has not been read yet' }],
  'positions.absent': [
    {
      params: {},
      ko: 'positions.json이 없습니다. 다음 실행 때 시스템이 []로 생성하므로 그때까지 판단하지 않습니다',
      en: 'positions.json does not exist; the guarded system creates [] on its next run, nothing to judge until then',
    },
  ],
  'positions.loads': [
    {
      params: {},
      ko: 'positions.json 정상: 파싱되고 모든 레코드가 v3.2.x에서 로드됩니다',
      en: 'positions.json parses and every record loads in v3.2.x',
    },
    {
      params: { release: 'v3.9.1' },
      ko: 'positions.json 정상: 파싱되고 모든 레코드가 v3.9.1에서 로드됩니다',
      en: 'positions.json parses and every record loads in v3.9.1',
    },
  ],
  'positions.corrupt': [
    {
      params: { path: '$[0]', problem: 'missing key max_units', more: 2 },
      ko: 'positions.json 손상: $[0]: missing key max_units (외 2건)',
      en: 'positions.json is corrupt: $[0]: missing key max_units (+2 more)',
    },
    {
      params: { path: '$', problem: 'not JSON', more: 0 },
      ko: 'positions.json 손상: $: not JSON',
      en: 'positions.json is corrupt: $: not JSON',
    },
  ],
  'positions.no-heal': [
    {
      params: {},
      ko: '최근 24시간 로그에 자동 복원(JSON 파일 손상 / 백업에서 복원) 없음',
      en: 'no silent restore (JSON 파일 손상 / 백업에서 복원) in the logs of the last 24 h',
    },
  ],
  'positions.healed': [
    {
      params: { file: 'check_kr.log', line: '2026-02-23 16:00:03 - WARNING - 백업에서 복원: positions.json' },
      ko: '시스템이 손상된 JSON 파일을 발견하고 백업에서 조용히 복원했습니다 (check_kr.log: 2026-02-23 16:00:03 - WARNING - 백업에서 복원: positions.json)',
      en: 'the guarded system found a corrupt JSON file and silently restored it from a backup (check_kr.log: 2026-02-23 16:00:03 - WARNING - 백업에서 복원: positions.json)',
    },
  ],
  'positions.change-unexpected': [
    {
      params: { reasons: ['P1 vanished', 'P2 units 2 → 3'] },
      ko: 'positions.json이 예상치 못하게 변경되었습니다: P1 vanished; P2 units 2 → 3',
      en: 'positions.json changed unexpectedly: P1 vanished; P2 units 2 → 3',
    },
    {
      params: {
        reasons: [
          'the file went back to a version already seen at 2026-02-23T06:00:00.000Z (a restore from an older copy)',
          'K1.units 2 → 3 outside any run of a job allowed to write positions.json (nobody changes sizes in code)',
        ],
        notes: [
          { key: 'positions.reverted', params: { seenAt: '2026-02-23T06:00:00.000Z' } },
          { key: 'positions.size-unexplained', params: { what: 'K1.units 2 → 3' } },
        ],
      },
      ko: 'positions.json이 예상치 못하게 변경되었습니다: 파일이 2026-02-23T06:00:00.000Z에 이미 본 버전으로 되돌아감 (이전 사본에서 복원); K1.units 2 → 3: positions.json을 쓸 수 있는 작업의 실행이 없을 때 변경됨 (코드에서 수량을 바꾸는 작업은 없음)',
      en: 'positions.json changed unexpectedly: the file went back to a version already seen at 2026-02-23T06:00:00.000Z (a restore from an older copy); K1.units 2 → 3 outside any run of a job allowed to write positions.json (nobody changes sizes in code)',
    },
  ],
  'positions.change-pending': [
    {
      params: { reasons: ['a run is in progress'] },
      ko: 'positions.json 변경, 아직 판단 전: a run is in progress',
      en: 'positions.json changed; not judged yet: a run is in progress',
    },
    {
      params: {
        reasons: ['K1.units 2 → 3; waiting until 2026-02-23T07:05:00.000Z for a writer run to show up in the logs'],
        notes: [{ key: 'positions.size-pending', params: { what: 'K1.units 2 → 3', until: '2026-02-23T07:05:00.000Z' } }],
      },
      ko: 'positions.json 변경, 아직 판단 전: K1.units 2 → 3. 2026-02-23T07:05:00.000Z까지 로그에 기록 작업 실행이 나타나기를 기다림',
      en: 'positions.json changed; not judged yet: K1.units 2 → 3; waiting until 2026-02-23T07:05:00.000Z for a writer run to show up in the logs',
    },
  ],
  'positions.change-explained': [
    {
      params: { reasons: ['closed by check_kr.log'] },
      ko: 'positions.json 변경 사유 확인됨: closed by check_kr.log',
      en: 'positions.json change explained: closed by check_kr.log',
    },
    {
      params: {
        reasons: ['K1 closed: 포지션 청산 logged by the run of check_kr.log'],
        notes: [{ key: 'positions.close-explained', params: { positionId: 'K1', writers: ['check_kr.log'] } }],
      },
      ko: 'positions.json 변경 사유 확인됨: K1 청산: check_kr.log 실행이 포지션 청산을 기록함',
      en: 'positions.json change explained: K1 closed: 포지션 청산 logged by the run of check_kr.log',
    },
  ],

  'failures.no-runs': [
    { params: { jobId: 'check_kr.log' }, ko: 'check_kr.log: 아직 관찰된 실행이 없습니다', en: 'check_kr.log: no runs seen yet' },
  ],
  'failures.last-ok': [{ params: { jobId: 'check_kr.log' }, ko: 'check_kr.log: 마지막 실행 성공', en: 'check_kr.log: last run succeeded' }],
  'failures.streak': [
    {
      params: { jobId: 'check_kr.log', count: 2, threshold: 2, latest: { kind: 'traceback', text: KR } },
      ko: `check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: ${KR}`,
      en: `check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: ${KR}`,
    },
    {
      params: {
        jobId: 'check_kr.log',
        count: 3,
        threshold: 2,
        latest: { kind: 'missing-finish', text: 'no finish marker before the next start' },
      },
      ko: 'check_kr.log: 성공 없이 3회 연속 실행 실패 (기준 2회). 최근 오류: 다음 실행이 시작되기 전에 종료 표시가 없음',
      en: 'check_kr.log: 3 consecutive failed runs with no successful run between them (threshold 2); latest: no finish marker before the next start',
    },
    {
      params: {
        jobId: 'check_kr.log',
        count: 2,
        threshold: 2,
        latest: { kind: 'process-gone', text: 'no finish marker, and its process is gone from the cron container' },
      },
      ko: 'check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: 종료 표시가 없고 cron 컨테이너에서 프로세스가 사라짐',
      en: 'check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: no finish marker, and its process is gone from the cron container',
    },
  ],
  'failures.below': [
    {
      params: { jobId: 'check_kr.log', count: 1, threshold: 2 },
      ko: 'check_kr.log: 실행 실패 1회, 기준 2회 미만',
      en: 'check_kr.log: 1 failed run(s), below the threshold of 2',
    },
  ],
  'failures.below-warning': [
    {
      params: { jobId: 'check_kr.log', count: 1, threshold: 2, latest: { kind: 'traceback', text: KR } },
      ko: `check_kr.log: 마지막 실행 실패 (${KR}). 2회 연속 실패하면 규칙이 발동합니다`,
      en: `check_kr.log: the last run failed (${KR}); 2 consecutive failures fire the rule`,
    },
    {
      params: {
        jobId: 'check_kr.log',
        count: 2,
        threshold: 3,
        latest: { kind: 'error-pattern', text: '2026-02-23 16:00:03 - CRITICAL - 주문 실패' },
      },
      ko: 'check_kr.log: 최근 2회 실행 실패 (2026-02-23 16:00:03 - CRITICAL - 주문 실패). 3회 연속 실패하면 규칙이 발동합니다',
      en: 'check_kr.log: the last 2 runs failed (2026-02-23 16:00:03 - CRITICAL - 주문 실패); 3 consecutive failures fire the rule',
    },
  ],

  'guard.tripped': [
    {
      params: {
        guard: 'kill-switch',
        jobId: 'check_kr.log',
        line: '2026-03-12 16:00:05,001 - __main__ - WARNING - 킬 스위치 활성 중: 3개 시그널 감지되었으나 신규 진입 불가',
      },
      ko: '킬 스위치 켜짐: 신규 진입 차단 — 설계된 동작이며 오류가 아닙니다; 롤백으로는 해결되지 않습니다 (check_kr.log: 2026-03-12 16:00:05,001 - __main__ - WARNING - 킬 스위치 활성 중: 3개 시그널 감지되었으나 신규 진입 불가)',
      en: 'kill switch on: new entries blocked — by design, not a fault; a rollback cures nothing (check_kr.log: 2026-03-12 16:00:05,001 - __main__ - WARNING - 킬 스위치 활성 중: 3개 시그널 감지되었으나 신규 진입 불가)',
    },
    {
      params: { guard: 'cost-budget', jobId: 'check_kr.log', line: '__main__ - CRITICAL - [CostAnalyzer] 일일 비용 한도 초과' },
      ko: '비용 예산 초과: 비용 안전장치가 거래를 멈춥니다 — 설계된 동작이며 오류가 아닙니다; 롤백으로는 해결되지 않습니다 (check_kr.log: __main__ - CRITICAL - [CostAnalyzer] 일일 비용 한도 초과)',
      en: 'cost budget tripped: the cost guard stops trading — by design, not a fault; a rollback cures nothing (check_kr.log: __main__ - CRITICAL - [CostAnalyzer] 일일 비용 한도 초과)',
    },
  ],
  'guard.quiet': [
    {
      params: { guard: 'cost-budget' },
      ko: 'cost-budget: 최근 24시간 로그에 안전장치 로그 없음',
      en: 'cost-budget: no guard line in the logs of the last 24 h',
    },
  ],
  'guard.kill-switch-unsaved': [
    {
      params: { jobId: 'check_kr.log', error: "PermissionError: [Errno 13] Permission denied: '/app/config/tmpa1b2c3.tmp'" },
      ko: "킬 스위치를 켜려다 config/system_status.yaml 저장 중 실패했습니다 (PermissionError: [Errno 13] Permission denied: '/app/config/tmpa1b2c3.tmp'): 이미지는 uid 1000에게 /app/data와 /app/logs 쓰기만 허용합니다. 릴리스 결함이 아니라 안전장치가 작동한 것입니다: 안전장치가 없는 릴리스로 롤백하면 문제를 가릴 뿐입니다 (check_kr.log)",
      en: "the kill switch tried to turn on and crashed saving config/system_status.yaml (PermissionError: [Errno 13] Permission denied: '/app/config/tmpa1b2c3.tmp'): the image lets uid 1000 write only /app/data and /app/logs. A guard tripped, not a fault of the release: a rollback to a release without the guard would only hide it (check_kr.log)",
    },
  ],

  'source.failing': [
    {
      params: { source: 'logs', count: 3, error: 'EACCES: permission denied' },
      ko: 'logs: 3회 연속 읽기 실패: EACCES: permission denied',
      en: 'logs could not be read 3 times in a row: EACCES: permission denied',
    },
    {
      params: { source: 'docker', count: 5 },
      ko: 'docker: 5회 연속 읽기 실패: 알 수 없는 오류',
      en: 'docker could not be read 5 times in a row: unknown error',
    },
  ],
  'source.ok': [{ params: { source: 'logs' }, ko: 'logs: 정상적으로 읽힘', en: 'logs is readable' }],

  'telegram.no-runs': [
    {
      params: { jobId: 'daily_report.log' },
      ko: 'daily_report.log: 아직 끝난 실행이 없습니다',
      en: 'daily_report.log: no finished runs yet',
    },
  ],
  'telegram.ok': [
    {
      params: { jobId: 'daily_report.log' },
      ko: 'daily_report.log: 최근 실행에서 누락된 Telegram 알림 없음',
      en: 'daily_report.log: no missing Telegram alert in the recent runs',
    },
  ],
  'telegram.streak': [
    {
      params: { jobId: 'daily_report.log', count: 2, threshold: 2, cases: ['event-without-success', 'report-without-success'] },
      ko: 'daily_report.log: 2회 연속 실행에서 Telegram 알림 미수신 (기준 2회) — event-without-success: 항상 알림을 보내는 이벤트가 기록되었지만 Telegram 전송 성공이 없음; report-without-success: 항상 알림을 보내는 작업이 Telegram 전송 성공 없이 끝남',
      en: 'daily_report.log: Telegram alert missing in 2 consecutive runs (threshold 2) — event-without-success: an event that always notifies was logged without any Telegram 전송 성공; report-without-success: the job that always sends ended without Telegram 전송 성공',
    },
  ],
  'telegram.below': [
    {
      params: { jobId: 'daily_report.log', count: 1, threshold: 2 },
      ko: 'daily_report.log: Telegram 알림 미수신 1회, 기준 2회 미만',
      en: 'daily_report.log: Telegram alert missing in 1 run(s), below the threshold of 2',
    },
  ],
  'telegram.below-warning': [
    {
      params: { jobId: 'check_kr.log', count: 1, cases: ['channel-not-configured'] },
      ko: 'check_kr.log: 마지막 실행에서 Telegram 알림 미수신 — channel-not-configured: 채널 미설정: 실행 로그에 채널 활성화 줄이 없음 (롤백으로 고칠 수 없는 설정 문제)',
      en: 'check_kr.log: Telegram alert missing in the last run — channel-not-configured: channel not configured: the run did not log its channel-activation line (a configuration fault a rollback cannot cure)',
    },
    {
      params: { jobId: 'check_kr.log', count: 3, cases: ['send-failed'] },
      ko: 'check_kr.log: 최근 3회 실행에서 Telegram 알림 미수신 — send-failed: 모든 재시도 후에도 Telegram 전송 실패 (Telegram 오류 (모든 재시도 소진))',
      en: 'check_kr.log: Telegram alert missing in the last 3 runs — send-failed: a Telegram send failed after all retries (Telegram 오류 (모든 재시도 소진))',
    },
  ],

  'rule.crashed': [
    {
      params: { ruleId: 'check-fills', error: 'Cannot read properties of undefined' },
      ko: '규칙 check-fills을(를) 평가할 수 없습니다: Cannot read properties of undefined',
      en: 'rule check-fills could not be evaluated: Cannot read properties of undefined',
    },
  ],
  'manual.requested': [
    { params: { action: 'rollback' }, ko: '운영자 요청: 수동 롤백', en: 'rollback asked by an operator' },
    { params: { action: 'halt' }, ko: '운영자 요청: 거래 중단 (cron 컨테이너 정지)', en: 'halt asked by an operator' },
    { params: { action: 'resume' }, ko: '운영자 요청: 거래 재개 (cron 컨테이너 시작)', en: 'resume asked by an operator' },
  ],

  'version.nothing-observed': [{ params: {}, ko: '아직 관찰된 것이 없음', en: 'nothing observed yet' }],
  'version.crontab-unread': [{ params: {}, ko: 'crontab을 읽지 못함 (또는 작업이 없음)', en: 'crontab not read (or it has no jobs)' }],
  'version.crontab-runs': [
    {
      params: { script: 'check_positions.py', count: 2 },
      ko: 'crontab이 check_positions.py를 2회 실행',
      en: 'crontab runs check_positions.py ×2',
    },
  ],
  'version.crontab-neither': [
    {
      params: { signalCheck: 0, checkPositions: 1 },
      ko: 'crontab이 signal_check.py를 0회, check_positions.py를 1회 실행: 어느 버전과도 맞지 않음',
      en: 'crontab runs signal_check.py ×0 and check_positions.py ×1: matches neither version',
    },
  ],
  'version.crontab-extra': [
    {
      params: { scripts: ['auto_trade.py', 'x.py'] },
      ko: 'v3.2.x crontab에 없는 스크립트도 실행: auto_trade.py, x.py',
      en: 'crontab also runs scripts no v3.2.x crontab has: auto_trade.py, x.py',
    },
  ],
  'version.file-unchecked': [
    { params: { file: 'signal_check.py' }, ko: 'signal_check.py 존재 여부를 확인하지 않음', en: 'presence of signal_check.py not checked' },
  ],
  'version.file-present': [
    {
      params: { path: '/app/scripts/signal_check.py' },
      ko: '/app/scripts/signal_check.py 있음',
      en: '/app/scripts/signal_check.py present',
    },
  ],
  'version.file-absent': [
    {
      params: { path: '/app/scripts/signal_check.py' },
      ko: '/app/scripts/signal_check.py 없음',
      en: '/app/scripts/signal_check.py absent',
    },
  ],
  'version.image-known': [
    {
      params: { image: '0123456789ab', version: 'v3.2.0' },
      ko: '이미지 0123456789ab: 알려진 버전 v3.2.0',
      en: 'image 0123456789ab is known as v3.2.0',
    },
  ],
  'version.image-unknown': [
    { params: { image: '0123456789ab' }, ko: '이미지 0123456789ab: 알려진 버전이 아님', en: 'image 0123456789ab is not a known version' },
  ],
  'version.conflict': [
    {
      params: {
        votes: [
          { source: 'crontab', version: 'v3.2.0' },
          { source: 'files', version: 'v3.2.1' },
        ],
      },
      ko: '근거가 서로 다름: crontab → v3.2.0, 파일 → v3.2.1',
      en: 'conflicting evidence: crontab says v3.2.0, files says v3.2.1',
    },
  ],
  'version.unidentified': [{ params: {}, ko: 'crontab으로 버전을 식별할 수 없음', en: 'the crontab does not identify a version' }],
  'version.uncorroborated': [
    {
      params: { version: 'v3.2.1' },
      ko: 'crontab만 v3.2.1 버전을 가리키고 뒷받침하는 근거가 없음',
      en: 'only the crontab says v3.2.1; nothing corroborates it',
    },
  ],
  'container.unhealthy': [
    {
      params: { name: 'turtle-cron' },
      ko: 'turtle-cron은(는) 실행 중이지만 Docker가 unhealthy로 보고함 (헬스체크 실패)',
      en: 'turtle-cron is running but Docker reports it unhealthy (its healthcheck failed)',
    },
  ],
  'release.exact': [
    {
      params: { release: 'v3.9.1', files: 3 },
      ko: 'cron 컨테이너가 v3.9.1와 일치: 카탈로그의 파일 3개, cron 실행기, 사용자 모두 일치',
      en: 'the cron container matches v3.9.1: all 3 catalogued files, the cron runner and the user',
    },
  ],
  'release.alike': [
    {
      params: { release: 'v3.4.2', alike: ['v3.4.0', 'v3.4.1'] },
      ko: 'v3.4.0, v3.4.1은(는) 카탈로그의 모든 파일이 동일하여 가장 최신인 v3.4.2로 간주',
      en: 'v3.4.0, v3.4.1 are identical in every catalogued file; the newest, v3.4.2, is assumed',
    },
  ],
  'release.closest': [
    {
      params: { release: 'v3.9.1', matched: 2, total: 3 },
      ko: '정확히 일치하는 릴리스가 카탈로그에 없음. 가장 가까운 릴리스는 v3.9.1 (파일 3개 중 2개 일치)',
      en: 'no catalogued release matches exactly; the closest is v3.9.1 (2 of 3 files match)',
    },
  ],
  'release.file-differs': [
    {
      params: { path: '/app/crontab', expected: 'c60150c', seen: '1234567' },
      ko: '/app/crontab 불일치: c60150c 예상, 1234567 발견',
      en: '/app/crontab differs: c60150c expected, 1234567 found',
    },
  ],
  'release.file-missing': [
    {
      params: { path: '/app/crontab', expected: 'c60150c' },
      ko: '컨테이너에 /app/crontab 없음 (c60150c 예상)',
      en: '/app/crontab not found in the container (c60150c expected)',
    },
  ],
  'release.runner-differs': [
    {
      params: { expected: 'supercronic', seen: 'debian-cron' },
      ko: 'cron 실행기가 debian-cron (supercronic 예상)',
      en: 'cron runner debian-cron, supercronic expected',
    },
  ],
  'release.user-differs': [
    { params: { expected: 'turtle', seen: 'root' }, ko: '실행 사용자가 root (turtle 예상)', en: 'runs as root, turtle expected' },
  ],
  'release.pinned': [
    {
      params: { release: 'v3.9.1' },
      ko: 'sentinel.yaml의 deployment.release가 v3.9.1를 지정',
      en: 'deployment.release in sentinel.yaml names v3.9.1',
    },
  ],
  'release.pin-unknown': [
    {
      params: { release: 'v9.9.9' },
      ko: 'deployment.release가 카탈로그에 없는 v9.9.9를 지정하여 무시함',
      en: 'deployment.release names v9.9.9, which the catalogue does not know: ignored',
    },
  ],
  'release.unconfirmed': [
    {
      params: { release: 'v3.9.1' },
      ko: 'v3.9.1가 확인될 때까지 릴리스에 의존하는 규칙은 dry-run으로 동작 (/arm 또는 sentinel.yaml에 deployment.release: v3.9.1)',
      en: 'rules that depend on the release run as dry-run until v3.9.1 is confirmed (/arm, or deployment.release: v3.9.1 in sentinel.yaml)',
    },
  ],
  'release.confirmed': [{ params: { release: 'v3.9.1' }, ko: '운영자가 v3.9.1를 확인함', en: 'v3.9.1 confirmed by the operator' }],
  'release.unrecognised': [
    {
      params: { container: 'turtle-cron' },
      ko: 'turtle-cron에서 실행 중인 릴리스를 식별하지 못함',
      en: 'the release running in turtle-cron could not be recognised',
    },
  ],

  'escalation.no-decision': [{ params: {}, ko: '기한 안에 결정이 없었습니다', en: 'no decision before the deadline' }],
  'escalation.manual-check': [
    { params: {}, ko: '수동 확인 기간이 지나도 계속 발동 중입니다', en: 'still firing after the manual-check window' },
  ],
  'escalation.firing': [
    {
      params: { summary: 'check_kr.log: an old English summary' },
      ko: 'check_kr.log: an old English summary',
      en: 'check_kr.log: an old English summary',
    },
    {
      params: { summary: say(STREAK).summary, message: STREAK },
      ko: `check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: ${KR}`,
      en: `check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: ${KR}`,
    },
  ],
  'escalation.no-plan': [
    {
      params: { action: 'rollback', reason: 'no backup tag turtle-trading:pre-v3.2.1-backup' },
      ko: '롤백 계획을 만들 수 없습니다: no backup tag turtle-trading:pre-v3.2.1-backup',
      en: 'no rollback plan can be made: no backup tag turtle-trading:pre-v3.2.1-backup',
    },
  ],
  'escalation.blocked': [
    {
      params: {
        target: 'v3.8.1',
        targetCommit: 'c4cbf46',
        from: 'v3.9.1',
        records: [
          { file: 'positions.json', record: 'P1', unknown: ['entry_reason'], missing: [] },
          { file: 'entries.json', record: 'E1', unknown: [], missing: ['n_value'] },
        ],
      },
      ko: '롤백 차단: 대상 v3.8.1 (c4cbf46)은 v3.9.1이 쓴 현재 상태 파일을 읽을 수 없습니다: positions.json P1: 모르는 키 entry_reason; entries.json E1: 없는 필수 키 n_value. 아무것도 정지·백업·재생성하지 않았습니다; 사람이 결정해야 합니다',
      en: 'rollback blocked: the target v3.8.1 (c4cbf46) cannot load the current state files written by v3.9.1: positions.json P1: unknown entry_reason; entries.json E1: missing n_value. Nothing was stopped, backed up or recreated; a person must decide',
    },
    {
      params: {
        target: 'v3.8.1',
        targetCommit: 'c4cbf46',
        records: Array.from({ length: 7 }, (_, i) => ({ file: 'positions.json', record: `P${i}`, unknown: ['entry_reason'], missing: [] })),
      },
      ko: '롤백 차단: 대상 v3.8.1 (c4cbf46)은 현재 상태 파일을 읽을 수 없습니다: positions.json P0: 모르는 키 entry_reason; positions.json P1: 모르는 키 entry_reason; positions.json P2: 모르는 키 entry_reason; positions.json P3: 모르는 키 entry_reason; positions.json P4: 모르는 키 entry_reason; 외 2건. 아무것도 정지·백업·재생성하지 않았습니다; 사람이 결정해야 합니다',
      en: 'rollback blocked: the target v3.8.1 (c4cbf46) cannot load the current state files: positions.json P0: unknown entry_reason; positions.json P1: unknown entry_reason; positions.json P2: unknown entry_reason; positions.json P3: unknown entry_reason; positions.json P4: unknown entry_reason; and 2 more records. Nothing was stopped, backed up or recreated; a person must decide',
    },
  ],
  'escalation.refused': [
    { params: { action: 'halt', reason: 'disarmed' }, ko: '거래 중단 실행이 거부되었습니다: disarmed', en: 'halt refused: disarmed' },
  ],
  'escalation.failed': [
    { params: { action: 'rollback', detail: 'recreate failed' }, ko: '롤백 실패: recreate failed', en: 'rollback failed: recreate failed' },
  ],
  'escalation.halted': [
    {
      params: { summary: say(STREAK).summary, message: STREAK },
      ko: `거래를 중단했습니다 (cron 컨테이너 정지): check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: ${KR}`,
      en: `trading halted (cron container stopped): check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: ${KR}`,
    },
  ],
  'escalation.verify-failed': [
    {
      params: { detail: 'crontab still runs check_positions.py' },
      ko: '롤백 검증 실패: crontab still runs check_positions.py',
      en: 'rollback verification failed: crontab still runs check_positions.py',
    },
  ],
  'escalation.not-target-release': [
    {
      params: { release: 'v3.9.0', image: '5d9ae0bdddcd', restored: true },
      ko: '롤백하지 않음: 이미지 5d9ae0bdddcd(백업 태그)의 파일이 v3.9.0 릴리스와 달라 아무것도 시작하지 않았습니다; 원래 컨테이너가 다시 실행 중입니다. v3.9.0의 이미지에 백업 태그를 붙이거나, 대상 커밋을 빌드하도록 rollback.git을 설정하세요',
      en: "not rolled back: image 5d9ae0bdddcd (the backup tag) is not v3.9.0, so nothing was started on it; the original containers run again. Tag the image of v3.9.0 as the backup tag, or set up rollback.git so that the target's commit is built",
    },
    {
      params: { release: 'v3.9.0', image: '5d9ae0bdddcd', restored: false },
      ko: '롤백하지 않음: 이미지 5d9ae0bdddcd(백업 태그)의 파일이 v3.9.0 릴리스와 달라 아무것도 시작하지 않았습니다; 원래 컨테이너 복원이 완료되지 않았습니다: 지금 확인하세요. v3.9.0의 이미지에 백업 태그를 붙이거나, 대상 커밋을 빌드하도록 rollback.git을 설정하세요',
      en: "not rolled back: image 5d9ae0bdddcd (the backup tag) is not v3.9.0, so nothing was started on it; restoring the original containers is INCOMPLETE: check them now. Tag the image of v3.9.0 as the backup tag, or set up rollback.git so that the target's commit is built",
    },
  ],
  'escalation.persists': [{ params: {}, ko: '롤백 후에도 장애가 계속됩니다', en: 'the fault persists after the rollback' }],
};

pinEveryText<VerdictMessage>(
  (key) => `message ${key} in Korean and English`,
  CASES,
  renderMessage,
  // The English rendering is the summary the logs and the journal keep.
  (message, en) => ({ actual: say(message), expected: { summary: en, message } }),
);

test('Korean durations read as hours, minutes and seconds', () => {
  assert.deepEqual([0, 999, 45_000, 60_000, 3_600_000, 5_400_000, 26 * 3_600_000].map(durationKo), [
    '0초',
    '1초',
    '45초',
    '1분',
    '1시간',
    '1시간 30분',
    '26시간',
  ]);
});

test('console notifier: an incident reads wholly in the configured language', () => {
  const notice = { kind: 'incident-opened' as const, incident: streakIncident() };
  assert.equal(
    renderNotice(notice, 'ko', 'Asia/Seoul'),
    [...OPENED_NOTICE_HEAD.ko, `  - [2026-02-23 16:00:02 GMT+9] check_kr.log: run started 2026-02-23 07:00:02: ${KR}`].join('\n'),
  );
  assert.equal(
    renderNotice(notice, 'en', 'Asia/Seoul'),
    [...OPENED_NOTICE_HEAD.en, `  - [2026-02-23 16:00:02 GMT+9] check_kr.log: run started 2026-02-23 07:00:02: ${KR}`].join('\n'),
  );
  const verdict = {
    ruleId: 'check-repeated-failures',
    outcome: 'pass' as const,
    cause: 'check_kr.log',
    ...say({ key: 'failures.below', params: { jobId: 'check_kr.log', count: 1, threshold: 2 } }),
    ...warn({
      key: 'failures.below-warning',
      params: { jobId: 'check_kr.log', count: 1, threshold: 2, latest: { kind: 'traceback', text: KR } },
    }),
    evidence: [],
  };
  assert.equal(
    renderNotice({ kind: 'warning', verdict }, 'ko', 'Asia/Seoul'),
    `⚠️ 경고\n규칙: check-repeated-failures\ncheck_kr.log: 마지막 실행 실패 (${KR}). 2회 연속 실패하면 규칙이 발동합니다`,
  );
  assert.equal(
    renderNotice({ kind: 'warning', verdict }, 'en', 'Asia/Seoul'),
    `⚠️ Warning\nrule: check-repeated-failures\ncheck_kr.log: the last run failed (${KR}); 2 consecutive failures fire the rule`,
  );
  assert.equal(warningIn('ko', { warning: 'old English warning' }), 'old English warning');
  assert.equal(
    renderNotice(
      { kind: 'decision-recorded', incident: streakIncident(), decision: 'vetoed', reason: '장 마감 후 확인' },
      'ko',
      'Asia/Seoul',
    ),
    '📝 결정 기록: INC-0001 거부됨 — 장 마감 후 확인',
  );
  assert.equal(
    renderNotice(
      { kind: 'execution-update', incident: streakIncident(), report: { kind: 'finished', ok: true, detail: 'turtle-cron stopped' } },
      'ko',
      'Asia/Seoul',
    ),
    '⚙️ 실행 INC-0001: 완료 — turtle-cron stopped',
  );
});

test('an incident from a checkpoint written before messages existed shows its stored summary', () => {
  const old = streakIncident({ summary: 'check_kr.log: 2 consecutive failed runs (old checkpoint)' });
  delete old.message;
  const restored = throughCheckpoint(old);
  assert.equal(summaryIn('ko', restored), 'check_kr.log: 2 consecutive failed runs (old checkpoint)');
  assert.equal(summaryIn('en', restored), 'check_kr.log: 2 consecutive failed runs (old checkpoint)');
  // A current checkpoint keeps the message through JSON, and renders in either language.
  const current = throughCheckpoint(streakIncident());
  assert.equal(summaryIn('ko', current), `check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: ${KR}`);
});
