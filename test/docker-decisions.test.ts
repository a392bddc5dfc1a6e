// The observer's and the rollback's Docker decisions over the in-memory Docker port: what is reported
// for a missing container, a failing crontab, an engine that is down, and which processes are jobs.
// The engine itself is tested in docker-observer and rollback-*.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDockerObserver, type DockerObserver } from '../src/adapters/docker-observer.ts';
import type { Event } from '../src/core/types.ts';
import { runningJobs } from '../src/runtime/rollback/verify.ts';
import { createDockerFake, runningContainer, type DockerFake } from './fakes/docker-fake.ts';
import { crontabOf } from './docker/replica.ts';
import { waitFor } from './helpers/wait.ts';

const CRON = 'turtle-cron';
const CRONTAB = ['crontab', '-l'];

function fakeDeployment(): DockerFake {
  const fake = createDockerFake();
  fake.containers.set(CRON, {
    doc: runningContainer(CRON),
    processes: ['crond -f', 'python scripts/daily_report.py', 'sleep 3600'],
    files: ['/app/scripts/signal_check.py'],
  });
  fake.execAnswers.set(CRONTAB.join(' '), { exitCode: 0, stdout: crontabOf('v3.2.1'), stderr: '' });
  return fake;
}

async function observe(
  fake: DockerFake,
  t: { after(fn: () => Promise<void>): void },
  reconnect = { baseMs: 10, maxMs: 20 },
): Promise<{ events: Event[]; observer: DockerObserver }> {
  const events: Event[] = [];
  const observer = await startDockerObserver({
    socketPath: '/nonexistent',
    docker: fake,
    containers: [CRON, 'turtle-dashboard'],
    cronContainer: CRON,
    crontabCommand: CRONTAB,
    fingerprintFiles: ['/app/scripts/signal_check.py', '/app/scripts/gone.py'],
    crontabRefreshMs: 60_000,
    now: () => 1_000,
    emit: (e) => events.push(e),
    reconnect,
  });
  t.after(() => observer.close());
  return { events, observer };
}

describe('docker observer decisions (fake Docker port)', () => {
  it('reports the running cron container, a missing one as missing, the crontab and the files', async (t) => {
    const { events } = await observe(fakeDeployment(), t);
    const containers = events.flatMap((e) => (e.kind === 'container' ? [e.container] : []));
    assert.equal(containers.find((c) => c.name === CRON)?.status, 'running');
    assert.equal(containers.find((c) => c.name === 'turtle-dashboard')?.status, 'missing');
    assert.ok(events.some((e) => e.kind === 'crontab' && e.crontab.text === crontabOf('v3.2.1')));
    const files = events.find((e) => e.kind === 'container-files');
    assert.deepEqual(files?.kind === 'container-files' ? files.present : undefined, {
      '/app/scripts/signal_check.py': true,
      '/app/scripts/gone.py': false,
    });
  });

  it('reports a failing crontab command as a crontab source error with its exit code', async (t) => {
    const fake = fakeDeployment();
    fake.execAnswers.set(CRONTAB.join(' '), { exitCode: 3, stdout: '', stderr: 'no crontab for root\n' });
    const { events } = await observe(fake, t);
    const error = events.find((e) => e.kind === 'source-error' && e.source === 'crontab');
    assert.ok(error?.kind === 'source-error');
    assert.match(error.message, /exited 3: no crontab for root/);
  });

  it('counts an engine that is down as one docker error per reconnect attempt, not one per request', async (t) => {
    const fake = fakeDeployment();
    fake.down = { kind: 'unreachable', message: 'Docker engine unreachable at fake://docker' };
    // A slow reconnect, so the count is read between two attempts.
    const { events } = await observe(fake, t, { baseMs: 300, maxMs: 300 });
    const attempts = fake.calls.filter((c) => c === 'events').length;
    assert.ok(
      fake.calls.some((c) => c.startsWith('inspect ')),
      'the containers were asked for too',
    );
    assert.equal(events.filter((e) => e.kind === 'source-error').length, attempts, JSON.stringify(events));
    assert.ok(!events.some((e) => e.kind === 'crontab'), 'no crontab read while the engine is down');
    fake.down = undefined;
    await waitFor('source-ok once the engine is back', () => events.find((e) => e.kind === 'source-ok' && e.source === 'docker'));
  });

  it('re-inspects a container on a life-cycle event', async (t) => {
    const fake = fakeDeployment();
    const { events } = await observe(fake, t);
    await fake.stop(CRON, 1);
    fake.emitEvent({ Type: 'container', Action: 'die', Actor: { ID: `id-${CRON}`, Attributes: { name: CRON } } });
    await waitFor('the stopped cron container', () =>
      events.find((e) => e.kind === 'container' && e.container.name === CRON && e.container.status === 'exited'),
    );
  });

  it('lists only job processes, and none for a stopped or missing cron container', async (t) => {
    const fake = fakeDeployment();
    const { observer } = await observe(fake, t);
    const listed = await observer.listJobProcesses();
    assert.deepEqual(listed.ok ? listed.commands : listed.error, ['python scripts/daily_report.py']);
    await fake.stop(CRON, 1);
    const stopped = await observer.listJobProcesses();
    assert.deepEqual(stopped.ok ? stopped.commands : stopped.error, []);
    fake.containers.delete(CRON);
    const missing = await observer.listJobProcesses();
    assert.deepEqual(missing.ok ? missing.commands : missing.error, []);
  });
});

describe('runningJobs (rollback: is a job running before cron stops)', () => {
  it('names the running jobs from the process list and the crontab', async () => {
    const fake = fakeDeployment();
    fake.containers.get(CRON)!.processes!.push('crontab -l');
    assert.deepEqual(await runningJobs(fake, CRON, CRONTAB), { ok: true, jobs: ['python scripts/daily_report.py'] });
  });
  it('a stopped container runs no job, without asking for the crontab', async () => {
    const fake = fakeDeployment();
    await fake.stop(CRON, 1);
    const calls = fake.calls.length;
    assert.deepEqual(await runningJobs(fake, CRON, CRONTAB), { ok: true, jobs: [] });
    assert.deepEqual(fake.calls.slice(calls), [`processes ${CRON}`]);
  });
  it('an unreadable process list is an error, not "no job"', async () => {
    const fake = fakeDeployment();
    fake.down = { kind: 'unreachable', message: 'Docker engine unreachable' };
    assert.deepEqual(await runningJobs(fake, CRON, CRONTAB), { ok: false, error: 'Docker engine unreachable' });
  });
});
