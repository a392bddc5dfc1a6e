// Crash safety of the rollback engine: for both strategies, the engine runs in a child process that is
// SIGKILLed at every step boundary of the plan (after each step's `begin` is durable: not acted yet;
// right before its `end` is written: acted, not recorded; and after the last step). A fresh engine's
// recover() must end consistent — rolled back and verified, or the original containers running — say
// which, and leave positions.json byte-identical. A crash during recovery ends with the originals.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { buildPlan, type PlanOp } from '../src/core/plan.ts';
import type { ExecutionReport } from '../src/core/types.ts';
import { gatherFacts } from '../src/runtime/rollback/facts.ts';
import { RollbackJournal } from '../src/runtime/rollback/journal.ts';
import { firstChange } from '../src/runtime/rollback/execution.ts';
import { TEST_LABEL, requireDocker } from './docker/engine.ts';
import { BACKUP_TAG, CRON_NAME, DASHBOARD_NAME, tagImage } from './docker/replica.ts';
import { replicaSuite } from './docker/replica-suite.ts';
import type { Boundary, ChildSpec } from './docker/rollback-child.ts';
import { sha256Hex } from '../src/runtime/sha256.ts';
import {
  COMPOSE_IMAGES,
  REPO_ROOT,
  collector,
  createGitFixture,
  engineFor,
  imageIdOf,
  resetGitFixture,
  testConfig,
  testContainers,
  writeStateFiles,
  type GitFixture,
} from './docker/rollback-kit.ts';

const engine = await requireDocker();
const CHILD = join(REPO_ROOT, 'test/docker/rollback-child.ts');

/**
 * Start a child (it loads its modules while the caller prepares the world), then hand it a spec: it
 * runs until it reports the boundary and is SIGKILLed there. Resolves with what it printed.
 */
function startChild(): { run(spec: ChildSpec): Promise<{ killed: boolean; lines: string[] }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffered = '';
  let stderr = '';
  let sentKill = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      if (line.startsWith('BOUNDARY ') && !sentKill) {
        sentKill = true;
        child.kill('SIGKILL');
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    async run(spec) {
      const file = join(spec.stateDir, `child-${Date.now()}.json`);
      writeFileSync(file, JSON.stringify(spec));
      child.stdin.end(file + '\n');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(
            new Error(
              `child did not reach ${JSON.stringify(spec.kill)} in time; stdout: ${lines.join(' | ')}; stderr: ${stderr.slice(-2000)}`,
            ),
          );
        }, 60_000);
      });
      const { code, signal } = await Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
      if (spec.kill && signal !== 'SIGKILL')
        throw new Error(
          `child exited ${code ?? signal} without being killed at ${JSON.stringify(spec.kill)}: ${lines.join(' | ')} ${stderr.slice(-2000)}`,
        );
      return { killed: signal === 'SIGKILL', lines };
    },
  };
}

/** Every boundary of a plan: before and after acting in each step, and after the last record. */
function boundaries(ops: PlanOp[]): Boundary[] {
  return [
    ...ops.flatMap((_, step) => [
      { step, when: 'after-begin' as const },
      { step, when: 'before-end' as const },
    ]),
    { step: ops.length - 1, when: 'after-end' as const },
  ];
}

const label = (ops: PlanOp[], b: Boundary): string => {
  const op = ops[b.step]!;
  return `${b.when} ${'container' in op ? `${op.op} ${op.container}` : op.op}`;
};

describe('rollback fault injection (real engine, SIGKILL)', { skip: engine.skip }, () => {
  const docker = engine.docker!;
  const socketPath = engine.socketPath!;
  const root = mkdtempSync(join(tmpdir(), 'rollback-faults-'));
  const dataDir = join(root, 'data');
  const logsDir = join(root, 'logs');
  const suite = replicaSuite(docker, {
    build: [
      { version: 'v3.2.0', tags: ['turtle-sentinel-test/replica:v3.2.0'] },
      { version: 'v3.2.1', tags: ['turtle-sentinel-test/replica:v3.2.1'] },
    ],
  });
  const { images } = suite;
  let positions: Buffer;
  let fixture: GitFixture;

  before(() => {
    mkdirSync(logsDir, { recursive: true });
    positions = writeStateFiles(dataDir).positions;
    writeFileSync(join(logsDir, 'check_kr.log'), readFileSync(join(REPO_ROOT, 'test/fixtures/runs/check_kr.log')));
    fixture = createGitFixture();
  });

  /** The world right after a v3.2.1 deploy, the same data and logs every time. */
  async function reset(): Promise<{ cron: string; dashboard: string }> {
    // In parallel: every case starts from scratch, and 61 cases add up.
    await Promise.all(
      (await testContainers(docker)).map((c) =>
        docker
          .getContainer(c.id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
    );
    resetGitFixture(fixture);
    const replica = await suite.deploy({ version: 'v3.2.1', dataDir, logsDir, env: ['TELEGRAM_CHAT_ID=42'] });
    await tagImage(docker, images['v3.2.0'], BACKUP_TAG);
    return { cron: replica.cron.id, dashboard: replica.dashboard!.id };
  }

  const configOf = (strategy: 'image-tag' | 'git') =>
    strategy === 'git' ? { git: { repo: fixture.repo, targetCommit: fixture.v320 } } : {};

  async function planOps(strategy: 'image-tag' | 'git', stateDir: string): Promise<{ id: string; ops: PlanOp[] }> {
    const { deps } = engineFor(suite.replica!, { socketPath, config: testConfig(configOf(strategy)), stateDir });
    const gathered = await gatherFacts({ ...deps, failedTargets: [] }, 'rollback', { strategy });
    assert.ok(gathered.ok, gathered.ok ? '' : gathered.reason);
    const plan = buildPlan(gathered.facts, sha256Hex);
    assert.ok(plan.ok, plan.ok ? '' : plan.reason);
    assert.equal(plan.plan.strategy, strategy);
    return { id: plan.plan.id, ops: plan.plan.ops };
  }

  async function inspect(ref: string): Promise<Docker.ContainerInspectInfo | undefined> {
    return docker
      .getContainer(ref)
      .inspect()
      .catch(() => undefined);
  }

  /** The two consistent ends. Returns which one the world is in, after asserting it fully. */
  async function assertConsistent(
    strategy: 'image-tag' | 'git',
    originals: { cron: string; dashboard: string },
    stateDir: string,
  ): Promise<'rolled-back' | 'original'> {
    assert.ok(readFileSync(join(dataDir, 'positions/positions.json')).equals(positions), 'positions.json byte-identical');
    const cron = await inspect(CRON_NAME);
    const dashboard = await inspect(DASHBOARD_NAME);
    assert.ok(cron && dashboard, 'both guarded names are held');
    const names = (await testContainers(docker)).map((c) => c.name).sort();
    assert.deepEqual(names, [CRON_NAME, DASHBOARD_NAME], 'no container left over (renamed originals, half-made new ones)');
    assert.equal(cron.State.Status, 'running', 'the cron container runs');
    assert.ok(!existsSync(join(stateDir, 'rollback/lock')), 'the lock is released');
    const journal = new RollbackJournal(join(stateDir, 'rollback'));
    assert.deepEqual(journal.open(), [], 'no execution left open');
    if (cron.Id === originals.cron) {
      assert.equal(dashboard.Id, originals.dashboard);
      assert.equal(cron.Image, images['v3.2.1']);
      assert.equal(dashboard.Image, images['v3.2.1']);
      assert.deepEqual(cron.HostConfig.RestartPolicy, { Name: 'unless-stopped', MaximumRetryCount: 0 });
      for (const name of COMPOSE_IMAGES) assert.equal(await imageIdOf(docker, name), images['v3.2.1'], `${name} names v3.2.1 again`);
      assert.equal(fixture.git('symbolic-ref', '--short', 'HEAD'), 'main');
      return 'original';
    }
    const target = strategy === 'image-tag' ? images['v3.2.0'] : await imageIdOf(docker, 'turtle-trading:rollback-v3.2.0');
    assert.ok(target);
    assert.equal(cron.Image, target);
    assert.equal(dashboard.Image, target);
    assert.notEqual(dashboard.Id, originals.dashboard);
    for (const name of COMPOSE_IMAGES) assert.equal(await imageIdOf(docker, name), target);
    if (strategy === 'git') assert.equal(fixture.git('rev-parse', 'HEAD'), fixture.v320);
    assert.match((await suite.replica!.exec(['ls', '/app/scripts'])).stdout, /signal_check\.py/);
    return 'rolled-back';
  }

  for (const strategy of ['image-tag', 'git'] as const) {
    it(`${strategy}: SIGKILL at every step boundary; recover() ends consistent and says which`, { timeout: 600_000 }, async (t) => {
      await reset();
      const enumerated = await planOps(strategy, mkdtempSync(join(tmpdir(), 'rollback-faults-state-')));
      const change = firstChange(enumerated.ops);
      const all = boundaries(enumerated.ops);
      assert.equal(all.length, enumerated.ops.length * 2 + 1);
      let covered = 0;
      for (const boundary of all) {
        await t.test(label(enumerated.ops, boundary), async () => {
          const child = startChild();
          const originals = await reset();
          const stateDir = mkdtempSync(join(tmpdir(), 'rollback-faults-state-'));
          const { id, ops } = await planOps(strategy, stateDir);
          assert.deepEqual(
            ops.map((o) => o.op),
            enumerated.ops.map((o) => o.op),
          );
          const ran = await child.run({
            socketPath,
            replica: { root: suite.replica!.root, dataDir, logsDir },
            stateDir,
            config: configOf(strategy),
            mode: 'execute',
            strategy,
            incidentId: `inc-${strategy}-${boundary.step}-${boundary.when}`,
            planId: id,
            kill: boundary,
          });
          assert.ok(ran.killed);
          assert.ok(
            ran.lines.some((l) => l.startsWith('BOUNDARY')),
            ran.lines.join('\n'),
          );

          const { engine: fresh } = engineFor(
            { root: suite.replica!.root, dataDir, logsDir },
            { socketPath, config: testConfig(configOf(strategy)), stateDir },
          );
          const reports: { incidentId: string; report: ExecutionReport }[] = [];
          await fresh.recover((incidentId, report) => reports.push({ incidentId, report }));
          assert.ok(reports.length > 0, 'recovery reports what it did');
          assert.ok(reports.every((r) => r.incidentId === `inc-${strategy}-${boundary.step}-${boundary.when}`));
          const end = await assertConsistent(strategy, originals, stateDir);
          const last = reports.at(-1)!.report;
          const beforeAnyChange = boundary.step < change;
          if (beforeAnyChange) {
            assert.equal(end, 'original');
            assert.equal(last.kind, 'refused');
            assert.match((last as { reason: string }).reason, /interrupted by a restart before anything was changed/);
          } else {
            // Past the first change the approved rollback is finished: rolled back and verified.
            assert.equal(end, 'rolled-back', JSON.stringify(reports));
            assert.ok(
              reports.some((r) => r.report.kind === 'verified' && r.report.ok),
              JSON.stringify(reports),
            );
          }
          // Nothing more to do at the next start.
          const again = collector();
          await fresh.recover((_, r) => again.report(r));
          assert.deepEqual(again.reports, []);
          covered += 1;
        });
      }
      assert.equal(covered, all.length, 'every boundary was exercised');
    });
  }

  /** What a child process runs an image-tag execution or recovery with, on this suite's replica. */
  const imageTagSpec = (stateDir: string, incidentId: string) => ({
    socketPath,
    replica: { root: suite.replica!.root, dataDir, logsDir },
    stateDir,
    config: {},
    strategy: 'image-tag' as const,
    incidentId,
  });

  it('a crash during recovery: the next start restores the original containers and says so', { timeout: 120_000 }, async () => {
    const [first, second] = [startChild(), startChild()];
    const originals = await reset();
    const stateDir = mkdtempSync(join(tmpdir(), 'rollback-faults-state-'));
    const { id, ops } = await planOps('image-tag', stateDir);
    const createDashboard = ops.findIndex((o) => o.op === 'create' && o.container === DASHBOARD_NAME);
    const startDashboard = ops.findIndex((o) => o.op === 'start' && o.container === DASHBOARD_NAME);
    const spec = imageTagSpec(stateDir, 'inc-double');
    // Half switched: cron on v3.2.0, the dashboard's new container made but not recorded.
    await first.run({ ...spec, mode: 'execute', planId: id, kill: { step: createDashboard, when: 'before-end' } });
    // The recovery rolls forward and is killed too, before starting the dashboard.
    const recovering = await second.run({ ...spec, mode: 'recover', kill: { step: startDashboard, when: 'after-begin' } });
    assert.ok(recovering.killed);
    const { engine: fresh } = engineFor({ root: suite.replica!.root, dataDir, logsDir }, { socketPath, stateDir });
    const c = collector();
    await fresh.recover((_, r) => c.report(r));
    assert.equal(await assertConsistent('image-tag', originals, stateDir), 'original');
    const last = c.reports.at(-1)!;
    assert.ok(last.kind === 'finished' && !last.ok);
    assert.match(last.detail, /^after a restart: the rollback was not completed; the original containers are back: turtle-cron/);
  });

  it(
    "a rollback by hand while the sidecar was down: recovery leaves the operator's turtle-cron alone and says so",
    { timeout: 120_000 },
    async () => {
      const child = startChild();
      const originals = await reset();
      const stateDir = mkdtempSync(join(tmpdir(), 'rollback-faults-state-'));
      const { id, ops } = await planOps('image-tag', stateDir);
      const renameCron = ops.findIndex((o) => o.op === 'rename' && o.container === CRON_NAME);
      const spec = imageTagSpec(stateDir, 'inc-by-hand');
      // The sidecar dies with turtle-cron stopped and renamed; the operator follows the runbook by hand.
      await child.run({ ...spec, mode: 'execute', planId: id, kill: { step: renameCron, when: 'before-end' } });
      const own = await docker.createContainer({
        name: CRON_NAME,
        Image: images['v3.2.0'],
        Cmd: ['sh', '-c', 'sleep 3600'],
        Labels: { [TEST_LABEL]: 'by-hand' },
        HostConfig: { Binds: [`${dataDir}:/app/data`, `${logsDir}:/app/logs`] },
      });
      await own.start();

      const { engine: fresh } = engineFor({ root: suite.replica!.root, dataDir, logsDir }, { socketPath, stateDir });
      const c = collector();
      await fresh.recover((_, r) => c.report(r));
      const mine = await inspect(CRON_NAME);
      assert.equal(mine?.Id, own.id, "the operator's turtle-cron still holds the name");
      assert.equal(mine?.State.Status, 'running', 'and still runs');
      assert.equal((await inspect(DASHBOARD_NAME))?.Id, originals.dashboard, 'the dashboard was never touched');
      assert.equal((await inspect(originals.cron))?.State.Status, 'exited', 'the renamed original is kept, stopped, for the operator');
      assert.ok(readFileSync(join(dataDir, 'positions/positions.json')).equals(positions), 'positions.json byte-identical');
      const last = c.reports.at(-1)!;
      assert.ok(last.kind === 'finished' && !last.ok, JSON.stringify(c.reports));
      assert.match(
        last.detail,
        new RegExp(`turtle-cron is held by ${own.id.slice(0, 12)}, which this rollback did not create: left alone`),
      );
    },
  );
});
