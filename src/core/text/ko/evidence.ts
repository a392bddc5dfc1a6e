// The Korean evidence notes: runbook vocabulary; the log's own words (Telegram 전송 성공, stamps, commands)
// stay as they are. Typed by EvidenceText. Pure.
import type { EvidenceText, RunEndWord } from '../../evidence-text.ts';
import { CONTAINER_STATUS_KO, KO_FAILURE, durationKo, koUnavailable } from './words.ts';

const k = durationKo;

const koRun = (stamp: string | undefined) => (stamp ? `${stamp}에 시작한 실행` : '시작 표시 전에 비정상 종료');
const KO_END: Record<RunEndWord, (finishedAt?: string) => string> = {
  finished: (at) => (at !== undefined ? `${at} 종료` : '종료'),
  failed: () => '실패',
  open: () => '아직 끝나지 않음',
  superseded: () => '끝나지 않음 (다음 실행이 시작됨)',
};

export const evidence: EvidenceText = {
  'cron.no-crontab-observed': () => 'cron 컨테이너에서도 대체 파일에서도 crontab을 읽지 못함',
  'cron.crontab-line': (p) => `crontab ${p.line}번째 줄: ${p.text}`,
  'cron.last-run': (p) => `마지막으로 본 실행: ${p.startedAt} 시작 (로그 시각 "${p.stamp}"), ${KO_END[p.end](p.finishedAt)}`,
  'cron.no-run-seen': (p) => `감시 시작 이후 ${p.jobId} 실행을 보지 못함`,
  'cron.hung-run': (p) =>
    `${p.startedAt}에 시작한 실행 (로그 시각 "${p.stamp}"): ${k(p.elapsed)} 경과 후에도 종료 표시도 traceback도 없음 (최대 ${k(p.max)})`,
  'cron.expected-window': (p) => `${p.expected} 예정 실행 (${p.schedule}, ${p.zone}): ${p.from}부터 ${p.to} 사이에 시작해야 함`,
  'cron.empty-crontab-hint': () =>
    '비어 있는 crontab, 주석이나 변수만 있는 crontab, 또는 crontab이 아닌 파일: cron 컨테이너(crontab -l)나 설정의 deployment.crontab을 확인하세요',
  'cron.container-down-since': (p) => `${p.name}: ${p.since}부터 ${CONTAINER_STATUS_KO[p.status]} 상태`,
  'cron.container-restarted': (p) => `${p.name}: 예정 시각 이후 ${p.at}에 (재)시작됨`,
  'cron.processes-unseen': (p) =>
    `cron 컨테이너의 프로세스를 볼 수 없어 (${p.lastLook !== undefined ? `마지막 확인 ${p.lastLook}` : '아직 확인하지 못함'}) 로그만으로 판단함`,
  'cron.still-running': (p) => `${p.at}에 아직 실행 중: ${p.commands}`,

  'container.no-observation': () => '이 컨테이너의 inspect 결과와 이벤트가 아직 없음',
  'container.restarts': (p) => `최근 ${k(p.window)} 동안 ${p.count}회 재시작: ${p.at.join(', ')}`,
  'container.state': (p) =>
    `${p.name}: ${CONTAINER_STATUS_KO[p.status]}${p.image !== undefined ? `, 이미지 ${p.image}` : ''}${p.imageId !== undefined ? ` (${p.imageId})` : ''}, 재시작 횟수 ${p.restartCount}${p.startedAt !== undefined ? `, ${p.startedAt} 시작` : ''}, ${p.observedAt} 확인`,

  'run.failure': (p) => `${koRun(p.stamp)}: ${KO_FAILURE[p.reason.kind](p.reason.text)}`,
  'telegram.send-failed': (p) => `${koRun(p.stamp)}: ${p.text}`,
  'telegram.event-without-success': (p) => `${koRun(p.stamp)}: ${p.text} (실행 중 Telegram 전송 성공 없음)`,
  'telegram.report-without-success': (p) => `${koRun(p.stamp)}: Telegram 전송 성공 줄 없음 (${p.script}는 항상 알림을 보냄)`,
  'telegram.channel-missing': (p) => `${koRun(p.stamp)}: '${p.marker}' 줄 없음`,

  'positions.file-absent': () => '파일 없음',
  'positions.reverted': (p) => `파일이 ${p.seenAt}에 이미 본 버전으로 되돌아감 (이전 사본에서 복원)`,
  'positions.close-explained': (p) => `${p.positionId} 청산: ${p.writers.join(', ')} 실행이 포지션 청산을 기록함`,
  'positions.close-pending': (p) => `${p.positionId}이(가) 더 이상 열려 있지 않음. ${p.until}까지 포지션 청산 줄과 기록 작업 실행을 기다림`,
  'positions.close-without-writer': (p) =>
    `${p.positionId}이(가) 더 이상 열려 있지 않고 포지션 청산이 기록되었지만, 그때 positions.json을 쓸 수 있는 작업의 실행이 없었음`,
  'positions.vanished-unexplained': (p) =>
    `열린 포지션 ${p.positionId}이(가) 사라지거나 청산 상태로 바뀌었지만 ${p.window % 60_000 === 0 ? `${p.window / 60_000}분` : `${Math.round(p.window / 1000)}초`} 안에 "포지션 청산: ${p.positionId}" 줄이 없음`,
  'positions.size-explained': (p) => `${p.what}: ${p.writers.join(', ')} 실행 중 변경`,
  'positions.size-pending': (p) => `${p.what}. ${p.until}까지 로그에 기록 작업 실행이 나타나기를 기다림`,
  'positions.size-unexplained': (p) =>
    `${p.what}: positions.json을 쓸 수 있는 작업의 실행이 없을 때 변경됨 (코드에서 수량을 바꾸는 작업은 없음)`,
  'positions.vanished-open': () => '이전에는 열려 있었으나 지금은 열려 있지 않음',
  'evidence.more': (p) => `… 외 ${p.count}건`,

  'fill.unavailable': (p) => koUnavailable(p.unavailable),
  'fill.more-violations': (p) => `… 외 위반 ${p.count}건: ${p.at.join(', ')}`,

  'source.last-error': (p) => `마지막 오류: ${p.error ?? '알 수 없음'}`,

  'rule.kept-across-edit': () => '발동 당시의 규칙으로 판단함: 수정된 규칙으로는 통과하지만, 규칙 수정으로 사건이 닫히지는 않음',
};
