// What a rule says to the operator, as a typed message rendered in Korean or English. A verdict carries
// the message (key + parameters) beside its English `summary`: the summary stays for the JSON logs and
// the journal, the message is what every operator-facing renderer shows, in the configured language.
// A catalogue lacking a key, or reading a parameter the key does not have, fails to compile. Pure.
import type { Language } from './text/catalogue.ts';
import type { ContainerStatus } from './types.ts';
import type { EvidenceMessage } from './evidence-text.ts';
import type { PlanBlock } from './rollback-target.ts';
import { verdicts as en } from './text/en/verdicts.ts';
import { verdicts as ko } from './text/ko/verdicts.ts';

/** Why a run counts as failed (repeated-failures): the kind decides the wording, `text` is the log's own words. */
export interface FailureReason {
  kind: 'traceback' | 'error-pattern' | 'missing-finish' | 'process-gone' | 'exit-status';
  text: string;
}

/** Telegram delivery cases (telegram-delivery), mirrored here so that the catalogue owns their wording. */
export type TelegramCaseKey = 'send-failed' | 'event-without-success' | 'report-without-success' | 'channel-not-configured';

/** Why a JSON state file cannot be checked (fill-integrity). */
export type FileUnavailable =
  { file: string; state: 'unread' } | { file: string; state: 'absent' } | { file: string; state: 'corrupt'; path: string; detail: string };

/** Parameters of each message. Durations are milliseconds; instants arrive formatted (they are data). */
export interface MessageParams {
  'container.unobserved': { name: string };
  'container.missing': { name: string; downFor: number };
  'container.not-running': { name: string; status: ContainerStatus; downFor: number; limit: number };
  'container.restart-loop': { name: string; restarts: number; window: number; limit: number };
  'container.down-within': { name: string; status: ContainerStatus; downFor: number; allowance: number };
  'container.running': { name: string };
  'container.unhealthy': { name: string };

  'cron.no-crontab': Record<string, never>;
  'cron.no-job-lines': { source: 'container' | 'file'; unreadable: number };
  'cron.schedule-broken': { jobId: string; problem: string };
  'cron.hung': { jobId: string; startedAt: string; elapsed: number; max: number };
  'cron.nothing-due': { jobId: string; next?: string };
  'cron.on-time': { jobId: string; expected: string; startedAt: string };
  'cron.late': { jobId: string; expected: string; startedAt: string };
  'cron.late-warning': { lateBy: number; grace: number };
  'cron.cron-down': { jobId: string; expected: string; container: string; status: ContainerStatus; restartedAt?: string };
  'cron.missed': { jobId: string; expected: string; grace: number };

  'fill.cannot-check': { check: string; unavailable: FileUnavailable[] };
  'fill.clean': { check: string; files: string[] };
  'fill.violations': { check: string; count: number; first: string };

  'positions.unread': Record<string, never>;
  'positions.absent': Record<string, never>;
  /** `release`: the running release the records were judged by (absent: v3.2.x's keys). */
  'positions.loads': { release?: string };
  'positions.corrupt': { path: string; problem: string; more: number };
  'positions.no-heal': Record<string, never>;
  'positions.healed': { file: string; line: string };
  /** `reasons` in English; `notes` the same reasons typed (absent in older checkpoints: then `reasons` is shown). */
  'positions.change-unexpected': { reasons: string[]; notes?: EvidenceMessage[] };
  'positions.change-pending': { reasons: string[]; notes?: EvidenceMessage[] };
  'positions.change-explained': { reasons: string[]; notes?: EvidenceMessage[] };

  'failures.no-runs': { jobId: string };
  'failures.last-ok': { jobId: string };
  'failures.streak': { jobId: string; count: number; threshold: number; latest: FailureReason };
  'failures.below': { jobId: string; count: number; threshold: number };
  'failures.below-warning': { jobId: string; count: number; threshold: number; latest: FailureReason };

  /** A guard of the guarded system tripped (catalogue `guardLines`): `line` is the log's own words. */
  'guard.tripped': { guard: 'kill-switch' | 'cost-budget' | 'trading-guard'; jobId: string; line: string };
  'guard.quiet': { guard: 'kill-switch' | 'cost-budget' | 'trading-guard' };
  /** Turning the kill switch on crashed (PermissionError saving config/system_status.yaml as uid 1000). */
  'guard.kill-switch-unsaved': { jobId: string; error: string };

  'source.failing': { source: string; count: number; error?: string };
  'source.ok': { source: string };

  'telegram.no-runs': { jobId: string };
  'telegram.ok': { jobId: string };
  'telegram.streak': { jobId: string; count: number; threshold: number; cases: TelegramCaseKey[] };
  'telegram.below': { jobId: string; count: number; threshold: number };
  'telegram.below-warning': { jobId: string; count: number; cases: TelegramCaseKey[] };

  'rule.crashed': { ruleId: string; error: string };
  'manual.requested': { action: 'rollback' | 'halt' | 'resume' };

  // Why the deployed version is what the sidecar says (fingerprint.ts): one message per reason.
  'version.nothing-observed': Record<string, never>;
  'version.crontab-unread': Record<string, never>;
  'version.crontab-runs': { script: string; count: number };
  'version.crontab-neither': { signalCheck: number; checkPositions: number };
  'version.crontab-extra': { scripts: string[] };
  'version.file-unchecked': { file: string };
  'version.file-present': { path: string };
  'version.file-absent': { path: string };
  'version.image-known': { image: string; version: string };
  'version.image-unknown': { image: string };
  'version.conflict': { votes: { source: string; version: string }[] };
  'version.unidentified': Record<string, never>;
  'version.uncorroborated': { version: string };

  // Which catalogued release runs, and why the sidecar thinks so (release-recognition.ts).
  'release.exact': { release: string; files: number };
  'release.alike': { release: string; alike: string[] };
  'release.closest': { release: string; matched: number; total: number };
  'release.file-differs': { path: string; expected: string; seen: string };
  'release.file-missing': { path: string; expected: string };
  'release.runner-differs': { expected: string; seen: string };
  'release.user-differs': { expected: string; seen: string };
  'release.pinned': { release: string };
  'release.pin-unknown': { release: string };
  'release.unconfirmed': { release: string };
  'release.confirmed': { release: string };
  'release.unrecognised': { container: string };

  // Why an incident is escalated to a person (runbook §5): the escalation notice's first line.
  'escalation.no-decision': Record<string, never>;
  'escalation.manual-check': Record<string, never>;
  /** The incident's own summary is the reason (a notify/escalate rule still firing). */
  'escalation.firing': { summary: string; message?: VerdictMessage };
  'escalation.no-plan': { action: string; reason: string };
  /** The rollback target cannot load the current state files (rollback-target.ts): the plan is blocked. */
  'escalation.blocked': PlanBlock;
  'escalation.refused': { action: string; reason: string };
  'escalation.failed': { action: string; detail: string };
  'escalation.halted': { summary: string; message?: VerdictMessage };
  'escalation.verify-failed': { detail: string };
  'escalation.not-target-release': { release: string; image: string; restored: boolean };
  'escalation.persists': Record<string, never>;
}

export type MessageKey = keyof MessageParams;

/** A message as verdicts and incidents carry it (plain data: it survives the checkpoint as JSON). */
export type VerdictMessage = { [K in MessageKey]: { key: K; params: MessageParams[K] } }[MessageKey];

/** One renderer per message key, for one language (text/ko/verdicts.ts, text/en/verdicts.ts). */
export type VerdictText = { [K in MessageKey]: (p: MessageParams[K]) => string };

/** Built on use: the tables render nested messages through this module, so they import it back. */
const tables = (): Record<Language, VerdictText> => ({ ko, en });

/** The message in the given language. */
export function renderMessage(message: VerdictMessage, lang: Language): string {
  const render = tables()[lang][message.key] as (p: MessageParams[MessageKey]) => string;
  return render(message.params);
}

/** A verdict's `summary` (English, for the logs) and `message` from one source: rules spread this in. */
export function say(message: VerdictMessage): { summary: string; message: VerdictMessage } {
  return { summary: renderMessage(message, 'en'), message };
}

/** Same for a pass-with-warning: `warning` (English) and `warningMessage`. */
export function warn(message: VerdictMessage): { warning: string; warningMessage: VerdictMessage } {
  return { warning: renderMessage(message, 'en'), warningMessage: message };
}

/** What an operator reads as the one-line summary of a verdict or an incident. Checkpoints written
 *  before messages existed have only the English summary: that is shown then. */
export function summaryIn(lang: Language, x: { summary: string; message?: VerdictMessage }): string {
  return x.message ? renderMessage(x.message, lang) : x.summary;
}

/** The reasons behind a version fingerprint in the given language (older checkpoints: the English evidence). */
export function versionEvidenceIn(lang: Language, fp: { evidence: string[]; reasons?: VerdictMessage[] }): string[] {
  return fp.reasons ? fp.reasons.map((r) => renderMessage(r, lang)) : fp.evidence;
}

/** A verdict's warning in the given language (undefined when it has none). */
export function warningIn(lang: Language, v: { warning?: string; warningMessage?: VerdictMessage }): string | undefined {
  if (v.warningMessage) return renderMessage(v.warningMessage, lang);
  return v.warning;
}
