// positions.json judged as the guarded system's own loader judges it (issue 7, item 13). Facts observed
// by running turtle-trading's PositionTracker._load_positions (v3.2.0, v3.2.1, v3.8.1) under Python 3.12
// on the same files; those runs are not repeated here: CI has neither Python nor that repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonFile } from '../src/adapters/json-files.ts';
import { loadRules } from '../src/config/load-rules.ts';
import { configSchema, type RuleOf } from '../src/config/schema.ts';
import { positionsIntegrityParams } from '../src/core/rules/positions-integrity.ts';
import { parsePositions, validatePositions, type PositionKeys } from '../src/core/positions.ts';
import { positionKeysInForce } from '../src/core/release-records.ts';
import { parsePythonJson } from '../src/core/python-json.ts';
import { evaluatePositionsIntegrity } from '../src/core/rules/positions-integrity.ts';
import { initialState, step } from '../src/core/step.ts';
import type { World } from '../src/core/world.ts';
import { findUtf8Error, pythonUtf8Message } from '../src/core/utf8.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SAMPLE = await readFile(new URL('./fixtures/json/good/positions.json', import.meta.url), 'utf8');
const T0 = Date.parse('2026-02-24T07:00:00Z');
const TSLA = 'TSLA_2_SHORT_20260211_073204';
/** Where the loader's consequence is said, once for every unreadable file. */
const EMPTIED = 'v3.2.x logs 파일 로드 실패 and reads the file as empty, no restore from a backup';

/** The Position dataclass fields without a default, identical in v3.2.0, v3.2.1 and v3.8.1. */
const DATACLASS_REQUIRED = [
  'position_id',
  'symbol',
  'system',
  'direction',
  'entry_date',
  'entry_price',
  'entry_n',
  'units',
  'max_units',
  'shares_per_unit',
  'total_shares',
  'stop_loss',
  'pyramid_level',
  'exit_period',
  'status',
  'last_update',
];

async function bundledCorruptRule(): Promise<RuleOf<'positions-integrity'>> {
  const loaded = await loadRules(join(ROOT, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  const rule = loaded.rules.find((r) => r.id === 'positions-corrupt');
  assert.ok(rule?.kind === 'positions-integrity');
  return rule;
}

/** The keys the bundled rule judges by when no release is recognised: v3.2.x's, from the schema's shapes. */
function keysOf(rule: RuleOf<'positions-integrity'>): PositionKeys {
  return positionKeysInForce(rule.params);
}

function withoutKey(index: number, key: string): string {
  const records = JSON.parse(SAMPLE) as Record<string, unknown>[];
  assert.ok(key in records[index]!);
  delete records[index]![key];
  return JSON.stringify(records, null, 2);
}

function onlyProblem(content: string, keys: PositionKeys) {
  const result = validatePositions(content, keys);
  assert.equal(result.ok, false, 'expected a problem');
  return result.ok ? [] : result.problems;
}

test('the bundled rule requires every dataclass field without a default, as the schema default does', async () => {
  const rule = await bundledCorruptRule();
  // The bundled rule lists no keys: they come from the running release, else from v3.2.x's shapes.
  assert.equal(rule.params.requiredKeys, undefined);
  assert.deepEqual(keysOf(rule).requiredKeys, DATACLASS_REQUIRED);
  assert.deepEqual(positionKeysInForce(positionsIntegrityParams.parse({})).requiredKeys, DATACLASS_REQUIRED);
  // The shorter list of validate_position_schema decides only what the loader does: skip, or crash.
  // Written out on purpose (repeats record-shapes.ts): a change to the default list must fail here.
  assert.deepEqual(keysOf(rule).validatedKeys, [
    'position_id',
    'symbol',
    'entry_price',
    'status',
    'direction',
    'system',
    'entry_date',
    'entry_n',
    'units',
    'total_shares',
    'stop_loss',
  ]);
  assert.deepEqual(keysOf(rule).knownKeys, [
    ...DATACLASS_REQUIRED,
    'exit_date',
    'exit_price',
    'exit_reason',
    'pnl',
    'pnl_pct',
    'r_multiple',
  ]);
});

for (const key of ['max_units', 'shares_per_unit', 'pyramid_level', 'exit_period', 'last_update']) {
  test(`a record without ${key} is corrupt: Position.__init__() raises on every load`, async () => {
    const problems = onlyProblem(withoutKey(1, key), keysOf(await bundledCorruptRule()));
    assert.deepEqual(problems, [
      {
        path: `$[1].${key}`,
        code: 'missing-key',
        message: `position ${TSLA}: missing required key "${key}": every load crashes in v3.2.x (TypeError: Position.__init__() missing 1 required positional argument: '${key}')`,
      },
    ]);
  });
}

test('several missing fields: the TypeError names them as Python does; a missing validated key means a skip instead', async () => {
  const keys = keysOf(await bundledCorruptRule());
  const records = JSON.parse(SAMPLE) as Record<string, unknown>[];
  delete records[2]!.last_update;
  delete records[2]!.max_units;
  delete records[2]!.exit_period;
  delete records[3]!.pyramid_level;
  delete records[3]!.units;
  const problems = onlyProblem(JSON.stringify(records), keys);
  const crash =
    "every load crashes in v3.2.x (TypeError: Position.__init__() missing 3 required positional arguments: 'max_units', 'exit_period', and 'last_update')";
  assert.deepEqual(
    problems.map((p) => [p.path, p.message.replace(/^position [^:]+: /, '')]),
    [
      ['$[2].max_units', `missing required key "max_units": ${crash}`],
      ['$[2].exit_period', `missing required key "exit_period": ${crash}`],
      ['$[2].last_update', `missing required key "last_update": ${crash}`],
      // validate_position_schema runs first: the record is skipped, Position() is never called.
      ['$[3].units', 'missing required key "units": v3.2.x skips this record (잘못된 포지션 데이터 스킵)'],
      ['$[3].pyramid_level', 'missing required key "pyramid_level": v3.2.x skips this record (잘못된 포지션 데이터 스킵)'],
    ],
  );
  const two = onlyProblem(withoutKey(1, 'max_units').replace('"exit_period": 20,', ''), keys);
  assert.match(two[0]!.message, /missing 2 required positional arguments: 'max_units' and 'exit_period'\)$/);
});

test('the keys flow from the bundled rule into the daemon: a file without max_units halts trading', async () => {
  const loaded = await loadRules(join(ROOT, 'rules'));
  assert.ok(loaded.ok);
  const ctx = stepContextOf(configSchema.parse({ deployment: { root: '.' } }), loaded.rules, loaded.profiles);
  assert.deepEqual(ctx.positionsKeys.requiredKeys, DATACLASS_REQUIRED);
  const content = withoutKey(1, 'max_units');
  const r = step(
    initialState(T0),
    { kind: 'json-file', file: { which: 'positions', content, sha256: 'sha-no-max-units', observedAt: T0 } },
    ctx,
  );
  const incident = r.state.incidents.incidents.find((i) => i.ruleId === 'positions-corrupt');
  assert.ok(incident, JSON.stringify(r.state.incidents.incidents.map((i) => i.ruleId)));
  assert.equal(
    incident.summary,
    `positions.json is corrupt: $[1].max_units: position ${TSLA}: missing required key "max_units": every load crashes in v3.2.x (TypeError: Position.__init__() missing 1 required positional argument: 'max_units')`,
  );
});

test('the rule verdict names the file, the record index and the field', async () => {
  const rule = await bundledCorruptRule();
  const positions = parsePositions(withoutKey(1, 'shares_per_unit'), keysOf(rule), T0, 'sha');
  const world: World = {
    now: T0,
    watchStartedAt: T0,
    jobs: [],
    jobsSince: T0,
    crontabKnown: true,
    profiles: {},
    runs: {},
    version: { version: 'v3.2.1', evidence: [] },
    containers: {},
    positions,
    positionsChanges: [],
    healLines: [],
    closeLines: [],
    sources: {},
  };
  const [v] = evaluatePositionsIntegrity({ ...rule, params: { ...rule.params, checks: ['corrupt'] } }, world, T0);
  assert.equal(v!.outcome, 'fail');
  assert.deepEqual(
    v!.evidence.map((e) => [e.file, e.path]),
    [['positions.json', '$[1].shares_per_unit']],
  );
});

// --- Python's json limits -----------------------------------------------------------------------

test('an integer of more than 4300 digits: Python refuses it, so the whole file reads as empty', async () => {
  const keys = keysOf(await bundledCorruptRule());
  const digits = (n: number) => '9'.repeat(n);
  const at = SAMPLE.indexOf('"total_shares": 7') + '"total_shares": '.length;
  const line = SAMPLE.slice(0, at).split('\n').length;
  const column = at - SAMPLE.lastIndexOf('\n', at - 1);
  const over = SAMPLE.replace('"total_shares": 7', `"total_shares": ${digits(4301)}`);
  assert.deepEqual(onlyProblem(over, keys), [
    {
      path: '$[1].total_shares',
      code: 'parse',
      message: `not readable by Python's json (${EMPTIED}): Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits: line ${line} column ${column} (char ${at})`,
    },
  ]);
  const negative = onlyProblem(SAMPLE.replace('"total_shares": 7', `"total_shares": -${digits(4301)}`), keys);
  assert.match(negative[0]!.message, /value has 4301 digits/);
  // At the limit, and for floats of any length (Python reads those as inf), json itself is content.
  for (const literal of [digits(4300), `-${digits(4300)}`, `${digits(5000)}.5`, `${digits(5000)}e3`]) {
    const parsed = parsePythonJson(`[${literal}]`);
    assert.equal(parsed.ok, true, literal.slice(-8));
  }
  assert.deepEqual(parsePythonJson(`{"a": [1, ${digits(4301)}]}`).ok ? undefined : parsePythonJson(`{"a": [1, ${digits(4301)}]}`), {
    ok: false,
    problem: {
      path: '$.a[1]',
      code: 'parse',
      message: `not readable by Python's json (${EMPTIED}): Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits: line 1 column 11 (char 10)`,
    },
  });
});

test("nesting past Python 3.12's recursion limit: RecursionError, the whole file reads as empty", () => {
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  assert.equal(parsePythonJson(nested(1497)).ok, true);
  assert.deepEqual(parsePythonJson(nested(1498)), {
    ok: false,
    problem: {
      path: `$${'[0]'.repeat(16)}…(1481 levels deeper)`,
      code: 'parse',
      message: `not readable by Python's json (${EMPTIED}): maximum recursion depth exceeded while decoding a JSON array from a unicode string (more than 1497 levels of nesting): line 1 column 1498 (char 1497)`,
    },
  });
  const objects = (n: number) => `[${'{"a": '.repeat(n - 1)}1${'}'.repeat(n - 1)}]`;
  assert.equal(parsePythonJson(objects(1497)).ok, true);
  const deep = parsePythonJson(objects(1498));
  assert.ok(!deep.ok);
  // Level 1 is the list; level 1498 is the 1497th object, opened at 1 + 1496 × '{"a": '.length.
  const opened = 1 + 1496 * 6;
  assert.ok(
    deep.problem.message.endsWith(
      `while decoding a JSON object from a unicode string (more than 1497 levels of nesting): line 1 column ${opened + 1} (char ${opened})`,
    ),
    deep.problem.message,
  );
});

test("NaN, Infinity and -Infinity are numbers to Python's json, and a string that looks like a marker is a string", () => {
  assert.deepEqual(parsePythonJson('[NaN, Infinity, -Infinity, {"x": NaN}]'), {
    ok: true,
    value: [Number.NaN, Infinity, -Infinity, { x: Number.NaN }],
  });
  for (const token of ['NaN', 'Infinity', '-Infinity', 'constructor']) {
    const literal = `\\u0000py:${token}`;
    assert.deepEqual(parsePythonJson(`["${literal}"]`), { ok: true, value: [`\u0000py:${token}`] });
    const state = parsePositions(
      SAMPLE.replace('"Stop Loss"', `"${literal}"`),
      positionKeysInForce(positionsIntegrityParams.parse({})),
      T0,
      'x',
    );
    assert.equal(state.status, 'valid', JSON.stringify(state));
    assert.equal(state.status === 'valid' && state.doc[0]!.exit_reason, `\u0000py:${token}`);
  }
});

// --- Bytes: a legal U+FFFD is not a decoding error ----------------------------------------------

test('U+FFFD written as UTF-8 (EF BF BD) is a legal character; bytes that are not UTF-8 are refused as Python does', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-utf8-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const keys = positionKeysInForce(positionsIntegrityParams.parse({}));
  const path = join(dir, 'positions.json');

  await writeFile(path, Buffer.from(SAMPLE.replace('"Stop Loss"', '"Stop \uFFFD Loss"'), 'utf8'));
  const legal = await readJsonFile('positions', path, () => T0);
  assert.ok(legal.ok);
  assert.equal(legal.file.invalidUtf8, undefined);
  const state = parsePositions(legal.file.content!, keys, T0, legal.file.sha256!, legal.file.invalidUtf8);
  assert.equal(state.status, 'valid', JSON.stringify(state));
  assert.equal(state.status === 'valid' && state.doc[0]!.exit_reason, 'Stop \uFFFD Loss');

  const text = SAMPLE.replace('"Stop Loss"', '"Stop XX Loss"');
  const at = Buffer.byteLength(text.slice(0, text.indexOf('XX')));
  await writeFile(path, Buffer.from(text, 'utf8').fill(0xff, at, at + 1));
  const bad = await readJsonFile('positions', path, () => T0);
  assert.ok(bad.ok);
  const char = text.indexOf('XX');
  assert.deepEqual(bad.file.invalidUtf8, { start: at, end: at + 1, byte: 0xff, reason: 'invalid start byte', charOffset: char });
  const corrupt = parsePositions(bad.file.content!, keys, T0, bad.file.sha256!, bad.file.invalidUtf8);
  assert.ok(corrupt.status === 'corrupt');
  const line = text.slice(0, char).split('\n').length;
  const column = char - text.lastIndexOf('\n', char - 1);
  assert.deepEqual(corrupt.problems, [
    {
      path: '$[0].exit_reason',
      code: 'parse',
      message: `not valid UTF-8 (${EMPTIED}): 'utf-8' codec can't decode byte 0xff in position ${at}: invalid start byte: line ${line} column ${column} (char ${char})`,
    },
  ]);
});

test('through the daemon: a U+FFFD in a position passes, bytes that are not UTF-8 halt', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-utf8-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const loaded = await loadRules(join(ROOT, 'rules'));
  assert.ok(loaded.ok);
  const ctx = stepContextOf(configSchema.parse({ deployment: { root: '.' } }), loaded.rules, loaded.profiles);
  const path = join(dir, 'positions.json');
  const judge = async (bytes: Buffer) => {
    await writeFile(path, bytes);
    const read = await readJsonFile('positions', path, () => T0);
    assert.ok(read.ok);
    const r = step(initialState(T0), { kind: 'json-file', file: read.file }, ctx);
    return r.state.incidents.incidents.filter((i) => i.ruleId === 'positions-corrupt').map((i) => i.summary);
  };
  assert.deepEqual(await judge(Buffer.from(SAMPLE.replace('"Stop Loss"', '"\uFFFD"'))), []);
  // A euro sign cut after two of its three bytes: Python names both.
  const [before, after] = SAMPLE.split('Stop Loss');
  const at = Buffer.byteLength(before!);
  const [summary] = await judge(Buffer.concat([Buffer.from(before!), Buffer.from([0xe2, 0x82]), Buffer.from(`Stop Loss${after}`)]));
  assert.equal(
    summary,
    `positions.json is corrupt: $[0].exit_reason: not valid UTF-8 (${EMPTIED}): 'utf-8' codec can't decode bytes in position ${at}-${at + 1}: invalid continuation byte: line 21 column 21 (char ${before!.length})`,
  );
});

test("bad bytes are named in Python's own words (UnicodeDecodeError), at the right character", () => {
  // [bytes, Python 3.12's str(UnicodeDecodeError) or null when they decode, UTF-16 offset of the bad sequence]
  const cases: [number[], string | null, number | null][] = [
    [[0x61, 0x62, 0xff, 0x63], "'utf-8' codec can't decode byte 0xff in position 2: invalid start byte", 2],
    [[0xc0, 0xaf], "'utf-8' codec can't decode byte 0xc0 in position 0: invalid start byte", 0],
    [[0x61, 0x62, 0xe2, 0x82], "'utf-8' codec can't decode bytes in position 2-3: unexpected end of data", 2],
    [[0x61, 0x62, 0xe2, 0x82, 0x58], "'utf-8' codec can't decode bytes in position 2-3: invalid continuation byte", 2],
    [[0xed, 0xa0, 0x80], "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte", 0],
    [[0xf4, 0x90, 0x80, 0x80], "'utf-8' codec can't decode byte 0xf4 in position 0: invalid continuation byte", 0],
    [[0xf0, 0x9f, 0x98], "'utf-8' codec can't decode bytes in position 0-2: unexpected end of data", 0],
    [[0xf0, 0x9f, 0x98, 0x80, 0x80], "'utf-8' codec can't decode byte 0x80 in position 4: invalid start byte", 2],
    // U+FFFD, a BOM and an emoji, all well-formed.
    [[0xef, 0xbf, 0xbd, 0xef, 0xbb, 0xbf, 0xf0, 0x9f, 0x98, 0x80], null, null],
  ];
  for (const [bytes, message, charOffset] of cases) {
    const error = findUtf8Error(Uint8Array.from(bytes));
    assert.deepEqual(
      error ? [pythonUtf8Message(error), error.charOffset] : [null, null],
      [message, charOffset],
      Buffer.from(bytes).toString('hex'),
    );
  }
});
