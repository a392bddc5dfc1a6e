// Parsing positions.json / entries.json / order_log.json as Python's json module and v3.2.x's
// dataclasses would: valid samples, located parse errors, record problems, hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { positionKeysInForce } from '../src/core/release-records.ts';
import { positionsIntegrityParams } from '../src/core/rules/positions-integrity.ts';
import { MAX_PROBLEMS } from '../src/core/record-check.ts';
import { parseEntries, parseOrderLog, parsePositions, positionKeyProblems, validatePositions } from '../src/core/positions.ts';
import { V32_KNOWN_POSITION_KEYS, V32_REQUIRED_POSITION_KEYS, V32_VALIDATED_POSITION_KEYS } from '../src/core/record-shapes.ts';
import { parsePythonJson } from '../src/core/python-json.ts';
import { sha256Hex } from '../src/runtime/sha256.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/json/${name}`, import.meta.url), 'utf8');
const KEYS = { requiredKeys: V32_REQUIRED_POSITION_KEYS, knownKeys: V32_KNOWN_POSITION_KEYS, validatedKeys: V32_VALIDATED_POSITION_KEYS };
const SAMPLE = fixture('good/positions.json');

function problemsOf(content: string, keys = KEYS) {
  const result = validatePositions(content, keys);
  assert.equal(result.ok, false, 'expected problems');
  return result.ok ? [] : result.problems;
}

test('the key lists match the defaults of the positions-integrity rule', () => {
  // The rule lists no keys by default: without a recognised release they are v3.2.x's.
  const defaults = positionKeysInForce(positionsIntegrityParams.parse({}));
  assert.deepEqual([...V32_REQUIRED_POSITION_KEYS], defaults.requiredKeys);
  assert.deepEqual([...V32_KNOWN_POSITION_KEYS], defaults.knownKeys);
});

test('the sample positions.json is valid, floats and nulls kept as written', () => {
  const state = parsePositions(SAMPLE, KEYS, 1_000, 'abc123');
  assert.equal(state.status, 'valid');
  if (state.status !== 'valid') return;
  assert.equal(state.sha256, 'abc123');
  assert.equal(state.observedAt, 1_000);
  assert.equal(state.doc.length, 4);
  const qqq = state.doc[0]!;
  assert.equal(qqq.status, 'closed');
  assert.equal(qqq.exit_price, 502.09999999999997);
  assert.equal(qqq.r_multiple, -0.9999999999999994);
  assert.equal(state.doc[2]!.units, 3);
  assert.equal(state.doc[1]!.exit_date, null);
});

test('the sample entries.json and an order log are valid', () => {
  const entries = parseEntries(fixture('good/entries.json'), 5, 'e1');
  assert.equal(entries.status, 'valid');
  if (entries.status === 'valid')
    assert.deepEqual(
      entries.doc.map((e) => e.shares),
      [4, 4, 7, 5, 5, 2, 5],
    );
  const orders = parseOrderLog(fixture('good/order_log.json'), 5, 'o1');
  assert.equal(orders.status, 'valid');
  if (orders.status === 'valid') assert.equal(orders.doc[1]!.fill_time, '100602');
});

test('a corrupt file keeps its hash and observation time; no hash given means none claimed', () => {
  const withHash = parsePositions('[', KEYS, 7, 'deadbeef');
  assert.equal(withHash.status, 'corrupt');
  assert.equal(withHash.status === 'corrupt' && withHash.sha256, 'deadbeef');
  const without = parsePositions('[', KEYS, 7, sha256Hex);
  assert.equal(without.status === 'corrupt' && 'sha256' in without, false);
});

test('without the adapter hash, a valid document gets the runtime hash of its text', () => {
  const a = parsePositions(SAMPLE, KEYS, 0, sha256Hex);
  const b = parsePositions(SAMPLE.replace('"units": 1,', '"units": 2,'), KEYS, 0, sha256Hex);
  assert.ok(a.status === 'valid' && b.status === 'valid');
  // The adapter hashes the bytes, which for UTF-8 text is the same digest.
  assert.equal(a.sha256, sha256Hex(Buffer.from(SAMPLE, 'utf8')));
  assert.notEqual(a.sha256, b.sha256);
  assert.equal(a.sha256, (parsePositions(SAMPLE, KEYS, 9, sha256Hex) as { sha256: string }).sha256);
});

test('parse errors are located like Python reports them in the guarded system log', () => {
  // The reference's verified line: `JSON 파일 손상: … - Unterminated string starting at: line 1 column 18 (char 17)`
  const [p] = problemsOf('[{"position_id": "QQQ_1_LONG');
  assert.equal(p!.code, 'parse');
  assert.equal(p!.path, '$[0].position_id');
  assert.equal(p!.message, 'not valid JSON: Unterminated string starting at: line 1 column 18 (char 17)');

  const [empty] = problemsOf('');
  assert.equal(empty!.message, 'not valid JSON: Expecting value: line 1 column 1 (char 0)');
  assert.equal(empty!.path, '$');

  const [missingValue] = problemsOf('[\n  {\n    "units": ,\n  }\n]');
  assert.equal(missingValue!.path, '$[0].units');
  assert.equal(missingValue!.message, 'not valid JSON: Expecting value: line 3 column 14 (char 19)');

  const [delimiter] = problemsOf('[{"a": 1} {"b": 2}]');
  assert.equal(delimiter!.message, "not valid JSON: Expecting ',' delimiter: line 1 column 11 (char 10)");

  const [extra] = problemsOf('[] x');
  assert.equal(extra!.message, 'not valid JSON: Extra data: line 1 column 4 (char 3)');
});

test('a byte-order mark is refused, as Python does', () => {
  const [p] = problemsOf(`\uFEFF${SAMPLE}`);
  assert.equal(p!.code, 'parse');
  assert.match(p!.message, /Unexpected UTF-8 BOM/);
});

test('bytes that were not UTF-8 are a parse problem where they sit; a U+FFFD character alone is not', () => {
  const text = SAMPLE.replace('"Stop Loss"', '"Stop \uFFFD Loss"');
  assert.equal(validatePositions(text, KEYS).ok, true);
  const charOffset = text.indexOf('\uFFFD');
  const invalidUtf8 = { start: charOffset + 2, end: charOffset + 3, byte: 0x80, reason: 'invalid start byte', charOffset };
  const result = validatePositions(text, KEYS, invalidUtf8);
  assert.ok(!result.ok);
  const [p] = result.problems;
  assert.equal(p!.code, 'parse');
  assert.equal(p!.path, '$[0].exit_reason');
  assert.match(
    p!.message,
    new RegExp(
      `^not valid UTF-8 \\(.*\\): 'utf-8' codec can't decode byte 0x80 in position ${charOffset + 2}: invalid start byte: line 21 column \\d+ \\(char ${charOffset}\\)$`,
    ),
  );
  // Python decodes the whole file before parsing: bad bytes win over a JSON error before them.
  const both = validatePositions(`[,${text}`, KEYS, { ...invalidUtf8, charOffset: charOffset + 2 });
  assert.ok(!both.ok);
  assert.match(both.problems[0]!.message, /^not valid UTF-8/);
  // Located as far as the JSON reads: the stray comma.
  assert.equal(both.problems[0]!.path, '$[0]');
});

test("Python's NaN and Infinity parse; they are accepted in close results and refused in sizes and prices", () => {
  assert.deepEqual(parsePythonJson('[NaN, Infinity, -Infinity, 1]'), { ok: true, value: [Number.NaN, Infinity, -Infinity, 1] });
  const closedWithNanPnl = SAMPLE.replace('"pnl": -172.80000000000064', '"pnl": NaN');
  assert.notEqual(closedWithNanPnl, SAMPLE);
  const ok = parsePositions(closedWithNanPnl, KEYS, 0, 'x');
  assert.equal(ok.status, 'valid');
  assert.ok(ok.status === 'valid' && Number.isNaN(ok.doc[0]!.pnl));

  const [p] = problemsOf(SAMPLE.replace('"entry_n": 9.6', '"entry_n": -Infinity'));
  assert.deepEqual([p!.code, p!.path], ['type', '$[0].entry_n']);
  assert.match(p!.message, /must be a finite number, found -Infinity/);
});

test('record problems name the record, the key and what v3.2.x does with it', () => {
  const records = JSON.parse(SAMPLE) as Record<string, unknown>[];
  delete records[2]!.units;
  records[1]!.market = 'US';
  records[3]!.total_shares = '2';
  const problems = problemsOf(JSON.stringify(records));
  assert.deepEqual(
    problems.map((p) => [p.code, p.path]),
    [
      ['unknown-key', '$[1].market'],
      ['missing-key', '$[2].units'],
      ['type', '$[3].total_shares'],
    ],
  );
  assert.match(problems[0]!.message, /position TSLA_2_SHORT_20260211_073204: unknown key "market": v3\.2\.x crashes/);
  assert.match(problems[1]!.message, /잘못된 포지션 데이터 스킵/);
  assert.match(problems[2]!.message, /must be a number, found the string "2"/);
});

test('the key lists come from the caller: a v3.9 key is fine once it is known', () => {
  const text = SAMPLE.replace('"r_multiple": -0.9999999999999994', '"r_multiple": -0.9999999999999994,\n    "entry_reason": "돌파"');
  assert.equal(problemsOf(text)[0]!.path, '$[0].entry_reason');
  const wider = { ...KEYS, knownKeys: [...KEYS.knownKeys, 'entry_reason'] };
  assert.equal(validatePositions(text, wider).ok, true);
  const looser = { ...KEYS, requiredKeys: KEYS.requiredKeys.filter((key) => key !== 'max_units') };
  const records = JSON.parse(SAMPLE) as Record<string, unknown>[];
  delete records[1]!.max_units;
  assert.deepEqual(
    positionKeyProblems(records, KEYS).map((p) => p.path),
    ['$[1].max_units'],
  );
  assert.deepEqual(positionKeyProblems(records, looser), []);
});

test('duplicate keys: the last one wins, as in Python, and is not a problem', () => {
  const text = SAMPLE.replace('"units": 1,', '"units": 2,\n    "units": 1,');
  assert.notEqual(text, SAMPLE);
  const state = parsePositions(text, KEYS, 0, 'x');
  assert.equal(state.status, 'valid');
  assert.equal(state.status === 'valid' && state.doc[1]!.units, 1);
});

test('odd keys are rendered as quoted JSON path segments', () => {
  const problems = problemsOf('[{"position_id": "p", "a b": 1, "__proto__": 2, "constructor": 3, "toString": "\\u0000py:constructor"}]');
  const paths = problems.filter((p) => p.code === 'unknown-key').map((p) => p.path);
  assert.deepEqual(paths, ['$[0]["a b"]', '$[0].__proto__', '$[0].constructor', '$[0].toString']);
});

test('hostile input never throws and stays fast', () => {
  const started = performance.now();
  const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
  assert.equal(problemsOf(deep)[0]!.path, `$${'[0]'.repeat(16)}…(1481 levels deeper)`);
  const unclosed = problemsOf('['.repeat(200_000));
  assert.match(unclosed[0]!.path, /^\$\[0\]\[0\].*levels deeper\)$/);
  assert.ok(unclosed[0]!.path.length < 200, 'the path of a deep error stays short');
  const garbage = Buffer.alloc(5_000_000, 'garbage!').toString();
  assert.equal(problemsOf(garbage)[0]!.code, 'parse');
  for (const odd of [
    'null',
    'true',
    '0',
    '"[]"',
    '{}',
    '[[]]',
    '[null]',
    '-',
    '[-]',
    '[01]',
    '[1e]',
    '["\\u12"]',
    '{"a"}',
    '{"a":1,}',
    '[1 2]',
  ]) {
    const result = validatePositions(odd, KEYS);
    assert.equal(result.ok, false, odd);
  }
  assert.ok(performance.now() - started < 3_000, `took ${performance.now() - started} ms`);
});

test('a huge list of bad records reports at most MAX_PROBLEMS and says how many more', () => {
  const text = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ position_id: `P${i}` })));
  const problems = problemsOf(text);
  assert.equal(problems.length, MAX_PROBLEMS + 1);
  assert.equal(problems[MAX_PROBLEMS]!.path, '$');
  assert.equal(problems[MAX_PROBLEMS]!.message, `… and ${20_000 * 15 - MAX_PROBLEMS} more problems not listed`);
});

test('the summary of dropped problems carries the weightiest code dropped', () => {
  const record = JSON.parse(SAMPLE)[1] as Record<string, unknown>;
  const keyOnly = Array.from({ length: 60 }, (_, i) => ({ ...record, position_id: `P${i}`, entry_reason: 'x' }));
  assert.equal(problemsOf(JSON.stringify(keyOnly)).at(-1)!.code, 'unknown-key');
  const withType = [...keyOnly, { ...record, units: 'two' }];
  assert.deepEqual(problemsOf(JSON.stringify(withType)).at(-1), { path: '$', code: 'type', message: '… and 11 more problems not listed' });
});

test('a document far too deep is reported at the depth where Python gives up, not thrown', () => {
  const [p] = problemsOf('['.repeat(1_000_000) + 'NaN' + ']'.repeat(1_000_000));
  assert.equal(p!.code, 'parse');
  assert.match(p!.message, /more than 1497 levels of nesting\): line 1 column 1498 \(char 1497\)$/);
});

test('fuzz: mutated samples never throw, and agree with JSON.parse on what is JSON', () => {
  // Deterministic PRNG so that a failure can be replayed.
  let seed = 20260224;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\n', '0', '-', '.', 'e', 'N', 'a', 'n', 'u', '\u0000', '\uFFFD', 'I'];
  for (let round = 0; round < 3_000; round += 1) {
    const chars = [...SAMPLE.slice(0, 400 + rand(1_500))];
    for (let k = 1 + rand(4); k > 0; k -= 1) {
      const at = rand(chars.length);
      const op = rand(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]!);
      else chars[at] = alphabet[rand(alphabet.length)]!;
    }
    const text = chars.join('');
    const ours = parsePythonJson(text);
    let native = true;
    try {
      JSON.parse(text);
    } catch {
      native = false;
    }
    if (native) assert.equal(ours.ok, true, `JSON.parse accepts but we refuse: ${JSON.stringify(text)}`);
    // What both accept, both read alike (NaN aside, which JSON.parse cannot give).
    if (native && ours.ok) assert.deepEqual(ours.value, JSON.parse(text));
    if (!ours.ok) {
      assert.match(ours.problem.path, /^\$/);
      assert.match(ours.problem.message, /line \d+ column \d+ \(char \d+\)$/);
    } else if (!native) {
      // Only Python's extra tokens may make us accept what JSON.parse refuses.
      assert.match(text, /NaN|Infinity/, `we accept what JSON.parse refuses: ${JSON.stringify(text)}`);
    }
    const state = parsePositions(text, KEYS, 0, 'x');
    assert.ok(state.status === 'valid' || (state.status === 'corrupt' && state.problems.length > 0));
  }
});
