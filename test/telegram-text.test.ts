// Operator texts for Telegram, pinned as exact strings in Korean and English, and the guarantees
// around them: escaping of log text, the 4096-character limit without broken markup, and callback
// data bound to one incident and nonce within 64 bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { footerText, renderIncidentDetails, renderTelegramNotice, type FooterKind } from '../src/core/telegram-text.ts';
import { FOOTER_RESERVE, MESSAGE_LIMIT, clipEscaped, escapeHtml, fitBlocks } from '../src/core/telegram-html.ts';
import { CALLBACK_DATA_LIMIT, encodeCallbackData, parseCallbackData, type PressAnswer } from '../src/core/telegram-commands.ts';
import { pressAnswerText } from '../src/core/telegram-replies.ts';
import type { Language } from '../src/core/text/catalogue.ts';
import type { Evidence, Notice, Verdict } from '../src/core/types.ts';
import { say, warn, type VerdictMessage } from '../src/core/verdict-text.ts';

/** An escalation reason as the core builds it: English `why` for the journal, typed `reason` for the operator. */
/** A fingerprint as fingerprint.ts builds it: English evidence and the same reasons typed. */
const fingerprintOf = (version: 'v3.2.0' | 'v3.2.1', reasons: VerdictMessage[]) => ({
  version,
  evidence: reasons.map((r) => say(r).summary),
  reasons,
});
const escalationWhy = (reason: VerdictMessage) => ({ why: say(reason).summary, reason });
import { parseTelegramHtml } from './fakes/bot-api-server.ts';
import { awaiting, decision, incident, PLAN, T0 } from './fakes/telegram-fixtures.ts';
import { OPERATOR_CHAT } from './fakes/telegram-harness.ts';

const by = { channel: 'telegram' as const, userId: 111, chatId: OPERATOR_CHAT, name: '@ops_oncall' };
const verdict: Verdict = {
  ruleId: 'telegram-alerts',
  outcome: 'fail',
  cause: 'check_kr.log',
  ...say({ key: 'telegram.streak', params: { jobId: 'check_kr.log', count: 2, threshold: 2, cases: ['send-failed'] } }),
  label: 'send-failed',
  ...warn({ key: 'telegram.below-warning', params: { jobId: 'check_kr.log', count: 1, cases: ['send-failed'] } }),
  evidence: [{ kind: 'log', file: 'check_kr.log', at: T0, text: '2026-02-23 07:00:02,123 - ERROR - Telegram 오류 (모든 재시도 소진)' }],
};
const running = awaiting({ phase: 'running' });
const CONTACTS = {
  l1: { name: 'On-call operator', telegram: '@oncall_ops', phone: '010-1234-5678' },
  l2: { name: 'Tech lead', telegram: '@tech_lead' },
  broker: { name: '한국투자증권', phone: '1544-5000' },
};
const NOTICES: [string, Notice][] = [
  ['incident-opened', { kind: 'incident-opened', incident: incident() }],
  ['incident-resolved', { kind: 'incident-resolved', incident: incident({ phase: 'resolved' }) }],
  ['would-fire', { kind: 'would-fire', verdict }],
  ['warning', { kind: 'warning', verdict }],
  ['inconclusive', { kind: 'inconclusive', verdict, since: T0 - 30 * 60_000 }],
  [
    'rule-error',
    {
      kind: 'rule-error',
      verdict: {
        ruleId: 'telegram-alerts',
        outcome: 'error',
        cause: 'logs',
        summary: 'logs/check_kr.log: EACCES: permission denied',
        evidence: [],
      },
    },
  ],
  ['source-error', { kind: 'source-error', source: 'state-files', message: 'positions.json: EACCES <denied>', count: 3 }],
  [
    'version-changed',
    {
      kind: 'version-changed',
      from: { version: 'v3.2.1', evidence: [] },
      to: fingerprintOf('v3.2.0', [
        { key: 'version.crontab-runs', params: { script: 'signal_check.py', count: 2 } },
        { key: 'version.file-present', params: { path: '/app/scripts/signal_check.py' } },
      ]),
    },
  ],
  ['decision-requested (veto window)', { kind: 'decision-requested', incident: awaiting(), again: false }],
  [
    'decision-requested again (required, deferred)',
    {
      kind: 'decision-requested',
      incident: awaiting({ decision: decision({ policy: 'required', deferredUntil: T0 + 20 * 60_000 }) }),
      again: true,
    },
  ],
  ['decision-reminder', { kind: 'decision-reminder', incident: awaiting({ decision: decision({ policy: 'required' }) }) }],
  ['decision-recorded approved', { kind: 'decision-recorded', incident: awaiting(), decision: 'approved', by }],
  ['decision-recorded vetoed', { kind: 'decision-recorded', incident: awaiting(), decision: 'vetoed', by, reason: 'market holiday <KRX>' }],
  ['decision-recorded expired (veto window: runs)', { kind: 'decision-recorded', incident: awaiting(), decision: 'expired' }],
  [
    'decision-recorded expired (required: does not run)',
    { kind: 'decision-recorded', incident: awaiting({ decision: decision({ policy: 'required' }) }), decision: 'expired' },
  ],
  [
    'decision-refused',
    {
      kind: 'decision-refused',
      incidentId: 'INC-0001',
      by: { channel: 'telegram', userId: 999, chatId: OPERATOR_CHAT, name: 'Stranger' },
      reason: 'not-allowed',
      detail: 'not on the allow-list: approve refused',
      detailMessage: { key: 'not-allowed', command: 'approve' },
    },
  ],
  [
    'escalation L2',
    {
      kind: 'escalation',
      incident: incident({ phase: 'escalated' }),
      ...escalationWhy({ key: 'escalation.verify-failed', params: { detail: 'crontab still runs check_positions.py' } }),
      level: 'L2',
    },
  ],
  [
    'escalation L1',
    {
      kind: 'escalation',
      incident: incident(),
      ...escalationWhy({
        key: 'escalation.halted',
        params: { summary: incident().summary, ...(incident().message ? { message: incident().message } : {}) },
      }),
      level: 'L1',
    },
  ],
  [
    'execution deferred',
    {
      kind: 'execution-update',
      incident: running,
      report: { kind: 'deferred', reason: 'check_positions.py is running', retryAt: T0 + 60_000 },
    },
  ],
  [
    'execution refused',
    { kind: 'execution-update', incident: running, report: { kind: 'refused', reason: 'another execution is in flight (INC-0002)' } },
  ],
  ['execution started', { kind: 'execution-update', incident: running, report: { kind: 'started', planId: 'plan-7f3a9c' } }],
  [
    'execution step ok',
    { kind: 'execution-update', incident: running, report: { kind: 'step', name: 'backup', ok: true, detail: '3 files, sha256 verified' } },
  ],
  [
    'execution step failed',
    {
      kind: 'execution-update',
      incident: running,
      report: { kind: 'step', name: 'recreate', ok: false, detail: 'turtle-cron: 409 conflict' },
    },
  ],
  [
    'execution finished',
    {
      kind: 'execution-update',
      incident: running,
      report: { kind: 'finished', ok: true, detail: 'containers recreated', targetImageId: 'sha256:0123456789abcdef' },
    },
  ],
  [
    'execution verified (failed, pre-existing)',
    {
      kind: 'execution-update',
      incident: running,
      report: {
        kind: 'verified',
        ok: false,
        detail: 'crontab still runs check_positions.py',
        preExisting: ['turtle-dashboard restarting'],
      },
    },
  ],
  [
    'execution verified, with step timings',
    {
      kind: 'execution-update',
      incident: running,
      report: {
        kind: 'verified',
        ok: true,
        detail: 'turtle-cron runs the target image',
        preExisting: [],
        steps: [
          { name: 'preflight turtle-cron', ok: true, ms: 42 },
          { name: 'stop turtle-cron', ok: true, ms: 10_480 },
          { name: 'verify', ok: true, ms: 75_500 },
          { name: 'remove-old', ok: false, ms: 9_949 },
        ],
      },
    },
  ],
  [
    'execution finished, typed words (the English detail is for the journal)',
    {
      kind: 'execution-update',
      incident: running,
      report: {
        kind: 'finished',
        ok: true,
        detail: 'the containers run image a457e48eb71e; verifying',
        targetImageId: 'sha256:a457e48eb71e3aa5',
        words: { key: 'running-target', image: 'a457e48eb71e', afterRestart: false },
      },
    },
  ],
  [
    'execution verified after a restart, typed words',
    {
      kind: 'execution-update',
      incident: running,
      report: {
        kind: 'verified',
        ok: true,
        detail: 'after a restart: 9/9 checks pass',
        preExisting: [],
        words: { key: 'checks-pass', passed: 9, total: 9, afterRestart: true },
      },
    },
  ],
  [
    'execution deferred, typed words',
    {
      kind: 'execution-update',
      incident: running,
      report: {
        kind: 'deferred',
        reason: 'a job is running in turtle-cron: check_positions.py',
        retryAt: T0 + 60_000,
        words: { key: 'job-running', container: 'turtle-cron', jobs: ['check_positions.py'], afterRestart: false },
      },
    },
  ],
  [
    'verification failed: the backup image is another release, typed words',
    {
      kind: 'execution-update',
      incident: running,
      report: {
        kind: 'verified',
        ok: false,
        detail:
          "verification failed: image 5d9ae0bdddcd is not v3.9.0: /app/src/position_tracker.py is 8e1f2a0, v3.9.0's is 5e6eb82; it was never started; the original containers are back: …",
        preExisting: [],
        words: {
          key: 'not-target-release',
          image: '5d9ae0bdddcd',
          release: 'v3.9.0',
          differ: [{ path: '/app/src/position_tracker.py', found: '8e1f2a0', expected: '5e6eb82' }],
          restored: true,
          afterRestart: false,
        },
      },
    },
  ],
];

// Blocks several notices share, pinned once per language: a decision's plan, and the incident's evidence.
const PLAN_LINES: Record<Language, string[]> = {
  ko: [
    '계획 <code>plan-7f3a9c</code> (image-tag):',
    '<pre>1. backup data/positions/positions.json → backups/positions.json.pre-rollback-20260223_160002',
    '2. recreate turtle-cron from turtle-trading:pre-v3.2.1-backup (sha256:0123456789ab)',
    '3. verify crontab, /app/scripts/signal_check.py, positions.json hash</pre>',
    '대상 이미지: <code>sha256:0123456789abcdef</code>',
  ],
  en: [
    'plan <code>plan-7f3a9c</code> (image-tag):',
    '<pre>1. backup data/positions/positions.json → backups/positions.json.pre-rollback-20260223_160002',
    '2. recreate turtle-cron from turtle-trading:pre-v3.2.1-backup (sha256:0123456789ab)',
    '3. verify crontab, /app/scripts/signal_check.py, positions.json hash</pre>',
    'target image: <code>sha256:0123456789abcdef</code>',
  ],
};
const EVIDENCE_LINES: Record<Language, string[]> = {
  ko: [
    '근거:',
    '<pre>[2026-02-23 16:00:02 GMT+9] check_kr.log: Traceback (most recent call last):',
    "[2026-02-23 16:00:03 GMT+9] check_kr.log: KeyError: 'units' &lt;in position_tracker.py &amp; friends&gt;</pre>",
  ],
  en: [
    'evidence:',
    '<pre>[2026-02-23 16:00:02 GMT+9] check_kr.log: Traceback (most recent call last):',
    "[2026-02-23 16:00:03 GMT+9] check_kr.log: KeyError: 'units' &lt;in position_tracker.py &amp; friends&gt;</pre>",
  ],
};

// Every notice written out in full on purpose: each line pins exact operator text.
const EXPECTED: Record<Language, string[][]> = {
  ko: [
    // incident-opened
    [
      '🚨 <b>인시던트 열림</b> INC-0001 [심각]',
      '규칙: <code>repeated-failures</code>',
      "check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
      '조치: 롤백',
      ...EVIDENCE_LINES.ko,
    ],
    // incident-resolved
    [
      '✅ <b>인시던트 해소</b> INC-0001',
      '규칙: <code>repeated-failures</code>',
      "check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
    ],
    // would-fire
    [
      '🧪 <b>dry-run: 실제였다면 발동했을 규칙</b>',
      '규칙: <code>telegram-alerts</code> (유형: send-failed)',
      'check_kr.log: 2회 연속 실행에서 Telegram 알림 미수신 (기준 2회) — send-failed: 모든 재시도 후에도 Telegram 전송 실패 (Telegram 오류 (모든 재시도 소진))',
      '근거:',
      '<pre>[2026-02-23 16:00:02 GMT+9] check_kr.log: 2026-02-23 07:00:02,123 - ERROR - Telegram 오류 (모든 재시도 소진)</pre>',
    ],
    // warning
    [
      '⚠️ <b>경고</b>',
      '규칙: <code>telegram-alerts</code> (유형: send-failed)',
      'check_kr.log: 마지막 실행에서 Telegram 알림 미수신 — send-failed: 모든 재시도 후에도 Telegram 전송 실패 (Telegram 오류 (모든 재시도 소진))',
      '근거:',
      '<pre>[2026-02-23 16:00:02 GMT+9] check_kr.log: 2026-02-23 07:00:02,123 - ERROR - Telegram 오류 (모든 재시도 소진)</pre>',
    ],
    // inconclusive
    [
      '❓ <b>판단 불가 (확인 필요)</b>',
      '규칙: <code>telegram-alerts</code> (유형: send-failed)',
      'check_kr.log: 2회 연속 실행에서 Telegram 알림 미수신 (기준 2회) — send-failed: 모든 재시도 후에도 Telegram 전송 실패 (Telegram 오류 (모든 재시도 소진))',
      '시작: 2026-02-23 15:30:02 GMT+9',
      '근거:',
      '<pre>[2026-02-23 16:00:02 GMT+9] check_kr.log: 2026-02-23 07:00:02,123 - ERROR - Telegram 오류 (모든 재시도 소진)</pre>',
    ],
    // rule-error
    ['🛠 <b>규칙 평가 오류</b>', '규칙: <code>telegram-alerts</code>', 'logs/check_kr.log: EACCES: permission denied'],
    // source-error
    ['🛠 <b>소스 읽기 오류</b>: <code>state-files</code> (연속 3회)', '<pre>positions.json: EACCES &lt;denied&gt;</pre>'],
    // version-changed
    ['🔁 <b>배포 버전 변경</b>: v3.2.1 → v3.2.0', '<pre>crontab이 signal_check.py를 2회 실행', '/app/scripts/signal_check.py 있음</pre>'],
    // decision-requested (veto window)
    [
      '🗳 <b>결정 요청</b> INC-0001: 롤백',
      '규칙: <code>repeated-failures</code> [심각]',
      "check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
      ...PLAN_LINES.ko,
      '⏳ 2026-02-23 16:10:02 GMT+9 까지 거부하지 않으면 실행됩니다. 지금 실행하려면 승인을 누르세요.',
      ...EVIDENCE_LINES.ko,
    ],
    // decision-requested again (required, deferred)
    [
      '🗳 <b>결정 요청 (재공지)</b> INC-0001: 롤백',
      '규칙: <code>repeated-failures</code> [심각]',
      "check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
      '↻ 재시작 후 다시 알립니다. 이전 버튼은 더 이상 유효하지 않습니다.',
      ...PLAN_LINES.ko,
      '⏳ 승인이 필요합니다. 기한: 2026-02-23 16:10:02 GMT+9 (기한이 지나면 에스컬레이션)',
      '⏸ 작업이 실행 중입니다. 끝나거나 2026-02-23 16:20:02 GMT+9 이 될 때까지 실행을 미룹니다.',
      ...EVIDENCE_LINES.ko,
    ],
    // decision-reminder
    [
      '⏰ <b>결정 알림</b> INC-0001: 롤백',
      '규칙: <code>repeated-failures</code> [심각]',
      "check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
      ...PLAN_LINES.ko,
      '⏳ 승인이 필요합니다. 기한: 2026-02-23 16:10:02 GMT+9 (기한이 지나면 에스컬레이션)',
      ...EVIDENCE_LINES.ko,
    ],
    // decision-recorded approved
    ['✅ <b>승인됨</b> INC-0001: 롤백 — @ops_oncall (111)', '계획을 실행합니다.'],
    // decision-recorded vetoed
    ['⛔ <b>거부됨</b> INC-0001: 롤백 — @ops_oncall (111)', '사유: market holiday &lt;KRX&gt;', '실행하지 않습니다.'],
    // decision-recorded expired (veto window: runs)
    ['⌛ <b>거부 기한 만료</b> INC-0001: 롤백', '거부가 없어 계획을 실행합니다.'],
    // decision-recorded expired (required: does not run)
    ['⌛ <b>승인 기한 만료</b> INC-0001: 롤백', '승인이 없어 실행하지 않습니다.'],
    // decision-refused
    ['🚫 <b>요청 거부</b> INC-0001 — Stranger (999)', '이유: 허용 목록에 없는 사용자입니다.', '허용 목록에 없는 사용자: approve 거부'],
    // escalation L2
    [
      '📣 <b>에스컬레이션 L2</b> INC-0001 [심각]',
      '롤백 검증 실패: crontab still runs check_positions.py',
      '규칙: <code>repeated-failures</code>',
      "check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
      '연락: Tech lead @tech_lead',
      '증권사: 한국투자증권 1544-5000',
      ...EVIDENCE_LINES.ko,
    ],
    // escalation L1
    [
      '📣 <b>에스컬레이션 L1</b> INC-0001 [심각]',
      "거래를 중단했습니다 (cron 컨테이너 정지): check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
      '규칙: <code>repeated-failures</code>',
      "check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
      '연락: On-call operator @oncall_ops 010-1234-5678',
      ...EVIDENCE_LINES.ko,
    ],
    // execution deferred
    ['⏸ <b>실행 보류</b> INC-0001: check_positions.py is running', '다시 시도: 2026-02-23 16:01:02 GMT+9'],
    // execution refused
    ['🚫 <b>실행 거부</b> INC-0001: another execution is in flight (INC-0002)'],
    // execution started
    ['▶️ <b>실행 시작</b> INC-0001: 롤백 (계획 <code>plan-7f3a9c</code>)'],
    // execution step ok
    ['✔️ 단계 <code>backup</code> (INC-0001): 3 files, sha256 verified'],
    // execution step failed
    ['❌ 단계 <code>recreate</code> 실패 (INC-0001): turtle-cron: 409 conflict'],
    // execution finished
    ['✅ <b>실행 완료</b> INC-0001: containers recreated', '이미지: <code>sha256:0123456789abcdef</code>'],
    // execution verified (failed, pre-existing)
    ['🔍 <b>검증 실패</b> INC-0001: crontab still runs check_positions.py', '이전부터 있던 문제: turtle-dashboard restarting'],
    // execution verified, with step timings
    [
      '🔍 <b>검증 통과</b> INC-0001: turtle-cron runs the target image',
      '단계별 소요 시간:',
      '  ✔️ <code>preflight turtle-cron</code> 0.0초',
      '  ✔️ <code>stop turtle-cron</code> 10초',
      '  ✔️ <code>verify</code> 1분 16초',
      '  ❌ <code>remove-old</code> 9.9초',
      '합계 1분 36초',
    ],
    // execution finished, typed words
    [
      '✅ <b>실행 완료</b> INC-0001: 컨테이너가 이미지 <code>a457e48eb71e</code>로 실행 중입니다. 검증합니다.',
      '이미지: <code>sha256:a457e48eb71e3aa5</code>',
    ],
    // execution verified after a restart, typed words
    ['🔍 <b>검증 통과</b> INC-0001: 재시작 후: 확인 9개 중 9개 통과'],
    // execution deferred, typed words
    [
      '⏸ <b>실행 보류</b> INC-0001: turtle-cron에서 작업이 실행 중입니다 (<code>check_positions.py</code>): 아무것도 바꾸지 않았습니다; 끝날 때까지 기다립니다',
      '다시 시도: 2026-02-23 16:01:02 GMT+9',
    ],
    // verification failed: the backup image is another release
    [
      '🔍 <b>검증 실패</b> INC-0001: 이미지 <code>5d9ae0bdddcd</code>의 파일이 v3.9.0 릴리스와 다릅니다: <code>/app/src/position_tracker.py</code> <code>8e1f2a0</code>, v3.9.0: <code>5e6eb82</code>. 이 이미지로는 아무것도 시작하지 않았습니다; 원래 컨테이너가 다시 실행 중입니다. 이 이미지는 다시 자동으로 선택되지 않습니다.',
    ],
  ],
  en: [
    // incident-opened
    [
      '🚨 <b>Incident opened</b> INC-0001 [critical]',
      'rule: <code>repeated-failures</code>',
      "check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
      'action: rollback',
      ...EVIDENCE_LINES.en,
    ],
    // incident-resolved
    [
      '✅ <b>Incident resolved</b> INC-0001',
      'rule: <code>repeated-failures</code>',
      "check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
    ],
    // would-fire
    [
      '🧪 <b>dry-run: this rule would have fired</b>',
      'rule: <code>telegram-alerts</code> (case: send-failed)',
      'check_kr.log: Telegram alert missing in 2 consecutive runs (threshold 2) — send-failed: a Telegram send failed after all retries (Telegram 오류 (모든 재시도 소진))',
      'evidence:',
      '<pre>[2026-02-23 16:00:02 GMT+9] check_kr.log: 2026-02-23 07:00:02,123 - ERROR - Telegram 오류 (모든 재시도 소진)</pre>',
    ],
    // warning
    [
      '⚠️ <b>Warning</b>',
      'rule: <code>telegram-alerts</code> (case: send-failed)',
      'check_kr.log: Telegram alert missing in the last run — send-failed: a Telegram send failed after all retries (Telegram 오류 (모든 재시도 소진))',
      'evidence:',
      '<pre>[2026-02-23 16:00:02 GMT+9] check_kr.log: 2026-02-23 07:00:02,123 - ERROR - Telegram 오류 (모든 재시도 소진)</pre>',
    ],
    // inconclusive
    [
      '❓ <b>Inconclusive (please check)</b>',
      'rule: <code>telegram-alerts</code> (case: send-failed)',
      'check_kr.log: Telegram alert missing in 2 consecutive runs (threshold 2) — send-failed: a Telegram send failed after all retries (Telegram 오류 (모든 재시도 소진))',
      'since: 2026-02-23 15:30:02 GMT+9',
      'evidence:',
      '<pre>[2026-02-23 16:00:02 GMT+9] check_kr.log: 2026-02-23 07:00:02,123 - ERROR - Telegram 오류 (모든 재시도 소진)</pre>',
    ],
    // rule-error
    ['🛠 <b>Rule evaluation error</b>', 'rule: <code>telegram-alerts</code>', 'logs/check_kr.log: EACCES: permission denied'],
    // source-error
    ['🛠 <b>Source read error</b>: <code>state-files</code> (3 in a row)', '<pre>positions.json: EACCES &lt;denied&gt;</pre>'],
    // version-changed
    [
      '🔁 <b>Deployed version changed</b>: v3.2.1 → v3.2.0',
      '<pre>crontab runs signal_check.py ×2',
      '/app/scripts/signal_check.py present</pre>',
    ],
    // decision-requested (veto window)
    [
      '🗳 <b>Decision needed</b> INC-0001: rollback',
      'rule: <code>repeated-failures</code> [critical]',
      "check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
      ...PLAN_LINES.en,
      '⏳ Runs at 2026-02-23 16:10:02 GMT+9 unless vetoed. Approve to run it now.',
      ...EVIDENCE_LINES.en,
    ],
    // decision-requested again (required, deferred)
    [
      '🗳 <b>Decision needed (again)</b> INC-0001: rollback',
      'rule: <code>repeated-failures</code> [critical]',
      "check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
      '↻ Announced again after a restart. Earlier buttons are no longer valid.',
      ...PLAN_LINES.en,
      '⏳ Approval required by 2026-02-23 16:10:02 GMT+9 (escalates after that).',
      '⏸ A job is running: acting waits until it ends or until 2026-02-23 16:20:02 GMT+9.',
      ...EVIDENCE_LINES.en,
    ],
    // decision-reminder
    [
      '⏰ <b>Decision reminder</b> INC-0001: rollback',
      'rule: <code>repeated-failures</code> [critical]',
      "check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
      ...PLAN_LINES.en,
      '⏳ Approval required by 2026-02-23 16:10:02 GMT+9 (escalates after that).',
      ...EVIDENCE_LINES.en,
    ],
    // decision-recorded approved
    ['✅ <b>Approved</b> INC-0001: rollback — @ops_oncall (111)', 'The plan runs now.'],
    // decision-recorded vetoed
    ['⛔ <b>Vetoed</b> INC-0001: rollback — @ops_oncall (111)', 'reason: market holiday &lt;KRX&gt;', 'Nothing runs.'],
    // decision-recorded expired (veto window: runs)
    ['⌛ <b>Veto window over</b> INC-0001: rollback', 'No veto came: the plan runs now.'],
    // decision-recorded expired (required: does not run)
    ['⌛ <b>Approval deadline passed</b> INC-0001: rollback', 'No approval came: nothing runs.'],
    // decision-refused
    [
      '🚫 <b>Request refused</b> INC-0001 — Stranger (999)',
      'why: the user is not on the allow-list.',
      'not on the allow-list: approve refused',
    ],
    // escalation L2
    [
      '📣 <b>Escalation L2</b> INC-0001 [critical]',
      'rollback verification failed: crontab still runs check_positions.py',
      'rule: <code>repeated-failures</code>',
      "check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
      'contact: Tech lead @tech_lead',
      'broker: 한국투자증권 1544-5000',
      ...EVIDENCE_LINES.en,
    ],
    // escalation L1
    [
      '📣 <b>Escalation L1</b> INC-0001 [critical]',
      "trading halted (cron container stopped): check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
      'rule: <code>repeated-failures</code>',
      "check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: KeyError: 'units'",
      'contact: On-call operator @oncall_ops 010-1234-5678',
      ...EVIDENCE_LINES.en,
    ],
    // execution deferred
    ['⏸ <b>Execution deferred</b> INC-0001: check_positions.py is running', 'retry at: 2026-02-23 16:01:02 GMT+9'],
    // execution refused
    ['🚫 <b>Execution refused</b> INC-0001: another execution is in flight (INC-0002)'],
    // execution started
    ['▶️ <b>Execution started</b> INC-0001: rollback (plan <code>plan-7f3a9c</code>)'],
    // execution step ok
    ['✔️ step <code>backup</code> (INC-0001): 3 files, sha256 verified'],
    // execution step failed
    ['❌ step <code>recreate</code> failed (INC-0001): turtle-cron: 409 conflict'],
    // execution finished
    ['✅ <b>Execution finished</b> INC-0001: containers recreated', 'image: <code>sha256:0123456789abcdef</code>'],
    // execution verified (failed, pre-existing)
    [
      '🔍 <b>Verification failed</b> INC-0001: crontab still runs check_positions.py',
      'already failing before: turtle-dashboard restarting',
    ],
    // execution verified, with step timings
    [
      '🔍 <b>Verification passed</b> INC-0001: turtle-cron runs the target image',
      'step timings:',
      '  ✔️ <code>preflight turtle-cron</code> 0.0 s',
      '  ✔️ <code>stop turtle-cron</code> 10 s',
      '  ✔️ <code>verify</code> 1 min 16 s',
      '  ❌ <code>remove-old</code> 9.9 s',
      'total 1 min 36 s',
    ],
    // execution finished, typed words
    [
      '✅ <b>Execution finished</b> INC-0001: the containers run image <code>a457e48eb71e</code>; verifying',
      'image: <code>sha256:a457e48eb71e3aa5</code>',
    ],
    // execution verified after a restart, typed words
    ['🔍 <b>Verification passed</b> INC-0001: after a restart: 9/9 checks pass'],
    // execution deferred, typed words
    [
      '⏸ <b>Execution deferred</b> INC-0001: a job is running in turtle-cron (<code>check_positions.py</code>): nothing was changed; acting waits until it ends',
      'retry at: 2026-02-23 16:01:02 GMT+9',
    ],
    // verification failed: the backup image is another release
    [
      '🔍 <b>Verification failed</b> INC-0001: image <code>5d9ae0bdddcd</code> is not v3.9.0: <code>/app/src/position_tracker.py</code> is <code>8e1f2a0</code>, v3.9.0 has <code>5e6eb82</code>. Nothing was started on it; the original containers run again. This image is not chosen automatically again.',
    ],
  ],
};

for (const lang of ['ko', 'en'] as const) {
  test(`every notice kind renders to its exact ${lang} text`, () => {
    assert.equal(EXPECTED[lang].length, NOTICES.length);
    NOTICES.forEach(([name, notice], index) => {
      const message = renderTelegramNotice(notice, lang, { timeZone: 'Asia/Seoul', contacts: CONTACTS });
      assert.equal(message.html, EXPECTED[lang][index]!.join('\n'), name);
      const parsed = parseTelegramHtml(message.html);
      assert.ok(parsed.ok, `${name}: Telegram would refuse the markup: ${parsed.ok ? '' : parsed.error}`);
    });
  });
}

test('decision messages carry Approve / Veto / Details bound to the incident and its nonce; others carry none', () => {
  const ko = renderTelegramNotice({ kind: 'decision-requested', incident: awaiting(), again: false }, 'ko', { timeZone: 'Asia/Seoul' });
  assert.deepEqual(ko.keyboard, [
    [
      { text: '✅ 승인', callback_data: 'a:INC-0001:n0nce-AAAA1111' },
      { text: '⛔ 거부', callback_data: 'v:INC-0001:n0nce-AAAA1111' },
      { text: '🔎 세부 정보', callback_data: 'd:INC-0001:n0nce-AAAA1111' },
    ],
  ]);
  const reminder = renderTelegramNotice({ kind: 'decision-reminder', incident: awaiting() }, 'en', { timeZone: 'Asia/Seoul' });
  assert.deepEqual(
    reminder.keyboard?.[0]?.map((b) => b.text),
    ['✅ Approve', '⛔ Veto', '🔎 Details'],
  );
  const auto = renderTelegramNotice(
    { kind: 'decision-requested', incident: awaiting({ decision: decision({ policy: 'auto' }) }), again: false },
    'en',
    { timeZone: 'Asia/Seoul' },
  );
  assert.equal(auto.keyboard, undefined, 'nothing to decide under the auto policy');
  assert.match(auto.html, /⚙️ Automatic policy: runs without approval\./);
  // A nonce that cannot travel in callback data gives no buttons rather than wrong ones.
  const bad = renderTelegramNotice(
    { kind: 'decision-requested', incident: awaiting({ decision: decision({ nonce: 'has spaces!' }) }), again: false },
    'en',
    { timeZone: 'Asia/Seoul' },
  );
  assert.equal(bad.keyboard, undefined);
  for (const [name, notice] of NOTICES) {
    if (notice.kind === 'decision-requested' || notice.kind === 'decision-reminder') continue;
    assert.equal(renderTelegramNotice(notice, 'en', { timeZone: 'Asia/Seoul' }).keyboard, undefined, name);
  }
});

test('log text is escaped, and reads back exactly as it was logged', () => {
  const nasty = `x < y && z > 0 </pre><b>bold</b> &amp; "quoted" <script>`;
  const message = renderTelegramNotice(
    {
      kind: 'incident-opened',
      incident: incident({ summary: nasty, message: undefined, evidence: [{ kind: 'log', file: 'a<b>.log', text: nasty }] }),
    },
    'en',
    { timeZone: 'UTC' },
  );
  const parsed = parseTelegramHtml(message.html);
  assert.ok(parsed.ok);
  assert.ok(parsed.plain.includes(`\n${nasty}\n`), 'summary reads back unchanged');
  assert.ok(parsed.plain.includes(`a<b>.log: ${nasty}`), 'evidence reads back unchanged');
  assert.equal(escapeHtml('<&>'), '&lt;&amp;&gt;');
});

const decisionOf = (evidence: Evidence[], steps = PLAN.steps, summary = 'summary') =>
  renderTelegramNotice(
    { kind: 'decision-requested', incident: awaiting({ evidence, summary, plan: { ...PLAN, steps } }), again: false },
    'en',
    { timeZone: 'Asia/Seoul' },
  );

test('long evidence is cut to fit, whole lines first, with a count of what is left out', () => {
  const evidence: Evidence[] = Array.from({ length: 2000 }, (_, i) => ({
    kind: 'log',
    file: 'check_kr.log',
    text: `line ${i} <&> ${'x'.repeat(40)}`,
  }));
  const message = decisionOf(evidence);
  assert.ok(message.html.length <= MESSAGE_LIMIT - FOOTER_RESERVE, `length ${message.html.length}`);
  const parsed = parseTelegramHtml(message.html);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  const shown = (parsed.plain.match(/^check_kr\.log: line \d+/gm) ?? []).length;
  assert.ok(shown > 20, `only ${shown} lines shown`);
  assert.ok(parsed.plain.endsWith(`… ${2000 - shown} more lines (🔎 Details)`), parsed.plain.slice(-80));
  assert.ok(parsed.plain.includes('3. verify crontab'), 'the plan is shown in full before any evidence');
  // Without buttons the whole limit is used.
  const opened = renderTelegramNotice({ kind: 'incident-opened', incident: incident({ evidence }) }, 'ko', { timeZone: 'Asia/Seoul' });
  assert.ok(opened.html.length <= MESSAGE_LIMIT && opened.html.length > MESSAGE_LIMIT - 100, `length ${opened.html.length}`);
  assert.match(opened.html, /\n… 외 \d+줄 \(🔎 세부 정보\)$/);
});

test('pathological inputs still give valid messages within the limit', () => {
  const emoji = '🐢'.repeat(5000);
  const amp = '&'.repeat(20_000);
  const cases: { name: string; notice: Notice; limit: number }[] = [
    {
      name: 'one enormous line',
      notice: { kind: 'incident-opened', incident: incident({ evidence: [{ kind: 'log', text: 'y'.repeat(100_000) }] }) },
      limit: MESSAGE_LIMIT,
    },
    {
      name: 'emoji at every cut',
      notice: {
        kind: 'incident-opened',
        incident: incident({
          summary: emoji,
          evidence: [
            { kind: 'log', text: emoji },
            { kind: 'log', text: emoji },
          ],
        }),
      },
      limit: MESSAGE_LIMIT,
    },
    {
      name: 'ampersands everywhere',
      notice: {
        kind: 'incident-opened',
        incident: incident({ summary: amp, evidence: Array.from({ length: 50 }, () => ({ kind: 'log' as const, text: amp })) }),
      },
      limit: MESSAGE_LIMIT,
    },
    {
      name: 'five hundred plan steps',
      notice: {
        kind: 'decision-requested',
        incident: awaiting({ plan: { ...PLAN, steps: Array.from({ length: 500 }, (_, i) => `step ${i} <${'z'.repeat(50)}>`) } }),
        again: false,
      },
      limit: MESSAGE_LIMIT - FOOTER_RESERVE,
    },
    {
      name: 'huge detail',
      notice: { kind: 'execution-update', incident: awaiting(), report: { kind: 'finished', ok: false, detail: '<'.repeat(50_000) } },
      limit: MESSAGE_LIMIT,
    },
    {
      name: 'huge source error',
      notice: { kind: 'source-error', source: 's'.repeat(500), message: 'm\n'.repeat(10_000), count: 1 },
      limit: MESSAGE_LIMIT,
    },
  ];
  for (const { name, notice, limit } of cases) {
    for (const lang of ['ko', 'en'] as const) {
      const { html } = renderTelegramNotice(notice, lang, { timeZone: 'Asia/Seoul' });
      assert.ok(html.length <= limit, `${name} (${lang}): ${html.length} > ${limit}`);
      const parsed = parseTelegramHtml(html);
      assert.ok(parsed.ok, `${name} (${lang}): ${parsed.ok ? '' : parsed.error}`);
      assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(html), `${name} (${lang}): a surrogate pair was split`);
    }
  }
  const steps = decisionOf(
    [],
    Array.from({ length: 500 }, (_, i) => `step ${i}`),
  );
  assert.match(parseTelegramHtml(steps.html).ok ? steps.html : '', /… \d+ more steps \(🔎 Details\)/);
});

test('clipEscaped never splits an entity or a surrogate pair', () => {
  assert.equal(clipEscaped('a&b', 3), 'a…');
  assert.equal(clipEscaped('a&b', 6), 'a…');
  assert.equal(clipEscaped('a&bc', 7), 'a&amp;…');
  assert.equal(clipEscaped('a&b', 7), 'a&amp;b');
  assert.equal(clipEscaped('🐢🐢', 3), '🐢…');
  assert.equal(clipEscaped('🐢🐢', 2), '…');
});

test('fitBlocks never returns more than the limit, even when fixed text alone is too long', () => {
  const text = fitBlocks(
    [
      { kind: 'html', html: 'a'.repeat(5000) },
      { kind: 'html', html: '<pre>b</pre>' },
    ],
    100,
  );
  assert.ok(text.length <= 100);
  assert.ok(parseTelegramHtml(text).ok);
});

test('callback data: at most 64 bytes, round-trips, and refuses what it cannot carry', () => {
  const longest = encodeCallbackData({ kind: 'decision', op: 'approve', incidentId: 'I'.repeat(24), nonce: 'n'.repeat(32) });
  assert.ok(longest.ok);
  assert.ok(Buffer.byteLength(longest.data) <= CALLBACK_DATA_LIMIT, `${Buffer.byteLength(longest.data)} bytes`);
  for (const action of [
    { kind: 'decision', op: 'approve', incidentId: 'INC-0001', nonce: 'AbC_-123xyz' },
    { kind: 'decision', op: 'veto', incidentId: 'INC-0042', nonce: 'AbC_-123xyz' },
    { kind: 'decision', op: 'details', incidentId: 'INC-0042', nonce: 'AbC_-123xyz' },
    { kind: 'confirm', action: 'rollback', nonce: 'AbC_-123xyz' },
    { kind: 'confirm', action: 'halt', nonce: 'AbC_-123xyz' },
    { kind: 'confirm', action: 'resume', nonce: 'AbC_-123xyz' },
    { kind: 'cancel', nonce: 'AbC_-123xyz' },
  ] as const) {
    const encoded = encodeCallbackData(action);
    assert.ok(encoded.ok);
    assert.deepEqual(parseCallbackData(encoded.data), { ok: true, action });
  }
  assert.equal(encodeCallbackData({ kind: 'decision', op: 'approve', incidentId: 'I'.repeat(25), nonce: 'abcd' }).ok, false);
  assert.equal(encodeCallbackData({ kind: 'decision', op: 'approve', incidentId: 'INC-한글', nonce: 'abcd' }).ok, false);
  assert.equal(encodeCallbackData({ kind: 'decision', op: 'approve', incidentId: 'INC-0001', nonce: 'n'.repeat(33) }).ok, false);
  for (const data of [
    undefined,
    '',
    'a',
    'a:INC-0001',
    'a:INC-0001:abc',
    'a:INC-0001:n0nce:x',
    'A:INC-0001:n0nce1',
    'a::n0nce1',
    'c:q:n0nce1',
    'x:',
    'x:a b c d',
    'a:INC-0001:' + 'n'.repeat(60),
  ]) {
    assert.deepEqual(parseCallbackData(data), { ok: false, error: 'malformed' }, String(data));
  }
});

test('details are split over several valid messages, each within the limit', () => {
  const evidence: Evidence[] = Array.from({ length: 3000 }, (_, i) => ({
    kind: 'log',
    file: 'check_kr.log',
    at: T0,
    text: `line ${i} & <more>`,
  }));
  const parts = renderIncidentDetails(awaiting({ evidence }), 'en', 'Asia/Seoul');
  assert.equal(parts.length, 4);
  parts.forEach((html, i) => {
    assert.ok(html.length <= MESSAGE_LIMIT, `part ${i + 1}: ${html.length}`);
    assert.ok(parseTelegramHtml(html).ok, `part ${i + 1}`);
    assert.ok(html.startsWith(`🔎 <b>Details</b> INC-0001 (${i + 1}/4)`));
  });
  assert.match(parts[3]!, /\n… \d+ more lines omitted$/);
  const small = renderIncidentDetails(awaiting(), 'ko', 'Asia/Seoul');
  assert.deepEqual(small, [
    [
      '🔎 <b>세부 정보</b> INC-0001',
      '규칙: <code>repeated-failures</code> [심각]',
      '상태: 결정 대기; 열림: 2026-02-23 16:00:02 GMT+9',
      "check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: KeyError: 'units'",
      '<pre>계획 plan-7f3a9c (image-tag):',
      '  1. backup data/positions/positions.json → backups/positions.json.pre-rollback-20260223_160002',
      '  2. recreate turtle-cron from turtle-trading:pre-v3.2.1-backup (sha256:0123456789ab)',
      '  3. verify crontab, /app/scripts/signal_check.py, positions.json hash',
      '  대상 이미지: sha256:0123456789abcdef',
      '근거:',
      '  [2026-02-23 16:00:02 GMT+9] check_kr.log: Traceback (most recent call last):',
      "  [2026-02-23 16:00:03 GMT+9] check_kr.log: KeyError: 'units' &lt;in position_tracker.py &amp; friends&gt;",
      '경과:',
      '  2026-02-23 16:00:02 GMT+9 감지됨: check_kr.log: 2 failed runs in a row</pre>',
    ].join('\n'),
  ]);
});

test('footers that replace closed buttons, in both languages', () => {
  const by = { channel: 'telegram' as const, userId: 111, name: '@ops_oncall' };
  const footers: [FooterKind, ko: string, en: string][] = [
    [{ kind: 'approved', by }, '<i>— 승인됨: @ops_oncall (111)</i>', '<i>— approved by @ops_oncall (111)</i>'],
    [{ kind: 'vetoed', by: { channel: 'cli' } }, '<i>— 거부됨: CLI</i>', '<i>— vetoed by CLI</i>'],
    [{ kind: 'expired' }, '<i>— 기한 만료</i>', '<i>— deadline passed</i>'],
    [{ kind: 'superseded' }, '<i>— 새 알림으로 대체되었습니다</i>', '<i>— replaced by a newer message</i>'],
    [{ kind: 'confirmed', by }, '<i>— 확인됨: @ops_oncall (111)</i>', '<i>— confirmed by @ops_oncall (111)</i>'],
    [{ kind: 'cancelled' }, '<i>— 취소됨</i>', '<i>— cancelled</i>'],
    [{ kind: 'confirm-expired' }, '<i>— 확인 시간 초과</i>', '<i>— confirmation timed out</i>'],
  ];
  for (const [footer, ko, en] of footers) {
    assert.equal(footerText('ko', footer), ko);
    assert.equal(footerText('en', footer), en);
  }
});

test('answers to button presses, in both languages, fit a callback answer', () => {
  // Every answer, as [Korean, English]; the type makes a new answer without its texts fail to compile.
  const answers: Record<PressAnswer, [ko: string, en: string]> = {
    'approve-received': ['승인 요청을 받았습니다. 결과는 채팅으로 알려 드립니다.', 'Approval received; the result follows in the chat.'],
    'veto-received': ['거부 요청을 받았습니다. 결과는 채팅으로 알려 드립니다.', 'Veto received; the result follows in the chat.'],
    'details-sent': ['세부 정보를 보냅니다.', 'Sending the details.'],
    stale: [
      '이 버튼은 더 이상 유효하지 않습니다. 최신 알림의 버튼을 쓰세요.',
      'This button is no longer valid; use the buttons of the latest message.',
    ],
    expired: ['이 버튼은 만료되었습니다. /approve 또는 /veto 명령을 쓰세요.', 'This button has expired; use /approve or /veto instead.'],
    'not-allowed': [
      '죄송합니다. 이 작업을 할 권한이 없습니다. 요청은 기록되었습니다.',
      'Sorry, you are not allowed to do this. The attempt has been recorded.',
    ],
    'foreign-chat': [
      '죄송합니다. 이 봇은 설정된 운영 채팅에서만 동작합니다.',
      'Sorry, this bot only works in its configured operator chat.',
    ],
    malformed: ['알 수 없는 버튼입니다.', 'Unknown button.'],
    confirmed: ['요청을 보냈습니다. 결과는 채팅으로 알려 드립니다.', 'Request sent; the result follows in the chat.'],
    cancelled: ['취소했습니다.', 'Cancelled.'],
    'confirm-expired': [
      '확인 시간이 지났습니다. 명령을 다시 보내 주세요.',
      'This confirmation has expired; please send the command again.',
    ],
    'confirm-not-yours': ['명령을 보낸 사람만 확인할 수 있습니다.', 'Only the operator who sent the command can confirm it.'],
    unavailable: ['지금은 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.', 'Cannot handle this right now; please try again shortly.'],
  };
  for (const [kind, [ko, en]] of Object.entries(answers) as [PressAnswer, [string, string]][]) {
    assert.equal(pressAnswerText('ko', kind), ko);
    assert.equal(pressAnswerText('en', kind), en);
    for (const text of [ko, en]) assert.ok(text.length <= 200, kind);
  }
});
