// The Telegram notifier (the Notifier port): notices become messages through the outbox and the real
// telegraf client; a decision's buttons close when it is decided or re-announced; a key is sent once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Notice } from '../src/core/types.ts';
import { OPERATOR, startTelegramHarness } from './fakes/telegram-harness.ts';
import { awaiting, decision, incident, T0 } from './fakes/telegram-fixtures.ts';

test('alert → decision buttons → approved: the buttons close with who decided, then the outcome is said', async () => {
  const h = await startTelegramHarness({ bot: false, language: 'ko' });
  try {
    const inc = awaiting();
    await h.notifier.deliver('opened|INC-0001', { kind: 'incident-opened', incident: incident() });
    await h.notifier.deliver('decision|INC-0001|1', { kind: 'decision-requested', incident: inc, again: false });
    await h.notifier.deliver('decision|INC-0001|1', { kind: 'decision-requested', incident: inc, again: false });
    await h.waitForChat(2);
    assert.equal(await h.drained(), true);
    const asked = { ...h.chat()[1]! };
    assert.deepEqual(
      asked.keyboard?.[0]?.map((b) => [b.text, b.callback_data]),
      [
        ['✅ 승인', 'a:INC-0001:n0nce-AAAA1111'],
        ['⛔ 거부', 'v:INC-0001:n0nce-AAAA1111'],
        ['🔎 세부 정보', 'd:INC-0001:n0nce-AAAA1111'],
      ],
    );
    const by = { channel: 'telegram' as const, userId: OPERATOR.id, name: '@ops_oncall' };
    await h.notifier.deliver('decided|INC-0001|approved', {
      kind: 'decision-recorded',
      incident: { ...inc, phase: 'approved' },
      decision: 'approved',
      by,
    });
    await h.waitForChat(3);
    assert.equal(await h.drained(), true);
    const chat = h.chat();
    assert.equal(chat.length, 3, 'the duplicate key was not sent again');
    assert.equal(chat[1]!.keyboard, undefined, 'the decided message has no buttons left');
    assert.equal(chat[1]!.text, `${asked.text}\n\n<i>— 승인됨: @ops_oncall (111)</i>`);
    assert.equal(chat[2]!.text, '✅ <b>승인됨</b> INC-0001: 롤백 — @ops_oncall (111)\n계획을 실행합니다.');
  } finally {
    await h.close();
  }
});

test('a re-announced decision replaces the old buttons; a reminder keeps them (same nonce)', async () => {
  const h = await startTelegramHarness({ bot: false });
  try {
    const first = awaiting({ decision: decision({ policy: 'required' }) });
    await h.notifier.deliver('d1', { kind: 'decision-requested', incident: first, again: false });
    await h.notifier.deliver('r1', { kind: 'decision-reminder', incident: first });
    await h.waitForChat(2);
    assert.equal(await h.drained(), true);
    assert.ok(h.chat()[0]!.keyboard && h.chat()[1]!.keyboard, 'a reminder leaves the first buttons usable');
    const again = awaiting({ decision: decision({ policy: 'required', nonce: 'fresh-nonce-2222', announcedAt: T0 + 60_000 }) });
    await h.notifier.deliver('d2', { kind: 'decision-requested', incident: again, again: true });
    await h.waitForChat(3);
    assert.equal(await h.drained(), true);
    const chat = h.chat();
    assert.equal(chat[0]!.keyboard, undefined);
    assert.equal(chat[1]!.keyboard, undefined);
    assert.match(chat[0]!.text, /\n\n<i>— replaced by a newer message<\/i>$/);
    assert.match(chat[2]!.text, /^🗳 <b>Decision needed \(again\)<\/b> INC-0001: rollback\n/);
    assert.deepEqual(
      chat[2]!.keyboard?.[0]?.map((b) => b.callback_data),
      ['a:INC-0001:fresh-nonce-2222', 'v:INC-0001:fresh-nonce-2222', 'd:INC-0001:fresh-nonce-2222'],
    );
    // The window runs out: the new buttons close too.
    await h.notifier.deliver('x1', { kind: 'decision-recorded', incident: again, decision: 'expired' });
    await h.waitForChat(4);
    assert.equal(await h.drained(), true);
    assert.equal(h.chat()[2]!.keyboard, undefined);
    assert.match(h.chat()[2]!.text, /<i>— deadline passed<\/i>$/);
    assert.equal(h.chat()[3]!.text, '⌛ <b>Approval deadline passed</b> INC-0001: rollback\nNo approval came: nothing runs.');
  } finally {
    await h.close();
  }
});

test('deliver() returns at once while Telegram is down; the notices arrive in order afterwards', async () => {
  const h = await startTelegramHarness({ bot: false });
  try {
    await h.server.outage('hang');
    const started = performance.now();
    for (let i = 1; i <= 5; i++) {
      await h.notifier.deliver(`source|${i}`, { kind: 'source-error', source: `source-${i}`, message: 'unreadable', count: i });
    }
    assert.ok(performance.now() - started < 500, 'deliver waited for Telegram');
    await new Promise((r) => setTimeout(r, 300));
    await h.server.restore();
    await h.waitForChat(5);
    assert.deepEqual(
      h.chat().map((m) => m.plain.split('\n')[0]),
      [1, 2, 3, 4, 5].map((i) => `🛠 Source read error: source-${i} (${i} in a row)`),
    );
  } finally {
    await h.close();
  }
});

test('every notice kind, in both languages, is accepted by the Bot API server as sent', async () => {
  const inc = awaiting();
  const verdict = {
    ruleId: 'r',
    outcome: 'fail' as const,
    cause: 'c',
    summary: 'x < y & z',
    evidence: [{ kind: 'log' as const, text: '<tag> & stuff' }],
  };
  const by = { channel: 'telegram' as const, userId: 5 };
  const notices: Notice[] = [
    { kind: 'incident-opened', incident: inc },
    { kind: 'incident-resolved', incident: inc },
    { kind: 'would-fire', verdict },
    { kind: 'warning', verdict: { ...verdict, warning: 'w <1>' } },
    { kind: 'inconclusive', verdict, since: T0 },
    { kind: 'rule-error', verdict },
    { kind: 'source-error', source: 's', message: '<m>', count: 2 },
    { kind: 'version-changed', from: { version: 'v3.2.1', evidence: [] }, to: { version: 'v3.2.0', evidence: ['a & b'] } },
    { kind: 'decision-requested', incident: inc, again: false },
    { kind: 'decision-reminder', incident: inc },
    { kind: 'decision-recorded', incident: inc, decision: 'vetoed', by, reason: '<why>' },
    { kind: 'decision-refused', by, reason: 'stale', detail: '<d>' },
    { kind: 'escalation', incident: inc, why: '<why>', level: 'L2' },
    { kind: 'execution-update', incident: inc, report: { kind: 'step', name: '<n>', ok: false, detail: '<d>' } },
  ];
  for (const language of ['ko', 'en'] as const) {
    const h = await startTelegramHarness({ bot: false, language });
    try {
      for (const [i, notice] of notices.entries()) await h.notifier.deliver(`k${i}`, notice);
      assert.equal(await h.drained(8000), true);
      assert.equal(h.channel.outbox.stats().failed, 0, `${language}: a message was refused`);
      assert.equal(h.server.requests.filter((r) => r.method === 'sendMessage' && r.status !== 200).length, 0);
      assert.equal(h.chat().length, notices.length);
      assert.ok(h.chat().every((m) => m.parseMode === 'HTML'));
    } finally {
      await h.close();
    }
  }
});
