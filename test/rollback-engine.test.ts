// The rollback engine against the real Docker engine and busybox replicas of turtle-cron /
// turtle-dashboard (real names, compose labels and image names, bind-mounted data/ and logs/): the
// image-tag and git strategies end to end, verification failure and restore, refusals that change
// nothing, a job mid-run, halt and resume, and recreation fidelity on a richly configured container.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { createDockerEngine } from '../src/adapters/docker-engine.ts';
import type { ContainerDoc } from '../src/ports/docker.ts';
import { recreateSpec, EXECUTION_LABEL } from '../src/runtime/rollback/recreate-spec.ts';
import { RollbackJournal } from '../src/runtime/rollback/journal.ts';
import { verifyCurrent } from '../src/runtime/rollback/verify-current.ts';
import { createLogger } from '../src/adapters/logger.ts';
import { configSchema } from '../src/config/schema.ts';
import { configPaths } from '../src/config/load-config.ts';
import { wireRollbackEngine } from '../src/runtime/wiring.ts';
import { systemClock } from '../src/adapters/clock.ts';
import { TEST_LABEL, requireDocker } from './docker/engine.ts';
import {
  BACKUP_TAG,
  CRON_NAME,
  DASHBOARD_NAME,
  buildReplicaImage,
  crontabOf,
  supercronicFiles,
  tagImage,
  type ReplicaDeployment,
} from './docker/replica.ts';
import { replicaSuite } from './docker/replica-suite.ts';
import { waitFor } from './helpers/wait.ts';
import { releaseEntry } from './helpers/release-entry.ts';
import type { Release } from '../src/config/catalogue-schema.ts';
import {
  COMPOSE_IMAGES,
  collector,
  createGitFixture,
  engineFor,
  imageIdOf,
  testConfig,
  testContainers,
  writeStateFiles,
  type GitFixture,
} from './docker/rollback-kit.ts';

const engine = await requireDocker();
const KEEP_V320 = 'turtle-sentinel-test/replica:v3.2.0';
const KEEP_V321 = 'turtle-sentinel-test/replica:v3.2.1';
const ENV = ['TELEGRAM_BOT_TOKEN=123456:not-a-real-token', 'TELEGRAM_CHAT_ID=42'];

describe('rollback engine (real engine)', { skip: engine.skip }, () => {
  const docker = engine.docker!;
  const socketPath = engine.socketPath!;
  const suite = replicaSuite(docker, {
    build: [
      { version: 'v3.2.0', tags: [KEEP_V320] },
      { version: 'v3.2.1', tags: [KEEP_V321] },
    ],
    cleanEach: true,
  });
  const { images } = suite;

  /** A v3.2.1 deployment as after the deploy: compose names → v3.2.1, the backup tag → v3.2.0. */
  async function deploy(): Promise<ReplicaDeployment & { positions: Buffer }> {
    const replica = await suite.deploy({ version: 'v3.2.1', env: ENV });
    await tagImage(docker, images['v3.2.0'], BACKUP_TAG);
    const { positions } = writeStateFiles(replica.dataDir);
    writeFileSync(join(replica.logsDir, 'check_kr.log'), readFileSync(new URL('./fixtures/runs/check_kr.log', import.meta.url)));
    return Object.assign(replica, { positions });
  }

  /** What must not change when the engine refuses: every test container, the compose tags, the backup tag. */
  async function world(): Promise<string> {
    const containers = (await testContainers(docker))
      .map((c) => `${c.name} ${c.id} ${c.image} ${c.state === 'restarting' ? 'running' : c.state}`)
      .sort();
    const tags = await Promise.all([...COMPOSE_IMAGES, BACKUP_TAG].map(async (t) => `${t} ${await imageIdOf(docker, t)}`));
    return [...containers, ...tags].join('\n');
  }

  const inspect = (ref: string): Promise<Docker.ContainerInspectInfo> => docker.getContainer(ref).inspect();
  const gone = async (ref: string): Promise<boolean> =>
    docker
      .getContainer(ref)
      .inspect()
      .then(
        () => false,
        (e: { statusCode?: number }) => e.statusCode === 404,
      );

  it('image-tag: recreates both containers on the backup image with their own configuration, verifies, keeps positions.json', async () => {
    const r = await deploy();
    // A container of the same compose project that is not configured: never touched.
    const bystander = await docker.createContainer({
      name: 'turtle-bystander',
      Image: KEEP_V321,
      Labels: { 'com.docker.compose.project': 'turtle_trading', 'com.docker.compose.service': 'bystander', [TEST_LABEL]: 'bystander' },
    });
    await bystander.start();
    const bystanderBefore = await bystander.inspect();
    const oldCron = await inspect(CRON_NAME);
    const oldDash = await inspect(DASHBOARD_NAME);
    const { engine: rollback, stateDir } = engineFor(r, { socketPath });

    const plan = await rollback.plan('rollback');
    assert.ok(plan.ok, plan.ok ? '' : plan.reason);
    assert.equal(plan.plan.strategy, 'image-tag');
    assert.equal(plan.plan.targetImageId, images['v3.2.0']);

    const c = collector();
    await rollback.execute('inc-image-tag', 'rollback', plan.plan.id, c.report);
    const kinds = c.kinds();
    assert.deepEqual(kinds.slice(0, 2), ['step', 'started'], 'started once the preflight passed');
    const finished = c.reports.find((x) => x.kind === 'finished');
    assert.deepEqual(finished && finished.kind === 'finished' && [finished.ok, finished.targetImageId], [true, images['v3.2.0']]);
    const verified = c.reports.find((x) => x.kind === 'verified');
    assert.ok(verified && verified.kind === 'verified' && verified.ok, JSON.stringify(verified));
    assert.ok(
      verified.preExisting.some((p) => p.includes(DASHBOARD_NAME)),
      'the dashboard crash loop is pre-existing',
    );
    assert.ok(kinds.indexOf('finished') < kinds.indexOf('verified'));
    assert.ok(
      c.reports.every((x) => x.kind !== 'step' || x.ok),
      JSON.stringify(c.reports.filter((x) => x.kind === 'step' && !x.ok)),
    );

    for (const [name, old] of [
      [CRON_NAME, oldCron],
      [DASHBOARD_NAME, oldDash],
    ] as const) {
      const now = await inspect(name);
      assert.notEqual(now.Id, old.Id, `${name} recreated`);
      assert.equal(now.Image, images['v3.2.0'], `${name} runs the backup image`);
      assert.equal(now.Config.Image, images['v3.2.0'], `${name} pinned by image ID`);
      assert.deepEqual(now.Config.Env.filter((e) => e.startsWith('TELEGRAM_')).sort(), ENV, `${name} env carried`);
      assert.deepEqual([...now.Config.Env].sort(), [...old.Config.Env].sort());
      assert.deepEqual(now.HostConfig.Binds, old.HostConfig.Binds);
      assert.deepEqual(now.HostConfig.RestartPolicy, old.HostConfig.RestartPolicy);
      assert.deepEqual(now.HostConfig.PortBindings, old.HostConfig.PortBindings);
      assert.equal(now.HostConfig.NetworkMode, old.HostConfig.NetworkMode);
      assert.deepEqual(now.Config.Cmd, old.Config.Cmd);
      assert.deepEqual(now.Config.Entrypoint, old.Config.Entrypoint);
      assert.equal(now.Config.User, old.Config.User);
      assert.equal(now.Config.WorkingDir, old.Config.WorkingDir);
      const aliases = (i: Docker.ContainerInspectInfo) =>
        Object.fromEntries(
          Object.entries(i.NetworkSettings.Networks).map(([n, e]) => [
            n,
            (e.Aliases ?? []).filter((a: string) => a !== i.Id.slice(0, 12)).sort(),
          ]),
        );
      assert.deepEqual(aliases(now), aliases(old), `${name} networks and aliases`);
      const { [EXECUTION_LABEL]: execution, 'turtle-sentinel.rollback.replaces': replaces, ...labels } = now.Config.Labels;
      assert.deepEqual(labels, old.Config.Labels, `${name} labels (plus the engine's two)`);
      assert.match(execution!, /^inc-image-tag\/rollback\//);
      assert.equal(replaces, old.Id);
      assert.ok(await gone(old.Id), `the old ${name} is removed after verification`);
    }
    assert.equal((await inspect(CRON_NAME)).State.Status, 'running');
    const bystanderAfter = await bystander.inspect();
    assert.deepEqual(
      [bystanderAfter.Id, bystanderAfter.State.StartedAt, bystanderAfter.State.Running],
      [bystanderBefore.Id, bystanderBefore.State.StartedAt, true],
    );

    // The target version's files and crontab, and positions.json byte for byte.
    assert.match((await r.exec(['ls', '/app/scripts'])).stdout, /signal_check\.py/);
    assert.equal((await r.exec(['crontab', '-l'])).stdout, crontabOf('v3.2.0'));
    assert.ok(readFileSync(join(r.dataDir, 'positions/positions.json')).equals(r.positions));
    const backups = readdirSync(join(r.dataDir, 'positions/backups'));
    assert.equal(backups.length, 1);
    assert.match(backups[0]!, /^positions\.json\.pre-rollback-\d{8}_\d{6}$/);
    const backup = join(r.dataDir, 'positions/backups', backups[0]!);
    assert.equal(statSync(backup).mode & 0o777, 0o600);
    assert.ok(readFileSync(backup).equals(r.positions));
    assert.ok(
      readdirSync(r.logsDir).some((n) => /^check_kr\.log\.pre-rollback-\d{8}_\d{6}$/.test(n)),
      'log snapshot',
    );
    // A plain compose recreate (by compose's image name) would run v3.2.0 too.
    for (const name of COMPOSE_IMAGES) assert.equal(await imageIdOf(docker, name), images['v3.2.0']);

    // Every operation journaled before and after.
    const records = new RollbackJournal(join(stateDir, 'rollback')).records();
    const ops = plan.plan.steps.length;
    assert.equal(records.filter((x) => x.t === 'begin').length, ops);
    assert.equal(records.filter((x) => x.t === 'end').length, ops);
    assert.equal(records.at(-1)?.t, 'outcome');

    // Idempotent by incident: the same incident again changes nothing and says what happened.
    const ids = [(await inspect(CRON_NAME)).Id, (await inspect(DASHBOARD_NAME)).Id];
    const again = collector();
    await rollback.execute('inc-image-tag', 'rollback', plan.plan.id, again.report);
    assert.deepEqual(again.kinds(), ['finished', 'verified']);
    assert.match(JSON.stringify(again.reports), /already executed for this incident/);
    assert.deepEqual([(await inspect(CRON_NAME)).Id, (await inspect(DASHBOARD_NAME)).Id], ids);
    const replan = await rollback.plan('rollback');
    assert.ok(!replan.ok);
    assert.match(replan.reason, /already run turtle-trading:pre-v3\.2\.1-backup/);
  });

  it('git: builds the target commit through the API, tags it and compose names, recreates, checks out the branch', async () => {
    const fixture: GitFixture = createGitFixture();
    const r = await deploy();
    await docker.getImage(BACKUP_TAG).remove({ noprune: true }); // no backup tag: auto falls back to git
    const config = testConfig({ git: { repo: fixture.repo, targetCommit: fixture.v320.slice(0, 7) } });
    const { engine: rollback } = engineFor(r, { socketPath, config });

    const plan = await rollback.plan('rollback');
    assert.ok(plan.ok, plan.ok ? '' : plan.reason);
    assert.equal(plan.plan.strategy, 'git');
    assert.match(plan.plan.steps[1]!, new RegExp(`^build the image of commit ${fixture.v320.slice(0, 12)}`));
    const c = collector();
    await rollback.execute('inc-git', 'rollback', plan.plan.id, c.report);
    const verified = c.reports.find((x) => x.kind === 'verified');
    assert.ok(verified?.kind === 'verified' && verified.ok, JSON.stringify(c.reports));
    const finished = c.reports.find((x) => x.kind === 'finished');
    const built = finished?.kind === 'finished' ? finished.targetImageId : undefined;
    assert.ok(built);
    assert.ok(built !== images['v3.2.0'] && built !== images['v3.2.1'], 'a new image, built from the repository');
    assert.equal((await docker.getImage(built).inspect()).Config.Labels?.['turtle-sentinel.rollback.commit'], fixture.v320);
    assert.equal(await imageIdOf(docker, 'turtle-trading:rollback-v3.2.0'), built);
    for (const name of [CRON_NAME, DASHBOARD_NAME]) assert.equal((await inspect(name)).Image, built);
    assert.equal((await r.exec(['cat', '/app/VERSION'])).stdout, 'v3.2.0 from git fixture\n');
    assert.match((await r.exec(['ls', '/app/scripts'])).stdout, /signal_check\.py/);
    assert.equal(fixture.git('symbolic-ref', '--short', 'HEAD'), 'rollback/v3.2.1-to-v3.2.0');
    assert.equal(fixture.git('rev-parse', 'HEAD'), fixture.v320);
    assert.equal(fixture.git('rev-parse', 'main'), fixture.v321, 'main is not moved');
    // The manual runbook's `docker tag … latest && docker-compose up -d` would keep v3.2.1; here a plain
    // recreate by compose's image name (build: ., no image:) gets the rolled-back code.
    for (const name of COMPOSE_IMAGES) assert.equal(await imageIdOf(docker, name), built);
    const plain = await docker.createContainer({ Image: COMPOSE_IMAGES[0]!, Labels: { [TEST_LABEL]: 'plain-recreate' } });
    assert.equal((await plain.inspect()).Image, built);
    assert.deepEqual(await createDockerEngine({ socketPath }).pathExists(plain.id, '/app/scripts/signal_check.py'), {
      ok: true,
      value: true,
    });
    assert.ok(readFileSync(join(r.dataDir, 'positions/positions.json')).equals(r.positions));
  });

  it('a target that fails verification: the original containers run again, and it is not retried unless forced', async () => {
    const r = await deploy();
    // A "v3.2.0" whose crontab still schedules check_positions.py: verification must catch it.
    const bad = await buildReplicaImage(docker, 'v3.2.0', { crontab: crontabOf('v3.2.1'), tags: [BACKUP_TAG] });
    const before = await world();
    const originals = [(await inspect(CRON_NAME)).Id, (await inspect(DASHBOARD_NAME)).Id];
    const { engine: rollback, deps } = engineFor(r, { socketPath });
    const plan = await rollback.plan('rollback');
    assert.ok(plan.ok);
    const c = collector();
    await rollback.execute('inc-bad-target', 'rollback', plan.plan.id, c.report);
    const verified = c.reports.find((x) => x.kind === 'verified');
    assert.ok(verified?.kind === 'verified' && !verified.ok);
    assert.match(verified.detail, /still runs check_positions\.py/);
    assert.match(verified.detail, /the original containers are back: turtle-cron/);
    assert.deepEqual([(await inspect(CRON_NAME)).Id, (await inspect(DASHBOARD_NAME)).Id], originals);
    assert.equal((await inspect(CRON_NAME)).State.Status, 'running');
    assert.deepEqual(
      (await inspect(CRON_NAME)).HostConfig.RestartPolicy,
      { Name: 'unless-stopped', MaximumRetryCount: 0 },
      'restart policy restored',
    );
    assert.equal(await world(), before, 'containers, compose tags and backup tag as before');
    assert.ok(readFileSync(join(r.dataDir, 'positions/positions.json')).equals(r.positions));

    // Never retried automatically, also by a new engine (the journal remembers); an operator may force it.
    const fresh = engineFor(r, { socketPath, stateDir: deps.stateDir }).engine;
    const replan = await fresh.plan('rollback');
    assert.ok(!replan.ok);
    assert.match(
      replan.reason,
      new RegExp(
        `^image ${bad.imageId.slice(7, 19)} of backup tag ${BACKUP_TAG} failed verification before .*rollback --force\\), and git: `,
      ),
    );
    const refused = collector();
    await fresh.execute('inc-bad-target-2', 'rollback', plan.plan.id, refused.report);
    assert.deepEqual(refused.kinds(), ['refused']);
    const forced = await fresh.plan('rollback', { force: true });
    assert.ok(forced.ok);
    assert.equal(forced.plan.id, plan.plan.id);
  });

  describe('a catalogued target: the backup image is proven to be that release before anything runs on it', () => {
    /** The catalogue as the replicas make it: each release recognised by its crontab, hashed by git itself. */
    const gitShort = (text: string) => execFileSync('git', ['hash-object', '--stdin'], { input: text }).toString('utf8').trim().slice(0, 7);
    const loadsAnything = { required: [], known: [], unknownKeys: 'drop' as const };
    const entry = (release: 'v3.2.0' | 'v3.2.1', predecessor?: string): Release => ({
      ...releaseEntry({
        release,
        runner: 'debian-cron',
        files: { '/etc/cron.d/turtle-cron': gitShort(crontabOf(release)) },
        ...(predecessor ? { predecessor } : {}),
      }),
      positions: loadsAnything,
      entries: loadsAnything,
    });
    const V320_ENTRY = entry('v3.2.0');
    const V321_ENTRY = entry('v3.2.1', 'v3.2.0');
    const releaseContext = () => ({ catalogue: [V320_ENTRY, V321_ENTRY], running: V321_ENTRY });

    /** Every container start the engine recorded since `since` (seconds), with the container's attributes. */
    async function startedSince(since: number): Promise<Array<{ id: string; attributes: Record<string, string> }>> {
      const stream = (await docker.getEvents({
        since,
        until: Math.ceil(Date.now() / 1000),
        filters: { type: ['container'], event: ['start'] },
      })) as unknown as NodeJS.ReadableStream;
      let text = '';
      for await (const chunk of stream) text += String(chunk);
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { id: string; Actor?: { Attributes?: Record<string, string> } })
        .map((e) => ({ id: e.id, attributes: e.Actor?.Attributes ?? {} }));
    }

    it('the backup tag holds v3.2.0: its file matches the catalogue, the rollback proceeds and verifies', async () => {
      const r = await deploy();
      const { engine: rollback } = engineFor(r, { socketPath, releaseContext });
      const plan = await rollback.plan('rollback');
      assert.ok(plan.ok, plan.ok ? '' : plan.reason);
      assert.equal(plan.plan.strategy, 'image-tag');
      assert.ok(plan.plan.steps.some((s) => s.startsWith('before starting it, read /etc/cron.d/turtle-cron from the created turtle-cron')));
      const c = collector();
      await rollback.execute('inc-proven', 'rollback', plan.plan.id, c.report);
      const check = c.reports.find((x) => x.kind === 'step' && x.name === 'release-check turtle-cron');
      assert.deepEqual(check?.kind === 'step' && [check.ok, check.detail], [
        true,
        `image ${images['v3.2.0'].slice(7, 19)} holds v3.2.0's files (1 of 1 match the release catalogue)`,
      ]);
      const verified = c.reports.find((x) => x.kind === 'verified');
      assert.ok(verified?.kind === 'verified' && verified.ok, JSON.stringify(verified));
      assert.equal((await inspect(CRON_NAME)).Image, images['v3.2.0']);
    });

    it('the backup tag holds v3.2.1 again (rebuilt, another ID): found before it starts, the originals run again, never picked again', async () => {
      const r = await deploy();
      // The deploy script tagged a rebuild of the running release: another image ID, v3.2.1's files.
      const wrong = await buildReplicaImage(docker, 'v3.2.1', { tags: [BACKUP_TAG], extraFiles: { '/app/rebuilt': 'yes\n' } });
      assert.notEqual(wrong.imageId, images['v3.2.1']);
      const before = await world();
      const originals = [(await inspect(CRON_NAME)).Id, (await inspect(DASHBOARD_NAME)).Id];
      const since = Math.floor(Date.now() / 1000) - 1;
      const { engine: rollback, deps } = engineFor(r, { socketPath, releaseContext });
      const plan = await rollback.plan('rollback');
      assert.ok(plan.ok, plan.ok ? '' : plan.reason);
      assert.equal(plan.plan.targetImageId, wrong.imageId);

      const c = collector();
      await rollback.execute('inc-wrong-backup', 'rollback', plan.plan.id, c.report);
      const verified = c.reports.find((x) => x.kind === 'verified');
      assert.ok(verified?.kind === 'verified' && !verified.ok, JSON.stringify(c.reports));
      const short = wrong.imageId.slice(7, 19);
      assert.match(
        verified.detail,
        new RegExp(
          `^verification failed: image ${short} is not v3\\.2\\.0: /etc/cron\\.d/turtle-cron is ${gitShort(crontabOf('v3.2.1'))}, v3\\.2\\.0's is ${V320_ENTRY.recognition.files['/etc/cron.d/turtle-cron']}; it was never started; .*the original containers are back`,
        ),
      );
      // What the operator reads, typed for their language.
      assert.deepEqual(verified.words, {
        key: 'not-target-release',
        release: 'v3.2.0',
        differ: [
          {
            path: '/etc/cron.d/turtle-cron',
            found: gitShort(crontabOf('v3.2.1')),
            expected: V320_ENTRY.recognition.files['/etc/cron.d/turtle-cron'],
          },
        ],
        image: short,
        restored: true,
        afterRestart: false,
      });
      assert.ok(
        c.reports.every((x) => x.kind !== 'step' || !['start turtle-cron', 'stop turtle-dashboard'].includes(x.name)),
        'neither the new turtle-cron started nor the dashboard stopped',
      );
      // The engine's own record: the original turtle-cron was started again, and nothing ever started on the
      // wrong image or from this execution (the build above ran containers of its own, hence the filter).
      const started = await startedSince(since);
      assert.ok(
        started.some((e) => e.id === originals[0]),
        'the restored turtle-cron was started',
      );
      assert.deepEqual(
        started.filter((e) => e.attributes.image === wrong.imageId || EXECUTION_LABEL in e.attributes),
        [],
        'no container ever started on the wrong image',
      );
      assert.deepEqual([(await inspect(CRON_NAME)).Id, (await inspect(DASHBOARD_NAME)).Id], originals);
      assert.equal((await inspect(CRON_NAME)).State.Status, 'running');
      assert.equal(await world(), before);
      assert.ok(readFileSync(join(r.dataDir, 'positions/positions.json')).equals(r.positions));

      // Remembered: an automatic plan does not pick that image again (here git is not set up, so none).
      const replan = await engineFor(r, { socketPath, stateDir: deps.stateDir, releaseContext }).engine.plan('rollback');
      assert.ok(!replan.ok);
      assert.match(
        replan.reason,
        new RegExp(`^image ${short} of backup tag ${BACKUP_TAG} failed verification before \\(.*is not v3\\.2\\.0`),
      );
    });

    it('a supercronic release (no `crontab`) rolls back to its supercronic predecessor: checked and verified through /app/crontab', async () => {
      const CHECK = '/app/scripts/check_positions.py';
      const older = `${supercronicFiles()[CHECK]}# the predecessor's check_positions.py\n`;
      const predecessor = await buildReplicaImage(docker, 'supercronic', { tags: [BACKUP_TAG], extraFiles: { [CHECK]: older } });
      const r = await suite.deploy({ version: 'supercronic', dashboard: 'none', env: ENV });
      const { positions } = writeStateFiles(r.dataDir);
      const supercronicEntry = (release: string, files: Record<string, string>, predecessorName?: string): Release => ({
        ...releaseEntry({
          release,
          runner: 'supercronic',
          files: Object.fromEntries(Object.entries(files).map(([path, text]) => [path, gitShort(text)])),
          ...(predecessorName ? { predecessor: predecessorName } : {}),
        }),
        positions: loadsAnything,
        entries: loadsAnything,
        verify: { crontabRuns: ['check_positions.py', 'monitor_positions.py'], crontabDoesNotRun: ['signal_check.py'], files: [CHECK] },
      });
      const v390 = supercronicEntry('v3.9.0', { ...supercronicFiles(), [CHECK]: older });
      const v391 = supercronicEntry('v3.9.1', supercronicFiles(), 'v3.9.0');
      const { engine: rollback, deps } = engineFor(r, {
        socketPath,
        containers: [CRON_NAME],
        releaseContext: () => ({ catalogue: [v390, v391], running: v391 }),
      });
      // Before any rollback, `verify` holds the deployment to the running release's lists, not v3.2.0's.
      const before = await verifyCurrent(deps);
      assert.equal(
        before.expected.basis,
        'no verified rollback and no positions.json.pre-rollback-* backup recorded; the crontab and files of v3.9.1, the release running',
      );
      assert.deepEqual(
        before.checks.filter((x) => !x.ok),
        [],
      );
      const plan = await rollback.plan('rollback');
      assert.ok(plan.ok, plan.ok ? '' : plan.reason);
      assert.equal(plan.plan.targetImageId, predecessor.imageId);
      const c = collector();
      await rollback.execute('inc-supercronic', 'rollback', plan.plan.id, c.report);
      const failedSteps = c.reports.filter((x) => x.kind === 'step' && !x.ok);
      assert.deepEqual(failedSteps, []);
      const check = c.reports.find((x) => x.kind === 'step' && x.name === 'release-check turtle-cron');
      assert.ok(
        check?.kind === 'step' && check.detail.endsWith("holds v3.9.0's files (5 of 5 match the release catalogue)"),
        JSON.stringify(check),
      );
      const verified = c.reports.find((x) => x.kind === 'verified');
      assert.ok(verified?.kind === 'verified' && verified.ok, JSON.stringify(c.reports.filter((x) => x.kind !== 'step')));
      const now = await inspect(CRON_NAME);
      assert.equal(now.Image, predecessor.imageId);
      assert.equal(now.Config.User, '1000', 'a supercronic target keeps its non-root user');
      assert.ok(readFileSync(join(r.dataDir, 'positions/positions.json')).equals(positions));

      // `verify` at any time, as the CLI runs it: held against what that rollback's plan verified.
      const current = await verifyCurrent(deps);
      assert.match(current.expected.basis, /^the rollback verified at .* \(incident inc-supercronic\)$/);
      assert.deepEqual(
        current.checks.filter((x) => x.id === 'crontab' || x.id.startsWith('file:')).map((x) => [x.ok, x.detail]),
        [
          [true, 'crontab of turtle-cron (/app/crontab) runs check_positions.py ×2, daily_report.py ×1, monitor_positions.py ×1'],
          [true, `${CHECK} present in turtle-cron`],
        ],
      );
      assert.deepEqual(
        current.checks.filter((x) => !x.ok),
        [],
      );
    });
  });

  describe('refusals change nothing', () => {
    async function refusedWith(rollback: ReturnType<typeof engineFor>['engine'], planId: string, pattern: RegExp): Promise<void> {
      const before = await world();
      const c = collector();
      await rollback.execute(`inc-refused-${Date.now()}`, 'rollback', planId, c.report);
      assert.deepEqual(c.kinds(), ['refused'], JSON.stringify(c.reports));
      const reason = (c.reports[0] as { reason: string }).reason;
      assert.match(reason, pattern);
      assert.match(reason, /nothing was changed/);
      assert.equal(await world(), before);
    }

    it('missing backup tag with git disabled', async () => {
      const r = await deploy();
      await docker.getImage(BACKUP_TAG).remove({ noprune: true });
      const { engine: rollback } = engineFor(r, { socketPath, config: testConfig({ git: { enabled: false } }) });
      const plan = await rollback.plan('rollback');
      assert.deepEqual(plan, {
        ok: false,
        reason:
          'backup tag turtle-trading:pre-v3.2.1-backup does not exist, and the git strategy is disabled (rollback.git.enabled: false)',
      });
      await refusedWith(
        rollback,
        'ffffffffffffffff',
        /^backup tag turtle-trading:pre-v3\.2\.1-backup does not exist, and the git strategy is disabled/,
      );
    });

    it('a dirty working tree', async () => {
      const fixture = createGitFixture();
      const r = await deploy();
      writeFileSync(join(fixture.repo, 'rootfs/etc/cron.d/turtle-cron'), '# edited on the box\n');
      const { engine: rollback } = engineFor(r, {
        socketPath,
        config: testConfig({ git: { repo: fixture.repo, targetCommit: fixture.v320 } }),
      });
      const plan = await rollback.plan('rollback', { strategy: 'git' });
      assert.ok(!plan.ok);
      assert.match(plan.reason, /has uncommitted changes \( M rootfs\/etc\/cron\.d\/turtle-cron\): commit or stash them first/);
      await refusedWith(rollback, 'ffffffffffffffff', /uncommitted changes|plan changed/);
      assert.equal(fixture.git('symbolic-ref', '--short', 'HEAD'), 'main');
    });

    it('a failed build, detected from the build stream', async () => {
      const fixture = createGitFixture({ failing: true });
      const r = await deploy();
      const { engine: rollback } = engineFor(r, {
        socketPath,
        config: testConfig({ git: { repo: fixture.repo, targetCommit: fixture.v320 } }),
      });
      const plan = await rollback.plan('rollback', { strategy: 'git' });
      assert.ok(plan.ok, plan.ok ? '' : plan.reason);
      const before = await world();
      const c = collector();
      await rollback.execute('inc-failed-build', 'rollback', plan.plan.id, c.report);
      assert.deepEqual(c.kinds(), ['step', 'step', 'refused'], JSON.stringify(c.reports));
      const reason = (c.reports.at(-1) as { reason: string }).reason;
      assert.match(reason, /^build failed: .*(returned a non-zero code: 3|exit code 3)/);
      assert.match(reason, /nothing was changed$/);
      assert.equal(await world(), before);
      assert.equal(fixture.git('symbolic-ref', '--short', 'HEAD'), 'main');
      assert.throws(() => fixture.git('rev-parse', '--verify', '--quiet', 'refs/heads/rollback/v3.2.1-to-v3.2.0'));
      assert.ok(!readdirSync(join(r.dataDir, 'positions')).includes('backups'), 'not even a backup: the build comes first');
    });

    it('a configured container that does not exist', async () => {
      const r = await deploy();
      const { engine: rollback } = engineFor(r, { socketPath, containers: [CRON_NAME, DASHBOARD_NAME, 'turtle-ghost'] });
      const plan = await rollback.plan('rollback');
      assert.ok(!plan.ok);
      assert.match(plan.reason, /^configured container turtle-ghost not found/);
      await refusedWith(rollback, 'ffffffffffffffff', /^configured container turtle-ghost not found/);
    });

    it('the Docker engine unreachable', async () => {
      const r = await deploy();
      const missing = join(tmpdir(), `no-such-docker-${process.pid}.sock`);
      const { engine: rollback } = engineFor(r, { socketPath: missing });
      const plan = await rollback.plan('rollback');
      assert.ok(!plan.ok);
      assert.match(
        plan.reason,
        new RegExp(`^Docker engine unreachable at unix://${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(ping\\)`),
      );
      await refusedWith(rollback, 'ffffffffffffffff', /^Docker engine unreachable/);
    });

    it('a plan that changed since it was approved', async () => {
      const r = await deploy();
      const { engine: rollback } = engineFor(r, { socketPath });
      const plan = await rollback.plan('rollback');
      assert.ok(plan.ok);
      await refusedWith(
        rollback,
        'ffffffffffffffff',
        new RegExp(`^the plan changed since it was approved \\(approved ffffffffffffffff, now ${plan.plan.id}\\)`),
      );
    });
  });

  it('a job mid-run: deferred with nothing changed; once it ends, the same incident runs', async () => {
    const r = await deploy();
    await r.execDetached(['python', 'scripts/check_positions.py'], { env: ['REPLICA_MODE=hang'] });
    const top = createDockerEngine({ socketPath });
    (await waitFor('the job process', async () => {
      const p = await top.processes(CRON_NAME);
      return p.ok && p.value.some((c) => c.includes('check_positions.py')) ? true : undefined;
    }),
      { everyMs: 50 });
    const { engine: rollback } = engineFor(r, { socketPath });
    const plan = await rollback.plan('rollback');
    assert.ok(plan.ok);
    const before = await world();
    const c = collector();
    const t0 = Date.now();
    await rollback.execute('inc-job', 'rollback', plan.plan.id, c.report);
    assert.deepEqual(c.kinds(), ['step', 'deferred']);
    const deferred = c.reports[1]!;
    assert.ok(deferred.kind === 'deferred');
    assert.match(deferred.reason, /^a job is running in turtle-cron: .*check_positions\.py/);
    assert.ok(deferred.retryAt >= t0 + 5_000 && deferred.retryAt <= Date.now() + 5_000);
    assert.equal(await world(), before);
    assert.ok(!readdirSync(join(r.dataDir, 'positions')).includes('backups'));

    // The job ends (busybox here has no pkill).
    const killed = await r.exec(['sh', '-c', "kill $(ps -o pid,args | grep '[c]heck_positions.py' | awk '{print $1}')"]);
    assert.equal(killed.exitCode, 0, killed.stderr);
    (await waitFor('the job to end', async () => {
      const p = await top.processes(CRON_NAME);
      return p.ok && !p.value.some((x) => x.includes('check_positions.py')) ? true : undefined;
    }),
      { everyMs: 50 });
    const again = collector();
    await rollback.execute('inc-job', 'rollback', plan.plan.id, again.report);
    assert.ok(
      again.reports.some((x) => x.kind === 'verified' && x.ok),
      JSON.stringify(again.reports),
    );
  });

  it('one execution in flight: a second one is refused while the first runs', async () => {
    const r = await deploy();
    const setup = engineFor(r, { socketPath });
    const plan = await setup.engine.plan('rollback');
    assert.ok(plan.ok);
    const a = collector();
    const running = setup.engine.execute('inc-a', 'rollback', plan.plan.id, a.report);
    // The same engine, and another one on the same state directory (the CLI next to the daemon).
    const same = collector();
    await setup.engine.execute('inc-b', 'rollback', plan.plan.id, same.report);
    const other = collector();
    await engineFor(r, { socketPath, stateDir: setup.stateDir }).engine.execute('inc-c', 'rollback', plan.plan.id, other.report);
    await running;
    for (const c of [same, other]) {
      assert.deepEqual(c.kinds(), ['refused']);
      assert.match(
        (c.reports[0] as { reason: string }).reason,
        /^another execution is in flight: incident inc-a \(rollback, process \d+, since .*\); nothing was changed$/,
      );
    }
    assert.ok(a.reports.some((x) => x.kind === 'verified' && x.ok));
  });

  it('halt stops only the cron container; resume starts the same container again', async () => {
    const r = await deploy();
    const dashboardBefore = await inspect(DASHBOARD_NAME);
    const cronBefore = await inspect(CRON_NAME);
    const { engine: rollback } = engineFor(r, { socketPath });
    const halt = await rollback.plan('halt');
    assert.ok(halt.ok);
    const c = collector();
    await rollback.execute('inc-halt', 'halt', halt.plan.id, c.report);
    assert.deepEqual(c.kinds(), ['step', 'started', 'step', 'finished']);
    const halted = c.reports.at(-1);
    assert.ok(halted?.kind === 'finished');
    // The report that ends the execution sums up every step with its duration (SPEC §5.5).
    assert.deepEqual(
      { ...halted, steps: halted.steps?.map((s) => ({ ...s, ms: typeof s.ms })) },
      {
        kind: 'finished',
        ok: true,
        detail: 'turtle-cron stopped',
        steps: [
          { name: 'preflight turtle-cron', ok: true, ms: 'number' },
          { name: 'halt turtle-cron', ok: true, ms: 'number' },
        ],
      },
    );
    for (const r of c.reports) if (r.kind === 'step') assert.equal(typeof r.ms, 'number', 'each step report carries its duration');
    assert.equal((await inspect(CRON_NAME)).State.Status, 'exited');
    assert.deepEqual(
      (await inspect(CRON_NAME)).HostConfig.RestartPolicy,
      cronBefore.HostConfig.RestartPolicy,
      'the container is kept as it is',
    );
    assert.equal((await inspect(DASHBOARD_NAME)).Id, dashboardBefore.Id);
    assert.notEqual((await inspect(DASHBOARD_NAME)).HostConfig.RestartPolicy?.Name, 'no');
    const again = await rollback.plan('halt');
    assert.deepEqual(again, { ok: false, reason: 'turtle-cron is already stopped (exited): nothing to halt' });
    const replay = collector();
    await rollback.execute('inc-halt', 'halt', halt.plan.id, replay.report);
    assert.deepEqual(replay.kinds(), ['finished']);

    const resume = await rollback.plan('resume');
    assert.ok(resume.ok);
    const d = collector();
    await rollback.execute('inc-resume', 'resume', resume.plan.id, d.report);
    assert.deepEqual(
      { ...d.reports.at(-1), steps: undefined },
      { kind: 'finished', ok: true, detail: 'turtle-cron started', steps: undefined },
    );
    const cronAfter = await inspect(CRON_NAME);
    assert.equal(cronAfter.Id, cronBefore.Id);
    assert.equal(cronAfter.State.Status, 'running');
    assert.ok(readFileSync(join(r.dataDir, 'positions/positions.json')).equals(r.positions));
  });

  it("the daemon's engine logs its steps through the daemon's configured logger", async () => {
    const r = await deploy();
    const lines: string[] = [];
    // What `run` builds from `log.level: info`: the one logger of the daemon, here writing to a buffer.
    const logger = createLogger({ level: 'info', secrets: [], write: (line) => lines.push(line) });
    const config = configSchema.parse({
      deployment: { root: r.root, containers: [CRON_NAME, DASHBOARD_NAME], cronContainer: CRON_NAME },
      docker: { socketPath },
      state: { dir: mkdtempSync(join(tmpdir(), 'rollback-state-')) },
      rollback: { stopTimeout: '2s', deferRetry: '5s', jobWait: '3s', verify: { settle: '200ms' } },
    });
    const wired = wireRollbackEngine(config, configPaths(config, r.root), logger, systemClock);
    assert.ok(wired.ok, wired.ok ? '' : wired.error);
    const halt = await wired.engine.plan('halt');
    assert.ok(halt.ok, halt.ok ? '' : halt.reason);
    const c = collector();
    await wired.engine.execute('inc-logged', 'halt', halt.plan.id, c.report);
    assert.deepEqual(c.reports.at(-1)?.kind, 'finished');
    const steps = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'rollback step');
    assert.deepEqual(
      steps.map((l) => ({ level: l.level, incidentId: l.incidentId, step: l.step, ok: l.ok, ms: typeof l.ms })),
      [
        { level: 30, incidentId: 'inc-logged', step: 'preflight turtle-cron', ok: true, ms: 'number' },
        { level: 30, incidentId: 'inc-logged', step: 'halt turtle-cron', ok: true, ms: 'number' },
      ],
    );
    const resume = await wired.engine.plan('resume');
    assert.ok(resume.ok);
    await wired.engine.execute('inc-logged-resume', 'resume', resume.plan.id, collector().report);
  });

  it('recreation keeps user, entrypoint, command, workdir, hostname, ports, restart policy, two networks with aliases and anonymous volumes', async () => {
    const net2 = `turtle-sentinel-test-net-${process.pid}`;
    await docker.createNetwork({ Name: net2, Labels: { [TEST_LABEL]: 'rich' } });
    const net1 = `turtle-sentinel-test-front-${process.pid}`;
    await docker.createNetwork({ Name: net1, Labels: { [TEST_LABEL]: 'rich' } });
    const bind = join(tmpdir());
    const old = await docker.createContainer({
      name: `turtle-rich-${process.pid}`,
      Image: KEEP_V321,
      Hostname: 'rich-host',
      User: '0:0',
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['trap "exit 0" TERM; while :; do sleep 1; done'],
      WorkingDir: '/app/data',
      Env: ['A=1', 'B=two words'],
      Labels: { [TEST_LABEL]: 'rich', owner: 'ops' },
      StopSignal: 'SIGINT',
      ExposedPorts: { '9000/tcp': {} },
      Volumes: { '/cache': {} },
      HostConfig: {
        Binds: [`${bind}:/host-tmp:ro`],
        PortBindings: { '9000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
        NetworkMode: net1,
      },
      NetworkingConfig: { EndpointsConfig: { [net1]: { Aliases: ['rich', 'rich-front'] } } },
    });
    await docker.getNetwork(net2).connect({ Container: old.id, EndpointConfig: { Aliases: ['rich-back'] } });
    await old.start();
    const write = await old.exec({ Cmd: ['sh', '-c', 'echo kept > /cache/x'], AttachStdout: true });
    await write.start({ hijack: true, stdin: false }).then(
      (s) =>
        new Promise((res) => {
          s.on('end', res);
          s.resume();
        }),
    );
    await old.stop({ t: 1 });

    const port = createDockerEngine({ socketPath });
    const doc = await port.inspectContainer(old.id);
    const img = await port.inspectImage(KEEP_V321);
    assert.ok(doc.ok && img.ok);
    const spec = recreateSpec(doc.value, img.value, images['v3.2.0']);
    assert.deepEqual(
      new Map(spec.summary.networks.map((n) => [n.name, [...n.aliases].sort()])),
      new Map([
        [net1, ['rich', 'rich-front']],
        [net2, ['rich-back']],
      ]),
    );
    assert.deepEqual(
      spec.extraNetworks.map((n) => n.network),
      [net2],
      'the first network at create, the second by connect',
    );
    assert.deepEqual(spec.summary.env, ['A', 'B']);
    const created = await port.create(`turtle-rich-new-${process.pid}`, spec.body);
    assert.ok(created.ok, created.ok ? '' : created.error.message);
    for (const extra of spec.extraNetworks) assert.ok((await port.connect(extra.network, created.value, extra.endpoint)).ok);
    await port.remove(old.id); // the anonymous volume stays: the new container uses it
    await docker.getContainer(created.value).start();
    const now = (await port.inspectContainer(created.value)) as { ok: true; value: ContainerDoc };
    const before = doc.value;
    assert.equal(now.value.Image, images['v3.2.0']);
    for (const key of ['Hostname', 'User', 'WorkingDir', 'StopSignal'] as const)
      assert.equal(now.value.Config[key], before.Config[key], key);
    assert.deepEqual(now.value.Config.Entrypoint, before.Config.Entrypoint);
    assert.deepEqual(now.value.Config.Cmd, before.Config.Cmd);
    assert.deepEqual([...(now.value.Config.Env ?? [])].sort(), [...(before.Config.Env ?? [])].sort());
    assert.equal(now.value.Config.Labels?.owner, 'ops');
    for (const key of ['PortBindings', 'RestartPolicy', 'NetworkMode'] as const)
      assert.deepEqual(now.value.HostConfig[key], before.HostConfig[key], key);
    const aliases = (d: ContainerDoc) =>
      Object.fromEntries(
        Object.entries(d.NetworkSettings?.Networks ?? {}).map(([n, e]) => [
          n,
          (e.Aliases ?? []).filter((a) => a !== d.Id.slice(0, 12)).sort(),
        ]),
      );
    assert.deepEqual(aliases(now.value), aliases(before));
    const cache = (before.Mounts ?? []).find((m) => m.Destination === '/cache');
    assert.ok(
      (now.value.Mounts ?? []).some((m) => m.Destination === '/cache' && m.Name === cache?.Name),
      'the anonymous volume carried over',
    );
    assert.ok(
      (now.value.Mounts ?? []).some((m) => m.Destination === '/host-tmp' && m.RW === false),
      'the read-only bind carried over',
    );
    const read = await docker.getContainer(created.value).exec({ Cmd: ['cat', '/cache/x'], AttachStdout: true, AttachStderr: true });
    const out = await read.start({ hijack: true, stdin: false }).then(
      (s) =>
        new Promise<string>((res) => {
          let t = '';
          s.on('data', (b: Buffer) => (t += b.toString('latin1')));
          s.on('end', () => res(t));
        }),
    );
    assert.match(out, /kept/);
    // A missing path and a missing container are different answers (dockerode words both as "no such container").
    assert.deepEqual(await port.pathExists(created.value, '/no/such/path'), { ok: true, value: false });
    const noContainer = await port.pathExists(`turtle-no-such-container-${process.pid}`, '/');
    assert.equal(noContainer.ok ? 'ok' : noContainer.error.kind, 'not-found');
    await port.remove(created.value);
  });
});
