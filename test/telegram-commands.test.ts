// Telegram commands: parsing into operator commands, queries, confirmations and usage answers, and
// every answer text pinned in Korean and English.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeConfirmation, parseCommand, parseSilenceDuration, resolveIncidentId, type ParseOptions } from '../src/core/commands.ts';
import type { CommandName, UsageProblem } from '../src/core/telegram-commands.ts';
import {
  commandAckText,
  confirmPrompt,
  foreignChatText,
  helpText,
  notAllowedText,
  reloadText,
  unknownCommandText,
  usageText,
} from '../src/core/telegram-replies.ts';
import { T0 } from './fakes/telegram-fixtures.ts';

const opts: ParseOptions = {
  botUsername: 'sentinel_bot',
  now: T0,
  ruleIds: ['cron-missed-or-hung', 'telegram-alerts-missing'],
  incidentIds: ['INC-0001', 'INC-0012', 'INC-0100'],
};

test('commands parse into what they ask for', () => {
  const cases: [string, unknown][] = [
    ['/status', { kind: 'query', query: 'status' }],
    ['  /STATUS  ', { kind: 'query', query: 'status' }],
    ['/status@sentinel_bot', { kind: 'query', query: 'status' }],
    ['/status@Sentinel_Bot', { kind: 'query', query: 'status' }],
    ['/status@other_bot', { kind: 'ignore' }],
    ['/incidents', { kind: 'query', query: 'incidents' }],
    ['/rules', { kind: 'query', query: 'rules' }],
    ['/help me', { kind: 'query', query: 'help' }],
    ['/start', { kind: 'query', query: 'help' }],
    ['/reload', { kind: 'reload' }],
    [
      '/approve INC-0012',
      { kind: 'operator', command: { kind: 'approve', incidentId: 'INC-0012' }, ack: { kind: 'approve', incidentId: 'INC-0012' } },
    ],
    [
      '/approve inc-0012',
      { kind: 'operator', command: { kind: 'approve', incidentId: 'INC-0012' }, ack: { kind: 'approve', incidentId: 'INC-0012' } },
    ],
    [
      '/approve 12',
      { kind: 'operator', command: { kind: 'approve', incidentId: 'INC-0012' }, ack: { kind: 'approve', incidentId: 'INC-0012' } },
    ],
    [
      '/approve@sentinel_bot 100',
      { kind: 'operator', command: { kind: 'approve', incidentId: 'INC-0100' }, ack: { kind: 'approve', incidentId: 'INC-0100' } },
    ],
    [
      '/approve 7',
      { kind: 'operator', command: { kind: 'approve', incidentId: 'INC-0007' }, ack: { kind: 'approve', incidentId: 'INC-0007' } },
    ],
    [
      '/veto INC-0001',
      { kind: 'operator', command: { kind: 'veto', incidentId: 'INC-0001' }, ack: { kind: 'veto', incidentId: 'INC-0001' } },
    ],
    [
      '/veto 1   holiday:  KRX closed  ',
      {
        kind: 'operator',
        command: { kind: 'veto', incidentId: 'INC-0001', reason: 'holiday:  KRX closed' },
        ack: { kind: 'veto', incidentId: 'INC-0001', reason: 'holiday:  KRX closed' },
      },
    ],
    ['/rollback', { kind: 'confirm', action: 'rollback' }],
    ['/halt', { kind: 'confirm', action: 'halt' }],
    ['/resume@sentinel_bot', { kind: 'confirm', action: 'resume' }],
    ['/arm', { kind: 'operator', command: { kind: 'arm' }, ack: { kind: 'arm' } }],
    [
      '/silence telegram-alerts-missing 2h',
      {
        kind: 'operator',
        command: { kind: 'silence', ruleId: 'telegram-alerts-missing', until: T0 + 7_200_000 },
        ack: { kind: 'silence', ruleId: 'telegram-alerts-missing', until: T0 + 7_200_000 },
      },
    ],
    [
      '/silence cron-missed-or-hung 30M',
      {
        kind: 'operator',
        command: { kind: 'silence', ruleId: 'cron-missed-or-hung', until: T0 + 1_800_000 },
        ack: { kind: 'silence', ruleId: 'cron-missed-or-hung', until: T0 + 1_800_000 },
      },
    ],
    [
      '/unsilence cron-missed-or-hung',
      {
        kind: 'operator',
        command: { kind: 'unsilence', ruleId: 'cron-missed-or-hung' },
        ack: { kind: 'unsilence', ruleId: 'cron-missed-or-hung' },
      },
    ],
    // usage answers
    ['/approve', { kind: 'usage', command: 'approve', problem: { kind: 'missing-argument' } }],
    ['/approve 1 2', { kind: 'usage', command: 'approve', problem: { kind: 'extra-arguments' } }],
    ['/approve <b>', { kind: 'usage', command: 'approve', problem: { kind: 'bad-incident-id', value: '<b>' } }],
    ['/veto', { kind: 'usage', command: 'veto', problem: { kind: 'missing-argument' } }],
    ['/rollback now', { kind: 'usage', command: 'rollback', problem: { kind: 'extra-arguments' } }],
    ['/halt please', { kind: 'usage', command: 'halt', problem: { kind: 'extra-arguments' } }],
    ['/arm x', { kind: 'usage', command: 'arm', problem: { kind: 'extra-arguments' } }],
    ['/silence telegram-alerts-missing', { kind: 'usage', command: 'silence', problem: { kind: 'missing-argument' } }],
    ['/silence telegram-alerts-missing 2h 3h', { kind: 'usage', command: 'silence', problem: { kind: 'extra-arguments' } }],
    [
      '/silence telegram-alerts-missing forever',
      { kind: 'usage', command: 'silence', problem: { kind: 'bad-duration', value: 'forever' } },
    ],
    ['/silence telegram-alerts-missing 31d', { kind: 'usage', command: 'silence', problem: { kind: 'bad-duration', value: '31d' } }],
    ['/silence telegram-alerts-missing 0m', { kind: 'usage', command: 'silence', problem: { kind: 'bad-duration', value: '0m' } }],
    ['/silence no-such-rule 2h', { kind: 'usage', command: 'silence', problem: { kind: 'unknown-rule', value: 'no-such-rule' } }],
    ['/unsilence', { kind: 'usage', command: 'unsilence', problem: { kind: 'missing-argument' } }],
    ['/unsilence Bad_Rule', { kind: 'usage', command: 'unsilence', problem: { kind: 'unknown-rule', value: 'Bad_Rule' } }],
    ['/frobnicate', { kind: 'unknown', name: 'frobnicate' }],
    ['/frobnicate@sentinel_bot', { kind: 'unknown', name: 'frobnicate' }],
    // not commands
    ['hello', { kind: 'ignore' }],
    ['', { kind: 'ignore' }],
    ['/', { kind: 'ignore' }],
    ['/ status', { kind: 'ignore' }],
    ['/status/x', { kind: 'ignore' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseCommand(text, opts), expected, JSON.stringify(text));
  // Without a known bot name, any @suffix is accepted (before getMe has answered).
  assert.deepEqual(parseCommand('/status@whatever', { now: T0 }), { kind: 'query', query: 'status' });
  // Without known rules, any well-formed rule id is passed on (the core decides).
  assert.deepEqual(parseCommand('/unsilence some-rule', { now: T0 }), {
    kind: 'operator',
    command: { kind: 'unsilence', ruleId: 'some-rule' },
    ack: { kind: 'unsilence', ruleId: 'some-rule' },
  });
  // A long reason is clipped.
  const long = parseCommand(`/veto 1 ${'r'.repeat(1000)}`, opts);
  assert.equal(long.kind === 'operator' && long.command.kind === 'veto' ? long.command.reason?.length : -1, 300);
});

test('incident ids and durations as typed on a phone', () => {
  assert.equal(resolveIncidentId('INC-0001', undefined), 'INC-0001');
  assert.equal(resolveIncidentId('inc-3', undefined), 'INC-3');
  assert.equal(resolveIncidentId('0003', undefined), 'INC-0003');
  assert.equal(resolveIncidentId('12345', undefined), 'INC-12345');
  assert.equal(resolveIncidentId('OTHER-1', ['other-1']), 'other-1');
  assert.equal(resolveIncidentId('a b', undefined), undefined);
  assert.equal(resolveIncidentId('x'.repeat(25), undefined), undefined);
  assert.equal(parseSilenceDuration('90m'), 5_400_000);
  assert.equal(parseSilenceDuration('1d'), 86_400_000);
  assert.equal(parseSilenceDuration('30d'), 30 * 86_400_000);
  assert.equal(parseSilenceDuration('30s'), undefined);
  assert.equal(parseSilenceDuration('2.5h'), undefined);
  assert.equal(parseSilenceDuration('-1h'), undefined);
});

test('a confirmation is good once, for its sender, its action and its time', () => {
  const pending = { action: 'rollback' as const, nonce: 'nonce-1', userId: 111, chatId: -100, expiresAt: T0 + 120_000 };
  assert.equal(judgeConfirmation(pending, { action: 'rollback', userId: 111, chatId: -100, now: T0 + 1000 }), 'ok');
  assert.equal(judgeConfirmation(pending, { action: 'rollback', userId: 111, chatId: -100, now: T0 + 120_000 }), 'ok');
  assert.equal(judgeConfirmation(pending, { action: 'rollback', userId: 111, chatId: -100, now: T0 + 120_001 }), 'expired');
  assert.equal(judgeConfirmation(pending, { action: 'rollback', userId: 222, chatId: -100, now: T0 }), 'not-yours');
  assert.equal(judgeConfirmation(pending, { action: 'rollback', userId: 111, chatId: -200, now: T0 }), 'not-yours');
  assert.equal(judgeConfirmation(pending, { action: 'halt', userId: 111, chatId: -100, now: T0 }), 'mismatch');
  assert.equal(judgeConfirmation(undefined, { action: 'rollback', userId: 111, chatId: -100, now: T0 }), 'unknown');
});

const USAGE_CASES: [CommandName, UsageProblem][] = [
  ['approve', { kind: 'missing-argument' }],
  ['approve', { kind: 'extra-arguments' }],
  ['veto', { kind: 'bad-incident-id', value: 'INC 1<x>' }],
  ['silence', { kind: 'bad-duration', value: 'forever' }],
  ['unsilence', { kind: 'unknown-rule', value: 'nope' }],
  ['rollback', { kind: 'extra-arguments' }],
];

test('usage answers, exact, in Korean', () => {
  assert.deepEqual(
    USAGE_CASES.map(([c, p]) => usageText('ko', c, p)),
    [
      '⚠️ 인수가 부족합니다.\n사용법: <code>/approve &lt;인시던트&gt;</code>',
      '⚠️ 인수가 너무 많습니다.\n사용법: <code>/approve &lt;인시던트&gt;</code>',
      '⚠️ 인시던트 ID가 올바르지 않습니다: <code>INC 1&lt;x&gt;</code>\n사용법: <code>/veto &lt;인시던트&gt; [사유]</code>',
      '⚠️ 기간은 30m, 2h, 1d 처럼 쓰고 30일 이하여야 합니다: <code>forever</code>\n사용법: <code>/silence &lt;규칙&gt; &lt;기간&gt;</code>',
      '⚠️ 알 수 없는 규칙입니다: <code>nope</code> (/rules 로 목록 보기)\n사용법: <code>/unsilence &lt;규칙&gt;</code>',
      '⚠️ 인수가 너무 많습니다.\n사용법: <code>/rollback</code>',
    ],
  );
  assert.equal(
    unknownCommandText('ko', 'frobnicate'),
    '⚠️ 알 수 없는 명령입니다: <code>/frobnicate</code>\n/help 로 명령 목록을 볼 수 있습니다.',
  );
});

test('usage answers, exact, in English', () => {
  assert.deepEqual(
    USAGE_CASES.map(([c, p]) => usageText('en', c, p)),
    [
      '⚠️ Missing argument.\nUsage: <code>/approve &lt;incident&gt;</code>',
      '⚠️ Too many arguments.\nUsage: <code>/approve &lt;incident&gt;</code>',
      '⚠️ Not an incident id: <code>INC 1&lt;x&gt;</code>\nUsage: <code>/veto &lt;incident&gt; [reason]</code>',
      '⚠️ A duration looks like 30m, 2h or 1d, at most 30 days: <code>forever</code>\nUsage: <code>/silence &lt;rule&gt; &lt;duration&gt;</code>',
      '⚠️ Unknown rule: <code>nope</code> (see /rules)\nUsage: <code>/unsilence &lt;rule&gt;</code>',
      '⚠️ Too many arguments.\nUsage: <code>/rollback</code>',
    ],
  );
  assert.equal(
    unknownCommandText('en', 'frobnicate'),
    '⚠️ Unknown command: <code>/frobnicate</code>\nSend /help for the list of commands.',
  );
});

test('/help, exact, in both languages', () => {
  assert.equal(
    helpText('ko'),
    [
      '🛡 <b>turtle-sentinel 명령</b>',
      '/status — 작업·컨테이너·인시던트 상태',
      '/incidents — 열린 인시던트와 최근 종료된 인시던트',
      '/approve &lt;인시던트&gt; — 결정을 기다리는 계획 승인',
      '/veto &lt;인시던트&gt; [사유] — 계획 거부',
      '/rollback — 수동 롤백 (확인 필요)',
      '/halt — 거래 중단: cron 컨테이너 정지 (확인 필요)',
      '/resume — 거래 재개: cron 컨테이너 시작 (확인 필요)',
      '/arm — 롤백 후 해제된 자동 조치를 다시 활성화',
      '/silence &lt;규칙&gt; &lt;기간&gt; — 규칙 알림 끄기 (예: /silence telegram-alerts-missing 2h)',
      '/unsilence &lt;규칙&gt; — 규칙 알림 다시 켜기',
      '/rules — 규칙 목록',
      '/reload — 규칙 파일 다시 읽기',
      '/help — 이 도움말',
    ].join('\n'),
  );
  assert.equal(
    helpText('en'),
    [
      '🛡 <b>turtle-sentinel commands</b>',
      '/status — jobs, containers and incidents',
      '/incidents — open and recently closed incidents',
      '/approve &lt;incident&gt; — approve a plan awaiting a decision',
      '/veto &lt;incident&gt; [reason] — veto a plan',
      '/rollback — manual rollback (asks for confirmation)',
      '/halt — halt trading: stop the cron container (asks for confirmation)',
      '/resume — resume trading: start the cron container (asks for confirmation)',
      '/arm — re-arm the automatic path after a rollback',
      '/silence &lt;rule&gt; &lt;duration&gt; — silence a rule (e.g. /silence telegram-alerts-missing 2h)',
      '/unsilence &lt;rule&gt; — unsilence a rule',
      '/rules — list the rules',
      '/reload — re-read the rule files',
      '/help — this help',
    ].join('\n'),
  );
});

test('confirmation prompts, exact, in both languages, with their buttons', () => {
  const ko = (['rollback', 'halt', 'resume'] as const).map((a) => confirmPrompt('ko', a, 'nonce-123', 120_000));
  assert.deepEqual(
    ko.map((p) => p?.html),
    [
      '⚠️ <b>수동 롤백</b>을 요청할까요?\n런북 절차(백업 → 롤백 → 검증)가 안전 장치를 거쳐 실행됩니다. 2m 안에 확인해 주세요.',
      '⚠️ <b>거래 중단</b>(cron 컨테이너 정지)을 요청할까요?\n안전 장치를 거쳐 실행됩니다. 2m 안에 확인해 주세요.',
      '⚠️ <b>거래 재개</b>(cron 컨테이너 시작)를 요청할까요?\n안전 장치를 거쳐 실행됩니다. 2m 안에 확인해 주세요.',
    ],
  );
  assert.deepEqual(ko[0]?.keyboard, [
    [
      { text: '✅ 확인', callback_data: 'c:r:nonce-123' },
      { text: '✖️ 취소', callback_data: 'x:nonce-123' },
    ],
  ]);
  const en = (['rollback', 'halt', 'resume'] as const).map((a) => confirmPrompt('en', a, 'nonce-123', 120_000));
  assert.deepEqual(
    en.map((p) => p?.html),
    [
      '⚠️ Request a <b>manual rollback</b>?\nThe runbook procedure (backup → rollback → verify) runs through the safety gates. Confirm within 2m.',
      '⚠️ Request a <b>trading halt</b> (stop the cron container)?\nIt runs through the safety gates. Confirm within 2m.',
      '⚠️ Request <b>resuming trading</b> (start the cron container)?\nIt runs through the safety gates. Confirm within 2m.',
    ],
  );
  assert.deepEqual(en[2]?.keyboard, [
    [
      { text: '✅ Confirm', callback_data: 'c:s:nonce-123' },
      { text: '✖️ Cancel', callback_data: 'x:nonce-123' },
    ],
  ]);
  assert.equal(confirmPrompt('en', 'halt', 'bad nonce', 120_000), undefined);
});

test('acknowledgements and refusals, exact, in both languages', () => {
  const until = Date.UTC(2026, 1, 23, 9, 0, 2);
  const acks = [
    { kind: 'approve', incidentId: 'INC-0001' },
    { kind: 'veto', incidentId: 'INC-0001', reason: 'holiday & <KRX>' },
    { kind: 'manual-action', action: 'halt' },
    { kind: 'arm' },
    { kind: 'silence', ruleId: 'telegram-alerts-missing', until },
    { kind: 'unsilence', ruleId: 'telegram-alerts-missing' },
  ] as const;
  assert.deepEqual(
    acks.map((a) => commandAckText('ko', a, 'Asia/Seoul')),
    [
      '📨 INC-0001 승인 요청을 접수했습니다.',
      '📨 INC-0001 거부 요청을 접수했습니다.\n사유: holiday &amp; &lt;KRX&gt;',
      '📨 거래 중단 (cron 컨테이너 정지) 요청을 접수했습니다. 안전 장치를 거쳐 실행됩니다.',
      '📨 자동 조치 재활성화(/arm) 요청을 접수했습니다.',
      '🔕 <code>telegram-alerts-missing</code> 규칙 알림을 2026-02-23 18:00:02 GMT+9 까지 끕니다 (요청 접수).',
      '🔔 <code>telegram-alerts-missing</code> 규칙 알림을 다시 켭니다 (요청 접수).',
    ],
  );
  assert.deepEqual(
    acks.map((a) => commandAckText('en', a, 'Asia/Seoul')),
    [
      '📨 Approval of INC-0001 received.',
      '📨 Veto of INC-0001 received.\nreason: holiday &amp; &lt;KRX&gt;',
      '📨 Request received: halt trading (stop the cron container). It still goes through the safety gates.',
      '📨 Re-arm request received.',
      '🔕 Silencing <code>telegram-alerts-missing</code> until 2026-02-23 18:00:02 GMT+9 (request received).',
      '🔔 Unsilencing <code>telegram-alerts-missing</code> (request received).',
    ],
  );
  const others = (lang: 'ko' | 'en') => [
    notAllowedText(lang),
    foreignChatText(lang),
    reloadText(lang, 'reloading'),
    reloadText(lang, 'unavailable'),
    reloadText(lang, { ok: true, rules: 12 }),
    reloadText(lang, { ok: true, rules: 1 }),
    reloadText(lang, { ok: false, errors: ['a.yaml:1:1: x < y'] }),
  ];
  assert.deepEqual(others('ko'), [
    '🚫 죄송합니다. 이 명령을 쓸 권한이 없습니다. 요청은 기록되었습니다.',
    '죄송합니다. 이 봇은 설정된 운영 채팅에서만 동작합니다.',
    '🔄 규칙을 다시 읽는 중입니다…',
    '⚠️ 이 실행에서는 /reload 를 쓸 수 없습니다.',
    '🔄 규칙을 다시 읽었습니다: 규칙 12개',
    '🔄 규칙을 다시 읽었습니다: 규칙 1개',
    '⚠️ 새 규칙을 읽지 못했습니다. 이전 규칙을 그대로 씁니다:\n<pre>a.yaml:1:1: x &lt; y</pre>',
  ]);
  assert.deepEqual(others('en'), [
    '🚫 Sorry, you are not allowed to use this command. The attempt has been recorded.',
    'Sorry, this bot only works in its configured operator chat.',
    '🔄 Reloading the rules…',
    '⚠️ /reload is not available in this run.',
    '🔄 Rules reloaded: 12 rules',
    '🔄 Rules reloaded: 1 rule',
    '⚠️ The new rules do not load; the last good rules stay in force:\n<pre>a.yaml:1:1: x &lt; y</pre>',
  ]);
});
