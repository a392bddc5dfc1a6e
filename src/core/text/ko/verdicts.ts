// The Korean verdict messages: runbook vocabulary (롤백, 백업, 검증, 에스컬레이션); file names, log lines and
// paths stay as they are. Typed by VerdictText. Pure.
import { renderEvidence, type EvidenceMessage } from '../../evidence-text.ts';
import { renderMessage, type TelegramCaseKey, type VerdictText } from '../../verdict-text.ts';
import { CONTAINER_STATUS_KO, KO_FAILURE, durationKo, koUnavailable } from './words.ts';
import { BLOCK_RECORDS_SHOWN } from '../../rollback-target.ts';
import type { UnloadableRecord } from '../../release-records.ts';

const k = durationKo;

/** 차단된 롤백의 대상이 읽을 수 없는 레코드: 처음 몇 개는 이름으로. */
function blockRecords(records: UnloadableRecord[]): string {
  const shown = records.slice(0, BLOCK_RECORDS_SHOWN).map((r) => {
    const parts = [
      r.unknown.length > 0 ? `모르는 키 ${r.unknown.join(', ')}` : undefined,
      r.missing.length > 0 ? `없는 필수 키 ${r.missing.join(', ')}` : undefined,
    ].filter((x) => x !== undefined);
    return `${r.file} ${r.record}: ${parts.join(', ')}`;
  });
  const more = records.length > BLOCK_RECORDS_SHOWN ? [`외 ${records.length - BLOCK_RECORDS_SHOWN}건`] : [];
  return [...shown, ...more].join('; ');
}

const KO_TELEGRAM_CASE: Record<TelegramCaseKey, string> = {
  'send-failed': '모든 재시도 후에도 Telegram 전송 실패 (Telegram 오류 (모든 재시도 소진))',
  'event-without-success': '항상 알림을 보내는 이벤트가 기록되었지만 Telegram 전송 성공이 없음',
  'report-without-success': '항상 알림을 보내는 작업이 Telegram 전송 성공 없이 끝남',
  'channel-not-configured': '채널 미설정: 실행 로그에 채널 활성화 줄이 없음 (롤백으로 고칠 수 없는 설정 문제)',
};

const koCases = (cases: TelegramCaseKey[]) => cases.map((c) => `${c}: ${KO_TELEGRAM_CASE[c]}`).join('; ');

const ACTION_KO: Record<string, string> = {
  rollback: '수동 롤백',
  halt: '거래 중단 (cron 컨테이너 정지)',
  resume: '거래 재개 (cron 컨테이너 시작)',
};
const ACTION_WORD_KO: Record<string, string> = {
  rollback: '롤백',
  halt: '거래 중단',
  resume: '거래 재개',
  notify: '알림',
  escalate: '에스컬레이션',
};
const actionKo = (action: string) => ACTION_WORD_KO[action] ?? action;
const SOURCE_KO: Record<string, string> = { crontab: 'crontab', files: '파일', image: '이미지' };

const reasonsKo = (p: { reasons: string[]; notes?: EvidenceMessage[] }) =>
  (p.notes ? p.notes.map((n) => renderEvidence(n, 'ko')) : p.reasons).join('; ');

/** 시스템의 안전장치가 작동했을 때의 의미: 설계된 동작이며 오류가 아님. */
const KO_GUARD: Record<'kill-switch' | 'cost-budget' | 'trading-guard', string> = {
  'kill-switch': '킬 스위치 켜짐: 신규 진입 차단 — 설계된 동작이며 오류가 아닙니다',
  'cost-budget': '비용 예산 초과: 비용 안전장치가 거래를 멈춥니다 — 설계된 동작이며 오류가 아닙니다',
  'trading-guard': '트레이딩 가드 작동 — 설계된 동작이며 오류가 아닙니다',
};

export const verdicts: VerdictText = {
  'container.unobserved': (p) => `${p.name} 컨테이너를 아직 관찰하지 못했습니다`,
  'container.missing': (p) => `${p.name} 컨테이너가 없습니다 (${k(p.downFor)} 동안)`,
  'container.not-running': (p) =>
    `${p.name} 컨테이너가 ${k(p.downFor)} 동안 실행 중이 아닙니다 (상태: ${CONTAINER_STATUS_KO[p.status]}, 한도 ${k(p.limit)})`,
  'container.restart-loop': (p) => `${p.name} 컨테이너가 ${k(p.window)} 동안 ${p.restarts}회 재시작했습니다 (한도 ${p.limit}회)`,
  'container.down-within': (p) =>
    `${p.name} 컨테이너가 ${k(p.downFor)} 동안 ${CONTAINER_STATUS_KO[p.status]} 상태입니다 (허용 ${k(p.allowance)} 이내)`,
  'container.unhealthy': (p) => `${p.name}은(는) 실행 중이지만 Docker가 unhealthy로 보고함 (헬스체크 실패)`,
  'container.running': (p) => `${p.name} 컨테이너 실행 중`,

  'cron.no-crontab': () => '배포된 crontab을 아직 읽지 못해 예정된 실행을 판단할 수 없습니다',
  'cron.schedule-broken': (p) => `${p.jobId}: 스케줄을 계산할 수 없습니다 (${p.problem})`,
  'cron.no-job-lines': (p) =>
    `${p.source === 'file' ? '설정된 crontab 파일' : 'cron 컨테이너의 crontab'}에 작업 줄이 없어 예정된 실행을 기대하거나 확인할 수 없습니다${p.unreadable > 0 ? ` (작업으로 읽을 수 없는 줄 ${p.unreadable}개)` : ''}`,
  'cron.hung': (p) => `${p.jobId}: ${p.startedAt}에 시작한 실행이 ${k(p.elapsed)} 경과 후에도 끝나지 않았습니다 (최대 ${k(p.max)})`,
  'cron.nothing-due': (p) => `${p.jobId}: 감시 시작 이후 예정된 실행이 없습니다${p.next !== undefined ? `; 다음 예정 ${p.next}` : ''}`,
  'cron.on-time': (p) => `${p.jobId}: ${p.expected} 예정 실행이 ${p.startedAt}에 시작했습니다`,
  'cron.late': (p) => `${p.jobId}: ${p.expected} 예정 실행이 늦게 시작했습니다 (${p.startedAt})`,
  'cron.late-warning': (p) => `예정 시각보다 ${k(p.lateBy)} 늦게 시작했습니다 (유예 ${k(p.grace)})`,
  'cron.cron-down': (p) =>
    `${p.jobId}: ${p.expected} 실행이 없습니다. cron 컨테이너(${p.container})가 실행 중이 아니었습니다 (${p.restartedAt !== undefined ? `${p.restartedAt}에야 시작됨` : CONTAINER_STATUS_KO[p.status]})`,
  'cron.missed': (p) => `${p.jobId}: 예정 시각 ${p.expected} 이후 ${k(p.grace)} 안에 시작한 실행이 없습니다`,

  'fill.cannot-check': (p) => `${p.check}: 검사할 수 없습니다 (${p.unavailable.map(koUnavailable).join('; ')})`,
  'fill.clean': (p) => `${p.check}: ${p.files.join(' + ')}에서 위반 사항 없음`,
  'fill.violations': (p) => `${p.check}: 위반 ${p.count}건: ${p.first}`,

  'positions.unread': () => 'positions.json을 아직 읽지 못했습니다',
  'positions.absent': () => 'positions.json이 없습니다. 다음 실행 때 시스템이 []로 생성하므로 그때까지 판단하지 않습니다',
  'positions.loads': (p) => `positions.json 정상: 파싱되고 모든 레코드가 ${p.release ?? 'v3.2.x'}에서 로드됩니다`,
  'positions.corrupt': (p) => `positions.json 손상: ${p.path}: ${p.problem}${p.more > 0 ? ` (외 ${p.more}건)` : ''}`,
  'positions.no-heal': () => '최근 24시간 로그에 자동 복원(JSON 파일 손상 / 백업에서 복원) 없음',
  'positions.healed': (p) => `시스템이 손상된 JSON 파일을 발견하고 백업에서 조용히 복원했습니다 (${p.file}: ${p.line})`,
  'positions.change-unexpected': (p) => `positions.json이 예상치 못하게 변경되었습니다: ${reasonsKo(p)}`,
  'positions.change-pending': (p) => `positions.json 변경, 아직 판단 전: ${reasonsKo(p)}`,
  'positions.change-explained': (p) => `positions.json 변경 사유 확인됨: ${reasonsKo(p)}`,

  'failures.no-runs': (p) => `${p.jobId}: 아직 관찰된 실행이 없습니다`,
  'failures.last-ok': (p) => `${p.jobId}: 마지막 실행 성공`,
  'failures.streak': (p) =>
    `${p.jobId}: 성공 없이 ${p.count}회 연속 실행 실패 (기준 ${p.threshold}회). 최근 오류: ${KO_FAILURE[p.latest.kind](p.latest.text)}`,
  'failures.below': (p) => `${p.jobId}: 실행 실패 ${p.count}회, 기준 ${p.threshold}회 미만`,
  'failures.below-warning': (p) =>
    `${p.jobId}: ${p.count === 1 ? '마지막 실행 실패' : `최근 ${p.count}회 실행 실패`} (${KO_FAILURE[p.latest.kind](p.latest.text)}). ${p.threshold}회 연속 실패하면 규칙이 발동합니다`,

  'guard.tripped': (p) => `${KO_GUARD[p.guard]}; 롤백으로는 해결되지 않습니다 (${p.jobId}: ${p.line})`,
  'guard.quiet': (p) => `${p.guard}: 최근 24시간 로그에 안전장치 로그 없음`,
  'guard.kill-switch-unsaved': (p) =>
    `킬 스위치를 켜려다 config/system_status.yaml 저장 중 실패했습니다 (${p.error}): 이미지는 uid 1000에게 /app/data와 /app/logs 쓰기만 허용합니다. 릴리스 결함이 아니라 안전장치가 작동한 것입니다: 안전장치가 없는 릴리스로 롤백하면 문제를 가릴 뿐입니다 (${p.jobId})`,
  'source.failing': (p) => `${p.source}: ${p.count}회 연속 읽기 실패: ${p.error ?? '알 수 없는 오류'}`,
  'source.ok': (p) => `${p.source}: 정상적으로 읽힘`,

  'telegram.no-runs': (p) => `${p.jobId}: 아직 끝난 실행이 없습니다`,
  'telegram.ok': (p) => `${p.jobId}: 최근 실행에서 누락된 Telegram 알림 없음`,
  'telegram.streak': (p) => `${p.jobId}: ${p.count}회 연속 실행에서 Telegram 알림 미수신 (기준 ${p.threshold}회) — ${koCases(p.cases)}`,
  'telegram.below': (p) => `${p.jobId}: Telegram 알림 미수신 ${p.count}회, 기준 ${p.threshold}회 미만`,
  'telegram.below-warning': (p) =>
    `${p.jobId}: ${p.count === 1 ? '마지막 실행에서' : `최근 ${p.count}회 실행에서`} Telegram 알림 미수신 — ${koCases(p.cases)}`,

  'rule.crashed': (p) => `규칙 ${p.ruleId}을(를) 평가할 수 없습니다: ${p.error}`,
  'manual.requested': (p) => `운영자 요청: ${ACTION_KO[p.action]}`,

  'version.nothing-observed': () => '아직 관찰된 것이 없음',
  'version.crontab-unread': () => 'crontab을 읽지 못함 (또는 작업이 없음)',
  'version.crontab-runs': (p) => `crontab이 ${p.script}를 ${p.count}회 실행`,
  'version.crontab-neither': (p) =>
    `crontab이 signal_check.py를 ${p.signalCheck}회, check_positions.py를 ${p.checkPositions}회 실행: 어느 버전과도 맞지 않음`,
  'version.crontab-extra': (p) => `v3.2.x crontab에 없는 스크립트도 실행: ${p.scripts.join(', ')}`,
  'version.file-unchecked': (p) => `${p.file} 존재 여부를 확인하지 않음`,
  'version.file-present': (p) => `${p.path} 있음`,
  'version.file-absent': (p) => `${p.path} 없음`,
  'version.image-known': (p) => `이미지 ${p.image}: 알려진 버전 ${p.version}`,
  'version.image-unknown': (p) => `이미지 ${p.image}: 알려진 버전이 아님`,
  'version.conflict': (p) => `근거가 서로 다름: ${p.votes.map((v) => `${SOURCE_KO[v.source] ?? v.source} → ${v.version}`).join(', ')}`,
  'version.unidentified': () => 'crontab으로 버전을 식별할 수 없음',
  'version.uncorroborated': (p) => `crontab만 ${p.version} 버전을 가리키고 뒷받침하는 근거가 없음`,

  'release.exact': (p) => `cron 컨테이너가 ${p.release}와 일치: 카탈로그의 파일 ${p.files}개, cron 실행기, 사용자 모두 일치`,
  'release.alike': (p) => `${p.alike.join(', ')}은(는) 카탈로그의 모든 파일이 동일하여 가장 최신인 ${p.release}로 간주`,
  'release.closest': (p) =>
    `정확히 일치하는 릴리스가 카탈로그에 없음. 가장 가까운 릴리스는 ${p.release} (파일 ${p.total}개 중 ${p.matched}개 일치)`,
  'release.file-differs': (p) => `${p.path} 불일치: ${p.expected} 예상, ${p.seen} 발견`,
  'release.file-missing': (p) => `컨테이너에 ${p.path} 없음 (${p.expected} 예상)`,
  'release.runner-differs': (p) => `cron 실행기가 ${p.seen} (${p.expected} 예상)`,
  'release.user-differs': (p) => `실행 사용자가 ${p.seen} (${p.expected} 예상)`,
  'release.pinned': (p) => `sentinel.yaml의 deployment.release가 ${p.release}를 지정`,
  'release.pin-unknown': (p) => `deployment.release가 카탈로그에 없는 ${p.release}를 지정하여 무시함`,
  'release.unconfirmed': (p) =>
    `${p.release}가 확인될 때까지 릴리스에 의존하는 규칙은 dry-run으로 동작 (/arm 또는 sentinel.yaml에 deployment.release: ${p.release})`,
  'release.confirmed': (p) => `운영자가 ${p.release}를 확인함`,
  'release.unrecognised': (p) => `${p.container}에서 실행 중인 릴리스를 식별하지 못함`,

  'escalation.no-decision': () => '기한 안에 결정이 없었습니다',
  'escalation.manual-check': () => '수동 확인 기간이 지나도 계속 발동 중입니다',
  'escalation.firing': (p) => (p.message ? renderMessage(p.message, 'ko') : p.summary),
  'escalation.no-plan': (p) => `${actionKo(p.action)} 계획을 만들 수 없습니다: ${p.reason}`,
  'escalation.blocked': (p) =>
    `롤백 차단: 대상 ${p.target} (${p.targetCommit})은 ${p.from ? `${p.from}이 쓴 ` : ''}현재 상태 파일을 읽을 수 없습니다: ${blockRecords(p.records)}. 아무것도 정지·백업·재생성하지 않았습니다; 사람이 결정해야 합니다`,
  'escalation.refused': (p) => `${actionKo(p.action)} 실행이 거부되었습니다: ${p.reason}`,
  'escalation.failed': (p) => `${actionKo(p.action)} 실패: ${p.detail}`,
  'escalation.halted': (p) => `거래를 중단했습니다 (cron 컨테이너 정지): ${p.message ? renderMessage(p.message, 'ko') : p.summary}`,
  'escalation.verify-failed': (p) => `롤백 검증 실패: ${p.detail}`,
  'escalation.not-target-release': (p) =>
    `롤백하지 않음: 이미지 ${p.image}(백업 태그)의 파일이 ${p.release} 릴리스와 달라 아무것도 시작하지 않았습니다; ${p.restored ? '원래 컨테이너가 다시 실행 중입니다' : '원래 컨테이너 복원이 완료되지 않았습니다: 지금 확인하세요'}. ${p.release}의 이미지에 백업 태그를 붙이거나, 대상 커밋을 빌드하도록 rollback.git을 설정하세요`,
  'escalation.persists': () => '롤백 후에도 장애가 계속됩니다',
};
