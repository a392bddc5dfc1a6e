// The answers to /status, /incidents and /rules, rendered from the core's state (read-only). Pure.
import { statusText } from './text/catalogue.ts';
import type { Rule } from '../config/schema.ts';
import { isOpen } from './incident.ts';
import { formatInstant, type Language } from './messages.ts';
import { listOpenRuns, runOutcome } from './runs.ts';
import { restartRequiredText } from './reload-text.ts';
import { formatDuration, nextFire } from './schedule.ts';
import type { CoreState } from './step.ts';
import { actionWord, phaseWord, severityWord } from './telegram-text.ts';
import { escapeHtml, fitBlocks, html, type Block } from './telegram-html.ts';
import type { Incident, Instant, Run } from './types.ts';
import { summaryIn } from './verdict-text.ts';

const RECENT_CLOSED = 5;

/** ` (KeyError: 'units')`: what failed a run, briefly, when the log says. */
function failureOf(run: Run): string {
  const what = run.tracebacks[0]?.error ?? run.errorLines[0];
  return what ? ` (${escapeHtml(clip(what, 120))})` : '';
}

function shortImage(imageId: string | undefined): string {
  if (!imageId) return '-';
  const hex = imageId.startsWith('sha256:') ? imageId.slice(7) : imageId;
  return `<code>${escapeHtml(hex.slice(0, 12))}</code>`;
}

function incidentLine(lang: Language, i: Incident, tz: string): string[] {
  const w = statusText(lang);
  const lines = [
    `• ${escapeHtml(i.id)} [${severityWord(lang, i.severity)}] ${phaseWord(lang, i.phase)} — <code>${escapeHtml(i.ruleId)}</code>: ${escapeHtml(clip(summaryIn(lang, i), 300))}`,
  ];
  const when = [`${w.opened}: ${formatInstant(i.openedAt, tz)}`];
  if (i.phase === 'awaiting-decision' && i.decision)
    when.push(`${w.deadline}: ${formatInstant(i.decision.deadline, tz)} (${w.policy[i.decision.policy]})`);
  lines.push(`  ${when.join('; ')}`);
  return lines;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

/** `/status`: per job last run, outcome and next expected run; containers and images; armed; open incidents. */
/** `restartRequired`: config keys changed since the daemon started that it does not apply until restarted. */
export function renderStatus(
  state: CoreState,
  lang: Language,
  timeZone: string,
  now: Instant,
  restartRequired: readonly string[] = [],
): string {
  const w = statusText(lang);
  const armed = state.safety.armed ? w.armedYes : w.armedNo;
  const restart = restartRequiredText(lang, restartRequired, (k) => `<code>${escapeHtml(k)}</code>`);
  const head = [
    `${w.status} ${formatInstant(now, timeZone)}`,
    ...(restart ? [restart] : []),
    `${w.version}: ${escapeHtml(state.fingerprint.version)}${state.release?.certainty === 'closest' ? w.releaseClosest(state.release.confirmed) : ''}`,
    ...(state.crontab?.via ? [w.crontabFrom(state.crontab.via.kind, state.crontab.via.path && escapeHtml(state.crontab.via.path))] : []),
    `${w.armed}: ${armed}`,
    ...(state.safety.inFlight !== undefined ? [`${w.inFlight}: ${escapeHtml(state.safety.inFlight)}`] : []),
  ];

  const open = new Map(listOpenRuns(state.runsState).map((r) => [r.jobId, r]));
  const jobLines: string[] = [];
  for (const job of state.jobs) {
    const finished = state.finishedRuns[job.id] ?? [];
    const last = open.get(job.id) ?? finished[finished.length - 1];
    const next = nextFire(job, now);
    jobLines.push(`• <code>${escapeHtml(job.id)}</code> (${escapeHtml(job.schedule)})`);
    jobLines.push(
      `  ${w.lastRun}: ${last ? `${formatInstant(last.startedAt, timeZone)} ${w.outcome[runOutcome(last)]}${failureOf(last)}` : w.none}`,
    );
    jobLines.push(`  ${w.next}: ${next !== undefined ? formatInstant(next, timeZone) : w.none}`);
  }

  const containerLines = Object.values(state.containers)
    .sort((a, b) => a.current.name.localeCompare(b.current.name))
    // Docker's own restart count: a crash loop shows even if the sidecar saw none of the restarts.
    .map(
      (c) =>
        `• ${escapeHtml(c.current.name)}: ${w.container(w.containerStatus[c.current.status], shortImage(c.current.imageId), c.current.restartCount)}`,
    );

  const incidentLines = state.incidents.incidents.filter(isOpen).flatMap((i) => incidentLine(lang, i, timeZone));
  const silences = Object.entries(state.safety.silenced)
    .filter(([, until]) => until > now)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rule, until]) => `• <code>${escapeHtml(rule)}</code> ${w.until(formatInstant(until, timeZone))}`);

  const more = (n: number) => escapeHtml(w.more(n));
  const blocks: Block[] = [
    ...head.map(html),
    html(w.jobs),
    state.jobs.length > 0 ? htmlLines(jobLines, more) : html(w.noJobs),
    html(w.containers),
    containerLines.length > 0 ? htmlLines(containerLines, more) : html(w.noContainers),
    html(w.openIncidents),
    incidentLines.length > 0 ? htmlLines(incidentLines, more) : html(w.noOpen),
    ...(silences.length > 0 ? [html(w.silences), htmlLines(silences, more)] : []),
  ];
  return fitBlocks(blocks);
}

/** `/incidents`: open incidents with their deadlines, then the few most recently closed. */
export function renderIncidents(state: CoreState, lang: Language, timeZone: string): string {
  const w = statusText(lang);
  const all = state.incidents.incidents;
  const open = all.filter(isOpen);
  const closed = all
    .filter((i) => !isOpen(i))
    .sort((a, b) => b.updatedAt - a.updatedAt)
    .slice(0, RECENT_CLOSED)
    .map(
      (i) =>
        `• ${escapeHtml(i.id)} ${phaseWord(lang, i.phase)} — <code>${escapeHtml(i.ruleId)}</code>, ${formatInstant(i.updatedAt, timeZone)}`,
    );
  const more = (n: number) => escapeHtml(w.more(n));
  const blocks: Block[] = [
    html(w.incidents),
    html(w.openIncidents),
    open.length > 0
      ? htmlLines(
          open.flatMap((i) => incidentLine(lang, i, timeZone)),
          more,
        )
      : html(w.noOpen),
    ...(closed.length > 0 ? [html(w.recent), htmlLines(closed, more)] : []),
  ];
  return fitBlocks(blocks);
}

/** `/rules`: every rule with its kind, mode, action, approval policy, and whether it is silenced. */
export function renderRules(rules: readonly Rule[], state: CoreState, lang: Language, timeZone: string, now: Instant): string {
  const w = statusText(lang);
  const silences = state.safety.silenced;
  const lines = rules.map((r) => {
    const approval =
      r.action === 'rollback' || r.action === 'halt'
        ? `, ${w.approval}: ${w.policy[r.approval.policy]}${r.approval.policy === 'veto-window' ? ` ${formatDuration(r.approval.window)}` : ''}`
        : '';
    const until = silences[r.id];
    const silenced = until !== undefined && until > now ? ` ${w.silencedUntil(formatInstant(until, timeZone))}` : '';
    return `• <code>${escapeHtml(r.id)}</code> ${escapeHtml(r.kind)} — ${r.mode}, ${escapeHtml(actionWord(lang, r.action))}${approval}${silenced}`;
  });
  const more = (n: number) => escapeHtml(w.more(n));
  return fitBlocks([html(w.rules(rules.length)), lines.length > 0 ? htmlLines(lines, more) : html(w.noRules)]);
}

/** Lines that are already HTML (built from escaped pieces), cut from the end if the message is too long. */
function htmlLines(lines: string[], more: (n: number) => string): Block {
  return { kind: 'lines', lines, pre: false, more, isHtml: true };
}
