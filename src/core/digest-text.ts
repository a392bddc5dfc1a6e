// The daily digest in words: Telegram HTML, and the same text without tags for the console. One
// rendering for both media, so the two never say different things. Pure.
import { DIGEST_LATE_AFTER_MS, isQuiet, type Digest } from './digest.ts';
import { formatInstant } from './messages.ts';
import { code, escapeHtml, field, fitBlocks, html, htmlToPlain, type Block } from './telegram-html.ts';
import { phaseWord, severityWord } from './telegram-text.ts';
import { digestText, statusText, type Language } from './text/catalogue.ts';
import { summaryIn } from './verdict-text.ts';

/** The digest as one Telegram HTML message (within Telegram's limit: long lists are cut with "+N more"). */
export function renderDigestHtml(digest: Digest, lang: Language, timeZone: string): string {
  const t = digestText(lang);
  const s = statusText(lang);
  const at = (instant: number) => escapeHtml(formatInstant(instant, timeZone));
  const more = (n: number) => escapeHtml(t.more(n));
  const lines = (list: string[]): Block => ({ kind: 'lines', lines: list, pre: false, more, isHtml: true });
  const failed = digest.runs.reduce((n, r) => n + r.failed, 0);
  const total = digest.runs.reduce((n, r) => n + r.runs, 0);
  const release = digest.release
    ? `${t.release}: ${escapeHtml(digest.release.name)}${digest.release.closest ? s.releaseClosest(digest.release.confirmed) : ''}`
    : `${t.version}: ${escapeHtml(digest.version)}`;
  const blocks: Block[] = [
    html(t.title(at(digest.scheduledFor))),
    ...(digest.composedAt - digest.scheduledFor > DIGEST_LATE_AFTER_MS ? [html(`<i>${t.late(at(digest.scheduledFor))}</i>`)] : []),
    html(isQuiet(digest) ? t.allQuiet : t.notQuiet(digest.open.length, digest.failingSources.length)),
    html(t.runsChecked(total, failed, at(digest.since), digest.sinceWatchStart)),
    ...(digest.runs.length > 0 ? [lines(digest.runs.map((r) => t.jobRuns(code(r.jobId), r.runs, r.failed)))] : []),
  ];
  if (digest.open.length > 0) {
    blocks.push(
      html(t.openIncidents),
      lines(
        digest.open.map(
          (i) =>
            `• ${escapeHtml(i.id)} [${severityWord(lang, i.severity)}] ${phaseWord(lang, i.phase)} — ${code(i.ruleId)}: ${field(summaryIn(lang, i))}`,
        ),
      ),
    );
  }
  if (digest.failingSources.length > 0) {
    blocks.push(
      html(t.failingSources),
      lines(digest.failingSources.map((f) => t.sourceLine(code(f.source), field(f.error), f.consecutiveErrors))),
    );
  }
  blocks.push(
    html(t.nextRuns),
    digest.jobs === 0 ? html(t.noJobs) : lines(digest.nextRuns.map((r) => `• ${code(r.jobId)} ${at(r.at)}`)),
    html(`${release} · ${s.armed}: ${digest.armed ? s.armedYes : s.armedNo}`),
  );
  return fitBlocks(blocks);
}

/** The digest for the console: the same words, without markup. */
export function renderDigestPlain(digest: Digest, lang: Language, timeZone: string): string {
  return htmlToPlain(renderDigestHtml(digest, lang, timeZone));
}
