// The framing words of the evidence the rules show beside a verdict, as typed messages in Korean and
// English: the same scheme as verdict-text.ts. An evidence item keeps its English `text` for the logs,
// the journal and --json; `message` is what the operator reads, in the configured language. Quoted log
// lines, file names, JSON paths, values and instants are data and stay as they are. Pure.
import type { Language } from './messages.ts';
import { formatDuration } from './schedule.ts';
import type { ContainerStatus, Evidence } from './types.ts';
import { CONTAINER_STATUS_KO } from './text/ko/words.ts';
import { KO_FAILURE, durationKo, enUnavailable, koUnavailable, type FailureReason, type FileUnavailable } from './verdict-text.ts';

/** How a run ended, as the last-run note tells it. */
export type RunEndWord = 'finished' | 'failed' | 'open' | 'superseded';

/** Parameters of each evidence note. Durations are milliseconds; instants arrive formatted (they are data). */
export interface EvidenceParams {
  'cron.no-crontab-observed': Record<string, never>;
  /** A crontab line (1-based) and what is said of it: the line itself or why it is not a job. */
  'cron.crontab-line': { line: number; text: string };
  'cron.last-run': { startedAt: string; stamp: string; end: RunEndWord; finishedAt?: string };
  'cron.no-run-seen': { jobId: string };
  'cron.hung-run': { startedAt: string; stamp: string; elapsed: number; max: number };
  'cron.expected-window': { from: string; to: string; expected: string; schedule: string; zone: string };
  'cron.empty-crontab-hint': Record<string, never>;
  'cron.container-down-since': { name: string; status: ContainerStatus; since: string };
  'cron.container-restarted': { name: string; at: string };
  'cron.processes-unseen': { lastLook?: string };
  'cron.still-running': { at: string; commands: string };

  'container.no-observation': Record<string, never>;
  'container.restarts': { count: number; window: number; at: string[] };
  'container.state': {
    name: string;
    status: ContainerStatus;
    image?: string;
    imageId?: string;
    restartCount: number;
    startedAt?: string;
    observedAt: string;
  };

  /** One failure reason of a run (repeated-failures): a traceback's or error line's own words, or a missing finish. */
  'run.failure': { stamp?: string; reason: FailureReason };
  /** A Telegram send that gave up: `text` is the log's own line. */
  'telegram.send-failed': { stamp?: string; text: string };
  'telegram.event-without-success': { stamp?: string; text: string };
  'telegram.report-without-success': { stamp?: string; script: string };
  'telegram.channel-missing': { stamp?: string; marker: string };

  'positions.file-absent': Record<string, never>;
  // Why a change of positions.json is (not yet) explained (positions-change.ts); `what` is `<id>.<field> a → b`.
  'positions.reverted': { seenAt: string };
  'positions.close-explained': { positionId: string; writers: string[] };
  'positions.close-pending': { positionId: string; until: string };
  'positions.close-without-writer': { positionId: string };
  'positions.vanished-unexplained': { positionId: string; window: number };
  'positions.size-explained': { what: string; writers: string[] };
  'positions.size-pending': { what: string; until: string };
  'positions.size-unexplained': { what: string };
  'positions.vanished-open': Record<string, never>;
  'evidence.more': { count: number };

  'fill.unavailable': { unavailable: FileUnavailable };
  'fill.more-violations': { count: number; at: string[] };

  'source.last-error': { error?: string };

  'rule.kept-across-edit': Record<string, never>;
}

export type EvidenceKey = keyof EvidenceParams;

/** An evidence note as evidence carries it (plain data: it survives the checkpoint as JSON). */
export type EvidenceMessage = { [K in EvidenceKey]: { key: K; params: EvidenceParams[K] } }[EvidenceKey];

type Catalogue = { [K in EvidenceKey]: (p: EvidenceParams[K]) => string };

const d = formatDuration;
const k = durationKo;

const enRun = (stamp: string | undefined) => (stamp ? `run started ${stamp}` : 'crash before the start marker');
const EN_END: Record<RunEndWord, (finishedAt?: string) => string> = {
  finished: (at) => (at !== undefined ? `finished ${at}` : 'finished'),
  failed: () => 'failed',
  open: () => 'not finished yet',
  superseded: () => 'never finished (a later run started)',
};

// English: the exact wording the rules always had, so the logs and the journal read as before.
const en: Catalogue = {
  'cron.no-crontab-observed': () => 'no crontab observed from the cron container or the fallback file',
  'cron.crontab-line': (p) => `crontab line ${p.line}: ${p.text}`,
  'cron.last-run': (p) => `last run seen: started ${p.startedAt} (log stamp "${p.stamp}"), ${EN_END[p.end](p.finishedAt)}`,
  'cron.no-run-seen': (p) => `no run of ${p.jobId} seen since the sidecar started watching`,
  'cron.hung-run': (p) =>
    `run started ${p.startedAt} (log stamp "${p.stamp}"), no finish marker and no traceback after ${d(p.elapsed)} (max ${d(p.max)})`,
  'cron.expected-window': (p) =>
    `expected a start between ${p.from} and ${p.to} for the run scheduled at ${p.expected} (${p.schedule}, ${p.zone})`,
  'cron.empty-crontab-hint': () =>
    'an empty crontab, one with only comments or variables, or a file that is not a crontab: check the cron container (crontab -l) or deployment.crontab in the config',
  'cron.container-down-since': (p) => `${p.name} ${p.status} since ${p.since}`,
  'cron.container-restarted': (p) => `${p.name} (re)started at ${p.at}, after the scheduled time`,
  'cron.processes-unseen': (p) =>
    `the cron container's processes cannot be seen (${p.lastLook !== undefined ? `the last look was at ${p.lastLook}` : 'no look so far'}): judged by the log alone`,
  'cron.still-running': (p) => `still running at ${p.at}: ${p.commands}`,

  'container.no-observation': () => 'no inspect result and no event for this container so far',
  'container.restarts': (p) => `${p.count} restart(s) in the last ${d(p.window)}: ${p.at.join(', ')}`,
  'container.state': (p) =>
    `${p.name}: ${p.status}${p.image !== undefined ? `, image ${p.image}` : ''}${p.imageId !== undefined ? ` (${p.imageId})` : ''}, restart count ${p.restartCount}${p.startedAt !== undefined ? `, started ${p.startedAt}` : ''}, observed ${p.observedAt}`,

  'run.failure': (p) => `${enRun(p.stamp)}: ${p.reason.text}`,
  'telegram.send-failed': (p) => `${enRun(p.stamp)}: ${p.text}`,
  'telegram.event-without-success': (p) => `${enRun(p.stamp)}: ${p.text} (no Telegram 전송 성공 in the run)`,
  'telegram.report-without-success': (p) => `${enRun(p.stamp)}: no Telegram 전송 성공 line (${p.script} always sends)`,
  'telegram.channel-missing': (p) => `${enRun(p.stamp)}: no '${p.marker}' line`,

  'positions.file-absent': () => 'file absent',
  'positions.reverted': (p) => `the file went back to a version already seen at ${p.seenAt} (a restore from an older copy)`,
  'positions.close-explained': (p) => `${p.positionId} closed: 포지션 청산 logged by the run of ${p.writers.join(', ')}`,
  'positions.close-pending': (p) => `${p.positionId} is no longer open; waiting until ${p.until} for its 포지션 청산 line and a writer run`,
  'positions.close-without-writer': (p) =>
    `${p.positionId} is no longer open and 포지션 청산 was logged, but no job allowed to write positions.json had a run at the time`,
  'positions.vanished-unexplained': (p) =>
    `open position ${p.positionId} vanished or turned closed with no "포지션 청산: ${p.positionId}" line within ${p.window % 60_000 === 0 ? `${p.window / 60_000} min` : `${Math.round(p.window / 1000)} s`}`,
  'positions.size-explained': (p) => `${p.what} during a run of ${p.writers.join(', ')}`,
  'positions.size-pending': (p) => `${p.what}; waiting until ${p.until} for a writer run to show up in the logs`,
  'positions.size-unexplained': (p) => `${p.what} outside any run of a job allowed to write positions.json (nobody changes sizes in code)`,
  'positions.vanished-open': () => 'open before, not open now',
  'evidence.more': (p) => `… and ${p.count} more`,

  'fill.unavailable': (p) => enUnavailable(p.unavailable),
  'fill.more-violations': (p) => `… and ${p.count} more violations at ${p.at.join(', ')}`,

  'source.last-error': (p) => `last error: ${p.error ?? 'unknown'}`,

  'rule.kept-across-edit': () =>
    'judged by the rule as it was when it fired: the edited rule passes this cause, and an edit does not close an incident',
};

// Korean: runbook vocabulary; the log's own words (Telegram 전송 성공, stamps, commands) stay as they are.
const koRun = (stamp: string | undefined) => (stamp ? `${stamp}에 시작한 실행` : '시작 표시 전에 비정상 종료');
const KO_END: Record<RunEndWord, (finishedAt?: string) => string> = {
  finished: (at) => (at !== undefined ? `${at} 종료` : '종료'),
  failed: () => '실패',
  open: () => '아직 끝나지 않음',
  superseded: () => '끝나지 않음 (다음 실행이 시작됨)',
};

const ko: Catalogue = {
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

const CATALOGUES: Record<Language, Catalogue> = { ko, en };

/** The evidence note in the given language. */
export function renderEvidence(message: EvidenceMessage, lang: Language): string {
  const render = CATALOGUES[lang][message.key] as (p: EvidenceParams[EvidenceKey]) => string;
  return render(message.params);
}

/** An evidence item's `text` (English, for the logs) and `message` from one source: rules spread this in. */
export function note(message: EvidenceMessage): { text: string; message: EvidenceMessage } {
  return { text: renderEvidence(message, 'en'), message };
}

/** What an operator reads of an evidence item. Log lines and JSON values without a note, and evidence in
 *  checkpoints written before notes were typed, have only `text`: that is shown then. */
export function evidenceIn(lang: Language, e: Pick<Evidence, 'text' | 'message'>): string {
  return e.message ? renderEvidence(e.message, lang) : e.text;
}
