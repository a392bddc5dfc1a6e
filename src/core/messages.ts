// Operator text for notices, in Korean (default) or English. Plain text: the Telegram adapter adds
// its own markup and escaping. Times are shown in the deployment's timezone, never the host's.
import type { Action, Evidence, ExecutionReport, Incident, Instant, Notice, Severity, Verdict } from './types.ts';
import { stepTimingLines } from './step-timings.ts';
import { closedBecauseText, refusalDetailText, sharedDecisionText } from './decision-text.ts';
import { planSteps } from './plan.ts';
import { summaryIn, versionEvidenceIn, warningIn } from './verdict-text.ts';
import { evidenceIn } from './evidence-text.ts';

export type Language = 'ko' | 'en';

const T = {
  ko: {
    opened: '🚨 인시던트 열림',
    resolved: '✅ 인시던트 해소',
    wouldFire: '🧪 dry-run: 실행했다면 발동했을 규칙',
    warning: '⚠️ 경고',
    inconclusive: '❓ 판단 불가 (확인 필요)',
    ruleError: '🛠 규칙 평가 오류',
    sourceError: '🛠 소스 읽기 오류',
    versionChanged: '🔁 배포 버전 변경 감지',
    rule: '규칙',
    action: '조치',
    evidence: '근거',
    since: '시작',
    label: '유형',
    times: '회',
    severity: { info: '정보', warning: '경고', critical: '심각' } satisfies Record<Severity, string>,
    action_: {
      notify: '알림',
      escalate: '에스컬레이션',
      halt: '거래 중단 (cron 컨테이너 정지)',
      rollback: '롤백',
      resume: '거래 재개 (cron 컨테이너 시작)',
    } satisfies Record<Action | 'resume', string>,
    decision: { approved: '승인됨', vetoed: '거부됨', expired: '기한 만료' },
    refused: {
      'not-allowed': '허용되지 않은 사용자',
      'unknown-incident': '알 수 없는 인시던트',
      stale: '오래된 요청',
      expired: '만료된 요청',
      'not-awaiting': '결정 대기 중이 아님',
      blocked: '안전 장치가 막음',
    } satisfies Record<Extract<Notice, { kind: 'decision-refused' }>['reason'], string>,
    report: {
      deferred: '보류',
      refused: '거부됨',
      started: '시작',
      step: '단계',
      finished: '완료',
      verified: '검증',
    } satisfies Record<ExecutionReport['kind'], string>,
  },
  en: {
    opened: '🚨 Incident opened',
    resolved: '✅ Incident resolved',
    wouldFire: '🧪 dry-run: rule would have fired',
    warning: '⚠️ Warning',
    inconclusive: '❓ Inconclusive (please check)',
    ruleError: '🛠 Rule evaluation error',
    sourceError: '🛠 Source read error',
    versionChanged: '🔁 Deployed version changed',
    rule: 'rule',
    action: 'action',
    evidence: 'evidence',
    since: 'since',
    label: 'case',
    times: 'times',
    severity: { info: 'info', warning: 'warning', critical: 'critical' } satisfies Record<Severity, string>,
    action_: {
      notify: 'notify',
      escalate: 'escalate',
      halt: 'halt',
      rollback: 'rollback',
      resume: 'resume',
    } satisfies Record<Action | 'resume', string>,
    decision: { approved: 'approved', vetoed: 'vetoed', expired: 'expired' },
    refused: {
      'not-allowed': 'not-allowed',
      'unknown-incident': 'unknown-incident',
      stale: 'stale',
      expired: 'expired',
      'not-awaiting': 'not-awaiting',
      blocked: 'blocked',
    } satisfies Record<Extract<Notice, { kind: 'decision-refused' }>['reason'], string>,
    report: {
      deferred: 'deferred',
      refused: 'refused',
      started: 'started',
      step: 'step',
      finished: 'finished',
      verified: 'verified',
    } satisfies Record<ExecutionReport['kind'], string>,
  },
} as const;

/** `2026-02-23 16:00:02 KST`-style local time in the given zone. */
export function formatInstant(at: Instant, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}

function evidenceLines(lang: Language, evidence: Evidence[], timeZone: string, max = 8): string[] {
  const shown = evidence.slice(0, max).map((e) => {
    const where = e.file ?? e.path;
    const when = e.at !== undefined ? `[${formatInstant(e.at, timeZone)}] ` : '';
    return `  - ${when}${where ? `${where}: ` : ''}${evidenceIn(lang, e)}`;
  });
  if (evidence.length > max) shown.push(`  … +${evidence.length - max}`);
  return shown;
}

function incidentText(title: string, incident: Incident, lang: Language, timeZone: string): string {
  const t = T[lang];
  return [
    `${title} ${incident.id} [${t.severity[incident.severity]}]`,
    `${t.rule}: ${incident.ruleId}${incident.label ? ` (${t.label}: ${incident.label})` : ''}`,
    summaryIn(lang, incident),
    `${t.action}: ${t.action_[incident.action]}`,
    `${t.evidence}:`,
    ...evidenceLines(lang, incident.evidence, timeZone),
  ].join('\n');
}

function verdictText(title: string, verdict: Verdict, lang: Language, timeZone: string, extra?: string): string {
  const t = T[lang];
  return [
    `${title}`,
    `${t.rule}: ${verdict.ruleId}${verdict.label ? ` (${t.label}: ${verdict.label})` : ''}`,
    extra ?? summaryIn(lang, verdict),
    ...(verdict.evidence.length ? [`${t.evidence}:`, ...evidenceLines(lang, verdict.evidence, timeZone)] : []),
  ].join('\n');
}

/** The line that marks a notice about log lines read late (`Notice.late`): what it reports may already be over. */
export function seenLateLine(lang: Language): string {
  return lang === 'ko'
    ? '⏱ 늦게 확인됨: 관찰되지 않는 동안 기록된 로그입니다 (밀린 로그, 또는 한 번에 읽은 여러 실행).'
    : '⏱ Seen late: logged while unobserved (a backlog, or several runs read at once).';
}

export function renderNotice(notice: Notice, lang: Language, timeZone: string): string {
  const text = renderNoticeText(notice, lang, timeZone);
  return notice.late ? `${text}\n${seenLateLine(lang)}` : text;
}

function renderNoticeText(notice: Notice, lang: Language, timeZone: string): string {
  const t = T[lang];
  switch (notice.kind) {
    case 'incident-opened':
      return (
        incidentText(t.opened, notice.incident, lang, timeZone) +
        (notice.incident.decisionOf ? `\n${sharedDecisionText(lang, notice.incident.decisionOf)}` : '')
      );
    case 'incident-resolved':
      return incidentText(t.resolved, notice.incident, lang, timeZone) + (notice.why ? `\n${closedBecauseText(lang, notice.why)}` : '');
    case 'would-fire':
      return verdictText(t.wouldFire, notice.verdict, lang, timeZone);
    case 'warning':
      return verdictText(t.warning, notice.verdict, lang, timeZone, warningIn(lang, notice.verdict));
    case 'inconclusive':
      return verdictText(
        t.inconclusive,
        notice.verdict,
        lang,
        timeZone,
        `${summaryIn(lang, notice.verdict)} (${t.since} ${formatInstant(notice.since, timeZone)})`,
      );
    case 'rule-error':
      return verdictText(t.ruleError, notice.verdict, lang, timeZone);
    case 'source-error':
      return `${t.sourceError}: ${notice.source} (${notice.count} ${t.times})\n${notice.message}`;
    case 'version-changed':
      return `${t.versionChanged}: ${notice.from.version} → ${notice.to.version}\n${versionEvidenceIn(lang, notice.to)
        .map((e) => `  - ${e}`)
        .join('\n')}`;
    case 'decision-requested': {
      const i = notice.incident;
      const d = i.decision;
      return [
        `${lang === 'ko' ? '🗳 결정 요청' : '🗳 Decision requested'} ${i.id}${notice.again ? (lang === 'ko' ? ' (재공지)' : ' (again)') : ''}`,
        `${t.rule}: ${i.ruleId} — ${summaryIn(lang, i)}`,
        `${t.action}: ${t.action_[i.action]} (${d?.policy ?? '-'}, ${lang === 'ko' ? '기한' : 'deadline'} ${d ? formatInstant(d.deadline, timeZone) : '-'})`,
        ...(i.plan ? planSteps(i.plan, lang).map((s, n) => `  ${n + 1}. ${s}`) : []),
        `/approve ${i.id} · /veto ${i.id}`,
      ].join('\n');
    }
    case 'decision-reminder':
      return `${lang === 'ko' ? '⏰ 결정 대기 중' : '⏰ Still awaiting a decision'}: ${notice.incident.id} (${lang === 'ko' ? '기한' : 'deadline'} ${notice.incident.decision ? formatInstant(notice.incident.decision.deadline, timeZone) : '-'})`;
    case 'decision-recorded':
      return `${lang === 'ko' ? '📝 결정 기록' : '📝 Decision recorded'}: ${notice.incident.id} ${t.decision[notice.decision]}${notice.reason ? ` — ${notice.reason}` : ''}`;
    case 'decision-refused':
      return `${lang === 'ko' ? '⛔ 거부됨' : '⛔ Refused'}: ${notice.incidentId ?? '-'} (${t.refused[notice.reason]}) ${notice.detailMessage ? refusalDetailText(lang, notice.detailMessage) : notice.detail}`;
    case 'escalation':
      return `${lang === 'ko' ? '📣 에스컬레이션' : '📣 Escalation'} ${notice.level}: ${notice.incident.id} — ${summaryIn(lang, { summary: notice.why, ...(notice.reason ? { message: notice.reason } : {}) })}`;
    case 'execution-update':
      return [
        `${lang === 'ko' ? '⚙️ 실행' : '⚙️ Execution'} ${notice.incident.id}: ${t.report[notice.report.kind]}${'detail' in notice.report ? ` — ${notice.report.detail}` : 'reason' in notice.report ? ` — ${notice.report.reason}` : ''}`,
        ...(notice.report.kind === 'finished' || notice.report.kind === 'verified' ? stepTimingLines(lang, notice.report.steps) : []),
      ].join('\n');
  }
}
