// The console renderer: notices as plain text for the console and the log, in the operator's language
// (words from the catalogue), and the local-time format every medium uses. Times are shown in the
// deployment's timezone, never the host's. Pure.
import type { Evidence, Incident, Instant, Notice, Verdict } from './types.ts';
import { stepTimingLines } from './step-timings.ts';
import { closedBecauseText, refusalDetailText, sharedDecisionText } from './decision-text.ts';
import { planSteps } from './plan.ts';
import { renderMessage, summaryIn, versionEvidenceIn, warningIn } from './verdict-text.ts';
import { evidenceIn } from './evidence-text.ts';
import { consoleText, type Language } from './text/catalogue.ts';
import { wallClockOf } from './wall-clock.ts';
import { renderDigestPlain } from './digest-text.ts';

export type { Language } from './text/catalogue.ts';

/** `2026-02-23 16:00:02 KST`-style local time in the given zone. */
export function formatInstant(at: Instant, timeZone: string): string {
  const w = wallClockOf(at, timeZone);
  return `${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}:${w.second} ${w.zoneName}`;
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
  const t = consoleText(lang);
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
  const t = consoleText(lang);
  return [
    `${title}`,
    `${t.rule}: ${verdict.ruleId}${verdict.label ? ` (${t.label}: ${verdict.label})` : ''}`,
    extra ?? summaryIn(lang, verdict),
    ...(verdict.evidence.length ? [`${t.evidence}:`, ...evidenceLines(lang, verdict.evidence, timeZone)] : []),
  ].join('\n');
}

/** The line that marks a notice about log lines read late (`Notice.late`): what it reports may already be over. */
export function seenLateLine(lang: Language): string {
  return consoleText(lang).seenLate;
}

export function renderNotice(notice: Notice, lang: Language, timeZone: string): string {
  const text = renderNoticeText(notice, lang, timeZone);
  return notice.late ? `${text}\n${seenLateLine(lang)}` : text;
}

function renderNoticeText(notice: Notice, lang: Language, timeZone: string): string {
  const t = consoleText(lang);
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
    case 'release-unsure':
      return `${t.releaseUnsure}: ${notice.release}\n${notice.reasons.map((r) => `  - ${renderMessage(r, lang)}`).join('\n')}`;
    case 'version-changed':
      return `${t.versionChanged}: ${notice.from.version} → ${notice.to.version}\n${versionEvidenceIn(lang, notice.to)
        .map((e) => `  - ${e}`)
        .join('\n')}`;
    case 'decision-requested': {
      const i = notice.incident;
      const d = i.decision;
      return [
        `${t.decisionRequested} ${i.id}${notice.again ? t.again : ''}`,
        `${t.rule}: ${i.ruleId} — ${summaryIn(lang, i)}`,
        `${t.action}: ${t.action_[i.action]} (${d?.policy ?? '-'}, ${t.deadline} ${d ? formatInstant(d.deadline, timeZone) : '-'})`,
        ...(i.plan ? planSteps(i.plan, lang).map((s, n) => `  ${n + 1}. ${s}`) : []),
        `/approve ${i.id} · /veto ${i.id}`,
      ].join('\n');
    }
    case 'decision-reminder':
      return `${t.stillAwaiting}: ${notice.incident.id} (${t.deadline} ${notice.incident.decision ? formatInstant(notice.incident.decision.deadline, timeZone) : '-'})`;
    case 'decision-recorded':
      return `${t.decisionRecorded}: ${notice.incident.id} ${t.decision[notice.decision]}${notice.reason ? ` — ${notice.reason}` : ''}`;
    case 'decision-refused':
      return `${t.refusedTitle}: ${notice.incidentId ?? '-'} (${t.refused[notice.reason]}) ${notice.detailMessage ? refusalDetailText(lang, notice.detailMessage) : notice.detail}`;
    case 'escalation':
      return `${t.escalation} ${notice.level}: ${notice.incident.id} — ${summaryIn(lang, { summary: notice.why, ...(notice.reason ? { message: notice.reason } : {}) })}`;
    case 'execution-update':
      return [
        `${t.execution} ${notice.incident.id}: ${t.report[notice.report.kind]}${'detail' in notice.report ? ` — ${notice.report.detail}` : 'reason' in notice.report ? ` — ${notice.report.reason}` : ''}`,
        ...(notice.report.kind === 'finished' || notice.report.kind === 'verified' ? stepTimingLines(lang, notice.report.steps) : []),
      ].join('\n');
    case 'digest':
      return renderDigestPlain(notice.digest, lang, timeZone);
  }
}
