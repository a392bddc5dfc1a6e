// Tests of the cron-schedule rule on hand-built worlds: on time, missed, hung, cron down, and the
// crontab switch of a rollback (v3.2.1 → v3.2.0) that must not fire on the old jobs' silence.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleOf } from '../src/config/schema.ts';
import { parseCrontab } from '../src/core/crontab.ts';
import { cronScheduleNextChange, evaluateCronSchedule } from '../src/core/rules/cron-schedule.ts';
import type { ContainerObservation, Instant, Run, Verdict } from '../src/core/types.ts';
import type { ContainerHistory, World } from '../src/core/world.ts';
import { PROFILES, crontabJobs, ruleOf, worldWith } from './helpers/world.ts';

const z = (iso: string): Instant => Date.parse(iso);
const MIN = 60_000;

const V320 = crontabJobs('v3.2.0');
const V321 = crontabJobs('v3.2.1');

function rule(params: Record<string, unknown> = {}): RuleOf<'cron-schedule'> {
  return ruleOf('cron-schedule', params, { id: 'cron-missed' });
}

function run(jobId: string, startedAt: Instant, end: Run['end'] = 'finished', finishedAt = startedAt + 6_000): Run {
  return {
    jobId,
    script: jobId.startsWith('signal') ? 'signal_check.py' : 'check_positions.py',
    startedAt,
    startStamp: new Date(startedAt).toISOString().replace('T', ' ').replace('Z', '').replace('.', ','),
    ...(end === 'finished' || end === 'failed' ? { finishedAt } : {}),
    end,
    tracebacks: [],
    errorLines: [],
    telegram: { channelActive: true, successes: [], failures: [], notifyEvents: [] },
    closedPositions: [],
    healLines: [],
  };
}

function container(
  status: ContainerObservation['status'],
  extra: Partial<ContainerHistory> & { startedAt?: Instant } = {},
): ContainerHistory {
  const { startedAt, ...history } = extra;
  return {
    current: {
      name: 'turtle-cron',
      status,
      restartCount: 0,
      observedAt: z('2026-02-23T06:00:00Z'),
      ...(startedAt !== undefined ? { startedAt } : {}),
    },
    restarts: [],
    ...history,
  };
}

function world(over: Partial<World>): World {
  return worldWith(z('2026-02-23T07:30:00Z'), {
    watchStartedAt: z('2026-02-23T06:00:00Z'), // 15:00 KST
    jobs: V321,
    jobsSince: z('2026-02-23T06:00:00Z'),
    crontabKnown: true,
    profiles: PROFILES,
    version: { version: 'v3.2.1', evidence: [] },
    containers: { 'turtle-cron': container('running', { startedAt: z('2026-02-20T00:00:00Z') }) },
    ...over,
  });
}

const byCause = (verdicts: Verdict[], cause: string): Verdict => {
  const v = verdicts.find((x) => x.cause === cause);
  assert.ok(v, `no verdict for ${cause}; got ${verdicts.map((x) => x.cause).join(', ')}`);
  return v;
};

// Monday 2026-02-23: check_kr.log is due at 16:00 KST = 07:00Z.
const KR_FIRE = z('2026-02-23T07:00:00Z');

describe('cron-schedule', () => {
  it('passes when the run started on time', () => {
    const w = world({ runs: { 'check_kr.log': [run('check_kr.log', KR_FIRE + 2_114)] } });
    const v = byCause(evaluateCronSchedule(rule(), w, w.now), 'check_kr.log');
    assert.equal(v.outcome, 'pass');
    assert.match(v.summary, /scheduled at 2026-02-23T16:00:00\+09:00 started 2026-02-23T16:00:02\+09:00/);
  });

  it('fails as missed when no run started within the grace period, and not a moment before', () => {
    const r = rule();
    const before = world({ now: KR_FIRE + 10 * MIN - 1 });
    assert.equal(byCause(evaluateCronSchedule(r, before, before.now), 'check_kr.log').outcome, 'pass');
    const after = world({ now: KR_FIRE + 10 * MIN });
    const v = byCause(evaluateCronSchedule(r, after, after.now), 'check_kr.log');
    assert.equal(v.outcome, 'fail');
    assert.equal(v.label, 'missed');
    assert.match(v.summary, /no run started within 10m of its scheduled time 2026-02-23T16:00:00\+09:00/);
    const texts = v.evidence.map((e) => e.text).join('\n');
    assert.match(texts, /for the run scheduled at 2026-02-23T16:00:00\+09:00 \(0 16 \* \* 1-5, Asia\/Seoul\)/);
    assert.match(texts, /no run of check_kr\.log seen/);
    assert.match(
      texts,
      /crontab line 10: 0 16 \* \* 1-5 cd \/app && python scripts\/check_positions\.py >> \/app\/logs\/check_kr\.log 2>&1/,
    );
    assert.equal(v.evidence[0]!.at, KR_FIRE);
  });

  it('honours grace and earlyTolerance from the params', () => {
    const r = rule({ grace: '5m', earlyTolerance: '1m' });
    const early = world({ now: KR_FIRE + 30 * MIN, runs: { 'check_kr.log': [run('check_kr.log', KR_FIRE - 50_000)] } });
    assert.equal(byCause(evaluateCronSchedule(r, early, early.now), 'check_kr.log').outcome, 'pass');
    const tooEarly = world({ now: KR_FIRE + 30 * MIN, runs: { 'check_kr.log': [run('check_kr.log', KR_FIRE - 70_000)] } });
    const v = byCause(evaluateCronSchedule(r, tooEarly, tooEarly.now), 'check_kr.log');
    assert.equal(v.outcome, 'fail');
    assert.match(v.summary, /within 5m/);
  });

  it('a start after the grace period passes with a warning (it ran, late)', () => {
    const w = world({ now: KR_FIRE + 40 * MIN, runs: { 'check_kr.log': [run('check_kr.log', KR_FIRE + 25 * MIN)] } });
    const v = byCause(evaluateCronSchedule(rule(), w, w.now), 'check_kr.log');
    assert.equal(v.outcome, 'pass');
    assert.match(v.warning ?? '', /started 25m after its scheduled time \(grace 10m\)/);
  });

  it('fails as hung when a run is still open after maxRunTime and its process is alive', () => {
    const start = KR_FIRE + 2_000;
    const runs = { 'check_kr.log': [run('check_kr.log', start, 'open')] };
    const alive = { commands: ['python scripts/check_positions.py'], observedAt: start + 44 * MIN };
    const young = world({ now: start + 30 * MIN - 1, runs, jobProcesses: alive });
    assert.equal(byCause(evaluateCronSchedule(rule(), young, young.now), 'check_kr.log').outcome, 'pass');
    const old = world({ now: start + 45 * MIN, runs, jobProcesses: alive });
    const v = byCause(evaluateCronSchedule(rule(), old, old.now), 'check_kr.log');
    assert.equal(v.outcome, 'fail');
    assert.equal(v.label, 'hung');
    assert.match(v.summary, /has not finished after 45m \(max 30m\)/);
    assert.match(v.evidence.map((e) => e.text).join('\n'), /still running at .*: python scripts\/check_positions\.py/);
  });

  it('where processes cannot be seen (no look, or a stale one), an open run with no traceback past maxRunTime is hung', () => {
    const start = KR_FIRE + 2_000;
    const runs = { 'check_kr.log': [run('check_kr.log', start, 'open')] };
    for (const jobProcesses of [undefined, { commands: ['python scripts/check_positions.py'], observedAt: start + 10 * MIN }]) {
      const w = world({ now: start + 45 * MIN, runs, ...(jobProcesses ? { jobProcesses } : {}) });
      const v = byCause(evaluateCronSchedule(rule(), w, w.now), 'check_kr.log');
      assert.equal(v.outcome, 'fail');
      assert.equal(v.label, 'hung');
      assert.match(v.evidence.map((e) => e.text).join('\n'), /processes cannot be seen .*: judged by the log alone/);
    }
  });

  it('a crashed run (a traceback, no finish marker) is never hung, whether processes can be seen or not', () => {
    const start = KR_FIRE + 2_000;
    const crashed: Run = { ...run('check_kr.log', start, 'open'), tracebacks: [{ error: "KeyError: 'units'", excerpt: [] }] };
    for (const jobProcesses of [undefined, { commands: [], observedAt: start + 44 * MIN }, { commands: [], observedAt: start + 5 * MIN }]) {
      const w = world({ now: start + 45 * MIN, runs: { 'check_kr.log': [crashed] }, ...(jobProcesses ? { jobProcesses } : {}) });
      const v = byCause(evaluateCronSchedule(rule(), w, w.now), 'check_kr.log');
      assert.equal(v.outcome, 'pass', v.summary);
      assert.equal(v.label, undefined);
    }
  });

  it('a run whose process is gone is crashed, not hung, once the absence has settled', () => {
    const start = KR_FIRE + 2_000;
    const look = { commands: ['/usr/sbin/cron -f'], observedAt: start + 44 * MIN };
    // Gone for 30 s only: the finish line may still be on its way, so no verdict on the run yet.
    const settling = world({
      now: start + 44 * MIN + 30_000,
      runs: { 'check_kr.log': [{ ...run('check_kr.log', start, 'open'), processGoneSince: start + 44 * MIN }] },
      jobProcesses: look,
    });
    assert.equal(byCause(evaluateCronSchedule(rule(), settling, settling.now), 'check_kr.log').outcome, 'pass');
    const gone = world({
      now: start + 46 * MIN,
      runs: { 'check_kr.log': [{ ...run('check_kr.log', start, 'open'), processGoneSince: start + 44 * MIN }] },
      jobProcesses: { ...look, observedAt: start + 45 * MIN },
    });
    const v = byCause(evaluateCronSchedule(rule(), gone, gone.now), 'check_kr.log');
    assert.equal(v.outcome, 'pass', v.summary);
    assert.equal(v.label, undefined);
  });

  it('does not call hung a run whose container was restarted or recreated after it began', () => {
    const start = KR_FIRE + 2_000;
    const w = world({
      now: start + 45 * MIN,
      runs: { 'check_kr.log': [run('check_kr.log', start, 'open')] },
      containers: { 'turtle-cron': container('running', { startedAt: start + 5 * MIN }) },
    });
    const v = byCause(evaluateCronSchedule(rule(), w, w.now), 'check_kr.log');
    assert.equal(v.outcome, 'pass', v.summary);
  });

  it('does not call a stale open run from the old backlog hung', () => {
    // The log of last week ends with a start marker: that run died long before the sidecar watched.
    const w = world({
      runs: { 'check_kr.log': [run('check_kr.log', z('2026-02-16T07:00:02Z'), 'open'), run('check_kr.log', KR_FIRE + 2_000)] },
    });
    assert.equal(byCause(evaluateCronSchedule(rule(), w, w.now), 'check_kr.log').outcome, 'pass');
  });

  it('labels the miss cron-down when the cron container was not running at the fire time', () => {
    const down = world({ containers: { 'turtle-cron': container('exited', { notRunningSince: KR_FIRE - 20 * MIN }) } });
    const v = byCause(evaluateCronSchedule(rule(), down, down.now), 'check_kr.log');
    assert.equal(v.outcome, 'fail');
    assert.equal(v.label, 'cron-down');
    assert.match(v.summary, /the cron container turtle-cron was not running \(exited\)/);
    assert.ok(v.evidence.some((e) => e.kind === 'container' && e.at === KR_FIRE - 20 * MIN));

    // It went down only after the fire time: the job should have started and did not.
    const later = world({ containers: { 'turtle-cron': container('exited', { notRunningSince: KR_FIRE + 5 * MIN }) } });
    assert.equal(byCause(evaluateCronSchedule(rule(), later, later.now), 'check_kr.log').label, 'missed');

    // Running again now, but this instance started after the fire time.
    const restarted = world({ containers: { 'turtle-cron': container('running', { startedAt: KR_FIRE + 3 * MIN }) } });
    assert.equal(byCause(evaluateCronSchedule(rule(), restarted, restarted.now), 'check_kr.log').label, 'cron-down');
  });

  it('never judges fire times before the sidecar started watching', () => {
    const w = world({ watchStartedAt: KR_FIRE + 5 * MIN, jobsSince: KR_FIRE + 5 * MIN, now: KR_FIRE + 60 * MIN });
    const v = byCause(evaluateCronSchedule(rule(), w, w.now), 'check_kr.log');
    assert.equal(v.outcome, 'pass');
    assert.match(v.summary, /next at 2026-02-24T16:00:00\+09:00/);
  });

  describe('crontab switched mid-day by a rollback (v3.2.1 → v3.2.0)', () => {
    // v3.2.1 watched since Monday 00:00 KST; rolled back at 16:20 KST, after the 16:00 run was missed.
    const switchedAt = KR_FIRE + 20 * MIN;
    const base = {
      watchStartedAt: z('2026-02-22T15:00:00Z'),
      jobs: V320,
      jobsSince: switchedAt,
      runs: { 'check_kr.log': [run('check_kr.log', z('2026-02-20T07:00:02Z'))] },
    };

    it('judges no job for the old crontab, and no fire time before the switch', () => {
      const w = world({ ...base, now: switchedAt + 60 * MIN });
      const verdicts = evaluateCronSchedule(rule(), w, w.now);
      assert.deepEqual(verdicts.map((v) => v.cause).sort(), ['daily_report.log', 'signal_kr.log', 'signal_us.log']);
      assert.ok(
        verdicts.every((v) => v.outcome === 'pass'),
        JSON.stringify(verdicts.map((v) => [v.cause, v.outcome, v.summary])),
      );
      // Even a rule that names the v3.2.1 job explicitly has nothing to say about it any more.
      assert.deepEqual(evaluateCronSchedule(rule({ jobs: ['check_kr.log', 'check_positions.py'] }), w, w.now), []);
    });

    it("still fires for the new version's own jobs once they are due", () => {
      // Tuesday 07:00 KST (Mon 22:00Z): signal_us.log is due; daily_report at 08:00 KST ran.
      const now = z('2026-02-23T23:30:00Z');
      const ok = world({
        ...base,
        now,
        runs: {
          'signal_us.log': [run('signal_us.log', z('2026-02-23T22:00:02Z'))],
          'daily_report.log': [run('daily_report.log', z('2026-02-23T23:00:01Z'))],
        },
      });
      const verdicts = evaluateCronSchedule(rule(), ok, now);
      assert.ok(verdicts.every((v) => v.outcome === 'pass'));
      const silent = world({ ...base, now, runs: { 'daily_report.log': [run('daily_report.log', z('2026-02-23T23:00:01Z'))] } });
      const v = byCause(evaluateCronSchedule(rule(), silent, now), 'signal_us.log');
      assert.equal(v.outcome, 'fail');
      assert.equal(v.label, 'missed');
      assert.match(v.summary, /2026-02-24T07:00:00\+09:00/);
    });
  });

  it('is inconclusive while no crontab is known', () => {
    const w = world({ crontabKnown: false, jobs: [] });
    const verdicts = evaluateCronSchedule(rule(), w, w.now);
    assert.equal(verdicts.length, 1);
    assert.equal(verdicts[0]!.outcome, 'inconclusive');
    assert.equal(verdicts[0]!.cause, 'crontab');
  });

  it('selects jobs by id or script and skips jobs without a profile', () => {
    const w = world({ now: KR_FIRE + 11 * MIN });
    assert.deepEqual(
      evaluateCronSchedule(rule(), w, w.now).map((v) => v.cause),
      ['check_kr.log', 'check_us.log', 'daily_report.log'],
    );
    assert.deepEqual(
      evaluateCronSchedule(rule({ jobs: ['check_us.log'] }), w, w.now).map((v) => v.cause),
      ['check_us.log'],
    );
    assert.deepEqual(
      evaluateCronSchedule(rule({ jobs: ['check_positions.py'] }), w, w.now).map((v) => v.cause),
      ['check_kr.log', 'check_us.log'],
    );
  });

  it('judges several lines writing one log by their latest fire time', () => {
    const jobs = parseCrontab(
      [
        '0 9-15 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/risk.log 2>&1',
        '0 23 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/risk.log 2>&1',
      ].join('\n'),
      { defaultTimezone: 'Asia/Seoul', containerLogsDir: '/app/logs' },
    ).jobs;
    // 23:00 KST Monday = 14:00Z; the 15:00 KST run happened.
    const w = world({ jobs, now: z('2026-02-23T14:15:00Z'), runs: { 'risk.log': [run('risk.log', z('2026-02-23T06:00:01Z'))] } });
    const verdicts = evaluateCronSchedule(rule(), w, w.now);
    assert.equal(verdicts.length, 1);
    assert.equal(verdicts[0]!.outcome, 'fail');
    assert.match(verdicts[0]!.summary, /2026-02-23T23:00:00\+09:00/);
    assert.equal(verdicts[0]!.evidence.filter((e) => e.text.startsWith('crontab line')).length, 2);
  });

  describe('next change (when the runtime must look again with nothing new seen)', () => {
    it('is the next fire time plus grace: the instant a missed run turns the verdict', () => {
      // Monday 15:30 KST, before the 16:00 check_kr run: the earliest pending deadline is 16:00 + 10m.
      const w = world({ now: KR_FIRE - 30 * MIN });
      const at = cronScheduleNextChange(rule(), w, w.now);
      assert.equal(at, KR_FIRE + 10 * MIN);
      const before = world({ now: at! - 1 });
      assert.equal(byCause(evaluateCronSchedule(rule(), before, before.now), 'check_kr.log').outcome, 'pass');
      const then = world({ now: at! });
      assert.equal(byCause(evaluateCronSchedule(rule(), then, then.now), 'check_kr.log').label, 'missed');
    });

    it('moves on to the next fire time once a grace has ended, and follows the grace param', () => {
      // 16:30 KST Monday: next are check_us at 07:00 KST Tuesday (22:00Z), then daily_report at 08:00 KST.
      const w = world({ now: KR_FIRE + 30 * MIN });
      assert.equal(cronScheduleNextChange(rule(), w, w.now), z('2026-02-23T22:10:00Z'));
      assert.equal(cronScheduleNextChange(rule({ grace: '5s' }), w, w.now), z('2026-02-23T22:00:05Z'));
    });

    it('is an open run reaching maxRunTime when that comes first', () => {
      const start = KR_FIRE + 2_000;
      const w = world({ now: start + 15 * MIN, runs: { 'check_kr.log': [run('check_kr.log', start, 'open')] } });
      assert.equal(cronScheduleNextChange(rule(), w, w.now), start + 30 * MIN);
    });

    it('is a six-field (seconds) schedule fire time plus grace', () => {
      const jobs = parseCrontab('*/30 * * * * * cd /app && python scripts/check_positions.py >> /app/logs/fast.log 2>&1', {
        defaultTimezone: 'Asia/Seoul',
        containerLogsDir: '/app/logs',
      }).jobs;
      const w = world({ jobs, now: z('2026-02-23T07:30:12Z') });
      assert.equal(cronScheduleNextChange(rule({ grace: '5s' }), w, w.now), z('2026-02-23T07:30:35Z'));
    });

    it('is undefined while no crontab is known', () => {
      const w = world({ crontabKnown: false, jobs: [] });
      assert.equal(cronScheduleNextChange(rule(), w, w.now), undefined);
    });
  });
});
