// Korean text about decisions: why an operator's request was refused, shared decisions, closing reasons. Pure.
import { PHASE_KO } from './words.ts';
import type { DecisionText } from '../catalogue.ts';

export const decisions: DecisionText = {
  'not-allowed': (d) => `허용 목록에 없는 사용자: ${d.command} 거부`,
  'unknown-incident': (d) => `인시던트 ${d.incidentId} 없음`,
  'not-awaiting': (d) => `${d.incidentId}은(는) ${PHASE_KO[d.phase]} 상태로, 결정을 기다리고 있지 않습니다`,
  stale: (d) => `이 버튼은 ${d.incidentId}의 이전 공지에 속합니다`,
  expired: (d) => `${d.incidentId}의 버튼이 만료되었습니다. /${d.command} ${d.incidentId}를 사용하세요`,
  'in-flight': (d) => `다른 실행이 진행 중입니다 (${d.incidentId})`,
  sharedDecision: (holderId: string) => `같은 조치를 제안한 ${holderId}의 결정에 함께 묶임: 승인·거부는 한 번으로 둘 다에 적용`,
  closedBecause: (why: string) => `종료 사유: ${why}`,
};
