// Every malformed file in test/fixtures/json/bad/ goes the whole way: read from disk by the adapter,
// parsed by the core, judged by both rules. Each must give a clear problem with a JSON path, and the
// rules a fail(corrupt) or inconclusive — never a crash, never a failure on a guess.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ruleSchema, type Rule } from '../src/config/schema.ts';
import { readJsonFile } from '../src/adapters/json-files.ts';
import { parseEntries, parseOrderLog, parsePositions } from '../src/core/positions.ts';
import { V32_KNOWN_POSITION_KEYS, V32_REQUIRED_POSITION_KEYS, V32_VALIDATED_POSITION_KEYS } from '../src/core/record-shapes.ts';
import { CHECK_INPUTS, type FillCheck } from '../src/core/invariants.ts';
import { evaluateRule } from '../src/core/rules/index.ts';
import type { JsonFileKind } from '../src/core/types.ts';
import type { JsonDocState, World } from '../src/core/world.ts';
import { worldWith } from './helpers/world.ts';

const BAD_DIR = fileURLToPath(new URL('./fixtures/json/bad/', import.meta.url));
const good = (name: string) => readFileSync(new URL(`./fixtures/json/good/${name}`, import.meta.url), 'utf8');
const KEYS = { requiredKeys: V32_REQUIRED_POSITION_KEYS, knownKeys: V32_KNOWN_POSITION_KEYS, validatedKeys: V32_VALIDATED_POSITION_KEYS };
const T0 = Date.parse('2026-02-24T07:00:00Z');

type Code = 'parse' | 'shape' | 'missing-key' | 'unknown-key' | 'type';

/** The first problem each file must report: its code and JSON path. */
const EXPECTED: Record<string, [Code, string]> = {
  'positions-bad-escape.json': ['parse', '$[0].exit_reason'],
  'positions-bom.json': ['parse', '$'],
  'positions-comment.json': ['parse', '$'],
  'positions-control-char.json': ['parse', '$[0].exit_reason'],
  // Python's json gives up past 1497 levels (RecursionError): the loader reads the file as empty.
  'positions-deeply-nested.json': ['parse', '$[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]…(1481 levels deeper)'],
  'positions-direction-lowercase.json': ['type', '$[1].direction'],
  'positions-element-null.json': ['shape', '$[1]'],
  'positions-element-number.json': ['shape', '$[0]'],
  'positions-empty.json': ['parse', '$'],
  'positions-entry-n-object.json': ['type', '$[2].entry_n'],
  'positions-extra-data.json': ['parse', '$'],
  'positions-garbage.json': ['parse', '$'],
  'positions-huge-number.json': ['type', '$[2].total_shares'],
  'positions-invalid-utf8.json': ['parse', '$[0].exit_reason'],
  'positions-missing-position-id.json': ['missing-key', '$[1].position_id'],
  'positions-missing-units.json': ['missing-key', '$[2].units'],
  'positions-nan-entry-price.json': ['type', '$[3].entry_price'],
  'positions-nested-lists.json': ['shape', '$[0]'],
  'positions-not-a-list.json': ['shape', '$'],
  'positions-nul-bytes.json': ['parse', '$[1]'],
  'positions-null.json': ['shape', '$'],
  'positions-price-string.json': ['type', '$[3].entry_price'],
  'positions-python-repr.json': ['parse', '$[0]'],
  'positions-single-quotes.json': ['parse', '$[0]'],
  'positions-status-unknown.json': ['type', '$[3].status'],
  'positions-string.json': ['shape', '$'],
  'positions-system-fraction.json': ['type', '$[1].system'],
  'positions-trailing-comma.json': ['parse', '$[4]'],
  'positions-truncated-after-comma.json': ['parse', '$[1]'],
  'positions-truncated-mid-number.json': ['parse', '$[2].entry_price'],
  'positions-truncated-mid-string.json': ['parse', '$[1].position_id'],
  'positions-two-documents.json': ['parse', '$'],
  'positions-units-boolean.json': ['type', '$[2].units'],
  'positions-units-null.json': ['type', '$[2].units'],
  'positions-units-string.json': ['type', '$[2].units'],
  'positions-unknown-key-entry-reason.json': ['unknown-key', '$[3].entry_reason'],
  'positions-unknown-key-market.json': ['unknown-key', '$[2].market'],
  'positions-whitespace.json': ['parse', '$'],
  'entries-element-list.json': ['shape', '$[0]'],
  'entries-missing-shares.json': ['missing-key', '$[4].shares'],
  'entries-not-a-list.json': ['shape', '$'],
  'entries-shares-string.json': ['type', '$[0].shares'],
  'entries-truncated.json': ['parse', '$[3].entry_date'],
  'entries-unknown-key.json': ['unknown-key', '$[2].market'],
  'order_log-dry-run-string.json': ['type', '$[1].dry_run'],
  'order_log-element-null.json': ['shape', '$[1]'],
  'order_log-garbage.json': ['parse', '$'],
  'order_log-missing-order-id.json': ['missing-key', '$[0].order_id'],
  'order_log-object.json': ['shape', '$'],
  'order_log-quantity-string.json': ['type', '$[1].quantity'],
  'order_log-truncated.json': ['parse', '$[1].error_message'],
};

const RULES: Rule[] = [
  ruleSchema.parse({ id: 'positions-corrupt', kind: 'positions-integrity', action: 'halt' }),
  ruleSchema.parse({ id: 'fill-mismatch', kind: 'fill-integrity', action: 'escalate', params: { checks: Object.keys(CHECK_INPUTS) } }),
];

function kindOf(file: string): JsonFileKind {
  if (file.startsWith('positions-')) return 'positions';
  if (file.startsWith('entries-')) return 'entries';
  if (file.startsWith('order_log-')) return 'orderLog';
  throw new Error(`fixture ${file} must start with positions-, entries- or order_log-`);
}

function world(which: JsonFileKind, state: JsonDocState<never[]>): World {
  return worldWith(T0, {
    positions: parsePositions(good('positions.json'), KEYS, T0, 'p'),
    entries: parseEntries(good('entries.json'), T0, 'e'),
    orderLog: parseOrderLog(good('order_log.json'), T0, 'o'),
    [which]: state,
  });
}

const files = readdirSync(BAD_DIR).sort();

test('the corpus has at least 30 files and an expectation for each', () => {
  assert.ok(files.length >= 30, `${files.length} files`);
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
});

for (const file of files) {
  test(`bad input ${file}: a located problem, then fail(corrupt) or inconclusive`, async () => {
    const which = kindOf(file);
    const read = await readJsonFile(which, `${BAD_DIR}${file}`, () => T0);
    assert.ok(read.ok, 'the adapter reads any bytes');
    const { content, sha256, invalidUtf8 } = read.file;
    assert.equal(typeof content, 'string');
    const state =
      which === 'positions'
        ? parsePositions(content!, KEYS, T0, sha256!, invalidUtf8)
        : which === 'entries'
          ? parseEntries(content!, T0, sha256!, invalidUtf8)
          : parseOrderLog(content!, T0, sha256!, invalidUtf8);
    assert.equal(state.status, 'corrupt');
    if (state.status !== 'corrupt') return;
    assert.equal(state.sha256, sha256);
    const [code, path] = EXPECTED[file]!;
    assert.deepEqual([state.problems[0]!.code, state.problems[0]!.path], [code, path]);
    for (const problem of state.problems) {
      assert.match(problem.path, /^\$/);
      assert.ok(problem.message.length > 10 && problem.message.length < 400, problem.message);
    }

    const verdicts = RULES.flatMap((rule) => evaluateRule(rule, world(which, state as JsonDocState<never[]>), T0));
    assert.ok(
      verdicts.every((v) => v.outcome !== 'error'),
      JSON.stringify(verdicts.filter((v) => v.outcome === 'error')),
    );
    const corrupt = verdicts.find((v) => v.cause === 'positions.json:corrupt')!;
    if (which === 'positions') {
      assert.equal(corrupt.outcome, 'fail');
      assert.equal(corrupt.label, 'corrupt');
      assert.equal(corrupt.evidence[0]!.path, path);
    } else assert.equal(corrupt.outcome, 'pass');
    for (const v of verdicts.filter((v) => v.ruleId === 'fill-mismatch')) {
      const needsIt = CHECK_INPUTS[v.cause as FillCheck].includes(which);
      assert.equal(v.outcome, needsIt ? 'inconclusive' : 'pass', `${v.cause}: ${v.summary}`);
    }
  });
}
