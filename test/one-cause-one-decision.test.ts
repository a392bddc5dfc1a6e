// Decisions an operator can trust, through the real core and the bundled rules: one crash is a failed
// run (a warning), never also a hung run with a rollback of its own; a hung run still fires; incidents
// that propose the same action share one decision (one approval message, one veto, nothing run twice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../src/config/load-rules.ts';
import { configSchema, type Rule } from '../src/config/schema.ts';
import { initialState, step, type CoreState, type StepContext } from '../src/core/step.ts';
import type { Effect, Event, Incident, LogLine, Notice, OperatorIdentity } from '../src/core/types.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';
import { renderTelegramNotice } from '../src/core/telegram-text.ts';
import { STORY_PLAN } from './helpers/telegram-story.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SEC = 1_000;
const MIN = 60 * SEC;
const OPERATOR: OperatorIdentity = { channel: 'telegram', userId: 111, chatId: -100 };
const PLAN = STORY_PLAN;
/** Tuesday 2026-03-03 16:00 KST: check_positions.py fires for the KR market. */
const KR_FIRE = Date.parse('2026-03-03T16:00:00+09:00');

async function bundledContext(approval: Rule['approval']): Promise<StepContext> {
  const loaded = await loadRules(join(repo, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  const rules = loaded.rules.map((r) => (r.action === 'rollback' ? { ...r, approval } : r));
  const config = configSchema.parse({ deployment: { root: '.' }, telegram: { allowedUserIds: [111] } });
  const ctx = stepContextOf(config, rules, loaded.profiles);
  return { ...ctx, policy: { ...ctx.policy, chatId: -100 } };
}

const stamp = (at: number) => new Date(at).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
const info = (at: number, text: string) => `${stamp(at)} - __main__ - INFO - ${text}`;
const START = '=== 통합 포지션 & 시그널 체크 시작 ===';
const FINISH = '=== 체크 완료 ===';
const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/app/scripts/check_positions.py", line 546, in <module>',
  '    asyncio.run(main())',
  "KeyError: 'units'",
];

class Story {
  state: CoreState;
  effects: Effect[] = [];
  now: number;
  constructor(
    readonly ctx: StepContext,
    start: number,
  ) {
    this.now = start;
    this.state = initialState(start);
    this.send({ kind: 'startup', at: start, seed: 's-' });
    this.send({
      kind: 'crontab',
      crontab: { text: readFileSync(join(repo, 'test/fixtures/crontab-v3.2.1'), 'utf8'), source: 'container', observedAt: start },
    });
    this.send({
      kind: 'container',
      container: { name: 'turtle-cron', status: 'running', restartCount: 0, startedAt: start - 86_400_000, observedAt: start },
    });
  }
  send(event: Event): void {
    const r = step(this.state, event, this.ctx);
    this.state = r.state;
    this.effects.push(...r.effects);
  }
  /** Lines of one job log, read live at `at`. */
  log(file: string, at: number, texts: string[]): void {
    this.now = Math.max(this.now, at);
    const lines: LogLine[] = texts.map((text) => ({ file, text, observedAt: at, live: true }));
    this.send({ kind: 'log-lines', lines });
  }
  /** Ticks every 30 s until `until`; `look` (if given) is what the daemon's process look finds each tick. */
  tickUntil(until: number, look?: string[]): void {
    while (this.now < until) {
      this.now = Math.min(until, this.now + 30 * SEC);
      if (look) this.send({ kind: 'job-processes', commands: look, observedAt: this.now });
      this.send({ kind: 'tick', now: this.now });
    }
  }
  notices(kind: Notice['kind']): Notice[] {
    return this.effects.flatMap((e) => (e.kind === 'notify' && e.notice.kind === kind ? [e.notice] : []));
  }
  opened(): Incident[] {
    return this.notices('incident-opened').map((n) => (n as Extract<Notice, { kind: 'incident-opened' }>).incident);
  }
  actions(): Effect[] {
    return this.effects.filter((e) => e.kind === 'plan' || e.kind === 'execute');
  }
  incident(id: string): Incident {
    return this.state.incidents.incidents.find((i) => i.id === id)!;
  }
}

/** One crash of check_kr (a traceback, no finish marker), then a normal run well past maxRunTime. */
function crashThenNormal(story: Story, look: string[] | undefined): void {
  story.log('check_kr.log', KR_FIRE + 2 * SEC, [
    info(KR_FIRE + 2 * SEC, START),
    info(KR_FIRE + 2 * SEC, 'Telegram 채널 활성화'),
    ...TRACEBACK,
  ]);
  story.tickUntil(KR_FIRE + 50 * MIN, look);
  const rerun = KR_FIRE + 50 * MIN;
  story.log('check_kr.log', rerun, [info(rerun, START), info(rerun, 'Telegram 채널 활성화'), info(rerun + 5 * SEC, FINISH)]);
  story.tickUntil(KR_FIRE + 55 * MIN, look);
}

test('one crash, then normal runs, past maxRunTime with policy auto: one warning, no decision, nothing executed', async () => {
  const ctx = await bundledContext({ policy: 'auto', window: 0 });
  // The daemon looks at the processes every tick while a run is open: the crashed run's process is gone.
  const story = new Story(ctx, KR_FIRE - 10 * MIN);
  crashThenNormal(story, ['/usr/sbin/cron -f']);
  assert.deepEqual(
    story.opened().map((i) => `${i.ruleId} ${i.cause} ${i.label ?? ''}`),
    [],
  );
  assert.deepEqual(story.actions(), []);
  const warnings = story.notices('warning').map((n) => (n as Extract<Notice, { kind: 'warning' }>).verdict);
  assert.deepEqual(
    warnings.map((v) => `${v.ruleId} ${v.cause}`),
    ['check-repeated-failures check_kr.log'],
  );
  assert.match(warnings[0]!.warning ?? '', /the last run failed \(KeyError: 'units'\)/);
  // Nothing in the state waits to act later either.
  assert.deepEqual(story.state.incidents.incidents, []);
});

test('a crash with the process table unreadable is judged by its traceback: no hang, no decision', async () => {
  const ctx = await bundledContext({ policy: 'auto', window: 0 });
  const story = new Story(ctx, KR_FIRE - 10 * MIN);
  crashThenNormal(story, undefined);
  assert.deepEqual(story.opened(), []);
  assert.deepEqual(story.actions(), []);
  assert.equal(story.notices('warning').length, 1);
});

test('a run that dies without a traceback (its process gone) is a failed run, not a hung one', async () => {
  const ctx = await bundledContext({ policy: 'auto', window: 0 });
  const story = new Story(ctx, KR_FIRE - 10 * MIN);
  story.log('check_kr.log', KR_FIRE + 2 * SEC, [info(KR_FIRE + 2 * SEC, START), info(KR_FIRE + 2 * SEC, 'Telegram 채널 활성화')]);
  // Alive for 5 minutes (a slow Telegram send), then killed (OOM): no traceback, no finish marker.
  story.tickUntil(KR_FIRE + 5 * MIN, ['python scripts/check_positions.py']);
  story.tickUntil(KR_FIRE + 45 * MIN, ['/usr/sbin/cron -f']);
  assert.deepEqual(story.opened(), []);
  assert.deepEqual(story.actions(), []);
  const warnings = story.notices('warning').map((n) => (n as Extract<Notice, { kind: 'warning' }>).verdict);
  assert.deepEqual(
    warnings.map((v) => v.ruleId),
    ['check-repeated-failures'],
  );
  assert.match(warnings[0]!.warning ?? '', /its process is gone from the cron container/);
});

test('a hung run (its process alive past maxRunTime) still fires, once, with the process as evidence', async () => {
  const ctx = await bundledContext({ policy: 'auto', window: 0 });
  const story = new Story(ctx, KR_FIRE - 10 * MIN);
  story.log('check_kr.log', KR_FIRE + 2 * SEC, [info(KR_FIRE + 2 * SEC, START), info(KR_FIRE + 2 * SEC, 'Telegram 채널 활성화')]);
  story.tickUntil(KR_FIRE + 29 * MIN, ['python scripts/check_positions.py']);
  assert.deepEqual(story.opened(), [], 'not hung before maxRunTime');
  story.tickUntil(KR_FIRE + 40 * MIN, ['python scripts/check_positions.py']);
  const opened = story.opened();
  assert.deepEqual(
    opened.map((i) => `${i.ruleId} ${i.cause} ${i.label}`),
    ['cron-missed-or-hung check_kr.log hung'],
  );
  assert.match(opened[0]!.evidence.map((e) => e.text).join('\n'), /still running at .*python scripts\/check_positions\.py/);
  assert.deepEqual(
    story.actions().map((e) => e.kind),
    ['plan'],
  );
});

test('two rules proposing the same rollback: one approval message; one veto stops both; nothing runs', async () => {
  const ctx = await bundledContext({ policy: 'veto-window', window: 10 * MIN });
  // Tuesday 06:50 KST: check_us.log is due at 07:00 and will be missed.
  const usFire = Date.parse('2026-03-03T07:00:00+09:00');
  const story = new Story(ctx, usFire - 10 * MIN);
  story.tickUntil(usFire + 11 * MIN);
  const missed = story.opened();
  assert.deepEqual(
    missed.map((i) => `${i.ruleId} ${i.cause} ${i.label}`),
    ['cron-missed-or-hung check_us.log missed'],
  );
  const holder = missed[0]!.id;
  story.send({ kind: 'plan-ready', incidentId: holder, result: { ok: true, plan: PLAN }, nonce: 'n1', at: story.now });
  assert.equal(story.notices('decision-requested').length, 1);

  // Two failed manual runs of check_kr: repeated-failures proposes the same rollback.
  for (const at of [usFire + 12 * MIN, usFire + 13 * MIN])
    story.log('check_kr.log', at, [info(at, START), info(at, 'Telegram 채널 활성화'), ...TRACEBACK]);
  const both = story.opened();
  assert.deepEqual(
    both.map((i) => i.ruleId),
    ['cron-missed-or-hung', 'check-repeated-failures'],
  );
  const follower = both[1]!;
  assert.equal(follower.decisionOf, holder, 'the opening notice says whose decision it shares');
  const alert = renderTelegramNotice({ kind: 'incident-opened', incident: follower }, 'en', { timeZone: 'Asia/Seoul' }).html;
  assert.match(alert, new RegExp(`Decided together with ${holder}, which proposes the same action: one approve or veto covers both`));
  assert.equal(story.incident(follower.id).phase, 'awaiting-decision');
  assert.equal(story.notices('decision-requested').length, 1, 'one approval message for one action');
  assert.equal(story.actions().filter((e) => e.kind === 'plan').length, 1, 'one plan');

  // The operator vetoes from the second incident's alert: it is the same decision.
  story.send({
    kind: 'operator',
    command: { kind: 'veto', incidentId: follower.id, reason: 'market closed' },
    by: OPERATOR,
    at: story.now,
  });
  assert.equal(story.incident(holder).phase, 'vetoed');
  assert.equal(story.incident(follower.id).phase, 'vetoed');
  story.tickUntil(usFire + 40 * MIN);
  assert.deepEqual(
    story.actions().filter((e) => e.kind === 'execute'),
    [],
    'nothing runs',
  );
  assert.equal(story.notices('decision-requested').length, 1);
  assert.equal(story.notices('decision-recorded').length, 1);
});

test('the shared decision runs once when its window ends, and both incidents follow it', async () => {
  const ctx = await bundledContext({ policy: 'veto-window', window: 10 * MIN });
  const usFire = Date.parse('2026-03-03T07:00:00+09:00');
  const story = new Story(ctx, usFire - 10 * MIN);
  story.tickUntil(usFire + 11 * MIN);
  const holder = story.opened()[0]!.id;
  story.send({ kind: 'plan-ready', incidentId: holder, result: { ok: true, plan: PLAN }, nonce: 'n1', at: story.now });
  for (const at of [usFire + 12 * MIN, usFire + 13 * MIN]) story.log('check_kr.log', at, [info(at, START), ...TRACEBACK]);
  const follower = story.opened()[1]!.id;
  story.tickUntil(usFire + 22 * MIN);
  const executes = story.actions().filter((e) => e.kind === 'execute');
  assert.deepEqual(
    executes.map((e) => (e as Extract<Effect, { kind: 'execute' }>).incidentId),
    [holder],
  );
  story.send({ kind: 'execution', incidentId: holder, report: { kind: 'started', planId: PLAN.id }, at: story.now });
  assert.equal(story.incident(follower).phase, 'running');
  story.send({
    kind: 'execution',
    incidentId: holder,
    report: { kind: 'verified', ok: true, detail: 'ok', preExisting: [] },
    at: story.now,
  });
  assert.equal(story.incident(follower).phase, 'verified');
  assert.ok(story.incident(follower).verifiedAt !== undefined);
});
