// rules/releases/annotations.yaml: the knowledge about turtle-trading releases that the catalogue
// generator cannot derive from the source (which lines mean "a Telegram message follows", which
// scripts rewrite positions.json, which log lines mean a guard tripped), written and reviewed by an
// operator. The generator checks every needle here against each release's source, so a typo or a
// line a release no longer logs is an error naming the release, the script and the needle.
import { z } from 'zod';
import { guardLineSchema, haltStop, releaseName } from './catalogue-schema.ts';

/** `null` says "this script has no such line", overriding what the generator would derive. */
const markerOverride = z.union([z.string().min(1), z.null()]);

/** The bits of one scheduled script in force from release `since` until the next variant's `since`. */
export const scriptAnnotationSchema = z.strictObject({
  since: releaseName,
  /** Only when the generator's reading (`=== … 시작` in a logging call) is wrong or finds nothing. */
  startMarker: markerOverride.optional(),
  /** Only when the generator's reading (`=== … 완료` in a logging call) is wrong or finds nothing. */
  finishMarker: markerOverride.optional(),
  channelMarker: z.string().min(1).optional(),
  alwaysSends: z.boolean(),
  notifyEvents: z.array(z.string().min(1)).default([]),
  writesPositions: z.boolean(),
  /** What stops when this script no longer runs (stopping the cron container stops all of them). */
  provides: z.array(haltStop.exclude(['scheduled-jobs'])).default([]),
});

export const guardNeedleSchema = z.strictObject({
  guard: guardLineSchema.shape.guard,
  /** Plain substring of the log line. */
  match: z.string().min(1),
  /** Files of the guarded system that may log it; each release lists the ones that do. */
  sources: z.array(z.string().min(1)).min(1),
});

export const annotationsSchema = z.strictObject({
  /** Written into the catalogue's `source.repository`: where the releases come from. */
  repository: z.string().min(1),
  /** The oldest release catalogued (the runbook's rollback target). */
  first: releaseName,
  /** Where a release is read from when its tag is not the release (`v3.2.0: 238760b`); else the tag itself. */
  refs: z.record(releaseName, z.string().min(1)).default({}),
  /** Per scheduled script (the crontab's script name), variants ordered by `since`. */
  scripts: z.record(z.string().min(1), z.array(scriptAnnotationSchema).min(1)),
  killSwitch: z.strictObject({
    /** The module whose presence means the release has a kill switch; its env name is read from it. */
    source: z.string().min(1),
    stops: z.array(haltStop).min(1),
  }),
  guards: z.array(guardNeedleSchema),
});

export type Annotations = z.output<typeof annotationsSchema>;
export type ScriptAnnotation = z.output<typeof scriptAnnotationSchema>;
