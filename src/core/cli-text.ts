// Every line the command-line tools print for an operator (`check`, `status`, `rules validate|test`,
// `backup`, `rollback`, `verify`, `halt`, `resume`), in Korean (default) or English, as chosen by
// `telegram.language`. One catalogue per language with the same shape: a missing entry fails to
// compile. Names, paths, log lines and the engine's own details are data and pass through. Pure.
import { stepDuration } from './step-timings.ts';
import type { Language } from './messages.ts';
import type { ContainerStatus, Evidence, ExecutionReport, IncidentPhase, Outcome, PlanPreview, RunEnd } from './types.ts';
import { CONTAINER_STATUS_KO } from './verdict-text.ts';

type CheckTag = Exclude<Outcome, 'pass'> | 'warn';

/** Since when `check` judges scheduled runs, and why from then (see runtime/check.ts `watchedSince`). */
export type WatchBasis = 'daemon' | 'lookback' | 'no-daemon' | 'crontab-changed';

/** Whether the daemon runs, as its pid file and the process table tell (adapters/daemon-pid.ts). */
export type DaemonLiveness =
  | { state: 'running'; pid: number; startedAt: number }
  | { state: 'not-running'; reason: 'never-started-or-stopped' | 'gone'; pid?: number; startedAt?: number }
  /** Written on another host (a container's state dir mounted on the host): its pid means nothing here. */
  | { state: 'unknown'; pid: number; host: string; startedAt: number };

interface CliText {
  // check
  version: (version: string, evidence: string) => string;
  jobs: (list: string) => string;
  /** No job in the crontab: `undefined` when no crontab was read at all. */
  noJobs: (crontabSource: 'container' | 'file' | undefined) => string;
  checkTag: Record<CheckTag, string>;
  /** Shown before an evidence line that names no file or JSON path. */
  evidenceKind: Record<Evidence['kind'], string>;
  outcome: Record<Outcome, string>;
  checkTotal: (verdict: 'firing' | 'unjudged' | 'healthy', counts: [Outcome, number][]) => string;
  scheduleJudgedSince: (basis: WatchBasis, since: string) => string;
  // run
  httpAddressInUse: (host: string, port: number) => string;
  httpCannotListen: (host: string, port: number, reason: string) => string;
  /** First line of `status`: whether the daemon runs. `since` is already formatted. */
  daemon: (liveness: DaemonLiveness, since: string) => string;
  /** A streak the lookback opened and closed again (the daemon reports it opened and resolved, late). */
  checkRecovered: string;
  checkRecoveredNote: string;
  // status
  stateSaved: (at: string, version: string) => string;
  statusJob: (id: string, schedule: string, last: string | undefined, next: string | undefined) => string;
  runEnd: Record<RunEnd, string>;
  traceback: string;
  statusContainer: (name: string, status: ContainerStatus, imageId: string, restarts: number) => string;
  noOpenIncidents: string;
  statusIncident: (id: string, phase: IncidentPhase, rule: string, cause: string, since: string, summary: string) => string;
  noState: (path: string) => string;
  // rules validate / rules test
  rulesOk: (rules: number, profiles: number, files: number) => string;
  testOk: (file: string, name: string) => string;
  testFailed: (file: string, name: string) => string;
  testMissing: (what: string) => string;
  testUnexpected: (what: string, summary: string) => string;
  testTotal: (passed: number, failed: number) => string;
  // backup / rollback / verify / halt / resume
  backupFailed: (error: string) => string;
  backedUp: (file: string, backup: string, sha256: string, mode: string, warning: string | undefined) => string;
  backupAbsent: (file: string) => string;
  logSnapshot: (log: string, snapshot: string, bytes: number) => string;
  dockerDisabled: string;
  noPlan: (action: PlanPreview['action'], reason: string) => string;
  planHead: (plan: PlanPreview) => string;
  verifyingAgainst: (basis: string) => string;
  verifyTag: { ok: string; warn: string; fail: string };
  verifyWarnings: (n: number) => string;
  recovered: (incidentId: string, report: string) => string;
  report: (r: ExecutionReport) => string;
}

export const PHASE_KO: Record<IncidentPhase, string> = {
  detected: '감지됨',
  'awaiting-decision': '결정 대기',
  approved: '승인됨',
  vetoed: '거부됨',
  expired: '기한 만료',
  running: '실행 중',
  verified: '검증됨',
  failed: '실패',
  resolved: '해소됨',
  escalated: '에스컬레이션됨',
};

const ACTION_KO: Record<PlanPreview['action'], string> = { rollback: '롤백', halt: '거래 중단', resume: '거래 재개' };

const en: CliText = {
  scheduleJudgedSince: (basis, since) => {
    switch (basis) {
      case 'daemon':
        return `scheduled runs judged since ${since}, when the daemon began watching this crontab`;
      case 'lookback':
        return `scheduled runs judged since ${since} (--lookback; the daemon has watched longer)`;
      case 'no-daemon':
        return `scheduled runs judged since ${since}: no daemon state, so nothing was watched before now (a missed run is told by a running daemon)`;
      case 'crontab-changed':
        return `scheduled runs judged since ${since}: the crontab differs from the one the daemon last saw`;
    }
  },
  httpAddressInUse: (host, port) =>
    `cannot start: ${host}:${port} is already in use, so /healthz and /metrics cannot be served; stop what listens there, choose another http.port, or set http.enabled: false`,
  httpCannotListen: (host, port, reason) =>
    `cannot start: cannot listen on ${host}:${port} for /healthz and /metrics (${reason}); fix http.host / http.port, or set http.enabled: false`,
  daemon: (liveness, since) => {
    switch (liveness.state) {
      case 'running':
        return `daemon: running (pid ${liveness.pid}, since ${since})`;
      case 'not-running':
        return liveness.reason === 'gone'
          ? `daemon: NOT RUNNING (pid ${liveness.pid} is gone: it stopped without cleaning up, e.g. killed); what follows is its last saved state`
          : 'daemon: NOT RUNNING; what follows is the last saved state';
      case 'unknown':
        return `daemon: unknown (its pid file was written on host ${liveness.host}, pid ${liveness.pid}); what follows is the last saved state`;
    }
  },
  version: (version, evidence) => `version: ${version} (${evidence})`,
  jobs: (list) => `jobs: ${list}`,
  noJobs: (source) =>
    source === undefined
      ? 'jobs: none (no crontab read)'
      : `jobs: none: the crontab (${source}) has no job lines; the log rules judge the jobs found in the logs`,
  checkTag: { warn: 'WARN', fail: 'FAIL', inconclusive: 'INCONCLUSIVE', error: 'ERROR' },
  evidenceKind: { log: 'log', json: 'json', container: 'container', note: 'note' },
  outcome: { pass: 'pass', fail: 'fail', inconclusive: 'inconclusive', error: 'error' },
  checkTotal: (verdict, counts) =>
    `${{ firing: 'FIRING', unjudged: 'CANNOT JUDGE', healthy: 'healthy' }[verdict]}: ${counts.map(([k, n]) => `${n} ${k}`).join(', ')}`,
  checkRecovered: 'RECOVERED',
  checkRecoveredNote: '(opened and resolved while unobserved)',

  stateSaved: (at, version) => `state saved ${at}; version ${version}`,
  statusJob: (id, schedule, last, next) => `job ${id} [${schedule}] last: ${last ?? 'none'}; next: ${next ?? '-'}`,
  runEnd: { finished: 'finished', failed: 'failed', open: 'open', superseded: 'superseded' },
  traceback: ' (traceback)',
  statusContainer: (name, status, imageId, restarts) => `container ${name}: ${status} ${imageId} restarts seen: ${restarts}`,
  noOpenIncidents: 'no open incidents',
  statusIncident: (id, phase, rule, cause, since, summary) => `incident ${id} ${phase} ${rule} ${cause} since ${since}: ${summary}`,
  noState: (path) => `${path}: no state yet (has \`turtle-sentinel run\` been started with this config?)`,

  rulesOk: (rules, profiles, files) => `ok: ${rules} rules, ${profiles} profiles in ${files} files`,
  testOk: (file, name) => `ok   ${file}: ${name}`,
  testFailed: (file, name) => `FAIL ${file}: ${name}`,
  testMissing: (what) => `     expected to fire, did not: ${what}`,
  testUnexpected: (what, summary) => `     fired, not expected: ${what}: ${summary}`,
  testTotal: (passed, failed) => `${passed} passed, ${failed} failed`,

  backupFailed: (error) => `backup failed: ${error}`,
  backedUp: (file, backup, sha256, mode, warning) =>
    `${file} → ${backup}  sha256 ${sha256}  mode ${mode}${warning ? `  (${warning})` : ''}`,
  backupAbsent: (file) => `${file}: not present, nothing to copy`,
  logSnapshot: (log, snapshot, bytes) => `${log} → ${snapshot}  ${bytes} bytes`,
  dockerDisabled: 'docker.enabled is false: rollback, verify, halt and resume act through the Docker engine',
  noPlan: (action, reason) => `no ${action}: ${reason}`,
  planHead: (plan) =>
    `plan ${plan.id}: ${plan.action}${plan.strategy ? ` by ${plan.strategy}` : ''}${plan.targetImageId ? ` → ${plan.targetImageId}` : ''}`,
  verifyingAgainst: (basis) => `verifying against ${basis}`,
  verifyTag: { ok: 'ok  ', warn: 'warn', fail: 'FAIL' },
  verifyWarnings: (n) => `${n} warning(s): may be pre-existing (the dashboard crash-loops at v3.2.0 and v3.2.1)`,
  recovered: (incidentId, report) => `recovered ${incidentId}: ${report}`,
  report: (r) => {
    switch (r.kind) {
      case 'deferred':
        return `deferred: ${r.reason} (retry after ${new Date(r.retryAt).toISOString()})`;
      case 'refused':
        return `refused: ${r.reason}`;
      case 'started':
        return `started plan ${r.planId}`;
      case 'step':
        return `  ${r.ok ? 'ok    ' : 'FAILED'} ${r.name}: ${r.detail}${r.ms !== undefined ? ` (${stepDuration('en', r.ms)})` : ''}`;
      case 'finished':
        return `${r.ok ? 'finished' : 'FAILED'}: ${r.detail}`;
      case 'verified':
        return `${r.ok ? 'verified' : 'verification FAILED'}: ${r.detail}${r.preExisting.length ? ` [pre-existing: ${r.preExisting.join('; ')}]` : ''}`;
    }
  },
};

const ko: CliText = {
  scheduleJudgedSince: (basis, since) => {
    switch (basis) {
      case 'daemon':
        return `예정된 실행은 데몬이 이 crontab을 감시하기 시작한 ${since}부터 판단`;
      case 'lookback':
        return `예정된 실행은 ${since}부터 판단 (--lookback; 데몬은 그보다 오래 감시함)`;
      case 'no-daemon':
        return `예정된 실행은 ${since}부터 판단: 데몬 상태가 없어 그 전에는 아무것도 감시되지 않음 (누락된 실행은 실행 중인 데몬이 알림)`;
      case 'crontab-changed':
        return `예정된 실행은 ${since}부터 판단: crontab이 데몬이 마지막으로 본 것과 다름`;
    }
  },
  httpAddressInUse: (host, port) =>
    `시작할 수 없음: ${host}:${port}을(를) 이미 다른 프로세스가 사용 중이어서 /healthz와 /metrics를 제공할 수 없습니다. 그 프로세스를 멈추거나, 다른 http.port를 고르거나, http.enabled: false로 설정하세요`,
  httpCannotListen: (host, port, reason) =>
    `시작할 수 없음: /healthz와 /metrics용으로 ${host}:${port}에서 대기할 수 없습니다 (${reason}). http.host / http.port를 고치거나 http.enabled: false로 설정하세요`,
  daemon: (liveness, since) => {
    switch (liveness.state) {
      case 'running':
        return `데몬: 실행 중 (pid ${liveness.pid}, ${since}부터)`;
      case 'not-running':
        return liveness.reason === 'gone'
          ? `데몬: 실행 중 아님 (pid ${liveness.pid}가 사라짐: 정리 없이 멈춤, 예: 강제 종료). 아래는 마지막으로 저장된 상태입니다`
          : '데몬: 실행 중 아님. 아래는 마지막으로 저장된 상태입니다';
      case 'unknown':
        return `데몬: 알 수 없음 (pid 파일이 다른 호스트 ${liveness.host}에서 기록됨, pid ${liveness.pid}). 아래는 마지막으로 저장된 상태입니다`;
    }
  },
  version: (version, evidence) => `버전: ${version} (${evidence})`,
  jobs: (list) => `작업: ${list}`,
  noJobs: (source) =>
    source === undefined
      ? '작업: 없음 (crontab을 읽지 못함)'
      : `작업: 없음: crontab(${source === 'file' ? '파일' : '컨테이너'})에 작업 줄이 없음; 로그 규칙은 로그에서 찾은 작업으로 판단`,
  checkTag: { warn: '경고', fail: '발동', inconclusive: '판단 불가', error: '오류' },
  evidenceKind: { log: '로그', json: 'json', container: '컨테이너', note: '참고' },
  outcome: { pass: '통과', fail: '발동', inconclusive: '판단 불가', error: '오류' },
  checkTotal: (verdict, counts) =>
    `${{ firing: '발동 중', unjudged: '판단 오류', healthy: '정상' }[verdict]}: ${counts.map(([k, n]) => `${ko.outcome[k]} ${n}건`).join(', ')}`,
  checkRecovered: '회복됨',
  checkRecoveredNote: '(관찰되지 않는 동안 열렸다가 해소됨)',

  stateSaved: (at, version) => `상태 저장 시각 ${at}; 버전 ${version}`,
  statusJob: (id, schedule, last, next) => `작업 ${id} [${schedule}] 마지막 실행: ${last ?? '없음'}; 다음 예정: ${next ?? '-'}`,
  runEnd: { finished: '완료', failed: '실패', open: '실행 중', superseded: '종료 표시 없이 다음 실행 시작' },
  traceback: ' (traceback)',
  statusContainer: (name, status, imageId, restarts) =>
    `컨테이너 ${name}: ${CONTAINER_STATUS_KO[status]} ${imageId} 관찰된 재시작: ${restarts}회`,
  noOpenIncidents: '열린 인시던트 없음',
  statusIncident: (id, phase, rule, cause, since, summary) => `인시던트 ${id} ${PHASE_KO[phase]} ${rule} ${cause} ${since}부터: ${summary}`,
  noState: (path) => `${path}: 아직 상태가 없습니다 (이 설정으로 \`turtle-sentinel run\`을 시작했습니까?)`,

  rulesOk: (rules, profiles, files) => `정상: 파일 ${files}개에 규칙 ${rules}개, 프로필 ${profiles}개`,
  testOk: (file, name) => `통과 ${file}: ${name}`,
  testFailed: (file, name) => `실패 ${file}: ${name}`,
  testMissing: (what) => `     발동해야 했지만 발동하지 않음: ${what}`,
  testUnexpected: (what, summary) => `     예상하지 않은 발동: ${what}: ${summary}`,
  testTotal: (passed, failed) => `통과 ${passed}건, 실패 ${failed}건`,

  backupFailed: (error) => `백업 실패: ${error}`,
  backedUp: (file, backup, sha256, mode, warning) =>
    `${file} → ${backup}  sha256 ${sha256}  권한 ${mode}${warning ? `  (${warning})` : ''}`,
  backupAbsent: (file) => `${file}: 파일이 없어 복사하지 않음`,
  logSnapshot: (log, snapshot, bytes) => `${log} → ${snapshot}  ${bytes}바이트`,
  dockerDisabled: 'docker.enabled 가 false 입니다: rollback, verify, halt, resume 은 Docker 엔진을 통해 동작합니다',
  noPlan: (action, reason) => `${ACTION_KO[action]} 불가: ${reason}`,
  planHead: (plan) =>
    `계획 ${plan.id}: ${ACTION_KO[plan.action]}${plan.strategy ? ` (${plan.strategy} 방식)` : ''}${plan.targetImageId ? ` → ${plan.targetImageId}` : ''}`,
  verifyingAgainst: (basis) => `검증 기준: ${basis}`,
  verifyTag: { ok: '정상', warn: '경고', fail: '실패' },
  verifyWarnings: (n) => `경고 ${n}건: 이전부터 있던 문제일 수 있습니다 (v3.2.0과 v3.2.1에서 dashboard는 재시작을 반복합니다)`,
  recovered: (incidentId, report) => `${incidentId} 복구: ${report}`,
  report: (r) => {
    switch (r.kind) {
      case 'deferred':
        return `보류: ${r.reason} (${new Date(r.retryAt).toISOString()} 이후 다시 시도)`;
      case 'refused':
        return `거부: ${r.reason}`;
      case 'started':
        return `계획 ${r.planId} 실행 시작`;
      case 'step':
        return `  ${r.ok ? '정상' : '실패'} ${r.name}: ${r.detail}${r.ms !== undefined ? ` (${stepDuration('ko', r.ms)})` : ''}`;
      case 'finished':
        return `${r.ok ? '완료' : '실패'}: ${r.detail}`;
      case 'verified':
        return `${r.ok ? '검증 통과' : '검증 실패'}: ${r.detail}${r.preExisting.length ? ` [이전부터 있던 문제: ${r.preExisting.join('; ')}]` : ''}`;
    }
  },
};

const CLI: Record<Language, CliText> = { ko, en };

/** The CLI's words in the given language. */
export function cliText(lang: Language): CliText {
  return CLI[lang];
}
