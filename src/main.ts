// CLI entry: parse arguments, load configuration, wire the real adapters, and map every expected
// failure to a clear message and an exit code (0 healthy, 1 firing, 2 configuration or usage error).
import { Command, type CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_DIR } from './config/defaults.ts';
import { loadConfig, rulesPathsOf } from './config/load-config.ts';
import { loadRules } from './config/load-rules.ts';
import { watchConfig } from './adapters/config-watch.ts';
import { createLogger } from './adapters/logger.ts';
import { createConsoleNotifier } from './adapters/console-notifier.ts';
import { systemClock } from './adapters/clock.ts';
import { deploymentPaths, startSentinel } from './runtime/sentinel.ts';
import type { TelegramChannel } from './adapters/telegram/channel.ts';
import { runCheck, printCheck } from './runtime/check.ts';
import { readStatus, printStatus } from './runtime/status.ts';
import { daemonLiveness, removeDaemonPid, writeDaemonPid } from './adapters/daemon-pid.ts';
import { runRuleTests } from './runtime/rule-tests.ts';
import { registerRollbackCommands, wireForDaemon } from './runtime/cli-rollback.ts';
import { createReloader, operatorSettingsOf } from './runtime/reload.ts';
import type { ActionPort } from './ports/action.ts';
import { cliText } from './core/cli-text.ts';

const EXIT_HEALTHY = 0;
const EXIT_FIRING = 1;
const EXIT_CONFIG = 2;

function configPathOf(opts: { config?: string }): string | undefined {
  return opts.config ?? process.env.SENTINEL_CONFIG ?? undefined;
}

async function loadAll(configPath: string | undefined, rulesOverride?: string) {
  const loaded = await loadConfig(configPath);
  if (!loaded.ok) return { ok: false as const, errors: loaded.errors };
  const rulesPaths = rulesOverride ? [resolve(rulesOverride)] : rulesPathsOf(loaded.config, loaded.baseDir);
  const rules = await loadRules(rulesPaths);
  if (!rules.ok) return { ok: false as const, errors: rules.errors };
  return { ok: true as const, loaded, rules, rulesPaths };
}

function fail(errors: string[]): never {
  for (const e of errors) process.stderr.write(e + '\n');
  process.exit(EXIT_CONFIG);
}

/** The version of this sidecar, as package.json declares it (one place: the package is the release). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * A usage error (unknown option or command, missing argument) is exit 2 like a configuration error,
 * never 1, which means "firing" to whoever scripts around this CLI. Help and --version asked for are 0.
 * Set before any command is added: commander copies it into every subcommand.
 */
function exitOnUsage(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? EXIT_HEALTHY : EXIT_CONFIG);
}

const program = new Command();
program
  .name('turtle-sentinel')
  .description('Guards a turtle-trading deployment against its rollback runbook criteria')
  .version(packageVersion(), '-V, --version', 'print the version of turtle-sentinel')
  .exitOverride(exitOnUsage)
  .showHelpAfterError();

program
  .command('run')
  .description('watch the deployment continuously (daemon)')
  .option('-c, --config <file>', 'sentinel.yaml (default: $SENTINEL_CONFIG, else the embedded defaults)')
  .action(async (opts: { config?: string }) => {
    const configPath = configPathOf(opts);
    const all = await loadAll(configPath);
    if (!all.ok) fail(all.errors);
    const { config, baseDir } = all.loaded;
    const secrets = [process.env[config.telegram.tokenEnv] ?? ''].filter((s) => s.length > 0);
    const logger = createLogger({ level: config.log.level, secrets });
    // Telegram when the sidecar's own token is in the environment, the console otherwise.
    // Loaded only when used: telegraf and its dependencies cost memory an idle console-only sidecar need not pay.
    const { openTelegramChannel, telegramFromEnv } = await import('./adapters/telegram/channel.ts');
    const tg = telegramFromEnv(config.telegram, process.env);
    if (tg.kind === 'error') fail([tg.error]);
    let channel: TelegramChannel | undefined;
    if (tg.kind === 'on') {
      const opened = openTelegramChannel({
        token: tg.token,
        apiRoot: config.telegram.apiRoot,
        chatId: tg.chatId,
        allowedUserIds: config.telegram.allowedUserIds,
        language: config.telegram.language,
        timeZone: config.deployment.timezone,
        dir: join(deploymentPaths(config, baseDir).stateDir, 'telegram'),
        contacts: config.escalation.contacts,
        logger,
        now: () => systemClock.now(),
        // The core binds decisions to the operator chat (policy.chatId), so other chats' presses reach it to be refused and recorded.
        tuning: { buttonExpiryMs: config.telegram.buttonExpiry, forwardForeignChat: true },
      });
      if (!opened.ok) fail([opened.error]);
      for (const warning of opened.warnings) logger.warn({ warning }, 'telegram');
      channel = opened.channel;
    }
    const consoleNotifier = channel
      ? undefined
      : createConsoleNotifier({ language: config.telegram.language, timeZone: config.deployment.timezone });
    const notifier = channel?.notifier ?? consoleNotifier!;
    // The rollback engine acts through Docker; without Docker, plans are answered "unavailable" and escalate.
    const engine = config.docker.enabled ? wireForDaemon(config, baseDir, logger) : undefined;
    if (engine && !engine.ok) fail([engine.error]);
    const actions: ActionPort | undefined = engine?.ok
      ? {
          plan: (action) => engine.engine.plan(action),
          execute: (incidentId, action, planId, report) => engine.engine.execute(incidentId, action, planId, report),
        }
      : undefined;
    const started = await startSentinel({
      ...(actions ? { actions } : {}),
      ...(tg.kind === 'on' ? { operatorChatId: tg.chatId } : {}),
      config,
      baseDir,
      rules: all.rules.rules,
      profiles: all.rules.profiles,
      clock: systemClock,
      notifier,
      logger,
    });
    if (!started.ok) {
      logger.error({ error: started.error }, 'cannot start');
      fail([started.error]);
    }
    const { sentinel } = started;
    const { stateDir } = deploymentPaths(config, baseDir);
    // So that `status` can tell this daemon is alive; a SIGKILL leaves the file, and status sees the pid gone.
    writeDaemonPid(stateDir, systemClock.now());
    // An execution a crash interrupted is finished or undone first, and the core told how it ended.
    if (engine?.ok) {
      await engine.engine.recover(
        (incidentId, report) => void sentinel.loop.submit({ kind: 'execution', incidentId, report, at: systemClock.now() }),
      );
    }
    logger.info(
      { config: all.loaded.file, rules: all.rules.files.length, notifier: channel ? 'telegram' : 'console' },
      'turtle-sentinel running',
    );
    // Every key is applied live or reported as waiting for a restart (config/reload-policy.ts).
    const reloader = createReloader({
      configPath,
      rulesPaths: all.rulesPaths,
      running: config,
      stateDir: deploymentPaths(config, baseDir).stateDir,
      sentinel,
      logger,
      onOperatorSettings: (next) =>
        channel ? channel.reconfigure(operatorSettingsOf(next)) : consoleNotifier?.reconfigure(next.telegram.language),
    });
    channel?.startBot({
      submit: (event) => sentinel.loop.submit(event),
      state: () => sentinel.loop.state(),
      rules: () => sentinel.loop.context().rules,
      reload: () => reloader.reloadNow(),
      restartRequired: () => reloader.restartRequired(),
    });

    const watcher = watchConfig({
      configPath: all.loaded.path,
      rulesPaths: all.rulesPaths,
      load: () => reloader.load(),
      onReload: async (result) => void (await reloader.apply(result)),
      onInvalid: (errors) => logger.warn({ errors }, 'invalid configuration on reload; keeping the last good version'),
    });

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: draining the event queue');
      watcher.close();
      await sentinel.stop();
      await channel?.close();
      await notifier.close();
      removeDaemonPid(stateDir);
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  });

program
  .command('check')
  .description('evaluate every rule once against the current logs, files and containers')
  .option('-c, --config <file>', 'sentinel.yaml')
  .option('--lookback <duration>', 'judge scheduled runs at most this far back (never before the daemon began watching)', '26h')
  .option('--json', 'print verdicts as JSON')
  .action(async (opts: { config?: string; lookback: string; json?: boolean }) => {
    const all = await loadAll(configPathOf(opts));
    if (!all.ok) fail(all.errors);
    const result = await runCheck({
      config: all.loaded.config,
      baseDir: all.loaded.baseDir,
      rules: all.rules.rules,
      profiles: all.rules.profiles,
      now: systemClock.now(),
      lookback: opts.lookback,
    });
    if (!result.ok) fail(result.errors);
    printCheck(
      result,
      opts.json === true,
      (line) => process.stdout.write(line + '\n'),
      all.loaded.config.telegram.language,
      all.loaded.config.deployment.timezone,
    );
    // A rule that cannot judge (an empty crontab, say) is never "healthy": it is a configuration fault.
    process.exit(result.firing ? EXIT_FIRING : result.unjudged.length > 0 ? EXIT_CONFIG : EXIT_HEALTHY);
  });

program
  .command('status')
  .description(
    "print the running sidecar's view: whether it runs, jobs, runs, containers, version, incidents (exit 1 when the daemon is not running)",
  )
  .option('-c, --config <file>', 'sentinel.yaml')
  .option('--json', 'print as JSON')
  .action(async (opts: { config?: string; json?: boolean }) => {
    const loaded = await loadConfig(configPathOf(opts));
    if (!loaded.ok) fail(loaded.errors);
    const stateDir = deploymentPaths(loaded.config, loaded.baseDir).stateDir;
    const liveness = daemonLiveness(stateDir);
    const status = readStatus(loaded.config, loaded.baseDir);
    if (!status.ok) {
      if (liveness.state === 'running') fail([status.error]);
      fail([
        cliText(loaded.config.telegram.language).daemon(
          liveness,
          'startedAt' in liveness && liveness.startedAt !== undefined ? new Date(liveness.startedAt).toISOString() : '-',
        ),
        status.error,
      ]);
    }
    printStatus(status, loaded.config, opts.json === true, (line) => process.stdout.write(line + '\n'), liveness);
    // A daemon that is not running is trouble for whoever scripts around `status`; unknown is not known to be trouble.
    process.exit(liveness.state === 'not-running' ? EXIT_FIRING : EXIT_HEALTHY);
  });

registerRollbackCommands(program, (configPath) => loadAll(configPath));

const rulesCmd = program.command('rules').description('work with rule files');
rulesCmd
  .command('validate')
  .description('check rule files; errors as file:line:col: path: message')
  .option('-c, --config <file>', 'sentinel.yaml (to find the rules)')
  .option('-r, --rules <path>', 'a rules directory or file (overrides the config)')
  .action(async (opts: { config?: string; rules?: string }) => {
    const all = await loadAll(configPathOf(opts), opts.rules);
    if (!all.ok) fail(all.errors);
    process.stdout.write(
      cliText(all.loaded.config.telegram.language).rulesOk(
        all.rules.rules.length,
        Object.keys(all.rules.profiles).length,
        all.rules.files.length,
      ) + '\n',
    );
  });
rulesCmd
  .command('test')
  .description('run rule unit tests (fixture lines and times in, expected firings out)')
  .argument('<files...>', 'rule test files (*.test.yaml)')
  .option('-c, --config <file>', 'sentinel.yaml (only for the output language, telegram.language)')
  .action(async (files: string[], opts: { config?: string }) => {
    const loaded = await loadConfig(configPathOf(opts));
    if (!loaded.ok) fail(loaded.errors);
    const result = await runRuleTests(files, (line) => process.stdout.write(line + '\n'), loaded.config.telegram.language);
    if (!result.ok) fail(result.errors);
    process.exit(result.failed > 0 ? EXIT_FIRING : EXIT_HEALTHY);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  // Exceptions are bugs: say so plainly, with the stack for the report.
  process.stderr.write(`turtle-sentinel: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(EXIT_CONFIG);
});
