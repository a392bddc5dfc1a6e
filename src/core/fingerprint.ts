// Which turtle-trading version is deployed, judged by behaviour (crontab, files, image), never by a
// version string: pyproject says 3.2.0 at both commits and the git tag v3.2.0 points elsewhere.
import type { Job, VersionFingerprint, VersionName } from './types.ts';
import { renderMessage, type VerdictMessage } from './verdict-text.ts';

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

type Vote = { source: 'crontab' | 'files' | 'image'; version: 'v3.2.0' | 'v3.2.1'; reason: VerdictMessage };

/**
 * Fingerprint per the reference table (§7): crontab runs signal_check.py ×2 and the file is present
 * → v3.2.0; crontab runs check_positions.py ×2 and signal_check.py is absent → v3.2.1. A known image
 * ID counts as a third witness. Any disagreement, or a crontab with no corroboration, is `unknown`.
 */
export function fingerprintVersion(input: FingerprintInput): VersionFingerprint {
  const votes: Vote[] = [];
  const notes: VerdictMessage[] = [];

  // Crontab
  if (input.jobs.length === 0) {
    notes.push({ key: 'version.crontab-unread', params: {} });
  } else {
    const signal = input.jobs.filter((j) => j.script === SIGNAL_CHECK).length;
    const check = input.jobs.filter((j) => j.script === CHECK_POSITIONS).length;
    if (signal >= 2 && check === 0)
      votes.push({
        source: 'crontab',
        version: 'v3.2.0',
        reason: { key: 'version.crontab-runs', params: { script: SIGNAL_CHECK, count: signal } },
      });
    else if (check >= 2 && signal === 0)
      votes.push({
        source: 'crontab',
        version: 'v3.2.1',
        reason: { key: 'version.crontab-runs', params: { script: CHECK_POSITIONS, count: check } },
      });
    else notes.push({ key: 'version.crontab-neither', params: { signalCheck: signal, checkPositions: check } });
    const others = [...new Set(input.jobs.flatMap((j) => (j.script && !V32_SCRIPTS.has(j.script) ? [j.script] : [])))];
    if (others.length > 0) notes.push({ key: 'version.crontab-extra', params: { scripts: others.sort() } });
  }

  // Files: only signal_check.py tells the versions apart.
  const signalPaths = Object.keys(input.files).filter((path) => path === SIGNAL_CHECK || path.endsWith(`/${SIGNAL_CHECK}`));
  if (signalPaths.length === 0) {
    notes.push({ key: 'version.file-unchecked', params: { file: SIGNAL_CHECK } });
  } else {
    const present = signalPaths.filter((p) => input.files[p] === true);
    if (present.length > 0)
      votes.push({ source: 'files', version: 'v3.2.0', reason: { key: 'version.file-present', params: { path: present[0]! } } });
    else votes.push({ source: 'files', version: 'v3.2.1', reason: { key: 'version.file-absent', params: { path: signalPaths[0]! } } });
  }

  // Image
  if (input.imageId !== undefined) {
    const known = input.knownImages?.[input.imageId];
    if (known === 'v3.2.0' || known === 'v3.2.1')
      votes.push({
        source: 'image',
        version: known,
        reason: { key: 'version.image-known', params: { image: shortId(input.imageId), version: known } },
      });
    else notes.push({ key: 'version.image-unknown', params: { image: shortId(input.imageId) } });
  }

  const reasons = [...votes.map((v) => v.reason), ...notes];
  const versions = new Set(votes.map((v) => v.version));
  if (versions.size > 1) {
    return told('unknown', [
      { key: 'version.conflict', params: { votes: votes.map((v) => ({ source: v.source, version: v.version })) } },
      ...reasons,
    ]);
  }
  const crontabVote = votes.find((v) => v.source === 'crontab');
  if (!crontabVote) return told('unknown', [{ key: 'version.unidentified', params: {} }, ...reasons]);
  if (votes.length < 2) return told('unknown', [{ key: 'version.uncorroborated', params: { version: crontabVote.version } }, ...reasons]);
  return told(crontabVote.version, reasons);
}

/** English evidence for the logs and the checkpoint, and the same reasons typed for the operator. */
function told(version: VersionName, reasons: VerdictMessage[]): VersionFingerprint {
  return { version, evidence: reasons.map((r) => renderMessage(r, 'en')), reasons };
}

function shortId(imageId: string): string {
  return imageId.replace(/^sha256:/, '').slice(0, 12);
}
