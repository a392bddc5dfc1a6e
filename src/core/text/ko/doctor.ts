// `turtle-sentinel doctor`의 한국어 문구. DoctorText 형식. 순수 모듈.
import type { DoctorText } from '../../doctor-text.ts';

const list = (items: readonly string[]) => items.join(', ');
const short = (blob: string | null) => (blob === null ? '없음' : blob.slice(0, 7));

export const doctor: DoctorText = {
  tag: { ok: '정상', warn: '경고', fail: '실패' },
  'catalogue-off': () =>
    '카탈로그: 데몬이 릴리스 카탈로그를 쓰지 않습니다 (deployment.catalogue 미설정): v3.2.0과 v3.2.1만 구별합니다; doctor는 내장 카탈로그를 읽었습니다',
  'docker-disabled': () => 'docker: sentinel.yaml에서 꺼져 있음 (docker.enabled: false): cron 컨테이너로 릴리스를 식별할 수 없습니다',
  'cron-missing': (f) => `cron 컨테이너: ${f.container}가 없습니다: 릴리스를 식별할 수 없고 스케줄은 설정된 파일에서만 읽습니다`,
  'docker-unreachable': (f) => `docker: 연결 불가 (${f.reason}): 릴리스를 식별할 수 없고 스케줄은 설정된 파일에서만 읽습니다`,
  'release-exact': (f) =>
    `릴리스: ${f.release} (${f.commit}), 파일 내용으로 식별: ${list(f.files.map((x) => `${x.path} ${short(x.blob)}`))}; ${f.runner}, 사용자 ${f.user}` +
    (f.identical.length > 0 ? ` (이 파일들은 ${list(f.identical)}와 동일)` : ''),
  'release-closest': (f) =>
    (f.matched === 0
      ? `릴리스: 식별 실패: 어떤 카탈로그 릴리스에도 이 파일들이 없습니다 (${list(f.mismatched.map((m) => `${m.path} ${short(m.found)}`))}); 러너와 사용자로 보면 가장 가까운 것은 ${f.release}`
      : `릴리스: 식별 실패; 가장 가까운 카탈로그 릴리스는 ${f.release} (${f.total}개 파일 중 ${f.matched}개 일치: ` +
        `${list(f.mismatched.map((m) => `${m.path}: ${short(m.found)}, ${f.release}: ${short(m.expected)}`))})`) +
    (f.confirmed ? '; deployment.release로 확인됨' : '; 확인되지 않음'),
  'release-pin-differs': (f) =>
    f.certainty === 'exact'
      ? `릴리스: deployment.release는 ${f.pinned}(으)로 고정되어 있지만 cron 컨테이너는 파일 내용으로 ${f.recognised}입니다: 규칙과 롤백 대상은 고정값(${f.pinned})을 따릅니다; 그 뒤 ${f.recognised} 릴리스가 배포되었다면 고치거나 지우세요`
      : `릴리스: deployment.release는 ${f.pinned}(으)로 고정; 파일 내용으로는 cron 컨테이너가 ${f.recognised}에 가장 가깝습니다: 규칙과 롤백 대상은 고정값(${f.pinned})을 따릅니다; 아직 맞는지 확인하세요`,
  'release-none': () => '릴리스: 식별 실패: cron 컨테이너와 일치하는 카탈로그 릴리스가 없습니다',
  schedule: (f) => {
    switch (f.source) {
      case 'crontab-command':
        return `스케줄: cron 컨테이너의 \`crontab -l\`에서 작업 ${f.jobs}개`;
      case 'command-file':
        return `스케줄: 컨테이너 명령이 가리키는 파일 ${f.path}에서 작업 ${f.jobs}개 (\`crontab -l\` 사용 불가)`;
      case 'configured-file':
        return `스케줄: 설정된 파일 ${f.path}에서 작업 ${f.jobs}개`;
    }
  },
  'schedule-none': (f) =>
    `스케줄: 읽을 수 없음${f.problems.length > 0 ? ` (${f.problems.join('; ')})` : ''}: 누락·정지된 실행을 감지할 수 없습니다`,
  profiles: (f) =>
    `프로필: 예약된 스크립트 ${f.jobs}개 중 ${f.profiled}개에 시작/완료 마커가 있음` +
    (f.unprofiled.length > 0 ? `; 없음: ${list(f.unprofiled.map((u) => (u.log ? `${u.script} (${u.log})` : u.script)))}` : ''),
  'rules-unsure': (f) => `규칙 ${list(f.rules)}: 릴리스가 확인될 때까지 dry-run (${f.release}는 가장 가까운 후보일 뿐입니다)`,
  'rule-blind-schedule': (f) => `규칙 ${list(f.rules)}: 볼 수 없음: 스케줄이 없으면 기대되는 실행이 없어 누락도 없습니다`,
  'rule-blind-markers': (f) => `규칙 ${f.rule}: ${list(f.scripts)}를 볼 수 없음: 로그에 시작 마커가 없고 실행을 알려 줄 러너 줄도 없습니다`,
  'rule-noisy-keys': (f) =>
    `규칙 ${f.rule}: params.knownKeys에 ${f.release}의 ${list(f.missing)}가 없습니다: 정상 positions.json도 손상으로 보입니다`,
  'log-zone': (f) =>
    `로그 시각: deployment.logTimestampZone은 ${f.configured}인데 ${f.release}는 ${f.releaseZone}로 기록합니다: 밀린 실행의 시각이 틀립니다`,
  target: (f) =>
    `롤백 대상: ${f.release} (${f.commit}), ${f.source === 'predecessor' ? '실행 중인 릴리스의 이전 릴리스' : '설정값'}; 실행 사용자 ${f.user}`,
  'target-blocked': (f) =>
    `${f.release}(으)로의 롤백 차단: ${list(f.blocks.map((b) => `${b.file} (${list(b.records)}의 ${list(b.keys)})`))}를 읽을 수 없습니다`,
  'target-user': (f) =>
    `${f.release}(으)로 롤백: Debian cron은 ${f.needs} 권한이 필요한데 cron 컨테이너는 ${f.runsAs}로 실행 중입니다: 계획은 ${f.needs}로 다시 만듭니다`,
  'target-none': (f) => {
    switch (f.why) {
      case 'oldest':
        return `롤백 대상: 없음 (${f.name}는 카탈로그의 가장 오래된 릴리스)`;
      case 'no-release':
        return '롤백 대상: 실행 중인 릴리스를 알 때까지 없음';
      case 'unknown-target':
        return `롤백 대상: ${f.name}는 카탈로그에 없습니다`;
    }
  },
  changesHead: 'sentinel.yaml에서 바꿀 것:',
  verdict: { 0: '준비됨', 1: '준비됨, 경고 있음', 2: '감시 불가' },
};
