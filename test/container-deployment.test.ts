// The container deployment as written, against the real engine: the image built from the repository's
// Dockerfile on a local Node base (no registry), its container created from docker-compose.sentinel.yaml
// (read and interpolated by test/docker/compose.ts: this machine has no compose) beside a replica
// turtle-cron, and then what an operator does with it: `check` and `status` inside it, /healthz through
// the published port, the health turning unhealthy without the Docker socket and back, state kept over
// `docker restart`, and the sidecar left running when the guarded containers go away.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { requireDocker, removeContainers } from './docker/engine.ts';
import { createServiceContainer, loadCompose, type ComposeProject } from './docker/compose.ts';
import { buildFromContext } from './docker/image-build.ts';
import { buildLocalNodeImage } from './docker/node-base.ts';
import {
  COMPOSE_PROJECT,
  CRON_NAME,
  DASHBOARD_NAME,
  NETWORK_NAME,
  createReplicaDeployment,
  type ReplicaDeployment,
} from './docker/replica.ts';
import { startSocketGate, type SocketGate } from './docker/socket-gate.ts';
import { waitFor } from './helpers/wait.ts';
import type { HealthBody } from '../src/adapters/http.ts';

const engine = await requireDocker();
const repo = new URL('..', import.meta.url).pathname;

/** Names of this test's own: no real turtle-sentinel (container, volume, image) is ever touched. */
const CONTAINER = 'ts-ship-sentinel';
const VOLUME_PREFIX = 'ts-ship-';
const IMAGE = 'ts-ship-sentinel:test';
const USER_CONTAINER = 'ts-ship-sentinel-uid1000';
const USER_VOLUME_PREFIX = 'ts-ship-uid1000-';
/** A group id of the test's choosing for the socket, standing in for the host's `docker` group. */
const SOCKET_GID = 4242;

/** Every Docker health and HTTP probe polls; the compose healthcheck runs every second here. */
const HEALTH_WAIT = { timeoutMs: 120_000, everyMs: 250 };

interface Exec {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function execIn(docker: Docker, container: string, cmd: string[]): Promise<Exec> {
  const e = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = (await e.start({ hijack: true, stdin: false })) as unknown as NodeJS.ReadableStream;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const collect = (into: Buffer[]) => new PassThrough().on('data', (c: Buffer) => into.push(c));
  docker.modem.demuxStream(stream, collect(out), collect(err));
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
  });
  const info = await e.inspect();
  return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

describe('container deployment (real engine, compose file, replica turtle-cron)', { skip: engine.skip }, () => {
  const docker = engine.docker!;
  let work: string;
  let replica: ReplicaDeployment | undefined;
  let gate: SocketGate;
  let project: ComposeProject;
  let composeEnv: Record<string, string>;
  let hostPort: number;

  const readHostPort = async () => {
    const ports = (await docker.getContainer(CONTAINER).inspect()).NetworkSettings.Ports['9464/tcp'];
    hostPort = Number(ports?.[0]?.HostPort);
    assert.ok(hostPort > 0, 'port 9464 is published');
  };
  const health = async (): Promise<string | undefined> => (await docker.getContainer(CONTAINER).inspect()).State.Health?.Status;
  const healthz = async (): Promise<{ status: number; body: HealthBody } | undefined> => {
    try {
      const res = await fetch(`http://127.0.0.1:${hostPort}/healthz`, { signal: AbortSignal.timeout(3_000) });
      return { status: res.status, body: (await res.json()) as HealthBody };
    } catch {
      return undefined;
    }
  };
  const logsOf = async () => {
    const buf = (await docker.getContainer(CONTAINER).logs({ stdout: true, stderr: true, tail: 30 })) as unknown as Buffer;
    return buf.toString('utf8');
  };
  const removeVolume = async (name = `${VOLUME_PREFIX}sentinel-state`) => {
    try {
      await docker.getVolume(name).remove();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  };

  before(
    async () => {
      await removeContainers(docker, [CONTAINER, USER_CONTAINER]);
      await removeVolume();
      await removeVolume(`${USER_VOLUME_PREFIX}sentinel-state`);
      work = mkdtempSync(join(tmpdir(), 'ts-ship-'));
      // The image, as `docker compose up --build` would make it: from the compose file's build section,
      // with NODE_IMAGE from the environment pointing at the local base.
      const nodeImage = await buildLocalNodeImage(docker);
      const envFile = join(work, 'sentinel.env');
      // No bot: alerts go to the container's log. (Telegram end to end is another test's part.)
      writeFileSync(envFile, 'SENTINEL_TELEGRAM_TOKEN=\nSENTINEL_TELEGRAM_CHAT_ID=\n');
      replica = await createReplicaDeployment(docker, { version: 'v3.2.1', dashboard: 'running' });
      gate = await startSocketGate(join(work, 'docker.sock'), engine.socketPath!);
      // What the operator's shell (or compose's .env) would hold; the healthcheck every second to keep the test short.
      composeEnv = {
        NODE_IMAGE: nodeImage,
        TURTLE_TRADING_DIR: replica.root,
        SENTINEL_ENV_FILE: envFile,
        DOCKER_SOCKET: gate.path,
        SENTINEL_HEALTHCHECK_INTERVAL: '1s',
      };
      project = loadCompose(join(repo, 'docker-compose.sentinel.yaml'), composeEnv);
      const service = project.services[0]!;
      assert.ok(service.build, 'the compose file builds the image');
      await buildFromContext(docker, service.build.context, {
        t: IMAGE,
        buildargs: service.build.args,
        labels: { 'turtle-sentinel.test': 'sentinel-image' },
      });
      await (
        await createServiceContainer(docker, project, service, {
          image: IMAGE,
          containerName: CONTAINER,
          volumePrefix: VOLUME_PREFIX,
          anyHostPort: true,
        })
      ).start();
      await readHostPort();
    },
    { timeout: 15 * 60_000 },
  );

  after(async () => {
    await removeContainers(docker, [CONTAINER, USER_CONTAINER]);
    await removeVolume();
    await removeVolume(`${USER_VOLUME_PREFIX}sentinel-state`);
    await replica?.cleanup();
    await gate?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("is its own compose project, not turtle-trading's", async () => {
    assert.equal(project.name, 'turtle-sentinel');
    const labels = (await docker.getContainer(CONTAINER).inspect()).Config.Labels;
    assert.equal(labels['com.docker.compose.project'], 'turtle-sentinel');
    const cronLabels = (await docker.getContainer(CRON_NAME).inspect()).Config.Labels;
    assert.equal(cronLabels['com.docker.compose.project'], COMPOSE_PROJECT);
  });

  it('becomes healthy, and /healthz answers 200 through the published loopback port', { timeout: 180_000 }, async () => {
    await waitFor('the container to be healthy', async () => (await health()) === 'healthy', {
      ...HEALTH_WAIT,
      seen: () => 'see docker logs ' + CONTAINER,
    });
    const answer = await healthz();
    assert.equal(answer?.status, 200, JSON.stringify(answer?.body));
    assert.equal(answer?.body.ok, true);
    assert.ok(answer?.body.sources.includes('docker'), `docker is a watched source: ${JSON.stringify(answer?.body)}`);
    const published = (await docker.getContainer(CONTAINER).inspect()).HostConfig.PortBindings['9464/tcp'];
    assert.equal(published?.[0]?.HostIp, '127.0.0.1', 'published on loopback only');
  });

  it('runs compiled JavaScript only, as the image user, on a read-only root file system', async () => {
    const info = await docker.getContainer(CONTAINER).inspect();
    assert.equal(info.HostConfig.ReadonlyRootfs, true);
    const image = await docker.getImage(IMAGE).inspect();
    assert.deepEqual(image.Config.Entrypoint, ['node', '--max-semi-space-size=2', '/opt/turtle-sentinel/dist/main.js']);
    assert.match(
      JSON.stringify(image.Config.Healthcheck?.Test),
      /http:\/\/127\.0\.0\.1:9464\/healthz/,
      'the image has its own HEALTHCHECK',
    );
    assert.equal(
      image.Config.Env.find((e) => e.startsWith('SENTINEL_CONFIG=')),
      'SENTINEL_CONFIG=/etc/turtle-sentinel/sentinel.yaml',
    );
    const ls = await execIn(docker, CONTAINER, ['sh', '-c', 'ls /opt/turtle-sentinel; ls /opt/turtle-sentinel/node_modules']);
    assert.equal(ls.exitCode, 0, ls.stderr);
    const names = ls.stdout.split(/\s+/);
    assert.ok(names.includes('dist') && !names.includes('src'), ls.stdout);
    for (const dev of ['tsx', 'typescript', 'prettier']) assert.ok(!names.includes(dev), `${dev} is a dev dependency: ${ls.stdout}`);
    const write = await execIn(docker, CONTAINER, ['sh', '-c', 'touch /opt/turtle-sentinel/x']);
    assert.notEqual(write.exitCode, 0, 'the root file system is read-only');
    const state = await execIn(docker, CONTAINER, ['sh', '-c', 'ls /var/lib/turtle-sentinel']);
    assert.match(state.stdout, /daemon\.pid/, 'the daemon writes its state to the volume');
  });

  it('`turtle-sentinel status` and `check` run inside the container on the container config', { timeout: 60_000 }, async () => {
    const status = await execIn(docker, CONTAINER, ['turtle-sentinel', 'status']);
    assert.equal(status.exitCode, 0, `status: ${status.stdout}${status.stderr}`);
    // The daemon's pid file on the state volume, found through SENTINEL_CONFIG (no --config given).
    assert.match(status.stdout, /^데몬: 실행 중 \(pid \d+, /);
    const check = await execIn(docker, CONTAINER, ['turtle-sentinel', 'check']);
    // Exit 0: the rules at the image's path, the deployment at /deployment and the crontab read from
    // turtle-cron through the socket; a missing rules directory (the issue's /config/rules) exits 2.
    assert.equal(check.exitCode, 0, `check: ${check.stdout}${check.stderr}`);
    assert.match(check.stdout, /^버전: v3\.2\.1 \(crontab이 check_positions\.py를 2회 실행/m);
    assert.match(check.stdout, /^작업: check_kr\.log \[0 16 \* \* 1-5\]/m);
  });

  it('turns unhealthy while the Docker socket is unreachable, and healthy when it returns', { timeout: 240_000 }, async () => {
    gate.close();
    await waitFor('the container to be unhealthy', async () => (await health()) === 'unhealthy', {
      ...HEALTH_WAIT,
      seen: () => 'docker socket closed',
    });
    const down = await healthz();
    assert.equal(down?.status, 503);
    assert.ok(
      down?.body.failing.some((f) => f.source === 'docker'),
      JSON.stringify(down?.body),
    );
    gate.open();
    await waitFor('the container to be healthy again', async () => (await health()) === 'healthy', HEALTH_WAIT);
    assert.equal((await healthz())?.status, 200);
  });

  it('keeps its state over `docker restart`', { timeout: 180_000 }, async () => {
    // watchStartedAt is what the schedule is judged from: a restart that forgot it would forget every run
    // that was due before the restart. The daemon's own start time shows that it really restarted.
    const readJson = async <T>(file: string): Promise<T> => {
      const read = await execIn(docker, CONTAINER, ['cat', `/var/lib/turtle-sentinel/${file}`]);
      assert.equal(read.exitCode, 0, read.stderr);
      return JSON.parse(read.stdout) as T;
    };
    const checkpoint = async () => ({
      watchStartedAt: (await readJson<{ core: { watchStartedAt: number } }>('checkpoint.json')).core.watchStartedAt,
      daemonStartedAt: (await readJson<{ startedAt: number }>('daemon.pid')).startedAt,
    });
    const before = await checkpoint();
    await docker.getContainer(CONTAINER).restart({ t: 10 });
    await waitFor('the container to be healthy after the restart', async () => (await health()) === 'healthy', HEALTH_WAIT);
    await readHostPort(); // an engine-chosen port changes on restart (the compose file's fixed 9464 would not)
    const after = await checkpoint();
    assert.notEqual(after.daemonStartedAt, before.daemonStartedAt, 'a new daemon runs');
    assert.equal(after.watchStartedAt, before.watchStartedAt, 'the watch start survived the restart');
    assert.equal((await healthz())?.status, 200);
    const status = await execIn(docker, CONTAINER, ['turtle-sentinel', 'status', '--json']);
    assert.equal(status.exitCode, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { daemon: { state: string } }).daemon.state, 'running');
  });

  it('runs as uid 1000 (turtle-trading from v3.4) with the socket reached through DOCKER_GID', { timeout: 180_000 }, async () => {
    // A checkout owned by uid 1000, as from v3.4; the engine's socket reachable by its group only, as
    // /var/run/docker.sock is (root:docker 0660).
    const root = join(work, 'v3.4-checkout');
    for (const dir of ['logs', 'data/positions']) mkdirSync(join(root, dir), { recursive: true });
    for (const dir of [root, join(root, 'logs'), join(root, 'data'), join(root, 'data/positions')]) chownSync(dir, 1000, 1000);
    chownSync(gate.path, 0, SOCKET_GID);
    chmodSync(gate.path, 0o660);
    const asUser = loadCompose(join(repo, 'docker-compose.sentinel.yaml'), {
      ...composeEnv,
      TURTLE_TRADING_DIR: root,
      SENTINEL_USER: '1000:1000',
      DOCKER_GID: String(SOCKET_GID),
    });
    const service = asUser.services[0]!;
    await (
      await createServiceContainer(docker, asUser, service, {
        image: IMAGE,
        containerName: USER_CONTAINER,
        volumePrefix: USER_VOLUME_PREFIX,
        anyHostPort: true,
      })
    ).start();
    const healthOf = async () => (await docker.getContainer(USER_CONTAINER).inspect()).State.Health?.Status;
    await waitFor('the uid-1000 container to be healthy', async () => (await healthOf()) === 'healthy', HEALTH_WAIT);
    const id = await execIn(docker, USER_CONTAINER, ['id', '-u']);
    assert.equal(id.stdout.trim(), '1000');
    // The fresh volume took the image directory's owner, so the daemon could write its state there.
    const pid = await execIn(docker, USER_CONTAINER, ['stat', '-c', '%u', '/var/lib/turtle-sentinel/daemon.pid']);
    assert.equal(pid.stdout.trim(), '1000', pid.stderr);
    const status = await execIn(docker, USER_CONTAINER, ['turtle-sentinel', 'status']);
    assert.equal(status.exitCode, 0, `${status.stdout}${status.stderr}`);
    await removeContainers(docker, [USER_CONTAINER]);
    await removeVolume(`${USER_VOLUME_PREFIX}sentinel-state`);
  });

  it("keeps running through a `docker-compose down` of turtle-trading's project", { timeout: 120_000 }, async (t) => {
    // What `down` does: stop and remove every container of the project, then its network.
    const members = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${COMPOSE_PROJECT}`] } });
    assert.deepEqual(members.map((c) => c.Names[0]).sort(), [`/${CRON_NAME}`, `/${DASHBOARD_NAME}`], 'the sidecar is not in it');
    for (const c of members)
      await docker
        .getContainer(c.Id)
        .stop({ t: 1 })
        .catch(() => undefined);
    await removeContainers(
      docker,
      members.map((c) => c.Id),
    );
    await docker.getNetwork(NETWORK_NAME).remove();
    // It runs on: healthchecks after the down (counted, not timed) settle on passing, with no restart. One
    // probe may fail while the engine tears the guarded containers down (a source read mid-removal fails
    // once): that is the sidecar reporting, not dying, so only the settled state is asserted.
    const downAt = Date.now();
    const unhealthyAnswers: string[] = [];
    // The engine keeps only the last 5 probes: every failed one is collected while waiting, with its
    // output, so that a failure says whether /healthz answered 503 (a source failing: its body is in
    // unhealthyAnswers) or the probe itself failed (exit -1 "Health check exceeded timeout", an exec
    // that could not start while the engine was busy removing the guarded containers).
    const failedProbes = new Map<string, string>();
    await waitFor(
      'three passing healthchecks in a row after the down',
      async () => {
        const answer = await healthz();
        if (answer?.status !== 200) unhealthyAnswers.push(JSON.stringify(answer?.body));
        const log = ((await docker.getContainer(CONTAINER).inspect()).State.Health?.Log ?? []).filter((l) => Date.parse(l.Start) > downAt);
        for (const l of log) if (l.ExitCode !== 0) failedProbes.set(l.Start, `exit ${l.ExitCode}: ${l.Output.trim()}`);
        return log.length >= 3 && log.slice(-3).every((l) => l.ExitCode === 0);
      },
      { ...HEALTH_WAIT, seen: () => [...unhealthyAnswers.slice(-3), ...failedProbes.values()].join(' | ') },
    );
    for (const [at, what] of failedProbes) t.diagnostic(`healthcheck failed after the down at ${at}: ${what}`);
    for (const body of unhealthyAnswers) t.diagnostic(`/healthz after the down: ${body}`);
    const status = await execIn(docker, CONTAINER, ['turtle-sentinel', 'status']);
    assert.equal(status.exitCode, 0, `${status.stdout}${status.stderr}`);
    const info = await docker.getContainer(CONTAINER).inspect();
    assert.equal(info.State.Running, true, await logsOf());
    assert.equal(info.RestartCount, 0, 'never restarted');
    assert.equal((await healthz())?.status, 200, '/healthz still answers');
  });
});
