// Verification at any time (the CLI's `verify`), outside an execution: the deployment's checks held
// against the last verified rollback, or without one against the newest positions.json backup.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../sha256.ts';
import type { RollbackEngineDeps } from './engine.ts';
import { RollbackJournal, type JournalRecord } from './journal.ts';
import { checkContext, type StepEnv } from './steps.ts';
import { verifySpecFor } from '../../core/rollback-target.ts';
import type { VerifySpec } from '../../core/plan.ts';
import { takeChecks, type Check } from './verify.ts';

export interface CurrentVerification {
  checks: Check[];
  /** What the checks were held against, for the operator. */
  expected: { imageId?: string; positionsSha256?: string | null; basis: string };
}

/**
 * Verification at any time (the CLI's `verify`): the deployment against the last verified rollback
 * (its target image, the crontab and files its plan verified, its positions.json backup), or, without
 * one, against the newest `positions.json.pre-rollback-*` backup and the crontab and files of the
 * release recognised as running (the runbook's v3.2.0 lists only when no catalogue names one).
 */
export async function verifyCurrent(
  deps: Pick<RollbackEngineDeps, 'docker' | 'config' | 'deployment' | 'stateDir' | 'now' | 'logger' | 'releaseContext'>,
): Promise<CurrentVerification> {
  const journal = new RollbackJournal(join(deps.stateDir, 'rollback'));
  const last = journal
    .executions()
    .filter((e) => e.exec.action === 'rollback' && e.outcome?.outcome === 'verified')
    .at(-1);
  let imageId: string | undefined;
  let positionsSha256: string | null | undefined;
  let basis: string;
  let spec: VerifySpec;
  if (last) {
    // What that rollback's plan verified (its target release's lists), not today's defaults.
    const planned = last.exec.ops.find((o) => o.op === 'verify');
    spec = planned?.op === 'verify' ? planned.spec : verifySpecFor(deps.config.verify, undefined);
    imageId = last.outcome!.targetImageId;
    const backupStep = last.exec.ops.findIndex((o) => o.op === 'backup');
    const data = last.records.find((r): r is Extract<JournalRecord, { t: 'end' }> => r.t === 'end' && r.ok && r.step === backupStep)?.data;
    positionsSha256 = (data?.positionsSha256 as string | null | undefined) ?? undefined;
    basis = `the rollback verified at ${new Date(last.outcome!.at).toISOString()} (incident ${last.exec.incidentId})`;
  } else {
    const newest = await newestPositionsBackup(join(deps.deployment.dataDir, 'positions/backups'));
    positionsSha256 = newest?.sha256;
    const running = (await deps.releaseContext?.())?.running;
    spec = verifySpecFor(deps.config.verify, running);
    const lists = running ? `the crontab and files of ${running.release}, the release running` : "the runbook's v3.2.0 crontab and files";
    basis = newest
      ? `no verified rollback recorded; ${lists}; positions.json against ${newest.path}`
      : `no verified rollback and no positions.json.pre-rollback-* backup recorded; ${lists}`;
  }
  const env: StepEnv = { ...deps };
  const checks = await takeChecks(
    checkContext(
      env,
      [deps.deployment.cronContainer, ...deps.deployment.containers.filter((c) => c !== deps.deployment.cronContainer)],
      spec,
    ),
    {
      mode: 'current',
      ...(imageId ? { imageId } : {}),
      ...(positionsSha256 !== undefined ? { positionsSha256 } : {}),
    },
  );
  return { checks, expected: { ...(imageId ? { imageId } : {}), ...(positionsSha256 !== undefined ? { positionsSha256 } : {}), basis } };
}

async function newestPositionsBackup(dir: string): Promise<{ path: string; sha256: string } | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  // The stamp sorts chronologically; a `.N` suffix (same second) sorts after its base name.
  const backups = names.filter((n) => /^positions\.json\.pre-rollback-\d{8}_\d{6}(\.\d+)?$/.test(n)).sort();
  const newest = backups.at(-1);
  if (!newest) return undefined;
  const path = join(dir, newest);
  return { path, sha256: sha256Hex(await readFile(path)) };
}
