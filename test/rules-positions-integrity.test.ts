// The positions-integrity rule over hand-built worlds: corrupt, healed and unexpected-change checks,
// absent and unread files, and the rule's own key lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { profileSchema, type RuleOf } from '../src/config/schema.ts';
import { parsePositions } from '../src/core/positions.ts';
import { V32_KNOWN_POSITION_KEYS, V32_REQUIRED_POSITION_KEYS, V32_VALIDATED_POSITION_KEYS } from '../src/core/record-shapes.ts';
import { EVENT_WINDOW_MS, evaluatePositionsIntegrity } from '../src/core/rules/positions-integrity.ts';
import { evaluateRule } from '../src/core/rules/index.ts';
import type { Run } from '../src/core/types.ts';
import type { PositionsChange, World } from '../src/core/world.ts';
import { ruleOf, worldWith } from './helpers/world.ts';

const SAMPLE = readFileSync(new URL('./fixtures/json/good/positions.json', import.meta.url), 'utf8');
const KEYS = { requiredKeys: V32_REQUIRED_POSITION_KEYS, knownKeys: V32_KNOWN_POSITION_KEYS, validatedKeys: V32_VALIDATED_POSITION_KEYS };
const T0 = Date.parse('2026-02-24T07:00:00Z');
const MIN = 60_000;
const SAMSUNG = '005930.KS_1_LONG_20260212_100512';

function rule(params: Record<string, unknown> = {}): RuleOf<'positions-integrity'> {
  return ruleOf('positions-integrity', params, { id: 'positions-corrupt', action: 'halt' });
}

function world(partial: Partial<World> = {}): World {
  return worldWith(T0, {
    watchStartedAt: T0 - 86_400_000,
    jobsSince: T0 - 86_400_000,
    crontabKnown: true,
    profiles: {
      'check_positions.py': profileSchema.parse({
        script: 'check_positions.py',
        startMarker: 'start',
        finishMarker: 'finish',
        writesPositions: true,
      }),
    },
    version: { version: 'v3.2.1', evidence: ['crontab runs check_positions.py'] },
    positions: parsePositions(SAMPLE, KEYS, T0 - MIN, 'sha-good'),
    ...partial,
  });
}

function checkRun(startedAt: number): Run {
  return {
    jobId: 'check_kr.log',
    script: 'check_positions.py',
    startedAt,
    startStamp: '2026-02-24 07:00:02,114',
    end: 'open',
    tracebacks: [],
    errorLines: [],
    telegram: { channelActive: true, successes: [], failures: [], notifyEvents: [] },
    closedPositions: [SAMSUNG],
    healLines: [],
  };
}

const byCause = (verdicts: ReturnType<typeof evaluatePositionsIntegrity>) => Object.fromEntries(verdicts.map((v) => [v.cause, v]));

test('a healthy world: corrupt and healed pass, no change verdicts', () => {
  const verdicts = evaluatePositionsIntegrity(rule(), world(), T0);
  assert.deepEqual(
    verdicts.map((v) => [v.cause, v.outcome]),
    [
      ['positions.json:corrupt', 'pass'],
      ['positions.json:healed', 'pass'],
    ],
  );
});

test('a corrupt file fails with every problem as JSON evidence, label corrupt', () => {
  const text = SAMPLE.replace('"symbol": "005930.KS",', '"symbol": "005930.KS",\n    "market": "KR",').replace(
    '"units": 1,',
    '"units": "1",',
  );
  const positions = parsePositions(text, KEYS, T0 - MIN, 'sha-bad');
  const [v] = evaluatePositionsIntegrity(rule({ checks: ['corrupt'] }), world({ positions }), T0);
  assert.equal(v!.outcome, 'fail');
  assert.equal(v!.label, 'corrupt');
  assert.equal(v!.cause, 'positions.json:corrupt');
  assert.equal(
    v!.summary,
    'positions.json is corrupt: $[1].units: position TSLA_2_SHORT_20260211_073204: "units" must be a number, found the string "1" (+1 more)',
  );
  assert.deepEqual(
    v!.evidence.map((e) => [e.kind, e.file, e.path]),
    [
      ['json', 'positions.json', '$[1].units'],
      ['json', 'positions.json', '$[2].market'],
    ],
  );
  assert.match(v!.evidence[1]!.text, /^unknown-key: .*Position\.__init__\(\) got an unexpected keyword argument 'market'/);
});

test('not JSON at all: fail with the located parse error', () => {
  const positions = parsePositions(SAMPLE.slice(0, 40), KEYS, T0, 'sha-cut');
  const [v] = evaluatePositionsIntegrity(rule({ checks: ['corrupt'] }), world({ positions }), T0);
  assert.equal(v!.outcome, 'fail');
  assert.match(
    v!.summary,
    /^positions\.json is corrupt: \$\[0\]\.position_id: not valid JSON: Unterminated string starting at: line 3 column 20/,
  );
});

test('absent or not yet read: inconclusive, never a guess', () => {
  const absent = evaluatePositionsIntegrity(rule({ checks: ['corrupt'] }), world({ positions: { status: 'absent', observedAt: T0 } }), T0);
  assert.equal(absent[0]!.outcome, 'inconclusive');
  assert.match(absent[0]!.summary, /does not exist; the guarded system creates \[\]/);
  const { positions: _unused, ...rest } = world();
  const unread = evaluatePositionsIntegrity(rule({ checks: ['corrupt'] }), rest as World, T0);
  assert.equal(unread[0]!.outcome, 'inconclusive');
});

test("the rule's own key lists decide: a key it knows passes, a key it requires fails", () => {
  const v39 = SAMPLE.replace('"r_multiple": -0.9999999999999994', '"r_multiple": -0.9999999999999994,\n    "entry_reason": "돌파"');
  // Parsed by step.ts with the default lists: corrupt because of entry_reason…
  const positions = parsePositions(v39, KEYS, T0, 'sha-v39');
  assert.equal(positions.status, 'corrupt');
  // …but a rule that knows entry_reason does not call it corrupt.
  const knowing = rule({ checks: ['corrupt'], knownKeys: [...V32_KNOWN_POSITION_KEYS, 'entry_reason'] });
  assert.equal(evaluatePositionsIntegrity(knowing, world({ positions }), T0)[0]!.outcome, 'pass');
  // A valid file fails under a rule that requires a key a record lacks (a later release's new field).
  const requiring = rule({
    checks: ['corrupt'],
    requiredKeys: [...V32_REQUIRED_POSITION_KEYS, 'entry_reason'],
    knownKeys: [...V32_KNOWN_POSITION_KEYS, 'entry_reason'],
  });
  assert.equal(positions.status === 'corrupt' && positions.problems.length, 1);
  const lacking = parsePositions(SAMPLE, KEYS, T0, 'sha-lacking');
  assert.equal(lacking.status, 'valid');
  const [v] = evaluatePositionsIntegrity(requiring, world({ positions: lacking }), T0);
  assert.equal(v!.outcome, 'fail');
  assert.deepEqual(
    v!.evidence.map((e) => e.path),
    ['$[0].entry_reason', '$[1].entry_reason', '$[2].entry_reason', '$[3].entry_reason'],
  );
});

test('a long v3.9 file: the truncated key problems are re-judged as a whole', () => {
  const record = JSON.parse(SAMPLE)[1] as Record<string, unknown>;
  const records = Array.from({ length: 80 }, (_, i) => ({ ...record, position_id: `P${i}`, symbol: `S${i}`, entry_reason: '돌파' }));
  const knowing = rule({ checks: ['corrupt'], knownKeys: [...V32_KNOWN_POSITION_KEYS, 'entry_reason'] });
  const keyOnly = parsePositions(JSON.stringify(records), KEYS, T0, 'sha-long');
  assert.equal(keyOnly.status === 'corrupt' && keyOnly.problems.length, 51);
  assert.equal(evaluatePositionsIntegrity(knowing, world({ positions: keyOnly }), T0)[0]!.outcome, 'pass');
  assert.equal(evaluatePositionsIntegrity(rule({ checks: ['corrupt'] }), world({ positions: keyOnly }), T0)[0]!.outcome, 'fail');
  // A type problem beyond the cap still counts under any key list.
  const typed = parsePositions(JSON.stringify([...records, { ...record, units: 'two' }]), KEYS, T0, 'sha-typed');
  const [v] = evaluatePositionsIntegrity(knowing, world({ positions: typed }), T0);
  assert.equal(v!.outcome, 'fail');
  assert.deepEqual(
    v!.evidence.map((e) => e.path),
    ['$'],
  );
});

test('a silent heal in the logs fails with the log lines, label healed; old heals are history', () => {
  const healLines = [
    {
      file: 'check_kr.log',
      text: '2026-02-24 07:00:02,643 - src.utils - CRITICAL - JSON 파일 손상: data/positions/positions.json - Expecting value: line 1 column 1 (char 0)',
      at: T0 - 2 * MIN,
    },
    {
      file: 'check_kr.log',
      text: '2026-02-24 07:00:02,644 - src.utils - INFO - 백업에서 복원: data/positions/backups/positions_20260224.json',
      at: T0 - 2 * MIN,
    },
  ];
  const [, healed] = evaluatePositionsIntegrity(rule(), world({ healLines }), T0);
  assert.equal(healed!.outcome, 'fail');
  assert.equal(healed!.label, 'healed');
  assert.equal(healed!.cause, 'positions.json:healed');
  assert.deepEqual(
    healed!.evidence.map((e) => [e.kind, e.file, e.at]),
    [
      ['log', 'check_kr.log', T0 - 2 * MIN],
      ['log', 'check_kr.log', T0 - 2 * MIN],
    ],
  );
  assert.match(healed!.summary, /백업에서 복원: data\/positions\/backups\/positions_20260224\.json\)$/);
  const later = evaluatePositionsIntegrity(rule({ checks: ['healed'] }), world({ healLines }), T0 + EVENT_WINDOW_MS);
  assert.equal(later[0]!.outcome, 'pass');
});

test('changes: unexplained fails per change, pending and explained pass, each with its own cause', () => {
  const base = { fromSha256: 'f'.repeat(64), sizeChanges: [], writerRunsNearby: [] };
  const vanished: PositionsChange = { ...base, at: T0 - 50 * MIN, toSha256: '1'.repeat(64), vanishedOpen: [SAMSUNG] };
  const pending: PositionsChange = { ...base, at: T0 - MIN, toSha256: '2'.repeat(64), vanishedOpen: ['TSLA_2_SHORT_20260211_073204'] };
  const explained: PositionsChange = { ...base, at: T0 - MIN, toSha256: '3'.repeat(64), vanishedOpen: [SAMSUNG] };
  const w = world({
    positionsChanges: [vanished, pending, explained],
    closeLines: [{ positionId: SAMSUNG, at: T0 - 2 * MIN }],
    runs: { 'check_kr.log': [checkRun(T0 - 2 * MIN)] },
  });
  const verdicts = byCause(evaluatePositionsIntegrity(rule({ checks: ['unexpected-change'] }), w, T0));
  const v1 = verdicts[`positions.json:change:${'1'.repeat(12)}`]!;
  assert.equal(v1.outcome, 'fail');
  assert.equal(v1.label, 'unexpected-change');
  assert.match(v1.summary, /^positions\.json changed unexpectedly: open position 005930\.KS_1_LONG_20260212_100512 vanished/);
  assert.deepEqual(
    v1.evidence.filter((e) => e.kind === 'json').map((e) => e.path),
    [`$[?(@.position_id=="${SAMSUNG}")].status`],
  );
  assert.equal(verdicts[`positions.json:change:${'2'.repeat(12)}`]!.outcome, 'pass');
  assert.match(verdicts[`positions.json:change:${'2'.repeat(12)}`]!.summary, /not judged yet/);
  assert.equal(verdicts[`positions.json:change:${'3'.repeat(12)}`]!.outcome, 'pass');
  assert.match(verdicts[`positions.json:change:${'3'.repeat(12)}`]!.summary, /explained: .*포지션 청산 logged by the run of check_kr\.log/);
});

test('a revert fails at once; changes older than the event window are not judged again', () => {
  const revert: PositionsChange = {
    at: T0,
    fromSha256: 'f'.repeat(64),
    toSha256: 'e'.repeat(64),
    vanishedOpen: [],
    sizeChanges: [],
    revertedToSeenAt: T0 - 86_400_000,
    writerRunsNearby: [],
  };
  const [v] = evaluatePositionsIntegrity(rule({ checks: ['unexpected-change'] }), world({ positionsChanges: [revert] }), T0);
  assert.equal(v!.outcome, 'fail');
  assert.match(v!.summary, /went back to a version already seen at 2026-02-23T07:00:00\.000Z/);
  assert.deepEqual(
    evaluatePositionsIntegrity(rule({ checks: ['unexpected-change'] }), world({ positionsChanges: [revert] }), T0 + EVENT_WINDOW_MS + 1),
    [],
  );
});

test('only the listed checks run, and the rule table dispatches to this evaluator', () => {
  const corrupt = parsePositions('{}', KEYS, T0, 'x');
  const w = world({ positions: corrupt, healLines: [{ file: 'check_kr.log', text: 'JSON 파일 손상', at: T0 }] });
  assert.deepEqual(
    evaluatePositionsIntegrity(rule({ checks: ['healed'] }), w, T0).map((v) => v.cause),
    ['positions.json:healed'],
  );
  const viaTable = evaluateRule(rule(), w, T0);
  assert.deepEqual(
    viaTable.map((v) => [v.cause, v.outcome]),
    [
      ['positions.json:corrupt', 'fail'],
      ['positions.json:healed', 'fail'],
    ],
  );
});
