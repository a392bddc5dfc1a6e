// What a halt stops on the running release (catalogue `halt`: each lever with its `stops`). The sidecar's
// halt stops the cron container: at v3.2.x that stops every scheduled job; from v3.6.0 that includes the
// exits and the intraday stop-loss alerts of monitor_positions. The operator must read that before
// approving. The kill switch (v3.7.0+, `TRADING_ENABLED=false`, new entries only) is listed by the
// catalogue but not pulled by the sidecar: positions corruption must stop every writer, which only
// stopping the container does. Pure.
import type { Release } from '../config/catalogue-schema.ts';

/** The stop words the catalogue uses in `halt[].stops`; others are shown as written. */
export const STOP_WORDS = ['scheduled-jobs', 'exits', 'stop-loss-alerts', 'new-entries'] as const;
export type StopWord = (typeof STOP_WORDS)[number];

/** What stopping the cron container stops on a release, for the halt plan's text. */
export interface HaltStops {
  release: string;
  stops: string[];
}

/** The running release's `stop-container` lever, or undefined (no release, or none catalogued). */
export function containerHaltStops(release: Release | undefined): HaltStops | undefined {
  const lever = release?.halt.find((h) => h.lever === 'stop-container');
  return release && lever ? { release: release.release, stops: [...lever.stops] } : undefined;
}

/** The stops in the operator's words: known stop words from `words`, anything else as written. */
export function stopsText(stops: readonly string[], words: Record<StopWord, string>, join: (parts: string[]) => string): string {
  return join(stops.map((s) => ((STOP_WORDS as readonly string[]).includes(s) ? words[s as StopWord] : s)));
}
