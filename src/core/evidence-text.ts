// The framing words of the evidence the rules show beside a verdict, as typed messages in Korean and
// English: the same scheme as verdict-text.ts. An evidence item keeps its English `text` for the logs,
// the journal and --json; `message` is what the operator reads, in the configured language. Quoted log
// lines, file names, JSON paths, values and instants are data and stay as they are. Pure.
import type { Language } from './text/catalogue.ts';
import type { ContainerStatus, Evidence } from './types.ts';
import type { FailureReason, FileUnavailable } from './verdict-text.ts';
import { evidence as en } from './text/en/evidence.ts';
import { evidence as ko } from './text/ko/evidence.ts';

/** How a run ended, as the last-run note tells it. */
export type RunEndWord = 'finished' | 'failed' | 'open' | 'superseded';

/** Parameters of each evidence note. Durations are milliseconds; instants arrive formatted (they are data). */
export interface EvidenceParams {
  'cron.no-crontab-observed': Record<string, never>;
  /** A crontab line (1-based) and what is said of it: the line itself or why it is not a job. */
  'cron.crontab-line': { line: number; text: string };
  'cron.last-run': { startedAt: string; stamp: string; end: RunEndWord; finishedAt?: string };
  'cron.no-run-seen': { jobId: string };
  'cron.hung-run': { startedAt: string; stamp: string; elapsed: number; max: number };
  'cron.expected-window': { from: string; to: string; expected: string; schedule: string; zone: string };
  'cron.empty-crontab-hint': Record<string, never>;
  'cron.container-down-since': { name: string; status: ContainerStatus; since: string };
  'cron.container-restarted': { name: string; at: string };
  'cron.processes-unseen': { lastLook?: string };
  'cron.still-running': { at: string; commands: string };

  'container.no-observation': Record<string, never>;
  'container.restarts': { count: number; window: number; at: string[] };
  'container.state': {
    name: string;
    status: ContainerStatus;
    image?: string;
    imageId?: string;
    restartCount: number;
    startedAt?: string;
    observedAt: string;
  };

  /** One failure reason of a run (repeated-failures): a traceback's or error line's own words, or a missing finish. */
  'run.failure': { stamp?: string; reason: FailureReason };
  /** A Telegram send that gave up: `text` is the log's own line. */
  'telegram.send-failed': { stamp?: string; text: string };
  'telegram.event-without-success': { stamp?: string; text: string };
  'telegram.report-without-success': { stamp?: string; script: string };
  'telegram.channel-missing': { stamp?: string; marker: string };

  'positions.file-absent': Record<string, never>;
  // Why a change of positions.json is (not yet) explained (positions-change.ts); `what` is `<id>.<field> a → b`.
  'positions.reverted': { seenAt: string };
  'positions.close-explained': { positionId: string; writers: string[] };
  'positions.close-pending': { positionId: string; until: string };
  'positions.close-without-writer': { positionId: string };
  'positions.vanished-unexplained': { positionId: string; window: number };
  'positions.size-explained': { what: string; writers: string[] };
  'positions.size-pending': { what: string; until: string };
  'positions.size-unexplained': { what: string };
  'positions.vanished-open': Record<string, never>;
  'evidence.more': { count: number };

  'fill.unavailable': { unavailable: FileUnavailable };
  'fill.more-violations': { count: number; at: string[] };

  'source.last-error': { error?: string };

  'rule.kept-across-edit': Record<string, never>;
}

export type EvidenceKey = keyof EvidenceParams;

/** An evidence note as evidence carries it (plain data: it survives the checkpoint as JSON). */
export type EvidenceMessage = { [K in EvidenceKey]: { key: K; params: EvidenceParams[K] } }[EvidenceKey];

/** One renderer per note key, for one language (text/ko/evidence.ts, text/en/evidence.ts). */
export type EvidenceText = { [K in EvidenceKey]: (p: EvidenceParams[K]) => string };

/** Built on use: verdict tables render notes through this module while it may still be loading. */
const tables = (): Record<Language, EvidenceText> => ({ ko, en });

/** The evidence note in the given language. */
export function renderEvidence(message: EvidenceMessage, lang: Language): string {
  const render = tables()[lang][message.key] as (p: EvidenceParams[EvidenceKey]) => string;
  return render(message.params);
}

/** An evidence item's `text` (English, for the logs) and `message` from one source: rules spread this in. */
export function note(message: EvidenceMessage): { text: string; message: EvidenceMessage } {
  return { text: renderEvidence(message, 'en'), message };
}

/** What an operator reads of an evidence item. Log lines and JSON values without a note, and evidence in
 *  checkpoints written before notes were typed, have only `text`: that is shown then. */
export function evidenceIn(lang: Language, e: Pick<Evidence, 'text' | 'message'>): string {
  return e.message ? renderEvidence(e.message, lang) : e.text;
}
