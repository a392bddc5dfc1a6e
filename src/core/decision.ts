// The decision lifecycle of incidents whose action is rollback or halt, and the escalation of the
// rest: plan → awaiting decision (required / veto-window / auto) → approved / vetoed → running →
// verified / failed → resolved or escalated. Every guard rail of SPEC §4 is decided here, purely.
// Operator commands are in decision-operator.ts, execution reports in decision-execution.ts.
import type { Rule } from '../config/schema.ts';
import { traitsOf } from './rules/index.ts';
import type { RefusalDetail } from './decision-text.ts';
import type { Incident, OperatorIdentity, PlanAnswer, PlanPreview } from './types.ts';
import { SHARED_DECISION_PHASES, dayOf, escalate, summaryParams, type Builder } from './decision-builder.ts';

const ACTING = new Set<Incident['action']>(['rollback', 'halt', 'resume']);
const POLICY_STRENGTH = { auto: 0, 'veto-window': 1, required: 2 } as const;

/** Why the automatic path may not act now, or undefined. Manual approval is still possible. */
function automaticBlock(b: Builder, incident: Incident): string | undefined {
  if (incident.action !== 'rollback') return undefined;
  const s = b.safety;
  if (!s.armed) return 'disarmed after the last rollback: an operator must re-arm (/arm) or approve by hand';
  if (s.lastRollbackAt !== undefined && b.now - s.lastRollbackAt < b.policy.cooldown) return 'within the cooldown after the last rollback';
  if ((s.rollbacksByDay[dayOf(b.now, b.policy.timezone)] ?? 0) >= b.policy.maxRollbacksPerDay) return 'the daily rollback cap is reached';
  if (incident.plan && s.failedTargets.includes(incident.plan.id)) return 'this target failed verification before';
  return undefined;
}

/** A hard block: nothing may start, approved or not. */
export function hardBlock(b: Builder): RefusalDetail | undefined {
  if (b.safety.inFlight !== undefined) return { key: 'in-flight', incidentId: b.safety.inFlight };
  return undefined;
}

/** The open incident that holds the decision for `action`, if one is pending or under way. */
function decisionHolder(b: Builder, action: Incident['action'], except: string): Incident | undefined {
  return b.incidents.find(
    (other) =>
      other.id !== except &&
      other.decisionOf === undefined &&
      other.action === action &&
      SHARED_DECISION_PHASES.has(other.phase) &&
      (other.phase !== 'detected' || other.planRequested === true),
  );
}

/** The incident whose decision an operator's approve or veto of `incident` is about. */
export function decisionOwner(b: Builder, incident: Incident): Incident {
  return (incident.decisionOf !== undefined ? b.find(incident.decisionOf) : undefined) ?? incident;
}

/**
 * Join `incident` to the decision `holder` already has for the same action: no second plan, no second
 * approval message. A stricter approval policy of the joining rule tightens the shared decision.
 */
function joinDecision(b: Builder, incident: Incident, holder: Incident, rules: Rule[]): void {
  incident.decisionOf = holder.id;
  b.record(incident, 'incident-phase', `decided together with ${holder.id}: the same ${incident.action} is proposed`);
  if (holder.phase !== 'detected') b.setPhase(incident, holder.phase, `with ${holder.id}: ${holder.phase}`);
  const d = holder.decision;
  const wanted = rules.find((r) => r.id === incident.ruleId)?.approval;
  if (holder.phase === 'awaiting-decision' && d && holder.plan && wanted && POLICY_STRENGTH[wanted.policy] > POLICY_STRENGTH[d.policy]) {
    requestDecision(
      b,
      holder,
      holder.plan,
      wanted.policy,
      wanted.window,
      b.nonce(),
      true,
      `${incident.id} (${incident.ruleId}) asks for ${wanted.policy} approval`,
    );
  }
}

/** Called for each incident that reconcile just opened. */
export function onOpened(b: Builder, incident: Incident, rule: Rule | undefined, rules: Rule[] = rule ? [rule] : []): void {
  if (ACTING.has(incident.action)) {
    const holder = decisionHolder(b, incident.action, incident.id);
    if (holder) {
      joinDecision(b, incident, holder, rules);
      return;
    }
    incident.planRequested = true;
    b.effects.push({ kind: 'plan', incidentId: incident.id, action: incident.action as 'rollback' | 'halt' });
    return;
  }
  if (incident.action === 'escalate') {
    const wait = rule && traitsOf(rule).manualCheckFirst ? b.policy.manualCheckWindow : 0;
    incident.escalateAt = b.now + wait;
  }
}

export function requestDecision(
  b: Builder,
  incident: Incident,
  plan: PlanPreview,
  policy: 'required' | 'veto-window' | 'auto',
  window: number,
  nonce: string,
  again: boolean,
  note?: string,
): void {
  incident.plan = plan;
  incident.planRequested = false;
  const block = automaticBlock(b, incident);
  const effective = block !== undefined && policy !== 'required' ? 'required' : policy;
  // A policy forced to `required` by a guard rail gets a human-sized window, not the auto's zero.
  const deadline = b.now + (effective !== policy ? Math.max(window, b.policy.manualCheckWindow) : window);
  incident.decision = {
    policy: effective,
    nonce,
    announcedAt: b.now,
    deadline,
    reminded: false,
    ...(effective === 'required' ? { remindAt: Math.max(b.now, deadline - b.policy.remindBefore) } : {}),
  };
  b.transition(
    incident,
    'awaiting-decision',
    `${effective}${block ? ` (automatic path blocked: ${block})` : ''}${note ? `; ${note}` : ''}`,
  );
  if (effective === 'auto') {
    approve(b, incident, undefined, 'approval policy auto');
    return;
  }
  b.notify(`decision|${incident.id}|${nonce}`, { kind: 'decision-requested', incident: { ...incident }, again });
}

export function approve(b: Builder, incident: Incident, by: OperatorIdentity | undefined, reason: string): void {
  if (incident.decision) {
    incident.decision = { ...incident.decision, ...(by ? { decidedBy: by } : {}), decidedAt: b.now, reason };
  }
  b.transition(incident, 'approved', reason);
  b.notify(`decided|${incident.id}|approved|${b.now}`, {
    kind: 'decision-recorded',
    incident: { ...incident },
    decision: 'approved',
    ...(by ? { by } : {}),
    reason,
  });
  tryExecute(b, incident);
}

/** Start an approved plan unless a job is mid-run (defer) or another execution is in flight. */
function tryExecute(b: Builder, incident: Incident): void {
  if (incident.phase !== 'approved' || !incident.plan) return;
  const block = hardBlock(b);
  if (block) {
    // Wait for the other execution: it ends in a report, after which ticks retry this one.
    incident.decision = incident.decision
      ? { ...incident.decision, deferredUntil: b.now + b.policy.jobRunningDeadline }
      : incident.decision;
    return;
  }
  if (b.jobRunning !== 'no' && incident.action !== 'resume') {
    const d = incident.decision;
    const until = d?.deferredUntil ?? b.now + b.policy.jobRunningDeadline;
    if (b.now < until) {
      if (d && d.deferredUntil === undefined) {
        incident.decision = { ...d, deferredUntil: until };
        b.record(
          incident,
          'incident-phase',
          b.jobRunning === 'yes'
            ? 'deferred: a job is running in the cron container'
            : "deferred: waiting for a fresh look at the cron container's processes",
        );
      }
      // `unknown` waits quietly for the fresh look the runtime takes on its next tick; a job seen
      // running is worth one word to the operator.
      if (b.jobRunning === 'yes' && incident.decision && !incident.decision.deferralAnnounced) {
        incident.decision = { ...incident.decision, deferralAnnounced: true };
        b.notify(`deferred|${incident.id}`, {
          kind: 'execution-update',
          incident: { ...incident },
          report: { kind: 'deferred', reason: 'a job is running in the cron container', retryAt: until },
        });
      }
      return;
    }
    // The job outlived the deadline, or its processes could not be seen until then: never act on a
    // guess, ask a human again.
    const nonce = b.nonce();
    const why =
      b.jobRunning === 'yes'
        ? 'a job was still running at the deferral deadline'
        : "the cron container's processes could not be seen before the deferral deadline";
    requestDecision(b, incident, incident.plan, 'required', b.policy.manualCheckWindow, nonce, true, why);
    return;
  }
  b.safety.inFlight = incident.id;
  b.effects.push({
    kind: 'execute',
    incidentId: incident.id,
    action: incident.action as 'rollback' | 'halt' | 'resume',
    planId: incident.plan.id,
  });
  b.record(incident, 'incident-phase', `execute requested: plan ${incident.plan.id}`);
}

/**
 * A follower whose decision holder ended before deciding anything (its cause recovered while the plan
 * was being made, or its rule was removed) and that still fires needs a decision of its own.
 */
function adoptOrphans(b: Builder, rules: Rule[]): void {
  for (const incident of b.incidents) {
    if (incident.decisionOf === undefined || (incident.phase !== 'detected' && incident.phase !== 'awaiting-decision')) continue;
    const holder = b.find(incident.decisionOf);
    if (holder && SHARED_DECISION_PHASES.has(holder.phase)) continue;
    delete incident.decisionOf;
    if (incident.phase !== 'detected') b.setPhase(incident, 'detected', 'its decision was closed without a decision');
    b.record(incident, 'incident-phase', `${holder?.id ?? 'its decision holder'} ended undecided: a decision of its own`);
    onOpened(
      b,
      incident,
      rules.find((r) => r.id === incident.ruleId),
      rules,
    );
  }
}

/** Deadlines, reminders, escalations and deferrals: everything time decides. */
export function onTick(b: Builder, rules: Rule[]): void {
  adoptOrphans(b, rules);
  for (const incident of b.incidents) {
    const d = incident.decision;
    if (incident.phase === 'awaiting-decision' && d) {
      if (d.policy === 'veto-window' && b.now >= d.deadline) {
        approve(b, incident, undefined, 'the veto window ran out');
      } else if (d.policy === 'required') {
        if (!d.reminded && d.remindAt !== undefined && b.now >= d.remindAt && b.now < d.deadline) {
          incident.decision = { ...d, reminded: true };
          b.notify(`reminder|${incident.id}|${d.nonce}`, { kind: 'decision-reminder', incident: { ...incident } });
        }
        if (b.now >= d.deadline) escalate(b, incident, { key: 'escalation.no-decision', params: {} }, 'L1');
      }
    } else if (incident.phase === 'approved') {
      tryExecute(b, incident);
    }
    if (
      incident.escalateAt !== undefined &&
      incident.escalatedAt === undefined &&
      b.now >= incident.escalateAt &&
      incident.phase !== 'resolved'
    ) {
      const rule = rules.find((r) => r.id === incident.ruleId);
      escalate(
        b,
        incident,
        rule && traitsOf(rule).manualCheckFirst
          ? { key: 'escalation.manual-check', params: {} }
          : { key: 'escalation.firing', params: summaryParams(incident) },
        'L1',
      );
    }
  }
  for (const [ruleId, until] of Object.entries(b.safety.silenced)) if (b.now >= until) delete b.safety.silenced[ruleId];
}

export function onPlanReady(b: Builder, incidentId: string, result: PlanAnswer, nonce: string, rules: Rule[]): void {
  const incident = b.find(incidentId);
  if (!incident || !incident.planRequested) return;
  incident.planRequested = false;
  // Resolved (its cause recovered) while the plan was being made: nothing is left to decide.
  if (incident.phase !== 'detected') return;
  if (!result.ok) {
    b.record(incident, 'incident-phase', `no plan: ${result.reason}`);
    // A blocked rollback (the target cannot load the current state) says which records, in the operator's language.
    escalate(
      b,
      incident,
      result.blocked
        ? { key: 'escalation.blocked', params: result.blocked }
        : { key: 'escalation.no-plan', params: { action: incident.action, reason: result.reason } },
      'L1',
    );
    return;
  }
  // The shared decision takes the strictest policy of every incident it decides for.
  const approvals = [incident, ...b.incidents.filter((f) => f.decisionOf === incident.id && SHARED_DECISION_PHASES.has(f.phase))].map(
    (i) => rules.find((r) => r.id === i.ruleId)?.approval ?? { policy: 'required' as const, window: b.policy.manualCheckWindow },
  );
  const approval = approvals.reduce((a, c) => (POLICY_STRENGTH[c.policy] > POLICY_STRENGTH[a.policy] ? c : a));
  requestDecision(b, incident, result.plan, approval.policy, approval.window, nonce, false);
}
