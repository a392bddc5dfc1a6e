// Reads what the plan is built from: the configured containers (and only those), the backup and
// rollback tags, compose's image names, the git checkout, and earlier failed verifications.
import { join, resolve } from 'node:path';
import { readJsonFile } from '../../adapters/json-files.ts';
import { containerHaltStops } from '../../core/halt-levers.ts';
import { parsePythonJson } from '../../core/python-json.ts';
import {
  chooseRollbackTarget,
  targetCommitFor,
  verifySpecFor,
  type ReleaseContext,
  type RollbackRelease,
} from '../../core/rollback-target.ts';
import { composeImageName, type ContainerFact, type GitFacts, type PlanAction, type PlanFacts } from '../../core/plan.ts';
import type { ContainerDoc, DockerPort } from '../../ports/docker.ts';
import type { GitPort } from '../../ports/git.ts';
import type { RollbackConfig } from '../../config/rollback-schema.ts';
import { recreateSpec } from './recreate-spec.ts';

export interface FactsInput {
  docker: DockerPort;
  git?: GitPort;
  config: RollbackConfig;
  deployment: { root: string; dataDir: string; logsDir: string; containers: string[]; cronContainer: string };
  failedTargets: PlanFacts['failedTargets'];
  /** The release catalogue and the running release, when the sidecar has them (rollback-target.ts). */
  releases?: ReleaseContext;
}

export type GatheredFacts = { ok: true; facts: PlanFacts; docs: Record<string, ContainerDoc> } | { ok: false; reason: string };

export function gitRepoPath(config: RollbackConfig, root: string): string {
  return resolve(root, config.git.repo ?? '.');
}

export async function gatherFacts(
  input: FactsInput,
  action: PlanAction,
  options: { strategy?: 'image-tag' | 'git'; force?: boolean },
): Promise<GatheredFacts> {
  const { docker, config, deployment } = input;
  const ping = await docker.ping();
  if (!ping.ok) return { ok: false, reason: ping.error.message };

  // The release the rollback goes to, and the records it must be able to load (SPEC §3.4).
  let release: RollbackRelease | undefined;
  if (action === 'rollback') {
    const chosen = input.releases
      ? chooseRollbackTarget(input.releases.catalogue, input.releases.running, config.targetRelease)
      : config.targetRelease !== undefined
        ? { ok: false as const, reason: `rollback.targetRelease ${config.targetRelease} is set, but no release catalogue is loaded` }
        : { ok: true as const };
    if (!chosen.ok) return chosen;
    if (chosen.target) {
      const records = await stateRecords(deployment.dataDir);
      if (!records.ok) return records;
      release = {
        target: chosen.target,
        ...(input.releases?.running ? { from: input.releases.running.release } : {}),
        records: records.value,
      };
    }
  }

  const configured = deployment.containers.includes(deployment.cronContainer)
    ? deployment.containers
    : [deployment.cronContainer, ...deployment.containers];
  const containers: Record<string, ContainerFact | undefined> = {};
  const docs: Record<string, ContainerDoc> = {};
  const inspected = await Promise.all(configured.map(async (name) => ({ name, r: await docker.inspectContainer(name) })));
  for (const { name, r } of inspected) {
    if (!r.ok) {
      if (r.error.kind === 'not-found') continue;
      return { ok: false, reason: r.error.message };
    }
    // Inspect also answers to an ID prefix: only a container with exactly this name is the guarded one.
    if (r.value.Name !== `/${name}`) continue;
    docs[name] = r.value;
  }
  const images = await Promise.all(Object.values(docs).map((doc) => docker.inspectImage(doc.Image)));
  Object.values(docs).forEach((doc, i) => {
    const name = doc.Name.slice(1);
    const image = images[i]!;
    const summary = recreateSpec(doc, image.ok ? image.value : undefined, doc.Image).summary;
    const labels = doc.Config?.Labels ?? {};
    containers[name] = {
      name,
      id: doc.Id,
      imageId: doc.Image,
      imageRef: doc.Config?.Image ?? '',
      status: doc.State?.Status ?? 'unknown',
      ...(labels['com.docker.compose.project'] ? { composeProject: labels['com.docker.compose.project'] } : {}),
      ...(labels['com.docker.compose.service'] ? { composeService: labels['com.docker.compose.service'] } : {}),
      config: summary,
    };
  });

  const imageId = async (ref: string): Promise<{ ok: true; id?: string } | { ok: false; reason: string }> => {
    const r = await docker.inspectImage(ref);
    if (r.ok) return { ok: true, id: r.value.Id };
    return r.error.kind === 'not-found' ? { ok: true } : { ok: false, reason: r.error.message };
  };
  const composeNames = [
    ...new Set(Object.values(containers).flatMap((fact) => (fact ? (composeImageName(fact, config.composeImageSeparator) ?? []) : []))),
  ];
  const [backup, rollbackTag, gitRead, ...compose] = await Promise.all([
    imageId(config.backupTag),
    imageId(config.rollbackTag),
    action === 'rollback' && config.git.enabled
      ? gitFacts(input, targetCommitFor(config.git.targetCommit, release?.target))
      : Promise.resolve(undefined),
    ...composeNames.map((name) => imageId(name)),
  ]);
  if (!backup.ok) return backup;
  if (!rollbackTag.ok) return rollbackTag;
  const composeImages: Record<string, string | undefined> = {};
  for (const [i, name] of composeNames.entries()) {
    const r = compose[i]!;
    if (!r.ok) return r;
    composeImages[name] = r.id;
  }

  const git: PlanFacts['git'] = { enabled: config.git.enabled };
  if (gitRead !== undefined) {
    if ('error' in gitRead) git.error = gitRead.error;
    else git.facts = gitRead;
  }

  const display = (dir: string): string => {
    const rel = dir.startsWith(deployment.root) ? dir.slice(deployment.root.length).replace(/^\/+/, '') : dir;
    return rel === '' ? '.' : rel;
  };
  const facts: PlanFacts = {
    action,
    strategy: options.strategy ?? config.strategy,
    cronContainer: deployment.cronContainer,
    configured,
    containers,
    backup: { reference: config.backupTag, ...(backup.id ? { imageId: backup.id } : {}) },
    rollbackTag: { reference: config.rollbackTag, ...(rollbackTag.id ? { imageId: rollbackTag.id } : {}) },
    composeSeparator: config.composeImageSeparator,
    composeImages,
    git,
    verify: verifySpecFor(config.verify, release?.target),
    failedTargets: input.failedTargets,
    force: options.force ?? false,
    display: { dataDir: display(deployment.dataDir), logsDir: display(deployment.logsDir) },
    ...(release ? { release } : {}),
    ...(action === 'halt' && containerHaltStops(input.releases?.running)
      ? { haltStops: containerHaltStops(input.releases?.running)! }
      : {}),
  };
  return { ok: true, facts, docs };
}

/**
 * The records of positions.json and entries.json as they are now. An absent file has no records; a file
 * that cannot be read or is not a JSON list stops the planning: whether the target can load it is unknown.
 */
async function stateRecords(dataDir: string): Promise<{ ok: true; value: RollbackRelease['records'] } | { ok: false; reason: string }> {
  const value: { positions?: unknown[]; entries?: unknown[] } = {};
  for (const [key, file] of [
    ['positions', 'positions/positions.json'],
    ['entries', 'entries/entries.json'],
  ] as const) {
    const read = await readJsonFile(key, join(dataDir, file), () => 0);
    if (!read.ok)
      return {
        ok: false,
        reason: `${file} cannot be read, so whether the rollback target can load it is unknown: ${'message' in read ? read.message : 'it changed while being read'}`,
      };
    if (read.file.content === undefined) continue;
    const parsed = parsePythonJson(read.file.content, read.file.invalidUtf8);
    if (!parsed.ok || !Array.isArray(parsed.value)) {
      return { ok: false, reason: `${file} is not a JSON list of records, so whether the rollback target can load it is unknown` };
    }
    value[key] = parsed.value;
  }
  return { ok: true, value };
}

async function gitFacts(input: FactsInput, targetCommit: string): Promise<GitFacts | { error: string }> {
  if (!input.git) return { error: 'no git port configured' };
  const repo = gitRepoPath(input.config, input.deployment.root);
  const status = await input.git.status(repo);
  if (!status.ok) return { error: status.error };
  const target = await input.git.resolve(repo, targetCommit);
  if (!target.ok) return { error: target.error };
  const branchAt = await input.git.branchAt(repo, input.config.git.branch);
  if (!branchAt.ok) return { error: branchAt.error };
  return {
    repo,
    head: status.value.head,
    ...(status.value.branch ? { branch: status.value.branch } : {}),
    dirty: status.value.dirty,
    requested: targetCommit,
    ...(target.value ? { target: target.value } : {}),
    branchName: input.config.git.branch,
    ...(branchAt.value ? { branchAt: branchAt.value } : {}),
    dockerfile: input.config.git.dockerfile,
  };
}
