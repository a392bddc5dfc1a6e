// What a rule says to the operator, as a typed message rendered in Korean or English. A verdict carries
// the message (key + parameters) beside its English `summary`: the summary stays for the JSON logs and
// the journal, the message is what every operator-facing renderer shows, in the configured language.
// A catalogue lacking a key, or reading a parameter the key does not have, fails to compile. Pure.
import type { Language } from './messages.ts';
import { formatDuration } from './schedule.ts';
import type { ContainerStatus } from './types.ts';
import { renderEvidence, type EvidenceMessage } from './evidence-text.ts';
import { CONTAINER_STATUS_KO } from './text/ko/words.ts';

/** Why a run counts as failed (repeated-failures): the kind decides the wording, `text` is the log's own words. */
export interface FailureReason {
  kind: 'traceback' | 'error-pattern' | 'missing-finish' | 'process-gone';
  text: string;
}

/** Telegram delivery cases (telegram-delivery), mirrored here so that the catalogue owns their wording. */
export type TelegramCaseKey = 'send-failed' | 'event-without-success' | 'report-without-success' | 'channel-not-configured';

/** Why a JSON state file cannot be checked (fill-integrity). */
export type FileUnavailable =
  { file: string; state: 'unread' } | { file: string; state: 'absent' } | { file: string; state: 'corrupt'; path: string; detail: string };

/** Parameters of each message. Durations are milliseconds; instants arrive formatted (they are data). */
export interface MessageParams {
  'container.unobserved': { name: string };
  'container.missing': { name: string; downFor: number };
  'container.not-running': { name: string; status: ContainerStatus; downFor: number; limit: number };
  'container.restart-loop': { name: string; restarts: number; window: number; limit: number };
  'container.down-within': { name: string; status: ContainerStatus; downFor: number; allowance: number };
  'container.running': { name: string };

  'cron.no-crontab': Record<string, never>;
  'cron.no-job-lines': { source: 'container' | 'file'; unreadable: number };
  'cron.schedule-broken': { jobId: string; problem: string };
  'cron.hung': { jobId: string; startedAt: string; elapsed: number; max: number };
  'cron.nothing-due': { jobId: string; next?: string };
  'cron.on-time': { jobId: string; expected: string; startedAt: string };
  'cron.late': { jobId: string; expected: string; startedAt: string };
  'cron.late-warning': { lateBy: number; grace: number };
  'cron.cron-down': { jobId: string; expected: string; container: string; status: ContainerStatus; restartedAt?: string };
  'cron.missed': { jobId: string; expected: string; grace: number };

  'fill.cannot-check': { check: string; unavailable: FileUnavailable[] };
  'fill.clean': { check: string; files: string[] };
  'fill.violations': { check: string; count: number; first: string };

  'positions.unread': Record<string, never>;
  'positions.absent': Record<string, never>;
  'positions.loads': Record<string, never>;
  'positions.corrupt': { path: string; problem: string; more: number };
  'positions.no-heal': Record<string, never>;
  'positions.healed': { file: string; line: string };
  /** `reasons` in English; `notes` the same reasons typed (absent in older checkpoints: then `reasons` is shown). */
  'positions.change-unexpected': { reasons: string[]; notes?: EvidenceMessage[] };
  'positions.change-pending': { reasons: string[]; notes?: EvidenceMessage[] };
  'positions.change-explained': { reasons: string[]; notes?: EvidenceMessage[] };

  'failures.no-runs': { jobId: string };
  'failures.last-ok': { jobId: string };
  'failures.streak': { jobId: string; count: number; threshold: number; latest: FailureReason };
  'failures.below': { jobId: string; count: number; threshold: number };
  'failures.below-warning': { jobId: string; count: number; threshold: number; latest: FailureReason };

  'source.failing': { source: string; count: number; error?: string };
  'source.ok': { source: string };

  'telegram.no-runs': { jobId: string };
  'telegram.ok': { jobId: string };
  'telegram.streak': { jobId: string; count: number; threshold: number; cases: TelegramCaseKey[] };
  'telegram.below': { jobId: string; count: number; threshold: number };
  'telegram.below-warning': { jobId: string; count: number; cases: TelegramCaseKey[] };

  'rule.crashed': { ruleId: string; error: string };
  'manual.requested': { action: 'rollback' | 'halt' | 'resume' };

  // Why the deployed version is what the sidecar says (fingerprint.ts): one message per reason.
  'version.nothing-observed': Record<string, never>;
  'version.crontab-unread': Record<string, never>;
  'version.crontab-runs': { script: string; count: number };
  'version.crontab-neither': { signalCheck: number; checkPositions: number };
  'version.crontab-extra': { scripts: string[] };
  'version.file-unchecked': { file: string };
  'version.file-present': { path: string };
  'version.file-absent': { path: string };
  'version.image-known': { image: string; version: string };
  'version.image-unknown': { image: string };
  'version.conflict': { votes: { source: string; version: string }[] };
  'version.unidentified': Record<string, never>;
  'version.uncorroborated': { version: string };

  // Why an incident is escalated to a person (runbook §5): the escalation notice's first line.
  'escalation.no-decision': Record<string, never>;
  'escalation.manual-check': Record<string, never>;
  /** The incident's own summary is the reason (a notify/escalate rule still firing). */
  'escalation.firing': { summary: string; message?: VerdictMessage };
  'escalation.no-plan': { action: string; reason: string };
  'escalation.refused': { action: string; reason: string };
  'escalation.failed': { action: string; detail: string };
  'escalation.halted': { summary: string; message?: VerdictMessage };
  'escalation.verify-failed': { detail: string };
  'escalation.persists': Record<string, never>;
}

export type MessageKey = keyof MessageParams;

/** A message as verdicts and incidents carry it (plain data: it survives the checkpoint as JSON). */
export type VerdictMessage = { [K in MessageKey]: { key: K; params: MessageParams[K] } }[MessageKey];

type Catalogue = { [K in MessageKey]: (p: MessageParams[K]) => string };

// ---------------------------------------------------------------------------------------------
// English: the exact wording the rules always had, so the logs and the journal read as before.

const EN_FAILURE: Record<FailureReason['kind'], (text: string) => string> = {
  traceback: (text) => text,
  'error-pattern': (text) => text,
  'missing-finish': () => 'no finish marker before the next start',
  'process-gone': () => 'no finish marker, and its process is gone from the cron container',
};

const EN_TELEGRAM_CASE: Record<TelegramCaseKey, string> = {
  'send-failed': 'a Telegram send failed after all retries (Telegram 오류 (모든 재시도 소진))',
  'event-without-success': 'an event that always notifies was logged without any Telegram 전송 성공',
  'report-without-success': 'the job that always sends ended without Telegram 전송 성공',
  'channel-not-configured':
    'channel not configured: the run did not log its channel-activation line (a configuration fault a rollback cannot cure)',
};

const enCases = (cases: TelegramCaseKey[]) => cases.map((c) => `${c}: ${EN_TELEGRAM_CASE[c]}`).join('; ');

export function enUnavailable(u: FileUnavailable): string {
  switch (u.state) {
    case 'unread':
      return `${u.file} has not been read yet`;
    case 'absent':
      return `${u.file} does not exist`;
    case 'corrupt':
      return `${u.file} is corrupt (${u.path}: ${u.detail})`;
  }
}

const d = formatDuration;

const en: Catalogue = {
  'container.unobserved': (p) => `${p.name} has not been observed yet`,
  'container.missing': (p) => `${p.name} does not exist (for ${d(p.downFor)})`,
  'container.not-running': (p) => `${p.name} is ${p.status}, not running, for ${d(p.downFor)} (limit ${d(p.limit)})`,
  'container.restart-loop': (p) => `${p.name} restarted ${p.restarts} times in ${d(p.window)} (limit ${p.limit})`,
  'container.down-within': (p) => `${p.name} is ${p.status} for ${d(p.downFor)}, within ${d(p.allowance)}`,
  'container.running': (p) => `${p.name} is running`,

  'cron.no-crontab': () => 'the deployed crontab has not been read yet, so no run can be expected',
  'cron.schedule-broken': (p) => `${p.jobId}: its schedule cannot be computed (${p.problem})`,
  'cron.no-job-lines': (p) =>
    `${p.source === 'file' ? 'the configured crontab file' : "the cron container's crontab"} has no job lines, so no scheduled run can be expected or checked${p.unreadable > 0 ? ` (${p.unreadable} line(s) could not be read as jobs)` : ''}`,
  'cron.hung': (p) => `${p.jobId}: the run started ${p.startedAt} has not finished after ${d(p.elapsed)} (max ${d(p.max)})`,
  'cron.nothing-due': (p) => `${p.jobId}: no scheduled run due since watching began${p.next !== undefined ? `; next at ${p.next}` : ''}`,
  'cron.on-time': (p) => `${p.jobId}: the run scheduled at ${p.expected} started ${p.startedAt}`,
  'cron.late': (p) => `${p.jobId}: the run scheduled at ${p.expected} started late, at ${p.startedAt}`,
  'cron.late-warning': (p) => `started ${d(p.lateBy)} after its scheduled time (grace ${d(p.grace)})`,
  'cron.cron-down': (p) =>
    `${p.jobId}: no run for ${p.expected}; the cron container ${p.container} was not running (${p.restartedAt !== undefined ? `started only at ${p.restartedAt}` : p.status})`,
  'cron.missed': (p) => `${p.jobId}: no run started within ${d(p.grace)} of its scheduled time ${p.expected}`,

  'fill.cannot-check': (p) => `${p.check} cannot be checked: ${p.unavailable.map(enUnavailable).join('; ')}`,
  'fill.clean': (p) => `${p.check}: no violation in ${p.files.join(' + ')}`,
  'fill.violations': (p) => `${p.check}: ${p.count} violation${p.count > 1 ? 's' : ''}: ${p.first}`,

  'positions.unread': () => 'positions.json has not been read yet',
  'positions.absent': () => 'positions.json does not exist; the guarded system creates [] on its next run, nothing to judge until then',
  'positions.loads': () => 'positions.json parses and every record loads in v3.2.x',
  'positions.corrupt': (p) => `positions.json is corrupt: ${p.path}: ${p.problem}${p.more > 0 ? ` (+${p.more} more)` : ''}`,
  'positions.no-heal': () => 'no silent restore (JSON 파일 손상 / 백업에서 복원) in the logs of the last 24 h',
  'positions.healed': (p) => `the guarded system found a corrupt JSON file and silently restored it from a backup (${p.file}: ${p.line})`,
  'positions.change-unexpected': (p) => `positions.json changed unexpectedly: ${p.reasons.join('; ')}`,
  'positions.change-pending': (p) => `positions.json changed; not judged yet: ${p.reasons.join('; ')}`,
  'positions.change-explained': (p) => `positions.json change explained: ${p.reasons.join('; ')}`,

  'failures.no-runs': (p) => `${p.jobId}: no runs seen yet`,
  'failures.last-ok': (p) => `${p.jobId}: last run succeeded`,
  'failures.streak': (p) =>
    `${p.jobId}: ${p.count} consecutive failed runs with no successful run between them (threshold ${p.threshold}); latest: ${EN_FAILURE[p.latest.kind](p.latest.text)}`,
  'failures.below': (p) => `${p.jobId}: ${p.count} failed run(s), below the threshold of ${p.threshold}`,
  'failures.below-warning': (p) =>
    `${p.jobId}: ${p.count === 1 ? 'the last run failed' : `the last ${p.count} runs failed`} (${EN_FAILURE[p.latest.kind](p.latest.text)}); ${p.threshold} consecutive failures fire the rule`,

  'source.failing': (p) => `${p.source} could not be read ${p.count} times in a row: ${p.error ?? 'unknown error'}`,
  'source.ok': (p) => `${p.source} is readable`,

  'telegram.no-runs': (p) => `${p.jobId}: no finished runs yet`,
  'telegram.ok': (p) => `${p.jobId}: no missing Telegram alert in the recent runs`,
  'telegram.streak': (p) =>
    `${p.jobId}: Telegram alert missing in ${p.count} consecutive runs (threshold ${p.threshold}) — ${enCases(p.cases)}`,
  'telegram.below': (p) => `${p.jobId}: Telegram alert missing in ${p.count} run(s), below the threshold of ${p.threshold}`,
  'telegram.below-warning': (p) =>
    `${p.jobId}: Telegram alert missing in the last ${p.count === 1 ? 'run' : `${p.count} runs`} — ${enCases(p.cases)}`,

  'rule.crashed': (p) => `rule ${p.ruleId} could not be evaluated: ${p.error}`,
  'manual.requested': (p) => `${p.action} asked by an operator`,

  'version.nothing-observed': () => 'nothing observed yet',
  'version.crontab-unread': () => 'crontab not read (or it has no jobs)',
  'version.crontab-runs': (p) => `crontab runs ${p.script} ×${p.count}`,
  'version.crontab-neither': (p) =>
    `crontab runs signal_check.py ×${p.signalCheck} and check_positions.py ×${p.checkPositions}: matches neither version`,
  'version.crontab-extra': (p) => `crontab also runs scripts no v3.2.x crontab has: ${p.scripts.join(', ')}`,
  'version.file-unchecked': (p) => `presence of ${p.file} not checked`,
  'version.file-present': (p) => `${p.path} present`,
  'version.file-absent': (p) => `${p.path} absent`,
  'version.image-known': (p) => `image ${p.image} is known as ${p.version}`,
  'version.image-unknown': (p) => `image ${p.image} is not a known version`,
  'version.conflict': (p) => `conflicting evidence: ${p.votes.map((v) => `${v.source} says ${v.version}`).join(', ')}`,
  'version.unidentified': () => 'the crontab does not identify a version',
  'version.uncorroborated': (p) => `only the crontab says ${p.version}; nothing corroborates it`,

  'escalation.no-decision': () => 'no decision before the deadline',
  'escalation.manual-check': () => 'still firing after the manual-check window',
  'escalation.firing': (p) => p.summary,
  'escalation.no-plan': (p) => `no ${p.action} plan can be made: ${p.reason}`,
  'escalation.refused': (p) => `${p.action} refused: ${p.reason}`,
  'escalation.failed': (p) => `${p.action} failed: ${p.detail}`,
  'escalation.halted': (p) => `trading halted (cron container stopped): ${p.summary}`,
  'escalation.verify-failed': (p) => `rollback verification failed: ${p.detail}`,
  'escalation.persists': () => 'the fault persists after the rollback',
};

// ---------------------------------------------------------------------------------------------
// Korean: runbook vocabulary (롤백, 백업, 검증, 에스컬레이션); file names, log lines and paths stay as they are.

/** `2시간 30분`, `5분`, `45초`: the Korean reading of formatDuration's `2h30m`, `5m`, `45s`. */
export function durationKo(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))}초`;
  const totalMinutes = Math.round(ms / 60_000);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours === 0) return `${minutes}분`;
  return minutes === 0 ? `${hours}시간` : `${hours}시간 ${minutes}분`;
}

const k = durationKo;

export const KO_FAILURE: Record<FailureReason['kind'], (text: string) => string> = {
  traceback: (text) => text,
  'error-pattern': (text) => text,
  'missing-finish': () => '다음 실행이 시작되기 전에 종료 표시가 없음',
  'process-gone': () => '종료 표시가 없고 cron 컨테이너에서 프로세스가 사라짐',
};

const KO_TELEGRAM_CASE: Record<TelegramCaseKey, string> = {
  'send-failed': '모든 재시도 후에도 Telegram 전송 실패 (Telegram 오류 (모든 재시도 소진))',
  'event-without-success': '항상 알림을 보내는 이벤트가 기록되었지만 Telegram 전송 성공이 없음',
  'report-without-success': '항상 알림을 보내는 작업이 Telegram 전송 성공 없이 끝남',
  'channel-not-configured': '채널 미설정: 실행 로그에 채널 활성화 줄이 없음 (롤백으로 고칠 수 없는 설정 문제)',
};

const koCases = (cases: TelegramCaseKey[]) => cases.map((c) => `${c}: ${KO_TELEGRAM_CASE[c]}`).join('; ');

export function koUnavailable(u: FileUnavailable): string {
  switch (u.state) {
    case 'unread':
      return `${u.file} 파일을 아직 읽지 못함`;
    case 'absent':
      return `${u.file} 파일이 없음`;
    case 'corrupt':
      return `${u.file} 파일 손상 (${u.path}: ${u.detail})`;
  }
}

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

const ko: Catalogue = {
  'container.unobserved': (p) => `${p.name} 컨테이너를 아직 관찰하지 못했습니다`,
  'container.missing': (p) => `${p.name} 컨테이너가 없습니다 (${k(p.downFor)} 동안)`,
  'container.not-running': (p) =>
    `${p.name} 컨테이너가 ${k(p.downFor)} 동안 실행 중이 아닙니다 (상태: ${CONTAINER_STATUS_KO[p.status]}, 한도 ${k(p.limit)})`,
  'container.restart-loop': (p) => `${p.name} 컨테이너가 ${k(p.window)} 동안 ${p.restarts}회 재시작했습니다 (한도 ${p.limit}회)`,
  'container.down-within': (p) =>
    `${p.name} 컨테이너가 ${k(p.downFor)} 동안 ${CONTAINER_STATUS_KO[p.status]} 상태입니다 (허용 ${k(p.allowance)} 이내)`,
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
  'positions.loads': () => 'positions.json 정상: 파싱되고 모든 레코드가 v3.2.x에서 로드됩니다',
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

  'escalation.no-decision': () => '기한 안에 결정이 없었습니다',
  'escalation.manual-check': () => '수동 확인 기간이 지나도 계속 발동 중입니다',
  'escalation.firing': (p) => (p.message ? renderMessage(p.message, 'ko') : p.summary),
  'escalation.no-plan': (p) => `${actionKo(p.action)} 계획을 만들 수 없습니다: ${p.reason}`,
  'escalation.refused': (p) => `${actionKo(p.action)} 실행이 거부되었습니다: ${p.reason}`,
  'escalation.failed': (p) => `${actionKo(p.action)} 실패: ${p.detail}`,
  'escalation.halted': (p) => `거래를 중단했습니다 (cron 컨테이너 정지): ${p.message ? renderMessage(p.message, 'ko') : p.summary}`,
  'escalation.verify-failed': (p) => `롤백 검증 실패: ${p.detail}`,
  'escalation.persists': () => '롤백 후에도 장애가 계속됩니다',
};

const CATALOGUES: Record<Language, Catalogue> = { ko, en };

/** The message in the given language. */
export function renderMessage(message: VerdictMessage, lang: Language): string {
  const render = CATALOGUES[lang][message.key] as (p: MessageParams[MessageKey]) => string;
  return render(message.params);
}

/** A verdict's `summary` (English, for the logs) and `message` from one source: rules spread this in. */
export function say(message: VerdictMessage): { summary: string; message: VerdictMessage } {
  return { summary: renderMessage(message, 'en'), message };
}

/** Same for a pass-with-warning: `warning` (English) and `warningMessage`. */
export function warn(message: VerdictMessage): { warning: string; warningMessage: VerdictMessage } {
  return { warning: renderMessage(message, 'en'), warningMessage: message };
}

/** What an operator reads as the one-line summary of a verdict or an incident. Checkpoints written
 *  before messages existed have only the English summary: that is shown then. */
export function summaryIn(lang: Language, x: { summary: string; message?: VerdictMessage }): string {
  return x.message ? renderMessage(x.message, lang) : x.summary;
}

/** The reasons behind a version fingerprint in the given language (older checkpoints: the English evidence). */
export function versionEvidenceIn(lang: Language, fp: { evidence: string[]; reasons?: VerdictMessage[] }): string[] {
  return fp.reasons ? fp.reasons.map((r) => renderMessage(r, lang)) : fp.evidence;
}

/** A verdict's warning in the given language (undefined when it has none). */
export function warningIn(lang: Language, v: { warning?: string; warningMessage?: VerdictMessage }): string | undefined {
  if (v.warningMessage) return renderMessage(v.warningMessage, lang);
  return v.warning;
}
