// The invariants of reference §6 over hand-made and sample records: the samples pass clean, each
// violation is found with its JSON path, float artefacts trip nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fillIntegrityParams } from '../src/core/rules/fill-integrity.ts';
import { CHECK_INPUTS, orderHhmmss, runInvariant, type FillCheck, type InvariantData } from '../src/core/invariants.ts';
import type { EntryRecord, OrderRecord, PositionRecord } from '../src/core/world.ts';

const load = <T>(name: string) => JSON.parse(readFileSync(new URL(`./fixtures/json/good/${name}`, import.meta.url), 'utf8')) as T;
const PARAMS = fillIntegrityParams.parse({});
const ALL_CHECKS = Object.keys(CHECK_INPUTS) as FillCheck[];

function sample(): Required<InvariantData> & { positions: PositionRecord[]; entries: EntryRecord[]; orderLog: OrderRecord[] } {
  return { positions: load('positions.json'), entries: load('entries.json'), orderLog: load('order_log.json') };
}

function run(check: FillCheck, data: InvariantData, params = PARAMS) {
  const findings = runInvariant(check, data, params);
  assert.ok(findings, `${check} had its inputs`);
  return findings;
}

test('the sample files pass every check, stop-loss included', () => {
  const data = sample();
  for (const check of ALL_CHECKS) assert.deepEqual(run(check, data), [], check);
});

test('a check without its input file returns null, not a guess', () => {
  const { positions } = sample();
  assert.equal(runInvariant('total-shares', { positions }, PARAMS), null);
  assert.equal(runInvariant('order-duplicate-fill', { positions }, PARAMS), null);
  assert.deepEqual(runInvariant('units-range', { positions }, PARAMS), []);
});

test('units-range: below 1, above max_units, above the configured cap', () => {
  const data = sample();
  data.positions[1]!.units = 0;
  data.positions[2]!.units = 5;
  data.positions[3]!.max_units = 6;
  data.positions[3]!.units = 5;
  const findings = run('units-range', data);
  assert.deepEqual(
    findings.map((f) => f.path),
    ['$[1].units', '$[2].units', '$[3].units'],
  );
  assert.equal(findings[1]!.message, '005930.KS_1_LONG_20260212_100512: units 5 is outside 1..4');
  assert.equal(findings[2]!.evidence, 'units=5, max_units=6, configured maxUnits=4');
  assert.equal(run('units-range', data, { ...PARAMS, maxUnits: 6 }).length, 2);
});

test('units-level: units must be pyramid_level + 1', () => {
  const data = sample();
  data.positions[2]!.pyramid_level = 1;
  const [f] = run('units-level', data);
  assert.equal(f!.path, '$[2].units');
  assert.equal(f!.message, '005930.KS_1_LONG_20260212_100512: units 3 should be pyramid_level + 1 = 2');
});

test('total-shares: sum of entries per position, and a position without entries', () => {
  const data = sample();
  data.entries[6]!.shares = 6;
  data.entries = data.entries.filter((e) => e.position_id !== 'TSLA_2_SHORT_20260211_073204');
  const findings = run('total-shares', data);
  assert.deepEqual(
    findings.map((f) => f.path),
    ['$[1].total_shares', '$[2].total_shares'],
  );
  assert.equal(findings[0]!.evidence, 'no entries for it in entries.json');
  assert.equal(findings[1]!.message, '005930.KS_1_LONG_20260212_100512: total_shares 15 differs from the 16 shares of its 3 entries');
});

test('entry-ids: duplicates, ids that do not match the level, gaps, and levels beyond the position', () => {
  const data = sample();
  data.entries.push({ ...data.entries[0]! }); // duplicate QQQ …_0
  data.entries[4]!.entry_id = '005930.KS_1_LONG_20260212_100512_7';
  const findings = run('entry-ids', data);
  assert.deepEqual(
    findings.map((f) => [f.file, f.path]),
    [
      ['entries', '$[4].entry_id'],
      ['entries', '$[7].entry_id'],
    ],
  );
  assert.match(findings[0]!.message, /should be 005930\.KS_1_LONG_20260212_100512_1/);
  assert.match(findings[1]!.message, /appears twice/);

  const gap = sample();
  gap.entries = gap.entries.filter((e) => e.entry_id !== '005930.KS_1_LONG_20260212_100512_1');
  const [g] = run('entry-ids', gap);
  assert.equal(g!.message, 'entries of 005930.KS_1_LONG_20260212_100512 have levels 0, 2, expected 0..2');

  const beyond = sample();
  beyond.positions[3]!.pyramid_level = 1;
  const [b] = run('entry-ids', beyond);
  assert.equal(b!.message, 'entries of 000660.KS_2_LONG_20260213_093318 have levels 0, expected 0..1');
});

test('pyramid-spacing: LONG must rise and SHORT fall by at least 0.5 N, float artefacts tolerated', () => {
  const data = sample();
  // 98400 + 0.5 × 2850 = 99825 exactly: the boundary passes.
  assert.deepEqual(run('pyramid-spacing', data), []);
  data.entries[4]!.entry_price = 99824;
  const [tooClose] = run('pyramid-spacing', data);
  assert.equal(tooClose!.path, '$[4].entry_price');
  assert.equal(
    tooClose!.message,
    '005930.KS_1_LONG_20260212_100512 (LONG): level 1 at 99824 is only 1424 above level 0 at 98400; pyramiding needs ≥ 0.5 N = 1425',
  );

  const falling = sample();
  falling.entries[6]!.entry_price = 99000;
  const [f] = run('pyramid-spacing', falling);
  assert.match(f!.message, /level 2 at 99000 is not above level 1 at 99825; LONG pyramid prices must rise/);

  const short = sample();
  short.entries.push({ ...short.entries[2]!, entry_id: 'TSLA_2_SHORT_20260211_073204_1', pyramid_level: 1, entry_price: 345.0 });
  const [s] = run('pyramid-spacing', short);
  assert.match(
    s!.message,
    /TSLA_2_SHORT_20260211_073204 \(SHORT\): level 1 at 345 is not below level 0 at 338\.5; SHORT pyramid prices must fall/,
  );
  short.entries[7]!.entry_price = 338.5 - 7.1 + 1e-12; // 0.5 × 14.2 minus an artefact
  assert.deepEqual(run('pyramid-spacing', short), []);
});

test('stop-loss: entry_price ∓ 2·entry_n, with 502.09999999999997 for 502.1', () => {
  const data = sample();
  assert.deepEqual(run('stop-loss', data), []);
  data.positions[2]!.stop_loss = 95000;
  const [f] = run('stop-loss', data);
  assert.equal(f!.path, '$[2].stop_loss');
  assert.equal(f!.message, '005930.KS_1_LONG_20260212_100512: stop_loss 95000 is not entry_price − 2·entry_n = 92700');
});

test('one-open-per-symbol-system: a second open position of the same symbol and system', () => {
  const data = sample();
  data.positions.push({ ...data.positions[3]!, position_id: '000660.KS_2_LONG_20260220_093001' });
  data.positions.push({ ...data.positions[3]!, position_id: '000660.KS_1_LONG_20260220_093001', system: 1 });
  const findings = run('one-open-per-symbol-system', data);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.path, '$[4]');
  assert.equal(findings[0]!.evidence, '$[3] 000660.KS_2_LONG_20260213_093318, $[4] 000660.KS_2_LONG_20260220_093001');
  // A closed one does not count.
  data.positions[4]!.status = 'closed';
  assert.deepEqual(run('one-open-per-symbol-system', data), []);
});

test('closed-exit-fields: every missing or null exit field of a closed record', () => {
  const data = sample();
  data.positions[0]!.exit_reason = null;
  delete data.positions[0]!.r_multiple;
  const findings = run('closed-exit-fields', data);
  assert.deepEqual(
    findings.map((f) => f.path),
    ['$[0].exit_reason', '$[0].r_multiple'],
  );
  assert.match(findings[1]!.message, /is closed but r_multiple is missing/);
});

test('order-duplicate-fill: one KIS number recovered twice, or equal to another order_id (zero padding ignored)', () => {
  const data = sample();
  assert.deepEqual(run('order-duplicate-fill', data), []);
  const recoveredTwice = {
    ...data.orderLog[1]!,
    order_id: 'LIVE_20260224100530_0003',
    error_message: '[재확인으로 FILLED 복구] KIS#0000123999 | 원래 예외: ReadTimeout',
  };
  data.orderLog.push(recoveredTwice);
  const [twice] = run('order-duplicate-fill', data);
  assert.equal(twice!.path, '$[2].error_message');
  assert.equal(twice!.evidence, '$[1] LIVE_20260224100412_0002, $[2] LIVE_20260224100530_0003');

  const ownedByAnother = sample();
  ownedByAnother.orderLog[1]!.error_message = '[재확인으로 FILLED 복구] KIS#123456 | 원래 예외: ReadTimeout';
  const [owned] = run('order-duplicate-fill', ownedByAnother);
  assert.equal(owned!.path, '$[1].error_message');
  assert.match(owned!.message, /recovered as FILLED by KIS#123456, which is the broker number of order \$\[0\]/);

  // A record that is not FILLED is not a recovered fill.
  ownedByAnother.orderLog[1]!.status = 'failed';
  assert.deepEqual(run('order-duplicate-fill', ownedByAnother), []);
});

test('order-fill-before-order: fill HHMMSS earlier than the order time', () => {
  assert.equal(orderHhmmss('2026-02-24T10:04:12.551203'), '100412');
  assert.equal(orderHhmmss('garbage'), undefined);
  const data = sample();
  data.orderLog[1]!.fill_time = '100539';
  const [f] = run('order-fill-before-order', data);
  assert.equal(f!.path, '$[1].fill_time');
  assert.equal(
    f!.message,
    'LIVE_20260224100412_0002: fill_time 100539 is earlier than the order time 100540: the fill belongs to an earlier order',
  );
  // Equal times match in the guarded code; malformed times are not judged.
  data.orderLog[1]!.fill_time = '100540';
  assert.deepEqual(run('order-fill-before-order', data), []);
  data.orderLog[1]!.fill_time = '10:05';
  assert.deepEqual(run('order-fill-before-order', data), []);
});

test('records with odd values do not throw in any check', () => {
  const weird = {
    positions: [{ position_id: 'x', units: Number.NaN, status: 'closed' } as unknown as PositionRecord, {} as PositionRecord],
    entries: [{ position_id: 'x', pyramid_level: Number.NaN } as unknown as EntryRecord],
    orderLog: [{ status: 'FILLED', fill_time: 5, error_message: 7 } as unknown as OrderRecord],
  };
  for (const check of ALL_CHECKS) assert.ok(Array.isArray(runInvariant(check, weird, PARAMS)), check);
  assert.equal(run('units-range', weird).length, 2);
});
