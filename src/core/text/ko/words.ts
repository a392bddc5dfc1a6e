// Korean words shared by several Korean tables (CLI, decisions, verdicts, evidence, status screens). Pure.
import type { Action, ContainerStatus, IncidentPhase, Severity } from '../../types.ts';
import type { FailureReason, FileUnavailable } from '../../verdict-text.ts';
import type { StopWord } from '../../halt-levers.ts';

export const SEVERITY_KO: Record<Severity, string> = { info: '정보', warning: '경고', critical: '심각' };

/** The Korean words for what a rule or an operator asks for, in notices. */
export const ACTION_KO: Record<Action | 'resume', string> = {
  notify: '알림',
  escalate: '에스컬레이션',
  halt: '거래 중단 (cron 컨테이너 정지)',
  rollback: '롤백',
  resume: '거래 재개 (cron 컨테이너 시작)',
};

/** The Korean words for an incident phase, as the CLI and refusal answers use them. */
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

/** The Korean words for a container state, as the status screens use them. */
export const CONTAINER_STATUS_KO: Record<ContainerStatus, string> = {
  running: '실행 중',
  restarting: '재시작 중',
  exited: '종료됨',
  paused: '일시 정지',
  created: '생성됨',
  dead: '비정상 종료(dead)',
  removing: '삭제 중',
  missing: '없음',
};

/** `2시간 30분`, `5분`, `45초`: the Korean reading of formatDuration's `2h30m`, `5m`, `45s`. */
export function durationKo(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))}초`;
  const totalMinutes = Math.round(ms / 60_000);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours === 0) return `${minutes}분`;
  return minutes === 0 ? `${hours}시간` : `${hours}시간 ${minutes}분`;
}

export const KO_FAILURE: Record<FailureReason['kind'], (text: string) => string> = {
  traceback: (text) => text,
  'error-pattern': (text) => text,
  'missing-finish': () => '다음 실행이 시작되기 전에 종료 표시가 없음',
  'process-gone': () => '종료 표시가 없고 cron 컨테이너에서 프로세스가 사라짐',
  'exit-status': (text) => `supercronic: ${text}`,
};

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

/** 거래 중단이 멈추는 것, 카탈로그의 stop 단어별 (halt-levers.ts). */
export const KO_STOPS: Record<StopWord, string> = {
  'scheduled-jobs': '모든 예약 작업',
  exits: '청산',
  'stop-loss-alerts': '장중 손절 알림',
  'new-entries': '신규 진입',
};

/** `a`, `a, b`, `a, b, c`. */
export function koList(parts: string[]): string {
  return parts.join(', ');
}
