// Rollback benchmark (not a test): on the busybox replica of turtle-cron / turtle-dashboard, the time
// from the decision (execute called with the approved plan) to the containers running the target image
// and to verified, for each strategy, against the runbook's own commands (bench/runbook-quickref.sh,
// docker CLI) on the same replica in the same run. Target: sentinel, backup and verification included,
// within 1.5× the script. The engine runs with the production defaults (rollbackConfigSchema.parse({})).
// Usage: node --import tsx bench/rollback.ts [repetitions]   (default 5, after one warm-up round)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createDockerEngine } from '../src/adapters/docker-engine.ts';
import { createGitRepo } from '../src/adapters/git-repo.ts';
import { rollbackConfigSchema } from '../src/config/rollback-schema.ts';
import { createRollbackEngine } from '../src/runtime/rollback/engine.ts';
import { removeTestObjects, requireDocker, TEST_LABEL } from '../test/docker/engine.ts';
import {
  BACKUP_TAG,
  CRON_NAME,
  DASHBOARD_NAME,
  buildReplicaImage,
  createReplicaDeployment,
  tagImage,
  type ReplicaDeployment,
} from '../test/docker/replica.ts';
import { DASHBOARD_CRASH } from '../test/docker/replica/scripts.ts';
import { REPO_ROOT, createGitFixture, imageIdOf, resetGitFixture, writeStateFiles } from '../test/docker/rollback-kit.ts';

type Strategy = 'image-tag' | 'git';
const REPS = Number(process.argv[2] ?? 5);
const ENV = ['TELEGRAM_BOT_TOKEN=123456:bench-not-a-token', 'TELEGRAM_CHAT_ID=42'];

// requireDocker also takes the Docker test kit's cross-process lock: the replica uses the real names.
const probe = await requireDocker();
if (probe.skip !== false) {
  process.stderr.write(`bench/rollback: ${probe.skip}\n`);
  process.exit(2);
}
const docker = probe.docker;
const socketPath = probe.socketPath;
await removeTestObjects(docker);
const v320 = (await buildReplicaImage(docker, 'v3.2.0', { tags: ['turtle-sentinel-test/replica:v3.2.0'] })).imageId;
await buildReplicaImage(docker, 'v3.2.1', { tags: ['turtle-sentinel-test/replica:v3.2.1'] });
const fixture = createGitFixture();
const root = mkdtempSync(join(tmpdir(), 'bench-rollback-'));
const dataDir = join(root, 'data');
const logsDir = join(root, 'logs');
mkdirSync(logsDir, { recursive: true });
writeStateFiles(dataDir);
writeFileSync(join(logsDir, 'check_kr.log'), readFileSync(join(REPO_ROOT, 'test/fixtures/runs/check_kr.log')));
writeFileSync(join(root, '.env'), ENV.join('\n') + '\n');
let replica: ReplicaDeployment | undefined;

async function reset(): Promise<void> {
  await removeTestObjects(docker);
  resetGitFixture(fixture);
  replica = await createReplicaDeployment(docker, { version: 'v3.2.1', dataDir, logsDir, env: ENV });
  await tagImage(docker, v320, BACKUP_TAG);
}

async function runningImages(): Promise<string[]> {
  return Promise.all([CRON_NAME, DASHBOARD_NAME].map(async (n) => (await docker.getContainer(n).inspect()).Image));
}

interface Timing {
  running: number;
  verified: number;
  target: string;
}

async function sentinel(strategy: Strategy): Promise<Timing> {
  await reset();
  const config = rollbackConfigSchema.parse({ git: { repo: fixture.repo, targetCommit: fixture.v320 } });
  const engine = createRollbackEngine({
    docker: createDockerEngine({ socketPath }),
    git: createGitRepo(),
    config,
    deployment: { root, dataDir, logsDir, containers: [CRON_NAME, DASHBOARD_NAME], cronContainer: CRON_NAME, timezone: 'Asia/Seoul' },
    stateDir: mkdtempSync(join(tmpdir(), 'bench-rollback-state-')),
    now: () => Date.now(),
    logger: pino({ level: 'silent' }),
  });
  // What the operator approved; the clock starts with the decision.
  const plan = await engine.plan('rollback', { strategy });
  if (!plan.ok) throw new Error(`no plan: ${plan.reason}`);
  const t0 = performance.now();
  let running = NaN;
  let verified = NaN;
  let target = '';
  await engine.execute(`bench-${strategy}-${Date.now()}`, 'rollback', plan.plan.id, (r) => {
    if (r.kind === 'finished' && r.ok) {
      running = performance.now() - t0;
      target = r.targetImageId ?? '';
    }
    if (r.kind === 'verified') {
      if (!r.ok) throw new Error(`verification failed: ${r.detail}`);
      verified = performance.now() - t0;
    }
    if (r.kind === 'refused' || r.kind === 'deferred' || (r.kind === 'finished' && !r.ok)) throw new Error(JSON.stringify(r));
  });
  const images = await runningImages();
  if (images.some((i) => i !== target)) throw new Error(`sentinel ${strategy}: containers run ${images.join(', ')}, not ${target}`);
  return { running, verified, target };
}

async function script(strategy: Strategy): Promise<Timing> {
  await reset();
  const t0 = performance.now();
  const ran = spawnSync('bash', [join(REPO_ROOT, 'bench/runbook-quickref.sh'), strategy], {
    env: {
      ...process.env,
      ROOT: root,
      REPO: fixture.repo,
      TARGET: fixture.v320,
      DASHBOARD_SH: DASHBOARD_CRASH,
      DASHBOARD_PUBLISH: '127.0.0.1::8501',
      EXTRA_LABEL: `${TEST_LABEL}=bench`,
      DOCKER_BUILDKIT: '0',
    },
    encoding: 'utf8',
  });
  const elapsed = performance.now() - t0;
  if (ran.status !== 0) throw new Error(`runbook-quickref.sh ${strategy} failed (${ran.status}): ${ran.stderr}`);
  const target = strategy === 'image-tag' ? v320 : ((await imageIdOf(docker, 'turtle-trading:rollback-v3.2.0')) ?? '');
  const images = await runningImages();
  if (images.some((i) => i !== target)) throw new Error(`script ${strategy}: containers run ${images.join(', ')}, not ${target}`);
  return { running: elapsed, verified: elapsed, target };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const results: Record<Strategy, { sentinel: Timing[]; script: Timing[] }> = {
  'image-tag': { sentinel: [], script: [] },
  git: { sentinel: [], script: [] },
};
try {
  for (let rep = -1; rep < REPS; rep++) {
    for (const strategy of ['image-tag', 'git'] as const) {
      // Alternate the order so neither side always runs on a warmer engine.
      const order = rep % 2 === 0 ? (['sentinel', 'script'] as const) : (['script', 'sentinel'] as const);
      for (const who of order) {
        const timing = who === 'sentinel' ? await sentinel(strategy) : await script(strategy);
        if (rep >= 0) results[strategy][who].push(timing);
      }
    }
  }
} finally {
  await replica?.cleanup().catch(() => undefined);
  await removeTestObjects(docker, { images: true });
}

const ms = (x: number): string => `${Math.round(x)} ms`;
process.stdout.write(
  `rollback on the replica, median of ${REPS} (after a warm-up round); engine defaults (verify.settle ${rollbackConfigSchema.parse({}).verify.settle} ms)\n`,
);
process.stdout.write('strategy   | sentinel → running | sentinel → verified | runbook script | ratio (verified / script)\n');
for (const strategy of ['image-tag', 'git'] as const) {
  const r = results[strategy];
  const running = median(r.sentinel.map((t) => t.running));
  const verified = median(r.sentinel.map((t) => t.verified));
  const baseline = median(r.script.map((t) => t.running));
  process.stdout.write(
    `${strategy.padEnd(10)} | ${ms(running).padStart(18)} | ${ms(verified).padStart(19)} | ${ms(baseline).padStart(14)} | ${(verified / baseline).toFixed(2)}× (target ≤ 1.50×)\n`,
  );
}
