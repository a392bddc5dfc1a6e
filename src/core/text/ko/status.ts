// The Korean answers to /status, /incidents and /rules (Telegram HTML fragments). Its shape is the
// catalogue type every language must fill. Pure.
import type { ContainerStatus } from '../../types.ts';
import { CONTAINER_STATUS_KO } from './words.ts';

export const status = {
  status: '📊 <b>상태</b>',
  version: '버전',
  /** After the version, when the release was recognised only as the closest catalogued one. */
  releaseClosest: (confirmed: boolean): string =>
    confirmed ? ' (가장 가까운 릴리스, 운영자 확인됨)' : ' (가장 가까운 릴리스, 미확인: /arm으로 확인)',
  crontabFrom: (kind: 'crontab-command' | 'command-file' | 'configured-file', path?: string) =>
    `스케줄 출처: ${kind === 'crontab-command' ? '<code>crontab -l</code>' : kind === 'command-file' ? `컨테이너 명령이 지정한 파일 <code>${path ?? ''}</code>` : `설정 파일 <code>${path ?? ''}</code>`}`,
  armed: '자동 조치',
  armedYes: '활성',
  armedNo: '해제됨 (/arm 으로 다시 활성화)',
  inFlight: '실행 중인 조치',
  jobs: '<b>작업</b>',
  noJobs: 'crontab을 아직 읽지 못했습니다.',
  lastRun: '마지막 실행',
  none: '없음',
  next: '다음 예정',
  outcome: { ok: '성공', failed: '실패', running: '실행 중', superseded: '종료 표시 없이 다음 실행 시작' },
  containers: '<b>컨테이너</b>',
  noContainers: '관찰된 컨테이너가 없습니다.',
  container: (status: string, image: string, restarts: number) => `${status}, 이미지 ${image} (재시작 ${restarts}회)`,
  containerStatus: CONTAINER_STATUS_KO satisfies Record<ContainerStatus, string>,
  openIncidents: '<b>열린 인시던트</b>',
  noOpen: '열린 인시던트가 없습니다.',
  silences: '<b>알림 끔</b>',
  until: (at: string) => `${at} 까지`,
  incidents: '📋 <b>인시던트</b>',
  recent: '<b>최근 종료</b>',
  opened: '열림',
  deadline: '결정 기한',
  policy: { required: '승인 필요', 'veto-window': '거부 기한', auto: '자동' },
  rules: (n: number) => `📜 <b>규칙</b> (${n}개)`,
  noRules: '규칙이 없습니다.',
  approval: '승인',
  silencedUntil: (at: string) => `🔕 ${at} 까지 끔`,
  more: (n: number) => `… 외 ${n}줄`,
};
