// The bot against the real telegraf client and a loopback Bot API server: button presses and commands
// are parsed, checked against the chat and the allow-list, answered at once, and handed to the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleSchema } from '../src/config/schema.ts';
import { OPERATOR, OPERATOR_CHAT, STRANGER, startTelegramHarness } from './fakes/telegram-harness.ts';
import { awaiting, stateWith, T0 } from './fakes/telegram-fixtures.ts';

const COLLEAGUE = { id: 222, first_name: 'Lee', username: 'lee_ops' };
const FOREIGN_CHAT = -1009999999999;

test('an allow-listed operator presses Approve on an alert: answered at once, one approve event with the nonce', async () => {
  const inc = awaiting();
  const h = await startTelegramHarness({ state: () => stateWith([inc]) });
  try {
    await h.notifier.deliver('decision|INC-0001|1', { kind: 'decision-requested', incident: inc, again: false });
    await h.waitForChat(1);
    const answer = await h.pressButton(OPERATOR, '✅ Approve');
    assert.equal(answer, 'Approval received; the result follows in the chat.');
    const [event] = await h.waitForEvents(1);
    assert.deepEqual(event!.command, { kind: 'approve', incidentId: 'INC-0001', nonce: 'n0nce-AAAA1111' });
    assert.deepEqual(event!.by, { channel: 'telegram', userId: OPERATOR.id, chatId: OPERATOR_CHAT, name: '@ops_oncall' });
    assert.equal(h.events.length, 1);
  } finally {
    await h.close();
  }
});

test('a user who is not allow-listed presses Approve and sends /rollback: refused politely, recorded through the core, no confirmation offered', async () => {
  const inc = awaiting();
  const h = await startTelegramHarness({ state: () => stateWith([inc]) });
  try {
    await h.notifier.deliver('decision|INC-0001|1', { kind: 'decision-requested', incident: inc, again: false });
    await h.waitForChat(1);
    assert.equal(await h.pressButton(STRANGER, '✅ Approve'), 'Sorry, you are not allowed to do this. The attempt has been recorded.');
    await h.say(STRANGER, '/rollback');
    const chat = await h.waitForChat(2);
    assert.equal(chat[1]!.text, '🚫 Sorry, you are not allowed to use this command. The attempt has been recorded.');
    assert.equal(chat[1]!.keyboard, undefined, 'no confirmation button for a stranger');
    const events = await h.waitForEvents(2);
    assert.deepEqual(
      events.map((e) => [e.command, e.by.userId]),
      [
        [{ kind: 'approve', incidentId: 'INC-0001', nonce: 'n0nce-AAAA1111' }, STRANGER.id],
        [{ kind: 'manual-action', action: 'rollback' }, STRANGER.id],
      ],
    );
    assert.ok(
      h.logs.some((l) => l.includes('not on the allow-list')),
      'the refusal is logged',
    );
  } finally {
    await h.close();
  }
});

test('forged and malformed button data is refused; a stale nonce is answered as stale and still handed to the core', async () => {
  const inc = awaiting();
  const h = await startTelegramHarness({ state: () => stateWith([inc]) });
  try {
    for (const data of [
      'a:INC-0001',
      'zz',
      'a:INC 0001:n0nce-AAAA1111',
      'a:INC-0001:n0nce-AAAA1111:extra',
      'q:INC-0001:n0nce-AAAA1111',
      'c:z:abcdabcd',
      '',
    ]) {
      assert.equal(await h.pressData(OPERATOR, data), 'Unknown button.', `data ${JSON.stringify(data)}`);
    }
    assert.equal(h.events.length, 0, 'nothing malformed reaches the core');
    // Well-formed, but not the incident's current nonce (forged, or from an older message).
    assert.equal(
      await h.press(OPERATOR, 'approve', 'INC-0001', 'forged-nonce-1'),
      'This button is no longer valid; use the buttons of the latest message.',
    );
    const [event] = await h.waitForEvents(1);
    assert.deepEqual(event!.command, { kind: 'approve', incidentId: 'INC-0001', nonce: 'forged-nonce-1' });
  } finally {
    await h.close();
  }
});

test('presses and commands from another chat are refused and never reach the core', async () => {
  const inc = awaiting();
  const h = await startTelegramHarness({ state: () => stateWith([inc]) });
  try {
    assert.equal(
      await h.press(OPERATOR, 'approve', 'INC-0001', 'n0nce-AAAA1111', { chatId: FOREIGN_CHAT }),
      'Sorry, this bot only works in its configured operator chat.',
    );
    await h.say(OPERATOR, '/approve INC-0001', { chatId: FOREIGN_CHAT });
    await h.server.waitFor(() => h.server.chat(FOREIGN_CHAT).length === 1, 5000, 'the answer in the foreign chat');
    assert.equal(h.server.chat(FOREIGN_CHAT)[0]!.text, 'Sorry, this bot only works in its configured operator chat.');
    assert.equal(h.events.length, 0);
    assert.equal(h.chat().length, 0);
  } finally {
    await h.close();
  }
});

test('commands: /approve by number and with @botname, /veto with a reason, /silence, usage answers, another bot ignored', async () => {
  let now = T0;
  const rules = [ruleSchema.parse({ id: 'cron-missed', kind: 'cron-schedule' })];
  const h = await startTelegramHarness({ state: () => stateWith([awaiting()]), rules: () => rules, now: () => now });
  try {
    await h.say(OPERATOR, '/approve@sentinel_test_bot 1');
    await h.say(OPERATOR, '/veto inc-0001 market is closed today');
    await h.say(OPERATOR, '/silence cron-missed 2h');
    await h.say(OPERATOR, '/status@some_other_bot');
    await h.say(OPERATOR, '/veto');
    await h.say(OPERATOR, '/silence nope 2h');
    await h.say(OPERATOR, '/frobnicate');
    await h.say(OPERATOR, 'just chatting');
    const chat = await h.waitForChat(6);
    await h.drained();
    assert.deepEqual(
      h.chat().map((m) => m.text),
      [
        '📨 Approval of INC-0001 received.',
        '📨 Veto of INC-0001 received.\nreason: market is closed today',
        '🔕 Silencing <code>cron-missed</code> until 2026-02-23 18:00:02 GMT+9 (request received).',
        '⚠️ Missing argument.\nUsage: <code>/veto &lt;incident&gt; [reason]</code>',
        '⚠️ Unknown rule: <code>nope</code> (see /rules)\nUsage: <code>/silence &lt;rule&gt; &lt;duration&gt;</code>',
        '⚠️ Unknown command: <code>/frobnicate</code>\nSend /help for the list of commands.',
      ],
    );
    assert.equal(chat.length, 6);
    assert.deepEqual(
      h.events.map((e) => e.command),
      [
        { kind: 'approve', incidentId: 'INC-0001' },
        { kind: 'veto', incidentId: 'INC-0001', reason: 'market is closed today' },
        { kind: 'silence', ruleId: 'cron-missed', until: T0 + 2 * 3_600_000 },
      ],
    );
    now += 1;
  } finally {
    await h.close();
  }
});

test('/rollback asks for confirmation; only its sender can confirm, once; the prompt loses its buttons', async () => {
  let now = T0;
  let n = 0;
  const h = await startTelegramHarness({
    allowedUserIds: [OPERATOR.id, COLLEAGUE.id],
    now: () => now,
    tuning: { nonce: () => `confirm-nonce-${++n}`, confirmTtlMs: 120_000 },
  });
  try {
    await h.say(OPERATOR, '/rollback');
    const prompt = { ...(await h.waitForChat(1))[0]! };
    assert.equal(
      prompt.text,
      '⚠️ Request a <b>manual rollback</b>?\nThe runbook procedure (backup → rollback → verify) runs through the safety gates. Confirm within 2m.',
    );
    assert.deepEqual(prompt.keyboard, [
      [
        { text: '✅ Confirm', callback_data: 'c:r:confirm-nonce-1' },
        { text: '✖️ Cancel', callback_data: 'x:confirm-nonce-1' },
      ],
    ]);
    assert.equal(h.events.length, 0, 'nothing is requested before the confirmation');

    assert.equal(await h.pressButton(COLLEAGUE, '✅ Confirm'), 'Only the operator who sent the command can confirm it.');
    assert.equal(await h.pressButton(OPERATOR, '✅ Confirm'), 'Request sent; the result follows in the chat.');
    const [event] = await h.waitForEvents(1);
    assert.deepEqual(event!.command, { kind: 'manual-action', action: 'rollback', nonce: 'confirm-nonce-1' });
    await h.server.waitFor(() => h.chat()[0]!.keyboard === undefined, 5000, 'the prompt buttons to close');
    assert.equal(h.chat()[0]!.text, prompt.text + '\n\n<i>— confirmed by @ops_oncall (111)</i>');

    // A replayed press of the same confirmation does nothing.
    assert.equal(
      await h.pressData(OPERATOR, 'c:r:confirm-nonce-1'),
      'This button is no longer valid; use the buttons of the latest message.',
    );
    assert.equal(h.events.length, 1);

    // A confirmation pressed after its time is refused, and its buttons close.
    await h.say(OPERATOR, '/halt');
    await h.waitForChat(2);
    now += 121_000;
    assert.equal(await h.pressButton(OPERATOR, '✅ Confirm'), 'This confirmation has expired; please send the command again.');
    await h.server.waitFor(() => h.chat()[1]!.keyboard === undefined, 5000, 'the expired prompt to close');
    assert.match(h.chat()[1]!.text, /<i>— confirmation timed out<\/i>$/);
    assert.equal(h.events.length, 1);

    // Cancel.
    await h.say(OPERATOR, '/resume');
    await h.waitForChat(3);
    assert.equal(await h.pressButton(OPERATOR, '✖️ Cancel'), 'Cancelled.');
    await h.server.waitFor(() => h.chat()[2]!.keyboard === undefined, 5000, 'the cancelled prompt to close');
    assert.equal(h.events.length, 1);
  } finally {
    await h.close();
  }
});

test('/status, /incidents and Details are answered from state; strangers get no state', async () => {
  const inc = awaiting();
  const h = await startTelegramHarness({ state: () => stateWith([inc]), now: () => T0 });
  try {
    await h.say(OPERATOR, '/incidents');
    await h.say(STRANGER, '/status');
    await h.say(STRANGER, '/help');
    await h.waitForChat(3);
    assert.match(h.chat()[0]!.text, /^📋 <b>Incidents<\/b>\n<b>Open incidents<\/b>\n• INC-0001 \[critical\] awaiting decision/);
    assert.equal(h.chat()[1]!.text, '🚫 Sorry, you are not allowed to use this command. The attempt has been recorded.');
    assert.match(h.chat()[2]!.text, /^🛡 <b>turtle-sentinel commands<\/b>/);
    assert.equal(await h.press(OPERATOR, 'details', 'INC-0001', 'n0nce-AAAA1111'), 'Sending the details.');
    await h.waitForChat(4);
    assert.match(h.chat()[3]!.plain, /^🔎 Details INC-0001\nrule: repeated-failures/);
    assert.match(h.chat()[3]!.plain, /KeyError: 'units' <in position_tracker.py & friends>/, 'log text arrives unescaped for the reader');
    assert.equal(
      await h.press(STRANGER, 'details', 'INC-0001', 'n0nce-AAAA1111'),
      'Sorry, you are not allowed to do this. The attempt has been recorded.',
    );
    assert.equal(h.events.length, 0, 'reading is not a decision');
  } finally {
    await h.close();
  }
});

test('/reload runs outside the handler and reports its outcome', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const h = await startTelegramHarness({
    reload: async () => {
      await gate;
      return { ok: false, errors: ['rules/cron.yaml:3:5: rules.0.grace: expected a duration such as 90s, 10m, 2h or 1d'] };
    },
  });
  try {
    await h.say(OPERATOR, '/reload');
    // The handler returned (the update was taken) while the reload is still running.
    await h.waitForChat(1);
    assert.equal(h.chat()[0]!.text, '🔄 Reloading the rules…');
    await h.say(OPERATOR, '/help');
    await h.waitForChat(2);
    release();
    await h.waitForChat(3);
    assert.equal(
      h.chat()[2]!.text,
      '⚠️ The new rules do not load; the last good rules stay in force:\n<pre>rules/cron.yaml:3:5: rules.0.grace: expected a duration such as 90s, 10m, 2h or 1d</pre>',
    );
  } finally {
    await h.close();
  }
});

test('polling survives Telegram being unreachable and picks up presses made meanwhile', async () => {
  const inc = awaiting();
  const h = await startTelegramHarness({ state: () => stateWith([inc]) });
  try {
    await h.server.outage('refuse');
    await new Promise((r) => setTimeout(r, 300));
    const queryId = h.server.injectCallback({ from: OPERATOR, chatId: OPERATOR_CHAT, data: 'v:INC-0001:n0nce-AAAA1111' });
    await h.server.restore();
    const answer = await h.server.waitForAnswer(queryId, 5000);
    assert.equal(answer.text, 'Veto received; the result follows in the chat.');
    const [event] = await h.waitForEvents(1);
    assert.deepEqual(event!.command, { kind: 'veto', incidentId: 'INC-0001', nonce: 'n0nce-AAAA1111' });
  } finally {
    await h.close();
  }
});

test('an update handled before a restart is not handled again after it', async () => {
  const h = await startTelegramHarness({ state: () => stateWith([awaiting()]) });
  await h.say(OPERATOR, '/approve INC-0001');
  await h.waitForEvents(1);
  await h.drained();
  const h2 = await h.restart();
  try {
    await h2.say(OPERATOR, '/veto INC-0001');
    await h2.waitForEvents(1);
    await h2.drained();
    assert.deepEqual(
      h2.events.map((e) => e.command.kind),
      ['veto'],
      'the earlier /approve is not replayed',
    );
    assert.equal(h2.chat().length, 2);
  } finally {
    await h2.close();
  }
});

test('with forwardForeignChat, presses from another chat reach the core (which knows the chat) to be journaled as refused', async () => {
  const h = await startTelegramHarness({ state: () => stateWith([awaiting()]), tuning: { forwardForeignChat: true } });
  try {
    assert.equal(
      await h.press(OPERATOR, 'approve', 'INC-0001', 'n0nce-AAAA1111', { chatId: FOREIGN_CHAT }),
      'Sorry, this bot only works in its configured operator chat.',
    );
    await h.say(OPERATOR, '/veto 1', { chatId: FOREIGN_CHAT });
    const events = await h.waitForEvents(2);
    assert.deepEqual(
      events.map((e) => [e.command.kind, e.by.chatId]),
      [
        ['approve', FOREIGN_CHAT],
        ['veto', FOREIGN_CHAT],
      ],
    );
    assert.equal(h.chat().length, 0, 'nothing is said in the operator chat');
  } finally {
    await h.close();
  }
});

test('a press on buttons older than telegram.buttonExpiry is answered as expired (and the core decides)', async () => {
  let now = T0 + 5 * 60_000;
  const h = await startTelegramHarness({ state: () => stateWith([awaiting()]), now: () => now, tuning: { buttonExpiryMs: 60 * 60_000 } });
  try {
    assert.equal(await h.press(OPERATOR, 'veto', 'INC-0001', 'n0nce-AAAA1111'), 'Veto received; the result follows in the chat.');
    now = T0 + 61 * 60_000;
    assert.equal(await h.press(OPERATOR, 'veto', 'INC-0001', 'n0nce-AAAA1111'), 'This button has expired; use /approve or /veto instead.');
    assert.equal((await h.waitForEvents(2)).length, 2);
  } finally {
    await h.close();
  }
});
