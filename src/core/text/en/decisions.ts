// English text about decisions (also the journal's wording of a refusal). Pure.
import type { DecisionText } from '../catalogue.ts';

export const decisions: DecisionText = {
  'not-allowed': (d) => `not on the allow-list: ${d.command} refused`,
  'unknown-incident': (d) => `no incident ${d.incidentId}`,
  'not-awaiting': (d) => `${d.incidentId} is ${d.phase}, not awaiting a decision`,
  stale: (d) => `this button belongs to an earlier announcement of ${d.incidentId}`,
  expired: (d) => `the buttons of ${d.incidentId} expired; use /${d.command} ${d.incidentId}`,
  'in-flight': (d) => `another execution is in flight (${d.incidentId})`,
  sharedDecision: (holderId: string) =>
    `Decided together with ${holderId}, which proposes the same action: one approve or veto covers both`,
  closedBecause: (why: string) => `Closed because ${why}`,
};
