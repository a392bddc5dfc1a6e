// Incidents and states shaped like the core's, for the Telegram tests (texts, status, bot pre-checks).
import { initialState, type CoreState } from '../../src/core/step.ts';
import type { Incident, IncidentDecision, PlanPreview } from '../../src/core/types.ts';
import { say } from '../../src/core/verdict-text.ts';

/** 2026-02-23 16:00:02 KST */
export const T0 = Date.UTC(2026, 1, 23, 7, 0, 2);

export const PLAN: PlanPreview = {
  id: 'plan-7f3a9c',
  action: 'rollback',
  strategy: 'image-tag',
  steps: [
    'backup data/positions/positions.json → backups/positions.json.pre-rollback-20260223_160002',
    'recreate turtle-cron from turtle-trading:pre-v3.2.1-backup (sha256:0123456789ab)',
    'verify crontab, /app/scripts/signal_check.py, positions.json hash',
  ],
  targetImageId: 'sha256:0123456789abcdef',
};

export function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-0001',
    ruleId: 'repeated-failures',
    cause: 'check_kr.log',
    severity: 'critical',
    action: 'rollback',
    phase: 'detected',
    openedAt: T0,
    updatedAt: T0,
    ...say({
      key: 'failures.streak',
      params: { jobId: 'check_kr.log', count: 2, threshold: 2, latest: { kind: 'traceback', text: "KeyError: 'units'" } },
    }),
    evidence: [
      { kind: 'log', file: 'check_kr.log', at: T0, text: 'Traceback (most recent call last):' },
      { kind: 'log', file: 'check_kr.log', at: T0 + 1000, text: "KeyError: 'units' <in position_tracker.py & friends>" },
    ],
    joins: 0,
    history: [{ at: T0, phase: 'detected', note: 'check_kr.log: 2 failed runs in a row' }],
    ...over,
  };
}

export function decision(over: Partial<IncidentDecision> = {}): IncidentDecision {
  return { policy: 'veto-window', nonce: 'n0nce-AAAA1111', announcedAt: T0, deadline: T0 + 10 * 60_000, reminded: false, ...over };
}

export function awaiting(over: Partial<Incident> = {}): Incident {
  return incident({ phase: 'awaiting-decision', plan: PLAN, decision: decision(), ...over });
}

export function stateWith(incidents: Incident[], now = T0): CoreState {
  const s = initialState(now);
  return { ...s, incidents: { ...s.incidents, incidents, nextSeq: incidents.length + 1 } };
}
