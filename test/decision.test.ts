// The decision lifecycle in the pure core: policies, nonces, expiry, allow-list, deferral while a job
// runs, restart safety, the guard rails (one in flight, disarm, cooldown, daily cap, failed targets),
// verification and escalation. Time is data: the tests move it by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, ruleSchema, type Rule } from '../src/config/schema.ts';
import { initialState, step, type CoreState, type StepContext } from '../src/core/step.ts';
import { isOpen } from '../src/core/incident.ts';
import type { Effect, Event, ExecutionReport, Notice, OperatorCommand, OperatorIdentity, PlanPreview } from '../src/core/types.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';
import { STORY_PLAN } from './helpers/telegram-story.ts';

const T0 = Date.parse('2026-03-03T01:00:00Z');
const MIN = 60_000;
const OPERATOR: OperatorIdentity = { channel: 'telegram', userId: 111, chatId: -100 };
const STRANGER: OperatorIdentity = { channel: 'telegram', userId: 999, chatId: -100 };
const PLAN = STORY_PLAN;

function context(approval: Record<string, unknown>, action = 'rollback', extra: Partial<Record<string, unknown>> = {}): StepContext {
  const rule: Rule = ruleSchema.parse({
    id: 'cron-down',
    kind: 'container-state',
    action,
    approval,
    params: { containers: ['turtle-cron'], notRunningFor: '2m' },
  });
  const config = configSchema.parse({
    deployment: { root: '.' },
    telegram: { allowedUserIds: [111], buttonExpiry: '30m', remindBefore: '3m' },
    safety: { cooldown: '6h', maxRollbacksPerDay: 1, jobRunningDeadline: '20m', ...extra },
  });
  const ctx = stepContextOf(config, [rule], {});
  return { ...ctx, policy: { ...ctx.policy, chatId: -100 } };
}

class Harness {
  state: CoreState = initialState(T0);
  effects: Effect[] = [];
  journalTypes: string[] = [];
  now = T0;
  constructor(readonly ctx: StepContext) {
    this.send({ kind: 'startup', at: T0, seed: 'seed-' });
    this.send({ kind: 'container', container: { name: 'turtle-cron', status: 'running', restartCount: 0, observedAt: T0 } });
  }
  send(event: Event): Effect[] {
    const r = step(this.state, event, this.ctx);
    this.state = r.state;
    this.effects.push(...r.effects);
    this.journalTypes.push(...r.journal.map((j) => j.type));
    return r.effects;
  }
  at(minutes: number): this {
    this.now = T0 + minutes * MIN;
    this.send({ kind: 'tick', now: this.now });
    return this;
  }
  /** The cron container stops: container-state fires once it has been down for 2 minutes. */
  fire(): string {
    this.send({ kind: 'container', container: { name: 'turtle-cron', status: 'exited', restartCount: 0, observedAt: this.now } });
    this.at((this.now - T0) / MIN + 3);
    const incident = this.state.incidents.incidents.filter((i) => i.ruleId === 'cron-down' && isOpen(i)).at(-1);
    assert.ok(incident, 'the rule fired');
    return incident.id;
  }
  planReady(incidentId: string, plan: PlanPreview = PLAN, nonce = 'n1'): void {
    this.send({ kind: 'plan-ready', incidentId, result: { ok: true, plan }, nonce, at: this.now });
  }
  operator(command: OperatorCommand, by: OperatorIdentity = OPERATOR): Effect[] {
    return this.send({ kind: 'operator', command, by, at: this.now });
  }
  report(incidentId: string, report: ExecutionReport): void {
    this.send({ kind: 'execution', incidentId, report, at: this.now });
  }
  incident(id: string) {
    return this.state.incidents.incidents.find((i) => i.id === id)!;
  }
  executes(): Extract<Effect, { kind: 'execute' }>[] {
    return this.effects.filter((e): e is Extract<Effect, { kind: 'execute' }> => e.kind === 'execute');
  }
  notices(kind?: Notice['kind']): Notice[] {
    return this.effects.flatMap((e) => (e.kind === 'notify' && (kind === undefined || e.notice.kind === kind) ? [e.notice] : []));
  }
}

test('veto-window: a firing asks for a plan, announces it, and runs it once when the window runs out', () => {
  const h = new Harness(context({ policy: 'veto-window', window: '10m' }));
  const id = h.fire();
  assert.deepEqual(
    h.effects.filter((e) => e.kind === 'plan'),
    [{ kind: 'plan', incidentId: id, action: 'rollback' }],
  );
  h.planReady(id);
  assert.equal(h.incident(id).phase, 'awaiting-decision');
  assert.equal(h.notices('decision-requested').length, 1);
  h.at(10);
  assert.equal(h.executes().length, 0, 'not before the window ends');
  h.at(14);
  assert.deepEqual(h.executes(), [{ kind: 'execute', incidentId: id, action: 'rollback', planId: 'plan-abc' }]);
  h.at(15).at(16);
  assert.equal(h.executes().length, 1, 'requested exactly once');
  assert.equal(h.state.safety.inFlight, id);
});

test('approve by button runs it now; the same press again is refused as replayed', () => {
  const h = new Harness(context({ policy: 'veto-window', window: '10m' }));
  const id = h.fire();
  h.planReady(id, PLAN, 'nonce-1');
  h.operator({ kind: 'approve', incidentId: id, nonce: 'nonce-1' });
  assert.equal(h.executes().length, 1);
  assert.equal(h.incident(id).decision?.decidedBy?.userId, 111);
  h.operator({ kind: 'approve', incidentId: id, nonce: 'nonce-1' });
  assert.equal(h.executes().length, 1);
  const refused = h.notices('decision-refused').at(-1) as Extract<Notice, { kind: 'decision-refused' }>;
  assert.equal(refused.reason, 'not-awaiting');
});

test('veto: nothing runs and the incident closes as vetoed', () => {
  const h = new Harness(context({ policy: 'veto-window', window: '10m' }));
  const id = h.fire();
  h.planReady(id);
  h.operator({ kind: 'veto', incidentId: id, reason: 'external outage' });
  h.at(30);
  assert.equal(h.incident(id).phase, 'vetoed');
  assert.equal(h.executes().length, 0);
  const recorded = h.notices('decision-recorded').at(-1) as Extract<Notice, { kind: 'decision-recorded' }>;
  assert.equal(recorded.decision, 'vetoed');
  assert.equal(recorded.reason, 'external outage');
});

test('a stranger, a foreign chat, a stale nonce and an expired button are refused and recorded', () => {
  const h = new Harness(context({ policy: 'required', window: '2h' }));
  const id = h.fire();
  h.planReady(id, PLAN, 'current');
  h.operator({ kind: 'approve', incidentId: id, nonce: 'current' }, STRANGER);
  h.operator({ kind: 'manual-action', action: 'rollback' }, STRANGER);
  h.operator({ kind: 'approve', incidentId: id, nonce: 'current' }, { ...OPERATOR, chatId: -5 });
  h.operator({ kind: 'approve', incidentId: id, nonce: 'earlier' });
  h.at(40); // the button expiry is 30 minutes
  h.operator({ kind: 'approve', incidentId: id, nonce: 'current' });
  h.operator({ kind: 'approve', incidentId: 'INC-9999' });
  const reasons = h.notices('decision-refused').map((n) => (n as Extract<Notice, { kind: 'decision-refused' }>).reason);
  assert.deepEqual(reasons, ['not-allowed', 'not-allowed', 'not-allowed', 'stale', 'expired', 'unknown-incident']);
  assert.equal(h.executes().length, 0);
  assert.equal(h.journalTypes.filter((t) => t === 'operator-refused').length, 6);
  assert.equal(h.state.incidents.incidents.filter((i) => i.ruleId === 'operator').length, 0, "a stranger's /rollback opens nothing");
  // The typed command carries no nonce and still works for an allowed operator.
  h.operator({ kind: 'approve', incidentId: id });
  assert.equal(h.executes().length, 1);
});

test('required: a reminder before the deadline, escalation at it, and nothing runs by itself', () => {
  const h = new Harness(context({ policy: 'required', window: '10m' }));
  const id = h.fire(); // at minute 3
  h.planReady(id);
  h.at(9);
  assert.equal(h.notices('decision-reminder').length, 0);
  h.at(10);
  assert.equal(h.notices('decision-reminder').length, 1, 'reminded 3 minutes before the deadline');
  h.at(14);
  const esc = h.notices('escalation');
  assert.equal(esc.length, 1);
  assert.equal((esc[0] as Extract<Notice, { kind: 'escalation' }>).level, 'L1');
  h.at(60);
  assert.equal(h.executes().length, 0);
  assert.equal(h.notices('decision-reminder').length, 1);
  assert.equal(h.notices('escalation').length, 1);
});

test('while a job runs the approved plan is deferred; it runs when the job ends', () => {
  const h = new Harness(context({ policy: 'auto', window: '0s' }));
  const id = h.fire();
  h.send({ kind: 'job-processes', commands: ['python scripts/check_positions.py'], observedAt: h.now });
  h.planReady(id);
  assert.equal(h.incident(id).phase, 'approved');
  assert.equal(h.executes().length, 0);
  assert.equal(h.notices('execution-update').length, 1, 'the deferral is announced once');
  h.at(4);
  h.send({ kind: 'job-processes', commands: ['python scripts/check_positions.py'], observedAt: h.now });
  assert.equal(h.notices('execution-update').length, 1, 'the deferral is announced once');
  h.at(8);
  h.send({ kind: 'job-processes', commands: [], observedAt: h.now });
  assert.equal(h.executes().length, 1);
});

test('a stale look at the processes counts as unknown: the action waits quietly for a fresh look', () => {
  const h = new Harness(context({ policy: 'auto', window: '0s' }));
  // No job was running 10 minutes ago; that says nothing about now.
  h.send({ kind: 'job-processes', commands: [], observedAt: h.now });
  const id = h.fire();
  h.at(10);
  h.planReady(id);
  assert.equal(h.incident(id).phase, 'approved');
  assert.equal(h.executes().length, 0, 'a stale look defers');
  assert.equal(h.notices('execution-update').length, 0, 'nobody is told a job runs when nobody knows');
  // The runtime looks on its next tick: no job now, so the plan runs.
  h.send({ kind: 'job-processes', commands: [], observedAt: h.now + 30_000 });
  assert.equal(h.executes().length, 1);
});

test('processes that cannot be seen until the deferral deadline ask a human, saying why', () => {
  const h = new Harness(context({ policy: 'auto', window: '0s' }));
  h.send({ kind: 'job-processes', commands: [], observedAt: h.now });
  const id = h.fire();
  h.at(10);
  h.planReady(id);
  h.at(35);
  assert.equal(h.executes().length, 0);
  assert.equal(h.incident(id).phase, 'awaiting-decision');
  assert.equal(h.incident(id).decision?.policy, 'required');
  assert.match(h.incident(id).history.at(-1)!.note, /processes could not be seen before the deferral deadline/);
});

test('a job still running at the deferral deadline asks a human instead of acting', () => {
  const h = new Harness(context({ policy: 'auto', window: '0s' }));
  const id = h.fire();
  h.send({ kind: 'job-processes', commands: ['python scripts/check_positions.py'], observedAt: h.now });
  h.planReady(id);
  h.at(30);
  assert.equal(h.executes().length, 0);
  assert.equal(h.incident(id).phase, 'awaiting-decision');
  assert.equal(h.incident(id).decision?.policy, 'required');
});

test('a restart re-announces a pending decision with a new nonce and never executes it', () => {
  const h = new Harness(context({ policy: 'veto-window', window: '10m' }));
  const id = h.fire();
  h.planReady(id, PLAN, 'before-restart');
  h.now += 30 * MIN; // the sidecar was down past the deadline
  h.send({ kind: 'startup', at: h.now, seed: 'after-' });
  const again = h.notices('decision-requested').at(-1) as Extract<Notice, { kind: 'decision-requested' }>;
  assert.equal(again.again, true);
  assert.equal(h.incident(id).decision?.policy, 'required');
  assert.notEqual(h.incident(id).decision?.nonce, 'before-restart');
  assert.ok(h.incident(id).decision?.nonce.startsWith('after-'));
  h.at(45);
  assert.equal(h.executes().length, 0);
  h.operator({ kind: 'approve', incidentId: id, nonce: 'before-restart' });
  assert.equal((h.notices('decision-refused').at(-1) as Extract<Notice, { kind: 'decision-refused' }>).reason, 'stale');
});

test('after a rollback: disarmed, one in flight, cooldown; verification then recovery or escalation', () => {
  const h = new Harness(context({ policy: 'auto', window: '0s' }));
  const id = h.fire();
  h.planReady(id);
  assert.equal(h.executes().length, 1);
  h.report(id, { kind: 'started', planId: PLAN.id });
  assert.equal(h.state.safety.armed, false);
  // A manual /rollback while one is in flight is refused.
  h.operator({ kind: 'manual-action', action: 'rollback' });
  assert.equal((h.notices('decision-refused').at(-1) as Extract<Notice, { kind: 'decision-refused' }>).reason, 'blocked');
  h.report(id, { kind: 'finished', ok: true, detail: 'containers run sha256:v320' });
  h.report(id, { kind: 'verified', ok: true, detail: 'all checks passed', preExisting: ['turtle-dashboard restarting (also before)'] });
  assert.equal(h.incident(id).phase, 'verified');
  assert.equal(h.state.safety.inFlight, undefined);
  // The container comes back: the cause passes, but resolution waits for the jobs' next good runs
  // (none are scheduled in this harness, so it stays verified rather than guessing).
  h.send({ kind: 'container', container: { name: 'turtle-cron', status: 'running', restartCount: 0, observedAt: h.now } });
  h.at(60);
  assert.equal(h.incident(id).phase, 'verified');
  // The fault persists after the rollback: escalate to L2, never roll back again by itself.
  h.send({ kind: 'container', container: { name: 'turtle-cron', status: 'exited', restartCount: 0, observedAt: h.now } });
  h.at(65);
  const esc = h.notices('escalation').at(-1) as Extract<Notice, { kind: 'escalation' }>;
  assert.equal(esc.level, 'L2');
  assert.match(esc.why, /persists after the rollback/);
  assert.equal(h.executes().length, 1);
});

test('disarmed: the next automatic rollback needs a human; /arm restores the automatic path', () => {
  const h = new Harness(context({ policy: 'auto', window: '0s' }, 'rollback', { cooldown: '1m', maxRollbacksPerDay: 5 }));
  const first = h.fire();
  h.planReady(first);
  h.report(first, { kind: 'started', planId: PLAN.id });
  h.report(first, { kind: 'finished', ok: false, detail: 'start failed' });
  assert.equal(h.incident(first).phase, 'failed');
  assert.equal((h.notices('escalation').at(-1) as Extract<Notice, { kind: 'escalation' }>).level, 'L2');
  // The rollback incident failed and stays failed; a new cause (restart) fires a new incident later.
  h.send({ kind: 'container', container: { name: 'turtle-cron', status: 'running', restartCount: 0, observedAt: h.now } });
  h.at(20);
  const second = h.fire();
  assert.notEqual(second, first);
  h.planReady(second, { ...PLAN, id: 'plan-other' });
  assert.equal(h.incident(second).decision?.policy, 'required', 'disarmed: a human must approve');
  h.operator({ kind: 'arm' });
  assert.equal(h.state.safety.armed, true);
  h.operator({ kind: 'approve', incidentId: second });
  assert.equal(h.executes().length, 2);
});

test('a target that failed verification is never retried automatically', () => {
  const h = new Harness(
    context({ policy: 'auto', window: '0s' }, 'rollback', { cooldown: '1m', maxRollbacksPerDay: 5, disarmAfterRollback: false }),
  );
  const first = h.fire();
  h.planReady(first);
  h.report(first, { kind: 'started', planId: PLAN.id });
  h.report(first, { kind: 'finished', ok: true, detail: 'ok' });
  h.report(first, { kind: 'verified', ok: false, detail: 'crontab still runs check_positions.py', preExisting: [] });
  assert.deepEqual(h.state.safety.failedTargets, [PLAN.id]);
  h.send({ kind: 'container', container: { name: 'turtle-cron', status: 'running', restartCount: 0, observedAt: h.now } });
  h.at(20);
  const second = h.fire();
  h.planReady(second, PLAN);
  assert.equal(h.incident(second).decision?.policy, 'required');
  assert.equal(h.executes().length, 1);
});

test('halt with policy auto stops trading at once and then escalates', () => {
  const h = new Harness(context({ policy: 'auto', window: '0s' }, 'halt'));
  const id = h.fire();
  h.planReady(id, { id: 'halt-1', action: 'halt', steps: ['stop turtle-cron'] });
  assert.deepEqual(
    h.executes().map((e) => e.action),
    ['halt'],
  );
  h.report(id, { kind: 'started', planId: 'halt-1' });
  assert.equal(h.state.safety.armed, true, 'a halt does not disarm rollbacks');
  h.report(id, { kind: 'finished', ok: true, detail: 'turtle-cron stopped' });
  assert.equal(h.incident(id).phase, 'escalated');
  assert.equal(h.notices('escalation').length, 1);
});

test('a plan that cannot be made escalates instead of guessing', () => {
  const h = new Harness(context({ policy: 'veto-window', window: '10m' }));
  const id = h.fire();
  h.send({ kind: 'plan-ready', incidentId: id, result: { ok: false, reason: 'no backup tag and git disabled' }, nonce: 'x', at: h.now });
  assert.equal(h.incident(id).phase, 'detected');
  assert.match((h.notices('escalation')[0] as Extract<Notice, { kind: 'escalation' }>).why, /no backup tag/);
  h.at(60);
  assert.equal(h.executes().length, 0);
});

test('a silenced rule opens nothing until the silence ends', () => {
  const h = new Harness(context({ policy: 'veto-window', window: '10m' }));
  h.operator({ kind: 'silence', ruleId: 'cron-down', until: T0 + 30 * MIN });
  h.send({ kind: 'container', container: { name: 'turtle-cron', status: 'exited', restartCount: 0, observedAt: h.now } });
  h.at(10);
  assert.equal(h.state.incidents.incidents.length, 0);
  h.at(31);
  assert.equal(h.state.incidents.incidents.length, 1);
});

test('a veto holds its cause: the fault still firing opens nothing new until it has recovered', () => {
  const h = new Harness(context({ policy: 'veto-window', window: '10m' }));
  const id = h.fire();
  h.planReady(id);
  h.operator({ kind: 'veto', incidentId: id });
  h.at(30).at(60).at(120);
  assert.equal(h.state.incidents.incidents.length, 1, 'no new incident, no new veto window');
  assert.equal(h.executes().length, 0);
  assert.ok(h.incident(id).joins > 0);
  // Recovery releases the cause; a later fault is a new incident.
  h.send({ kind: 'container', container: { name: 'turtle-cron', status: 'running', restartCount: 0, observedAt: h.now } });
  h.at(121);
  const second = h.fire();
  assert.notEqual(second, id);
});

test('a checkpoint from an earlier version (no safety, no line counts) restores with defaults', async () => {
  const { restoreState } = await import('../src/core/step.ts');
  const old = JSON.parse(JSON.stringify(initialState(T0))) as Record<string, unknown>;
  delete old.safety;
  delete old.linesEvaluated;
  const restored = restoreState(old as unknown as CoreState);
  assert.equal(restored.safety.armed, true);
  assert.deepEqual(restored.linesEvaluated, {});
  const ctx = context({ policy: 'veto-window', window: '10m' });
  const r = step(restored, { kind: 'startup', at: T0 + 1, seed: 's' }, ctx);
  assert.equal(r.state.safety.nonceSeed, 's');
});
