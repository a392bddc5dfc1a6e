// The Docker observer against the real engine and busybox replicas of turtle-cron / turtle-dashboard:
// crontab by exec, a crontab change, a rollback-style recreation, stops, restarts, job processes,
// fingerprint files, an engine that goes away and comes back, and an idle that costs nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerObserver, type DockerObserver, type DockerObserverOptions } from '../src/adapters/docker-observer.ts';
import { parseCrontab } from '../src/core/crontab.ts';
import { fingerprintVersion } from '../src/core/fingerprint.ts';
import type { ContainerObservation, Event } from '../src/core/types.ts';
import { requireDocker } from './docker/engine.ts';
import { CRON_IMAGE, CRON_NAME, DASHBOARD_NAME, crontabOf } from './docker/replica.ts';
import { replicaSuite } from './docker/replica-suite.ts';
import { waitFor } from './helpers/wait.ts';

const engine = await requireDocker();
const SIGNAL = '/app/scripts/signal_check.py';
const CHECK = '/app/scripts/check_positions.py';

type Recorder = { events: Event[]; observer: DockerObserver };

async function observe(socketPath: string, over: Partial<DockerObserverOptions> = {}): Promise<Recorder> {
  const events: Event[] = [];
  const observer = await startDockerObserver({
    socketPath,
    containers: [CRON_NAME, DASHBOARD_NAME],
    cronContainer: CRON_NAME,
    crontabCommand: ['crontab', '-l'],
    fingerprintFiles: [SIGNAL, CHECK],
    crontabRefreshMs: 60 * 60_000,
    now: () => Date.now(),
    emit: (e) => events.push(e),
    reconnect: { baseMs: 50, maxMs: 200 },
    ...over,
  });
  return { events, observer };
}

/** Probes that call the Docker API or read a bind mount are polled every 50 ms, in-memory events every 20 ms. */
const DOCKER_POLL = { everyMs: 50 };

const containerEvents = (events: Event[], name: string): ContainerObservation[] =>
  events.flatMap((e) => (e.kind === 'container' && e.container.name === name ? [e.container] : []));
const crontabs = (events: Event[]): string[] => events.flatMap((e) => (e.kind === 'crontab' ? [e.crontab.text] : []));
const fileEvents = (events: Event[]) => events.flatMap((e) => (e.kind === 'container-files' ? [e.present] : []));
const jobsOf = (text: string) => parseCrontab(text, { defaultTimezone: 'Asia/Seoul', containerLogsDir: '/app/logs' }).jobs;

describe('docker observer (real engine)', { skip: engine.skip }, () => {
  const docker = engine.docker!;
  const socketPath = engine.socketPath!;
  // Both versions, v3.2.1 last, as after a real deploy.
  const suite = replicaSuite(docker, { build: [{ version: 'v3.2.0' }, { version: 'v3.2.1' }] });
  let recorder: Recorder | undefined;

  const finish = async () => {
    await recorder?.observer.close();
    recorder = undefined;
    await suite.release();
  };
  after(finish);

  it('reads state, crontab and fingerprint files of a running v3.2.1 replica at start', async (t) => {
    t.after(finish);
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'running' });
    recorder = await observe(socketPath);
    const { events } = recorder;

    const cron = containerEvents(events, CRON_NAME).at(-1);
    assert.ok(cron, 'a container event for turtle-cron before start resolved');
    assert.equal(cron.status, 'running');
    assert.equal(cron.imageId, replica.imageId);
    assert.equal(cron.imageRef, CRON_IMAGE);
    assert.ok(cron.startedAt !== undefined && cron.startedAt > Date.now() - 60_000);
    assert.equal(containerEvents(events, DASHBOARD_NAME).at(-1)?.status, 'running');

    assert.deepEqual(crontabs(events), [crontabOf('v3.2.1')], 'the crontab, byte for byte, Korean comments included');
    assert.deepEqual(fileEvents(events).at(-1), { [SIGNAL]: false, [CHECK]: true });
    assert.ok(events.some((e) => e.kind === 'source-ok' && e.source === 'docker'));

    const fp = fingerprintVersion({ jobs: jobsOf(crontabs(events)[0]!), files: fileEvents(events).at(-1)! });
    assert.equal(fp.version, 'v3.2.1');
  });

  it('follows a crontab change on refresh(), and a recreation from the v3.2.0 image by events alone', async (t) => {
    t.after(finish);
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
    recorder = await observe(socketPath);
    const { events, observer } = recorder;
    assert.equal(crontabs(events).length, 1);

    // An operator edits the crontab inside the container: no Docker event, so refresh() finds it.
    const edited = `${crontabOf('v3.2.1')}*/10 * * * * * cd /app && python scripts/daily_report.py >> /app/logs/fast.log 2>&1\n`;
    await replica.installCrontab(edited);
    await observer.refresh();
    assert.equal(crontabs(events).at(-1), edited);
    assert.ok(jobsOf(crontabs(events).at(-1)!).some((j) => j.id === 'fast.log' && j.schedule === '*/10 * * * * *'));

    // Roll back the way the runbook's image-tag strategy does: replace turtle-cron with a container
    // of the v3.2.0 image. The observer must notice through the event stream, without refresh().
    const v320 = (await docker.getImage('turtle-trading:pre-v3.2.1-backup').inspect()).Id;
    const before = events.length;
    const old = docker.getContainer(CRON_NAME);
    const config = await old.inspect();
    await old.remove({ force: true });
    const fresh = await docker.createContainer({
      name: CRON_NAME,
      Image: v320,
      Labels: config.Config.Labels,
      HostConfig: config.HostConfig,
    });
    await fresh.start();

    const rolled = await waitFor('the v3.2.0 crontab', () => crontabs(events.slice(before)).find((c) => c === crontabOf('v3.2.0')));
    assert.ok(rolled);
    const files = await waitFor('fingerprint files of the new container', () =>
      fileEvents(events.slice(before)).find((f) => f[SIGNAL] === true),
    );
    assert.deepEqual(files, { [SIGNAL]: true, [CHECK]: true });
    const seen = containerEvents(events.slice(before), CRON_NAME);
    assert.ok(
      seen.some((c) => c.status === 'missing'),
      'the removal was seen',
    );
    assert.equal(seen.at(-1)?.status, 'running');
    assert.equal(seen.at(-1)?.imageId, v320);
    assert.equal(fingerprintVersion({ jobs: jobsOf(rolled), files }).version, 'v3.2.0');
  });

  it('re-reads the crontab every crontabRefreshMs without being asked', async (t) => {
    t.after(finish);
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
    recorder = await observe(socketPath, { crontabRefreshMs: 1_000 });
    const { events } = recorder;
    await replica.installCrontab(crontabOf('v3.2.0'));
    const seen = await waitFor('the new crontab from the timer', () => crontabs(events).find((c) => c === crontabOf('v3.2.0')), {
      timeoutMs: 5_000,
    });
    assert.ok(seen);
  });

  it('reports a stopped container through the event stream, and a missing one as missing', async (t) => {
    t.after(finish);
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
    recorder = await observe(socketPath, { containers: [CRON_NAME, DASHBOARD_NAME, 'turtle-sentinel-test-absent'] });
    const { events } = recorder;
    assert.equal(containerEvents(events, DASHBOARD_NAME).at(-1)?.status, 'missing');
    assert.equal(containerEvents(events, 'turtle-sentinel-test-absent').at(-1)?.status, 'missing');

    await replica.cron.stop({ t: 5 });
    const stopped = await waitFor('turtle-cron exited', () => containerEvents(events, CRON_NAME).find((c) => c.status === 'exited'));
    assert.equal(stopped.imageId, replica.imageId);

    // Reading the crontab of a stopped container is not attempted (its state already says why).
    const crontabErrors = events.filter((e) => e.kind === 'source-error' && e.source === 'crontab');
    await recorder.observer.refresh();
    assert.equal(events.filter((e) => e.kind === 'source-error' && e.source === 'crontab').length, crontabErrors.length);
    const processes = await recorder.observer.listJobProcesses();
    assert.deepEqual(processes.ok && processes.commands, [], 'a stopped cron container runs no job');
  });

  it('sees restarts: a docker restart and the dashboard crash loop', async (t) => {
    t.after(finish);
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'crash-loop' });
    recorder = await observe(socketPath);
    const { events } = recorder;
    const startedAt = containerEvents(events, CRON_NAME).at(-1)!.startedAt!;

    await replica.cron.restart({ t: 5 });
    const restarted = await waitFor('turtle-cron with a new start time', () =>
      containerEvents(events, CRON_NAME).find((c) => c.status === 'running' && c.startedAt !== undefined && c.startedAt > startedAt),
    );
    assert.ok(restarted);

    // The dashboard exits at once and its restart policy brings it back: the restart count climbs.
    const looping = await waitFor('two dashboard restarts', () => containerEvents(events, DASHBOARD_NAME).find((c) => c.restartCount >= 2));
    assert.ok(['running', 'restarting', 'exited'].includes(looping.status));
    const counts = containerEvents(events, DASHBOARD_NAME).map((c) => c.restartCount);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => a - b),
      'observations arrive in order',
    );
  });

  it('lists a job process started by exec, and not the main loop', async (t) => {
    t.after(finish);
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
    recorder = await observe(socketPath);
    const { events, observer } = recorder;

    const idle = await observer.listJobProcesses();
    assert.ok(idle.ok);
    assert.deepEqual(idle.commands, []);

    // The way cron runs it: sh -c '<command>'; REPLICA_MODE=hang keeps it running after its start line.
    await replica.execDetached(['/bin/sh', '-c', 'cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1'], {
      env: ['REPLICA_MODE=hang'],
    });
    const last = await waitFor(
      'check_positions.py in the process list',
      async () => {
        const result = await observer.listJobProcesses();
        assert.ok(result.ok, !result.ok ? result.error : '');
        return result.commands.some((c) => c.includes('scripts/check_positions.py')) ? result.commands : undefined;
      },
      DOCKER_POLL,
    );
    assert.ok(
      last.some((c) => c.includes('scripts/check_positions.py')),
      `got ${JSON.stringify(last)}`,
    );
    assert.ok(
      last.every((c) => !c.includes('replica-main')),
      'the container main process is not a job',
    );
    const event = events.filter((e) => e.kind === 'job-processes').at(-1);
    assert.ok(event && event.kind === 'job-processes');
    assert.deepEqual(event.commands, last);

    // The run left its start marker in the bind-mounted log and no finish marker: a hung run.
    // The process can be listed a moment before its first line reaches the log: wait for the line.
    const logsDir = replica.logsDir;
    const log = await waitFor(
      'the start marker in check_kr.log',
      async () => {
        const text = await readFile(join(logsDir, 'check_kr.log'), 'utf8').catch(() => '');
        return / - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===\n/.test(text) ? text : undefined;
      },
      DOCKER_POLL,
    );
    assert.match(log, / - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===\n/);
    assert.doesNotMatch(log, /=== 체크 완료 ===/);

    // Ended: the list is empty again.
    assert.ok((await replica.killProcesses('scripts/check_positions.py')) >= 1);
    const ended = await waitFor(
      'no job process',
      async () => {
        const result = await observer.listJobProcesses();
        return result.ok && result.commands.length === 0 ? result : undefined;
      },
      DOCKER_POLL,
    );
    assert.deepEqual(ended.commands, []);
  });

  it('reports a failing crontab command as a crontab source error with its exit code', async (t) => {
    t.after(finish);
    await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
    recorder = await observe(socketPath, { crontabCommand: ['sh', '-c', 'echo "no crontab for root" >&2; exit 3'] });
    const error = recorder.events.find((e) => e.kind === 'source-error' && e.source === 'crontab');
    assert.ok(error && error.kind === 'source-error');
    assert.match(error.message, /exited 3: no crontab for root/);
    assert.equal(crontabs(recorder.events).length, 0);
  });

  describe('through a socket proxy that can play the engine going away', () => {
    let dir: string;
    let proxy: { server: Server; sockets: Set<Socket>; connections: number; bytesToEngine: number; stopping: boolean } | undefined;
    let proxyPath: string;

    const startProxy = async (): Promise<void> => {
      await stopProxy();
      const sockets = new Set<Socket>();
      const state = { server: createServer(), sockets, connections: 0, bytesToEngine: 0, stopping: false };
      state.server.on('connection', (client) => {
        if (state.stopping) {
          client.destroy();
          return;
        }
        state.connections++;
        const upstream = createConnection(socketPath);
        sockets.add(client).add(upstream);
        client.on('data', (chunk: Buffer) => (state.bytesToEngine += chunk.length));
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      await new Promise<void>((resolve) => state.server.listen(proxyPath, resolve));
      proxy = state;
    };
    async function stopProxy(): Promise<void> {
      if (!proxy) return;
      const p = proxy;
      proxy = undefined;
      p.stopping = true;
      // Stop accepting first, then cut what is open: close() waits for every connection to end.
      const closed = new Promise<void>((resolve) => p.server.close(() => resolve()));
      for (const s of p.sockets) s.destroy();
      await closed;
    }
    const finishWithProxy = async (): Promise<void> => {
      await finish();
      await stopProxy();
    };

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sentinel-proxy-'));
      proxyPath = join(dir, 'docker.sock');
    });
    after(async () => {
      await stopProxy();
      await rm(dir, { recursive: true, force: true });
    });

    it('reports the engine gone (source-error), then back (source-ok) and looks again', async (t) => {
      t.after(finishWithProxy);
      const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
      await startProxy();
      recorder = await observe(proxyPath);
      const { events } = recorder;
      assert.ok(events.some((e) => e.kind === 'source-ok' && e.source === 'docker'));

      const mark = events.length;
      await stopProxy();
      const gone = await waitFor('a docker source error', () =>
        events.slice(mark).find((e) => e.kind === 'source-error' && e.source === 'docker'),
      );
      assert.ok(gone);
      // Reconnection keeps trying, with back-off: more errors while the engine stays away.
      await waitFor('repeated reconnect errors', () =>
        events.slice(mark).filter((e) => e.kind === 'source-error' && e.source === 'docker').length >= 3 ? true : undefined,
      );

      // While it was away, the cron container stopped: the reconnect must look again and see it.
      await replica.cron.stop({ t: 5 });
      const back = events.length;
      await startProxy();
      await waitFor('source-ok after reconnect', () => events.slice(back).find((e) => e.kind === 'source-ok' && e.source === 'docker'));
      const seen = await waitFor('turtle-cron exited, learnt after reconnect', () =>
        containerEvents(events.slice(back), CRON_NAME).find((c) => c.status === 'exited'),
      );
      assert.ok(seen);
    });

    it('costs nothing while idle: no request between refreshes', async (t) => {
      t.after(finishWithProxy);
      await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
      await startProxy();
      recorder = await observe(proxyPath, { crontabRefreshMs: 60 * 60_000 });
      await new Promise((r) => setTimeout(r, 300));
      const opened = proxy!.connections;
      const sent = proxy!.bytesToEngine;
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(proxy!.connections, opened, 'no new connection to the engine while nothing happens');
      assert.equal(proxy!.bytesToEngine, sent, 'not a byte of request to the engine while nothing happens');
      // The one long-lived connection is the event stream, and it is still open.
      assert.ok(proxy!.sockets.size >= 2);
    });

    it('starts against an engine that is not there, without throwing, and connects when it appears', async (t) => {
      t.after(finishWithProxy);
      await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
      await stopProxy();
      recorder = await observe(proxyPath);
      const { events } = recorder;
      assert.ok(events.some((e) => e.kind === 'source-error' && e.source === 'docker'));
      assert.equal(containerEvents(events, CRON_NAME).length, 0, 'no guess about containers it could not see');
      const errorsAtStart = events.filter((e) => e.kind === 'source-error').length;
      assert.equal(errorsAtStart, 1, 'one unreachable engine is one error, not one per request');
      await startProxy();
      await waitFor('turtle-cron running once connected', () => containerEvents(events, CRON_NAME).find((c) => c.status === 'running'));
      await waitFor('the crontab once connected', () => crontabs(events)[0]);
    });
  });
});
