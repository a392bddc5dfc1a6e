// What `check`, `status`, `rules test` and the rollback commands print, pinned as exact lines in
// Korean (the default) and English, run in-process through the real core on a fixed clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load-config.ts';
import { loadRules } from '../src/config/load-rules.ts';
import { runCheck, printCheck } from '../src/runtime/check.ts';
import { printStatus, readStatus } from '../src/runtime/status.ts';
import { runRuleTests } from '../src/runtime/rule-tests.ts';
import { formatReport } from '../src/runtime/cli-rollback.ts';
import { cliText } from '../src/core/cli-text.ts';
import type { Language } from '../src/core/messages.ts';
import type { ExecutionReport } from '../src/core/types.ts';
import { CRONTAB_EVERY_MINUTE, deploymentDir, repo, sentinelYaml } from './helpers/cli-deployment.ts';

/** 2026-02-23 16:10:30 KST. */
const NOW = Date.UTC(2026, 1, 23, 7, 10, 30);

/** A job that runs every minute; its last three runs (07:08–07:10 UTC) die of the same traceback. */
function deployment(language: Language | undefined) {
  const { work, root } = deploymentDir('sentinel-cli-text-', CRONTAB_EVERY_MINUTE);
  const lines: string[] = [];
  for (let m = 0; m <= 10; m++) {
    const s = `2026-02-23 07:${String(m).padStart(2, '0')}:02,000`;
    lines.push(`${s} - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===`, `${s} - __main__ - INFO - Telegram 채널 활성화`);
    if (m >= 8) lines.push('Traceback (most recent call last):', "KeyError: 'units'");
    else lines.push(`${s} - __main__ - INFO - === 체크 완료 ===`);
  }
  writeFileSync(join(root, 'logs/check_kr.log'), lines.join('\n') + '\n');
  const yaml = sentinelYaml({ utcStamps: true, ...(language ? { language } : {}) });
  const loaded = parseConfig(yaml, 'sentinel.yaml', work);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  return { work, config: loaded.config };
}

/** The example deployment checked once with the shipped rules, as `check` does. */
async function checked(language: Language | undefined) {
  const d = deployment(language);
  const rules = await loadRules(join(repo, 'rules'));
  if (!rules.ok) throw new Error(rules.errors.join('\n'));
  const result = await runCheck({
    config: d.config,
    baseDir: d.work,
    rules: rules.rules,
    profiles: rules.profiles,
    now: NOW,
    lookback: '20m',
  });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return { d, result };
}

async function checkAndStatus(language: Language | undefined) {
  const { d, result } = await checked(language);
  const check: string[] = [];
  printCheck(result, false, (l) => check.push(l), d.config.telegram.language);
  const status: string[] = [];
  printStatus({ ok: true, state: result.state, savedAt: NOW + 1000 }, d.config, false, (l) => status.push(l));
  const missing = readStatus(d.config, d.work);
  return { check, status, missing: missing.ok ? '' : missing.error.replace(d.work, '<work>') };
}

const VERSION_EVIDENCE =
  'the crontab does not identify a version; crontab runs signal_check.py ×0 and check_positions.py ×1: matches neither version; presence of signal_check.py not checked';
const EVIDENCE = [
  "    check_kr.log: run started 2026-02-23 07:08:02,000: KeyError: 'units'",
  "    check_kr.log: run started 2026-02-23 07:09:02,000: KeyError: 'units'",
  "    check_kr.log: run started 2026-02-23 07:10:02,000: KeyError: 'units'",
];
const EVIDENCE_KO = [
  "    check_kr.log: 2026-02-23 07:08:02,000에 시작한 실행: KeyError: 'units'",
  "    check_kr.log: 2026-02-23 07:09:02,000에 시작한 실행: KeyError: 'units'",
  "    check_kr.log: 2026-02-23 07:10:02,000에 시작한 실행: KeyError: 'units'",
];

test('check and status speak Korean by default', async () => {
  const { check, status, missing } = await checkAndStatus(undefined);
  assert.deepEqual(check, [
    '버전: unknown (crontab으로 버전을 식별할 수 없음; crontab이 signal_check.py를 0회, check_positions.py를 1회 실행: 어느 버전과도 맞지 않음; signal_check.py 존재 여부를 확인하지 않음)',
    '작업: check_kr.log [* * * * *]',
    '예정된 실행은 2026-02-23 07:10:30 UTC부터 판단: 데몬 상태가 없어 그 전에는 아무것도 감시되지 않음 (누락된 실행은 실행 중인 데몬이 알림)',
    "발동     check-repeated-failures check_kr.log: check_kr.log: 성공 없이 3회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
    ...EVIDENCE_KO,
    '판단 불가  cron-container-down turtle-cron: turtle-cron 컨테이너를 아직 관찰하지 못했습니다',
    '    참고: 이 컨테이너의 inspect 결과와 이벤트가 아직 없음',
    '발동 중: 통과 14건, 발동 1건, 판단 불가 1건',
  ]);
  assert.deepEqual(status, [
    '데몬: 실행 중 아님. 아래는 마지막으로 저장된 상태입니다',
    '상태 저장 시각 2026-02-23 16:10:31 GMT+9; 버전 unknown',
    '자동 조치: 활성',
    '작업 check_kr.log [* * * * *] 마지막 실행: 2026-02-23 16:09:02 GMT+9 종료 표시 없이 다음 실행 시작 (traceback); 다음 예정: 2026-02-23 16:11:00 GMT+9',
    "인시던트 INC-0001 감지됨 check-repeated-failures check_kr.log 2026-02-23 16:10:30 GMT+9부터: check_kr.log: 성공 없이 3회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
  ]);
  assert.equal(missing, '<work>/state/checkpoint.json: 아직 상태가 없습니다 (이 설정으로 `turtle-sentinel run`을 시작했습니까?)');
});

test('status says when automatic actions are disarmed and which incident is executing', async () => {
  const { d, result } = await checked('en');
  const state = { ...result.state, safety: { ...result.state.safety, armed: false, inFlight: 'INC-0001' } };
  const lines: string[] = [];
  printStatus({ ok: true, state, savedAt: NOW + 1000 }, d.config, false, (l) => lines.push(l));
  assert.deepEqual(lines.slice(2, 4), ['automatic actions: disarmed (/arm to re-arm)', 'executing now: INC-0001']);
  const json: string[] = [];
  printStatus({ ok: true, state, savedAt: NOW + 1000 }, d.config, true, (l) => json.push(l));
  assert.deepEqual((JSON.parse(json[0]!) as { automaticActions: unknown }).automaticActions, { armed: false, executing: 'INC-0001' });
});

test('check and status speak English with telegram.language: en', async () => {
  const { check, status, missing } = await checkAndStatus('en');
  assert.deepEqual(check, [
    `version: unknown (${VERSION_EVIDENCE})`,
    'jobs: check_kr.log [* * * * *]',
    'scheduled runs judged since 2026-02-23 07:10:30 UTC: no daemon state, so nothing was watched before now (a missed run is told by a running daemon)',
    "FAIL         check-repeated-failures check_kr.log: check_kr.log: 3 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
    ...EVIDENCE,
    'INCONCLUSIVE cron-container-down turtle-cron: turtle-cron has not been observed yet',
    '    note: no inspect result and no event for this container so far',
    'FIRING: 14 pass, 1 fail, 1 inconclusive',
  ]);
  assert.deepEqual(status, [
    'daemon: NOT RUNNING; what follows is the last saved state',
    'state saved 2026-02-23 16:10:31 GMT+9; version unknown',
    'automatic actions: armed',
    'job check_kr.log [* * * * *] last: 2026-02-23 16:09:02 GMT+9 superseded (traceback); next: 2026-02-23 16:11:00 GMT+9',
    "incident INC-0001 detected check-repeated-failures check_kr.log since 2026-02-23 16:10:30 GMT+9: check_kr.log: 3 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
  ]);
  assert.equal(missing, '<work>/state/checkpoint.json: no state yet (has `turtle-sentinel run` been started with this config?)');
});

test('check: a healthy total, and no jobs, in both languages', () => {
  assert.equal(cliText('ko').checkTotal('healthy', [['pass', 12]]), '정상: 통과 12건');
  assert.equal(cliText('en').checkTotal('healthy', [['pass', 12]]), 'healthy: 12 pass');
  assert.equal(
    cliText('ko').checkTotal('firing', [
      ['pass', 3],
      ['error', 1],
    ]),
    '발동 중: 통과 3건, 오류 1건',
  );
  assert.equal(
    cliText('ko').checkTotal('unjudged', [
      ['pass', 3],
      ['error', 1],
    ]),
    '판단 오류: 통과 3건, 오류 1건',
  );
  assert.equal(
    cliText('en').checkTotal('unjudged', [
      ['pass', 3],
      ['error', 1],
    ]),
    'CANNOT JUDGE: 3 pass, 1 error',
  );
  assert.equal(cliText('ko').noJobs(undefined), '작업: 없음 (crontab을 읽지 못함)');
  assert.equal(cliText('en').noJobs(undefined), 'jobs: none (no crontab read)');
  assert.equal(cliText('ko').noJobs('file'), '작업: 없음: crontab(파일)에 작업 줄이 없음; 로그 규칙은 로그에서 찾은 작업으로 판단');
  assert.equal(
    cliText('en').noJobs('container'),
    'jobs: none: the crontab (container) has no job lines; the log rules judge the jobs found in the logs',
  );
});

test('rules test and rules validate report in both languages', async () => {
  const file = 'rules/tests/criteria.test.yaml';
  const names = [
    'a normal 16:00 KST run fires nothing',
    'no start marker within the grace period is a missed run',
    'one traceback only warns, the second consecutive one fires',
    'a corrupt positions.json fires at once',
    'the cron container stopped for longer than allowed',
  ];
  for (const [lang, ok, total] of [
    ['ko', '통과', '통과 5건, 실패 0건'],
    ['en', 'ok  ', '5 passed, 0 failed'],
  ] as const) {
    const out: string[] = [];
    const r = await runRuleTests([join(repo, file)], (l) => out.push(l.replace(repo + '/', '')), lang);
    assert.ok(r.ok);
    assert.deepEqual(out, [...names.map((n) => `${ok} ${file}: ${n}`), total]);
  }
  const t = { ko: cliText('ko'), en: cliText('en') };
  assert.equal(t.ko.testFailed('a.test.yaml', 'x'), '실패 a.test.yaml: x');
  assert.equal(t.ko.testMissing('cron-missed-or-hung'), '     발동해야 했지만 발동하지 않음: cron-missed-or-hung');
  assert.equal(t.ko.testUnexpected('r cause=c', '요약'), '     예상하지 않은 발동: r cause=c: 요약');
  assert.equal(t.en.testUnexpected('r cause=c', 'summary'), '     fired, not expected: r cause=c: summary');
  assert.equal(t.ko.rulesOk(14, 3, 8), '정상: 파일 8개에 규칙 14개, 프로필 3개');
  assert.equal(t.en.rulesOk(14, 3, 8), 'ok: 14 rules, 3 profiles in 8 files');
});

test('backup, rollback --dry-run, verify, halt and resume lines in both languages', () => {
  const plan = {
    id: '0123456789abcdef',
    action: 'rollback' as const,
    strategy: 'image-tag' as const,
    steps: [],
    targetImageId: 'sha256:aaaa',
  };
  const t = { ko: cliText('ko'), en: cliText('en') };
  assert.equal(t.ko.planHead(plan), '계획 0123456789abcdef: 롤백 (image-tag 방식) → sha256:aaaa');
  assert.equal(t.en.planHead(plan), 'plan 0123456789abcdef: rollback by image-tag → sha256:aaaa');
  assert.equal(t.ko.planHead({ id: 'p', action: 'halt', steps: [] }), '계획 p: 거래 중단');
  assert.equal(t.ko.noPlan('resume', 'turtle-cron is running'), '거래 재개 불가: turtle-cron is running');
  assert.equal(t.en.noPlan('resume', 'turtle-cron is running'), 'no resume: turtle-cron is running');
  assert.equal(
    t.ko.backedUp('positions.json', 'backups/p.json', 'ab', '600', undefined),
    'positions.json → backups/p.json  sha256 ab  권한 600',
  );
  assert.equal(t.ko.backupAbsent('order_log.json'), 'order_log.json: 파일이 없어 복사하지 않음');
  assert.equal(
    t.ko.logSnapshot('check_kr.log', 'check_kr.log.pre-rollback-x', 120),
    'check_kr.log → check_kr.log.pre-rollback-x  120바이트',
  );
  assert.equal(t.ko.backupFailed('ENOSPC'), '백업 실패: ENOSPC');
  assert.equal(t.ko.dockerDisabled, 'docker.enabled 가 false 입니다: rollback, verify, halt, resume 은 Docker 엔진을 통해 동작합니다');
  assert.equal(t.ko.verifyingAgainst('the rollback verified at …'), '검증 기준: the rollback verified at …');
  assert.deepEqual(t.ko.verifyTag, { ok: '정상', warn: '경고', fail: '실패' });
  assert.equal(t.ko.verifyWarnings(1), '경고 1건: 이전부터 있던 문제일 수 있습니다 (v3.2.0과 v3.2.1에서 dashboard는 재시작을 반복합니다)');
  assert.equal(t.ko.recovered('INC-0001', '완료: x'), 'INC-0001 복구: 완료: x');

  const reports: [ExecutionReport, string, string][] = [
    [
      { kind: 'deferred', reason: 'check_positions.py is running', retryAt: NOW },
      '보류: check_positions.py is running (2026-02-23T07:10:30.000Z 이후 다시 시도)',
      'deferred: check_positions.py is running (retry after 2026-02-23T07:10:30.000Z)',
    ],
    [{ kind: 'refused', reason: 'disarmed' }, '거부: disarmed', 'refused: disarmed'],
    [{ kind: 'started', planId: 'p1' }, '계획 p1 실행 시작', 'started plan p1'],
    [{ kind: 'step', name: 'backup', ok: true, detail: '3 files' }, '  정상 backup: 3 files', '  ok     backup: 3 files'],
    [{ kind: 'step', name: 'recreate', ok: false, detail: '409' }, '  실패 recreate: 409', '  FAILED recreate: 409'],
    [{ kind: 'finished', ok: true, detail: 'turtle-cron stopped' }, '완료: turtle-cron stopped', 'finished: turtle-cron stopped'],
    [{ kind: 'finished', ok: false, detail: 'x' }, '실패: x', 'FAILED: x'],
    [
      { kind: 'verified', ok: true, detail: 'all checks', preExisting: ['turtle-dashboard restarting'] },
      '검증 통과: all checks [이전부터 있던 문제: turtle-dashboard restarting]',
      'verified: all checks [pre-existing: turtle-dashboard restarting]',
    ],
    [{ kind: 'verified', ok: false, detail: 'crontab', preExisting: [] }, '검증 실패: crontab', 'verification FAILED: crontab'],
  ];
  for (const [report, ko, en] of reports) {
    assert.equal(formatReport(report, 'ko'), ko);
    assert.equal(formatReport(report, 'en'), en);
  }
});
