// Loads sentinel.yaml: bytes → text → (no secrets) → YAML → zod → cross-field checks, every problem a
// positioned line. Also the embedded default, and helpers to resolve the config's relative paths.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { configSchema, type Config } from './schema.ts';
import type { JsonFileKind } from '../core/types.ts';
import { DEFAULT_CONFIG_NAME, PROJECT_DIR, defaultConfigInput } from './defaults.ts';
import { formatError, readYamlContent, type PathSegment, type YamlSource } from './yaml-errors.ts';
import { validateYaml } from './zod-issues.ts';
import { valuePosition } from './yaml-tree.ts';

export type LoadConfigResult =
  | {
      ok: true;
      config: Config;
      /** Directory that relative paths in the config resolve from (the config file's directory). */
      baseDir: string;
      /** The config file as given (for messages), or the embedded default's name. */
      file: string;
      /** The config file, absolute (what to watch); absent for the embedded default. */
      path?: string;
      origin: 'file' | 'embedded-default';
    }
  | { ok: false; errors: string[] };

export type LoadedConfig = LoadConfigResult;

const TOKEN_HINT =
  'Secrets are read only from the environment: put the token in an environment variable and name that variable in telegram.tokenEnv (default SENTINEL_TELEGRAM_TOKEN).';

/**
 * Read and validate a config file (`--config` or `SENTINEL_CONFIG`); without a path, the embedded
 * default. Never throws: unreadable or invalid files come back as error lines.
 */
export async function loadConfig(path?: string): Promise<LoadConfigResult> {
  if (path === undefined || path === '') return loadDefaultConfig();
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return { ok: false, errors: [`${path}: cannot read the config file: ${describeFsError(err)}`] };
  }
  const result = parseConfig(bytes, path, dirname(resolve(path)));
  return result.ok ? { ...result, path: resolve(path) } : result;
}

/** Validate config content already in memory (the file name is only used in messages). */
export function parseConfig(content: Uint8Array | string, file: string, baseDir: string): LoadConfigResult {
  const parsed = readYamlContent(content, file, TOKEN_HINT);
  if (!parsed.ok) return parsed;
  if (parsed.data === null || parsed.data === undefined) {
    return {
      ok: false,
      errors: [formatError(file, { line: 1, col: 1 }, [], 'the file is empty: a config needs at least deployment.root')],
    };
  }
  const validated = validateYaml(parsed.source, parsed.data, configSchema);
  if (!validated.ok) return validated;
  const errors = configChecks.flatMap((check) => check(validated.value, parsed.source));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: validated.value, baseDir, file, origin: 'file' };
}

export interface DefaultConfigProbe {
  /** Does this path exist? Injected so a test can decide; defaults to the real file system. */
  exists?: (path: string) => boolean;
}

/**
 * The embedded default: the bundled example deployment, files only. Docker stays off even when an
 * engine runs here: the example's logs and the host's containers would describe two different
 * systems, and on a host that does run turtle-cron the sidecar must only act on a deployment an
 * operator configured on purpose. (`probe` is kept so a test can show the socket is not consulted.)
 */
export function loadDefaultConfig(probe: DefaultConfigProbe = {}): LoadConfigResult {
  void probe;
  const input = defaultConfigInput({ dockerAvailable: false });
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    // Only a bug in defaults.ts gets here; say so rather than crash.
    return { ok: false, errors: parsed.error.issues.map((i) => `${DEFAULT_CONFIG_NAME}: ${i.path.join('.')}: ${i.message}`) };
  }
  return { ok: true, config: parsed.data, baseDir: PROJECT_DIR, file: DEFAULT_CONFIG_NAME, origin: 'embedded-default' };
}

// ---------------------------------------------------------------------------------------------
// Cross-field checks: each small, named, and returning positioned errors as data.

type ConfigCheck = (config: Config, source: YamlSource) => string[];

function errorAt(source: YamlSource, path: PathSegment[], message: string): string {
  return formatError(source.file, valuePosition(source, path), path, message);
}

/** The cron container is the halt lever and the crontab source: it must be one the sidecar may touch. */
const cronContainerIsListed: ConfigCheck = (config, source) =>
  config.deployment.containers.includes(config.deployment.cronContainer)
    ? []
    : [
        errorAt(
          source,
          ['deployment', 'cronContainer'],
          `"${config.deployment.cronContainer}" is not in deployment.containers (${config.deployment.containers.join(', ')}); the sidecar only observes and recreates listed containers`,
        ),
      ];

/** Without Docker and without a file there is no schedule, and every cron rule would be blind. */
const crontabHasASource: ConfigCheck = (config, source) => {
  const fromContainer = config.docker.enabled && config.deployment.crontab.fromContainer;
  if (fromContainer || config.deployment.crontab.fallbackFile) return [];
  return [
    errorAt(
      source,
      ['deployment', 'crontab'],
      'no way to read the crontab: Docker is disabled or crontab.fromContainer is false, and no crontab.fallbackFile is set',
    ),
  ];
};

/**
 * turtle-trading's `.env` already holds TELEGRAM_BOT_TOKEN for its own bot. One token cannot be
 * long-polled by two programs, so the sidecar must have a bot (and a variable) of its own.
 */
const ownBotToken: ConfigCheck = (config, source) =>
  config.telegram.tokenEnv === 'TELEGRAM_BOT_TOKEN'
    ? [
        errorAt(
          source,
          ['telegram', 'tokenEnv'],
          "TELEGRAM_BOT_TOKEN is turtle-trading's own bot; the sidecar needs a bot of its own (one token cannot be long-polled by two programs): use e.g. SENTINEL_TELEGRAM_TOKEN",
        ),
      ]
    : [];

const configChecks: ConfigCheck[] = [cronContainerIsListed, crontabHasASource, ownBotToken];

// ---------------------------------------------------------------------------------------------
// Paths and secrets

/** Resolve a path written in the config: relative paths are relative to the config file's directory. */
export function resolveFromConfig(baseDir: string, path: string): string {
  return resolve(baseDir, path);
}

/** The rule files or directories the config names, as absolute paths. */
export function rulesPathsOf(config: Config, baseDir: string): string[] {
  const rules = typeof config.rules === 'string' ? [config.rules] : config.rules;
  return rules.map((p) => resolveFromConfig(baseDir, p));
}

export interface ConfigPaths {
  root: string;
  logsDir: string;
  dataDir: string;
  /** The fallback crontab file, relative to the deployment root in the config. */
  crontabFallback?: string;
  /** The release catalogue, relative to the config file. */
  catalogue?: string;
  stateDir: string;
  rules: string[];
  /** The guarded system's state files the sidecar reads (never writes), under the data directory. */
  stateFiles: { which: JsonFileKind; path: string }[];
}

/** Every path of the config made absolute: root, state and rules from the config dir; logs, data and crontab from root. */
export function configPaths(config: Config, baseDir: string): ConfigPaths {
  const root = resolveFromConfig(baseDir, config.deployment.root);
  const dataDir = resolve(root, config.deployment.dataDir);
  const fallback = config.deployment.crontab.fallbackFile;
  return {
    root,
    logsDir: resolve(root, config.deployment.logsDir),
    dataDir,
    ...(fallback ? { crontabFallback: resolve(root, fallback) } : {}),
    ...(config.deployment.catalogue ? { catalogue: resolveFromConfig(baseDir, config.deployment.catalogue) } : {}),
    stateDir: resolveFromConfig(baseDir, config.state.dir),
    rules: rulesPathsOf(config, baseDir),
    stateFiles: [
      { which: 'positions', path: resolve(dataDir, 'positions/positions.json') },
      { which: 'entries', path: resolve(dataDir, 'entries/entries.json') },
      { which: 'orderLog', path: resolve(dataDir, 'trades/order_log.json') },
    ],
  };
}

/**
 * Read the sidecar's own bot token and chat from the environment variables the config names (never
 * turtle-trading's own TELEGRAM_BOT_TOKEN). `off` when no token is set (the console notifier stands in);
 * an error when the token is set but the chat is missing or not a number (a half-configured Telegram
 * must not silently drop alerts). Error texts name the variables, never their values.
 */
export function telegramFromEnv(
  telegram: { tokenEnv: string; chatIdEnv: string },
  env: Record<string, string | undefined>,
): { kind: 'off' } | { kind: 'on'; token: string; chatId: number } | { kind: 'error'; error: string } {
  const token = env[telegram.tokenEnv]?.trim() ?? '';
  if (token === '') return { kind: 'off' };
  if (!/^\d+:[A-Za-z0-9_-]{20,}$/.test(token))
    return { kind: 'error', error: `${telegram.tokenEnv} does not look like a bot token (<digits>:<secret>)` };
  const chat = env[telegram.chatIdEnv]?.trim() ?? '';
  if (chat === '')
    return { kind: 'error', error: `${telegram.tokenEnv} is set but ${telegram.chatIdEnv} is not: set the operator chat id` };
  if (!/^-?\d{1,20}$/.test(chat) || !Number.isSafeInteger(Number(chat)))
    return { kind: 'error', error: `${telegram.chatIdEnv} must be a numeric chat id` };
  return { kind: 'on', token, chatId: Number(chat) };
}

export function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
