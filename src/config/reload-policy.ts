// What a running daemon does with each key of sentinel.yaml when the file changes: applies it at once
// (`live`), or keeps the value it started with and says a restart is required (`restart`). Typed over
// the config schema so that a new key cannot be added without deciding (the compiler and
// test/config-reload.test.ts both insist).
import type { Config } from './schema.ts';

export type ReloadTreatment = 'live' | 'restart';

/** One treatment for a whole section, or one per key of it. */
type SectionPolicy<T> = ReloadTreatment | { [K in keyof T]-?: ReloadTreatment };

export const RELOAD_POLICY: { [K in keyof Config]-?: SectionPolicy<Config[K]> } = {
  deployment: {
    // Paths, containers and the crontab source are what the tailer, the watcher and the Docker
    // observer were opened on; the timezone is how the schedule was parsed (a restart re-reads both).
    root: 'restart',
    logsDir: 'restart',
    dataDir: 'restart',
    cronContainer: 'restart',
    containers: 'restart',
    crontab: 'restart',
    containerLogsDir: 'restart',
    timezone: 'restart',
    // Read for every batch of lines: the next lines are timed in the new zone.
    logTimestampZone: 'live',
    fingerprintFiles: 'restart',
    // The catalogue's paths are what the observer hashes in the cron container.
    catalogue: 'restart',
    // The operator's word on the release goes into the core's context; the next look applies it.
    release: 'live',
  },
  docker: 'restart',
  // The rule files named here are the ones being watched; their content reloads live.
  rules: 'restart',
  state: 'restart',
  telegram: {
    // The bot's token, chat and API are one long-polling connection.
    tokenEnv: 'restart',
    chatIdEnv: 'restart',
    apiRoot: 'restart',
    allowedUserIds: 'live',
    language: 'live',
    remindBefore: 'live',
    buttonExpiry: 'live',
  },
  escalation: 'live',
  // The engine may be mid-execution; it is rebuilt only at start.
  rollback: 'restart',
  safety: 'live',
  http: 'restart',
  log: 'live',
  // The digest and heartbeat are re-armed on their new expressions, zone and URL variable at once
  // (runtime/own-schedules.ts); nothing else was opened on them.
  schedules: 'live',
};

export interface ReloadPlan {
  /** The config to run on: the new values of live keys, the running values of the others. */
  effective: Config;
  /** Changed keys applied now, as dotted paths (`telegram.language`). */
  applied: string[];
  /** Changed keys that take effect only after a restart (`http.port`). */
  restartRequired: string[];
}

/** Compare the running config with a newly loaded one, key by key, per RELOAD_POLICY. */
export function planReload(running: Config, next: Config): ReloadPlan {
  const effective: Record<string, unknown> = { ...running };
  const applied: string[] = [];
  const restartRequired: string[] = [];
  const decide = (treatment: ReloadTreatment, path: string, from: unknown, to: unknown, apply: () => void) => {
    const changed = changedPaths(from, to, path);
    if (changed.length === 0) return;
    if (treatment === 'live') {
      apply();
      applied.push(...changed);
    } else {
      restartRequired.push(...changed);
    }
  };
  for (const key of Object.keys(RELOAD_POLICY) as (keyof Config)[]) {
    const policy = RELOAD_POLICY[key] as SectionPolicy<Record<string, unknown>>;
    const from = running[key] as unknown;
    const to = next[key] as unknown;
    if (typeof policy === 'string') {
      decide(policy, key, from, to, () => (effective[key] = to));
      continue;
    }
    const section: Record<string, unknown> = { ...(from as Record<string, unknown>) };
    for (const [sub, treatment] of Object.entries(policy)) {
      decide(treatment, `${key}.${sub}`, (from as Record<string, unknown>)[sub], (to as Record<string, unknown>)[sub], () => {
        if ((to as Record<string, unknown>)[sub] === undefined) delete section[sub];
        else section[sub] = (to as Record<string, unknown>)[sub];
      });
    }
    effective[key] = section;
  }
  return { effective: effective as Config, applied, restartRequired };
}

/** The dotted paths at which two config values differ (arrays and scalars are compared whole). */
function changedPaths(a: unknown, b: unknown, path: string): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => changedPaths(a[k], b[k], `${path}.${k}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
