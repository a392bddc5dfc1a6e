// The English evidence notes: the exact wording the rules always had, so the logs and the journal read
// as before. Typed by EvidenceText. Pure.
import { formatDuration } from '../../schedule.ts';
import type { EvidenceText, RunEndWord } from '../../evidence-text.ts';
import { enUnavailable } from './words.ts';

const d = formatDuration;

const enRun = (stamp: string | undefined) => (stamp ? `run started ${stamp}` : 'crash before the start marker');
const EN_END: Record<RunEndWord, (finishedAt?: string) => string> = {
  finished: (at) => (at !== undefined ? `finished ${at}` : 'finished'),
  failed: () => 'failed',
  open: () => 'not finished yet',
  superseded: () => 'never finished (a later run started)',
};

export const evidence: EvidenceText = {
  'cron.no-crontab-observed': () => 'no crontab observed from the cron container or the fallback file',
  'cron.crontab-line': (p) => `crontab line ${p.line}: ${p.text}`,
  'cron.last-run': (p) => `last run seen: started ${p.startedAt} (log stamp "${p.stamp}"), ${EN_END[p.end](p.finishedAt)}`,
  'cron.no-run-seen': (p) => `no run of ${p.jobId} seen since the sidecar started watching`,
  'cron.hung-run': (p) =>
    `run started ${p.startedAt} (log stamp "${p.stamp}"), no finish marker and no traceback after ${d(p.elapsed)} (max ${d(p.max)})`,
  'cron.expected-window': (p) =>
    `expected a start between ${p.from} and ${p.to} for the run scheduled at ${p.expected} (${p.schedule}, ${p.zone})`,
  'cron.empty-crontab-hint': () =>
    'an empty crontab, one with only comments or variables, or a file that is not a crontab: check the cron container (crontab -l) or deployment.crontab in the config',
  'cron.container-down-since': (p) => `${p.name} ${p.status} since ${p.since}`,
  'cron.container-restarted': (p) => `${p.name} (re)started at ${p.at}, after the scheduled time`,
  'cron.processes-unseen': (p) =>
    `the cron container's processes cannot be seen (${p.lastLook !== undefined ? `the last look was at ${p.lastLook}` : 'no look so far'}): judged by the log alone`,
  'cron.still-running': (p) => `still running at ${p.at}: ${p.commands}`,

  'container.no-observation': () => 'no inspect result and no event for this container so far',
  'container.restarts': (p) => `${p.count} restart(s) in the last ${d(p.window)}: ${p.at.join(', ')}`,
  'container.state': (p) =>
    `${p.name}: ${p.status}${p.image !== undefined ? `, image ${p.image}` : ''}${p.imageId !== undefined ? ` (${p.imageId})` : ''}, restart count ${p.restartCount}${p.startedAt !== undefined ? `, started ${p.startedAt}` : ''}, observed ${p.observedAt}`,

  'run.failure': (p) => `${enRun(p.stamp)}: ${p.reason.text}`,
  'telegram.send-failed': (p) => `${enRun(p.stamp)}: ${p.text}`,
  'telegram.event-without-success': (p) => `${enRun(p.stamp)}: ${p.text} (no Telegram 전송 성공 in the run)`,
  'telegram.report-without-success': (p) => `${enRun(p.stamp)}: no Telegram 전송 성공 line (${p.script} always sends)`,
  'telegram.channel-missing': (p) => `${enRun(p.stamp)}: no '${p.marker}' line`,

  'positions.file-absent': () => 'file absent',
  'positions.reverted': (p) => `the file went back to a version already seen at ${p.seenAt} (a restore from an older copy)`,
  'positions.close-explained': (p) => `${p.positionId} closed: 포지션 청산 logged by the run of ${p.writers.join(', ')}`,
  'positions.close-pending': (p) => `${p.positionId} is no longer open; waiting until ${p.until} for its 포지션 청산 line and a writer run`,
  'positions.close-without-writer': (p) =>
    `${p.positionId} is no longer open and 포지션 청산 was logged, but no job allowed to write positions.json had a run at the time`,
  'positions.vanished-unexplained': (p) =>
    `open position ${p.positionId} vanished or turned closed with no "포지션 청산: ${p.positionId}" line within ${p.window % 60_000 === 0 ? `${p.window / 60_000} min` : `${Math.round(p.window / 1000)} s`}`,
  'positions.size-explained': (p) => `${p.what} during a run of ${p.writers.join(', ')}`,
  'positions.size-pending': (p) => `${p.what}; waiting until ${p.until} for a writer run to show up in the logs`,
  'positions.size-unexplained': (p) => `${p.what} outside any run of a job allowed to write positions.json (nobody changes sizes in code)`,
  'positions.vanished-open': () => 'open before, not open now',
  'evidence.more': (p) => `… and ${p.count} more`,

  'fill.unavailable': (p) => enUnavailable(p.unavailable),
  'fill.more-violations': (p) => `… and ${p.count} more violations at ${p.at.join(', ')}`,

  'source.last-error': (p) => `last error: ${p.error ?? 'unknown'}`,

  'rule.kept-across-edit': () =>
    'judged by the rule as it was when it fired: the edited rule passes this cause, and an edit does not close an incident',
};
