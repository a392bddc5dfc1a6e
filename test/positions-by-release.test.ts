// positions.json judged by the keys of the RUNNING release (World.release, catalogue `positions`): v3.9.x
// writes `entry_reason` on every save and drops keys it does not know, v3.8.1 and older crash on them
// (`cls(**data)`); an operator's explicit key list on the rule still wins; without a recognised release the
// v3.2.x keys stand (rules-positions-integrity.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePositions } from '../src/core/positions.ts';
import { positionKeysInForce, unloadableRecords } from '../src/core/release-records.ts';
import { evaluatePositionsIntegrity } from '../src/core/rules/positions-integrity.ts';
import { positionKeysOf } from '../src/core/rules/index.ts';
import type { RuleOf } from '../src/config/schema.ts';
import type { World } from '../src/core/world.ts';
import { renderMessage } from '../src/core/verdict-text.ts';
import { ruleOf, worldWith } from './helpers/world.ts';
import { inForce, V381, V391 } from './helpers/releases.ts';

const SAMPLE = readFileSync(new URL('./fixtures/json/good/positions.json', import.meta.url), 'utf8');
const T0 = Date.parse('2026-03-12T07:00:00Z');
const FIRST = (JSON.parse(SAMPLE) as { position_id: string }[])[0]!.position_id;

/** The sample as v3.9.x saves it: every record has `entry_reason`. */
const V39_FILE = JSON.stringify((JSON.parse(SAMPLE) as object[]).map((r) => ({ ...r, entry_reason: null })));

function rule(params: Record<string, unknown> = {}): RuleOf<'positions-integrity'> {
  return ruleOf('positions-integrity', { checks: ['corrupt'], ...params }, { id: 'positions-corrupt', action: 'halt' });
}

/** The file as the daemon's loader parsed it (no release: the v3.2.x lists), in a world running `release`. */
function worldOf(content: string, over: Partial<World> = {}): World {
  return worldWith(T0, { positions: parsePositions(content, positionKeysInForce({}), T0, 'sha'), ...over });
}

test('a v3.9.1 file with entry_reason is normal under v3.9.1 (it drops unknown keys), corrupt without a release', () => {
  const [loads] = evaluatePositionsIntegrity(rule(), worldOf(V39_FILE, { release: inForce(V391) }), T0);
  assert.equal(loads!.outcome, 'pass');
  assert.equal(loads!.summary, 'positions.json parses and every record loads in v3.9.1');
  // Any other key is dropped by v3.9.x too.
  const extra = V39_FILE.replace('"entry_reason":null', '"entry_reason":null,"market":"KR"');
  assert.equal(evaluatePositionsIntegrity(rule(), worldOf(extra, { release: inForce(V391) }), T0)[0]!.outcome, 'pass');
  const [unrecognised] = evaluatePositionsIntegrity(rule(), worldOf(V39_FILE), T0);
  assert.equal(unrecognised!.outcome, 'fail');
  assert.match(unrecognised!.summary, /unknown key "entry_reason": v3\.2\.x crashes loading it/);
});

test('the same file under v3.8.1 is corrupt, naming the key and the release', () => {
  const [v] = evaluatePositionsIntegrity(rule(), worldOf(V39_FILE, { release: inForce(V381) }), T0);
  assert.equal(v!.outcome, 'fail');
  assert.equal(v!.label, 'corrupt');
  assert.equal(
    renderMessage(v!.message!, 'en'),
    `positions.json is corrupt: $[0].entry_reason: position ${FIRST}: unknown key "entry_reason": v3.8.1 crashes loading it (Position.__init__() got an unexpected keyword argument 'entry_reason') (+3 more)`,
  );
  assert.equal(
    renderMessage(v!.message!, 'ko'),
    `positions.json 손상: $[0].entry_reason: position ${FIRST}: unknown key "entry_reason": v3.8.1 crashes loading it (Position.__init__() got an unexpected keyword argument 'entry_reason') (외 3건)`,
  );
});

test('a missing required key is corrupt under v3.9.1 too, worded for v3.9.1', () => {
  const records = JSON.parse(V39_FILE) as Record<string, unknown>[];
  delete records[0]!.max_units;
  const release = inForce(V391);
  const valid = worldWith(T0, {
    release,
    positions: parsePositions(JSON.stringify(records), positionKeysInForce({}, V391), T0, 'sha'),
  });
  const [v] = evaluatePositionsIntegrity(rule(), valid, T0);
  assert.equal(v!.outcome, 'fail');
  assert.equal(
    v!.summary,
    `positions.json is corrupt: $[0].max_units: position ${FIRST}: missing required key "max_units": every load crashes in v3.9.1 (TypeError: Position.__init__() missing 1 required positional argument: 'max_units')`,
  );
});

test("an operator's explicit key list wins over the release's", () => {
  // The operator insists on crash semantics and v3.2.x's known keys although v3.9.1 runs.
  const strict = rule({ unknownKeys: 'crash', knownKeys: positionKeysInForce({}).knownKeys });
  const [v] = evaluatePositionsIntegrity(strict, worldOf(V39_FILE, { release: inForce(V391) }), T0);
  assert.equal(v!.outcome, 'fail');
  assert.match(v!.summary, /unknown key "entry_reason": v3\.9\.1 crashes loading it/);
  // And a list that knows entry_reason makes the file fine under v3.8.1.
  const knowing = rule({ knownKeys: [...positionKeysInForce({}).knownKeys, 'entry_reason'] });
  assert.equal(evaluatePositionsIntegrity(knowing, worldOf(V39_FILE, { release: inForce(V381) }), T0)[0]!.outcome, 'pass');
});

test('the keys in force follow the catalogue entry', () => {
  assert.deepEqual(positionKeysInForce({}, V391), {
    requiredKeys: V391.positions.required,
    knownKeys: V391.positions.known,
    validatedKeys: positionKeysInForce({}).validatedKeys,
    unknownKeys: 'drop',
    release: 'v3.9.1',
  });
  assert.equal(positionKeysInForce({}).unknownKeys, 'crash');
  assert.equal(positionKeysInForce({}).release, undefined);
});

test('unloadableRecords names, per record, the keys a release cannot load', () => {
  const records = JSON.parse(V39_FILE) as Record<string, unknown>[];
  delete records[1]!.last_update;
  const found = unloadableRecords('positions.json', 'position_id', records, V381.positions);
  assert.equal(found.length, 4);
  assert.deepEqual(found[0], { file: 'positions.json', record: FIRST, unknown: ['entry_reason'], missing: [] });
  assert.deepEqual(found[1]!.missing, ['last_update']);
  // v3.9.1 drops unknown keys: only the missing key counts.
  assert.deepEqual(
    unloadableRecords('positions.json', 'position_id', records, V391.positions).map((r) => [r.unknown, r.missing]),
    [[[], ['last_update']]],
  );
});

test('the loader reads with the running release keys once known: a v3.9.x file stays valid, so its changes are followed', () => {
  const keys = positionKeysOf([rule()], V391);
  assert.equal(keys.unknownKeys, 'drop');
  assert.equal(parsePositions(V39_FILE, keys, T0, 'sha').status, 'valid');
  // Before recognition (v3.2.x keys) and under v3.8.1 the same file does not load.
  assert.equal(parsePositions(V39_FILE, positionKeysOf([rule()]), T0, 'sha').status, 'corrupt');
  assert.equal(parsePositions(V39_FILE, positionKeysOf([rule()], V381), T0, 'sha').status, 'corrupt');
  // An operator's list on the rule still wins over the release's.
  assert.deepEqual(positionKeysOf([rule({ requiredKeys: ['position_id'] })], V391).requiredKeys, ['position_id']);
});
