// Why an operator's approve, veto or manual action was refused, in the operator's language. The core
// records the reason as data (a key and its parameters); the English rendering also goes to the journal.
import type { Language } from './messages.ts';
import type { IncidentPhase } from './types.ts';
import { PHASE_KO } from './cli-text.ts';

export type RefusalDetail =
  | { key: 'not-allowed'; command: string }
  | { key: 'unknown-incident'; incidentId: string }
  | { key: 'not-awaiting'; incidentId: string; phase: IncidentPhase }
  | { key: 'stale'; incidentId: string }
  | { key: 'expired'; incidentId: string; command: 'approve' | 'veto' }
  | { key: 'in-flight'; incidentId: string };

type Catalogue = { [K in RefusalDetail['key']]: (d: Extract<RefusalDetail, { key: K }>) => string };

const en: Catalogue = {
  'not-allowed': (d) => `not on the allow-list: ${d.command} refused`,
  'unknown-incident': (d) => `no incident ${d.incidentId}`,
  'not-awaiting': (d) => `${d.incidentId} is ${d.phase}, not awaiting a decision`,
  stale: (d) => `this button belongs to an earlier announcement of ${d.incidentId}`,
  expired: (d) => `the buttons of ${d.incidentId} expired; use /${d.command} ${d.incidentId}`,
  'in-flight': (d) => `another execution is in flight (${d.incidentId})`,
};

const ko: Catalogue = {
  'not-allowed': (d) => `허용 목록에 없는 사용자: ${d.command} 거부`,
  'unknown-incident': (d) => `인시던트 ${d.incidentId} 없음`,
  'not-awaiting': (d) => `${d.incidentId}은(는) ${PHASE_KO[d.phase]} 상태로, 결정을 기다리고 있지 않습니다`,
  stale: (d) => `이 버튼은 ${d.incidentId}의 이전 공지에 속합니다`,
  expired: (d) => `${d.incidentId}의 버튼이 만료되었습니다. /${d.command} ${d.incidentId}를 사용하세요`,
  'in-flight': (d) => `다른 실행이 진행 중입니다 (${d.incidentId})`,
};

const CATALOGUES: Record<Language, Catalogue> = { en, ko };

export function refusalDetailText(lang: Language, detail: RefusalDetail): string {
  return (CATALOGUES[lang][detail.key] as (d: RefusalDetail) => string)(detail);
}

/** Under the alert of an incident that shares the decision of another (same action). */
export function sharedDecisionText(lang: Language, holderId: string): string {
  return lang === 'ko'
    ? `같은 조치를 제안한 ${holderId}의 결정에 함께 묶임: 승인·거부는 한 번으로 둘 다에 적용`
    : `Decided together with ${holderId}, which proposes the same action: one approve or veto covers both`;
}

/** Under a resolved notice closed by something other than recovery (its rule removed, say). */
export function closedBecauseText(lang: Language, why: string): string {
  return lang === 'ko' ? `종료 사유: ${why}` : `Closed because ${why}`;
}
