// /metrics shows when the last digest went out (from the core state) and the heartbeat's counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttp } from '../src/adapters/http.ts';
import { initialState } from '../src/core/step.ts';

test('/metrics: the last digest time, and heartbeat pings by outcome with the last answered one', async () => {
  const state = { ...initialState(1_000), digest: { scheduledFor: 1_772_578_800_000, sentAt: 1_772_578_801_000, tallies: {} } };
  const http = await startHttp({
    host: '127.0.0.1',
    port: 0,
    state: () => state,
    now: () => 2_000,
    heartbeat: () => ({ sent: 7, failed: 2, skipped: 1, lastSentAt: 1_772_578_900_000 }),
  });
  try {
    const text = await (await fetch(`http://127.0.0.1:${http.port}/metrics`)).text();
    const lines = text.split('\n').filter((l) => !l.startsWith('#'));
    assert.ok(lines.includes('sentinel_digest_last_sent_timestamp_seconds 1772578801'), text);
    assert.ok(lines.includes('sentinel_heartbeat_pings_total{outcome="sent"} 7'), text);
    assert.ok(lines.includes('sentinel_heartbeat_pings_total{outcome="failed"} 2'), text);
    assert.ok(lines.includes('sentinel_heartbeat_pings_total{outcome="skipped"} 1'), text);
    assert.ok(lines.includes('sentinel_heartbeat_last_sent_timestamp_seconds 1772578900'), text);
  } finally {
    await http.close();
  }
});
