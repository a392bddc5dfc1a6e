// Configuration reload in a running daemon: re-read sentinel.yaml and the rule files, apply what can
// be applied live (config/reload-policy.ts), keep the rest as the daemon started with it and say so:
// in the log, in /status and /reload (Telegram), and in `turtle-sentinel status` (through a file in
// the state directory, which the daemon clears when it starts).
import { rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { replaceFileAtomic } from '../adapters/durable.ts';
import { loadConfig } from '../config/load-config.ts';
import { loadRules } from '../config/load-rules.ts';
import { planReload } from '../config/reload-policy.ts';
import type { Config, Profile, Rule } from '../config/schema.ts';
import { restartRequiredLog } from '../core/reload-text.ts';
import type { Sentinel } from './sentinel.ts';
import type { OperatorSettings } from '../adapters/telegram/channel.ts';

const RESTART_FILE = 'restart-required.json';

export type Reloadable = { ok: true; config: Config; rules: Rule[]; profiles: Record<string, Profile> } | { ok: false; errors: string[] };

export interface ReloadResult {
  ok: true;
  rules: number;
  applied: string[];
  restartRequired: string[];
}

export interface Reloader {
  /** Read the config and the rules again (the rule files the daemon watches, whatever `rules:` now says). */
  load(): Promise<Reloadable>;
  /** Switch to a loaded version: live keys and rules now, the rest reported as waiting for a restart. */
  apply(loaded: Extract<Reloadable, { ok: true }>): Promise<ReloadResult>;
  /** `/reload`: load, then apply. */
  reloadNow(): Promise<ReloadResult | { ok: false; errors: string[] }>;
  /** Changed keys the running daemon does not apply (empty when it runs on the file as it is). */
  restartRequired(): readonly string[];
}

export interface ReloaderOptions {
  /** sentinel.yaml; absent when running on the embedded default. */
  configPath?: string | undefined;
  /** The rule files or directories the daemon started with (and watches). */
  rulesPaths: string[];
  /** The config the daemon started with. */
  running: Config;
  stateDir: string;
  sentinel: Pick<Sentinel, 'reload'>;
  logger: Logger;
  /** Pass the operator-facing settings (language, allow-list, contacts, button expiry) on to the notifier and bot. */
  onOperatorSettings?: (config: Config) => void;
}

export function createReloader(options: ReloaderOptions): Reloader {
  let running = options.running;
  let waiting: string[] = [];
  const file = join(options.stateDir, RESTART_FILE);
  // A new process runs on the file as it is: nothing waits for a restart any more.
  clearRestartRequired(options.stateDir);

  const reloader: Reloader = {
    async load() {
      const loaded = await loadConfig(options.configPath);
      if (!loaded.ok) return loaded;
      const rules = await loadRules(options.rulesPaths);
      if (!rules.ok) return rules;
      return { ok: true, config: loaded.config, rules: rules.rules, profiles: rules.profiles };
    },
    async apply(loaded) {
      const plan = planReload(running, loaded.config);
      running = plan.effective;
      options.logger.level = running.log.level;
      options.onOperatorSettings?.(running);
      await options.sentinel.reload(running, loaded.rules, loaded.profiles);
      waiting = plan.restartRequired;
      writeRestartRequired(file, waiting, options.logger);
      options.logger.info({ rules: loaded.rules.length, applied: plan.applied }, 'configuration reloaded');
      if (waiting.length > 0) options.logger.warn({ restartRequired: waiting }, restartRequiredLog(waiting));
      return { ok: true, rules: loaded.rules.length, applied: plan.applied, restartRequired: [...waiting] };
    },
    async reloadNow() {
      const loaded = await reloader.load();
      return loaded.ok ? reloader.apply(loaded) : loaded;
    },
    restartRequired: () => waiting,
  };
  return reloader;
}

/** The Telegram channel's part of a reloaded config. */
export function operatorSettingsOf(config: Config): OperatorSettings {
  return {
    language: config.telegram.language,
    allowedUserIds: config.telegram.allowedUserIds,
    contacts: config.escalation.contacts,
    buttonExpiryMs: config.telegram.buttonExpiry,
  };
}

/** What `turtle-sentinel status` shows: the keys a running (or stopped) daemon has not applied. */
export function readRestartRequired(stateDir: string): string[] {
  try {
    const keys = (JSON.parse(readFileSync(join(stateDir, RESTART_FILE), 'utf8')) as { restartRequired?: unknown }).restartRequired;
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

function clearRestartRequired(stateDir: string): void {
  rmSync(join(stateDir, RESTART_FILE), { force: true });
}

function writeRestartRequired(file: string, keys: string[], logger: Logger): void {
  try {
    if (keys.length === 0) {
      rmSync(file, { force: true });
      return;
    }
    replaceFileAtomic(file, JSON.stringify({ restartRequired: keys }) + '\n', 0o666);
  } catch (err) {
    // Only `status` reads it; the log line and /status say the same.
    logger.warn({ err: (err as Error).message, file }, 'cannot record the keys waiting for a restart');
  }
}
