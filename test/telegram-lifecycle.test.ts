// The Telegram adapter wired to the real event loop and core: an alert asks for a decision in the
// chat, a stranger's press is refused, the operator's press runs the rollback exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../src/config/schema.ts';
import type { EventLoop } from '../src/runtime/event-loop.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';
import { OPERATOR, OPERATOR_CHAT, STRANGER, startTelegramHarness } from './fakes/telegram-harness.ts';
import { cronDownRule, cronGoesDown, openStoryLoop, recordingActions } from './helpers/telegram-story.ts';

const T0 = Date.parse('2026-03-03T01:00:00Z');

test('alert → Approve in Telegram → the rollback is requested once; a stranger and a second press are refused', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'sentinel-lifecycle-'));
  let now = T0;
  const executed: string[] = [];
  const actions = recordingActions(executed);
  const rule = cronDownRule({ policy: 'required' });
  const config = configSchema.parse({ deployment: { root: '.' }, telegram: { allowedUserIds: [OPERATOR.id] } });
  const base = stepContextOf(config, [rule], {});
  const context = { ...base, policy: { ...base.policy, chatId: OPERATOR_CHAT } };

  let loop!: EventLoop;
  const h = await startTelegramHarness({
    submit: (e) => loop.submit(e),
    state: () => loop.state(),
    rules: () => loop.context().rules,
    now: () => now,
  });
  try {
    loop = await openStoryLoop(() => now, { stateDir, notifier: h.notifier, context, actions });

    await cronGoesDown(loop, now);
    now += 3 * 60_000;
    await loop.submit({ kind: 'tick', now });
    await h.server.waitFor(() => h.chat().some((m) => m.keyboard), 5000, 'the decision request in the chat');
    const request = h.chat().find((m) => m.keyboard)!;
    const approveData = request.keyboard![0]![0]!.callback_data;
    assert.match(request.plain, /^🗳 Decision needed INC-0001: rollback\n/);
    assert.match(request.plain, /\n1\. back up positions\.json\n2\. recreate turtle-cron from sha256:v320\n/);

    assert.equal(await h.pressButton(STRANGER, '✅ Approve'), 'Sorry, you are not allowed to do this. The attempt has been recorded.');
    await h.server.waitFor(
      () => h.chat().some((m) => m.plain.startsWith('🚫 Request refused INC-0001 — Stranger (999)')),
      5000,
      'the refusal in the chat',
    );
    assert.deepEqual(executed, []);

    assert.equal(await h.pressButton(OPERATOR, '✅ Approve'), 'Approval received; the result follows in the chat.');
    await h.server.waitFor(() => executed.length === 1, 5000, 'the execution');
    await h.server.waitFor(
      () => h.chat().some((m) => m.plain.startsWith('✅ Approved INC-0001: rollback — @ops_oncall (111)')),
      5000,
      'the approval in the chat',
    );
    await h.server.waitFor(() => h.chat().some((m) => m.plain.startsWith('▶️ Execution started INC-0001')), 5000, 'the start in the chat');
    assert.equal(h.chat().find((m) => m.messageId === request.messageId)!.keyboard, undefined, 'the decided request lost its buttons');

    // The same button again: the core refuses, nothing runs twice.
    await h.pressData(OPERATOR, approveData, { messageId: request.messageId });
    await h.server.waitFor(
      () => h.chat().filter((m) => m.plain.startsWith('🚫 Request refused INC-0001')).length === 2,
      5000,
      'the second refusal',
    );
    assert.deepEqual(executed, ['INC-0001']);
    await loop.close();
  } finally {
    await h.close();
    await rm(stateDir, { recursive: true, force: true });
  }
});
