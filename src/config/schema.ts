// The zod schemas of sentinel.yaml and rules/*.yaml: the only place a configuration type is written.
// Every object is strict so that a typo is an error, not a silently ignored key.
import { z } from 'zod';

export { duration } from './duration.ts';
import { duration } from './duration.ts';
import { rollbackConfigSchema } from './rollback-schema.ts';
import { V32_KNOWN_POSITION_KEYS, V32_REQUIRED_POSITION_KEYS, V32_VALIDATED_POSITION_KEYS } from '../core/record-shapes.ts';

export const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'unknown IANA timezone');

const containerName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'not a valid container name');

// ---------------------------------------------------------------------------------------------
// sentinel.yaml

export const deploymentSchema = z.strictObject({
  /** Root of the turtle-trading checkout as the sidecar sees it (relative paths resolve from the config file). */
  root: z.string().min(1),
  logsDir: z.string().min(1).default('logs'),
  dataDir: z.string().min(1).default('data'),
  /** The container whose crontab defines the schedule; it is also the "halt" lever. */
  cronContainer: containerName.default('turtle-cron'),
  /** Every container the sidecar may observe or recreate. Nothing else is ever touched. */
  containers: z.array(containerName).min(1).default(['turtle-cron', 'turtle-dashboard']),
  crontab: z
    .strictObject({
      /** Read the crontab from the cron container (`crontab -l`). */
      fromContainer: z.boolean().default(true),
      command: z.array(z.string().min(1)).min(1).default(['crontab', '-l']),
      /** Used when the container cannot be asked: a file relative to `root`. */
      fallbackFile: z.string().min(1).optional(),
      /** How often to re-read the crontab from the container, to follow a change without an event. */
      refresh: duration.prefault('5m'),
    })
    .prefault({}),
  /** Where the guarded system's paths live inside the cron container (to map `>> /app/logs/x.log`). */
  containerLogsDir: z.string().min(1).default('/app/logs'),
  /** Schedules fire in this zone unless the crontab sets CRON_TZ. */
  timezone: timezone.default('Asia/Seoul'),
  /**
   * Zone of the naive asctime stamps in the logs. `auto` learns it from lines observed live (and from
   * the tz-aware market-status line); Debian-cron jobs at v3.2.x write UTC, manual runs write KST.
   */
  logTimestampZone: z.union([z.literal('auto'), timezone]).default('auto'),
  /** Files whose presence in the cron container fingerprints the version. */
  fingerprintFiles: z.array(z.string().min(1)).default(['/app/scripts/signal_check.py', '/app/scripts/check_positions.py']),
});

export const dockerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  socketPath: z.string().min(1).default('/var/run/docker.sock'),
});

const contactSchema = z.strictObject({
  /** Role or name as the operator wants it shown, e.g. "on-call operator". */
  name: z.string().min(1),
  /** Telegram @username to mention in escalations. */
  telegram: z
    .string()
    .regex(/^@[A-Za-z0-9_]{4,}$/, 'a Telegram @username')
    .optional(),
  phone: z.string().min(3).optional(),
});

/** Runbook §5: who is told when, and how long a "manual check first" window lasts. */
export const escalationSchema = z.strictObject({
  contacts: z.strictObject({ l1: contactSchema.optional(), l2: contactSchema.optional(), broker: contactSchema.optional() }).prefault({}),
  /** Telegram alerts missing / fill mismatch: a human checks first, escalation after this window. */
  manualCheckWindow: duration.prefault('30m'),
});

export const telegramSchema = z.strictObject({
  /** Name of the environment variable that holds the sidecar's own bot token (never the token itself). */
  tokenEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .default('SENTINEL_TELEGRAM_TOKEN'),
  chatIdEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .default('SENTINEL_TELEGRAM_CHAT_ID'),
  apiRoot: z.url().optional(),
  allowedUserIds: z.array(z.number().int()).default([]),
  language: z.enum(['ko', 'en']).default('ko'),
  /** For the `required` policy: remind this long before the decision deadline. */
  remindBefore: duration.prefault('3m'),
  /** Buttons older than this are refused as expired, whatever their incident's state. */
  buttonExpiry: duration.prefault('1h'),
});

export const configSchema = z.strictObject({
  deployment: deploymentSchema,
  docker: dockerSchema.prefault({}),
  /** Rule files: a directory (every *.yaml in it) or a list of files, relative to the config file. */
  rules: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('rules'),
  state: z.strictObject({ dir: z.string().min(1).default('var/state') }).prefault({}),
  telegram: telegramSchema.prefault({}),
  escalation: escalationSchema.prefault({}),
  /** The rollback engine: backup tag, git strategy, verification (runbook §1–§4). */
  rollback: rollbackConfigSchema.prefault({}),
  /** Guard rails of the automatic path (SPEC §4). */
  safety: z
    .strictObject({
      /** After a rollback, nothing runs automatically again until an operator re-arms (/arm). */
      disarmAfterRollback: z.boolean().default(true),
      cooldown: duration.prefault('6h'),
      maxRollbacksPerDay: z.number().int().min(0).default(1),
      /** How long to wait for a running job to finish before asking a human. */
      jobRunningDeadline: duration.prefault('20m'),
    })
    .prefault({}),
  http: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(9464),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info') }).prefault({}),
});

export type Config = z.output<typeof configSchema>;

// ---------------------------------------------------------------------------------------------
// rules/*.yaml

const approvalSchema = z
  .strictObject({
    policy: z.enum(['required', 'veto-window', 'auto']).default('veto-window'),
    window: duration.prefault('10m'),
  })
  .prefault({});

const ruleBase = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'rule ids are lower-case words joined by dashes'),
  description: z.string().optional(),
  severity: z.enum(['info', 'warning', 'critical']).default('critical'),
  action: z.enum(['notify', 'escalate', 'halt', 'rollback']).default('notify'),
  mode: z.enum(['enforce', 'dry-run', 'off']).default('enforce'),
  approval: approvalSchema,
};

/** Which jobs a rule looks at: job ids (log file names) or script names; empty = every profiled job. */
const jobSelector = z.array(z.string().min(1)).default([]);

export const cronScheduleParams = z
  .strictObject({
    jobs: jobSelector,
    /** A start marker must appear within this long after each scheduled time. */
    grace: duration.prefault('10m'),
    /** A finish marker must appear within this long after the start. */
    maxRunTime: duration.prefault('30m'),
    /** How early a start may be stamped and still count for a fire time (clock skew). */
    earlyTolerance: duration.prefault('2m'),
  })
  .prefault({});

// Signs that an errorPatterns entry was written as a regular expression: it would then never occur in a
// log line as written, and the run it was meant to fail would pass in silence. Brackets alone are not a
// sign (`CRITICAL [ESCALATION]` is real log text); a range inside them is.
const REGEX_SIGNS: readonly [RegExp, string][] = [
  [/\.[*+?]/, '.* .+ .?'],
  [/\\[dswbDSWB.()[\]{}|^$*+?]/, 'a backslash escape'],
  [/^\^|\$$/, '^ or $ anchors'],
  [/\(\?/, '(?'],
  [/\[[^\]]*\w-\w[^\]]*\]/, 'a [a-z] range'],
  [/\([^)]*\|[^)]*\)/, '(a|b) alternatives'],
];

/** Why an errorPatterns entry cannot be what the operator meant, or undefined. */
export function errorPatternProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'must not be empty or only spaces: every line would contain it, so every run would fail';
  const sign = REGEX_SIGNS.find(([re]) => re.test(pattern));
  if (sign)
    return `looks like a regular expression (${sign[1]}); errorPatterns are plain substrings, matched character for character: write the literal text of a failing line`;
  return undefined;
}

const errorPattern = z.string().superRefine((pattern, ctx) => {
  const problem = errorPatternProblem(pattern);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

export const repeatedFailuresParams = z
  .strictObject({
    jobs: jobSelector,
    /** Consecutive failed runs with no success between them that fire the rule. */
    consecutive: z.number().int().min(1).default(2),
    /** Extra patterns that make a run failed: plain substrings, matched character for character (not regular expressions). */
    errorPatterns: z
      .array(errorPattern)
      .default([' - CRITICAL - '])
      .describe(
        'plain substrings, not regular expressions: a run fails when one of its lines contains one of them, character for character',
      ),
    /** A run without its finish marker counts as failed. */
    missingFinishFails: z.boolean().default(true),
  })
  .prefault({});

export const telegramDeliveryParams = z
  .strictObject({
    jobs: jobSelector,
    consecutive: z.number().int().min(1).default(2),
    /** Quiet runs (nothing to send) neither count nor break a streak unless this is true. */
    quietRunsResetStreak: z.boolean().default(false),
    /** Which cases count; `channel-not-configured` is normally its own rule with action escalate. */
    cases: z
      .array(z.enum(['send-failed', 'event-without-success', 'report-without-success', 'channel-not-configured']))
      .min(1)
      .default(['send-failed', 'event-without-success', 'report-without-success']),
  })
  .prefault({});

export const positionsIntegrityParams = z
  .strictObject({
    checks: z
      .array(z.enum(['corrupt', 'healed', 'unexpected-change']))
      .min(1)
      .default(['corrupt', 'healed', 'unexpected-change']),
    /**
     * Keys a record must have: the fields of the release's `Position` dataclass without a default
     * (v3.2.x). `Position(**record)` raises TypeError without one, and so does every load.
     */
    requiredKeys: z.array(z.string()).default([...V32_REQUIRED_POSITION_KEYS]),
    /**
     * Keys `validate_position_schema` checks before building a record (v3.2.x): a record lacking one is
     * skipped with a warning instead of crashing the load. Only the wording of a missing key depends on it.
     */
    validatedKeys: z.array(z.string()).default([...V32_VALIDATED_POSITION_KEYS]),
    /** Every key v3.2.x can load; any other key crashes `Position.from_dict`. */
    knownKeys: z.array(z.string()).default([...V32_KNOWN_POSITION_KEYS]),
    /** A close counts as explained when a `포지션 청산` line for it was seen within this window. */
    closeExplainWindow: duration.prefault('45m'),
  })
  .prefault({});

export const fillIntegrityParams = z
  .strictObject({
    maxUnits: z.number().int().min(1).default(4),
    /** Minimum pyramid spacing in multiples of entry N. */
    pyramidSpacingN: z.number().positive().default(0.5),
    /** Float tolerance for price and share comparisons. */
    tolerance: z.number().nonnegative().default(1e-6),
    checks: z
      .array(
        z.enum([
          'units-range',
          'units-level',
          'total-shares',
          'entry-ids',
          'pyramid-spacing',
          'stop-loss',
          'one-open-per-symbol-system',
          'closed-exit-fields',
          'order-duplicate-fill',
          'order-fill-before-order',
        ]),
      )
      .min(1)
      .default([
        'units-range',
        'units-level',
        'total-shares',
        'entry-ids',
        'pyramid-spacing',
        'one-open-per-symbol-system',
        'closed-exit-fields',
        'order-duplicate-fill',
        'order-fill-before-order',
      ]),
  })
  .prefault({});

export const containerStateParams = z
  .strictObject({
    containers: z.array(containerName).min(1).default(['turtle-cron']),
    /** Not running for this long fires (a restart in progress is given this much time). */
    notRunningFor: duration.prefault('2m'),
    /** Restarts within `restartWindow` above this count fire. */
    maxRestarts: z.number().int().min(0).default(3),
    restartWindow: duration.prefault('1h'),
  })
  .prefault({});

export const sourceHealthParams = z
  .strictObject({
    /** Consecutive errors of one source before the operator is told. */
    consecutiveErrors: z.number().int().min(1).default(3),
  })
  .prefault({});

export const ruleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...ruleBase, kind: z.literal('cron-schedule'), params: cronScheduleParams }),
  z.strictObject({ ...ruleBase, kind: z.literal('repeated-failures'), params: repeatedFailuresParams }),
  z.strictObject({ ...ruleBase, kind: z.literal('telegram-delivery'), params: telegramDeliveryParams }),
  z.strictObject({ ...ruleBase, kind: z.literal('positions-integrity'), params: positionsIntegrityParams }),
  z.strictObject({ ...ruleBase, kind: z.literal('fill-integrity'), params: fillIntegrityParams }),
  z.strictObject({ ...ruleBase, kind: z.literal('container-state'), params: containerStateParams }),
  z.strictObject({ ...ruleBase, kind: z.literal('source-health'), params: sourceHealthParams }),
]);

export const profileSchema = z.strictObject({
  script: z.string().regex(/^[\w.-]+$/, 'a script file name such as check_positions.py'),
  startMarker: z.string().min(1),
  finishMarker: z.string().min(1),
  channelMarker: z.string().min(1).optional(),
  alwaysSends: z.boolean().default(false),
  notifyEvents: z.array(z.string().min(1)).default([]),
  writesPositions: z.boolean().default(false),
});

export const rulesFileSchema = z.strictObject({
  profiles: z.array(profileSchema).default([]),
  rules: z.array(ruleSchema).default([]),
});

export type Rule = z.output<typeof ruleSchema>;
export type RuleKindName = Rule['kind'];
export type RuleOf<K extends RuleKindName> = Extract<Rule, { kind: K }>;
export type RulesFile = z.output<typeof rulesFileSchema>;
export type Profile = z.output<typeof profileSchema>;
