// retry.ts on a fake clock: the backoff grows and caps, a server's retry_after is obeyed, an abort
// ends a sleep at once, and a failure streak is logged at its start, on change and every tenth time.
import assert from 'node:assert/strict';
import test from 'node:test';
import { backoffDelay, FailureStreak, sleep } from '../src/adapters/retry.ts';
import { FakeClock } from './helpers/fake-clock.ts';

const backoff = { baseMs: 1000, maxMs: 60_000 };

test('the backoff doubles from its base and stops at its cap', () => {
  const delays = Array.from({ length: 9 }, (_, i) => backoffDelay(i + 1, backoff));
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  // A streak long enough to overflow 2^n still waits the cap, never Infinity or NaN.
  assert.equal(backoffDelay(10_000, backoff), 60_000);
});

test("a server's retry_after is obeyed as it is, whatever the streak", () => {
  assert.equal(backoffDelay(1, backoff, 3000), 3000);
  assert.equal(backoffDelay(7, backoff, 500), 500);
  assert.equal(backoffDelay(7, backoff, 120_000), 120_000);
});

test('a sleep ends when the clock reaches it, not before', async () => {
  const clock = new FakeClock(1000);
  let woke = false;
  const slept = sleep(4000, undefined, clock).then(() => (woke = true));
  await clock.advance(3999);
  assert.equal(woke, false);
  await clock.advance(1);
  await slept;
  assert.equal(woke, true);
  assert.equal(clock.now(), 5000);
});

test('an abort ends a sleep at once and leaves no timer behind; an aborted signal does not sleep at all', async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  let woke = false;
  const slept = sleep(60_000, stop.signal, clock).then(() => (woke = true));
  assert.deepEqual(clock.pendingDelays(), [60_000]);
  stop.abort();
  await slept;
  assert.equal(woke, true);
  assert.equal(clock.now(), 0);
  assert.deepEqual(clock.pendingDelays(), []);
  await sleep(60_000, stop.signal, clock);
  assert.deepEqual(clock.pendingDelays(), []);
});

test('a retry loop on the fake clock waits the growing delays in order', async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  const waits: number[] = [];
  const loop = (async () => {
    for (let failures = 1; !stop.signal.aborted; failures++) {
      const started = clock.now();
      await sleep(backoffDelay(failures, { baseMs: 100, maxMs: 500 }), stop.signal, clock);
      if (!stop.signal.aborted) waits.push(clock.now() - started);
    }
  })();
  await clock.advance(100 + 200 + 400 + 500 + 500);
  stop.abort();
  await loop;
  assert.deepEqual(waits, [100, 200, 400, 500, 500]);
});

test('a failure streak is logged at its first failure, when the error changes and every tenth failure', () => {
  const streak = new FailureStreak();
  const logged: number[] = [];
  for (let i = 1; i <= 25; i++) if (streak.fail(i >= 15 && i <= 16 ? 'timeout' : 'refused')) logged.push(i);
  assert.deepEqual(logged, [1, 10, 15, 17, 20]);
  assert.equal(streak.failures, 25);
  // The end of a streak says how long it was, once; a new streak is logged again from its start.
  assert.equal(streak.end(), 25);
  assert.equal(streak.end(), 0);
  assert.equal(streak.fail('refused'), true);
  assert.equal(streak.fail('refused'), false);
  assert.equal(streak.failures, 2);
});
