// The English verdict messages: the exact wording the rules always had, so the logs and the journal
// read as before. Typed by VerdictText, so a missing key fails to compile. Pure.
import { formatDuration } from '../../schedule.ts';
import type { FailureReason, TelegramCaseKey, VerdictText } from '../../verdict-text.ts';
import { enUnavailable } from './words.ts';
import { BLOCK_RECORDS_SHOWN } from '../../rollback-target.ts';
import type { UnloadableRecord } from '../../release-records.ts';

const EN_FAILURE: Record<FailureReason['kind'], (text: string) => string> = {
  traceback: (text) => text,
  'error-pattern': (text) => text,
  'missing-finish': () => 'no finish marker before the next start',
  'process-gone': () => 'no finish marker, and its process is gone from the cron container',
  'exit-status': (text) => `supercronic: ${text}`,
};

const EN_TELEGRAM_CASE: Record<TelegramCaseKey, string> = {
  'send-failed': 'a Telegram send failed after all retries (Telegram 오류 (모든 재시도 소진))',
  'event-without-success': 'an event that always notifies was logged without any Telegram 전송 성공',
  'report-without-success': 'the job that always sends ended without Telegram 전송 성공',
  'channel-not-configured':
    'channel not configured: the run did not log its channel-activation line (a configuration fault a rollback cannot cure)',
};

const enCases = (cases: TelegramCaseKey[]) => cases.map((c) => `${c}: ${EN_TELEGRAM_CASE[c]}`).join('; ');

const d = formatDuration;

/** The records a blocked rollback's target cannot load, the first few by name. */
function blockRecords(records: UnloadableRecord[]): string {
  const shown = records.slice(0, BLOCK_RECORDS_SHOWN).map((r) => {
    const parts = [
      r.unknown.length > 0 ? `unknown ${r.unknown.join(', ')}` : undefined,
      r.missing.length > 0 ? `missing ${r.missing.join(', ')}` : undefined,
    ].filter((x) => x !== undefined);
    return `${r.file} ${r.record}: ${parts.join(', ')}`;
  });
  const more = records.length > BLOCK_RECORDS_SHOWN ? [`and ${records.length - BLOCK_RECORDS_SHOWN} more records`] : [];
  return [...shown, ...more].join('; ');
}

/** What each guard of the guarded system means when it trips: by design, not a fault. */
const EN_GUARD: Record<'kill-switch' | 'cost-budget' | 'trading-guard', string> = {
  'kill-switch': 'kill switch on: new entries blocked — by design, not a fault',
  'cost-budget': 'cost budget tripped: the cost guard stops trading — by design, not a fault',
  'trading-guard': 'trading guard tripped — by design, not a fault',
};

export const verdicts: VerdictText = {
  'container.unobserved': (p) => `${p.name} has not been observed yet`,
  'container.missing': (p) => `${p.name} does not exist (for ${d(p.downFor)})`,
  'container.not-running': (p) => `${p.name} is ${p.status}, not running, for ${d(p.downFor)} (limit ${d(p.limit)})`,
  'container.restart-loop': (p) => `${p.name} restarted ${p.restarts} times in ${d(p.window)} (limit ${p.limit})`,
  'container.down-within': (p) => `${p.name} is ${p.status} for ${d(p.downFor)}, within ${d(p.allowance)}`,
  'container.unhealthy': (p) => `${p.name} is running but Docker reports it unhealthy (its healthcheck failed)`,
  'container.running': (p) => `${p.name} is running`,

  'cron.no-crontab': () => 'the deployed crontab has not been read yet, so no run can be expected',
  'cron.schedule-broken': (p) => `${p.jobId}: its schedule cannot be computed (${p.problem})`,
  'cron.no-job-lines': (p) =>
    `${p.source === 'file' ? 'the configured crontab file' : "the cron container's crontab"} has no job lines, so no scheduled run can be expected or checked${p.unreadable > 0 ? ` (${p.unreadable} line(s) could not be read as jobs)` : ''}`,
  'cron.hung': (p) => `${p.jobId}: the run started ${p.startedAt} has not finished after ${d(p.elapsed)} (max ${d(p.max)})`,
  'cron.nothing-due': (p) => `${p.jobId}: no scheduled run due since watching began${p.next !== undefined ? `; next at ${p.next}` : ''}`,
  'cron.on-time': (p) => `${p.jobId}: the run scheduled at ${p.expected} started ${p.startedAt}`,
  'cron.late': (p) => `${p.jobId}: the run scheduled at ${p.expected} started late, at ${p.startedAt}`,
  'cron.late-warning': (p) => `started ${d(p.lateBy)} after its scheduled time (grace ${d(p.grace)})`,
  'cron.cron-down': (p) =>
    `${p.jobId}: no run for ${p.expected}; the cron container ${p.container} was not running (${p.restartedAt !== undefined ? `started only at ${p.restartedAt}` : p.status})`,
  'cron.missed': (p) => `${p.jobId}: no run started within ${d(p.grace)} of its scheduled time ${p.expected}`,

  'fill.cannot-check': (p) => `${p.check} cannot be checked: ${p.unavailable.map(enUnavailable).join('; ')}`,
  'fill.clean': (p) => `${p.check}: no violation in ${p.files.join(' + ')}`,
  'fill.violations': (p) => `${p.check}: ${p.count} violation${p.count > 1 ? 's' : ''}: ${p.first}`,

  'positions.unread': () => 'positions.json has not been read yet',
  'positions.absent': () => 'positions.json does not exist; the guarded system creates [] on its next run, nothing to judge until then',
  'positions.loads': (p) => `positions.json parses and every record loads in ${p.release ?? 'v3.2.x'}`,
  'positions.corrupt': (p) => `positions.json is corrupt: ${p.path}: ${p.problem}${p.more > 0 ? ` (+${p.more} more)` : ''}`,
  'positions.no-heal': () => 'no silent restore (JSON 파일 손상 / 백업에서 복원) in the logs of the last 24 h',
  'positions.healed': (p) => `the guarded system found a corrupt JSON file and silently restored it from a backup (${p.file}: ${p.line})`,
  'positions.change-unexpected': (p) => `positions.json changed unexpectedly: ${p.reasons.join('; ')}`,
  'positions.change-pending': (p) => `positions.json changed; not judged yet: ${p.reasons.join('; ')}`,
  'positions.change-explained': (p) => `positions.json change explained: ${p.reasons.join('; ')}`,

  'failures.no-runs': (p) => `${p.jobId}: no runs seen yet`,
  'failures.last-ok': (p) => `${p.jobId}: last run succeeded`,
  'failures.streak': (p) =>
    `${p.jobId}: ${p.count} consecutive failed runs with no successful run between them (threshold ${p.threshold}); latest: ${EN_FAILURE[p.latest.kind](p.latest.text)}`,
  'failures.below': (p) => `${p.jobId}: ${p.count} failed run(s), below the threshold of ${p.threshold}`,
  'failures.below-warning': (p) =>
    `${p.jobId}: ${p.count === 1 ? 'the last run failed' : `the last ${p.count} runs failed`} (${EN_FAILURE[p.latest.kind](p.latest.text)}); ${p.threshold} consecutive failures fire the rule`,

  'guard.tripped': (p) => `${EN_GUARD[p.guard]}; a rollback cures nothing (${p.jobId}: ${p.line})`,
  'guard.quiet': (p) => `${p.guard}: no guard line in the logs of the last 24 h`,
  'guard.kill-switch-unsaved': (p) =>
    `the kill switch tried to turn on and crashed saving config/system_status.yaml (${p.error}): the image lets uid 1000 write only /app/data and /app/logs. A guard tripped, not a fault of the release: a rollback to a release without the guard would only hide it (${p.jobId})`,
  'source.failing': (p) => `${p.source} could not be read ${p.count} times in a row: ${p.error ?? 'unknown error'}`,
  'source.ok': (p) => `${p.source} is readable`,

  'telegram.no-runs': (p) => `${p.jobId}: no finished runs yet`,
  'telegram.ok': (p) => `${p.jobId}: no missing Telegram alert in the recent runs`,
  'telegram.streak': (p) =>
    `${p.jobId}: Telegram alert missing in ${p.count} consecutive runs (threshold ${p.threshold}) — ${enCases(p.cases)}`,
  'telegram.below': (p) => `${p.jobId}: Telegram alert missing in ${p.count} run(s), below the threshold of ${p.threshold}`,
  'telegram.below-warning': (p) =>
    `${p.jobId}: Telegram alert missing in the last ${p.count === 1 ? 'run' : `${p.count} runs`} — ${enCases(p.cases)}`,

  'rule.crashed': (p) => `rule ${p.ruleId} could not be evaluated: ${p.error}`,
  'manual.requested': (p) => `${p.action} asked by an operator`,

  'version.nothing-observed': () => 'nothing observed yet',
  'version.crontab-unread': () => 'crontab not read (or it has no jobs)',
  'version.crontab-runs': (p) => `crontab runs ${p.script} ×${p.count}`,
  'version.crontab-neither': (p) =>
    `crontab runs signal_check.py ×${p.signalCheck} and check_positions.py ×${p.checkPositions}: matches neither version`,
  'version.crontab-extra': (p) => `crontab also runs scripts no v3.2.x crontab has: ${p.scripts.join(', ')}`,
  'version.file-unchecked': (p) => `presence of ${p.file} not checked`,
  'version.file-present': (p) => `${p.path} present`,
  'version.file-absent': (p) => `${p.path} absent`,
  'version.image-known': (p) => `image ${p.image} is known as ${p.version}`,
  'version.image-unknown': (p) => `image ${p.image} is not a known version`,
  'version.conflict': (p) => `conflicting evidence: ${p.votes.map((v) => `${v.source} says ${v.version}`).join(', ')}`,
  'version.unidentified': () => 'the crontab does not identify a version',
  'version.uncorroborated': (p) => `only the crontab says ${p.version}; nothing corroborates it`,

  'release.exact': (p) => `the cron container matches ${p.release}: all ${p.files} catalogued files, the cron runner and the user`,
  'release.alike': (p) => `${p.alike.join(', ')} are identical in every catalogued file; the newest, ${p.release}, is assumed`,
  'release.closest': (p) => `no catalogued release matches exactly; the closest is ${p.release} (${p.matched} of ${p.total} files match)`,
  'release.file-differs': (p) => `${p.path} differs: ${p.expected} expected, ${p.seen} found`,
  'release.file-missing': (p) => `${p.path} not found in the container (${p.expected} expected)`,
  'release.runner-differs': (p) => `cron runner ${p.seen}, ${p.expected} expected`,
  'release.user-differs': (p) => `runs as ${p.seen}, ${p.expected} expected`,
  'release.pinned': (p) => `deployment.release in sentinel.yaml names ${p.release}`,
  'release.pin-unknown': (p) => `deployment.release names ${p.release}, which the catalogue does not know: ignored`,
  'release.unconfirmed': (p) =>
    `rules that depend on the release run as dry-run until ${p.release} is confirmed (/arm, or deployment.release: ${p.release} in sentinel.yaml)`,
  'release.confirmed': (p) => `${p.release} confirmed by the operator`,
  'release.unrecognised': (p) => `the release running in ${p.container} could not be recognised`,

  'escalation.no-decision': () => 'no decision before the deadline',
  'escalation.manual-check': () => 'still firing after the manual-check window',
  'escalation.firing': (p) => p.summary,
  'escalation.no-plan': (p) => `no ${p.action} plan can be made: ${p.reason}`,
  'escalation.blocked': (p) =>
    `rollback blocked: the target ${p.target} (${p.targetCommit}) cannot load the current state files${p.from ? ` written by ${p.from}` : ''}: ${blockRecords(p.records)}. Nothing was stopped, backed up or recreated; a person must decide`,
  'escalation.refused': (p) => `${p.action} refused: ${p.reason}`,
  'escalation.failed': (p) => `${p.action} failed: ${p.detail}`,
  'escalation.halted': (p) => `trading halted (cron container stopped): ${p.summary}`,
  'escalation.verify-failed': (p) => `rollback verification failed: ${p.detail}`,
  'escalation.not-target-release': (p) =>
    `not rolled back: image ${p.image} (the backup tag) is not ${p.release}, so nothing was started on it; ${p.restored ? 'the original containers run again' : 'restoring the original containers is INCOMPLETE: check them now'}. Tag the image of ${p.release} as the backup tag, or set up rollback.git so that the target's commit is built`,
  'escalation.persists': () => 'the fault persists after the rollback',
};
