// Questions about the release catalogue (rules/releases/catalogue.yaml) that the runtime asks: a
// release by name, the release a rollback from it goes to, and its job profiles in the shape the
// log rules already read (rules/profiles.yaml's), so a recognised release's profiles can replace the
// hand-written ones. Pure.
import type { Catalogue, Release } from '../config/catalogue-schema.ts';
import type { JobProfile } from './types.ts';

export function releaseNamed(catalogue: Catalogue, name: string): Release | undefined {
  return catalogue.releases.find((r) => r.release === name);
}

/** The release a rollback from `release` goes to; undefined for the oldest catalogued release. */
export function predecessorOf(catalogue: Catalogue, release: Release): Release | undefined {
  return release.predecessor === undefined ? undefined : releaseNamed(catalogue, release.predecessor);
}

/**
 * The release's profiles by script name, as the log rules read them. A profile needs a start and a
 * finish line to delimit runs, so scripts that mark neither (or only one) are left out here; see
 * `unmarkedScriptsOf` for them (their runs are told only by the runner's exit status).
 */
export function profilesOf(release: Release): Record<string, JobProfile> {
  const profiles: Record<string, JobProfile> = {};
  for (const p of release.profiles) {
    if (p.startMarker === undefined || p.finishMarker === undefined) continue;
    profiles[p.script] = {
      script: p.script,
      startMarker: p.startMarker,
      finishMarker: p.finishMarker,
      ...(p.channelMarker !== undefined ? { channelMarker: p.channelMarker } : {}),
      alwaysSends: p.alwaysSends,
      notifyEvents: [...p.notifyEvents],
      writesPositions: p.writesPositions,
    };
  }
  return profiles;
}

/** Scheduled scripts of the release whose runs no start and finish line delimit (monitor_positions.py). */
export function unmarkedScriptsOf(release: Release): string[] {
  return release.profiles.filter((p) => p.startMarker === undefined || p.finishMarker === undefined).map((p) => p.script);
}

/**
 * The substrings the log pre-filter must let through for any catalogued release: its profiles' markers
 * and events, and its guard lines. The union over all releases, so that the filter is right before the
 * release is recognised and after it changes (a rollback) without being rebuilt.
 */
export function catalogueNeedles(releases: readonly Release[]): string[] {
  const needles = new Set<string>();
  for (const release of releases) {
    for (const p of release.profiles) {
      for (const marker of [p.startMarker, p.finishMarker, p.channelMarker]) if (marker !== undefined) needles.add(marker);
      for (const e of p.notifyEvents) needles.add(e);
    }
    for (const g of release.guardLines) needles.add(g.match);
  }
  return [...needles].sort();
}
