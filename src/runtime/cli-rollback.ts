// CLI commands of the rollback engine: `backup`, `rollback [--strategy] [--dry-run]`, `verify`,
// `halt`, `resume`. The same engine the incidents trigger; main.ts only has to register them.
import { planSteps } from '../core/plan.ts';
import type { Command } from 'commander';
import type { Config } from '../config/schema.ts';
import { configPaths } from '../config/load-config.ts';
import { recogniseForCommand } from './release-context.ts';
import { commandLogger, wireRollbackEngine, type WiredEngine, type Wiring } from './wiring.ts';
import type { ExecutionReport, PlanPreview } from '../core/types.ts';
import { systemClock } from '../adapters/clock.ts';
import { takeBackup } from './rollback/backup.ts';
import type { RollbackEngine } from './rollback/engine.ts';
import { verifyCurrent } from './rollback/verify-current.ts';
import type { Language } from '../core/messages.ts';
import { cliText } from '../core/cli-text.ts';

/** What main.ts's `loadAll(configPath)` returns, as far as these commands need it. */
export type LoadedStuff = { ok: true; loaded: { config: Config; baseDir: string } } | { ok: false; errors: string[] };

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Set the process exit code (commands never call process.exit, so a test can run them in-process). */
  exit(code: number): void;
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  exit: (code) => {
    process.exitCode = code;
  },
};

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_CONFIG = 2;

export function registerRollbackCommands(
  program: Command,
  load: (configPath: string | undefined) => Promise<LoadedStuff>,
  io: CliIo = processIo,
): void {
  const configOption = ['-c, --config <file>', 'sentinel.yaml (default: $SENTINEL_CONFIG, else the embedded defaults)'] as const;
  const setup = async (opts: { config?: string }): Promise<Wired | undefined> => {
    const loaded = await load(opts.config ?? process.env.SENTINEL_CONFIG ?? undefined);
    if (!loaded.ok) {
      for (const e of loaded.errors) io.err(e);
      io.exit(EXIT_CONFIG);
      return undefined;
    }
    const wired = wire(loaded.loaded.config, loaded.loaded.baseDir, io);
    if (!wired.ok) {
      io.err(wired.error);
      io.exit(EXIT_CONFIG);
      return undefined;
    }
    return wired;
  };

  program
    .command('backup')
    .description(
      "runbook §1: copy positions.json (and entries.json, order_log.json) beside the guarded system's backups, SHA-256 verified, and snapshot the job logs",
    )
    .option(...configOption)
    .action(async (opts: { config?: string }) => {
      const w = await setup(opts);
      if (!w) return;
      const r = await takeBackup({
        dataDir: w.deps.deployment.dataDir,
        logsDir: w.deps.deployment.logsDir,
        logs: w.rollback.backup.logs,
        at: systemClock.now(),
        timeZone: w.deps.deployment.timezone ?? 'Asia/Seoul',
      });
      const t = cliText(w.language);
      if (!r.ok) {
        io.err(t.backupFailed(r.error));
        io.exit(EXIT_FAILED);
        return;
      }
      for (const f of r.value.files) {
        io.out(f.backup ? t.backedUp(f.file, f.backup, f.sha256!, f.mode!.toString(8), f.warning) : t.backupAbsent(f.file));
      }
      for (const l of r.value.logs) io.out(t.logSnapshot(l.log, l.snapshot, l.bytes));
      io.exit(EXIT_OK);
    });

  program
    .command('rollback')
    .description('runbook §2–§4: roll the guarded containers back to the target version, verify, restore the original on failure')
    .option(...configOption)
    .option(
      '--strategy <name>',
      'image-tag (the backup tag) or git (build the target commit); default: image-tag when the backup tag exists',
    )
    .option('--dry-run', 'print the exact plan (operations, images, names) and change nothing')
    .option('--plan <id>', 'run only if the current plan still has this id (from an earlier --dry-run)')
    .option('--force', 'run even if this target failed verification before')
    .action(async (opts: { config?: string; strategy?: string; dryRun?: boolean; plan?: string; force?: boolean }) => {
      if (opts.strategy !== undefined && opts.strategy !== 'image-tag' && opts.strategy !== 'git') {
        io.err(`--strategy must be image-tag or git, not ${JSON.stringify(opts.strategy)}`);
        io.exit(EXIT_CONFIG);
        return;
      }
      const w = await setup(opts);
      if (!w) return;
      if (!opts.dryRun) await recoverFirst(w.engine, io, w.language);
      const plan = await w.engine.plan('rollback', {
        ...(opts.strategy ? { strategy: opts.strategy as 'image-tag' | 'git' } : {}),
        force: opts.force === true,
      });
      if (!plan.ok) {
        io.err(cliText(w.language).noPlan('rollback', plan.reason));
        io.exit(EXIT_FAILED);
        return;
      }
      printPlan(plan.plan, io, w.language);
      if (opts.dryRun) {
        io.exit(EXIT_OK);
        return;
      }
      io.exit(await run(w.engine, 'rollback', opts.plan ?? plan.plan.id, io, opts.force === true, w.language));
    });

  program
    .command('verify')
    .description('runbook §4: check the containers, crontab, target files and positions.json against the last rollback')
    .option(...configOption)
    .action(async (opts: { config?: string }) => {
      const w = await setup(opts);
      if (!w) return;
      const ping = await w.deps.docker.ping();
      if (!ping.ok) {
        io.err(ping.error.message);
        io.exit(EXIT_FAILED);
        return;
      }
      const v = await verifyCurrent(w.deps);
      const t = cliText(w.language);
      io.out(t.verifyingAgainst(v.expected.basis));
      for (const c of v.checks) io.out(`${c.ok ? t.verifyTag.ok : c.mayPreExist ? t.verifyTag.warn : t.verifyTag.fail}  ${c.detail}`);
      const failed = v.checks.filter((c) => !c.ok && !c.mayPreExist);
      const warned = v.checks.filter((c) => !c.ok && c.mayPreExist);
      if (warned.length > 0) io.out(t.verifyWarnings(warned.length));
      io.exit(failed.length === 0 ? EXIT_OK : EXIT_FAILED);
    });

  for (const action of ['halt', 'resume'] as const) {
    program
      .command(action)
      .description(
        action === 'halt'
          ? 'stop the cron container: the one "stop trading" lever at v3.2.x (waits for no job to be running)'
          : 'start the cron container again',
      )
      .option(...configOption)
      .action(async (opts: { config?: string }) => {
        const w = await setup(opts);
        if (!w) return;
        await recoverFirst(w.engine, io, w.language);
        const plan = await w.engine.plan(action);
        if (!plan.ok) {
          io.err(cliText(w.language).noPlan(action, plan.reason));
          io.exit(EXIT_FAILED);
          return;
        }
        printPlan(plan.plan, io, w.language);
        io.exit(await run(w.engine, action, plan.plan.id, io, false, w.language));
      });
  }
}

type Wired = WiredEngine;

/** The engine for a CLI command: the config's paths, warnings on stderr (the human output is on stdout). */
export function wire(config: Config, baseDir: string, io: CliIo): Wiring<WiredEngine> {
  const paths = configPaths(config, baseDir);
  // No daemon state here: the running release is recognised from the cron container when a plan is made.
  return wireRollbackEngine(
    config,
    paths,
    commandLogger(config, process.env, io.err),
    systemClock,
    (docker) => () => recogniseForCommand(config, paths, docker),
  );
}

function printPlan(plan: PlanPreview, io: CliIo, lang: Language): void {
  for (const line of planLines(plan, lang)) io.out(line);
}

/** A plan as `rollback --dry-run` prints it (and `halt`, `resume` before they run); the demo prints the same. */
export function planLines(plan: PlanPreview, lang: Language): string[] {
  return [cliText(lang).planHead(plan), ...planSteps(plan, lang).map((s, i) => `  ${String(i + 1).padStart(2)}. ${s}`)];
}

async function recoverFirst(engine: RollbackEngine, io: CliIo, lang: Language): Promise<void> {
  await engine.recover((incidentId, r) => io.out(cliText(lang).recovered(incidentId, formatReport(r, lang))));
}

async function run(
  engine: RollbackEngine,
  action: 'rollback' | 'halt' | 'resume',
  planId: string,
  io: CliIo,
  force: boolean,
  lang: Language,
): Promise<number> {
  let code = EXIT_FAILED;
  await engine.execute(
    `cli-${new Date(systemClock.now()).toISOString()}`,
    action,
    planId,
    (r) => {
      io.out(formatReport(r, lang));
      if (action === 'rollback' && r.kind === 'verified') code = r.ok ? EXIT_OK : EXIT_FAILED;
      if (action !== 'rollback' && r.kind === 'finished') code = r.ok ? EXIT_OK : EXIT_FAILED;
    },
    { force },
  );
  return code;
}

export function formatReport(r: ExecutionReport, lang: Language): string {
  return cliText(lang).report(r);
}
