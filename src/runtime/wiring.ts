// Builds the sidecar's parts from a loaded config, once: its logger, its notifier (Telegram or the
// console), its rollback engine and the action port the core drives it through. `run` and the CLI's
// rollback commands both wire through here, over the one set of paths `configPaths` resolves.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { RollbackConfig } from '../config/rollback-schema.ts';
import { telegramFromEnv, type ConfigPaths } from '../config/load-config.ts';
import type { Language } from '../core/text/catalogue.ts';
import { cliText } from '../core/cli-text.ts';
import type { ActionPort } from '../ports/action.ts';
import type { Clock } from '../ports/clock.ts';
import type { Notifier } from '../ports/notifier.ts';
import { createDockerEngine } from '../adapters/docker-engine.ts';
import { createGitRepo } from '../adapters/git-repo.ts';
import { createLogger } from '../adapters/logger.ts';
import { createConsoleNotifier, type ConsoleNotifier } from '../adapters/console-notifier.ts';
import type { TelegramChannel } from '../adapters/telegram/channel.ts';
import type { DockerPort } from '../ports/docker.ts';
import { createRollbackEngine, type RollbackEngine, type RollbackEngineDeps } from './rollback/engine.ts';

export type Wiring<T> = T | { ok: false; error: string };

/**
 * The secrets a log line must never show: the sidecar's own bot token, and the heartbeat URL with the
 * part of it that carries its token (path and query), when they are set. The heartbeat adapter logs
 * only the URL's host; this is the second line of defence, for text it does not write itself.
 */
export function secretsOf(config: Config, env: Record<string, string | undefined>): string[] {
  const ping = env[config.schedules.heartbeat.urlEnv]?.trim() ?? '';
  let pingToken = '';
  try {
    const url = new URL(ping);
    pingToken = url.pathname.length > 1 || url.search !== '' ? url.pathname + url.search : '';
  } catch {
    // Not a URL: the whole value is scrubbed, and the heartbeat says it is off.
  }
  return [env[config.telegram.tokenEnv] ?? '', ping, pingToken].filter((s) => s.length > 0);
}

/** The daemon's logger: JSON lines on stdout at the configured level, the token scrubbed. */
export function daemonLogger(config: Config, env: Record<string, string | undefined>): Logger {
  return createLogger({ level: config.log.level, secrets: secretsOf(config, env) });
}

/** A CLI command's logger: only warnings, through `write` (stderr), since its human output is on stdout. */
export function commandLogger(config: Config, env: Record<string, string | undefined>, write: (line: string) => void): Logger {
  return createLogger({ level: 'warn', secrets: secretsOf(config, env), write: (line) => write(line.trimEnd()) });
}

export interface WiredEngine {
  ok: true;
  engine: RollbackEngine;
  deps: RollbackEngineDeps;
  rollback: RollbackConfig;
  /** The operator's language (`telegram.language`) for everything the CLI prints. */
  language: Language;
}

/**
 * The rollback engine from sentinel.yaml (its `rollback:` section). The daemon passes its own logger,
 * so a rollback's log lines sit with every other line of the daemon; the CLI passes `commandLogger`.
 */
export function wireRollbackEngine(
  config: Config,
  paths: ConfigPaths,
  logger: Logger,
  clock: Clock,
  /** The catalogue and running release plans are judged against (the daemon's state, or a CLI's own look). */
  releaseContext?: (docker: DockerPort) => RollbackEngineDeps['releaseContext'],
  /** The Docker port to act through; default: the engine at `docker.socketPath` (the demo passes its simulated one). */
  dockerPort?: DockerPort,
): Wiring<WiredEngine> {
  if (!config.docker.enabled) return { ok: false, error: cliText(config.telegram.language).dockerDisabled };
  const docker = dockerPort ?? createDockerEngine({ socketPath: config.docker.socketPath });
  const releases = releaseContext?.(docker);
  const deps: RollbackEngineDeps = {
    docker,
    ...(releases ? { releaseContext: releases } : {}),
    git: createGitRepo(),
    config: config.rollback,
    deployment: {
      root: paths.root,
      dataDir: paths.dataDir,
      logsDir: paths.logsDir,
      containers: config.deployment.containers,
      cronContainer: config.deployment.cronContainer,
      timezone: config.deployment.timezone,
      crontabCommand: config.deployment.crontab.command,
    },
    stateDir: paths.stateDir,
    now: () => clock.now(),
    logger,
  };
  return { ok: true, engine: createRollbackEngine(deps), deps, rollback: config.rollback, language: config.telegram.language };
}

/** The port the core plans and executes through: the engine, as the core sees it. */
export function actionPortOf(engine: RollbackEngine): ActionPort {
  return {
    plan: (action) => engine.plan(action),
    execute: (incidentId, action, planId, report) => engine.execute(incidentId, action, planId, report),
  };
}

export interface WiredNotifier {
  ok: true;
  notifier: Notifier;
  /** Present when the sidecar's own bot is configured; the bot starts once the event loop can take commands. */
  channel?: TelegramChannel;
  operatorChatId?: number;
  /** Present otherwise: the console notifier, told of a language change on reload. */
  console?: ConsoleNotifier;
  warnings: string[];
}

/**
 * Telegram when the sidecar's own token is in the environment, the console otherwise. The Telegram
 * modules load only when used: telegraf costs memory an idle console-only sidecar need not pay.
 */
export async function wireNotifier(
  config: Config,
  paths: ConfigPaths,
  env: Record<string, string | undefined>,
  logger: Logger,
  clock: Clock,
): Promise<Wiring<WiredNotifier>> {
  const tg = telegramFromEnv(config.telegram, env);
  if (tg.kind === 'error') return { ok: false, error: tg.error };
  if (tg.kind === 'off') {
    const console = createConsoleNotifier({ language: config.telegram.language, timeZone: config.deployment.timezone });
    return { ok: true, notifier: console, console, warnings: [] };
  }
  const { openTelegramChannel } = await import('../adapters/telegram/channel.ts');
  const opened = openTelegramChannel({
    token: tg.token,
    apiRoot: config.telegram.apiRoot,
    chatId: tg.chatId,
    allowedUserIds: config.telegram.allowedUserIds,
    language: config.telegram.language,
    timeZone: config.deployment.timezone,
    dir: join(paths.stateDir, 'telegram'),
    contacts: config.escalation.contacts,
    logger,
    now: () => clock.now(),
    // The core binds decisions to the operator chat (policy.chatId), so other chats' presses reach it to be refused and recorded.
    tuning: { buttonExpiryMs: config.telegram.buttonExpiry, forwardForeignChat: true },
  });
  if (!opened.ok) return opened;
  return { ok: true, notifier: opened.channel.notifier, channel: opened.channel, operatorChatId: tg.chatId, warnings: opened.warnings };
}
