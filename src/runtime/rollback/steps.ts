// One function per plan operation. Each converges: it looks at the world first and does only what is
// still missing, so re-running a step after a crash (begun, maybe done, not recorded) is safe.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { shortId, type ImageTarget, type PlanOp, type VerifySpec } from '../../core/plan.ts';
import { verifySpecFor } from '../../core/rollback-target.ts';
import type { ContainerDoc, DockerPort, ImageDoc } from '../../ports/docker.ts';
import type { GitPort } from '../../ports/git.ts';
import { takeBackup, type FileBackup } from './backup.ts';
import type { MismatchedFile } from '../../core/types.ts';
import { gitBlobId } from '../git-blob.ts';
import type { RollbackConfig } from '../../config/rollback-schema.ts';
import { EXECUTION_LABEL, REPLACES_LABEL, recreateSpec } from './recreate-spec.ts';
import { sleep } from '../../adapters/retry.ts';
import { judge, runningJobs, takeChecks, type Check, type CheckContext } from './verify.ts';

export interface RollbackDeployment {
  root: string;
  dataDir: string;
  logsDir: string;
  containers: string[];
  cronContainer: string;
  /** Zone of the backup names' timestamps (the operator's clock). Default Asia/Seoul. */
  timezone?: string;
  /** How the crontab is printed in the cron container. Default `crontab -l`. */
  crontabCommand?: string[];
}

export interface StepEnv {
  docker: DockerPort;
  git?: GitPort;
  config: RollbackConfig;
  deployment: RollbackDeployment;
  now: () => number;
  logger: Logger;
}

/** What a step recorded (its journal `end` data), by step index: the memory of an execution. */
export interface RunContext {
  execId: string;
  ops: PlanOp[];
  data: Record<number, Record<string, unknown>>;
}

export type StepResult =
  | { ok: true; detail: string; data?: Record<string, unknown> }
  | {
      ok: false;
      detail: string;
      stop?: 'defer' | 'refuse';
      /** What the operator reads, typed (the engine completes it into the report's words). */
      why?:
        | { key: 'job-running'; container: string; jobs: string[] }
        | { key: 'not-target-release'; release: string; differ: MismatchedFile[] };
    };

export interface PreflightData {
  containers: Record<string, { doc: ContainerDoc; image?: ImageDoc }>;
  baseline: Check[];
}

export function crontabCommandOf(env: StepEnv): string[] {
  return env.deployment.crontabCommand ?? ['crontab', '-l'];
}

/**
 * What the checks look at. `spec`: the plan's own verification (the target release's, see facts.ts);
 * without a plan, the configured lists, else the runbook's.
 */
export function checkContext(
  env: StepEnv,
  containers: string[],
  spec: VerifySpec = verifySpecFor(env.config.verify, undefined),
): CheckContext {
  return {
    docker: env.docker,
    containers,
    cronContainer: env.deployment.cronContainer,
    crontabCommand: crontabCommandOf(env),
    spec,
    positionsPath: join(env.deployment.dataDir, 'positions/positions.json'),
    now: env.now,
    settleMs: env.config.verify.settle,
    stableMs: env.config.verify.stable,
  };
}

function dataOf<T>(run: RunContext, op: PlanOp['op']): T | undefined {
  const index = run.ops.findIndex((o) => o.op === op);
  return index >= 0 ? (run.data[index] as T | undefined) : undefined;
}

export function preflightData(run: RunContext): PreflightData | undefined {
  const data = dataOf<PreflightData>(run, 'preflight');
  return data?.containers ? data : undefined;
}

/** The image the containers are to run: the backup tag's ID, or what the build step produced. */
export function targetImageOf(run: RunContext, image: ImageTarget): string | undefined {
  return 'id' in image ? image.id : dataOf<{ imageId?: string }>(run, 'build')?.imageId;
}

export function planTargetImage(run: RunContext): string | undefined {
  const verify = run.ops.find((o) => o.op === 'verify');
  return verify && verify.op === 'verify' ? targetImageOf(run, verify.image) : undefined;
}

export async function runStep(env: StepEnv, run: RunContext, index: number): Promise<StepResult> {
  const op = run.ops[index]!;
  switch (op.op) {
    case 'preflight':
      return preflight(env, run, op);
    case 'build':
      return build(env, op);
    case 'backup':
      return backup(env);
    case 'stop':
      return stop(env, op);
    case 'rename':
      return rename(env, op);
    case 'create':
      return create(env, run, op);
    case 'release-check':
      return releaseCheck(env, run, op);
    case 'start':
      return start(env, run, op);
    case 'tag':
      return tag(env, run, op);
    case 'git-checkout':
      return gitCheckout(env, op);
    case 'verify':
      return verify(env, run, op);
    case 'remove-old':
      return removeOld(env, op);
    case 'halt': {
      const r = await env.docker.stop(op.id, Math.ceil(env.config.stopTimeout / 1000));
      return r.ok
        ? { ok: true, detail: `${op.container} (${shortId(op.id)}) stopped: no scheduled job runs until it is resumed` }
        : { ok: false, detail: r.error.message };
    }
    case 'resume': {
      const r = await env.docker.start(op.id);
      return r.ok ? { ok: true, detail: `${op.container} (${shortId(op.id)}) started` } : { ok: false, detail: r.error.message };
    }
  }
}

async function preflight(env: StepEnv, run: RunContext, op: Extract<PlanOp, { op: 'preflight' }>): Promise<StepResult> {
  // The baseline takes the checks the plan verifies with (the target release's), so that before and after compare.
  const planned = run.ops.find((o): o is Extract<PlanOp, { op: 'verify' }> => o.op === 'verify')?.spec;
  // The job check decides; the inspects and the baseline are read alongside it (all read-only).
  const [jobs, inspected, baseline] = await Promise.all([
    runningJobs(env.docker, op.container, crontabCommandOf(env)),
    Promise.all(
      op.baseline.map(async (name) => {
        const r = await env.docker.inspectContainer(name);
        if (!r.ok) return { name, error: r.error.message };
        const image = await env.docker.inspectImage(r.value.Image);
        return { name, doc: r.value, ...(image.ok ? { image: { Id: image.value.Id, Config: image.value.Config ?? null } } : {}) };
      }),
    ),
    op.baseline.length > 0 ? takeChecks(checkContext(env, op.baseline, planned), { mode: 'baseline' }) : Promise.resolve([]),
  ]);
  if (!jobs.ok) return { ok: false, stop: 'refuse', detail: `cannot tell whether a job runs in ${op.container}: ${jobs.error}` };
  if (jobs.jobs.length > 0)
    return {
      ok: false,
      stop: 'defer',
      detail: `a job is running in ${op.container}: ${jobs.jobs.join('; ')}`,
      why: { key: 'job-running', container: op.container, jobs: jobs.jobs },
    };
  if (op.baseline.length === 0) return { ok: true, detail: `no job running in ${op.container}` };
  const containers: PreflightData['containers'] = {};
  for (const entry of inspected) {
    if ('error' in entry) return { ok: false, stop: 'refuse', detail: entry.error! };
    containers[entry.name] = { doc: entry.doc, ...(entry.image ? { image: entry.image } : {}) };
  }
  const failing = baseline.filter((c) => !c.ok).map((c) => c.detail);
  return {
    ok: true,
    detail: `no job running in ${op.container}; recorded ${op.baseline.map((n) => `${n} ${shortId(containers[n]!.doc.Id)} (image ${shortId(containers[n]!.doc.Image)})`).join(', ')}; baseline: ${baseline.length - failing.length}/${baseline.length} checks pass${failing.length ? ` (failing: ${failing.join('; ')})` : ''}`,
    data: { containers, baseline },
  };
}

async function build(env: StepEnv, op: Extract<PlanOp, { op: 'build' }>): Promise<StepResult> {
  if (!env.git) return { ok: false, stop: 'refuse', detail: 'no git port configured' };
  const archive = await env.git.archive(op.repo, op.commit);
  if (!archive.ok) return { ok: false, stop: 'refuse', detail: archive.error };
  const built = await env.docker.build(archive.value, {
    dockerfile: op.dockerfile,
    labels: { 'turtle-sentinel.rollback.commit': op.commit },
  });
  if (!built.ok) return { ok: false, stop: 'refuse', detail: `${built.error.message} (commit ${op.commit.slice(0, 12)})` };
  const tagged = await env.docker.tag(built.value.imageId, op.tag);
  if (!tagged.ok) return { ok: false, stop: 'refuse', detail: tagged.error.message };
  return {
    ok: true,
    detail: `built ${shortId(built.value.imageId)} from ${op.commit.slice(0, 12)}, tagged ${op.tag}`,
    data: { imageId: built.value.imageId },
  };
}

async function backup(env: StepEnv): Promise<StepResult> {
  const r = await takeBackup({
    dataDir: env.deployment.dataDir,
    logsDir: env.deployment.logsDir,
    logs: env.config.backup.logs,
    at: env.now(),
    timeZone: env.deployment.timezone ?? 'Asia/Seoul',
  });
  if (!r.ok) return { ok: false, stop: 'refuse', detail: r.error };
  const positions = r.value.files.find((f) => f.file === 'positions/positions.json');
  const copied = r.value.files.filter((f): f is FileBackup & { backup: string } => f.backup !== undefined);
  const warnings = r.value.files.flatMap((f) => (f.warning ? [`${f.file}: ${f.warning}`] : []));
  return {
    ok: true,
    detail: `${copied.length ? copied.map((f) => `${f.backup} (sha256 ${f.sha256!.slice(0, 12)}, mode ${f.mode!.toString(8)})`).join(', ') : 'no state file to copy'}; ${r.value.logs.length} log snapshot(s)${warnings.length ? `; ${warnings.join('; ')}` : ''}`,
    data: { ...r.value, positionsSha256: positions?.sha256 ?? null },
  };
}

export async function waitForNoJob(env: StepEnv, container: string): Promise<{ ok: true } | { ok: false; detail: string }> {
  const deadline = env.now() + env.config.jobWait;
  for (;;) {
    const jobs = await runningJobs(env.docker, container, crontabCommandOf(env));
    if (!jobs.ok) return { ok: false, detail: `cannot tell whether a job runs in ${container}: ${jobs.error}` };
    if (jobs.jobs.length === 0) return { ok: true };
    if (env.now() >= deadline)
      return {
        ok: false,
        detail: `a job kept running in ${container} for ${Math.round(env.config.jobWait / 60_000)} min: ${jobs.jobs.join('; ')}`,
      };
    env.logger.info({ container, jobs: jobs.jobs }, 'waiting for a job to finish before acting');
    await sleep(1_000);
  }
}

async function stop(env: StepEnv, op: Extract<PlanOp, { op: 'stop' }>): Promise<StepResult> {
  const r = await env.docker.inspectContainer(op.id);
  if (!r.ok) return { ok: false, detail: r.error.message };
  const active = r.value.State?.Running === true || r.value.State?.Restarting === true;
  if (active && op.container === env.deployment.cronContainer) {
    // Checked again right before acting: a job may have started since the preflight.
    const quiet = await waitForNoJob(env, op.container);
    if (!quiet.ok) return { ok: false, stop: 'refuse', detail: quiet.detail };
  }
  if (active) {
    const stopped = await env.docker.stop(op.id, Math.ceil(env.config.stopTimeout / 1000));
    if (!stopped.ok) return { ok: false, detail: stopped.error.message };
  }
  // Kept but never restarted behind our back (a daemon restart would bring "always" containers back).
  const policy = await env.docker.setRestartPolicy(op.id, { Name: 'no', MaximumRetryCount: 0 });
  if (!policy.ok) return { ok: false, detail: policy.error.message };
  return {
    ok: true,
    detail: `${op.container} (${shortId(op.id)}) ${active ? 'stopped' : `was already ${r.value.State?.Status ?? 'stopped'}`}; restart policy "no"`,
  };
}

async function rename(env: StepEnv, op: Extract<PlanOp, { op: 'rename' }>): Promise<StepResult> {
  const r = await env.docker.inspectContainer(op.id);
  if (!r.ok) return { ok: false, detail: r.error.message };
  if (r.value.Name === `/${op.to}`) return { ok: true, detail: `${shortId(op.id)} is already named ${op.to}` };
  const holder = await env.docker.inspectContainer(op.to);
  if (holder.ok && holder.value.Id !== op.id)
    return { ok: false, detail: `the name ${op.to} is taken by container ${shortId(holder.value.Id)}` };
  const renamed = await env.docker.rename(op.id, op.to);
  return renamed.ok
    ? { ok: true, detail: `${op.container} (${shortId(op.id)}) renamed ${op.to}` }
    : { ok: false, detail: renamed.error.message };
}

async function create(env: StepEnv, run: RunContext, op: Extract<PlanOp, { op: 'create' }>): Promise<StepResult> {
  const pre = preflightData(run)?.containers[op.container];
  if (!pre) return { ok: false, detail: `no recorded configuration of ${op.container}` };
  const image = targetImageOf(run, op.image);
  if (!image) return { ok: false, detail: 'no target image (the build step did not record one)' };
  const spec = recreateSpec(pre.doc, pre.image, image, { [EXECUTION_LABEL]: run.execId, [REPLACES_LABEL]: op.fromId });
  // The target release needs another user than the container's own (a Debian-cron target needs root).
  if (op.user !== undefined) spec.body.User = op.user;

  let id: string;
  let networks: string[] = [];
  const existing = await env.docker.inspectContainer(op.container);
  if (existing.ok && existing.value.Name === `/${op.container}`) {
    if (existing.value.Id === op.fromId)
      return { ok: false, detail: `${op.container} is still the original container ${shortId(op.fromId)}` };
    if (existing.value.Config?.Labels?.[EXECUTION_LABEL] !== run.execId) {
      return {
        ok: false,
        detail: `a container named ${op.container} (${shortId(existing.value.Id)}) exists that this rollback did not create; it is left alone`,
      };
    }
    id = existing.value.Id;
    networks = Object.keys(existing.value.NetworkSettings?.Networks ?? {});
  } else if (!existing.ok && existing.error.kind !== 'not-found') {
    return { ok: false, detail: existing.error.message };
  } else {
    const created = await env.docker.create(op.container, spec.body);
    if (!created.ok) return { ok: false, detail: created.error.message };
    id = created.value;
    networks = Object.keys(spec.body.NetworkingConfig?.EndpointsConfig ?? {});
  }
  for (const extra of spec.extraNetworks) {
    if (networks.includes(extra.network)) continue;
    const connected = await env.docker.connect(extra.network, id, extra.endpoint);
    if (!connected.ok) return { ok: false, detail: connected.error.message };
  }
  return { ok: true, detail: `${op.container} created as ${shortId(id)} with image ${shortId(image)}`, data: { id } };
}

/**
 * The created (not yet started) container holds the target release's files: each recognition file's git
 * blob id starts with the catalogue's. Read through the archive endpoint, which works on a container that
 * never ran; nothing has run on the image yet, so a mismatch costs only the restore of the originals.
 */
async function releaseCheck(env: StepEnv, run: RunContext, op: Extract<PlanOp, { op: 'release-check' }>): Promise<StepResult> {
  const image = targetImageOf(run, op.image);
  const shown = image ? `image ${shortId(image)}` : 'the target image';
  const differ: MismatchedFile[] = [];
  for (const [path, expected] of Object.entries(op.files)) {
    const read = await env.docker.readFile(op.container, path);
    if (!read.ok) return { ok: false, detail: `reading ${path} from the created ${op.container}: ${read.error.message}` };
    const found = read.value === null ? null : gitBlobId(read.value);
    if (found === null || !found.startsWith(expected)) differ.push({ path, found: found?.slice(0, expected.length) ?? null, expected });
  }
  const total = Object.keys(op.files).length;
  if (differ.length > 0) {
    const said = differ.map((d) =>
      d.found === null
        ? `${d.path} is absent (${op.release} has ${d.expected})`
        : `${d.path} is ${d.found}, ${op.release}'s is ${d.expected}`,
    );
    return {
      ok: false,
      detail: `${shown} is not ${op.release}: ${said.slice(0, 3).join('; ')}${said.length > 3 ? `; and ${said.length - 3} more` : ''}; it was never started`,
      why: { key: 'not-target-release', release: op.release, differ },
    };
  }
  return { ok: true, detail: `${shown} holds ${op.release}'s files (${total} of ${total} match the release catalogue)` };
}

async function ownContainer(
  env: StepEnv,
  run: RunContext,
  name: string,
): Promise<{ ok: true; doc: ContainerDoc } | { ok: false; detail: string }> {
  const r = await env.docker.inspectContainer(name);
  if (!r.ok) return { ok: false, detail: r.error.message };
  if (r.value.Config?.Labels?.[EXECUTION_LABEL] !== run.execId)
    return { ok: false, detail: `${name} (${shortId(r.value.Id)}) was not created by this rollback` };
  return { ok: true, doc: r.value };
}

async function start(env: StepEnv, run: RunContext, op: Extract<PlanOp, { op: 'start' }>): Promise<StepResult> {
  const own = await ownContainer(env, run, op.container);
  if (!own.ok) return { ok: false, detail: own.detail };
  const started = await env.docker.start(own.doc.Id);
  return started.ok
    ? { ok: true, detail: `${op.container} (${shortId(own.doc.Id)}) started` }
    : { ok: false, detail: started.error.message };
}

async function tag(env: StepEnv, run: RunContext, op: Extract<PlanOp, { op: 'tag' }>): Promise<StepResult> {
  const image = targetImageOf(run, op.image);
  if (!image) return { ok: false, detail: 'no target image to tag' };
  for (const { reference } of op.references) {
    const r = await env.docker.tag(image, reference);
    if (!r.ok) return { ok: false, detail: r.error.message };
  }
  return { ok: true, detail: `${op.references.map((r) => r.reference).join(', ')} now name ${shortId(image)}` };
}

async function gitCheckout(env: StepEnv, op: Extract<PlanOp, { op: 'git-checkout' }>): Promise<StepResult> {
  if (!env.git) return { ok: false, detail: 'no git port configured' };
  const status = await env.git.status(op.repo);
  if (!status.ok) return { ok: false, detail: status.error };
  if (status.value.branch === op.branch && status.value.head === op.commit)
    return { ok: true, detail: `${op.repo} is on ${op.branch} at ${op.commit.slice(0, 12)}` };
  if (status.value.dirty.length > 0)
    return {
      ok: false,
      detail: `the working tree of ${op.repo} has uncommitted changes now: ${status.value.dirty.slice(0, 5).join(', ')}`,
    };
  const at = await env.git.branchAt(op.repo, op.branch);
  if (!at.ok) return { ok: false, detail: at.error };
  if (at.value === undefined) {
    const made = await env.git.createBranch(op.repo, op.branch, op.commit);
    if (!made.ok) return { ok: false, detail: made.error };
  } else if (at.value !== op.commit) {
    return { ok: false, detail: `branch ${op.branch} points at ${at.value.slice(0, 12)}, not ${op.commit.slice(0, 12)}` };
  }
  const checked = await env.git.checkout(op.repo, op.branch);
  return checked.ok
    ? { ok: true, detail: `${op.repo} checked out ${op.branch} at ${op.commit.slice(0, 12)}` }
    : { ok: false, detail: checked.error };
}

async function verify(env: StepEnv, run: RunContext, op: Extract<PlanOp, { op: 'verify' }>): Promise<StepResult> {
  const pre = preflightData(run);
  const image = targetImageOf(run, op.image);
  const backupData = dataOf<{ positionsSha256?: string | null }>(run, 'backup');
  if (!pre || !image || !backupData)
    return { ok: false, detail: 'verification impossible: the baseline, the target image or the backup was not recorded' };
  const after = await takeChecks(checkContext(env, op.containers, op.spec), {
    mode: 'after',
    imageId: image,
    positionsSha256: backupData.positionsSha256 ?? null,
  });
  const j = judge(after, pre.baseline);
  const passed = after.filter((c) => c.ok).length;
  const detail = j.ok
    ? `${passed}/${after.length} checks pass${j.preExisting.length ? `; pre-existing: ${j.preExisting.map((c) => c.detail).join('; ')}` : ''}`
    : `failed: ${j.failures.map((c) => c.detail).join('; ')}`;
  return j.ok ? { ok: true, detail, data: { checks: after, preExisting: j.preExisting.map((c) => c.detail) } } : { ok: false, detail };
}

async function removeOld(env: StepEnv, op: Extract<PlanOp, { op: 'remove-old' }>): Promise<StepResult> {
  const removed: string[] = [];
  for (const c of op.containers) {
    const r = await env.docker.inspectContainer(c.id);
    if (!r.ok) {
      if (r.error.kind === 'not-found') continue;
      return { ok: false, detail: r.error.message };
    }
    // Never remove a container that holds a guarded name again.
    if (r.value.Name !== `/${c.renamedTo}`)
      return { ok: false, detail: `${shortId(c.id)} is named ${r.value.Name.slice(1)}, not ${c.renamedTo}: left alone` };
    const gone = await env.docker.remove(c.id);
    if (!gone.ok) return { ok: false, detail: gone.error.message };
    removed.push(c.renamedTo);
  }
  return { ok: true, detail: removed.length ? `removed ${removed.join(', ')}` : 'the old containers were already gone' };
}
