// Configuration of the rollback engine (runbook §1–§4): the `rollback:` key of sentinel.yaml, strict
// like every other config object.
import { z } from 'zod';
import { duration } from './duration.ts';
import { releaseName } from './catalogue-schema.ts';

const imageReference = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/, 'an image reference such as turtle-trading:pre-v3.2.1-backup');

export const rollbackConfigSchema = z.strictObject({
  /** §2: the image the deploy script saved before v3.2.1 (`docker tag turtle-trading:latest …`). */
  backupTag: imageReference.default('turtle-trading:pre-v3.2.1-backup'),
  /** §3: the tag put on the image built from the target commit. */
  rollbackTag: imageReference.default('turtle-trading:rollback-v3.2.0'),
  /**
   * The catalogued release to roll back to (rules/releases/catalogue.yaml). Default: the predecessor of
   * the running release; with no release recognised, the commit and checks of the runbook (v3.2.0).
   */
  targetRelease: releaseName.optional(),
  /** `auto`: image-tag when the backup tag exists, else git (when enabled). */
  strategy: z.enum(['auto', 'image-tag', 'git']).default('auto'),
  git: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** The turtle-trading checkout (relative to the deployment root); default: the root itself. */
      repo: z.string().min(1).optional(),
      branch: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'a git branch name')
        .default('rollback/v3.2.1-to-v3.2.0'),
      /**
       * Roll back by commit, never by a tag (v3.2.0's points elsewhere: reference §0.7). Default: the target
       * release's commit from the catalogue, else 238760b (the runbook's v3.2.0).
       */
      targetCommit: z
        .string()
        .regex(/^[0-9a-f]{7,40}$/, 'a commit hash (7 to 40 hex digits)')
        .optional(),
      dockerfile: z.string().min(1).default('Dockerfile'),
    })
    .prefault({}),
  /** Compose v2 names built images `<project>-<service>`, v1 `<project>_<service>` (reference §0.1). */
  composeImageSeparator: z.enum(['-', '_']).default('-'),
  backup: z
    .strictObject({
      /** Job logs to snapshot (file names in the logs directory); empty = every `*.log` there. */
      logs: z.array(z.string().regex(/^[^/]+$/, 'a file name in the logs directory')).default([]),
    })
    .prefault({}),
  verify: z
    .strictObject({
      /**
       * Scripts the target version's crontab must run, and must not run (reference §7 fingerprint). Default:
       * the target release's `verify` from the catalogue, else the runbook's v3.2.0 checks (signal_check.py,
       * not check_positions.py).
       */
      crontabRuns: z.array(z.string().min(1)).optional(),
      crontabDoesNotRun: z.array(z.string().min(1)).optional(),
      /** Files that must exist in the cron container afterwards. Default: as for crontabRuns. */
      files: z.array(z.string().startsWith('/')).optional(),
      /**
       * A recreated container must stay up this long, with no restart, to count as running. A container
       * that crashes at start (the dashboard at v3.2.x) has exited or restarted well within it; a later
       * crash is for the watcher's container-state rule, which keeps looking after the rollback.
       */
      settle: duration.prefault('500ms'),
      /** A container that restarted counts as running (in the baseline) once up this long. */
      stable: duration.prefault('60s'),
    })
    .prefault({}),
  /** Grace given to a container on stop before it is killed (docker stop -t). */
  stopTimeout: duration.prefault('10s'),
  /** When a job runs in the cron container: `deferred` asks to retry after this long. */
  deferRetry: duration.prefault('1m'),
  /** Once a rollback has begun, how long to wait for a job that starts before giving up. */
  jobWait: duration.prefault('30m'),
});

export type RollbackConfig = z.output<typeof rollbackConfigSchema>;

/** Defaults, for callers that have no `rollback:` section yet. */
export function defaultRollbackConfig(): RollbackConfig {
  return rollbackConfigSchema.parse({});
}
