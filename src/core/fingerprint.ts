// Which turtle-trading version is deployed, judged by behaviour (crontab, files, image), never by a
// version string: pyproject says 3.2.0 at both commits and the git tag v3.2.0 points elsewhere.
import type { Job, VersionFingerprint, VersionName } from './types.ts';

export interface FingerprintInput {
  /** Jobs of the deployed crontab; empty when it has not been read. */
  jobs: Job[];
  /** Container paths checked for presence (`/app/scripts/signal_check.py` → false when absent). */
  files: Record<string, boolean>;
  /** Image ID the cron container runs (`sha256:…`). */
  imageId?: string;
  /** Image IDs whose version the operator or a past verification established. */
  knownImages?: Record<string, VersionName>;
}

/** The script that exists only up to v3.2.0 (deleted in ace20b7). */
const SIGNAL_CHECK = 'signal_check.py';
/** The script v3.2.1 schedules twice (it exists at v3.2.0 too, unscheduled, so its file proves nothing). */
const CHECK_POSITIONS = 'check_positions.py';
/** Scripts either v3.2.x crontab runs; anything else is mentioned so an operator sees a newer crontab. */
const V32_SCRIPTS = new Set([SIGNAL_CHECK, CHECK_POSITIONS, 'daily_report.py']);

type Vote = { source: 'crontab' | 'files' | 'image'; version: 'v3.2.0' | 'v3.2.1'; reason: string };

/**
 * Fingerprint per the reference table (§7): crontab runs signal_check.py ×2 and the file is present
 * → v3.2.0; crontab runs check_positions.py ×2 and signal_check.py is absent → v3.2.1. A known image
 * ID counts as a third witness. Any disagreement, or a crontab with no corroboration, is `unknown`.
 */
export function fingerprintVersion(input: FingerprintInput): VersionFingerprint {
  const votes: Vote[] = [];
  const notes: string[] = [];

  // Crontab
  if (input.jobs.length === 0) {
    notes.push('crontab not read (or it has no jobs)');
  } else {
    const signal = input.jobs.filter((j) => j.script === SIGNAL_CHECK).length;
    const check = input.jobs.filter((j) => j.script === CHECK_POSITIONS).length;
    if (signal >= 2 && check === 0) votes.push({ source: 'crontab', version: 'v3.2.0', reason: `crontab runs ${SIGNAL_CHECK} ×${signal}` });
    else if (check >= 2 && signal === 0) votes.push({ source: 'crontab', version: 'v3.2.1', reason: `crontab runs ${CHECK_POSITIONS} ×${check}` });
    else notes.push(`crontab runs ${SIGNAL_CHECK} ×${signal} and ${CHECK_POSITIONS} ×${check}: matches neither version`);
    const others = [...new Set(input.jobs.flatMap((j) => (j.script && !V32_SCRIPTS.has(j.script) ? [j.script] : [])))];
    if (others.length > 0) notes.push(`crontab also runs scripts no v3.2.x crontab has: ${others.sort().join(', ')}`);
  }

  // Files: only signal_check.py tells the versions apart.
  const signalPaths = Object.keys(input.files).filter((path) => path === SIGNAL_CHECK || path.endsWith(`/${SIGNAL_CHECK}`));
  if (signalPaths.length === 0) {
    notes.push(`presence of ${SIGNAL_CHECK} not checked`);
  } else {
    const present = signalPaths.filter((p) => input.files[p] === true);
    if (present.length > 0) votes.push({ source: 'files', version: 'v3.2.0', reason: `${present[0]} present` });
    else votes.push({ source: 'files', version: 'v3.2.1', reason: `${signalPaths[0]} absent` });
  }

  // Image
  if (input.imageId !== undefined) {
    const known = input.knownImages?.[input.imageId];
    if (known === 'v3.2.0' || known === 'v3.2.1') votes.push({ source: 'image', version: known, reason: `image ${shortId(input.imageId)} is known as ${known}` });
    else notes.push(`image ${shortId(input.imageId)} is not a known version`);
  }

  const reasons = [...votes.map((v) => v.reason), ...notes];
  const versions = new Set(votes.map((v) => v.version));
  if (versions.size > 1) {
    return { version: 'unknown', evidence: [`conflicting evidence: ${votes.map((v) => `${v.source} says ${v.version}`).join(', ')}`, ...reasons] };
  }
  const crontabVote = votes.find((v) => v.source === 'crontab');
  if (!crontabVote) return { version: 'unknown', evidence: ['the crontab does not identify a version', ...reasons] };
  if (votes.length < 2) return { version: 'unknown', evidence: [`only the crontab says ${crontabVote.version}; nothing corroborates it`, ...reasons] };
  return { version: crontabVote.version, evidence: reasons };
}

function shortId(imageId: string): string {
  return imageId.replace(/^sha256:/, '').slice(0, 12);
}
