// Korean words shared by several Korean tables (CLI, decisions, verdicts, evidence, status screens). Pure.
import type { ContainerStatus, IncidentPhase } from '../../types.ts';

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
