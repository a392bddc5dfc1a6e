// Incidents: one per rule and cause, joins instead of storms, recovery, dry-run, warnings said once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleSchema, type Rule } from '../src/config/schema.ts';
import { emptyIncidentState, reconcileIncidents, INCONCLUSIVE_ASK_AFTER_MS, isOpen } from '../src/core/incident.ts';
import type { Verdict } from '../src/core/types.ts';

const rule = (over: Record<string, unknown> = {}): Rule =>
  ruleSchema.parse({ id: 'failures', kind: 'repeated-failures', action: 'rollback', ...over });
const verdict = (outcome: Verdict['outcome'], cause = 'check_kr.log', extra: Partial<Verdict> = {}): Verdict => ({
  ruleId: 'failures',
  outcome,
  cause,
  summary: `${outcome} ${cause}`,
  evidence: [{ kind: 'log', text: 'Traceback', file: cause }],
  ...extra,
});

test('a firing opens one incident; the same cause firing again joins it without a new notice', () => {
  const r = rule();
  const first = reconcileIncidents(emptyIncidentState(), [r], new Map([['failures', [verdict('fail')]]]), 1000);
  assert.equal(first.state.incidents.length, 1);
  assert.equal(first.state.incidents[0]!.id, 'INC-0001');
  assert.equal(first.state.incidents[0]!.action, 'rollback');
  assert.deepEqual(
    first.effects.map((e) => (e.kind === 'notify' ? e.notice.kind : e.kind)),
    ['incident-opened'],
  );
  assert.deepEqual(
    first.journal.map((j) => j.type),
    ['incident-opened'],
  );

  let s = first.state;
  for (let i = 0; i < 50; i++) {
    const again = reconcileIncidents(s, [r], new Map([['failures', [verdict('fail')]]]), 2000 + i);
    assert.equal(again.effects.length, 0, 'a persisting fault must not notify again');
    s = again.state;
  }
  assert.equal(s.incidents.length, 1);
  assert.equal(s.incidents[0]!.joins, 50);
});

test('different causes of one rule open separate incidents', () => {
  const r = rule();
  const out = reconcileIncidents(
    emptyIncidentState(),
    [r],
    new Map([['failures', [verdict('fail', 'check_kr.log'), verdict('fail', 'check_us.log')]]]),
    1000,
  );
  assert.deepEqual(
    out.state.incidents.map((i) => [i.id, i.cause]),
    [
      ['INC-0001', 'check_kr.log'],
      ['INC-0002', 'check_us.log'],
    ],
  );
});

test('a pass resolves an untouched incident and a later firing opens a new one', () => {
  const r = rule();
  const opened = reconcileIncidents(emptyIncidentState(), [r], new Map([['failures', [verdict('fail')]]]), 1000);
  const resolved = reconcileIncidents(opened.state, [r], new Map([['failures', [verdict('pass')]]]), 2000);
  assert.equal(resolved.state.incidents[0]!.phase, 'resolved');
  assert.equal(isOpen(resolved.state.incidents[0]!), false);
  assert.deepEqual(
    resolved.effects.map((e) => (e.kind === 'notify' ? e.notice.kind : e.kind)),
    ['incident-resolved'],
  );
  const reopened = reconcileIncidents(resolved.state, [r], new Map([['failures', [verdict('fail')]]]), 3000);
  assert.deepEqual(
    reopened.state.incidents.map((i) => [i.id, i.phase]),
    [
      ['INC-0001', 'resolved'],
      ['INC-0002', 'detected'],
    ],
  );
});

test('an incident under a decision does not resolve by itself', () => {
  const r = rule();
  const opened = reconcileIncidents(emptyIncidentState(), [r], new Map([['failures', [verdict('fail')]]]), 1000);
  const awaiting = { ...opened.state, incidents: opened.state.incidents.map((i) => ({ ...i, phase: 'awaiting-decision' as const })) };
  const after = reconcileIncidents(awaiting, [r], new Map([['failures', [verdict('pass')]]]), 2000);
  assert.equal(after.state.incidents[0]!.phase, 'awaiting-decision');
  assert.equal(after.effects.length, 0);
});

test('dry-run reports "would fire" once per cause and never opens an incident', () => {
  const r = rule({ mode: 'dry-run' });
  const a = reconcileIncidents(emptyIncidentState(), [r], new Map([['failures', [verdict('fail')]]]), 1000);
  assert.equal(a.state.incidents.length, 0);
  assert.deepEqual(
    a.effects.map((e) => (e.kind === 'notify' ? e.notice.kind : e.kind)),
    ['would-fire'],
  );
  const b = reconcileIncidents(a.state, [r], new Map([['failures', [verdict('fail')]]]), 2000);
  assert.equal(b.effects.length, 0);
  const c = reconcileIncidents(b.state, [r], new Map([['failures', [verdict('pass')]]]), 3000);
  const d = reconcileIncidents(c.state, [r], new Map([['failures', [verdict('fail')]]]), 4000);
  assert.deepEqual(
    d.effects.map((e) => (e.kind === 'notify' ? e.notice.kind : e.kind)),
    ['would-fire'],
    'after recovery a new firing is reported again',
  );
});

test('a warning is said once while it persists', () => {
  const r = rule();
  const w = verdict('pass', 'check_kr.log', { warning: 'one failed run' });
  const a = reconcileIncidents(emptyIncidentState(), [r], new Map([['failures', [w]]]), 1000);
  const b = reconcileIncidents(a.state, [r], new Map([['failures', [w]]]), 2000);
  assert.deepEqual(
    a.effects.map((e) => (e.kind === 'notify' ? e.notice.kind : e.kind)),
    ['warning'],
  );
  assert.equal(b.effects.length, 0);
  assert.equal(a.state.incidents.length, 0);
});

test('inconclusive asks a human only once it has persisted', () => {
  const r = rule();
  const v = verdict('inconclusive');
  const a = reconcileIncidents(emptyIncidentState(), [r], new Map([['failures', [v]]]), 0);
  assert.equal(a.effects.length, 0);
  const b = reconcileIncidents(a.state, [r], new Map([['failures', [v]]]), INCONCLUSIVE_ASK_AFTER_MS - 1);
  assert.equal(b.effects.length, 0);
  const c = reconcileIncidents(b.state, [r], new Map([['failures', [v]]]), INCONCLUSIVE_ASK_AFTER_MS);
  assert.deepEqual(
    c.effects.map((e) => (e.kind === 'notify' ? e.notice.kind : e.kind)),
    ['inconclusive'],
  );
  assert.equal(c.state.incidents.length, 0, 'inconclusive never opens an incident');
});

test('an error outcome is reported, never an incident', () => {
  const r = rule();
  const a = reconcileIncidents(emptyIncidentState(), [r], new Map([['failures', [verdict('error')]]]), 0);
  assert.deepEqual(
    a.effects.map((e) => (e.kind === 'notify' ? e.notice.kind : e.kind)),
    ['rule-error'],
  );
  assert.equal(a.state.incidents.length, 0);
});
