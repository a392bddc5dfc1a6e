// The fill-integrity rule over hand-built worlds: one verdict per check, failures with every offending
// path, inconclusive (never fail) when an input file is unusable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RuleOf } from '../src/config/schema.ts';
import { parseEntries, parseOrderLog, parsePositions } from '../src/core/positions.ts';
import { V32_KNOWN_POSITION_KEYS, V32_REQUIRED_POSITION_KEYS, V32_VALIDATED_POSITION_KEYS } from '../src/core/record-shapes.ts';
import { evaluateFillIntegrity } from '../src/core/rules/fill-integrity.ts';
import type { Verdict } from '../src/core/types.ts';
import type { EntryRecord, World } from '../src/core/world.ts';
import { ruleOf, worldWith } from './helpers/world.ts';

const text = (name: string) => readFileSync(new URL(`./fixtures/json/good/${name}`, import.meta.url), 'utf8');
const KEYS = { requiredKeys: V32_REQUIRED_POSITION_KEYS, knownKeys: V32_KNOWN_POSITION_KEYS, validatedKeys: V32_VALIDATED_POSITION_KEYS };
const T0 = Date.parse('2026-02-24T07:00:00Z');
// Written out on purpose (repeats the rule's default): a change to the default checks must fail here.
const DEFAULT_CHECKS = [
  'units-range',
  'units-level',
  'total-shares',
  'entry-ids',
  'pyramid-spacing',
  'one-open-per-symbol-system',
  'closed-exit-fields',
  'order-duplicate-fill',
  'order-fill-before-order',
];

function rule(params: Record<string, unknown> = {}): RuleOf<'fill-integrity'> {
  return ruleOf('fill-integrity', params, { id: 'fill-mismatch', action: 'escalate' });
}

function world(partial: Partial<World> = {}): World {
  return worldWith(T0, {
    positions: parsePositions(text('positions.json'), KEYS, T0, 'p'),
    entries: parseEntries(text('entries.json'), T0, 'e'),
    orderLog: parseOrderLog(text('order_log.json'), T0, 'o'),
    ...partial,
  });
}

const outcomes = (verdicts: Verdict[]) => Object.fromEntries(verdicts.map((v) => [v.cause, v.outcome]));

test('the sample files pass: one pass verdict per configured check', () => {
  const verdicts = evaluateFillIntegrity(rule(), world(), T0);
  assert.deepEqual(
    verdicts.map((v) => v.cause),
    DEFAULT_CHECKS,
  );
  assert.ok(verdicts.every((v) => v.outcome === 'pass' && v.ruleId === 'fill-mismatch'));
  const withStop = evaluateFillIntegrity(rule({ checks: ['stop-loss'] }), world(), T0);
  assert.deepEqual(outcomes(withStop), { 'stop-loss': 'pass' });
});

test('violations fail per check, with every offending path as evidence', () => {
  const entries = JSON.parse(text('entries.json')) as EntryRecord[];
  entries[4]!.entry_price = 99000; // too close to 98400 (needs ≥ 1425)
  entries[6]!.entry_price = 99500; // too close to 99000
  const w = world({ entries: { status: 'valid', sha256: 'e2', doc: entries, observedAt: T0 } });
  const verdicts = evaluateFillIntegrity(rule(), w, T0);
  const spacing = verdicts.find((v) => v.cause === 'pyramid-spacing')!;
  assert.equal(spacing.outcome, 'fail');
  assert.equal(spacing.label, 'pyramid-spacing');
  assert.match(
    spacing.summary,
    /^pyramid-spacing: 2 violations: 005930\.KS_1_LONG_20260212_100512 \(LONG\): level 1 at 99000 is only 600 above/,
  );
  assert.deepEqual(
    spacing.evidence.map((e) => [e.kind, e.file, e.path]),
    [
      ['json', 'entries.json', '$[4].entry_price'],
      ['json', 'entries.json', '$[6].entry_price'],
    ],
  );
  // The other checks are untouched by the price edit.
  assert.equal(verdicts.filter((v) => v.outcome !== 'pass').length, 1);
});

test('a long list of violations keeps every path: the overflow is listed in one note', () => {
  const positions = JSON.parse(text('positions.json')) as Record<string, unknown>[];
  const many = Array.from({ length: 40 }, (_, i) => ({ ...positions[1]!, position_id: `X${i}`, symbol: `S${i}`, units: 9 }));
  const w = world({ positions: { status: 'valid', sha256: 'p2', doc: many as never, observedAt: T0 } });
  const [v] = evaluateFillIntegrity(rule({ checks: ['units-range'] }), w, T0);
  assert.equal(v!.outcome, 'fail');
  assert.equal(v!.evidence.length, 31);
  assert.equal(
    v!.evidence[30]!.text,
    `… and 10 more violations at ${Array.from({ length: 10 }, (_, i) => `positions.json $[${30 + i}].units`).join(', ')}`,
  );
});

test('corrupt entries.json: the checks that need it are inconclusive, the others still judge', () => {
  const entries = parseEntries('[{"entry_id": ', T0, 'bad');
  const verdicts = evaluateFillIntegrity(rule(), world({ entries }), T0);
  assert.deepEqual(outcomes(verdicts), {
    'units-range': 'pass',
    'units-level': 'pass',
    'total-shares': 'inconclusive',
    'entry-ids': 'inconclusive',
    'pyramid-spacing': 'inconclusive',
    'one-open-per-symbol-system': 'pass',
    'closed-exit-fields': 'pass',
    'order-duplicate-fill': 'pass',
    'order-fill-before-order': 'pass',
  });
  const total = verdicts.find((v) => v.cause === 'total-shares')!;
  assert.equal(
    total.summary,
    'total-shares cannot be checked: entries.json is corrupt ($[0].entry_id: not valid JSON: Expecting value: line 1 column 15 (char 14))',
  );
});

test('a corrupt positions.json makes the position checks inconclusive, never failing on a guess', () => {
  const positions = parsePositions('{"not": "a list"}', KEYS, T0, 'bad');
  const verdicts = evaluateFillIntegrity(rule(), world({ positions }), T0);
  assert.equal(verdicts.filter((v) => v.outcome === 'fail').length, 0);
  assert.deepEqual(
    verdicts.filter((v) => v.outcome === 'inconclusive').map((v) => v.cause),
    DEFAULT_CHECKS.filter((c) => !c.startsWith('order-')),
  );
});

test('absent files: order_log.json absent means no orders; positions or entries absent is inconclusive', () => {
  const noOrders = evaluateFillIntegrity(
    rule({ checks: ['order-duplicate-fill'] }),
    world({ orderLog: { status: 'absent', observedAt: T0 } }),
    T0,
  );
  assert.deepEqual(outcomes(noOrders), { 'order-duplicate-fill': 'pass' });
  const noEntries = evaluateFillIntegrity(rule({ checks: ['total-shares'] }), world({ entries: { status: 'absent', observedAt: T0 } }), T0);
  assert.deepEqual(outcomes(noEntries), { 'total-shares': 'inconclusive' });
  assert.equal(noEntries[0]!.summary, 'total-shares cannot be checked: entries.json does not exist');
  const { positions: _p, entries: _e, orderLog: _o, ...bare } = world();
  const unread = evaluateFillIntegrity(rule(), bare as World, T0);
  assert.ok(unread.every((v) => v.outcome === 'inconclusive'));
  assert.match(unread[0]!.summary, /positions\.json has not been read yet/);
});

test('a phantom fill in order_log.json fails order-duplicate-fill with both records', () => {
  const orders = JSON.parse(text('order_log.json')) as Record<string, unknown>[];
  orders.push({ ...orders[1]!, order_id: 'LIVE_20260224100610_0003', timestamp: '2026-02-24T10:06:10.000001', fill_time: '100602' });
  const w = world({ orderLog: parseOrderLog(JSON.stringify(orders), T0, 'o2') });
  const verdicts = evaluateFillIntegrity(rule(), w, T0);
  assert.deepEqual(
    verdicts.filter((v) => v.outcome === 'fail').map((v) => [v.cause, v.evidence.map((e) => e.path)]),
    [
      ['order-duplicate-fill', ['$[2].error_message']],
      ['order-fill-before-order', ['$[2].fill_time']],
    ],
  );
});
