// A guard of the guarded system that tripped (kill switch on, cost budget tripped) is a guard trip, not a
// fault: its lines never fail a run (even the cost budget's ` - CRITICAL - `), it opens one incident per
// guard that escalates once with what the guard means however many runs log it, and it never proposes a
// rollback. Also the v3.8.1+ trap: the kill switch crashing as uid 1000 is named, not rolled back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../src/config/load-rules.ts';
import { configSchema, type Rule } from '../src/config/schema.ts';
import { initialState, step, type CoreState, type StepContext } from '../src/core/step.ts';
import type { Effect, Event, LogLine, Notice, Run } from '../src/core/types.ts';
import { applyLogLines, emptyRunsState } from '../src/core/runs.ts';
import { evaluateRepeatedFailures } from '../src/core/rules/repeated-failures.ts';
import { CAUSE_KILL_SWITCH_UNSAVED, evaluateGuardTripped } from '../src/core/rules/guard-tripped.ts';
import { renderMessage } from '../src/core/verdict-text.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';
import { crontabJobs, profileOf, ruleOf, worldWith } from './helpers/world.ts';
import { inForce, V320, V381, V391 } from './helpers/releases.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SEC = 1_000;
const MIN = 60 * SEC;
const DAY = 86_400_000;
/** Tuesday 2026-03-03 16:00 KST: check_positions.py fires for the KR market. */
const KR_FIRE = Date.parse('2026-03-03T16:00:00+09:00');
const stamp = (at: number) => new Date(at).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
const line = (at: number, logger: string, level: string, text: string) => `${stamp(at)} - ${logger} - ${level} - ${text}`;
const START = '=== 통합 포지션 & 시그널 체크 시작 ===';
const FINISH = '=== 체크 완료 ===';
const COST = '[CostAnalyzer] 일일 비용 한도 초과: 12,000원 / 10,000원';
const KILL_ON = '킬 스위치 활성 중: 3개 시그널 감지되었으나 신규 진입 불가';

function run(startedAt: number, over: Partial<Run> = {}): Run {
  return {
    jobId: 'check_kr.log',
    script: 'check_positions.py',
    startedAt,
    startStamp: stamp(startedAt),
    finishedAt: startedAt + MIN,
    end: 'finished',
    tracebacks: [],
    errorLines: [],
    telegram: { channelActive: true, successes: [], failures: [], notifyEvents: [] },
    closedPositions: [],
    healLines: [],
    ...over,
  };
}

const jobs = crontabJobs('v3.2.1');
const profiles = { 'check_positions.py': profileOf('check_positions.py') };
const failuresRule = ruleOf('repeated-failures', { jobs: ['check_positions.py'] }, { id: 'check-repeated-failures', action: 'rollback' });
const guardRule = ruleOf('guard-tripped', {}, { id: 'guard-tripped', action: 'escalate' });

/** Three days of check_kr runs that each log the tripped cost budget and still finish. */
function costRuns(): Run[] {
  return [0, 1, 2].map((d) => run(KR_FIRE + d * DAY, { errorLines: [line(KR_FIRE + d * DAY + 5 * SEC, '__main__', 'CRITICAL', COST)] }));
}

test('runs keep the lines of the guard patterns as guard lines, beside the error lines they also match', () => {
  const lines: LogLine[] = [START, COST, KILL_ON, FINISH].map((text, i) => ({
    file: 'check_kr.log',
    text: line(KR_FIRE + i * SEC, '__main__', text === COST ? 'CRITICAL' : text === KILL_ON ? 'WARNING' : 'INFO', text),
    observedAt: KR_FIRE + i * SEC,
    live: true,
  }));
  const jobsByLogFile = Object.fromEntries(jobs.filter((j) => j.logFile).map((j) => [j.logFile!, j]));
  const ctx = {
    jobsByLogFile,
    profiles,
    errorPatterns: [' - CRITICAL - '],
    logTimestampZone: 'auto',
    guardPatterns: ['[CostAnalyzer] ', '킬 스위치 활성 중'],
  };
  const [finished] = applyLogLines(emptyRunsState(), lines, ctx).finished;
  assert.equal(finished!.end, 'finished');
  assert.deepEqual(finished!.guardLines, [lines[1]!.text, lines[2]!.text]);
  assert.deepEqual(finished!.errorLines, [lines[1]!.text]);
});

test("the cost budget's CRITICAL line fails no run under a release that has the guard; without one it does", () => {
  const at = KR_FIRE + 2 * DAY + 2 * MIN;
  const base = { jobs, crontabKnown: true, profiles, runs: { 'check_kr.log': costRuns() } };
  const [guarded] = evaluateRepeatedFailures(failuresRule, worldWith(at, { ...base, release: inForce(V391) }), at);
  assert.equal(guarded!.outcome, 'pass');
  assert.equal(guarded!.summary, 'check_kr.log: last run succeeded');
  // The same runs with no release recognised (no guard known): three failed runs, a rollback's streak.
  const [blind] = evaluateRepeatedFailures(failuresRule, worldWith(at, base), at);
  assert.equal(blind!.outcome, 'fail');
});

test('the guard rule fails once per guard, with what the guard means, in Korean and English', () => {
  const at = KR_FIRE + 2 * DAY + 2 * MIN;
  const killOn = line(KR_FIRE + 2 * DAY + 5 * SEC, '__main__', 'WARNING', KILL_ON);
  const last = costRuns()[2]!;
  const runs = { 'check_kr.log': [...costRuns().slice(0, 2), { ...last, guardLines: [killOn] }] };
  const verdicts = evaluateGuardTripped(guardRule, worldWith(at, { jobs, crontabKnown: true, profiles, runs, release: inForce(V391) }), at);
  assert.deepEqual(
    verdicts.map((v) => `${v.cause} ${v.outcome}`),
    ['guard:kill-switch fail', 'guard:cost-budget fail', `${CAUSE_KILL_SWITCH_UNSAVED} pass`],
  );
  const kill = verdicts[0]!;
  assert.equal(
    renderMessage(kill.message!, 'en'),
    `kill switch on: new entries blocked — by design, not a fault; a rollback cures nothing (check_kr.log: ${killOn})`,
  );
  assert.equal(
    renderMessage(kill.message!, 'ko'),
    `킬 스위치 켜짐: 신규 진입 차단 — 설계된 동작이며 오류가 아닙니다; 롤백으로는 해결되지 않습니다 (check_kr.log: ${killOn})`,
  );
  // v3.2.0 has no guard: nothing to judge.
  assert.deepEqual(evaluateGuardTripped(guardRule, worldWith(at, { runs, release: inForce(V320) }), at), []);
});

test('the v3.8.1 kill switch crashing as uid 1000 is named as a guard trip, and fails no run', () => {
  const at = KR_FIRE + 2 * MIN;
  const crashed = run(KR_FIRE, {
    end: 'superseded',
    tracebacks: [
      {
        error: "PermissionError: [Errno 13] Permission denied: '/app/config/tmpa1b2c3.tmp'",
        excerpt: [
          'Traceback (most recent call last):',
          '  File "/app/scripts/check_positions.py", line 575, in <module>',
          '  File "/app/src/kill_switch.py", line 114, in _save',
          '    fd, temp_path_str = tempfile.mkstemp(dir=self._config_path.parent, suffix=".tmp")',
        ],
      },
    ],
  });
  const runs = { 'check_kr.log': [crashed, run(KR_FIRE + DAY, { end: 'superseded', tracebacks: crashed.tracebacks })] };
  const world = worldWith(at + DAY, { jobs, crontabKnown: true, profiles, runs, release: inForce(V381) });
  const unsaved = evaluateGuardTripped(guardRule, world, at + DAY).find((v) => v.cause === CAUSE_KILL_SWITCH_UNSAVED)!;
  assert.equal(unsaved.outcome, 'fail');
  assert.equal(
    unsaved.summary,
    "the kill switch tried to turn on and crashed saving config/system_status.yaml (PermissionError: [Errno 13] Permission denied: '/app/config/tmpa1b2c3.tmp'): the image lets uid 1000 write only /app/data and /app/logs. A guard tripped, not a fault of the release: a rollback to a release without the guard would only hide it (check_kr.log)",
  );
  assert.equal(evaluateRepeatedFailures(failuresRule, world, at + DAY)[0]!.outcome, 'pass');
  // At a release without a kill switch the same traceback is a crash like any other.
  const old = worldWith(at + DAY, { jobs, crontabKnown: true, profiles, runs, release: inForce(V320) });
  assert.equal(evaluateRepeatedFailures(failuresRule, old, at + DAY)[0]!.outcome, 'fail');
});

// --- Through the real core and the bundled rules ------------------------------------------------

async function bundledContext(guards: boolean): Promise<StepContext> {
  const loaded = await loadRules(join(repo, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  // The step has no recognised release here (recognition is wired elsewhere): the guard rule names the
  // cost budget's line itself, as an operator may. Every rollback is automatic: nothing waits for a human.
  const rules: Rule[] = loaded.rules.map((r) => {
    const auto = r.action === 'rollback' ? { ...r, approval: { policy: 'auto' as const, window: 0 } } : r;
    return auto.kind === 'guard-tripped' && guards
      ? { ...auto, params: { ...auto.params, guards: [{ guard: 'cost-budget' as const, match: '[CostAnalyzer] ' }] } }
      : auto;
  });
  const config = configSchema.parse({ deployment: { root: '.' }, telegram: { allowedUserIds: [111] } });
  const ctx = stepContextOf(config, rules, loaded.profiles);
  return { ...ctx, policy: { ...ctx.policy, chatId: -100 } };
}

function story(ctx: StepContext): { state: CoreState; effects: Effect[] } {
  let state = initialState(KR_FIRE - 10 * MIN);
  const effects: Effect[] = [];
  const send = (event: Event) => {
    const r = step(state, event, ctx);
    state = r.state;
    effects.push(...r.effects);
  };
  send({ kind: 'startup', at: KR_FIRE - 10 * MIN, seed: 's-' });
  send({
    kind: 'crontab',
    crontab: {
      text: readFileSync(join(repo, 'test/fixtures/crontab-v3.2.1'), 'utf8'),
      source: 'container',
      observedAt: KR_FIRE - 10 * MIN,
    },
  });
  send({
    kind: 'container',
    container: { name: 'turtle-cron', status: 'running', restartCount: 0, startedAt: KR_FIRE - DAY, observedAt: KR_FIRE - 10 * MIN },
  });
  for (let d = 0; d < 4; d++) {
    const at = KR_FIRE + d * DAY + 2 * SEC;
    const texts = [
      line(at, '__main__', 'INFO', START),
      line(at, '__main__', 'INFO', 'Telegram 채널 활성화'),
      line(at + 3 * SEC, '__main__', 'CRITICAL', COST),
      line(at + 5 * SEC, '__main__', 'INFO', FINISH),
    ];
    send({ kind: 'log-lines', lines: texts.map((text) => ({ file: 'check_kr.log', text, observedAt: at + 5 * SEC, live: true })) });
    send({ kind: 'tick', now: at + 10 * MIN });
  }
  return { state, effects };
}

/** Incidents opened, but the schedule's: the story feeds check_kr.log only, the other jobs are missed. */
const opened = (effects: Effect[]) =>
  effects.flatMap((e) =>
    e.kind === 'notify' && e.notice.kind === 'incident-opened' && e.notice.incident.ruleId !== 'cron-missed-or-hung'
      ? [`${e.notice.incident.ruleId} ${e.notice.incident.cause}`]
      : [],
  );
const escalations = (effects: Effect[]) =>
  effects.flatMap((e) =>
    e.kind === 'notify' && e.notice.kind === 'escalation' ? [e.notice as Extract<Notice, { kind: 'escalation' }>] : [],
  );

test('four runs that log the tripped cost budget: one incident, escalated once, no rollback proposed', async () => {
  const { effects } = story(await bundledContext(true));
  assert.deepEqual(opened(effects), ['guard-tripped guard:cost-budget']);
  const escalated = escalations(effects).filter((n) => n.incident.ruleId !== 'cron-missed-or-hung');
  assert.equal(escalated.length, 1);
  assert.equal(escalated[0]!.incident.ruleId, 'guard-tripped');
  assert.match(
    escalated[0]!.incident.summary,
    /^cost budget tripped: the cost guard stops trading — by design, not a fault; a rollback cures nothing/,
  );
  // Plans there are come from the schedule's missed jobs only, never from the guard or the failures.
  const planned = effects.flatMap((e) => (e.kind === 'plan' ? [e] : []));
  const incidents = new Map(
    effects.flatMap((e) =>
      e.kind === 'notify' && e.notice.kind === 'incident-opened' ? [[e.notice.incident.id, e.notice.incident.ruleId]] : [],
    ),
  );
  for (const p of planned) assert.equal(incidents.get(p.incidentId), 'cron-missed-or-hung', JSON.stringify(p));
});

test('the same runs without the guard known: the CRITICAL lines fail them and a rollback is planned', async () => {
  const { effects } = story(await bundledContext(false));
  assert.ok(opened(effects).includes('check-repeated-failures check_kr.log'), opened(effects).join('\n'));
  assert.ok(effects.some((e) => e.kind === 'plan'));
});
