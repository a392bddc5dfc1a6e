// Why an operator's approve, veto or manual action was refused, in the operator's language. The core
// records the reason as data (a key and its parameters); the English rendering also goes to the journal.
import type { IncidentPhase } from './types.ts';
import { decisionText, type Language } from './text/catalogue.ts';

export type RefusalDetail =
  | { key: 'not-allowed'; command: string }
  | { key: 'unknown-incident'; incidentId: string }
  | { key: 'not-awaiting'; incidentId: string; phase: IncidentPhase }
  | { key: 'stale'; incidentId: string }
  | { key: 'expired'; incidentId: string; command: 'approve' | 'veto' }
  | { key: 'in-flight'; incidentId: string };

export function refusalDetailText(lang: Language, detail: RefusalDetail): string {
  return (decisionText(lang)[detail.key] as (d: RefusalDetail) => string)(detail);
}

/** Under the alert of an incident that shares the decision of another (same action). */
export function sharedDecisionText(lang: Language, holderId: string): string {
  return decisionText(lang).sharedDecision(holderId);
}

/** Under a resolved notice closed by something other than recovery (its rule removed, say). */
export function closedBecauseText(lang: Language, why: string): string {
  return decisionText(lang).closedBecause(why);
}
