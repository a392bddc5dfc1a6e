// The operator's stories of issue 4, end to end: the real telegraf client against the loopback Bot
// API, the real event loop and core with its durable state, a recording engine. Time is a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../src/config/schema.ts';
import type { EventLoop } from '../src/runtime/event-loop.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';
import { OPERATOR, OPERATOR_CHAT, startTelegramHarness, type TelegramHarness } from './fakes/telegram-harness.ts';
import { cronDownRule, cronGoesDown, openStoryLoop, recordingActions } from './helpers/telegram-story.ts';

const T0 = Date.parse('2026-03-03T01:00:00Z');
const MIN = 60_000;

interface Story {
  h: TelegramHarness;
  loop: () => EventLoop;
  executed: string[];
  clock: { now: number };
  tick(minutes: number): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function story(approval: Record<string, unknown>): Promise<Story> {
  const stateDir = await mkdtemp(join(tmpdir(), 'sentinel-story-'));
  const clock = { now: T0 };
  const executed: string[] = [];
  const actions = recordingActions(executed);
  const rule = cronDownRule(approval);
  const config = configSchema.parse({
    deployment: { root: '.' },
    telegram: { allowedUserIds: [OPERATOR.id], remindBefore: '3m', buttonExpiry: '30m' },
  });
  const context = stepContextOf(config, [rule], {}, OPERATOR_CHAT);
  let loop!: EventLoop;
  const h = await startTelegramHarness({
    submit: (e) => loop.submit(e),
    state: () => loop.state(),
    rules: () => loop.context().rules,
    now: () => clock.now,
    language: 'en',
  });
  const open = async () => {
    loop = await openStoryLoop(() => clock.now, { stateDir, notifier: h.notifier, context, actions });
  };
  await open();
  await cronGoesDown(loop, clock.now);
  const s: Story = {
    h,
    loop: () => loop,
    executed,
    clock,
    async tick(minutes) {
      clock.now += minutes * MIN;
      await loop.submit({ kind: 'tick', now: clock.now });
    },
    async restart() {
      await loop.close();
      await open();
    },
    async close() {
      await loop.close();
      await h.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  await s.tick(3);
  await h.server.waitFor(() => h.chat().some((m) => m.keyboard), 5000, 'the decision request');
  return s;
}

const phase = (s: Story, id = 'INC-0001') =>
  s
    .loop()
    .state()
    .incidents.incidents.find((i) => i.id === id)?.phase;

test('veto: nothing runs and the incident closes as vetoed', async () => {
  const s = await story({ policy: 'veto-window', window: '10m' });
  try {
    assert.equal(await s.h.pressButton(OPERATOR, '⛔ Veto'), 'Veto received; the result follows in the chat.');
    await s.h.server.waitFor(() => phase(s) === 'vetoed', 5000, 'the veto');
    await s.tick(30);
    assert.deepEqual(
      s.executed,
      [],
      s.h
        .chat()
        .map((m) => m.plain)
        .join('\n---\n'),
    );
    await s.h.server.waitFor(
      () => s.h.chat().some((m) => m.plain.includes('Vetoed') && m.plain.includes('INC-0001')),
      5000,
      'the veto in the chat',
    );
  } finally {
    await s.close();
  }
});

test('the veto window runs out: the rollback runs, once', async () => {
  const s = await story({ policy: 'veto-window', window: '10m' });
  try {
    await s.tick(5);
    assert.deepEqual(s.executed, []);
    await s.tick(6);
    await s.h.server.waitFor(() => s.executed.length === 1, 5000, 'the execution');
    await s.tick(1);
    assert.deepEqual(s.executed, ['INC-0001']);
  } finally {
    await s.close();
  }
});

test('required: a reminder, then escalation at the deadline; nothing runs by itself', async () => {
  const s = await story({ policy: 'required', window: '10m' });
  try {
    await s.tick(8);
    await s.h.server.waitFor(() => s.h.chat().some((m) => m.plain.startsWith('⏰')), 5000, 'the reminder');
    await s.tick(3);
    await s.h.server.waitFor(
      () => s.h.chat().some((m) => m.plain.includes('INC-0001') && /escalat/i.test(m.plain)),
      5000,
      'the escalation',
    );
    await s.tick(60);
    assert.deepEqual(s.executed, []);
  } finally {
    await s.close();
  }
});

test('an expired button is refused; the typed command still works for the operator', async () => {
  const s = await story({ policy: 'required', window: '2h' });
  try {
    await s.tick(31);
    await s.h.pressButton(OPERATOR, '✅ Approve');
    await s.h.server.waitFor(() => s.h.chat().some((m) => m.plain.startsWith('🚫 Request refused INC-0001')), 5000, 'the refusal');
    assert.deepEqual(s.executed, []);
    await s.h.say(OPERATOR, '/approve INC-0001');
    await s.h.server.waitFor(() => s.executed.length === 1, 5000, 'the execution');
  } finally {
    await s.close();
  }
});

test('a restart with a pending decision re-announces it and does not execute; the old button is stale', async () => {
  const s = await story({ policy: 'veto-window', window: '10m' });
  try {
    const first = s.h.chat().find((m) => m.keyboard)!;
    const oldApprove = first.keyboard![0]![0]!.callback_data;
    s.clock.now += 20 * MIN; // down past the deadline
    await s.restart();
    await s.h.server
      .waitFor(
        () => s.h.chat().some((m) => m.keyboard && m.plain.startsWith('🗳 Decision needed (again) INC-0001')),
        5000,
        'the re-announcement',
      )
      .catch((err) => {
        throw new Error(
          `${err.message}\nchat:\n${s.h
            .chat()
            .map((m) => `${m.keyboard ? '[kb] ' : ''}${m.plain}`)
            .join('\n---\n')}\nphase: ${JSON.stringify(s.loop().state().incidents.incidents[0])}`,
        );
      });
    await s.tick(30);
    assert.deepEqual(s.executed, [], 'never executed blindly after a restart');
    assert.equal(s.loop().state().incidents.incidents[0]?.decision?.policy, 'required');
    // The first message's Approve button carried the old nonce (its buttons were removed; a stale client may still send it).
    await s.h.pressData(OPERATOR, oldApprove, { messageId: first.messageId });
    await s.h.server.waitFor(() => s.h.chat().some((m) => m.plain.startsWith('🚫 Request refused INC-0001')), 5000, 'the stale refusal');
    assert.deepEqual(s.executed, []);
  } finally {
    await s.close();
  }
});
