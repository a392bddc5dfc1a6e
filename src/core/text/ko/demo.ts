// `turtle-sentinel demo`의 한국어 문구. DemoText 형식. Pure.
import type { DemoText } from '../../demo-text.ts';

export const demo: DemoText = {
  title: 'turtle-sentinel 데모: 번들 예제(examples/deployment)의 복사본에 롤백 기준별 장애를 차례로 주입',
  language: (isDefault) => (isDefault ? '언어: ko (제품 기본값, telegram.language; 영어는 --lang en)' : '언어: ko (--lang ko)'),
  offline: (copyDir) =>
    `이 컴퓨터 밖으로는 아무것도 나가지 않음: Docker, Telegram, 네트워크 없음. 예제는 ${copyDir}에 복사되고 (시나리오마다 새로), 끝나면 삭제됨.`,
  simulated: '계획의 대상 배포 (시뮬레이션 — Docker 없음):',
  clock:
    '시간은 시뮬레이션: 시계가 데몬의 30초 틱 단위로 움직이므로 유예 시간을 기다리지 않고 넘김. 나머지는 모두 제품의 실제 경로: 복사본을 가리키는 내장 기본 설정, rules/, 로그 테일러와 JSON 리더, 코어, 롤백 계획기.',
  name: {
    missed: 'cron 실행 누락',
    hung: 'cron 실행 무응답',
    exceptions: '반복 예외',
    telegram: 'Telegram 알림 미수신',
    positions: 'positions.json 손상',
    fills: 'fill 매칭 오류',
    container: 'cron 컨테이너 정지',
  },
  injecting: {
    missed: '16:00 KST에 check_positions.py가 시작하지 않음 (check_kr.log에 시작 마커 없음)',
    hung: '16:00 KST에 시작한 check_positions.py가 16:31에도 실행 중, 완료 마커 없음',
    exceptions: "16:00 KST 실행이 traceback(TypeError … 'entry_reason')으로 종료, 전날 예제의 마지막 실행과 같음",
    telegram:
      '연속 두 실행(로그에 이미 있는 목요일 실행과 금요일 실행)이 피라미딩 알림을 기록했으나 전송이 3회 모두 실패 (Telegram 오류 (모든 재시도 소진))',
    positions: 'positions.json이 중간에 끊긴 쓰기로 교체됨: 레코드 중간에서 끝남',
    fills: 'data/trades/order_log.json에 같은 KIS 주문(KIS#0000123999)에서 복구된 두 번째 FILLED 레코드가 생김',
    container: 'turtle-cron이 종료(exit code 137)되어 내려간 채로 있음 (시뮬레이션 — Docker 없음)',
  },
  header: (tag, name, injecting) => `━━ ${tag} ${name} — 주입: ${injecting}`,
  timeline: (watchFrom, injectAt, until) => `감시 시작 ${watchFrom}; 장애 ${injectAt}; 시계를 ${until}까지 진행`,
  history: '장애 전, 시작할 때 예제 자체의 기록에서 나온 알림:',
  operatorReads: '운영자가 읽는 내용 (콘솔 알림; Telegram에는 같은 문구가 승인 / 거부 버튼과 함께 감):',
  nothingNotified: '  (알림 없음)',
  proposed: (action, how) => `제안된 결정: ${action} — ${how}`,
  policy: {
    auto: '즉시 (승인 정책 auto)',
    'veto-window': (deadline) => `${deadline}에 실행, 그 전에 거부하지 않으면; 승인하면 즉시 실행 (거부 대기 시간)`,
    required: (deadline) => `${deadline}까지 명시적 승인을 기다림`,
    none: '자동 조치 없음: 사람이 결정',
  },
  dryRun: (command) => `드라이런 — ${command} (시뮬레이션 — Docker 없음):`,
  samePlan: (planId, steps) => `     1–${steps}: 위 결정에 나열된 ${steps}단계 (같은 계획 ${planId}): 승인하면 정확히 이 단계들이 실행됨`,
  autoExecuted: (planId) => `  정책 auto: 데몬이라면 지금 계획 ${planId}를 실행함; 데모는 아무것도 실행하지 않음`,
  escalateOnly:
    '제안된 계획 없음: 이 규칙은 사람에게 에스컬레이션함 (롤백만으로는 고쳐지지 않음). 운영자가 확인 후 /rollback을 고른다면 계획은:',
  noPlan: (reason) => `  계획 없음: ${reason}`,
  notDetected: (ruleId) => `감지 실패: ${ruleId}의 인시던트가 열리지 않음`,
  summary: '━━ 요약',
  summaryLine: (tag, name, detected, ruleId, incidentId) =>
    `${tag.padEnd(4)}${name.padEnd(20)} 감지: ${detected ? `예 (${ruleId}, ${incidentId})` : `아니오 (${ruleId})`}`,
  total: (detected, all, seconds) => `${all}건 중 ${detected}건 감지, ${seconds}초`,
  removed: (dir) => `${dir} 삭제함`,
  interrupted: '중단됨: 복사본을 삭제함',
};
