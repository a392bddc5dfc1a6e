// Test access to the real Docker engine: connect or skip (fail under CI), and clean up what tests made.
// Only objects carrying TEST_LABEL are ever removed, so a developer's real turtle-cron is never touched.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Docker from 'dockerode';

/** Label put on every image, container and network the test kit creates. */
export const TEST_LABEL = 'turtle-sentinel.test';

/** The engine socket: `DOCKER_HOST=unix://…` when set, else the standard path. */
export function dockerSocketPath(): string {
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

export type EngineProbe = { ok: true; docker: Docker; socketPath: string } | { ok: false; reason: string };

/** Ping the engine (2 s limit). Never throws. */
export async function probeDocker(): Promise<EngineProbe> {
  const socketPath = dockerSocketPath();
  const docker = new Docker({ socketPath });
  try {
    await docker.ping({ abortSignal: AbortSignal.timeout(2_000) } as never);
    return { ok: true, docker, socketPath };
  } catch (err) {
    return { ok: false, reason: `no Docker engine at ${socketPath}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

let cached: Promise<EngineProbe> | undefined;

/**
 * The replicas use the real, fixed names (turtle-cron, turtle-dashboard, the compose network and
 * tags), so two test processes on one engine would remove each other's containers. `node --test` runs
 * files in parallel unless told otherwise: a lock file serialises every test process that uses the
 * engine, held from requireDocker() until the process exits. A lock whose owner died is taken over.
 */
const LOCK_PATH = join(tmpdir(), 'turtle-sentinel-docker-tests.lock');
const LOCK_WAIT_MS = 15 * 60_000;
let locked: Promise<void> | undefined;

function ownerAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lockEngine(): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(LOCK_PATH, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(LOCK_PATH, 'utf8').trim());
    } catch {
      continue; // released between our attempts
    }
    if (!ownerAlive(owner)) {
      try {
        unlinkSync(LOCK_PATH);
      } catch {
        // someone else took it over first
      }
      continue;
    }
    if (Date.now() > deadline) throw new Error(`Docker tests: ${LOCK_PATH} held by process ${owner} for too long`);
    await new Promise((r) => setTimeout(r, 200));
  }
  process.once('exit', () => {
    try {
      if (readFileSync(LOCK_PATH, 'utf8').trim() === String(process.pid)) unlinkSync(LOCK_PATH);
    } catch {
      // already gone
    }
  });
}

/**
 * For a whole test file: `const engine = await requireDocker();` then
 * `describe('…', { skip: engine.skip }, …)`. Under CI=true a missing engine throws, so the file fails
 * instead of passing with nothing tested. With an engine, it also waits for the cross-process lock
 * (see LOCK_PATH) and holds it until this process exits.
 */
export async function requireDocker(): Promise<
  { docker: Docker; socketPath: string; skip: false } | { docker: undefined; socketPath: undefined; skip: string }
> {
  cached ??= probeDocker();
  const probe = await cached;
  if (probe.ok) {
    locked ??= lockEngine();
    await locked;
    return { docker: probe.docker, socketPath: probe.socketPath, skip: false };
  }
  if (process.env.CI === 'true') throw new Error(`CI=true and ${probe.reason}: Docker tests must run in CI`);
  return { docker: undefined, socketPath: undefined, skip: probe.reason };
}

/** For one test: the engine, or the test is skipped (failed under CI=true) and undefined returned. */
export async function dockerOrSkip(t: TestContext): Promise<Docker | undefined> {
  const engine = await requireDocker();
  if (engine.skip !== false) {
    t.skip(engine.skip);
    return undefined;
  }
  return engine.docker;
}

function statusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Remove containers by name or ID, force (running ones too), with their anonymous volumes. Missing
 * ones are fine. A container without TEST_LABEL is refused with an error: it is not ours to delete.
 */
export async function removeContainers(docker: Docker, namesOrIds: string[]): Promise<void> {
  for (const ref of namesOrIds) {
    const container = docker.getContainer(ref);
    let labels: Record<string, string> | undefined;
    try {
      labels = (await container.inspect()).Config.Labels ?? {};
    } catch (err) {
      if (statusCode(err) === 404) continue;
      throw err;
    }
    if (!(TEST_LABEL in labels))
      throw new Error(`refusing to remove container ${ref}: it was not created by the test kit (no ${TEST_LABEL} label)`);
    try {
      await container.remove({ force: true, v: true });
    } catch (err) {
      // 404: gone meanwhile; 409: removal already in progress.
      if (statusCode(err) !== 404 && statusCode(err) !== 409) throw err;
    }
  }
}

/** Remove every container, network and image carrying TEST_LABEL (leftovers of a crashed run too). */
export async function removeTestObjects(docker: Docker, what: { images?: boolean } = {}): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [TEST_LABEL] } });
  await removeContainers(
    docker,
    containers.map((c) => c.Id),
  );
  const networks = await docker.listNetworks({ filters: { label: [TEST_LABEL] } });
  for (const n of networks) {
    try {
      await docker.getNetwork(n.Id).remove();
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
  }
  if (what.images) {
    const images = await docker.listImages({ all: false, filters: { label: [TEST_LABEL] } });
    for (const image of images) await removeImage(docker, image.Id);
  }
}

/** Remove an image (all its tags) if it carries TEST_LABEL; missing is fine. */
export async function removeImage(docker: Docker, ref: string): Promise<void> {
  const image = docker.getImage(ref);
  try {
    const info = await image.inspect();
    if (!(TEST_LABEL in (info.Config?.Labels ?? {}))) throw new Error(`refusing to remove image ${ref}: not built by the test kit`);
    await image.remove({ force: true, noprune: false });
  } catch (err) {
    if (statusCode(err) !== 404 && statusCode(err) !== 409) throw err;
  }
}
