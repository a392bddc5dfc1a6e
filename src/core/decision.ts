// The decision lifecycle of incidents whose action is rollback or halt, and the escalation of the
// rest: plan → awaiting decision (required / veto-window / auto) → approved / vetoed → running →
// verified / failed → resolved or escalated. Every guard rail of SPEC §4 is decided here, purely.
import type { Rule } from '../config/schema.ts';
import type { JournalEntry } from './incident.ts';
import { traitsOf } from './rules/index.ts';
import { refusalDetailText, type RefusalDetail } from './decision-text.ts';
import type {
  Effect,
  ExecutionReport,
  Incident,
  IncidentPhase,
  Instant,
  Notice,
  OperatorCommand,
  OperatorIdentity,
  PlanPreview,
} from './types.ts';
import { renderMessage, type VerdictMessage } from './verdict-text.ts';

export interface DecisionPolicy {
  allowedUserIds: number[];
  /** The configured chat; presses from any other chat are refused. */
  chatId?: number;
  remindBefore: number;
  buttonExpiry: number;
  manualCheckWindow: number;
  disarmAfterRollback: boolean;
  cooldown: number;
  maxRollbacksPerDay: number;
  jobRunningDeadline: number;
  /** Calendar days for the daily cap are counted in this zone. */
  timezone: string;
}

export interface SafetyState {
  /** The automatic path may act; false after a rollback until an operator re-arms. */
  armed: boolean;
  /** The incident whose rollback or halt is executing now (at most one). */
  inFlight?: string;
  lastRollbackAt?: Instant;
  /** Rollbacks started per calendar day (`YYYY-MM-DD` in the deployment's zone). */
  rollbacksByDay: Record<string, number>;
  /** Plans whose target failed verification: never retried automatically. */
  failedTargets: string[];
  /** Rules silenced by an operator until the given instant. */
  silenced: Record<string, Instant>;
  /** Counter that makes every nonce unique; combined with randomness from the runtime. */
  nonceCounter: number;
  nonceSeed: string;
}

export function initialSafety(): SafetyState {
  return { armed: true, rollbacksByDay: {}, failedTargets: [], silenced: {}, nonceCounter: 0, nonceSeed: 'unseeded' };
}

/** Whether a job process is running in the cron container: `unknown` when the last look is stale. */
export type JobRunning = 'yes' | 'no' | 'unknown';

export interface DecisionState {
  incidents: Incident[];
  safety: SafetyState;
  /** Whether a job process is running in the cron container, as last observed. */
  jobRunning: JobRunning;
}

export interface DecisionResult {
  incidents: Incident[];
  safety: SafetyState;
  effects: Effect[];
  journal: JournalEntry[];
}

const ACTING = new Set<Incident['action']>(['rollback', 'halt', 'resume']);
/** Phases in which an incident's decision is still to come or under way: a new firing of the same action joins it. */
const SHARED_DECISION_PHASES = new Set<IncidentPhase>(['detected', 'awaiting-decision', 'approved', 'running']);
const POLICY_STRENGTH = { auto: 0, 'veto-window': 1, required: 2 } as const;

function dayOf(at: Instant, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

class Builder {
  incidents: Incident[];
  safety: SafetyState;
  effects: Effect[] = [];
  journal: JournalEntry[] = [];
  constructor(
    state: DecisionState,
    readonly now: Instant,
    readonly policy: DecisionPolicy,
    readonly jobRunning: JobRunning,
  ) {
    this.incidents = state.incidents.map((i) => ({ ...i }));
    this.safety = {
      ...state.safety,
      rollbacksByDay: { ...state.safety.rollbacksByDay },
      silenced: { ...state.safety.silenced },
      failedTargets: [...state.safety.failedTargets],
    };
  }
  notify(key: string, notice: Notice) {
    this.effects.push({ kind: 'notify', key, notice });
  }
  record(incident: Incident, type: JournalEntry['type'], note: string) {
    this.journal.push({ at: this.now, type, incidentId: incident.id, ruleId: incident.ruleId, cause: incident.cause, summary: note });
  }
  transition(incident: Incident, phase: IncidentPhase, note: string) {
    this.setPhase(incident, phase, note);
    // Incidents that share this one's decision follow it, except into `resolved`: each of them is
    // resolved by its own rule passing (a verified rollback watches every cause it was run for).
    if (phase === 'resolved') return;
    for (const follower of this.incidents) {
      if (follower.decisionOf !== incident.id || (!SHARED_DECISION_PHASES.has(follower.phase) && follower.phase !== 'verified')) continue;
      this.setPhase(follower, phase, `with ${incident.id}: ${note}`);
      if (phase === 'verified') follower.verifiedAt = this.now;
    }
  }
  setPhase(incident: Incident, phase: IncidentPhase, note: string) {
    if (phase === 'vetoed' || phase === 'failed' || phase === 'escalated') incident.holdsCause = true;
    incident.phase = phase;
    incident.updatedAt = this.now;
    incident.history = [...incident.history, { at: this.now, phase, note }];
    this.record(incident, 'incident-phase', `${phase}: ${note}`);
  }
  nonce(): string {
    this.safety.nonceCounter += 1;
    return `${this.safety.nonceSeed}${this.safety.nonceCounter.toString(36)}`;
  }
  find(id: string): Incident | undefined {
    return this.incidents.find((i) => i.id === id);
  }
  result(): DecisionResult {
    return { incidents: this.incidents, safety: this.safety, effects: this.effects, journal: this.journal };
  }
}

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
function hardBlock(b: Builder): RefusalDetail | undefined {
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
function decisionOwner(b: Builder, incident: Incident): Incident {
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

/** The incident's summary as escalation parameters: the typed message when it has one, for the operator's language. */
function summaryParams(incident: Incident): { summary: string; message?: VerdictMessage } {
  return { summary: incident.summary, ...(incident.message !== undefined ? { message: incident.message } : {}) };
}

function escalate(b: Builder, incident: Incident, reason: VerdictMessage, level: 'L1' | 'L2'): void {
  if (incident.escalatedAt !== undefined) return;
  const why = renderMessage(reason, 'en');
  incident.escalatedAt = b.now;
  incident.updatedAt = b.now;
  b.record(incident, 'incident-phase', `escalated to ${level}: ${why}`);
  b.notify(`escalation|${incident.id}|${level}`, { kind: 'escalation', incident: { ...incident }, why, reason, level });
}

function requestDecision(
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

function approve(b: Builder, incident: Incident, by: OperatorIdentity | undefined, reason: string): void {
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

export function onPlanReady(
  b: Builder,
  incidentId: string,
  result: { ok: true; plan: PlanPreview } | { ok: false; reason: string },
  nonce: string,
  rules: Rule[],
): void {
  const incident = b.find(incidentId);
  if (!incident || !incident.planRequested) return;
  incident.planRequested = false;
  // Resolved (its cause recovered) while the plan was being made: nothing is left to decide.
  if (incident.phase !== 'detected') return;
  if (!result.ok) {
    b.record(incident, 'incident-phase', `no plan: ${result.reason}`);
    escalate(b, incident, { key: 'escalation.no-plan', params: { action: incident.action, reason: result.reason } }, 'L1');
    return;
  }
  // The shared decision takes the strictest policy of every incident it decides for.
  const approvals = [incident, ...b.incidents.filter((f) => f.decisionOf === incident.id && SHARED_DECISION_PHASES.has(f.phase))].map(
    (i) => rules.find((r) => r.id === i.ruleId)?.approval ?? { policy: 'required' as const, window: b.policy.manualCheckWindow },
  );
  const approval = approvals.reduce((a, c) => (POLICY_STRENGTH[c.policy] > POLICY_STRENGTH[a.policy] ? c : a));
  requestDecision(b, incident, result.plan, approval.policy, approval.window, nonce, false);
}

function refuse(
  b: Builder,
  by: OperatorIdentity,
  reason: Extract<Notice, { kind: 'decision-refused' }>['reason'],
  detailMessage: RefusalDetail,
  incidentId?: string,
): void {
  const detail = refusalDetailText('en', detailMessage);
  b.journal.push({
    at: b.now,
    type: 'operator-refused',
    incidentId: incidentId ?? '-',
    ruleId: '-',
    cause: reason,
    summary: `${describeOperator(by)}: ${detail}`,
  });
  b.notify(`refused|${b.now}|${by.userId ?? by.channel}|${incidentId ?? '-'}|${reason}`, {
    kind: 'decision-refused',
    ...(incidentId ? { incidentId } : {}),
    by,
    reason,
    detail,
    detailMessage,
  });
}

export function describeOperator(by: OperatorIdentity): string {
  return by.channel === 'cli' ? 'local CLI' : `telegram user ${by.userId ?? '?'}${by.name ? ` (${by.name})` : ''}`;
}

function allowed(b: Builder, by: OperatorIdentity): boolean {
  if (by.channel === 'cli') return true;
  if (by.userId === undefined || !b.policy.allowedUserIds.includes(by.userId)) return false;
  if (b.policy.chatId !== undefined && by.chatId !== b.policy.chatId) return false;
  return true;
}

/** Manual incidents (`/rollback`, `/halt`, `/resume`) get ids of their own. */
export function onOperator(
  b: Builder,
  command: OperatorCommand,
  by: OperatorIdentity,
  openManual: (action: 'rollback' | 'halt' | 'resume') => Incident,
): void {
  if (!allowed(b, by)) {
    refuse(b, by, 'not-allowed', { key: 'not-allowed', command: command.kind }, 'incidentId' in command ? command.incidentId : undefined);
    return;
  }
  switch (command.kind) {
    case 'approve':
    case 'veto': {
      const named = b.find(command.incidentId);
      if (!named) return refuse(b, by, 'unknown-incident', { key: 'unknown-incident', incidentId: command.incidentId }, command.incidentId);
      const incident = decisionOwner(b, named);
      const d = incident.decision;
      if (incident.phase !== 'awaiting-decision' || !d)
        return refuse(b, by, 'not-awaiting', { key: 'not-awaiting', incidentId: incident.id, phase: incident.phase }, incident.id);
      if (command.nonce !== undefined) {
        if (command.nonce !== d.nonce) return refuse(b, by, 'stale', { key: 'stale', incidentId: incident.id }, incident.id);
        if (b.now - d.announcedAt > b.policy.buttonExpiry)
          return refuse(b, by, 'expired', { key: 'expired', incidentId: incident.id, command: command.kind }, incident.id);
      }
      if (command.kind === 'veto') {
        incident.decision = { ...d, decidedBy: by, decidedAt: b.now, ...(command.reason ? { reason: command.reason } : {}) };
        b.transition(incident, 'vetoed', `vetoed by ${describeOperator(by)}${command.reason ? `: ${command.reason}` : ''}`);
        b.notify(`decided|${incident.id}|vetoed|${b.now}`, {
          kind: 'decision-recorded',
          incident: { ...incident },
          decision: 'vetoed',
          by,
          ...(command.reason ? { reason: command.reason } : {}),
        });
        return;
      }
      const block = hardBlock(b);
      if (block) return refuse(b, by, 'blocked', block, incident.id);
      approve(b, incident, by, `approved by ${describeOperator(by)}`);
      return;
    }
    case 'manual-action': {
      const block = hardBlock(b);
      if (block && command.action !== 'resume') return refuse(b, by, 'blocked', block);
      const incident = openManual(command.action);
      b.incidents.push(incident);
      b.record(incident, 'incident-opened', `${command.action} asked by ${describeOperator(by)}`);
      incident.planRequested = true;
      b.effects.push({ kind: 'plan', incidentId: incident.id, action: command.action });
      return;
    }
    case 'arm':
      b.safety.armed = true;
      b.journal.push({
        at: b.now,
        type: 'operator-command',
        incidentId: '-',
        ruleId: '-',
        cause: 'arm',
        summary: `re-armed by ${describeOperator(by)}`,
      });
      return;
    case 'silence':
      b.safety.silenced[command.ruleId] = command.until;
      b.journal.push({
        at: b.now,
        type: 'operator-command',
        incidentId: '-',
        ruleId: command.ruleId,
        cause: 'silence',
        summary: `silenced until ${new Date(command.until).toISOString()} by ${describeOperator(by)}`,
      });
      return;
    case 'unsilence':
      delete b.safety.silenced[command.ruleId];
      b.journal.push({
        at: b.now,
        type: 'operator-command',
        incidentId: '-',
        ruleId: command.ruleId,
        cause: 'unsilence',
        summary: `unsilenced by ${describeOperator(by)}`,
      });
      return;
  }
}

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
        escalate(b, incident, { key: 'escalation.verify-failed', params: { detail: report.detail } }, 'L2');
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

export function decisionBuilder(state: DecisionState, now: Instant, policy: DecisionPolicy): Builder {
  return new Builder(state, now, policy, state.jobRunning);
}

export type { Builder as DecisionBuilder };
