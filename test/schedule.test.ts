// Tests of fire-time computation: the real v3.2.x schedules in Asia/Seoul and Vixie cron semantics.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCrontab } from '../src/core/crontab.ts';
import { MAX_FIRE_TIMES, fireTimesBetween, formatInZone, nextFire, previousFire } from '../src/core/schedule.ts';

const z = (iso: string): number => Date.parse(iso);
const iso = (ms: number[]): string[] => ms.map((t) => new Date(t).toISOString());
const SEOUL = 'Asia/Seoul';
const job = (schedule: string, timezone = SEOUL) => ({ schedule, timezone });

describe('the v3.2.1 schedule in Asia/Seoul', () => {
  const jobs = parseCrontab(readFileSync(new URL('./fixtures/crontab-v3.2.1', import.meta.url), 'utf8'), {
    defaultTimezone: SEOUL,
    containerLogsDir: '/app/logs',
  }).jobs;
  const kr = jobs.find((j) => j.id === 'check_kr.log')!;
  const us = jobs.find((j) => j.id === 'check_us.log')!;

  it('check_kr fires at 16:00 KST = 07:00Z, Monday to Friday', () => {
    // Week of Mon 2026-02-23.
    assert.deepEqual(iso(fireTimesBetween(kr, z('2026-02-22T00:00:00Z'), z('2026-03-01T23:59:59Z'))), [
      '2026-02-23T07:00:00.000Z',
      '2026-02-24T07:00:00.000Z',
      '2026-02-25T07:00:00.000Z',
      '2026-02-26T07:00:00.000Z',
      '2026-02-27T07:00:00.000Z',
    ]);
  });

  it('check_us fires at 07:00 KST Tuesday to Saturday, the previous UTC day at 22:00', () => {
    assert.deepEqual(iso(fireTimesBetween(us, z('2026-02-22T00:00:00Z'), z('2026-03-01T23:59:59Z'))), [
      '2026-02-23T22:00:00.000Z', // Tue 07:00 KST
      '2026-02-24T22:00:00.000Z',
      '2026-02-25T22:00:00.000Z',
      '2026-02-26T22:00:00.000Z',
      '2026-02-27T22:00:00.000Z', // Sat 07:00 KST
    ]);
  });

  it('fires on holidays: cron knows no calendar (Seollal, 16–18 Feb 2026)', () => {
    const fires = iso(fireTimesBetween(kr, z('2026-02-15T00:00:00Z'), z('2026-02-18T23:00:00Z')));
    assert.deepEqual(fires, ['2026-02-16T07:00:00.000Z', '2026-02-17T07:00:00.000Z', '2026-02-18T07:00:00.000Z']);
  });

  it('previousFire includes an exact fire time; nextFire is strictly after', () => {
    assert.equal(previousFire(kr, z('2026-02-23T07:00:00Z')), z('2026-02-23T07:00:00Z'));
    assert.equal(previousFire(kr, z('2026-02-23T06:59:59.999Z')), z('2026-02-20T07:00:00Z'), 'Friday before, not the weekend');
    assert.equal(nextFire(kr, z('2026-02-23T07:00:00Z')), z('2026-02-24T07:00:00Z'));
    assert.equal(nextFire(kr, z('2026-02-27T07:00:00.001Z')), z('2026-03-02T07:00:00Z'));
  });

  it('counts fires in (from, to]: an exact start is excluded, an exact end included', () => {
    assert.deepEqual(iso(fireTimesBetween(kr, z('2026-02-23T07:00:00Z'), z('2026-02-24T07:00:00Z'))), ['2026-02-24T07:00:00.000Z']);
  });
});

describe('Vixie/Debian cron semantics', () => {
  it('ORs day-of-month and day-of-week when both are restricted', () => {
    // 1st and 15th of the month, or any Monday (March 2026: Mondays are 2, 9, 16, 23, 30).
    const fires = fireTimesBetween(job('0 12 1,15 * 1', 'UTC'), z('2026-03-01T00:00:00Z'), z('2026-03-31T23:59:59Z'));
    assert.deepEqual(
      fires.map((t) => new Date(t).getUTCDate()),
      [1, 2, 9, 15, 16, 23, 30],
    );
  });

  it('ANDs them when one field starts with * (even */10), unlike croner by default', () => {
    // Days 1, 11, 21, 31 that are also Mondays, counted day by day without any cron library.
    const expected: string[] = [];
    for (let t = z('2026-01-01T00:00:00Z'); t < z('2027-01-01T00:00:00Z'); t += 86_400_000) {
      const d = new Date(t);
      if ([1, 11, 21, 31].includes(d.getUTCDate()) && d.getUTCDay() === 1) expected.push(d.toISOString());
    }
    const fires = fireTimesBetween(job('0 0 */10 * 1', 'UTC'), z('2026-01-01T00:00:00Z'), z('2026-12-31T23:59:59Z'));
    assert.deepEqual(iso(fires), expected);
    assert.equal(expected.length, 5);
  });

  it('takes day-of-week 7 as Sunday', () => {
    assert.equal(nextFire(job('0 3 * * 7'), z('2026-02-23T00:00:00Z')), z('2026-02-28T18:00:00Z')); // Sun 03:00 KST
  });

  it('expands @daily in the job zone and gives @reboot no calendar times', () => {
    assert.equal(nextFire(job('@daily'), z('2026-02-23T07:00:00Z')), z('2026-02-23T15:00:00Z'));
    assert.equal(nextFire(job('@reboot'), z('2026-02-23T07:00:00Z')), undefined);
    assert.equal(previousFire(job('@reboot'), z('2026-02-23T07:00:00Z')), undefined);
    assert.deepEqual(fireTimesBetween(job('@reboot'), 0, z('2030-01-01T00:00:00Z')), []);
  });

  it('handles a leading seconds field', () => {
    assert.deepEqual(iso(fireTimesBetween(job('*/20 * * * * *'), z('2026-02-23T07:00:00.500Z'), z('2026-02-23T07:01:00Z'))), [
      '2026-02-23T07:00:20.000Z',
      '2026-02-23T07:00:40.000Z',
      '2026-02-23T07:01:00.000Z',
    ]);
  });

  it('runs a fixed-time job once on a DST spring-forward day, after the gap', () => {
    // 2026-03-08 02:30 does not exist in New York; Vixie cron runs such a job right after the gap.
    const fires = fireTimesBetween(job('30 2 * * *', 'America/New_York'), z('2026-03-07T12:00:00Z'), z('2026-03-09T12:00:00Z'));
    assert.equal(fires.length, 2);
    assert.equal(fires[0], z('2026-03-08T07:00:00Z')); // 03:00 EDT
    assert.equal(fires[1], z('2026-03-09T06:30:00Z')); // 02:30 EDT
  });

  it('bounds the number of fire times', () => {
    const fires = fireTimesBetween(job('* * * * * *'), 0, z('2030-01-01T00:00:00Z'));
    assert.equal(fires.length, MAX_FIRE_TIMES);
    assert.equal(fireTimesBetween(job('* * * * *'), 0, z('2030-01-01T00:00:00Z'), 3).length, 3);
  });

  it('answers undefined for an unusable schedule instead of throwing', () => {
    assert.equal(nextFire(job('not a schedule'), 0), undefined);
    assert.equal(nextFire(job('0 16 * * 1-5', 'Nowhere/Land'), 0), undefined);
  });
});

describe('formatInZone', () => {
  it('shows the wall clock of the zone with its offset', () => {
    assert.equal(formatInZone(z('2026-02-23T07:00:00Z'), SEOUL), '2026-02-23T16:00:00+09:00');
    assert.equal(formatInZone(z('2026-02-23T22:00:00Z'), SEOUL), '2026-02-24T07:00:00+09:00');
    assert.equal(formatInZone(z('2026-07-01T12:00:00Z'), 'America/New_York'), '2026-07-01T08:00:00-04:00');
    assert.equal(formatInZone(z('2026-07-01T12:00:00Z'), 'UTC'), '2026-07-01T12:00:00Z');
    assert.equal(formatInZone(z('2026-07-01T12:00:00Z'), 'Asia/Kolkata'), '2026-07-01T17:30:00+05:30');
  });
});
