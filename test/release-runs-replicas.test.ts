// End to end on the real engine, for each kind of release: the Docker observer (inspectCron, the
// runner's `docker logs`) and the replica's log files feed the core, which recognises the release by
// content and detects a missed run and a crashed run. Debian cron: schedule from `crontab -l`, a crash
// by its traceback. supercronic: schedule from /app/crontab, a crash by `exit status 1` alone; an
// unrecognised supercronic image gets the closest entry, said aloud, its release-dependent rules in
// dry-run until `/arm`.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDockerObserver, type DockerObserver } from '../src/adapters/docker-observer.ts';
import { loadRules } from '../src/config/load-rules.ts';
import type { Release } from '../src/config/catalogue-schema.ts';
import { configSchema, type Rule } from '../src/config/schema.ts';
import { recognitionPaths } from '../src/core/release-recognition.ts';
import { initialState, step, type CoreState, type StepContext } from '../src/core/step.ts';
import type { Event, LogLine, Notice, OperatorIdentity, Verdict } from '../src/core/types.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';
import { requireDocker } from './docker/engine.ts';
import { CRON_NAME, supercronicFiles, type ReplicaDeployment } from './docker/replica.ts';
import { replicaSuite } from './docker/replica-suite.ts';
import * as scripts from './docker/replica/scripts.ts';
import { releaseEntry } from './helpers/release-entry.ts';
import { repo } from './helpers/cli-deployment.ts';
import { waitFor } from './helpers/wait.ts';

const engine = await requireDocker();
const OPERATOR: OperatorIdentity = { channel: 'telegram', userId: 111, chatId: -100 };
const short = (content: string | Buffer): string =>
  execFileSync('git', ['hash-object', '--stdin'], { input: content }).toString('utf8').trim().slice(0, 7);

const CHECK = '/app/scripts/check_positions.py';
const DEBIAN_EVERY_MINUTE = '* * * * * cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1\n';
const SUPERCRONIC_FAST = [
  'TZ=Asia/Seoul',
  'PATH=/usr/local/bin:/usr/bin:/bin',
  '*/6 * * * * * cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1',
  '',
].join('\n');
/** A job an operator adds to /app/crontab without restarting supercronic: the sidecar reads it, supercronic never runs it. */
const ADDED_JOB = '*/6 * * * * * cd /app && python scripts/daily_report.py >> /app/logs/daily_report.log 2>&1\n';

/** Rules as bundled, with times a test can wait for: a fire is missed 4 s after it is due. */
async function fastRules(): Promise<{ rules: Rule[]; profiles: Awaited<ReturnType<typeof loadRules>> & { ok: true } }> {
  const loaded = await loadRules(join(repo, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  const rules = loaded.rules.map((r) =>
    r.kind === 'cron-schedule' ? ({ ...r, params: { ...r.params, grace: 4_000, earlyTolerance: 1_000, maxRunTime: 60_000 } } as Rule) : r,
  );
  return { rules, profiles: loaded };
}

/** The core fed by the real observer, the replica's log files (polled) and a 500 ms tick. */
class Watch {
  state: CoreState = initialState(Date.now());
  notices: Notice[] = [];
  private observer?: DockerObserver;
  private timer?: NodeJS.Timeout;
  private offsets = new Map<string, number>();
  constructor(
    readonly ctx: StepContext,
    readonly replica: ReplicaDeployment,
  ) {
    this.send({ kind: 'startup', at: Date.now(), seed: 'e2e-' });
  }
  send(event: Event): void {
    const r = step(this.state, event, this.ctx);
    this.state = r.state;
    for (const e of r.effects) if (e.kind === 'notify') this.notices.push(e.notice);
  }
  async start(socketPath: string, catalogue: Release[]): Promise<void> {
    this.observer = await startDockerObserver({
      socketPath,
      containers: [CRON_NAME],
      cronContainer: CRON_NAME,
      crontabCommand: ['crontab', '-l'],
      fingerprintFiles: [],
      recognitionPaths: recognitionPaths(catalogue),
      crontabRefreshMs: 1_000,
      now: () => Date.now(),
      emit: (e) => this.send(e),
      reconnect: { baseMs: 100, maxMs: 500 },
    });
    this.timer = setInterval(() => {
      this.readLogs();
      this.send({ kind: 'tick', now: Date.now() });
    }, 500);
  }
  private readLogs(): void {
    const lines: LogLine[] = [];
    let files: string[];
    try {
      files = readdirSync(this.replica.logsDir);
    } catch {
      return; // the deployment was removed under a failed test
    }
    for (const file of files) {
      const text = readFileSync(join(this.replica.logsDir, file), 'utf8');
      const from = this.offsets.get(file) ?? 0;
      const end = text.lastIndexOf('\n') + 1;
      if (end <= from) continue;
      this.offsets.set(file, end);
      for (const t of text.slice(from, end).split('\n').slice(0, -1)) lines.push({ file, text: t, observedAt: Date.now(), live: true });
    }
    if (lines.length > 0) this.send({ kind: 'log-lines', lines });
  }
  verdicts(ruleId: string): Verdict[] {
    return this.state.lastVerdicts[ruleId] ?? [];
  }
  verdict(ruleId: string, jobId: string): Verdict | undefined {
    return this.verdicts(ruleId).find((v) => v.cause.includes(jobId));
  }
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.observer?.close();
  }
}

function setMode(replica: ReplicaDeployment, script: string, mode: string): void {
  mkdirSync(join(replica.dataDir, '.replica'), { recursive: true, mode: 0o755 });
  writeFileSync(join(replica.dataDir, '.replica', `${script}.mode`), mode, { mode: 0o644 });
}

describe('runs of each release, end to end (real engine)', { skip: engine.skip }, () => {
  const docker = engine.docker!;
  const suite = replicaSuite(docker, { build: [], cleanEach: true });
  let watch: Watch | undefined;
  afterEach(async () => {
    await watch?.stop();
    watch = undefined;
  });

  it('Debian cron: recognised, schedule from `crontab -l`, a missed run and a crashed run (traceback)', async () => {
    const { rules, profiles } = await fastRules();
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'none', build: { crontab: DEBIAN_EVERY_MINUTE } });
    const catalogue = [
      releaseEntry({
        release: 'v3.2.1',
        runner: 'debian-cron',
        files: { '/etc/cron.d/turtle-cron': short(DEBIAN_EVERY_MINUTE), [CHECK]: short(scripts.CHECK_POSITIONS) },
      }),
      releaseEntry({ release: 'v3.9.1', runner: 'supercronic', files: { '/app/crontab': short(SUPERCRONIC_FAST) } }),
    ];
    const config = configSchema.parse({ deployment: { root: '.' }, telegram: { allowedUserIds: [111] } });
    watch = new Watch(stepContextOf(config, rules, profiles.profiles, undefined, catalogue), replica);
    await watch.start(engine.socketPath!, catalogue);
    const w = watch;
    await waitFor('the release recognised', () => w.state.release);
    assert.deepEqual([w.state.release!.release.release, w.state.release!.certainty], ['v3.2.1', 'exact']);
    assert.deepEqual(w.state.crontab?.via, { kind: 'crontab-command' });

    // A run by hand that dies with a traceback: a failed run.
    const crash = await replica.exec(['sh', '-c', 'cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1'], {
      env: ['REPLICA_MODE=traceback'],
    });
    assert.equal(crash.exitCode, 1);
    const failed = await waitFor('the crashed run', () => {
      const v = w.verdict('check-repeated-failures', 'check_kr.log');
      return v?.warningMessage?.key === 'failures.below-warning' && v;
    });
    assert.ok(failed.warningMessage?.key === 'failures.below-warning');
    assert.equal(failed.warningMessage.params.latest.kind, 'traceback');

    // crond is not running (the replica's default): the next minute's fire is missed.
    const missed = await waitFor('the missed run', () => w.verdict('cron-missed-or-hung', 'check_kr.log')?.message?.key === 'cron.missed', {
      timeoutMs: 90_000,
    });
    assert.ok(missed);
    assert.ok(
      w.state.incidents.incidents.some((i) => i.ruleId === 'cron-missed-or-hung'),
      'exact release: the rule acts',
    );
    await w.stop();
    watch = undefined;
  });

  it('supercronic, unrecognised: closest said aloud, dry-run until /arm; a missed run and a crash by exit status 1', async () => {
    const { rules, profiles } = await fastRules();
    // A daily_report.py nobody catalogued: the image is only close to the catalogued release.
    const patched = `${scripts.DAILY_REPORT}# hotfix\n`;
    const replica = await suite.deploy({
      version: 'supercronic',
      dashboard: 'none',
      build: { crontab: SUPERCRONIC_FAST, extraFiles: { '/app/scripts/daily_report.py': patched } },
    });
    setMode(replica, 'check_positions.py', 'exit');
    const files = supercronicFiles({ crontab: SUPERCRONIC_FAST });
    const catalogue = [
      releaseEntry({ release: 'v3.2.1', runner: 'debian-cron', files: { '/etc/cron.d/turtle-cron': short(DEBIAN_EVERY_MINUTE) } }),
      releaseEntry({
        release: 'v3.9.1',
        runner: 'supercronic',
        files: Object.fromEntries(Object.entries(files).map(([path, content]) => [path, short(content)])),
      }),
    ];
    const config = configSchema.parse({ deployment: { root: '.' }, telegram: { allowedUserIds: [111] } });
    watch = new Watch(stepContextOf(config, rules, profiles.profiles, undefined, catalogue), replica);
    await watch.start(engine.socketPath!, catalogue);
    const w = watch;
    await waitFor('the release recognised', () => w.state.release);
    assert.deepEqual(
      [w.state.release!.release.release, w.state.release!.certainty, w.state.release!.confirmed],
      ['v3.9.1', 'closest', false],
    );
    assert.deepEqual(w.state.crontab?.via, { kind: 'command-file', path: '/app/crontab' });
    const unsure = w.notices.filter((n) => n.kind === 'release-unsure');
    assert.equal(unsure.length, 1);
    assert.ok(unsure[0]!.kind === 'release-unsure');
    assert.deepEqual(
      unsure[0]!.reasons.map((r) => r.key),
      ['release.closest', 'release.file-differs', 'release.unconfirmed'],
    );

    // check_positions.py exits 1 without a traceback: supercronic's `exit status 1` makes it a failed run.
    const failed = await waitFor(
      'the crash by exit status',
      () => {
        const v = w.verdict('check-repeated-failures', 'check_kr.log');
        return v?.outcome === 'fail' && v;
      },
      { timeoutMs: 30_000 },
    );
    assert.ok(failed.message?.key === 'failures.streak');
    assert.equal(failed.message.params.latest.kind, 'exit-status');
    assert.equal(failed.message.params.latest.text, 'error running command: exit status 1');
    assert.ok(!w.state.incidents.incidents.some((i) => i.ruleId === 'check-repeated-failures'), 'unsure release: dry-run');
    assert.ok(w.notices.some((n) => n.kind === 'would-fire' && n.verdict.ruleId === 'check-repeated-failures'));

    // An operator adds a job to /app/crontab; supercronic (no -inotify) never runs it: missed.
    const current = (await replica.exec(['cat', '/app/crontab'])).stdout;
    const edited = await replica.exec(['sh', '-c', `printf '%s' "$1" > /app/crontab`, 'sh', `${current}${ADDED_JOB}`]);
    assert.equal(edited.exitCode, 0, edited.stderr);
    const missed = await waitFor(
      'the missed run of the added job',
      () => w.verdict('cron-missed-or-hung', 'daily_report.log')?.message?.key === 'cron.missed',
      { timeoutMs: 30_000 },
    );
    assert.ok(missed);
    assert.ok(!w.state.incidents.incidents.some((i) => i.ruleId === 'cron-missed-or-hung'), 'unsure release: dry-run');

    // The operator confirms the release: the rules act.
    w.send({ kind: 'operator', command: { kind: 'arm' }, by: OPERATOR, at: Date.now() });
    assert.equal(w.state.release?.confirmed, true);
    await waitFor('incidents once confirmed', () =>
      w.state.incidents.incidents.some((i) => i.ruleId === 'cron-missed-or-hung' || i.ruleId === 'check-repeated-failures'),
    );
    await w.stop();
    watch = undefined;
  });
});
