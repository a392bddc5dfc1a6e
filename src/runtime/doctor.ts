// `turtle-sentinel doctor`: gathers, read-only, what core/doctor.ts judges — the cron container through
// the Docker port (inspectCron: how it runs, its files' blob ids, the schedule from whatever runs it),
// the release catalogue, the rules and profiles, and the records of the state files the rollback target
// would have to load. It never writes, stops or recreates anything.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config, Rule } from '../config/schema.ts';
import type { Release } from '../config/catalogue-schema.ts';
import { configPaths, type ConfigPaths } from '../config/load-config.ts';
import { cataloguePathOf, loadCatalogue } from '../config/load-catalogue.ts';
import { createDockerEngine } from '../adapters/docker-engine.ts';
import type { DockerPort } from '../ports/docker.ts';
import type { CronInspection, CrontabSource } from '../core/cron-inspection.ts';
import { parseCrontab } from '../core/crontab.ts';
import { profilesOf } from '../core/catalogue.ts';
import { recognitionPaths, recogniseRelease, releaseInForce, runnerOf } from '../core/release-recognition.ts';
import { chooseRollbackTarget, loadBlock, BLOCK_RECORDS_SHOWN } from '../core/rollback-target.ts';
import { diagnose, type DoctorFacts, type DoctorRecognition, type DoctorReport, type TargetBlock } from '../core/doctor.ts';
import type { JobProfile } from '../core/types.ts';
import { inspectCron } from './cron-inspection.ts';

export interface DoctorOptions {
  config: Config;
  baseDir: string;
  rules: Rule[];
  /** rules/profiles.yaml, by script. */
  profiles: Record<string, JobProfile>;
  /** The Docker port to use; by default the engine at `docker.socketPath`. */
  docker?: DockerPort;
}

export type DoctorOutcome = { ok: true; report: DoctorReport; catalogueFile: string } | { ok: false; errors: string[] };

export async function runDoctor(options: DoctorOptions): Promise<DoctorOutcome> {
  const { config } = options;
  const paths = configPaths(config, options.baseDir);
  // The daemon recognises releases only with deployment.catalogue; doctor always does, with the bundled
  // catalogue when none is configured, and says which line turns it on.
  const catalogueFile = paths.catalogue ?? cataloguePathOf();
  const loaded = await loadCatalogue(catalogueFile);
  if (!loaded.ok) return { ok: false, errors: loaded.errors };
  const releases = loaded.catalogue.releases;

  const inspection = await inspect(options, paths, releases);
  const crontab = inspection.kind === 'inspected' ? inspection.value.crontab : await configuredCrontab(paths);
  const crontabProblems = inspection.kind === 'inspected' ? inspection.value.problems : crontab ? [] : [noFallback(paths)];
  const jobs = crontab
    ? parseCrontab(crontab.text, { defaultTimezone: config.deployment.timezone, containerLogsDir: config.deployment.containerLogsDir }).jobs
    : [];

  // A missing container shows no files: "the closest" of nothing would mislead (the daemon skips it too).
  const recognised =
    inspection.kind === 'inspected' && inspection.value.status !== 'missing' ? recogniseRelease(inspection.value, releases) : undefined;
  const inForce = releaseInForce(recognised, releases, config.deployment.release ? { pinned: config.deployment.release } : {}).inForce;
  const recognition: DoctorRecognition = !recognised
    ? { kind: 'none' }
    : recognised.certainty === 'exact'
      ? {
          kind: 'exact',
          release: recognised.release,
          identical: recognised.alike,
          files: Object.keys(recognised.release.recognition.files).map((path) => ({
            path,
            blob: inspection.kind === 'inspected' ? (inspection.value.files[path] ?? '') : '',
          })),
        }
      : closest(recognised.release, inspection.kind === 'inspected' ? inspection.value : undefined);

  const running = inForce?.release;
  const profiles = running ? { ...profilesOf(running), ...options.profiles } : options.profiles;
  const facts: DoctorFacts = {
    catalogueInUse: paths.catalogue !== undefined,
    docker:
      inspection.kind === 'inspected' && inspection.value.status === 'missing'
        ? { kind: 'missing', container: config.deployment.cronContainer }
        : inspection.kind === 'inspected'
          ? {
              kind: 'inspected',
              runner: runnerOf(inspection.value),
              user: inspection.value.user,
              ...(inspection.value.health ? { health: inspection.value.health } : {}),
            }
          : inspection.kind === 'disabled'
            ? { kind: 'disabled' }
            : { kind: 'unreachable', reason: inspection.reason },
    recognition,
    ...(config.deployment.release ? { pinned: config.deployment.release } : {}),
    ...(crontab ? { crontab } : {}),
    crontabProblems,
    ...(paths.crontabFallback ? { fallbackFile: paths.crontabFallback } : {}),
    jobs,
    profiles,
    rules: options.rules,
    logTimestampZone: config.deployment.logTimestampZone,
    target: await targetOf(config, paths, releases, running, inspection.kind === 'inspected' ? inspection.value.user : undefined),
  };
  return { ok: true, report: diagnose(facts), catalogueFile };
}

type Inspected = { kind: 'inspected'; value: CronInspection } | { kind: 'disabled' } | { kind: 'unreachable'; reason: string };

async function inspect(options: DoctorOptions, paths: ConfigPaths, releases: readonly Release[]): Promise<Inspected> {
  if (!options.config.docker.enabled) return { kind: 'disabled' };
  const docker = options.docker ?? createDockerEngine({ socketPath: options.config.docker.socketPath });
  const result = await inspectCron(docker, {
    container: options.config.deployment.cronContainer,
    paths: recognitionPaths(releases),
    crontabCommand: options.config.deployment.crontab.command,
    ...(paths.crontabFallback ? { fallbackFile: paths.crontabFallback } : {}),
  });
  return result.ok ? { kind: 'inspected', value: result.value } : { kind: 'unreachable', reason: result.error.message };
}

async function configuredCrontab(paths: ConfigPaths): Promise<CrontabSource | undefined> {
  if (!paths.crontabFallback) return undefined;
  try {
    return { kind: 'configured-file', path: paths.crontabFallback, text: await readFile(paths.crontabFallback, 'utf8') };
  } catch {
    return undefined;
  }
}

function noFallback(paths: ConfigPaths): string {
  return paths.crontabFallback ? `${paths.crontabFallback} cannot be read` : 'no deployment.crontab.fallbackFile configured';
}

function closest(release: Release, inspection: CronInspection | undefined): DoctorRecognition {
  const wanted = Object.entries(release.recognition.files);
  const mismatched = wanted
    .map(([path, expected]) => ({ path, expected, found: inspection?.files[path] ?? null }))
    .filter((m) => m.found === null || !(m.found.startsWith(m.expected) || m.expected.startsWith(m.found)));
  return { kind: 'closest', release, matched: wanted.length - mismatched.length, total: wanted.length, mismatched };
}

/** The rollback target and whether it can load the records of today's state files. */
async function targetOf(
  config: Config,
  paths: ConfigPaths,
  releases: readonly Release[],
  running: Release | undefined,
  runsAs: string | undefined,
): Promise<DoctorFacts['target']> {
  const named = config.rollback.targetRelease;
  const chosen = chooseRollbackTarget(releases, running, named);
  if (!chosen.ok)
    return running?.predecessor === undefined && running
      ? { kind: 'none', why: 'oldest', name: running.release }
      : { kind: 'none', why: 'unknown-target', ...(named ? { name: named } : {}) };
  if (!chosen.target) return { kind: 'none', why: 'no-release' };
  const records = {
    positions: await recordsOf(join(paths.root, config.deployment.dataDir, 'positions', 'positions.json')),
    entries: await recordsOf(join(paths.root, config.deployment.dataDir, 'entries', 'entries.json')),
  };
  const block = loadBlock({ target: chosen.target, ...(running ? { from: running.release } : {}), records });
  const blocks: TargetBlock[] = [];
  for (const file of ['positions.json', 'entries.json']) {
    const found = (block?.records ?? []).filter((r) => r.file === file);
    if (found.length === 0) continue;
    blocks.push({
      file,
      keys: [...new Set(found.flatMap((r) => [...r.unknown, ...r.missing]))].sort(),
      records: found.slice(0, BLOCK_RECORDS_SHOWN).map((r) => r.record),
    });
  }
  return {
    kind: 'release',
    release: chosen.target,
    source: named ? 'configured' : 'predecessor',
    blocks,
    ...(runsAs !== undefined ? { runsAs } : {}),
  };
}

/** The records of a state file, or none when it is absent or not a JSON list (the positions rules say why). */
async function recordsOf(path: string): Promise<unknown[] | undefined> {
  try {
    const doc: unknown = JSON.parse(await readFile(path, 'utf8'));
    return Array.isArray(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}
