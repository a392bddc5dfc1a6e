// Change detection over successive valid versions of positions.json, and judging a change against
// the close lines and writer runs seen in the logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  OPEN_RUN_HORIZON_MS,
  SEEN_VERSIONS_KEPT,
  WRITER_SLACK_MS,
  comparePositions,
  diffPositions,
  emptyPositionsHistory,
  judgeChange,
  rememberVersion,
  type PositionsHistory,
} from '../src/core/positions-change.ts';
import type { Run } from '../src/core/types.ts';
import type { PositionRecord, PositionsChange } from '../src/core/world.ts';
import { PROFILES } from './helpers/world.ts';

const SAMPLE = JSON.parse(readFileSync(new URL('./fixtures/json/good/positions.json', import.meta.url), 'utf8')) as PositionRecord[];
const T0 = Date.parse('2026-02-24T07:00:00Z'); // 16:00 KST
const MIN = 60_000;
const SAMSUNG = '005930.KS_1_LONG_20260212_100512';
const HYNIX = '000660.KS_2_LONG_20260213_093318';

function run(
  script: string,
  startedAt: number,
  finishedAt?: number,
  jobId = script === 'signal_check.py' ? 'signal_kr.log' : 'check_kr.log',
): Run {
  return {
    jobId,
    script,
    startedAt,
    startStamp: new Date(startedAt).toISOString(),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    end: finishedAt !== undefined ? 'finished' : 'open',
    tracebacks: [],
    errorLines: [],
    telegram: { channelActive: true, successes: [], failures: [], notifyEvents: [] },
    closedPositions: [],
    healLines: [],
  };
}

const docs = () => structuredClone(SAMPLE);
const closed = (doc: PositionRecord[], id: string) =>
  doc.map((p) =>
    p.position_id === id
      ? { ...p, status: 'closed' as const, exit_date: '2026-02-24', exit_price: 92700, exit_reason: 'Stop Loss', pnl: -1, r_multiple: -1 }
      : p,
  );

function change(partial: Partial<PositionsChange>): PositionsChange {
  return {
    at: T0,
    fromSha256: 'a'.repeat(64),
    toSha256: 'b'.repeat(64),
    vanishedOpen: [],
    sizeChanges: [],
    writerRunsNearby: [],
    ...partial,
  };
}

const NO_RUNS = { runs: {}, profiles: PROFILES };

test('the first version only starts the history; an identical version is no change', () => {
  let h: PositionsHistory = emptyPositionsHistory();
  const first = diffPositions(h, { sha256: 'v1', doc: docs() }, T0, NO_RUNS);
  assert.equal(first.change, undefined);
  h = first.history;
  assert.equal(h.last?.sha256, 'v1');
  const same = diffPositions(h, { sha256: 'v1', doc: docs() }, T0 + MIN, NO_RUNS);
  assert.equal(same.change, undefined);
  assert.deepEqual(same.history.seen, [{ sha256: 'v1', firstSeenAt: T0, lastSeenAt: T0 + MIN }]);
});

test('a close, a removal and size edits are reported; a new position or a last_update edit is not', () => {
  const before = docs();
  const after = closed(docs(), SAMSUNG).filter((p) => p.position_id !== HYNIX);
  const tsla = after.find((p) => p.symbol === 'TSLA')!;
  tsla.units = 2;
  tsla.pyramid_level = 1;
  tsla.total_shares = 14;
  tsla.last_update = '2026-02-24T07:00:01.000001';
  after.push({ ...tsla, position_id: 'SPY_1_LONG_20260224_070001', symbol: 'SPY' });
  const c = comparePositions({ sha256: 'v1', doc: before }, { sha256: 'v2', doc: after }, T0, NO_RUNS);
  assert.ok(c);
  assert.deepEqual(c.vanishedOpen, [SAMSUNG, HYNIX]);
  assert.deepEqual(c.sizeChanges, [
    { positionId: 'TSLA_2_SHORT_20260211_073204', field: 'units', before: 1, after: 2 },
    { positionId: 'TSLA_2_SHORT_20260211_073204', field: 'total_shares', before: 7, after: 14 },
    { positionId: 'TSLA_2_SHORT_20260211_073204', field: 'pyramid_level', before: 0, after: 1 },
  ]);
  assert.equal(c.revertedToSeenAt, undefined);

  const cosmetic = docs();
  cosmetic[1]!.last_update = '2026-02-24T07:00:01.000001';
  cosmetic.push({ ...cosmetic[1]!, position_id: 'NEW_1' });
  assert.equal(comparePositions({ sha256: 'v1', doc: before }, { sha256: 'v3', doc: cosmetic }, T0, NO_RUNS), null);
});

test('a change is compared with the last valid version, through absent or corrupt states', () => {
  // step.ts only calls diffPositions for valid versions: v1 (open positions) … file gone … `[]` recreated.
  let h = diffPositions(emptyPositionsHistory(), { sha256: 'v1', doc: docs() }, T0, NO_RUNS).history;
  const recreated = diffPositions(h, { sha256: 'empty', doc: [] }, T0 + 10 * MIN, NO_RUNS);
  assert.deepEqual(recreated.change?.vanishedOpen, ['TSLA_2_SHORT_20260211_073204', SAMSUNG, HYNIX]);
  h = recreated.history;
  assert.equal(h.last?.sha256, 'empty');
});

test('a revert to a version seen before is flagged with when it was seen', () => {
  let h = emptyPositionsHistory();
  h = diffPositions(h, { sha256: 'v1', doc: docs() }, T0, NO_RUNS).history;
  const v2 = closed(docs(), SAMSUNG);
  h = diffPositions(h, { sha256: 'v2', doc: v2 }, T0 + MIN, NO_RUNS).history;
  const back = diffPositions(h, { sha256: 'v1', doc: docs() }, T0 + 2 * MIN, NO_RUNS);
  assert.equal(back.change?.revertedToSeenAt, T0);
  assert.deepEqual(back.change?.vanishedOpen, []);
});

test('the history is bounded and survives a JSON round trip (it is checkpointed)', () => {
  let seen = rememberVersion([], 'first', 0);
  for (let i = 1; i <= SEEN_VERSIONS_KEPT + 5; i += 1) seen = rememberVersion(seen, `v${i}`, i);
  assert.equal(seen.length, SEEN_VERSIONS_KEPT);
  assert.equal(
    seen.some((v) => v.sha256 === 'first'),
    false,
  );
  const h = diffPositions(emptyPositionsHistory(), { sha256: 'v1', doc: docs() }, T0, NO_RUNS).history;
  assert.deepEqual(JSON.parse(JSON.stringify(h)), h);
});

test('writer runs near the change are recorded at diff time', () => {
  const runs = {
    'check_kr.log': [run('check_positions.py', T0 - 2 * MIN, T0 + MIN)],
    'signal_kr.log': [run('signal_check.py', T0 - MIN, T0)],
  };
  const c = comparePositions({ sha256: 'v1', doc: docs() }, { sha256: 'v2', doc: closed(docs(), SAMSUNG) }, T0, {
    runs,
    profiles: PROFILES,
  });
  assert.deepEqual(c?.writerRunsNearby, ['check_kr.log']);
});

test('judge: a close with its 포지션 청산 line during a check_positions run is explained', () => {
  const world = {
    closeLines: [{ positionId: SAMSUNG, at: T0 - MIN }],
    runs: { 'check_kr.log': [run('check_positions.py', T0 - MIN)] },
    profiles: PROFILES,
  };
  const j = judgeChange(change({ vanishedOpen: [SAMSUNG] }), world, { closeExplainWindow: 45 * MIN }, T0 + MIN);
  assert.equal(j.status, 'explained');
  assert.deepEqual(j.reasons, [`${SAMSUNG} closed: 포지션 청산 logged by the run of check_kr.log`]);
});

test('judge: without the close line, pending until the window passes, then unexplained', () => {
  const world = { closeLines: [], runs: { 'check_kr.log': [run('check_positions.py', T0 - MIN, T0 + MIN)] }, profiles: PROFILES };
  const c = change({ vanishedOpen: [SAMSUNG] });
  const early = judgeChange(c, world, { closeExplainWindow: 45 * MIN }, T0 + 5 * MIN);
  assert.equal(early.status, 'pending');
  assert.equal(early.decideAt, T0 + 45 * MIN);
  const late = judgeChange(c, world, { closeExplainWindow: 45 * MIN }, T0 + 45 * MIN);
  assert.equal(late.status, 'unexplained');
  assert.deepEqual(late.reasons, [
    `open position ${SAMSUNG} vanished or turned closed with no "포지션 청산: ${SAMSUNG}" line within 45 min`,
  ]);
  // A line arriving late, still within the window of the change, explains it.
  const withLine = { ...world, closeLines: [{ positionId: SAMSUNG, at: T0 + 40 * MIN }] };
  assert.equal(judgeChange(c, withLine, { closeExplainWindow: 45 * MIN }, T0 + 50 * MIN).status, 'explained');
  // A line for another position, or far outside the window, does not.
  const wrong = {
    ...world,
    closeLines: [
      { positionId: HYNIX, at: T0 },
      { positionId: SAMSUNG, at: T0 - 3 * 3_600_000 },
    ],
  };
  assert.equal(judgeChange(c, wrong, { closeExplainWindow: 45 * MIN }, T0 + 50 * MIN).status, 'unexplained');
});

test('judge: a close line is not enough when no job allowed to write the file was running (v3.2.0)', () => {
  const world = {
    closeLines: [{ positionId: SAMSUNG, at: T0 }],
    runs: { 'signal_kr.log': [run('signal_check.py', T0 - MIN, T0 + MIN)] },
    profiles: PROFILES,
  };
  const j = judgeChange(change({ vanishedOpen: [SAMSUNG] }), world, { closeExplainWindow: 45 * MIN }, T0 + 46 * MIN);
  assert.equal(j.status, 'unexplained');
  assert.match(j.reasons[0]!, /포지션 청산 was logged, but no job allowed to write positions\.json had a run at the time/);
});

test('judge: size changes are explained only during a writer run; outside one, unexplained after the slack', () => {
  const size = change({ sizeChanges: [{ positionId: SAMSUNG, field: 'units', before: 3, after: 4 }] });
  const params = { closeExplainWindow: 45 * MIN };
  const outside = {
    closeLines: [],
    runs: { 'check_kr.log': [run('check_positions.py', T0 - 3 * 3_600_000, T0 - 3 * 3_600_000 + MIN)] },
    profiles: PROFILES,
  };
  assert.equal(judgeChange(size, outside, params, T0 + MIN).status, 'pending');
  const late = judgeChange(size, outside, params, T0 + WRITER_SLACK_MS);
  assert.equal(late.status, 'unexplained');
  assert.equal(
    late.reasons[0],
    `${SAMSUNG}.units 3 → 4 outside any run of a job allowed to write positions.json (nobody changes sizes in code)`,
  );
  const inside = { ...outside, runs: { 'check_kr.log': [run('check_positions.py', T0 - MIN, T0 + MIN)] } };
  assert.equal(judgeChange(size, inside, params, T0 + WRITER_SLACK_MS).status, 'explained');
});

test('judge: a run left open for hours no longer explains writes', () => {
  const size = change({ sizeChanges: [{ positionId: SAMSUNG, field: 'total_shares', before: 15, after: 20 }] });
  const hung = {
    closeLines: [],
    runs: { 'check_kr.log': [run('check_positions.py', T0 - OPEN_RUN_HORIZON_MS - WRITER_SLACK_MS - MIN)] },
    profiles: PROFILES,
  };
  assert.equal(judgeChange(size, hung, { closeExplainWindow: 45 * MIN }, T0 + WRITER_SLACK_MS).status, 'unexplained');
});

test('judge: a revert is unexplained at once, whatever ran', () => {
  const world = { closeLines: [], runs: { 'check_kr.log': [run('check_positions.py', T0 - MIN)] }, profiles: PROFILES };
  const j = judgeChange(change({ revertedToSeenAt: T0 - 86_400_000 }), world, { closeExplainWindow: 45 * MIN }, T0);
  assert.equal(j.status, 'unexplained');
  assert.equal(j.reasons[0], 'the file went back to a version already seen at 2026-02-23T07:00:00.000Z (a restore from an older copy)');
});
