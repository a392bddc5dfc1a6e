// The Korean console text (the default language): the plain-text notices of the console and the log.
// Its shape is the catalogue type every language must fill. Pure.
import type { ExecutionReport, Notice } from '../../types.ts';
import { ACTION_KO, SEVERITY_KO } from './words.ts';

export const consoleWords = {
  opened: '🚨 인시던트 열림',
  resolved: '✅ 인시던트 해소',
  wouldFire: '🧪 dry-run: 실행했다면 발동했을 규칙',
  warning: '⚠️ 경고',
  inconclusive: '❓ 판단 불가 (확인 필요)',
  ruleError: '🛠 규칙 평가 오류',
  sourceError: '🛠 소스 읽기 오류',
  versionChanged: '🔁 배포 버전 변경 감지',
  rule: '규칙',
  action: '조치',
  evidence: '근거',
  since: '시작',
  label: '유형',
  times: '회',
  severity: SEVERITY_KO,
  action_: ACTION_KO,
  decision: { approved: '승인됨', vetoed: '거부됨', expired: '기한 만료' },
  refused: {
    'not-allowed': '허용되지 않은 사용자',
    'unknown-incident': '알 수 없는 인시던트',
    stale: '오래된 요청',
    expired: '만료된 요청',
    'not-awaiting': '결정 대기 중이 아님',
    blocked: '안전 장치가 막음',
  } satisfies Record<Extract<Notice, { kind: 'decision-refused' }>['reason'], string>,
  report: {
    deferred: '보류',
    refused: '거부됨',
    started: '시작',
    step: '단계',
    finished: '완료',
    verified: '검증',
  } satisfies Record<ExecutionReport['kind'], string>,
  seenLate: '⏱ 늦게 확인됨: 관찰되지 않는 동안 기록된 로그입니다 (밀린 로그, 또는 한 번에 읽은 여러 실행).',
  decisionRequested: '🗳 결정 요청',
  again: ' (재공지)',
  deadline: '기한',
  stillAwaiting: '⏰ 결정 대기 중',
  decisionRecorded: '📝 결정 기록',
  refusedTitle: '⛔ 거부됨',
  escalation: '📣 에스컬레이션',
  execution: '⚙️ 실행',
};
