// The rollback CLI commands as main.ts will register them, run in-process against a replica: the exact
// plan on --dry-run (and nothing changed), backup, rollback, verify, halt, resume, and their exit codes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { configSchema } from '../src/config/schema.ts';
import { registerRollbackCommands, type CliIo, type LoadedStuff } from '../src/runtime/cli-rollback.ts';
import { requireDocker } from './docker/engine.ts';
import { BACKUP_TAG, CRON_NAME, tagImage, type ReplicaDeployment } from './docker/replica.ts';
import { replicaSuite } from './docker/replica-suite.ts';
import { engineFor, testConfig, testContainers, writeStateFiles } from './docker/rollback-kit.ts';

const engine = await requireDocker();

interface Ran {
  code: number;
  out: string[];
  err: string[];
}

describe('rollback CLI (real engine)', { skip: engine.skip }, () => {
  const docker = engine.docker!;
  const socketPath = engine.socketPath!;
  const suite = replicaSuite(docker, { build: [{ version: 'v3.2.0', tags: ['turtle-sentinel-test/replica:v3.2.0'] }], cleanEach: true });
  let stateDir = '';

  async function deploy(): Promise<ReplicaDeployment> {
    const replica = await suite.deploy({ version: 'v3.2.1' });
    await tagImage(docker, suite.images['v3.2.0'], BACKUP_TAG);
    writeStateFiles(replica.dataDir);
    stateDir = mkdtempSync(join(tmpdir(), 'rollback-cli-state-'));
    return replica;
  }

  /** The config main.ts would load, with a `rollback:` section. English output unless asked (Korean is pinned in cli-text.test.ts). */
  function loader(over: { docker?: boolean; language?: 'ko' | 'en' } = {}) {
    return async (): Promise<LoadedStuff> => {
      const config = configSchema.parse({
        deployment: { root: suite.replica!.root },
        docker: { enabled: over.docker ?? true, socketPath },
        state: { dir: stateDir },
        http: { enabled: false },
        rollback: { stopTimeout: '2s', verify: { settle: '200ms' } },
        telegram: { language: over.language ?? 'en' },
      });
      return { ok: true, loaded: { config, baseDir: '/' } };
    };
  }

  /** The test containers; the crash-looping dashboard flips between running and restarting by itself. */
  async function containersNow(): Promise<string> {
    return JSON.stringify((await testContainers(docker)).map((c) => ({ ...c, state: c.state === 'restarting' ? 'running' : c.state })));
  }

  async function cli(args: string[], load = loader()): Promise<Ran> {
    const ran: Ran = { code: -1, out: [], err: [] };
    const io: CliIo = { out: (l) => ran.out.push(l), err: (l) => ran.err.push(l), exit: (c) => (ran.code = c) };
    const program = new Command().exitOverride();
    registerRollbackCommands(program, load, io);
    await program.parseAsync(['node', 'turtle-sentinel', ...args]);
    return ran;
  }

  it('rollback --dry-run prints the exact plan the engine would run, and changes nothing', async () => {
    const r = await deploy();
    const before = await containersNow();
    const ran = await cli(['rollback', '--dry-run']);
    assert.equal(ran.code, 0, ran.err.join('\n'));
    const plan = await engineFor(r, { socketPath, config: testConfig({ stopTimeout: '2s' }) }).engine.plan('rollback');
    assert.ok(plan.ok);
    assert.deepEqual(ran.out, [
      `plan ${plan.plan.id}: rollback by image-tag → ${suite.images['v3.2.0']}`,
      ...plan.plan.steps.map((s, i) => `  ${String(i + 1).padStart(2)}. ${s}`),
    ]);
    // The default language: the same plan, in Korean, line for line.
    const ko = await cli(['rollback', '--dry-run'], loader({ language: 'ko' }));
    assert.ok(plan.plan.stepsKo && plan.plan.stepsKo.length === plan.plan.steps.length);
    assert.deepEqual(ko.out, [
      `계획 ${plan.plan.id}: 롤백 (image-tag 방식) → ${suite.images['v3.2.0']}`,
      ...plan.plan.stepsKo.map((s, i) => `  ${String(i + 1).padStart(2)}. ${s}`),
    ]);
    assert.match(ko.out[3]!, /^ {3}3\. turtle-cron \(컨테이너 [0-9a-f]{12}\) 정지, 재시작 정책을 "no"로 설정$/);
    assert.equal(await containersNow(), before);
    assert.ok(!existsSync(join(r.dataDir, 'positions/backups')));
    assert.ok(!existsSync(join(stateDir, 'rollback/journal.jsonl')), 'a dry run journals nothing');
  });

  it('backup, rollback, verify: exit 0 and the operator reads what happened', async () => {
    const r = await deploy();
    const positions = readFileSync(join(r.dataDir, 'positions/positions.json'));
    const backup = await cli(['backup']);
    assert.equal(backup.code, 0, backup.err.join('\n'));
    assert.match(
      backup.out[0]!,
      /^positions\/positions\.json → .*\/data\/positions\/backups\/positions\.json\.pre-rollback-\d{8}_\d{6}  sha256 [0-9a-f]{64}  mode 600$/,
    );
    assert.equal(backup.out.length, 3, 'positions, entries, order_log');

    const rollback = await cli(['rollback']);
    assert.equal(rollback.code, 0, [...rollback.out, ...rollback.err].join('\n'));
    assert.match(rollback.out.join('\n'), /^started plan [0-9a-f]{16}$/m);
    assert.match(rollback.out.join('\n'), /^verified: .*pre-existing: turtle-dashboard/m);
    // Each step line carries its duration (SPEC §5.5).
    for (const line of rollback.out.filter((l) => /^  (ok    |FAILED) /.test(l)))
      assert.match(line, / \((\d+\.\d s|\d+ s|\d+ min( \d+ s)?)\)$/, line);
    assert.ok(
      rollback.out.some((l) => /^  ok     stop turtle-cron: /.test(l)),
      rollback.out.join('\n'),
    );
    assert.equal((await docker.getContainer(CRON_NAME).inspect()).Image, suite.images['v3.2.0']);

    const verify = await cli(['verify']);
    assert.equal(verify.code, 0, verify.out.join('\n'));
    assert.match(verify.out[0]!, /^verifying against the rollback verified at .* \(incident cli-/);
    assert.ok(
      verify.out.some((l) => /^ok +crontab of turtle-cron runs signal_check\.py ×2, daily_report\.py ×1$/.test(l)),
      verify.out.join('\n'),
    );
    assert.ok(verify.out.some((l) => /^ok +positions\.json byte-identical to its backup/.test(l)));
    assert.ok(verify.out.some((l) => /^warn +turtle-dashboard (is restarting|is exited|restarted)/.test(l)));
    assert.ok(readFileSync(join(r.dataDir, 'positions/positions.json')).equals(positions));
  });

  it('halt and resume act on the cron container only', async () => {
    await deploy();
    const halt = await cli(['halt']);
    assert.equal(halt.code, 0, [...halt.out, ...halt.err].join('\n'));
    assert.equal(halt.out.at(-1), 'finished: turtle-cron stopped');
    assert.equal((await docker.getContainer(CRON_NAME).inspect()).State.Status, 'exited');
    const again = await cli(['halt']);
    assert.equal(again.code, 1);
    assert.deepEqual(again.err, ['no halt: turtle-cron is already stopped (exited): nothing to halt']);
    const resume = await cli(['resume']);
    assert.equal(resume.code, 0);
    assert.equal((await docker.getContainer(CRON_NAME).inspect()).State.Status, 'running');
  });

  it('bad input: an unknown strategy, Docker disabled, a stale plan id', async () => {
    await deploy();
    const strategy = await cli(['rollback', '--strategy', 'latest']);
    assert.deepEqual([strategy.code, strategy.err], [2, ['--strategy must be image-tag or git, not "latest"']]);
    const disabled = await cli(['rollback', '--dry-run'], loader({ docker: false }));
    assert.deepEqual(
      [disabled.code, disabled.err],
      [2, ['docker.enabled is false: rollback, verify, halt and resume act through the Docker engine']],
    );
    const before = await containersNow();
    const stale = await cli(['rollback', '--plan', '0123456789abcdef']);
    assert.equal(stale.code, 1);
    assert.match(stale.out.at(-1)!, /^refused: the plan changed since it was approved \(approved 0123456789abcdef, now [0-9a-f]{16}\)/);
    assert.equal(await containersNow(), before);
  });
});
