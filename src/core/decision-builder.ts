// The state the decisions work on (guard rails, policy, incidents) and the builder each decision step
// mutates a copy of, with the two outputs every decision path shares: phase changes and escalations.
import type { JournalEntry } from './incident.ts';
import type { Effect, Incident, IncidentPhase, Instant, Notice } from './types.ts';
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

/** Phases in which an incident's decision is still to come or under way: a new firing of the same action joins it. */
export const SHARED_DECISION_PHASES = new Set<IncidentPhase>(['detected', 'awaiting-decision', 'approved', 'running']);

export function dayOf(at: Instant, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

export class Builder {
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

/** The incident's summary as escalation parameters: the typed message when it has one, for the operator's language. */
export function summaryParams(incident: Incident): { summary: string; message?: VerdictMessage } {
  return { summary: incident.summary, ...(incident.message !== undefined ? { message: incident.message } : {}) };
}

export function escalate(b: Builder, incident: Incident, reason: VerdictMessage, level: 'L1' | 'L2'): void {
  if (incident.escalatedAt !== undefined) return;
  const why = renderMessage(reason, 'en');
  incident.escalatedAt = b.now;
  incident.updatedAt = b.now;
  b.record(incident, 'incident-phase', `escalated to ${level}: ${why}`);
  b.notify(`escalation|${incident.id}|${level}`, { kind: 'escalation', incident: { ...incident }, why, reason, level });
}

export function decisionBuilder(state: DecisionState, now: Instant, policy: DecisionPolicy): Builder {
  return new Builder(state, now, policy, state.jobRunning);
}

export type { Builder as DecisionBuilder };
