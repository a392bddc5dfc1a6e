// The zod schemas of sentinel.yaml and rules/*.yaml: the only place a configuration type is written.
// Every object is strict so that a typo is an error, not a silently ignored key.
import { z } from 'zod';

import { duration } from './duration.ts';
import { rollbackConfigSchema } from './rollback-schema.ts';
import { containerName } from './fields.ts';
import { ruleParams } from '../core/rules/params.ts';
import { releaseName } from './catalogue-schema.ts';
import { cronExpression } from './cron-expression.ts';

export const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'unknown IANA timezone');

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
  /**
   * The release catalogue (rules/releases/catalogue.yaml), relative to the config file. With it the
   * running release is recognised by content; without it, the v3.2.x fingerprint is all there is.
   */
  catalogue: z.string().min(1).optional(),
  /**
   * The release the operator says runs: confirms a release recognised only as the closest, or pins
   * one recognition disagrees with. Release-dependent rules act only on a settled release.
   */
  release: releaseName.optional(),
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

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as SENTINEL_HEARTBEAT_URL');

/** The sidecar's own schedules: a daily digest (so its silence is noticed) and a dead-man's-switch ping. */
export const schedulesSchema = z.strictObject({
  /** The zone both cron expressions are read in. */
  timezone: timezone.default('Asia/Seoul'),
  digest: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** When the digest is sent (Telegram when configured, else the console). */
      cron: cronExpression.default('0 8 * * *'),
    })
    .prefault({}),
  heartbeat: z
    .strictObject({
      /** Name of the environment variable holding the ping URL (it usually embeds a secret); off when unset or empty. */
      urlEnv: envName.default('SENTINEL_HEARTBEAT_URL'),
      cron: cronExpression.default('*/5 * * * *'),
      /** One attempt per fire, abandoned after this long. */
      timeout: duration.refine((ms) => ms > 0, 'must be longer than 0 (e.g. 10s)').prefault('10s'),
    })
    .prefault({}),
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
  schedules: schedulesSchema.prefault({}),
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

/** What a firing rule may lead to, mildest first. */
export const RULE_ACTIONS = ['notify', 'escalate', 'halt', 'rollback'] as const;

const ruleBase = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'rule ids are lower-case words joined by dashes'),
  description: z.string().optional(),
  severity: z.enum(['info', 'warning', 'critical']).default('critical'),
  action: z.enum(RULE_ACTIONS).default('notify'),
  mode: z.enum(['enforce', 'dry-run', 'off']).default('enforce'),
  approval: approvalSchema,
};

type RuleParamsTable = typeof ruleParams;

/** One rule kind's schema: the fields every rule has, its `kind`, and its params from the kind's module. */
const ruleVariant = <K extends keyof RuleParamsTable>(kind: K) =>
  z.strictObject({ ...ruleBase, kind: z.literal(kind), params: ruleParams[kind] });
type RuleVariant = { [K in keyof RuleParamsTable]: ReturnType<typeof ruleVariant<K>> }[keyof RuleParamsTable];

// Built from the registry's params table, so a new kind is added in core/rules/ and nowhere here.
export const ruleSchema = z.discriminatedUnion(
  'kind',
  (Object.keys(ruleParams) as (keyof RuleParamsTable)[]).map(ruleVariant) as unknown as [RuleVariant, ...RuleVariant[]],
);

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
