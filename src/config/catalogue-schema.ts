// The release catalogue (rules/releases/catalogue.yaml): what the sidecar knows about each turtle-trading
// release, as data an operator can review, diff and extend. `turtle-sentinel catalogue build --repo
// <checkout>` derives it from the release tags of a turtle-trading checkout (hashes, crontab jobs, log
// targets, markers, dataclass fields) and checks the hand-written knowledge of
// rules/releases/annotations.yaml against each tag's source, so the committed file is what the command
// prints. This schema is the one source of the catalogue's types.
import { z } from 'zod';

/** A release name as the catalogue spells it: `v3.9.1`. Never compared with a version string read from the system. */
export const releaseName = z.string().regex(/^v\d+\.\d+\.\d+$/, 'a release name like v3.9.1');

/** A git blob id (`git rev-parse TAG:path`), abbreviated to at least 7 hex digits. */
export const blobId = z.string().regex(/^[0-9a-f]{7,40}$/, 'a git blob id (7 to 40 hex digits)');

/**
 * What a halt lever stops, as keys the operator text translates: every scheduled job, new entry
 * signals, exits (stop loss, Donchian and inverse exits that close positions), intraday stop-loss
 * alerts (monitor_positions.py, v3.6.0+), reports.
 */
export const haltStop = z.enum(['scheduled-jobs', 'new-entries', 'exits', 'stop-loss-alerts', 'reports']);

/** The program that runs the schedule in the cron container. */
export const cronRunner = z.enum(['debian-cron', 'supercronic']);

export const jobProfileSchema = z.strictObject({
  /** Script file name as the crontab runs it (`check_positions.py`). */
  script: z.string().min(1),
  /** A line that opens a run; absent for scripts that mark no runs (then only the runner's exit status tells). */
  startMarker: z.string().min(1).optional(),
  /** A line that closes a run successfully. */
  finishMarker: z.string().min(1).optional(),
  /** A line logged only when the Telegram channel is configured. */
  channelMarker: z.string().min(1).optional(),
  /** The script sends a Telegram message on every run. */
  alwaysSends: z.boolean(),
  /** Lines that always produce a Telegram message in the same run. */
  notifyEvents: z.array(z.string().min(1)),
  /** The script may rewrite positions.json on schedule. */
  writesPositions: z.boolean(),
  /** The script writes its own log file (no `>>` in the crontab), e.g. monitor_positions.py → `monitor.log`. */
  ownLog: z.string().min(1).optional(),
});

export const scheduledJobSchema = z.strictObject({
  /** The schedule as written in the crontab (5 fields). */
  schedule: z.string().min(1),
  /** Script run, when the command runs one (`check_positions.py`); absent for shell one-liners. */
  script: z.string().min(1).optional(),
  /** Log file the job's output lands in, relative to the logs directory. */
  log: z.string().min(1).optional(),
});

export const recordKeysSchema = z.strictObject({
  /** Keys the loader needs in every record: without one the record is skipped or the load crashes. */
  required: z.array(z.string().min(1)),
  /** Every key the loader knows. */
  known: z.array(z.string().min(1)),
  /** What the loader does with a key it does not know: `crash` (`cls(**data)`) or `drop` (filtered). */
  unknownKeys: z.enum(['crash', 'drop']),
});

/** A way to stop trading, and what it stops. */
export const haltLeverSchema = z.discriminatedUnion('lever', [
  z.strictObject({
    /** Stop the cron container: every scheduled job stops. */
    lever: z.literal('stop-container'),
    stops: z.array(haltStop),
  }),
  z.strictObject({
    /** The kill switch (v3.7.0+): env `TRADING_ENABLED=false` wins over config/system_status.yaml. */
    lever: z.literal('kill-switch'),
    env: z.string().min(1),
    stops: z.array(haltStop),
  }),
]);

/** A log line that means a safety guard tripped: escalate, never roll back (a rollback cures nothing). */
export const guardLineSchema = z.strictObject({
  guard: z.enum(['kill-switch', 'cost-budget', 'trading-guard']),
  /** Plain substring of the log line. */
  match: z.string().min(1),
  /** File of the guarded system that logs it, where the generator found it. */
  source: z.string().min(1),
});

export const releaseSchema = z.strictObject({
  release: releaseName,
  /** The commit the release is read from (abbreviated), e.g. 238760b for v3.2.0, whose tag points elsewhere. */
  commit: z.string().regex(/^[0-9a-f]{7,40}$/),
  /** Commit date, YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** The release a rollback from this one goes to; absent for the oldest catalogued release. */
  predecessor: releaseName.optional(),
  recognition: z.strictObject({
    /** Git blob ids of files as found in the cron container's image, by absolute container path. */
    files: z.record(z.string().startsWith('/'), blobId),
    runner: cronRunner,
    /** The container's command (Dockerfile CMD). */
    command: z.array(z.string()),
    /** The image's ENTRYPOINT (Dockerfile, JSON form), when it has one: docker runs it with the command as arguments. */
    entrypoint: z.array(z.string()).optional(),
    /** The image's user (Dockerfile USER): `root` when unset. */
    user: z.string().min(1),
    /** Numeric uid of that user, when the Dockerfile creates it. */
    uid: z.number().int().nonnegative().optional(),
  }),
  schedule: z.strictObject({
    /** Where the crontab lives in the image: what `crontab -l` prints, or the file the runner is given. */
    crontabPath: z.string().startsWith('/'),
    /** Whether `crontab -l` works in the container (Debian cron) or not (supercronic: no binary). */
    crontabCommand: z.boolean(),
    jobs: z.array(scheduledJobSchema),
  }),
  /** Zone of the naive asctime stamps in scheduled jobs' logs: UTC under Debian cron, KST from v3.4.0. */
  logZone: z.string().min(1),
  profiles: z.array(jobProfileSchema),
  positions: recordKeysSchema,
  entries: recordKeysSchema,
  halt: z.array(haltLeverSchema).min(1),
  guardLines: z.array(guardLineSchema),
  /** What a rollback TO this release checks once the containers are recreated. */
  verify: z.strictObject({
    crontabRuns: z.array(z.string().min(1)),
    crontabDoesNotRun: z.array(z.string().min(1)),
    files: z.array(z.string().startsWith('/')),
  }),
});

export const catalogueSchema = z.strictObject({
  /** Where the entries were read from, and the command that printed them. */
  source: z.strictObject({
    repository: z.string().min(1),
    generatedBy: z.string().min(1),
  }),
  /** Oldest first. */
  releases: z.array(releaseSchema).min(1),
});

export type Release = z.infer<typeof releaseSchema>;
export type Catalogue = z.infer<typeof catalogueSchema>;
export type CatalogueJobProfile = z.infer<typeof jobProfileSchema>;
export type HaltLever = z.infer<typeof haltLeverSchema>;
export type GuardLine = z.infer<typeof guardLineSchema>;
export type RecordKeys = z.infer<typeof recordKeysSchema>;
export type HaltStop = z.infer<typeof haltStop>;
export type ScheduledJob = z.infer<typeof scheduledJobSchema>;
