// The Telegram renderer of notices: every notice the core emits as one HTML message (with decision
// buttons where a decision is pending), the footers that replace closed buttons, and the on-demand
// incident details. Words come from the catalogue, markup and limits from telegram-html. Pure.
import { formatInstant, seenLateLine } from './messages.ts';
import { stepTimingLines } from './step-timings.ts';
import { closedBecauseText, refusalDetailText, sharedDecisionText } from './decision-text.ts';
import { planSteps } from './plan.ts';
import { renderMessage, summaryIn, versionEvidenceIn, warningIn } from './verdict-text.ts';
import { evidenceIn } from './evidence-text.ts';
import { telegramText, type Language } from './text/catalogue.ts';
import { encodeCallbackData } from './telegram-commands.ts';
import { renderDigestHtml } from './digest-text.ts';
import {
  FOOTER_RESERVE,
  LINE_CLIP,
  MESSAGE_LIMIT,
  clipEscaped,
  clipPlain,
  code,
  escapeHtml,
  field,
  fitBlocks,
  html,
  type Block,
  type InlineButton,
  type InlineKeyboard,
  type TelegramMessage,
} from './telegram-html.ts';
import type {
  Action,
  Evidence,
  ExecutionReport,
  ExecutionWords,
  Incident,
  IncidentPhase,
  Notice,
  OperatorIdentity,
  Severity,
  Verdict,
} from './types.ts';

export function severityWord(lang: Language, severity: Severity): string {
  return telegramText(lang).severity[severity];
}
export function phaseWord(lang: Language, phase: IncidentPhase): string {
  return telegramText(lang).phase[phase];
}
export function actionWord(lang: Language, action: Action): string {
  return telegramText(lang).action[action];
}

/** `운영자 (111)`, `111`, or `CLI`: who did something, escaped. */
export function whoText(lang: Language, by: OperatorIdentity | undefined): string {
  if (!by) return '?';
  if (by.channel === 'cli') return by.name ? `${escapeHtml(clipPlain(by.name, 64))} (${telegramText(lang).cli})` : telegramText(lang).cli;
  const id = by.userId !== undefined ? String(by.userId) : '?';
  return by.name ? `${escapeHtml(clipPlain(by.name, 64))} (${id})` : id;
}

function decisionKeyboard(lang: Language, incident: Incident): InlineKeyboard | undefined {
  const nonce = incident.decision?.nonce;
  if (nonce === undefined) return undefined;
  const b = telegramText(lang).buttons;
  const row: InlineButton[] = [];
  const ops: ['approve' | 'veto' | 'details', string][] = [
    ['approve', b.approve],
    ['veto', b.veto],
    ['details', b.details],
  ];
  for (const [op, text] of ops) {
    const data = encodeCallbackData({ kind: 'decision', op, incidentId: incident.id, nonce });
    // Without valid data there is no safe button: the operator still has /approve and /veto.
    if (!data.ok) return undefined;
    row.push({ text, callback_data: data.data });
  }
  return [row];
}

// ---------------------------------------------------------------------------------------------
// Notices

function evidenceLine(lang: Language, e: Evidence, tz: string): string {
  const where = e.file ?? e.path;
  const when = e.at !== undefined ? `[${formatInstant(e.at, tz)}] ` : '';
  return `${when}${where ? `${where}: ` : ''}${evidenceIn(lang, e)}`;
}

function evidenceBlocks(lang: Language, evidence: Evidence[], tz: string): Block[] {
  if (evidence.length === 0) return [];
  const t = telegramText(lang);
  // Multi-line evidence (a traceback excerpt) becomes several lines, each cut on its own.
  const lines = evidence.flatMap((e) => evidenceLine(lang, e, tz).split('\n'));
  return [html(`${t.evidence}:`), { kind: 'lines', lines, pre: true, more: (n) => escapeHtml(t.more(n)) }];
}

function ruleLine(lang: Language, ruleId: string, label?: string, severity?: Severity): string {
  const t = telegramText(lang);
  return `${t.rule}: ${code(ruleId)}${label ? ` (${t.label}: ${escapeHtml(clipPlain(label, 100))})` : ''}${severity ? ` [${t.severity[severity]}]` : ''}`;
}

function incidentTitle(title: string, incident: Incident, lang: Language, withSeverity: boolean): string {
  return `${title} ${escapeHtml(incident.id)}${withSeverity ? ` [${telegramText(lang).severity[incident.severity]}]` : ''}`;
}

function incidentAction(incident: Incident, lang: Language): string {
  return incident.plan ? telegramText(lang).action[incident.plan.action] : telegramText(lang).action[incident.action];
}

function deadlineLines(lang: Language, incident: Incident, tz: string): string[] {
  const t = telegramText(lang);
  const d = incident.decision;
  if (!d) return [];
  const lines: string[] = [];
  if (d.policy === 'veto-window') lines.push(t.vetoWindow(formatInstant(d.deadline, tz)));
  else if (d.policy === 'required') lines.push(t.required(formatInstant(d.deadline, tz)));
  else lines.push(t.auto);
  if (d.deferredUntil !== undefined) lines.push(t.deferred(formatInstant(d.deferredUntil, tz)));
  return lines;
}

function planBlocks(lang: Language, incident: Incident): Block[] {
  const t = telegramText(lang);
  const plan = incident.plan;
  if (!plan) return [html(t.noPlan)];
  const blocks: Block[] = [html(t.plan(plan.id, plan.strategy))];
  blocks.push({
    kind: 'lines',
    lines: planSteps(plan, lang).map((s, i) => `${i + 1}. ${s}`),
    pre: true,
    more: (n) => escapeHtml(t.moreSteps(n)),
  });
  if (plan.targetImageId) blocks.push(html(`${t.targetImage}: ${code(plan.targetImageId)}`));
  return blocks;
}

function decisionMessage(lang: Language, incident: Incident, tz: string, title: string, extra: string[]): TelegramMessage {
  const blocks: Block[] = [
    html(`${title} ${escapeHtml(incident.id)}: ${escapeHtml(incidentAction(incident, lang))}`),
    html(ruleLine(lang, incident.ruleId, incident.label, incident.severity)),
    html(field(summaryIn(lang, incident))),
    ...extra.map(html),
    ...planBlocks(lang, incident),
    ...deadlineLines(lang, incident, tz).map(html),
    ...evidenceBlocks(lang, incident.evidence, tz),
  ];
  const keyboard = incident.decision && incident.decision.policy !== 'auto' ? decisionKeyboard(lang, incident) : undefined;
  // Messages with buttons keep room for the footer that replaces the buttons once decided.
  const text = fitBlocks(blocks, keyboard ? MESSAGE_LIMIT - FOOTER_RESERVE : MESSAGE_LIMIT);
  return keyboard ? { html: text, keyboard } : { html: text };
}

function verdictMessage(lang: Language, title: string, verdict: Verdict, tz: string, text: string, extra: string[] = []): TelegramMessage {
  return {
    html: fitBlocks([
      html(title),
      html(ruleLine(lang, verdict.ruleId, verdict.label)),
      html(field(text)),
      ...extra.map(html),
      ...evidenceBlocks(lang, verdict.evidence, tz),
    ]),
  };
}

export interface RenderOptions {
  timeZone: string;
  /** Escalation contacts (runbook §5.2), from `escalation.contacts`. */
  contacts?: {
    l1?: Contact | undefined;
    l2?: Contact | undefined;
    broker?: Contact | undefined;
  };
}
export interface Contact {
  name: string;
  telegram?: string | undefined;
  phone?: string | undefined;
}

function contactText(c: Contact): string {
  return [escapeHtml(clipPlain(c.name, 80)), c.telegram ? escapeHtml(c.telegram) : '', c.phone ? escapeHtml(clipPlain(c.phone, 40)) : '']
    .filter((s) => s !== '')
    .join(' ');
}

/** The message for a notice. Every notice kind renders; buttons only where a decision is pending. */
export function renderTelegramNotice(notice: Notice, lang: Language, options: RenderOptions): TelegramMessage {
  const message = renderNoticeMessage(notice, lang, options);
  if (!notice.late) return message;
  // Notices about lines read late say so first; a message already at the limit keeps its evidence instead.
  const late = `<i>${escapeHtml(seenLateLine(lang))}</i>\n`;
  return late.length + message.html.length <= MESSAGE_LIMIT ? { ...message, html: late + message.html } : message;
}

function renderNoticeMessage(notice: Notice, lang: Language, options: RenderOptions): TelegramMessage {
  const t = telegramText(lang);
  const tz = options.timeZone;
  switch (notice.kind) {
    case 'incident-opened': {
      const i = notice.incident;
      return {
        html: fitBlocks([
          html(incidentTitle(t.opened, i, lang, true)),
          html(ruleLine(lang, i.ruleId, i.label)),
          html(field(summaryIn(lang, i))),
          html(`${t.action_}: ${escapeHtml(t.action[i.action])}`),
          ...(i.decisionOf ? [html(field(sharedDecisionText(lang, i.decisionOf)))] : []),
          ...evidenceBlocks(lang, i.evidence, tz),
        ]),
      };
    }
    case 'incident-resolved': {
      const i = notice.incident;
      const why = notice.why ? [html(field(closedBecauseText(lang, notice.why)))] : [];
      return {
        html: fitBlocks([
          html(incidentTitle(t.resolved, i, lang, false)),
          html(ruleLine(lang, i.ruleId, i.label)),
          html(field(summaryIn(lang, i))),
          ...why,
        ]),
      };
    }
    case 'would-fire':
      return verdictMessage(lang, t.wouldFire, notice.verdict, tz, summaryIn(lang, notice.verdict));
    case 'warning':
      return verdictMessage(lang, t.warning, notice.verdict, tz, warningIn(lang, notice.verdict) ?? summaryIn(lang, notice.verdict));
    case 'inconclusive':
      return verdictMessage(lang, t.inconclusive, notice.verdict, tz, summaryIn(lang, notice.verdict), [
        `${t.since}: ${formatInstant(notice.since, tz)}`,
      ]);
    case 'rule-error':
      return verdictMessage(lang, t.ruleError, notice.verdict, tz, summaryIn(lang, notice.verdict));
    case 'source-error':
      return {
        html: fitBlocks([
          html(t.sourceError(notice.source, notice.count)),
          { kind: 'lines', lines: notice.message.split('\n'), pre: true, more: (n) => escapeHtml(t.more(n)) },
        ]),
      };
    case 'release-unsure':
      return {
        html: fitBlocks([
          html(t.releaseUnsure(notice.release)),
          { kind: 'lines', lines: notice.reasons.map((r) => renderMessage(r, lang)), pre: true, more: (n) => escapeHtml(t.more(n)) },
        ]),
      };
    case 'version-changed':
      return {
        html: fitBlocks([
          html(t.versionChanged(notice.from.version, notice.to.version)),
          { kind: 'lines', lines: versionEvidenceIn(lang, notice.to), pre: true, more: (n) => escapeHtml(t.more(n)) },
        ]),
      };
    case 'decision-requested':
      return decisionMessage(
        lang,
        notice.incident,
        tz,
        notice.again ? t.decisionAgain : t.decisionRequested,
        notice.again ? [t.againNote] : [],
      );
    case 'decision-reminder':
      return decisionMessage(lang, notice.incident, tz, t.reminder, []);
    case 'decision-recorded': {
      const i = notice.incident;
      const head = (title: string) => `${title} ${escapeHtml(i.id)}: ${escapeHtml(incidentAction(i, lang))}`;
      const who = notice.by ? ` — ${whoText(lang, notice.by)}` : '';
      const reason = notice.reason ? [`${t.reason}: ${field(notice.reason)}`] : [];
      switch (notice.decision) {
        case 'approved':
          return { html: [head(t.approved) + who, t.approvedNext].join('\n') };
        case 'vetoed':
          return { html: [head(t.vetoed) + who, ...reason, t.vetoedNext].join('\n') };
        case 'expired':
          return i.decision?.policy === 'veto-window'
            ? { html: [head(t.expiredVeto), t.expiredVetoNext].join('\n') }
            : { html: [head(t.expiredRequired), ...reason, t.expiredRequiredNext].join('\n') };
      }
    }
    case 'decision-refused': {
      const title = `${t.refused}${notice.incidentId ? ` ${escapeHtml(notice.incidentId)}` : ''} — ${whoText(lang, notice.by)}`;
      const lines = [title, `${t.refusedWhy}: ${t.refusedReason[notice.reason]}`];
      const detail = notice.detailMessage ? refusalDetailText(lang, notice.detailMessage) : notice.detail;
      if (detail) lines.push(field(detail));
      return { html: lines.join('\n') };
    }
    case 'escalation': {
      const i = notice.incident;
      const level = notice.level;
      const contact = level === 'L1' ? options.contacts?.l1 : options.contacts?.l2;
      const contactLine = contact ? `${t.contact}: ${contactText(contact)}` : t.noContact(level);
      const broker = level === 'L2' && options.contacts?.broker ? [`${t.broker}: ${contactText(options.contacts.broker)}`] : [];
      return {
        html: fitBlocks([
          html(incidentTitle(t.escalation(level), i, lang, true)),
          html(field(summaryIn(lang, { summary: notice.why, ...(notice.reason ? { message: notice.reason } : {}) }))),
          html(ruleLine(lang, i.ruleId, i.label)),
          html(field(summaryIn(lang, i))),
          html(contactLine),
          ...broker.map(html),
          ...evidenceBlocks(lang, i.evidence, tz),
        ]),
      };
    }
    case 'execution-update':
      return { html: executionText(lang, notice.incident, notice.report, tz) };
    case 'digest':
      return { html: renderDigestHtml(notice.digest, lang, tz) };
  }
}

function executionText(lang: Language, incident: Incident, report: ExecutionReport, tz: string): string {
  const t = telegramText(lang);
  const id = escapeHtml(incident.id);
  switch (report.kind) {
    case 'deferred':
      return `${t.execDeferred} ${id}: ${report.words ? executionWords(lang, report.words) : field(report.reason)}\n${t.retryAt}: ${formatInstant(report.retryAt, tz)}`;
    case 'refused':
      return `${t.execRefused} ${id}: ${field(report.reason)}`;
    case 'started':
      return `${t.execStarted} ${id}: ${escapeHtml(incidentAction(incident, lang))} (${t.planWord} ${code(report.planId)})`;
    case 'step':
      return `${report.ok ? t.stepOk(report.name) : t.stepFailed(report.name)} (${id}): ${field(report.detail)}`;
    case 'finished': {
      const lines = [
        `${report.ok ? t.finishedOk : t.finishedFailed} ${id}: ${report.words ? executionWords(lang, report.words) : field(report.detail)}`,
      ];
      if (report.targetImageId) lines.push(`${t.image}: ${code(report.targetImageId)}`);
      return [...lines, ...stepTimingLines(lang, report.steps, code)].join('\n');
    }
    case 'verified': {
      const lines = [
        `${report.ok ? t.verifiedOk : t.verifiedFailed} ${id}: ${report.words ? executionWords(lang, report.words) : field(report.detail)}`,
      ];
      if (report.preExisting.length > 0) lines.push(`${t.preExisting}: ${field(report.preExisting.join(', '))}`);
      return [...lines, ...stepTimingLines(lang, report.steps, code)].join('\n');
    }
  }
}

/** A report's typed line (HTML), in the operator's language. */
function executionWords(lang: Language, words: ExecutionWords): string {
  const w = telegramText(lang).execWords;
  const prefix = words.afterRestart ? w.afterRestart : '';
  switch (words.key) {
    case 'running-target':
      return prefix + w.runningTarget(words.image);
    case 'checks-pass':
      return prefix + w.checksPass(words.passed, words.total);
    case 'not-target-release':
      return prefix + w.notTargetRelease(words);
    case 'job-running':
      return prefix + w.jobRunning(words.container, words.jobs);
  }
}

// ---------------------------------------------------------------------------------------------
// Footers: what replaces a message's buttons once they are no longer valid

export type FooterKind =
  | { kind: 'approved'; by?: OperatorIdentity }
  | { kind: 'vetoed'; by?: OperatorIdentity }
  | { kind: 'expired' }
  | { kind: 'superseded' }
  | { kind: 'confirmed'; by?: OperatorIdentity }
  | { kind: 'cancelled' }
  | { kind: 'confirm-expired' };

/** One line (HTML, at most FOOTER_RESERVE - 2 characters) appended to a message whose buttons are closed. */
export function footerText(lang: Language, footer: FooterKind): string {
  const f = telegramText(lang).footer;
  let text: string;
  switch (footer.kind) {
    case 'approved':
      text = f.approved(whoText(lang, footer.by));
      break;
    case 'vetoed':
      text = f.vetoed(whoText(lang, footer.by));
      break;
    case 'expired':
      text = f.expired;
      break;
    case 'superseded':
      text = f.superseded;
      break;
    case 'confirmed':
      text = f.confirmed(whoText(lang, footer.by));
      break;
    case 'cancelled':
      text = f.cancelled;
      break;
    case 'confirm-expired':
      text = f.confirmExpired;
      break;
  }
  return `<i>${text}</i>`;
}

// ---------------------------------------------------------------------------------------------
// Details (on demand): everything about one incident, split over as many messages as it needs

const DETAILS_MAX_MESSAGES = 4;

export function renderIncidentDetails(incident: Incident, lang: Language, timeZone: string): string[] {
  const t = telegramText(lang);
  const head = [
    `${t.rule}: ${code(incident.ruleId)}${incident.label ? ` (${t.label}: ${escapeHtml(clipPlain(incident.label, 100))})` : ''} [${t.severity[incident.severity]}]`,
    `${t.detailsPhase}: ${t.phase[incident.phase]}; ${t.detailsOpened}: ${formatInstant(incident.openedAt, timeZone)}`,
    field(summaryIn(lang, incident)),
  ];
  const lines: string[] = [];
  if (incident.plan) {
    lines.push(`${t.planWord} ${incident.plan.id}${incident.plan.strategy ? ` (${incident.plan.strategy})` : ''}:`);
    planSteps(incident.plan, lang).forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
    if (incident.plan.targetImageId) lines.push(`  ${t.targetImage}: ${incident.plan.targetImageId}`);
  }
  lines.push(`${t.evidence}:`);
  for (const e of incident.evidence)
    lines.push(
      ...evidenceLine(lang, e, timeZone)
        .split('\n')
        .map((l) => `  ${l}`),
    );
  lines.push(`${t.detailsHistory}:`);
  for (const h of incident.history) lines.push(`  ${formatInstant(h.at, timeZone)} ${t.phase[h.phase]}: ${h.note}`);

  // Greedy packing into messages; each message is its own balanced <pre>.
  const escaped = lines.map((l) => clipEscaped(l, LINE_CLIP));
  const titleRoom = 80;
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = head.join('\n').length + titleRoom;
  for (const line of escaped) {
    if (size + line.length + 1 > MESSAGE_LIMIT - 11 - 60 && current.length > 0) {
      chunks.push(current);
      current = [];
      size = titleRoom;
    }
    current.push(line);
    size += line.length + 1;
  }
  if (current.length > 0) chunks.push(current);
  let omitted = 0;
  if (chunks.length > DETAILS_MAX_MESSAGES) {
    omitted = chunks.slice(DETAILS_MAX_MESSAGES).reduce((n, c) => n + c.length, 0);
    chunks.length = DETAILS_MAX_MESSAGES;
  }
  return chunks.map((chunk, index) => {
    const parts = [t.details(incident.id, index + 1, chunks.length)];
    if (index === 0) parts.push(...head);
    parts.push(`<pre>${chunk.join('\n')}</pre>`);
    if (omitted > 0 && index === chunks.length - 1) parts.push(escapeHtml(t.detailsOmitted(omitted)));
    return parts.join('\n');
  });
}
