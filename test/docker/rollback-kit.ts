// Test kit of the rollback engine, on top of the replica kit: the engine wired to a replica, the
// real-format state files, a git fixture repository of both versions (compose `build: .`, no
// `image:`), report collection, and a reset of the replica between cases.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { pino } from 'pino';
import { createDockerEngine } from '../../src/adapters/docker-engine.ts';
import type { DockerPort } from '../../src/ports/docker.ts';
import { createGitRepo } from '../../src/adapters/git-repo.ts';
import type { ExecutionReport } from '../../src/core/types.ts';
import { rollbackConfigSchema, type RollbackConfig } from '../../src/config/rollback-schema.ts';
import { createRollbackEngine, type RollbackEngine, type RollbackEngineDeps } from '../../src/runtime/rollback/engine.ts';
import type { JournalObserver } from '../../src/runtime/rollback/journal.ts';
import { TEST_LABEL } from './engine.ts';
import { COMPOSE_PROJECT, CRON_NAME, DASHBOARD_NAME, replicaContext, type ReplicaDeployment, type ReplicaVersion } from './replica.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLES = join(REPO_ROOT, 'test/fixtures/json/good');

/** Everything verification and the tests wait for is short on a replica; production keeps its defaults. */
export function testConfig(overrides: Record<string, unknown> = {}): RollbackConfig {
  return rollbackConfigSchema.parse({
    stopTimeout: '2s',
    deferRetry: '5s',
    jobWait: '3s',
    ...overrides,
    verify: { settle: '200ms', ...((overrides.verify as object | undefined) ?? {}) },
  });
}

export function silentLogger() {
  return pino({ level: 'silent' });
}

/** positions.json, entries.json and order_log.json in the real formats, mode 0600 as the guarded system writes them. */
export function writeStateFiles(dataDir: string): { positions: Buffer } {
  for (const [from, to] of [
    ['positions.json', 'positions/positions.json'],
    ['entries.json', 'entries/entries.json'],
    ['order_log.json', 'trades/order_log.json'],
  ] as const) {
    mkdirSync(dirname(join(dataDir, to)), { recursive: true });
    copyFileSync(join(SAMPLES, from), join(dataDir, to));
    chmodSync(join(dataDir, to), 0o600);
  }
  return { positions: readFileSync(join(dataDir, 'positions/positions.json')) };
}

export interface EngineSetup {
  engine: RollbackEngine;
  docker: DockerPort;
  stateDir: string;
  deps: RollbackEngineDeps;
}

export function engineFor(
  replica: Pick<ReplicaDeployment, 'root' | 'dataDir' | 'logsDir'>,
  options: {
    socketPath: string;
    config?: RollbackConfig;
    stateDir?: string;
    containers?: string[];
    onJournal?: JournalObserver;
    gitRepo?: string;
    /** The catalogue and running release, as the daemon hands them to its engine. */
    releaseContext?: RollbackEngineDeps['releaseContext'];
  },
): EngineSetup {
  const docker = createDockerEngine({ socketPath: options.socketPath });
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'rollback-state-'));
  const config = options.config ?? testConfig(options.gitRepo ? { git: { repo: options.gitRepo } } : {});
  const deps: RollbackEngineDeps = {
    docker,
    git: createGitRepo(),
    config,
    deployment: {
      root: replica.root,
      dataDir: replica.dataDir,
      logsDir: replica.logsDir,
      containers: options.containers ?? [CRON_NAME, DASHBOARD_NAME],
      cronContainer: CRON_NAME,
      timezone: 'Asia/Seoul',
    },
    stateDir,
    now: () => Date.now(),
    logger: silentLogger(),
    ...(options.onJournal ? { onJournal: options.onJournal } : {}),
    ...(options.releaseContext ? { releaseContext: options.releaseContext } : {}),
  };
  return { engine: createRollbackEngine(deps), docker, stateDir, deps };
}

export function collector(): { reports: ExecutionReport[]; report: (r: ExecutionReport) => void; kinds: () => string[] } {
  const reports: ExecutionReport[] = [];
  return { reports, report: (r) => reports.push(r), kinds: () => reports.map((r) => r.kind) };
}

// ---------------------------------------------------------------------------------------------
// Git fixture: a turtle-trading-like repository with a v3.2.0 and a v3.2.1 commit

/** The compose file of turtle-trading at 238760b/203bcee in shape: `build: .` and no `image:` key. */
// The two services repeat env_file/volumes/restart/networks on purpose: the fixture is the real file as written.
export const COMPOSE_FILE = `version: '3.8'
services:
  turtle-cron:
    build: .
    container_name: turtle-cron
    env_file: .env
    volumes:
      - ./data:/app/data
      - ./logs:/app/logs
    restart: unless-stopped
    networks:
      - turtle-network
  turtle-dashboard:
    build: .
    container_name: turtle-dashboard
    command: streamlit run app.py --server.port=8501 --server.address=0.0.0.0
    ports:
      - "8501:8501"
    env_file: .env
    volumes:
      - ./data:/app/data
      - ./logs:/app/logs
    restart: unless-stopped
    depends_on:
      - turtle-cron
    networks:
      - turtle-network
networks:
  turtle-network:
    driver: bridge
`;

/** Files of a ustar archive (as written by the replica kit), path → content and mode. */
export function untar(archive: Buffer): { path: string; content: Buffer; mode: number; dir: boolean }[] {
  const out: { path: string; content: Buffer; mode: number; dir: boolean }[] = [];
  for (let offset = 0; offset + 512 <= archive.length;) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const name = field(0, 100);
    const prefix = field(345, 155);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const mode = parseInt(field(100, 8).trim() || '644', 8);
    const type = field(156, 1);
    const path = prefix ? `${prefix}/${name}` : name;
    out.push({ path, content: archive.subarray(offset + 512, offset + 512 + size), mode, dir: type === '5' });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

export interface GitFixture {
  repo: string;
  /** Full hashes of the two commits. */
  v320: string;
  v321: string;
  git(...args: string[]): string;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmpdir(),
};

/**
 * A repository whose two commits hold the replica build contexts of v3.2.0 and v3.2.1 (Dockerfile
 * FROM scratch + busybox, crontab, job scripts) and the compose file; `main` is checked out at v3.2.1,
 * as after the deploy. `version` files make the builds differ from the replica kit's own images.
 * `failing`: the v3.2.0 commit's Dockerfile has a step that fails.
 */
export function createGitFixture(options: { failing?: boolean } = {}): GitFixture {
  const repo = mkdtempSync(join(tmpdir(), 'turtle-trading-git-'));
  const git = (...args: string[]): string => execFileSync('git', ['-C', repo, ...args], { env: GIT_ENV, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  const commit = (version: ReplicaVersion, message: string): string => {
    git('rm', '-rq', '--ignore-unmatch', '.');
    const extra = { '/app/VERSION': `${version} from git fixture\n` };
    for (const entry of untar(replicaContext(version, { extraFiles: extra }))) {
      const path = join(repo, entry.path);
      if (entry.dir) {
        mkdirSync(path, { recursive: true });
        continue;
      }
      mkdirSync(dirname(path), { recursive: true });
      let content = entry.content;
      if (entry.path === 'Dockerfile') {
        // The replica's Dockerfile (it carries the test label, so the kit may remove what is built from it),
        // with a step that fails when asked for: the engine must read the failure from the build stream.
        let text = content.toString('utf8');
        if (options.failing && version === 'v3.2.0')
          text = text.replace('COPY rootfs/ /', 'COPY rootfs/ /\nRUN ["/bin/sh","-c","echo pip install failed >&2; exit 3"]');
        content = Buffer.from(text);
      }
      writeFileSync(path, content, { mode: entry.mode });
    }
    writeFileSync(join(repo, 'docker-compose.yaml'), COMPOSE_FILE);
    writeFileSync(join(repo, '.gitignore'), 'data/\nlogs/\n.env\n');
    git('add', '-A');
    git('commit', '-qm', message);
    return git('rev-parse', 'HEAD');
  };
  const v320 = commit('v3.2.0', 'Merge pull request #24 (v3.2.0 baseline)');
  const v321 = commit('v3.2.1', '[#29] v3.2.1');
  return { repo, v320, v321, git };
}

/** Put the fixture back on main, without the rollback branch (between cases). */
export function resetGitFixture(fixture: GitFixture, branch = 'rollback/v3.2.1-to-v3.2.0'): void {
  fixture.git('checkout', '-q', '-f', 'main');
  if (fixture.git('branch', '--list', branch) !== '') fixture.git('branch', '-D', branch);
}

// ---------------------------------------------------------------------------------------------

/** Every container the kit or the engine made from test images (renamed originals included). */
export async function testContainers(docker: Docker): Promise<{ id: string; name: string; image: string; state: string }[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [TEST_LABEL] } });
  return list.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), image: c.ImageID, state: c.State }));
}

export const COMPOSE_IMAGES = [`${COMPOSE_PROJECT}-${CRON_NAME}`, `${COMPOSE_PROJECT}-${DASHBOARD_NAME}`];

export async function imageIdOf(docker: Docker, reference: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(reference).inspect()).Id;
  } catch {
    return undefined;
  }
}
