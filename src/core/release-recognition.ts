// Which catalogued release runs in the cron container, judged by content (git blob ids of files in the
// image), the cron runner and the user: never by a version string (pyproject says 3.2.0 at two
// different commits, and the tag v3.2.0 points at v3.2.1's code). Pure: the runtime gathers the
// CronInspection (runtime/cron-inspection.ts), the catalogue arrives as data.
import type { Release } from '../config/catalogue-schema.ts';
import type { CronInspection } from './cron-inspection.ts';
import type { ReleaseInForce } from './types.ts';
import type { VerdictMessage } from './verdict-text.ts';

export interface ReleaseRecognition {
  release: Release;
  /** `exact`: every recognition file, the runner and the user agree; `closest`: the best partial match. */
  certainty: 'exact' | 'closest';
  /** Older releases identical to the chosen one in everything recognition compares (v3.4.0…v3.4.2). */
  alike: string[];
  /** Why, as typed messages (the first says exact or closest), for the operator and `doctor`. */
  reasons: VerdictMessage[];
}

/** Every container path some release is recognised by: what inspectCron must hash. */
export function recognitionPaths(releases: readonly Release[]): string[] {
  return [...new Set(releases.flatMap((r) => Object.keys(r.recognition.files)))].sort();
}

/** The cron runner the inspection shows: the schedule came from `crontab -l`, or the command runs supercronic or cron. */
export function runnerOf(inspection: CronInspection): Release['recognition']['runner'] | 'unknown' {
  const words = [...inspection.entrypoint, ...inspection.command].flatMap((a) => a.split(/\s+/));
  if (words.some((w) => w === 'supercronic' || w.endsWith('/supercronic'))) return 'supercronic';
  if (inspection.crontab?.kind === 'crontab-command') return 'debian-cron';
  if (words.some((w) => w === 'cron' || w.endsWith('/cron'))) return 'debian-cron';
  return 'unknown';
}

interface Score {
  release: Release;
  index: number;
  matched: number;
  total: number;
  fileReasons: VerdictMessage[];
  runnerOk: boolean;
  userOk: boolean;
}

/**
 * The catalogue entry the inspection matches. Exact when every recognition file matches (the
 * catalogue's 7-character ids are prefixes of the full ids read) and runner and user agree; several
 * exact entries (identical releases) → the newest, naming the others. Otherwise the closest: most
 * matching files, then runner, then user, then the newest. Undefined only for an empty catalogue.
 */
export function recogniseRelease(inspection: CronInspection, releases: readonly Release[]): ReleaseRecognition | undefined {
  if (releases.length === 0) return undefined;
  const runner = runnerOf(inspection);
  const scores = releases.map((release, index) => score(release, index, inspection, runner));
  const exact = scores.filter((s) => s.total > 0 && s.matched === s.total && s.runnerOk && s.userOk);
  if (exact.length > 0) {
    const chosen = exact[exact.length - 1]!;
    const alike = exact.slice(0, -1).map((s) => s.release.release);
    return {
      release: chosen.release,
      certainty: 'exact',
      alike,
      reasons: [
        { key: 'release.exact', params: { release: chosen.release.release, files: chosen.total } },
        ...(alike.length > 0 ? [{ key: 'release.alike', params: { release: chosen.release.release, alike } } as const] : []),
      ],
    };
  }
  const ranked = [...scores].sort(
    (a, b) => b.matched - a.matched || Number(b.runnerOk) - Number(a.runnerOk) || Number(b.userOk) - Number(a.userOk) || b.index - a.index,
  );
  const best = ranked[0]!;
  const expected = best.release.recognition;
  return {
    release: best.release,
    certainty: 'closest',
    alike: [],
    reasons: [
      { key: 'release.closest', params: { release: best.release.release, matched: best.matched, total: best.total } },
      ...best.fileReasons,
      ...(best.runnerOk ? [] : [{ key: 'release.runner-differs', params: { expected: expected.runner, seen: runner } } as const]),
      ...(best.userOk
        ? []
        : [{ key: 'release.user-differs', params: { expected: expected.user, seen: userShown(inspection.user) } } as const]),
    ],
  };
}

function score(release: Release, index: number, inspection: CronInspection, runner: string): Score {
  const wanted = Object.entries(release.recognition.files);
  const fileReasons: VerdictMessage[] = [];
  let matched = 0;
  for (const [path, expected] of wanted) {
    const seen = inspection.files[path];
    if (seen === undefined || seen === null) fileReasons.push({ key: 'release.file-missing', params: { path, expected } });
    else if (seen.startsWith(expected) || expected.startsWith(seen)) matched += 1;
    else fileReasons.push({ key: 'release.file-differs', params: { path, expected, seen: seen.slice(0, expected.length) } });
  }
  return {
    release,
    index,
    matched,
    total: wanted.length,
    fileReasons,
    runnerOk: runner === release.recognition.runner,
    userOk: userAgrees(inspection.user, release.recognition),
  };
}

/**
 * `Config.User` is empty for root, and may name the user or its uid (`1000`, `1000:1000`, compose's
 * `user:` override); any of them agrees with the catalogue's user and uid.
 */
function userAgrees(user: string, expected: Release['recognition']): boolean {
  const name = user.split(':')[0]!.trim();
  if (name === '' || name === 'root' || name === '0') return expected.user === 'root' || expected.uid === 0;
  if (name === expected.user) return true;
  return /^\d+$/.test(name) && expected.uid !== undefined && Number(name) === expected.uid;
}

function userShown(user: string): string {
  return user.trim() === '' ? 'root' : user;
}

/**
 * The release in force: recognition, and the operator's word. `deployment.release` in sentinel.yaml
 * names a release: it confirms a recognition of that release, and pins it when recognition says
 * otherwise (the operator knows what they deployed). `/arm` confirms what was recognised.
 */
export function releaseInForce(
  recognition: ReleaseRecognition | undefined,
  releases: readonly Release[],
  operator: { pinned?: string; armedFor?: string },
): { inForce?: ReleaseInForce; reasons: VerdictMessage[] } {
  const reasons: VerdictMessage[] = [...(recognition?.reasons ?? [])];
  if (operator.pinned !== undefined) {
    const pinned = releases.find((r) => r.release === operator.pinned);
    if (pinned) {
      reasons.push({ key: 'release.pinned', params: { release: pinned.release } });
      const same = recognition?.release.release === pinned.release;
      return { inForce: { release: pinned, certainty: same ? recognition!.certainty : 'closest', confirmed: true }, reasons };
    }
    reasons.push({ key: 'release.pin-unknown', params: { release: operator.pinned } });
  }
  if (!recognition) return { reasons };
  const confirmed = operator.armedFor === recognition.release.release;
  if (recognition.certainty === 'exact') return { inForce: { release: recognition.release, certainty: 'exact', confirmed }, reasons };
  reasons.push(
    confirmed
      ? { key: 'release.confirmed', params: { release: recognition.release.release } }
      : { key: 'release.unconfirmed', params: { release: recognition.release.release } },
  );
  return { inForce: { release: recognition.release, certainty: 'closest', confirmed }, reasons };
}

/** May a rule whose verdict depends on the release act? Only on an exact recognition or an operator's confirmation. */
export function releaseSettled(inForce: ReleaseInForce | undefined): boolean {
  return inForce !== undefined && (inForce.certainty === 'exact' || inForce.confirmed);
}
