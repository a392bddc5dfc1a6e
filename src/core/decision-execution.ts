// What the engine's execution reports do to an incident (started, steps, finished, verified), the
// restart that re-announces pending decisions, and the watch after a verified rollback.
import type { ExecutionReport, Incident } from './types.ts';
import { dayOf, escalate, summaryParams, type Builder } from './decision-builder.ts';
import { requestDecision } from './decision.ts';

export function onExecution(b: Builder, incidentId: string, report: ExecutionReport): void {
  const incident = b.find(incidentId);
  if (!incident) return;
  const update = () =>
    b.notify(`exec|${incident.id}|${report.kind}|${b.now}`, { kind: 'execution-update', incident: { ...incident }, report });
  const release = () => {
    if (b.safety.inFlight === incident.id) delete b.safety.inFlight;
  };
  switch (report.kind) {
    case 'deferred':
      if (b.safety.inFlight === incident.id) delete b.safety.inFlight;
      incident.decision = incident.decision ? { ...incident.decision, deferredUntil: report.retryAt } : incident.decision;
      b.record(incident, 'incident-phase', `deferred: ${report.reason}`);
      update();
      return;
    case 'refused':
      release();
      b.transition(incident, 'failed', `refused by the engine: ${report.reason}`);
      update();
      escalate(b, incident, { key: 'escalation.refused', params: { action: incident.action, reason: report.reason } }, 'L2');
      return;
    case 'started':
      b.safety.inFlight = incident.id;
      if (incident.action === 'rollback') {
        b.safety.lastRollbackAt = b.now;
        const day = dayOf(b.now, b.policy.timezone);
        b.safety.rollbacksByDay[day] = (b.safety.rollbacksByDay[day] ?? 0) + 1;
        if (b.policy.disarmAfterRollback) b.safety.armed = false;
      }
      b.transition(incident, 'running', `${incident.action} started (plan ${report.planId})`);
      update();
      return;
    case 'step':
      b.record(incident, 'incident-phase', `step ${report.name}: ${report.ok ? 'ok' : 'failed'}: ${report.detail}`);
      return;
    case 'finished':
      if (!report.ok) {
        release();
        if (incident.plan) b.safety.failedTargets = [...new Set([...b.safety.failedTargets, incident.plan.id])];
        b.transition(incident, 'failed', `${incident.action} failed: ${report.detail}`);
        update();
        escalate(b, incident, { key: 'escalation.failed', params: { action: incident.action, detail: report.detail } }, 'L2');
        return;
      }
      if (incident.action !== 'rollback') {
        release();
        b.transition(incident, incident.action === 'halt' ? 'escalated' : 'resolved', `${incident.action} done: ${report.detail}`);
        update();
        // Runbook §5.1: stop trading at once, then escalate to a human.
        if (incident.action === 'halt') escalate(b, incident, { key: 'escalation.halted', params: summaryParams(incident) }, 'L1');
        return;
      }
      b.record(incident, 'incident-phase', `rollback finished, verifying: ${report.detail}`);
      update();
      return;
    case 'verified':
      release();
      if (!report.ok) {
        if (incident.plan) b.safety.failedTargets = [...new Set([...b.safety.failedTargets, incident.plan.id])];
        b.transition(incident, 'failed', `verification failed: ${report.detail}`);
        update();
        const words = report.words;
        escalate(
          b,
          incident,
          words?.key === 'not-target-release'
            ? {
                key: 'escalation.not-target-release',
                params: { release: words.release, image: words.image ?? '?', restored: words.restored },
              }
            : { key: 'escalation.verify-failed', params: { detail: report.detail } },
          'L2',
        );
        return;
      }
      incident.verifiedAt = b.now;
      b.transition(
        incident,
        'verified',
        `verified${report.preExisting.length ? ` (pre-existing: ${report.preExisting.join('; ')})` : ''}; watching the next scheduled runs`,
      );
      update();
      return;
  }
}

/** After a restart: pending decisions are announced again and never executed blindly. */
export function onStartup(b: Builder, seed: string): void {
  b.safety.nonceSeed = seed;
  for (const incident of b.incidents) {
    if ((incident.phase === 'awaiting-decision' || incident.phase === 'approved') && incident.plan) {
      const d = incident.decision;
      const passed = d !== undefined && b.now >= d.deadline;
      const window = d ? Math.max(d.deadline - d.announcedAt, b.policy.remindBefore) : b.policy.manualCheckWindow;
      const note =
        incident.phase === 'approved'
          ? 'approved before a restart but not started: confirm again'
          : passed
            ? 'the deadline passed while the sidecar was down'
            : 'announced again after a restart';
      requestDecision(b, incident, incident.plan, 'required', window, b.nonce(), true, note);
    } else if (incident.planRequested) {
      b.effects.push({ kind: 'plan', incidentId: incident.id, action: incident.action as 'rollback' | 'halt' | 'resume' });
    }
  }
}

/** A verified rollback whose cause fires again: the fault persists after the rollback (runbook §5). */
export function onPersistingFault(b: Builder, incident: Incident): void {
  escalate(b, incident, { key: 'escalation.persists', params: {} }, 'L2');
}

/** The verified rollback is proven: every job has had a good run since. */
export function onRecovered(b: Builder, incident: Incident): void {
  b.transition(incident, 'resolved', 'the next scheduled runs succeeded after the rollback');
  b.notify(`resolved|${incident.id}`, { kind: 'incident-resolved', incident: { ...incident } });
}
