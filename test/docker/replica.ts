// Replicas of turtle-trading deployments for tests against the real engine: images built FROM scratch +
// static busybox through the Docker API, and the containers turtle-cron / turtle-dashboard with
// compose's names, labels, network and bind mounts. Two kinds of release: Debian cron as root with a
// `crontab` binary (v3.2.0, v3.2.1, as v3.2.x … v3.3.x ran), and supercronic as PID 1 under USER 1000
// with no `crontab` binary (`supercronic`, as v3.4.0+ runs).
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type Docker from 'dockerode';
import { TEST_LABEL, removeContainers } from './engine.ts';
import { tar, type TarEntry } from './replica/tar.ts';
import * as files from './replica/scripts.ts';

export type ReplicaVersion = 'v3.2.0' | 'v3.2.1' | 'supercronic';

export const COMPOSE_PROJECT = 'turtle_trading';
export const CRON_NAME = 'turtle-cron';
export const DASHBOARD_NAME = 'turtle-dashboard';
/** Compose v2 names the images it builds `<project>-<service>` (reference §0.1). */
export const CRON_IMAGE = `${COMPOSE_PROJECT}-${CRON_NAME}`;
export const DASHBOARD_IMAGE = `${COMPOSE_PROJECT}-${DASHBOARD_NAME}`;
export const BACKUP_TAG = 'turtle-trading:pre-v3.2.1-backup';
export const NETWORK_NAME = `${COMPOSE_PROJECT}_turtle-network`;

/** Where the real crontabs live as test fixtures (one source for parser tests and images). */
export function crontabOf(version: ReplicaVersion): string {
  // crontab-supercronic: v3.9.1's layout (TZ line, monitor_positions.py without `>>`), fewer jobs.
  return readFileSync(new URL(`../fixtures/crontab-${version}`, import.meta.url), 'utf8');
}

/** The static busybox to copy into images: `/bin/busybox` when present, else the first on PATH. */
export function findBusybox(): string {
  if (existsSync('/bin/busybox')) return '/bin/busybox';
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'busybox');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error('no busybox found (install busybox-static): the replica images need a static busybox');
}

export interface BuildOptions {
  /** Replace the version's crontab (e.g. a fast `* * * * *` one for an end-to-end test). */
  crontab?: string;
  /** Tags to put on the image; default: compose's image names, plus the backup tag for v3.2.0. */
  tags?: string[];
  /** Extra files in the image, by absolute path. */
  extraFiles?: Record<string, string>;
}

export interface BuiltImage {
  imageId: string;
  tags: string[];
}

/** The build context of one version: Dockerfile, busybox and the file tree. */
export function replicaContext(version: ReplicaVersion, options: BuildOptions = {}): Buffer {
  if (version === 'supercronic') return supercronicContext(options);
  const rootfs: Record<string, { content: string | Buffer; mode?: number }> = {
    'etc/passwd': { content: files.PASSWD },
    'etc/group': { content: files.GROUP },
    'etc/cron.d/turtle-cron': { content: options.crontab ?? crontabOf(version) },
    'bin/bash': { content: files.BASH_SHIM, mode: 0o755 },
    'usr/local/bin/python': { content: files.PYTHON_SHIM, mode: 0o755 },
    'usr/local/bin/replica-main': { content: files.REPLICA_MAIN, mode: 0o755 },
    'usr/local/lib/replica.sh': { content: files.REPLICA_LIB },
    // check_positions.py exists at 238760b too (signal_check.py points to it); only signal_check.py differs.
    'app/scripts/check_positions.py': { content: files.CHECK_POSITIONS, mode: 0o755 },
    'app/scripts/daily_report.py': { content: files.DAILY_REPORT, mode: 0o755 },
    ...(version === 'v3.2.0' ? { 'app/scripts/signal_check.py': { content: files.SIGNAL_CHECK, mode: 0o755 } } : {}),
  };
  // With the zone file, TZ=Asia/Seoul means KST as in the real image; without it busybox falls back to UTC.
  const seoul = '/usr/share/zoneinfo/Asia/Seoul';
  if (existsSync(seoul)) rootfs['usr/share/zoneinfo/Asia/Seoul'] = { content: readFileSync(seoul) };
  for (const [path, content] of Object.entries(options.extraFiles ?? {})) rootfs[path.replace(/^\/+/, '')] = { content };

  const dockerfile = [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox","--install","-s","/bin"]',
    'COPY rootfs/ /',
    // As the real Dockerfile does: `RUN crontab /etc/cron.d/turtle-cron` installs root's crontab, which
    // is what `crontab -l` prints (busybox reads /var/spool/cron/crontabs/root).
    'RUN ["/bin/sh","-c","mkdir -p /var/spool/cron/crontabs /tmp /root /app/data /app/logs && chmod 1777 /tmp && crontab /etc/cron.d/turtle-cron"]',
    'ENV PATH=/usr/local/bin:/usr/bin:/bin PYTHONUNBUFFERED=1 TZ=Asia/Seoul',
    'WORKDIR /app',
    `LABEL ${TEST_LABEL}=replica`,
    'CMD ["/bin/sh","/usr/local/bin/replica-main"]',
    '',
  ].join('\n');
  return contextTar(dockerfile, rootfs);
}

/** Paths and contents of the supercronic release's image, as its recognition files are read from it. */
export function supercronicFiles(options: BuildOptions = {}): Record<string, string> {
  return {
    '/app/crontab': options.crontab ?? crontabOf('supercronic'),
    '/app/entrypoint.sh': files.ENTRYPOINT,
    '/app/scripts/check_positions.py': files.CHECK_POSITIONS,
    '/app/scripts/daily_report.py': files.DAILY_REPORT,
    '/app/scripts/monitor_positions.py': files.MONITOR_POSITIONS,
  };
}

/**
 * The supercronic release: `ENTRYPOINT ["/app/entrypoint.sh"]`, `CMD ["supercronic","/app/crontab"]`,
 * `USER 1000`, no `crontab` binary (busybox's applet link is removed), TZ=Asia/Seoul reaching the jobs.
 */
function supercronicContext(options: BuildOptions): Buffer {
  const rootfs: Record<string, { content: string | Buffer; mode?: number }> = {
    'etc/passwd': { content: files.PASSWD_TURTLE },
    'etc/group': { content: files.GROUP_TURTLE },
    'bin/bash': { content: files.BASH_SHIM, mode: 0o755 },
    'usr/local/bin/python': { content: files.PYTHON_SHIM, mode: 0o755 },
    'usr/local/bin/supercronic': { content: files.SUPERCRONIC_SHIM, mode: 0o755 },
    'usr/local/lib/replica.sh': { content: files.REPLICA_LIB },
  };
  for (const [path, content] of Object.entries(supercronicFiles(options))) {
    rootfs[path.slice(1)] = { content, mode: path.endsWith('.sh') || path.endsWith('.py') ? 0o755 : 0o644 };
  }
  const seoul = '/usr/share/zoneinfo/Asia/Seoul';
  if (existsSync(seoul)) rootfs['usr/share/zoneinfo/Asia/Seoul'] = { content: readFileSync(seoul) };
  for (const [path, content] of Object.entries(options.extraFiles ?? {})) rootfs[path.replace(/^\/+/, '')] = { content };
  const dockerfile = [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox","--install","-s","/bin"]',
    'COPY rootfs/ /',
    // No crontab binary in a supercronic image: `crontab -l` must fail as it does at v3.4.0+.
    'RUN ["/bin/sh","-c","rm -f /bin/crontab /bin/crond && mkdir -p /tmp /home/turtle /app/data /app/logs && chmod 1777 /tmp && chown -R 1000:1000 /app /home/turtle"]',
    'ENV PATH=/usr/local/bin:/usr/bin:/bin PYTHONUNBUFFERED=1 TZ=Asia/Seoul PYTHONPATH=/app',
    'WORKDIR /app',
    `LABEL ${TEST_LABEL}=replica`,
    'USER 1000',
    'ENTRYPOINT ["/app/entrypoint.sh"]',
    'CMD ["supercronic","/app/crontab"]',
    '',
  ].join('\n');
  return contextTar(dockerfile, rootfs);
}

function contextTar(dockerfile: string, rootfs: Record<string, { content: string | Buffer; mode?: number }>): Buffer {
  const entries: TarEntry[] = [
    { path: 'Dockerfile', content: dockerfile },
    { path: 'busybox', content: readFileSync(findBusybox()), mode: 0o755 },
    { path: 'rootfs', type: 'dir' },
  ];
  const dirs = new Set<string>();
  for (const path of Object.keys(rootfs).sort()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) {
        dirs.add(dir);
        entries.push({ path: `rootfs/${dir}`, type: 'dir' });
      }
    }
    const file = rootfs[path]!;
    entries.push({ path: `rootfs/${path}`, content: file.content, mode: file.mode ?? 0o644 });
  }
  return tar(entries);
}

/** Build one version through the Docker API and tag it. A failed build rejects with the engine's message. */
export async function buildReplicaImage(docker: Docker, version: ReplicaVersion, options: BuildOptions = {}): Promise<BuiltImage> {
  const context = replicaContext(version, options);
  const stream = await docker.buildImage(Readable.from([context]) as unknown as NodeJS.ReadableStream, { rm: true, forcerm: true });
  // The engine reports a failed step inside the progress stream and still answers 200: scan for it.
  const output = await new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: Array<Record<string, unknown>>) => (err ? reject(err) : resolve(out)));
  });
  const failure = output.find((o) => o.error !== undefined || o.errorDetail !== undefined);
  if (failure) throw new Error(`replica ${version} build failed: ${String(failure.error ?? JSON.stringify(failure.errorDetail))}`);
  const aux = output.map((o) => (o.aux as { ID?: string } | undefined)?.ID).find((id) => id !== undefined);
  const built = output.map((o) => /Successfully built ([0-9a-f]+)/.exec(String(o.stream ?? ''))?.[1]).find((id) => id !== undefined);
  const ref = aux ?? built;
  if (!ref) throw new Error(`replica ${version} build gave no image ID: ${JSON.stringify(output.slice(-3))}`);
  const imageId = (await docker.getImage(ref).inspect()).Id;

  const tags = options.tags ?? (version === 'v3.2.0' ? [CRON_IMAGE, DASHBOARD_IMAGE, BACKUP_TAG] : [CRON_IMAGE, DASHBOARD_IMAGE]);
  for (const tag of tags) await tagImage(docker, imageId, tag);
  return { imageId, tags };
}

/** Tag an image, refusing to move a tag that currently names an image the test kit did not build. */
export async function tagImage(docker: Docker, imageId: string, reference: string): Promise<void> {
  const { repo, tag } = splitReference(reference);
  try {
    const current = await docker.getImage(`${repo}:${tag}`).inspect();
    if (current.Id !== imageId && !(TEST_LABEL in (current.Config?.Labels ?? {}))) {
      throw new Error(`refusing to move tag ${repo}:${tag}: it names an image the test kit did not build`);
    }
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  await docker.getImage(imageId).tag({ repo, tag });
}

function splitReference(reference: string): { repo: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}

// ---------------------------------------------------------------------------------------------

export interface ReplicaOptions {
  version: ReplicaVersion;
  /** Build options for the image (ignored when `imageRef` is given). */
  build?: BuildOptions;
  /** Use this already built image reference instead of building. */
  imageRef?: string;
  /** Host directories to bind-mount; default fresh temp dirs under one root, removed by cleanup(). */
  dataDir?: string;
  logsDir?: string;
  /** The dashboard as it really is (crash loop), running, or absent. Default `crash-loop`. */
  dashboard?: 'crash-loop' | 'running' | 'none';
  /** Run busybox crond so the crontab fires. Default false: tests decide when jobs run. (The supercronic release always runs its schedule.) */
  crond?: boolean;
  /** Extra environment (what compose's env_file would add). */
  env?: string[];
  /** Create the compose network. Default true. */
  network?: boolean;
  /** Start the containers. Default true. */
  start?: boolean;
}

export interface ExecOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ReplicaDeployment {
  version: ReplicaVersion;
  imageId: string;
  imageRef: string;
  /** Temp root holding data/ and logs/ (when they were not given). */
  root: string;
  dataDir: string;
  logsDir: string;
  cron: Docker.Container;
  dashboard?: Docker.Container;
  network?: string;
  /** Run a command in turtle-cron (no TTY), wait for it, return its output and exit code. */
  exec(cmd: string[], options?: { env?: string[]; container?: string }): Promise<ExecOutput>;
  /** Start a command in turtle-cron and return without waiting (e.g. a job left running). */
  execDetached(cmd: string[], options?: { env?: string[] }): Promise<void>;
  /**
   * SIGTERM every process in turtle-cron whose command line contains `pattern` (e.g. a job left
   * hanging); returns how many were signalled. busybox-static has no pkill, so this is ps + kill.
   */
  killProcesses(pattern: string): Promise<number>;
  /** Install a new root crontab inside turtle-cron, the way an operator would (`crontab <file>`). */
  installCrontab(text: string): Promise<void>;
  /** Remove the containers, the network and the temp dirs (images stay: see removeTestObjects). */
  cleanup(): Promise<void>;
}

/** Names the kit gives real-looking objects: a leftover of a crashed run is removed first. */
export async function removeReplicaLeftovers(docker: Docker): Promise<void> {
  // removeContainers refuses objects without the test label, so a real deployment is never touched.
  await removeContainers(docker, [CRON_NAME, DASHBOARD_NAME]);
  try {
    const net = await docker.getNetwork(NETWORK_NAME).inspect();
    if (!(TEST_LABEL in (net.Labels ?? {}))) throw new Error(`refusing to use network ${NETWORK_NAME}: not created by the test kit`);
    await docker.getNetwork(NETWORK_NAME).remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

export async function createReplicaDeployment(docker: Docker, options: ReplicaOptions): Promise<ReplicaDeployment> {
  await removeReplicaLeftovers(docker);
  const imageRef = options.imageRef ?? CRON_IMAGE;
  const imageId = options.imageRef
    ? (await docker.getImage(options.imageRef).inspect()).Id
    : (await buildReplicaImage(docker, options.version, options.build)).imageId;

  const root = await mkdtemp(join(tmpdir(), 'turtle-replica-'));
  const dataDir = options.dataDir ?? join(root, 'data');
  const logsDir = options.logsDir ?? join(root, 'logs');
  await mkdir(join(dataDir, 'positions'), { recursive: true });
  await mkdir(logsDir, { recursive: true });
  // The supercronic release runs as uid 1000 and its entrypoint refuses bind mounts it cannot write.
  if (options.version === 'supercronic') {
    for (const dir of [dataDir, join(dataDir, 'positions'), logsDir]) await chmod(dir, 0o777);
    // A v3.9.x state file: every record carries `entry_reason` (null by default).
    const positions = join(dataDir, 'positions', 'positions.json');
    if (!existsSync(positions)) await writeFile(positions, files.POSITIONS_WITH_ENTRY_REASON, { mode: 0o666 });
  }

  const useNetwork = options.network ?? true;
  if (useNetwork) {
    await docker.createNetwork({
      Name: NETWORK_NAME,
      Driver: 'bridge',
      Labels: { 'com.docker.compose.project': COMPOSE_PROJECT, 'com.docker.compose.network': 'turtle-network', [TEST_LABEL]: 'replica' },
    });
  }

  const labels = (service: string): Record<string, string> => ({
    'com.docker.compose.project': COMPOSE_PROJECT,
    'com.docker.compose.service': service,
    'com.docker.compose.container-number': '1',
    'com.docker.compose.oneoff': 'False',
    'com.docker.compose.project.working_dir': root,
    [TEST_LABEL]: 'replica',
  });
  const hostConfig = {
    Binds: [`${dataDir}:/app/data`, `${logsDir}:/app/logs`],
    RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
    ...(useNetwork ? { NetworkMode: NETWORK_NAME } : {}),
  };
  const env = [...(options.env ?? []), ...(options.crond ? ['REPLICA_CROND=1'] : [])];

  const cron = await docker.createContainer({
    name: CRON_NAME,
    Image: imageRef,
    Env: env,
    Labels: labels(CRON_NAME),
    HostConfig: hostConfig,
    ...(useNetwork ? { NetworkingConfig: { EndpointsConfig: { [NETWORK_NAME]: { Aliases: [CRON_NAME] } } } } : {}),
  });

  const dashboardMode = options.dashboard ?? 'crash-loop';
  let dashboard: Docker.Container | undefined;
  if (dashboardMode !== 'none') {
    dashboard = await docker.createContainer({
      name: DASHBOARD_NAME,
      // Same build context, so compose gives it the same image under the dashboard service's name.
      Image: options.imageRef ?? DASHBOARD_IMAGE,
      Env: env.filter((e) => !e.startsWith('REPLICA_CROND=')),
      Labels: labels(DASHBOARD_NAME),
      ...(dashboardMode === 'crash-loop' ? { Cmd: ['/bin/sh', '-c', files.DASHBOARD_CRASH] } : {}),
      ExposedPorts: { '8501/tcp': {} },
      HostConfig: {
        ...hostConfig,
        // Loopback and an engine-chosen port: the real "8501:8501" could clash with the host.
        PortBindings: { '8501/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      },
      ...(useNetwork ? { NetworkingConfig: { EndpointsConfig: { [NETWORK_NAME]: { Aliases: [DASHBOARD_NAME] } } } } : {}),
    });
  }

  if (options.start ?? true) {
    await cron.start();
    await dashboard?.start();
  }

  const exec = async (cmd: string[], execOptions: { env?: string[]; container?: string } = {}): Promise<ExecOutput> => {
    const target = docker.getContainer(execOptions.container ?? CRON_NAME);
    const e = await target.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false, Env: execOptions.env ?? [] });
    const stream = (await e.start({ hijack: true, stdin: false })) as unknown as NodeJS.ReadableStream;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const collect = (into: Buffer[]) => new PassThrough().on('data', (c: Buffer) => into.push(c));
    docker.modem.demuxStream(stream, collect(out), collect(err));
    await new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    // The hijacked socket may stay half-open after the output ends; it would keep the test process alive.
    (stream as unknown as { destroy(): void }).destroy();
    for (let i = 0; i < 100; i++) {
      const info = await e.inspect();
      if (!info.Running && info.ExitCode !== null) {
        return { exitCode: info.ExitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`exec ${cmd.join(' ')}: no exit code`);
  };

  return {
    version: options.version,
    imageId,
    imageRef,
    root,
    dataDir,
    logsDir,
    cron,
    ...(dashboard ? { dashboard } : {}),
    ...(useNetwork ? { network: NETWORK_NAME } : {}),
    exec,
    async execDetached(cmd, execOptions = {}) {
      const e = await docker
        .getContainer(CRON_NAME)
        .exec({ Cmd: cmd, AttachStdout: false, AttachStderr: false, Tty: false, Env: execOptions.env ?? [] });
      const response = (await e.start({ Detach: true })) as unknown as { destroy?: () => void } | undefined;
      // A detached start still answers with a stream; left open, its socket keeps the process alive.
      response?.destroy?.();
    },
    async killProcesses(pattern) {
      const ps = await exec(['ps', '-o', 'pid,args']);
      const pids = ps.stdout
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter(([pid, ...args]) => /^\d+$/.test(pid ?? '') && args.join(' ').includes(pattern) && args[0] !== 'ps')
        .map(([pid]) => pid!);
      if (pids.length > 0) await exec(['kill', ...pids]);
      return pids.length;
    },
    async installCrontab(text) {
      await docker.getContainer(CRON_NAME).putArchive(tar([{ path: 'new-crontab', content: text }]), { path: '/tmp' });
      const result = await exec(['crontab', '/tmp/new-crontab']);
      if (result.exitCode !== 0) throw new Error(`crontab install failed (${result.exitCode}): ${result.stderr}`);
    },
    async cleanup() {
      // Files the container wrote are root's; opening them up lets a non-root test runner delete them.
      await exec(['chmod', '-R', 'a+rwX', '/app/data', '/app/logs']).catch(() => undefined);
      await removeReplicaLeftovers(docker);
      await rm(root, { recursive: true, force: true });
    },
  };
}
