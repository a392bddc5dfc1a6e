// Backlog stamps are timed in the running release's log zone (catalogue `logZone`: KST from v3.4.0, UTC
// under Debian cron before) instead of guessing; an operator's configured zone still wins, and `auto`
// (learn an offset, else UTC) stays the fallback without a recognised release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logZoneInForce } from '../src/core/log-clock.ts';
import { applyLogLines, emptyRunsState } from '../src/core/runs.ts';
import type { LogLine } from '../src/core/types.ts';
import { V320, V391 } from './helpers/releases.ts';

/** A repair logged by monitor_positions at 10:05:01 KST (01:05:01 UTC), read later as backlog. */
const REPAIR: LogLine = {
  file: 'monitor.log',
  text: '2026-03-12 10:05:01,000 - src.utils - CRITICAL - JSON 파일 손상: data/positions/positions.json - Expecting value',
  observedAt: Date.parse('2026-03-12T06:00:00Z'),
  live: false,
};

function repairAt(zone: string): number {
  const { marks } = applyLogLines(emptyRunsState(), [REPAIR], {
    jobsByLogFile: {},
    profiles: {},
    errorPatterns: [],
    logTimestampZone: zone,
  });
  assert.equal(marks.length, 1);
  return marks[0]!.at;
}

test("the zone in force: configured, else the release's, else auto", () => {
  assert.equal(logZoneInForce('auto', V391.logZone), 'Asia/Seoul');
  assert.equal(logZoneInForce('auto', V320.logZone), 'UTC');
  assert.equal(logZoneInForce('UTC', V391.logZone), 'UTC');
  assert.equal(logZoneInForce('auto', undefined), 'auto');
});

test('a v3.9.1 backlog line is timed in KST; without the release it would be read as UTC, nine hours off', () => {
  assert.equal(repairAt(logZoneInForce('auto', V391.logZone)), Date.parse('2026-03-12T01:05:01Z'));
  assert.equal(repairAt(logZoneInForce('auto', undefined)), Date.parse('2026-03-12T10:05:01Z'));
});
