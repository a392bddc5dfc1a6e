// The Korean CLI text (the default language): every line the command-line tools print. Typed by CliText. Pure.
import { stepDuration } from '../../step-timings.ts';
import type { CliText } from '../../cli-text.ts';
import type { PlanPreview } from '../../types.ts';
import { CONTAINER_STATUS_KO, PHASE_KO } from './words.ts';

const ACTION_KO: Record<PlanPreview['action'], string> = { rollback: '롤백', halt: '거래 중단', resume: '거래 재개' };

export const cli: CliText = {
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
  checkTagWidth: 6,
  evidenceKind: { log: '로그', json: 'json', container: '컨테이너', note: '참고' },
  outcome: { pass: '통과', fail: '발동', inconclusive: '판단 불가', error: '오류' },
  checkTotal: (verdict, counts) =>
    `${{ firing: '발동 중', unjudged: '판단 오류', healthy: '정상' }[verdict]}: ${counts.map(([k, n]) => `${cli.outcome[k]} ${n}건`).join(', ')}`,
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
