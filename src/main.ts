// CLI entry: parse arguments, load configuration, wire the real adapters, and map every expected
// failure to a clear message and an exit code (0 healthy, 1 firing, 2 configuration or usage error).
import { Command, type CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_DIR } from './config/defaults.ts';
import { configPaths, loadConfig, rulesPathsOf } from './config/load-config.ts';
import { loadRules } from './config/load-rules.ts';
import { watchConfig } from './adapters/config-watch.ts';
import { systemClock } from './adapters/clock.ts';
import { startSentinel } from './runtime/sentinel.ts';
import { runCheck, printCheck } from './runtime/check.ts';
import { readStatus, printStatus } from './runtime/status.ts';
import { daemonLiveness, removeDaemonPid, writeDaemonPid } from './adapters/daemon-pid.ts';
import { runRuleTests } from './runtime/rule-tests.ts';
import { registerRollbackCommands } from './runtime/cli-rollback.ts';
import { registerCatalogueCommands } from './runtime/catalogue-build.ts';
import { runDoctor } from './runtime/doctor.ts';
import { runDemo } from './runtime/demo.ts';
import { releaseContextOfLoop } from './runtime/release-context.ts';
import type { ReleaseContext } from './core/rollback-target.ts';
import { renderDoctorReport } from './core/doctor-text.ts';
import { actionPortOf, daemonLogger, wireNotifier, wireRollbackEngine } from './runtime/wiring.ts';
import { createReloader, operatorSettingsOf } from './runtime/reload.ts';
import { cliText } from './core/cli-text.ts';
import { createNodeCronScheduler } from './adapters/node-cron-scheduler.ts';

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
    const paths = configPaths(config, baseDir);
    const logger = daemonLogger(config, process.env);
    const wiredNotifier = await wireNotifier(config, paths, process.env, logger, systemClock);
    if (!wiredNotifier.ok) fail([wiredNotifier.error]);
    for (const warning of wiredNotifier.warnings) logger.warn({ warning }, 'telegram');
    const { channel, notifier } = wiredNotifier;
    // The rollback engine acts through Docker; without Docker, plans are answered "unavailable" and escalate.
    // Plans are judged against the catalogue and the release the daemon has recognised (set once it runs).
    let loopReleases: () => ReleaseContext | undefined = () => undefined;
    const engine = config.docker.enabled ? wireRollbackEngine(config, paths, logger, systemClock, () => () => loopReleases()) : undefined;
    if (engine && !engine.ok) fail([engine.error]);
    const actions = engine?.ok ? actionPortOf(engine.engine) : undefined;
    const started = await startSentinel({
      ...(actions ? { actions } : {}),
      ...(wiredNotifier.operatorChatId !== undefined ? { operatorChatId: wiredNotifier.operatorChatId } : {}),
      config,
      baseDir,
      rules: all.rules.rules,
      profiles: all.rules.profiles,
      clock: systemClock,
      notifier,
      logger,
      scheduler: createNodeCronScheduler(logger),
      env: process.env,
    });
    if (!started.ok) {
      logger.error({ error: started.error }, 'cannot start');
      fail([started.error]);
    }
    const { sentinel } = started;
    loopReleases = () => releaseContextOfLoop(sentinel.loop.state(), sentinel.loop.context());
    const { stateDir } = paths;
    // So that `status` can tell this daemon is alive; a SIGKILL leaves the file, and status sees the pid gone.
    writeDaemonPid(stateDir, systemClock.now());
    // An execution a crash interrupted is finished or undone first, and the core told how it ended.
    if (engine?.ok) {
      await engine.engine.recover(
        (incidentId, report) => void sentinel.loop.submit({ kind: 'execution', incidentId, report, at: systemClock.now() }),
      );
    }
    // Every key is applied live or reported as waiting for a restart (config/reload-policy.ts).
    const reloader = createReloader({
      configPath,
      rulesPaths: all.rulesPaths,
      running: config,
      stateDir,
      sentinel,
      logger,
      onOperatorSettings: (next) =>
        channel ? channel.reconfigure(operatorSettingsOf(next)) : wiredNotifier.console?.reconfigure(next.telegram.language),
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
    // "running" only once an edit to the config or rules would be seen: an operator (or a test) editing
    // right after this line must not fall into the moment before the watches exist.
    await watcher.ready;
    logger.info(
      { config: all.loaded.file, rules: all.rules.files.length, notifier: channel ? 'telegram' : 'console' },
      'turtle-sentinel running',
    );

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
    const { stateDir } = configPaths(loaded.config, loaded.baseDir);
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
registerCatalogueCommands(program);

program
  .command('doctor')
  .description(
    "read-only: the release recognised and why, the schedule source, the profiles in force, the rules that would be blind, unsure or noisy, the rollback target and whether it can read today's state, the config to change (exit 0 ready, 1 warnings, 2 not watchable)",
  )
  .option('-c, --config <file>', 'sentinel.yaml')
  .action(async (opts: { config?: string }) => {
    const all = await loadAll(configPathOf(opts));
    if (!all.ok) fail(all.errors);
    const outcome = await runDoctor({
      config: all.loaded.config,
      baseDir: all.loaded.baseDir,
      rules: all.rules.rules,
      profiles: all.rules.profiles,
    });
    if (!outcome.ok) fail(outcome.errors);
    for (const line of renderDoctorReport(outcome.report, all.loaded.config.telegram.language)) process.stdout.write(line + '\n');
    process.exit(outcome.report.exitCode);
  });

program
  .command('demo')
  .description(
    "inject each rollback criterion's fault in turn into a copy of the bundled example and show the incident, the proposed decision and the dry-run plan; no Docker, Telegram or network (exit 0 when every fault was detected, 1 otherwise)",
  )
  .option('--lang <ko|en>', "language of the output (default: the embedded default config's telegram.language, ko)")
  .action(async (opts: { lang?: string }) => {
    if (opts.lang !== undefined && opts.lang !== 'ko' && opts.lang !== 'en')
      fail([`--lang must be ko or en, not ${JSON.stringify(opts.lang)}`]);
    const began = performance.now();
    const result = await runDemo({
      ...(opts.lang !== undefined ? { lang: opts.lang as 'ko' | 'en' } : {}),
      write: (line) => process.stdout.write(line + '\n'),
      writeLog: (line) => process.stderr.write(line + '\n'),
      elapsed: () => performance.now() - began,
    });
    if (!result.ok) fail(result.errors);
    process.exit(result.allDetected ? EXIT_HEALTHY : EXIT_FIRING);
  });

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
