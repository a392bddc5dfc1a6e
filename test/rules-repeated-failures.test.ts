// Runbook criterion "repeated exceptions without recovery": one failed run warns, N in a row fire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { profileSchema, type RuleOf } from '../src/config/schema.ts';
import { applyLogLines, emptyRunsState, listOpenRuns } from '../src/core/runs.ts';
import { evaluateRepeatedFailures, judgeRun } from '../src/core/rules/repeated-failures.ts';
import type { Job, Run } from '../src/core/types.ts';
import type { World } from '../src/core/world.ts';
import { profileOf, ruleOf, worldWith } from './helpers/world.ts';
import { CHECK_KR_JOB } from './helpers/check-kr-job.ts';

const PROFILE = profileOf('check_positions.py');
const JOB = CHECK_KR_JOB;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 1, 23, 7, 0, 2);

function rule(params: Record<string, unknown> = {}): RuleOf<'repeated-failures'> {
  return ruleOf('repeated-failures', params, { action: 'rollback' });
}

function world(runs: Run[], extra: Partial<World> = {}): World {
  return worldWith(T0 + 30 * DAY, {
    watchStartedAt: T0,
    jobsSince: T0,
    jobs: [JOB],
    crontabKnown: true,
    profiles: { 'check_positions.py': PROFILE },
    runs: { [JOB.id]: runs },
    version: { version: 'v3.2.1', evidence: [] },
    ...extra,
  });
}

let day = 0;
function run(kind: 'ok' | 'traceback' | 'critical' | 'no-finish' | 'open' | 'open-traceback'): Run {
  const at = T0 + day++ * DAY;
  const stamp = new Date(at).toISOString().replace('T', ' ').replace('.000Z', ',000');
  const r: Run = {
    jobId: JOB.id,
    script: 'check_positions.py',
    startedAt: at,
    startStamp: stamp,
    end: 'finished',
    finishedAt: at + 5000,
    tracebacks: [],
    errorLines: [],
    telegram: { channelActive: true, successes: [], failures: [], notifyEvents: [] },
    closedPositions: [],
    healLines: [],
  };
  if (kind === 'traceback' || kind === 'open-traceback') {
    r.tracebacks.push({
      error: `TypeError: Position.__init__() got an unexpected keyword argument 'entry_reason' (day ${day})`,
      excerpt: ['Traceback (most recent call last):'],
    });
    r.end = kind === 'traceback' ? 'superseded' : 'open';
    delete r.finishedAt;
  }
  if (kind === 'critical')
    r.errorLines.push(`${stamp} - src.utils - CRITICAL - JSON 파일 손상: data/positions/positions.json - Expecting value`);
  if (kind === 'no-finish' || kind === 'open') {
    r.end = kind === 'no-finish' ? 'superseded' : 'open';
    delete r.finishedAt;
  }
  return r;
}

test('one failed run passes with a warning; two in a row fire', () => {
  const one = evaluateRepeatedFailures(rule(), world([run('ok'), run('traceback')]), T0);
  assert.equal(one.length, 1);
  assert.equal(one[0]!.outcome, 'pass');
  assert.equal(one[0]!.cause, 'check_kr.log');
  assert.match(one[0]!.warning ?? '', /check_kr\.log: the last run failed \(TypeError: Position/);

  const two = evaluateRepeatedFailures(rule(), world([run('ok'), run('traceback'), run('critical')]), T0);
  assert.equal(two[0]!.outcome, 'fail');
  assert.equal(two[0]!.warning, undefined);
  assert.match(
    two[0]!.summary,
    /^check_kr\.log: 2 consecutive failed runs with no successful run between them \(threshold 2\); latest: .*CRITICAL - JSON 파일 손상/,
  );
  // Evidence: each failure's line with its run start time, oldest first.
  assert.deepEqual(
    two[0]!.evidence.map((e) => [e.kind, e.file, e.at !== undefined]),
    [
      ['log', 'check_kr.log', true],
      ['log', 'check_kr.log', true],
    ],
  );
  assert.ok(two[0]!.evidence[0]!.at! < two[0]!.evidence[1]!.at!);
  assert.match(two[0]!.evidence[0]!.text, /^run started 2026-02-\d\d 07:00:02,000: TypeError/);
});

test('a success between two failures resets the streak', () => {
  const v = evaluateRepeatedFailures(rule(), world([run('traceback'), run('ok'), run('traceback')]), T0);
  assert.equal(v[0]!.outcome, 'pass');
  assert.ok(v[0]!.warning);
  assert.equal(v[0]!.evidence.length, 1);
  const clean = evaluateRepeatedFailures(rule(), world([run('traceback'), run('traceback'), run('ok')]), T0);
  assert.equal(clean[0]!.outcome, 'pass');
  assert.equal(clean[0]!.warning, undefined);
  assert.equal(clean[0]!.summary, 'check_kr.log: last run succeeded');
});

test('a missing finish marker fails only when missingFinishFails', () => {
  const runs = [run('no-finish'), run('no-finish')];
  assert.equal(evaluateRepeatedFailures(rule(), world(runs), T0)[0]!.outcome, 'fail');
  const lenient = evaluateRepeatedFailures(rule({ missingFinishFails: false }), world(runs), T0)[0]!;
  assert.equal(lenient.outcome, 'pass');
  assert.equal(lenient.warning, undefined);
});

test('an open run fails only once it shows a traceback or an error line; a run in progress is no success', () => {
  // The crash of today is decisive at once: waiting for tomorrow's start would delay the firing by a day.
  assert.equal(evaluateRepeatedFailures(rule(), world([run('traceback'), run('open-traceback')]), T0)[0]!.outcome, 'fail');
  // A run still in progress neither breaks nor extends the streak.
  const v = evaluateRepeatedFailures(rule(), world([run('traceback'), run('traceback'), run('open')]), T0)[0]!;
  assert.equal(v.outcome, 'fail');
  assert.equal(judgeRun(run('open'), { errorPatterns: [], missingFinishFails: true }, 0).status, 'undecided');
});

test('an open run whose process has been gone for the settle time crashed: it counts as a failed run', () => {
  const gone = { ...run('open'), processGoneSince: T0 - 2 * 60_000 };
  const v = evaluateRepeatedFailures(rule(), world([run('traceback'), gone]), T0)[0]!;
  assert.equal(v.outcome, 'fail');
  assert.match(v.summary, /latest: no finish marker, and its process is gone from the cron container/);
  // Gone for only 30 s: the finish line may still be on its way, so the run is not judged yet.
  const settling = { ...run('open'), processGoneSince: T0 - 30_000 };
  assert.equal(judgeRun(settling, { errorPatterns: [], missingFinishFails: true }, T0).status, 'undecided');
  assert.equal(judgeRun(gone, { errorPatterns: [], missingFinishFails: true }, T0).status, 'failed');
});

test("error lines count only for the rule's own patterns; the threshold is configurable", () => {
  const runs = [run('critical'), run('critical')];
  assert.equal(evaluateRepeatedFailures(rule({ errorPatterns: [' - ERROR - '] }), world(runs), T0)[0]!.outcome, 'pass');
  const three = rule({ consecutive: 3 });
  const v = evaluateRepeatedFailures(three, world(runs), T0)[0]!;
  assert.equal(v.outcome, 'pass');
  assert.match(v.warning ?? '', /the last 2 runs failed/);
  assert.equal(evaluateRepeatedFailures(three, world([...runs, run('traceback')]), T0)[0]!.outcome, 'fail');
});

test('jobs: the selector, jobs without a profile, and no runs yet', () => {
  const other: Job = {
    ...JOB,
    id: 'cleanup.log',
    logFile: 'cleanup.log',
    script: undefined,
    command: 'find /app/data/cache -type f -mtime +7 -delete >> /app/logs/cleanup.log 2>&1',
  };
  const w = world([run('traceback'), run('traceback')], { jobs: [JOB, other] });
  assert.deepEqual(
    evaluateRepeatedFailures(rule(), w, T0).map((v) => v.cause),
    ['check_kr.log'],
  );
  assert.deepEqual(evaluateRepeatedFailures(rule({ jobs: ['check_us.log'] }), w, T0), []);
  assert.equal(evaluateRepeatedFailures(rule({ jobs: ['check_positions.py'] }), w, T0)[0]!.outcome, 'fail');
  const empty = evaluateRepeatedFailures(rule(), world([]), T0)[0]!;
  assert.deepEqual([empty.outcome, empty.summary], ['pass', 'check_kr.log: no runs seen yet']);
});

test('after a crontab change only the deployed jobs are judged; before any crontab, the jobs that left runs', () => {
  const failing = [run('traceback'), run('traceback')];
  // v3.2.0 deployed (signal_check.py): check_kr.log's old failures must not fire again.
  const signalJob: Job = { ...JOB, id: 'signal_kr.log', logFile: 'signal_kr.log', script: 'signal_check.py' };
  const signalProfile = profileSchema.parse({
    script: 'signal_check.py',
    startMarker: '=== 터틀 트레이딩 시그널 체크 시작 ===',
    finishMarker: '=== 시그널 체크 완료 ===',
  });
  const after = world(failing, { jobs: [signalJob], profiles: { 'check_positions.py': PROFILE, 'signal_check.py': signalProfile } });
  assert.deepEqual(
    evaluateRepeatedFailures(rule(), after, T0).map((v) => [v.cause, v.outcome]),
    [['signal_kr.log', 'pass']],
  );
  const unknown = world(failing, { jobs: [], crontabKnown: false });
  assert.deepEqual(
    evaluateRepeatedFailures(rule(), unknown, T0).map((v) => [v.cause, v.outcome]),
    [['check_kr.log', 'fail']],
  );
});

test('end to end from the sample log: the traceback run warns, a second crash fires', () => {
  const text = readFileSync(fileURLToPath(new URL('./fixtures/runs/check_kr.log', import.meta.url)), 'utf8');
  const ctx = {
    jobsByLogFile: { 'check_kr.log': JOB },
    profiles: { 'check_positions.py': PROFILE },
    errorPatterns: [' - CRITICAL - '],
    logTimestampZone: 'auto',
  };
  const toLines = (t: string) =>
    t
      .split('\n')
      .filter(Boolean)
      .map((l) => ({ file: 'check_kr.log', text: l, observedAt: T0 + 40 * DAY, live: false }));
  const first = applyLogLines(emptyRunsState(), toLines(text), ctx);
  const runsNow = (state: typeof first.state, finished: Run[]) => [...finished, ...listOpenRuns(state)];
  const v1 = evaluateRepeatedFailures(rule(), world(runsNow(first.state, first.finished)), T0)[0]!;
  assert.equal(v1.outcome, 'pass');
  assert.match(v1.warning ?? '', /unexpected keyword argument 'entry_reason'/);
  // The next day crashes the same way.
  const crashAgain = text.slice(text.indexOf('2026-02-25 16:00:02,196')).replaceAll('2026-02-25', '2026-02-26');
  const second = applyLogLines(first.state, toLines(crashAgain), ctx);
  const v2 = evaluateRepeatedFailures(rule(), world(runsNow(second.state, [...first.finished, ...second.finished])), T0)[0]!;
  assert.equal(v2.outcome, 'fail');
  assert.equal(v2.evidence.length, 2);
  assert.match(v2.evidence[0]!.text, /^run started 2026-02-25 16:00:02,196: TypeError/);
  assert.match(v2.evidence[1]!.text, /^run started 2026-02-26 16:00:02,196: TypeError/);
});
