// Benchmark (not a test): the idle cost of the sidecar's container as deployed. Builds the image from the
// Dockerfile on the local Node base (test/docker/node-base.ts: no registry), starts it from
// docker-compose.sentinel.yaml (test/docker/compose.ts) beside a replica turtle-cron v3.2.1, lets it settle,
// then reads the engine's stats stream of the container for the measured window. In the same run, the
// baseline is a container of the same base image running a bare `node -e "setInterval(()=>{},1<<30)"`.
//   [flock <the machine's Docker lock>] node --import tsx bench/container-idle.ts [--seconds 60] [--settle 15]
// Targets: memory under 80 MB, CPU under 0.5 % of one core, for the whole container (the compose file's
// healthcheck every 30 s included: it runs a node inside the container and is part of what it costs).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { TEST_LABEL, removeContainers, requireDocker } from '../test/docker/engine.ts';
import { createServiceContainer, loadCompose } from '../test/docker/compose.ts';
import { buildFromContext } from '../test/docker/image-build.ts';
import { buildLocalNodeImage } from '../test/docker/node-base.ts';
import { createReplicaDeployment, type ReplicaDeployment } from '../test/docker/replica.ts';
import { waitFor } from '../test/helpers/wait.ts';
import { sampleStats, summarize, type StatsSummary } from './container-stats.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};
const seconds = arg('seconds', 60);
const settleSeconds = arg('settle', 15);

/** Names of the bench's own (test-kit labelled, so the kit's cleanup may remove them); never a real turtle-sentinel. */
const SENTINEL = 'ts-bench-sentinel';
const BASELINE = 'ts-bench-bare-node';
const VOLUME_PREFIX = 'ts-bench-';
const IMAGE = 'ts-bench-sentinel:bench';

const CLK_TCK = 100; // Linux USER_HZ

/** utime + stime of the daemon's process tree, from the host's /proc: the container's CPU less its healthchecks. */
function daemonTicks(initPid: number): number {
  const pids = [initPid];
  let ticks = 0;
  for (let i = 0; i < pids.length; i++) {
    try {
      const stat = readFileSync(`/proc/${pids[i]}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(' ').map(Number));
    } catch {
      /* gone meanwhile */
    }
  }
  return ticks;
}

async function removeVolume(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

async function main() {
  const engine = await requireDocker();
  if (engine.skip !== false) throw new Error(engine.skip);
  const docker = engine.docker;
  const work = mkdtempSync(join(tmpdir(), 'ts-bench-idle-'));
  let replica: ReplicaDeployment | undefined;
  await removeContainers(docker, [SENTINEL, BASELINE]);
  await removeVolume(docker, `${VOLUME_PREFIX}sentinel-state`);
  try {
    process.stdout.write('building the local Node base and the sidecar image…\n');
    const nodeImage = await buildLocalNodeImage(docker);
    const envFile = join(work, 'sentinel.env');
    // No bot: alerts go to the container's log, as an idle deployment without incidents would send nothing anyway.
    writeFileSync(envFile, 'SENTINEL_TELEGRAM_TOKEN=\nSENTINEL_TELEGRAM_CHAT_ID=\n');
    replica = await createReplicaDeployment(docker, { version: 'v3.2.1', dashboard: 'running' });
    // The compose file as shipped, its defaults kept (healthcheck every 30 s), the real engine socket.
    const project = loadCompose(join(repo, 'docker-compose.sentinel.yaml'), {
      NODE_IMAGE: nodeImage,
      TURTLE_TRADING_DIR: replica.root,
      SENTINEL_ENV_FILE: envFile,
      DOCKER_SOCKET: engine.socketPath,
    });
    const service = project.services[0]!;
    if (!service.build) throw new Error('the compose file no longer builds the image');
    await buildFromContext(docker, service.build.context, { t: IMAGE, buildargs: service.build.args, labels: { [TEST_LABEL]: 'bench' } });
    const sentinel = await createServiceContainer(docker, project, service, {
      image: IMAGE,
      containerName: SENTINEL,
      volumePrefix: VOLUME_PREFIX,
      anyHostPort: true,
    });
    const baseline = await docker.createContainer({
      name: BASELINE,
      Image: nodeImage,
      Cmd: ['node', '-e', 'setInterval(()=>{},1<<30)'],
      Labels: { [TEST_LABEL]: 'bench' },
    });
    await sentinel.start();
    await baseline.start();

    // Settled: healthy (its first healthcheck passed, so the crontab was read and the release recognised),
    // then a few seconds more for start-up garbage to be collected.
    process.stdout.write('waiting for the sidecar to be healthy…\n');
    await waitFor('the sidecar container to be healthy', async () => (await sentinel.inspect()).State.Health?.Status === 'healthy', {
      timeoutMs: 180_000,
      everyMs: 500,
    });
    await new Promise((r) => setTimeout(r, settleSeconds * 1000));

    process.stdout.write(`measuring ${seconds}s of idle through the Docker stats stream…\n`);
    const windowStart = Date.now();
    // State.Pid is the container's init (docker-init, `init: true`); the daemon is its child. Healthchecks are
    // exec'd beside it, not under it, so this tree is the daemon alone.
    const initPid = (await sentinel.inspect()).State.Pid;
    const ticksBefore = daemonTicks(initPid);
    const [base, side] = await Promise.all([sampleStats(docker, BASELINE, seconds * 1000), sampleStats(docker, SENTINEL, seconds * 1000)]);
    const daemonPct = ((daemonTicks(initPid) - ticksBefore) / CLK_TCK / ((Date.now() - windowStart) / 1000)) * 100;
    const info = await sentinel.inspect();
    const checks = (info.State.Health?.Log ?? []).filter((l) => Date.parse(l.Start) >= windowStart).length;
    if (!info.State.Running || info.RestartCount > 0) throw new Error('the sidecar container stopped or restarted during the window');

    const rows: Array<[string, StatsSummary]> = [
      ['bare node (baseline)', summarize(base)],
      ['turtle-sentinel', summarize(side)],
    ];
    const f = (n: number, d = 1) => n.toFixed(d);
    process.stdout.write(
      `\n${'container'.padEnd(22)} ${'CPU % mean'.padStart(10)} ${'CPU % max'.padStart(10)} ${'mem MB mean'.padStart(12)} ${'mem MB max'.padStart(11)} ${'no-cache MB'.padStart(12)} ${'anon MB'.padStart(8)} ${'usage MB'.padStart(9)}\n`,
    );
    for (const [name, s] of rows)
      process.stdout.write(
        `${name.padEnd(22)} ${f(s.cpuPctMean, 3).padStart(10)} ${f(s.cpuPctMax, 2).padStart(10)} ${f(s.workingSetMean).padStart(12)} ${f(s.workingSetMax).padStart(11)} ${f(s.noCacheMean).padStart(12)} ${f(s.anonMean).padStart(8)} ${f(s.usageMean).padStart(9)}\n`,
      );
    const b = rows[0]![1];
    const s = rows[1]![1];
    process.stdout.write(
      [
        '',
        `window: ${f(s.seconds)} s, ${s.samples} samples; ${checks} healthcheck(s) ran in it (each a node process inside the container).`,
        'mem = usage − total_inactive_file (what `docker stats` shows; page cache that is actively used stays in);',
        'no-cache = usage − total_cache; anon = total_rss (anonymous memory only); usage = the cgroup figure with all page cache.',
        `of which the daemon's own process tree (host /proc, 10 ms ticks): ${f(daemonPct, 3)} % of a core; the rest is the healthchecks.`,
        `sentinel/baseline: memory ${f(s.workingSetMean / b.workingSetMean, 2)}x, CPU ${b.cpuPctMean > 0 ? `${f(s.cpuPctMean / b.cpuPctMean, 1)}x` : 'baseline 0'}`,
        `sentinel: CPU ${f(s.cpuPctMean, 3)} % of a core (target < 0.5 %), memory ${f(s.workingSetMean)} MB mean, ${f(s.workingSetMax)} MB max (target < 80 MB)`,
        '',
      ].join('\n'),
    );
    process.exitCode = s.cpuPctMean < 0.5 && s.workingSetMax < 80 ? 0 : 1;
  } finally {
    await removeContainers(docker, [SENTINEL, BASELINE]).catch(() => undefined);
    await removeVolume(docker, `${VOLUME_PREFIX}sentinel-state`).catch(() => undefined);
    await replica?.cleanup().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
