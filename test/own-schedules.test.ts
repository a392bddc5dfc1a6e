// The sidecar's own schedules on a fake clock: node:test's mock timers (setTimeout and Date) drive the
// real node-cron adapter, so the digest fires at its cron time in its zone without waiting for it; the
// wired event loop turns each fire into one digest at the notifier, once per fire time across restarts.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/adapters/logger.ts';
import { createNodeCronScheduler } from '../src/adapters/node-cron-scheduler.ts';
import { configSchema, type Config } from '../src/config/schema.ts';
import type { Event, Notice } from '../src/core/types.ts';
import { openEventLoop } from '../src/runtime/event-loop.ts';
import { startOwnSchedules } from '../src/runtime/own-schedules.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';

const kst = (date: string, hms: string) => Date.parse(`${date}T${hms}+09:00`);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HEALTHY = () => ({ ok: true, sources: [], failing: [] });

function schedulesOf(input: Record<string, unknown>): Config['schedules'] {
  return configSchema.parse({ deployment: { root: '.' }, schedules: input }).schedules;
}

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', secrets: [], write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** Let promise chains woken by a fired timer run to their end (immediates are not mocked). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Move the mocked clock forward in steps, so every timer node-cron re-arms on the way fires in order. */
async function advance(ms: number, step = 60_000) {
  for (let left = ms; left > 0; left -= step) {
    mock.timers.tick(Math.min(step, left));
    await settle();
  }
}

test('node-cron fires the digest at 08:00 Seoul time with the fire time it answers; re-armed only when the expression changes; off when disabled', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: kst('2026-03-03', '07:59:30') });
  t.after(() => mock.timers.reset());
  const events: Event[] = [];
  const log = capturedLogger();
  const own = startOwnSchedules({
    scheduler: createNodeCronScheduler(log.logger),
    schedules: schedulesOf({}),
    env: {},
    clock: { now: () => Date.now() },
    logger: log.logger,
    submit: async (event) => void events.push(event),
    health: HEALTHY,
  });
  try {
    // At start: the last fire time (yesterday 08:00) is offered to the core, which decides whether it was missed.
    assert.deepEqual(events, [{ kind: 'digest-due', scheduledFor: kst('2026-03-02', '08:00:00'), at: kst('2026-03-03', '07:59:30') }]);
    assert.deepEqual(own.nextRuns(), { digest: kst('2026-03-03', '08:00:00') });
    assert.ok(
      log.lines.some((l) => l.msg === 'heartbeat off: its URL variable is unset or empty' && l.urlEnv === 'SENTINEL_HEARTBEAT_URL'),
    );

    await advance(30_000);
    assert.deepEqual(events.slice(1), [
      { kind: 'digest-due', scheduledFor: kst('2026-03-03', '08:00:00'), at: kst('2026-03-03', '08:00:00') },
    ]);
    await advance(DAY - 60_000, DAY);
    assert.equal(events.length, 2, 'nothing between two fire times');
    await advance(kst('2026-03-04', '08:00:00') - Date.now(), DAY);
    assert.deepEqual(
      events.slice(2).map((e) => (e.kind === 'digest-due' ? e.scheduledFor : -1)),
      [kst('2026-03-04', '08:00:00')],
    );

    // The same expressions again (a reload that changed something else): not re-armed.
    const armedBefore = log.lines.filter((l) => l.msg === 'daily digest scheduled').length;
    own.reconfigure(schedulesOf({}));
    assert.equal(log.lines.filter((l) => l.msg === 'daily digest scheduled').length, armedBefore);

    // A new expression: re-armed, the old time no longer fires.
    own.reconfigure(schedulesOf({ digest: { cron: '30 7 * * *' } }));
    assert.deepEqual(own.nextRuns(), { digest: kst('2026-03-05', '07:30:00') });
    await advance(kst('2026-03-05', '07:30:00') - Date.now(), DAY);
    await advance(HOUR, HOUR);
    assert.deepEqual(
      events.slice(3).map((e) => (e.kind === 'digest-due' ? e.scheduledFor : -1)),
      [kst('2026-03-05', '07:30:00')],
    );

    // Disabled: nothing fires.
    own.reconfigure(schedulesOf({ digest: { enabled: false, cron: '30 7 * * *' } }));
    assert.deepEqual(own.nextRuns(), {});
    await advance(2 * DAY, HOUR);
    assert.equal(events.length, 4);
  } finally {
    own.stop();
  }
});

test('a 6-field expression fires every second, in the configured zone; stop() ends it', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.UTC(2026, 2, 3, 0, 0, 0, 400) });
  t.after(() => mock.timers.reset());
  const fired: number[] = [];
  const log = capturedLogger();
  const job = createNodeCronScheduler(log.logger).every('digest', '* * * * * *', 'UTC', (at) => void fired.push(at));
  await advance(3_000, 200);
  assert.deepEqual(fired, [Date.UTC(2026, 2, 3, 0, 0, 1), Date.UTC(2026, 2, 3, 0, 0, 2), Date.UTC(2026, 2, 3, 0, 0, 3)]);
  job.stop();
  await advance(3_000, 200);
  assert.equal(fired.length, 3);
  assert.equal(job.nextRun(), undefined);
});

test('wired to the event loop: the digest reaches the notifier at its fire time, once; a restart neither repeats it nor loses a missed one', async (t) => {
  const start = kst('2026-03-03', '07:59:50');
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: start });
  t.after(() => mock.timers.reset());
  const stateDir = mkdtempSync(join(tmpdir(), 'sentinel-own-schedules-'));
  const delivered: { key: string; notice: Notice }[] = [];
  const notifier = { deliver: async (key: string, notice: Notice) => void delivered.push({ key, notice }), close: async () => {} };
  const log = capturedLogger();
  const config = configSchema.parse({ deployment: { root: '.' } });
  const clock = { now: () => Date.now() };

  const boot = async () => {
    const opened = await openEventLoop({ stateDir, clock, notifier, logger: log.logger, context: stepContextOf(config, [], {}) });
    assert.ok(opened.ok, opened.ok ? '' : opened.error);
    const own = startOwnSchedules({
      scheduler: createNodeCronScheduler(log.logger),
      schedules: config.schedules,
      env: {},
      clock,
      logger: log.logger,
      submit: (event) => opened.loop.submit(event),
      health: HEALTHY,
    });
    await settle();
    return {
      loop: opened.loop,
      shutdown: async () => {
        own.stop();
        await opened.loop.close();
      },
    };
  };
  const digests = () => delivered.filter((d) => d.notice.kind === 'digest');

  let daemon = await boot();
  assert.deepEqual(digests(), [], "yesterday's 08:00 came before watching began: no digest for it");
  await advance(10_000, 1_000);
  assert.deepEqual(
    digests().map((d) => d.key),
    [`digest|${kst('2026-03-03', '08:00:00')}`],
  );
  const first = digests()[0]!.notice;
  assert.ok(first.kind === 'digest');
  assert.equal(first.digest.sinceWatchStart, true);
  assert.equal(first.digest.since, start);

  // Restart at 10:00: today's digest was sent; the catch-up at start does not send it again.
  await daemon.shutdown();
  await advance(2 * HOUR);
  daemon = await boot();
  assert.equal(digests().length, 1);

  // The next day at 08:00: one more, counting from the first.
  await advance(22 * HOUR);
  assert.deepEqual(
    digests().map((d) => d.key),
    [`digest|${kst('2026-03-03', '08:00:00')}`, `digest|${kst('2026-03-04', '08:00:00')}`],
  );
  const second = digests()[1]!.notice;
  assert.ok(second.kind === 'digest');
  assert.equal(second.digest.since, kst('2026-03-03', '08:00:00'));

  // Down from 07:00 to 09:00 the day after: the 08:00 digest is sent at start, late, and says so.
  await advance(23 * HOUR);
  await daemon.shutdown();
  await advance(2 * HOUR);
  daemon = await boot();
  const late = digests()[2]!.notice;
  assert.ok(late.kind === 'digest');
  assert.equal(late.digest.scheduledFor, kst('2026-03-05', '08:00:00'));
  assert.equal(late.digest.composedAt, kst('2026-03-05', '09:00:00'));
  await daemon.shutdown();
  assert.equal(digests().length, 3);
});
