// Turns verdicts into incidents: one incident per rule and cause (a firing joins the open one instead
// of opening another, so a fault that persists for hours is one alert, not hundreds).
import type { Rule } from '../config/schema.ts';
import type { Effect, Incident, Instant, Notice, Verdict } from './types.ts';

export interface IncidentState {
  /** Every incident ever opened that is still worth keeping (open ones, and closed ones for a while). */
  incidents: Incident[];
  nextSeq: number;
  /** Notices already given, by dedupe key, so a persisting warning is said once. */
  noticed: Record<string, Instant>;
  /** Since when a rule+cause has been inconclusive, to ask a human only when it persists. */
  inconclusiveSince: Record<string, Instant>;
}

export interface JournalEntry {
  at: Instant;
  type: 'incident-opened' | 'incident-joined' | 'incident-resolved' | 'incident-phase' | 'operator-refused' | 'operator-command';
  incidentId: string;
  ruleId: string;
  cause: string;
  summary: string;
}

export const INCONCLUSIVE_ASK_AFTER_MS = 30 * 60_000;
/** Closed incidents are kept this long for `status` and the journal's readers, then dropped from state. */
const CLOSED_RETENTION_MS = 7 * 24 * 3_600_000;
const OPEN_PHASES = new Set<Incident['phase']>(['detected', 'awaiting-decision', 'approved', 'running', 'verified']);

export function emptyIncidentState(): IncidentState {
  return { incidents: [], nextSeq: 1, noticed: {}, inconclusiveSince: {} };
}

export function isOpen(incident: Incident): boolean {
  return OPEN_PHASES.has(incident.phase);
}

export function causeKey(ruleId: string, cause: string): string {
  return `${ruleId}|${cause}`;
}

/**
 * Reconcile the verdicts of one evaluation with the incidents. Rules not in `verdictsByRule` (off, or
 * not evaluated) leave their incidents untouched.
 */
export function reconcileIncidents(
  state: IncidentState,
  rules: Rule[],
  verdictsByRule: Map<string, Verdict[]>,
  now: Instant,
  silenced: Record<string, Instant> = {},
): { state: IncidentState; effects: Effect[]; journal: JournalEntry[]; opened: string[]; joined: string[] } {
  const incidents = state.incidents.map((i) => ({ ...i }));
  const noticed = { ...state.noticed };
  const inconclusiveSince = { ...state.inconclusiveSince };
  let nextSeq = state.nextSeq;
  const effects: Effect[] = [];
  const journal: JournalEntry[] = [];
  const opened: string[] = [];
  const joined: string[] = [];
  const notify = (key: string, notice: Notice) => effects.push({ kind: 'notify', key, notice });

  for (const rule of rules) {
    const verdicts = verdictsByRule.get(rule.id);
    if (!verdicts) continue;
    for (const verdict of verdicts) {
      const key = causeKey(rule.id, verdict.cause);
      const open = incidents.find((i) => isOpen(i) && causeKey(i.ruleId, i.cause) === key);
      const held = open ? undefined : incidents.find((i) => i.holdsCause === true && causeKey(i.ruleId, i.cause) === key);

      if (verdict.outcome !== 'inconclusive') delete inconclusiveSince[key];

      switch (verdict.outcome) {
        case 'fail': {
          // A silenced rule still evaluates (status shows it) but neither opens nor announces anything.
          if (silenced[rule.id] !== undefined && silenced[rule.id]! > now && !open) break;
          if (rule.mode === 'dry-run') {
            const noticeKey = `would-fire|${key}`;
            if (noticed[noticeKey] === undefined) {
              noticed[noticeKey] = now;
              notify(noticeKey, { kind: 'would-fire', verdict });
            }
            break;
          }
          if (held) {
            // Vetoed or failed while the fault persists: the operator has this one; say nothing new.
            held.joins += 1;
            held.updatedAt = now;
            break;
          }
          if (open) {
            joined.push(open.id);
            open.joins += 1;
            open.updatedAt = now;
            open.evidence = verdict.evidence;
            open.summary = verdict.summary;
            if (verdict.keptAcrossEdit !== true) open.firedUnder = rule;
            if (verdict.message !== undefined) open.message = verdict.message;
            else delete open.message;
            if (verdict.label !== undefined) open.label = verdict.label;
            journal.push(entry(now, 'incident-joined', open));
            break;
          }
          const incident: Incident = {
            id: `INC-${String(nextSeq).padStart(4, '0')}`,
            ruleId: rule.id,
            cause: verdict.cause,
            severity: rule.severity,
            action: rule.action,
            phase: 'detected',
            openedAt: now,
            updatedAt: now,
            summary: verdict.summary,
            ...(verdict.message !== undefined ? { message: verdict.message } : {}),
            ...(verdict.label !== undefined ? { label: verdict.label } : {}),
            evidence: verdict.evidence,
            firedUnder: rule,
            joins: 0,
            history: [{ at: now, phase: 'detected', note: verdict.summary }],
          };
          nextSeq += 1;
          incidents.push(incident);
          opened.push(incident.id);
          journal.push(entry(now, 'incident-opened', incident));
          notify(`opened|${incident.id}`, { kind: 'incident-opened', incident });
          break;
        }
        case 'pass': {
          delete noticed[`would-fire|${key}`];
          if (held) held.holdsCause = false;
          if (verdict.warning !== undefined) {
            const noticeKey = `warning|${key}|${verdict.warning}`;
            if (noticed[noticeKey] === undefined) {
              noticed[noticeKey] = now;
              notify(noticeKey, { kind: 'warning', verdict });
            }
          }
          // Only an incident nobody has acted on yet resolves by itself: once a decision or an action is
          // under way, its own lifecycle closes it.
          if (open && open.phase === 'detected') {
            open.phase = 'resolved';
            open.updatedAt = now;
            open.history = [...open.history, { at: now, phase: 'resolved', note: `recovered: ${verdict.summary}` }];
            journal.push(entry(now, 'incident-resolved', open));
            notify(`resolved|${open.id}`, { kind: 'incident-resolved', incident: open });
          }
          break;
        }
        case 'inconclusive': {
          const since = inconclusiveSince[key] ?? now;
          inconclusiveSince[key] = since;
          const noticeKey = `inconclusive|${key}`;
          if (now - since >= INCONCLUSIVE_ASK_AFTER_MS && noticed[noticeKey] === undefined) {
            noticed[noticeKey] = now;
            notify(noticeKey, { kind: 'inconclusive', verdict, since });
          }
          break;
        }
        case 'error': {
          const noticeKey = `error|${key}`;
          if (noticed[noticeKey] === undefined) {
            noticed[noticeKey] = now;
            notify(noticeKey, { kind: 'rule-error', verdict });
          }
          break;
        }
      }
      if (verdict.outcome !== 'error') delete noticed[`error|${key}`];
      if (verdict.outcome !== 'inconclusive') delete noticed[`inconclusive|${key}`];
    }
  }

  const kept = incidents.filter((i) => isOpen(i) || i.holdsCause === true || now - i.updatedAt < CLOSED_RETENTION_MS);
  return { state: { incidents: kept, nextSeq, noticed, inconclusiveSince }, effects, journal, opened, joined };
}

/**
 * Incidents whose rule was removed from the rules files, or turned off or to dry-run, and on which no
 * action is under way yet: closed, saying why (a pending decision with them). Incidents already acted on
 * (approved, running, verified) finish their own lifecycle.
 */
export function closeOrphanedIncidents(
  state: IncidentState,
  rules: Rule[],
  now: Instant,
): { state: IncidentState; effects: Effect[]; journal: JournalEntry[] } {
  const effects: Effect[] = [];
  const journal: JournalEntry[] = [];
  const incidents = state.incidents.map((incident) => {
    if (incident.ruleId === 'operator') return incident;
    const rule = rules.find((r) => r.id === incident.ruleId);
    const why =
      rule === undefined
        ? `rule ${incident.ruleId} was removed from the rules files`
        : rule.mode !== 'enforce'
          ? `rule ${incident.ruleId} was set to ${rule.mode}`
          : undefined;
    if (why === undefined) return incident;
    // A vetoed or failed incident held its cause against new firings of a rule that no longer acts.
    if (!isOpen(incident)) return incident.holdsCause === true ? { ...incident, holdsCause: false } : incident;
    if (incident.phase !== 'detected' && incident.phase !== 'awaiting-decision') return incident;
    const closed: Incident = {
      ...incident,
      phase: 'resolved',
      holdsCause: false,
      updatedAt: now,
      history: [...incident.history, { at: now, phase: 'resolved', note: `closed: ${why}` }],
    };
    journal.push(entry(now, 'incident-resolved', closed));
    effects.push({ kind: 'notify', key: `resolved|${closed.id}`, notice: { kind: 'incident-resolved', incident: closed, why } });
    return closed;
  });
  return { state: { ...state, incidents }, effects, journal };
}

function entry(at: Instant, type: JournalEntry['type'], incident: Incident): JournalEntry {
  return { at, type, incidentId: incident.id, ruleId: incident.ruleId, cause: incident.cause, summary: incident.summary };
}
