// The durable outbox against the real telegraf client and a loopback Bot API server: order, 429
// retry_after, permanent failures skipped, outages (short real ones and a simulated 10 minutes),
// and restarts with messages still queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTelegramApi } from '../src/adapters/telegram/api.ts';
import { openOutbox, type Outbox, type OutboxOptions, type OutboxTimers } from '../src/adapters/telegram/outbox.ts';
import { startBotApiServer, type BotApiServer } from './fakes/bot-api-server.ts';
import { OPERATOR_CHAT, TEST_TOKEN } from './fakes/telegram-harness.ts';

const FAST = { backoff: { baseMs: 20, maxMs: 200 }, minIntervalMs: 0, requestTimeoutMs: 1000, closeTimeoutMs: 300 };

async function setup(): Promise<{ server: BotApiServer; dir: string; cleanup: () => Promise<void> }> {
  const server = await startBotApiServer({ token: TEST_TOKEN });
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-outbox-'));
  return { server, dir, cleanup: async () => (await server.close(), await rm(dir, { recursive: true, force: true })) };
}

function open(server: BotApiServer, dir: string, extra: Partial<OutboxOptions> = {}): Outbox {
  const api = createTelegramApi({ token: server.token, apiRoot: server.apiRoot });
  const r = openOutbox({ dir, api, ...FAST, ...extra });
  if (!r.ok) throw new Error(r.error);
  return r.outbox;
}

const send = (outbox: Outbox, key: string, html = key) => {
  const r = outbox.enqueue(key, { op: 'send', chatId: OPERATOR_CHAT, html });
  assert.ok(r.ok, `enqueue ${key}`);
  return r;
};

const texts = (server: BotApiServer) => server.chat(OPERATOR_CHAT).map((m) => m.text);

test('messages go out in order, once per key', async () => {
  const { server, dir, cleanup } = await setup();
  const outbox = open(server, dir);
  try {
    for (let i = 1; i <= 8; i++) send(outbox, `m${i}`);
    const again = send(outbox, 'm3', 'a different text under the same key');
    assert.equal(again.ok && again.duplicate, true);
    assert.equal(await outbox.drained(5000), true);
    assert.deepEqual(texts(server), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    assert.equal(send(outbox, 'm8').ok && outbox.has('m8'), true);
    assert.deepEqual(outbox.stats(), { pending: 0, delivered: 8, failed: 0, attempts: 0 });
  } finally {
    await outbox.close();
    await cleanup();
  }
});

test('a 429 storm: every retry waits the retry_after Telegram asked for, and order holds', async () => {
  const { server, dir, cleanup } = await setup();
  const outbox = open(server, dir);
  try {
    server.rateLimit({ retryAfter: 1, count: 2 });
    send(outbox, 'first');
    send(outbox, 'second');
    assert.equal(await outbox.drained(8000), true);
    const sends = server.requests.filter((r) => r.method === 'sendMessage');
    assert.deepEqual(
      sends.map((r) => r.status),
      [429, 429, 200, 200],
    );
    // The gaps the server saw after each 429: at least retry_after (1 s), and not much more.
    for (const i of [0, 1]) {
      const gap = sends[i + 1]!.at - sends[i]!.at;
      assert.ok(gap >= 995 && gap < 1600, `gap after 429 #${i + 1} was ${gap.toFixed(0)} ms`);
    }
    assert.deepEqual(texts(server), ['first', 'second']);
  } finally {
    await outbox.close();
    await cleanup();
  }
});

test('a message Telegram refuses for good is recorded and skipped; markup it cannot parse is sent as plain text', async () => {
  const { server, dir, cleanup } = await setup();
  const outbox = open(server, dir);
  try {
    server.rejectWhen((method, body) => {
      if (method !== 'sendMessage') return undefined;
      const text = String(body.text);
      if (text.includes('POISON')) return 'Bad Request: chat not found';
      if (text.includes('ODD') && body.parse_mode === 'HTML')
        return 'Bad Request: can\'t parse entities: unsupported start tag "odd" at byte offset 0';
      return undefined;
    });
    send(outbox, 'a', 'before');
    send(outbox, 'p', 'POISON');
    send(outbox, 'o', '<b>ODD</b> &amp; plain');
    send(outbox, 'b', 'after');
    assert.equal(await outbox.drained(5000), true);
    assert.deepEqual(texts(server), ['before', 'ODD & plain', 'after']);
    assert.equal(server.chat(OPERATOR_CHAT)[1]!.parseMode, undefined);
    assert.equal(outbox.stats().failed, 1);
    const journal = readFileSync(join(dir, 'outbox.jsonl'), 'utf8');
    assert.match(journal, /"t":"failed","seq":2,.*"error":"400: Bad Request: chat not found"/);
  } finally {
    await outbox.close();
    await cleanup();
  }
});

for (const mode of ['refuse', 'reset', '502', 'hang'] as const) {
  test(`an outage (${mode}) never blocks the caller; afterwards every message is delivered once, in order`, async () => {
    const { server, dir, cleanup } = await setup();
    const outbox = open(server, dir, { requestTimeoutMs: 300 });
    try {
      send(outbox, 'before');
      assert.equal(await outbox.drained(5000), true);
      await server.outage(mode);
      const started = performance.now();
      for (let i = 1; i <= 20; i++) send(outbox, `during-${i}`);
      const enqueueMs = performance.now() - started;
      assert.ok(enqueueMs < 1000, `20 enqueues took ${enqueueMs.toFixed(0)} ms`);
      await new Promise((r) => setTimeout(r, 700));
      assert.ok(outbox.stats().attempts >= 2, 'the sender kept trying during the outage');
      assert.equal(outbox.stats().pending, 20);
      await server.restore();
      assert.equal(await outbox.drained(8000), true);
      assert.deepEqual(texts(server), ['before', ...Array.from({ length: 20 }, (_, i) => `during-${i + 1}`)]);
    } finally {
      await outbox.close();
      await cleanup();
    }
  });
}

test('a 10-minute outage on a simulated clock: backoff doubles up to its 60 s cap, and everything queued meanwhile arrives in order', async () => {
  const { server, dir, cleanup } = await setup();
  const start = Date.UTC(2026, 1, 23, 7, 0, 0);
  let virtual = start;
  const outageEnds = start + 10 * 60_000;
  const delays: number[] = [];
  let outbox!: Outbox;
  let queuedDuringOutage = 0;
  // Each sleep of the sender moves the clock; while the outage lasts, the "detector" keeps queuing
  // one alert per simulated minute, as the event loop would.
  const timers: OutboxTimers = {
    now: () => virtual,
    async sleep(ms) {
      delays.push(ms);
      const before = virtual;
      virtual += ms;
      for (
        let minute = Math.floor((before - start) / 60_000) + 1;
        minute <= Math.floor((virtual - start) / 60_000) && start + minute * 60_000 < outageEnds;
        minute++
      ) {
        send(outbox, `minute-${minute}`);
        queuedDuringOutage += 1;
      }
      if (virtual >= outageEnds) await server.restore();
      await new Promise((r) => setImmediate(r));
    },
  };
  try {
    await server.outage('refuse');
    outbox = open(server, dir, { timers, backoff: { baseMs: 1000, maxMs: 60_000 }, minIntervalMs: 0 });
    send(outbox, 'alert-at-0');
    assert.equal(await outbox.drained(10_000), true);
    assert.equal(queuedDuringOutage, 9);
    assert.deepEqual(texts(server), ['alert-at-0', ...Array.from({ length: 9 }, (_, i) => `minute-${i + 1}`)]);
    // Exponential backoff with its cap, never a busy loop, never a give-up.
    assert.deepEqual(delays.slice(0, 8), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    assert.ok(delays.every((d) => d <= 60_000));
    const firstDelivery = virtual;
    assert.ok(firstDelivery - outageEnds <= 60_000, `delivered ${(firstDelivery - outageEnds) / 1000} s after the outage ended`);
  } finally {
    await outbox.close();
    await cleanup();
  }
});

test('a restart with messages still queued delivers each of them once, in order', async () => {
  const { server, dir, cleanup } = await setup();
  try {
    await server.outage('refuse');
    const first = open(server, dir);
    for (let i = 1; i <= 5; i++) send(first, `queued-${i}`);
    await new Promise((r) => setTimeout(r, 100));
    await first.close();
    // A crash mid-append leaves a torn last line; it was never acknowledged and is ignored.
    appendFileSync(join(dir, 'outbox.jsonl'), '{"t":"enq","seq":99,"key":"torn","at":1,"item":{"op":"se');
    await server.restore();

    const second = open(server, dir);
    assert.equal(second.stats().pending, 5);
    assert.equal(await second.drained(5000), true);
    send(second, 'after-restart');
    assert.equal(await second.drained(5000), true);
    await second.close();

    const third = open(server, dir);
    assert.equal(third.stats().pending, 0);
    assert.equal(send(third, 'queued-3').ok && third.has('queued-3'), true);
    await new Promise((r) => setTimeout(r, 100));
    await third.close();
    assert.deepEqual(texts(server), ['queued-1', 'queued-2', 'queued-3', 'queued-4', 'queued-5', 'after-restart']);
  } finally {
    await cleanup();
  }
});

test('close-buttons edits every sent message of a ref once, even across a restart', async () => {
  const { server, dir, cleanup } = await setup();
  try {
    const first = open(server, dir);
    const keyboard = [[{ text: 'OK', callback_data: 'a:INC-0001:nonce-1234' }]];
    first.enqueue('ask-1', { op: 'send', chatId: OPERATOR_CHAT, html: 'decide <b>now</b>', keyboard, ref: 'decision|INC-0001' });
    first.enqueue('ask-2', { op: 'send', chatId: OPERATOR_CHAT, html: 'still deciding?', keyboard, ref: 'decision|INC-0001' });
    assert.equal(await first.drained(5000), true);
    await first.close();
    const second = open(server, dir);
    second.enqueue('close', { op: 'close-buttons', ref: 'decision|INC-0001', footerHtml: '<i>— approved</i>' });
    second.enqueue('close-again', { op: 'close-buttons', ref: 'decision|INC-0001', footerHtml: '<i>— twice?</i>' });
    assert.equal(await second.drained(5000), true);
    await second.close();
    assert.deepEqual(
      server.chat(OPERATOR_CHAT).map((m) => [m.text, m.keyboard, m.edits]),
      [
        ['decide <b>now</b>\n\n<i>— approved</i>', undefined, 1],
        ['still deciding?\n\n<i>— approved</i>', undefined, 1],
      ],
    );
  } finally {
    await cleanup();
  }
});
