// Observes the guarded containers through the Docker port: state and restarts from inspect and the
// event stream, the cron container inspected (runtime/cron-inspection.ts: the schedule from whatever runs
// it, the blob ids recognition compares), fingerprint files, job processes, and the cron runner's own
// lines (`docker logs`: supercronic from v3.4.0).
// Read-only, and only the configured containers. Idle cost: one event stream and a slow timer.
import { jobProcesses } from '../core/job-processes.ts';
import type { ContainerObservation, ContainerStatus, Event, Instant } from '../core/types.ts';
import type { ContainerDoc, DockerPort, EngineEvent, EventWatch } from '../ports/docker.ts';
import { inspectCron } from '../runtime/cron-inspection.ts';
import { createDockerEngine } from './docker-engine.ts';
import { backoffDelay, sleep, type Backoff } from './retry.ts';

export interface DockerObserverOptions {
  socketPath: string;
  /** The port to observe through; by default the real engine at `socketPath` (tests pass a fake). */
  docker?: DockerPort;
  /** Every container to observe (by name). Nothing else is looked at. */
  containers: string[];
  /** The container whose crontab is read and whose processes are listed. */
  cronContainer: string;
  /** Command run in the cron container to print its crontab, e.g. `['crontab', '-l']`. */
  crontabCommand: string[];
  /** Paths in the cron container whose presence fingerprints the version. */
  fingerprintFiles: string[];
  /** How often to re-read the crontab (and re-inspect) to follow a change that raised no event. */
  crontabRefreshMs: number;
  now: () => Instant;
  emit: (event: Event) => void;
  /** Back-off of the event stream reconnection; the defaults suit production, tests shorten them. */
  reconnect?: Backoff;
  /** Time limit of one API request (inspect, exec, top, archive HEAD). */
  requestTimeoutMs?: number;
  /** Container paths whose git blob ids recognition compares (the catalogue's recognition files). */
  recognitionPaths?: string[];
  /** The configured crontab file on the host: the last schedule source, when the container gives none. */
  fallbackFile?: string;
  /** Follow the cron container's output (supercronic's lines) and emit it as `runner-lines`. Default true. */
  followRunnerLogs?: boolean;
}

export type JobProcesses = { ok: true; commands: string[]; observedAt: Instant } | { ok: false; error: string; observedAt: Instant };

export interface DockerObserver {
  /** Re-inspect every container and re-read the crontab and fingerprint files now. */
  refresh(): Promise<void>;
  /** Job processes now running in the cron container (also emitted as a `job-processes` event). */
  listJobProcesses(): Promise<JobProcesses>;
  close(): Promise<void>;
}

/** Source names in `source-error`/`source-ok` events. */
export const DOCKER_SOURCE = 'docker';
export const CRONTAB_SOURCE = 'crontab';
export const RUNNER_LOGS_SOURCE = 'runner-logs';

// Only life-cycle actions: our own `crontab -l` and archive HEAD requests raise exec_* and
// archive-path events on the cron container, which must not feed back into more requests.
const LIFECYCLE_ACTIONS = ['create', 'start', 'restart', 'stop', 'die', 'kill', 'oom', 'pause', 'unpause', 'destroy', 'rename', 'update'];
const STATUSES: ReadonlySet<string> = new Set<ContainerStatus>([
  'running',
  'restarting',
  'exited',
  'paused',
  'created',
  'dead',
  'removing',
]);

export async function startDockerObserver(options: DockerObserverOptions): Promise<DockerObserver> {
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  const docker = options.docker ?? createDockerEngine({ socketPath: options.socketPath, requestTimeoutMs });
  const backoff = options.reconnect ?? { baseMs: 1_000, maxMs: 30_000 };
  const names = [
    ...new Set(options.containers.includes(options.cronContainer) ? options.containers : [...options.containers, options.cronContainer]),
  ];
  const known = new Map<string, { id?: string; status: ContainerStatus }>();
  let crontabText: string | undefined;
  let closed = false;
  let dockerOk: boolean | undefined;
  let watch: EventWatch | undefined;
  // Aborted by close(), so a reconnect wait ends at once.
  const stopping = new AbortController();

  // Emitting after close() would hand events to a runtime that already shut down.
  const emit = (event: Event): void => {
    if (!closed) options.emit(event);
  };
  // While the engine is known to be unreachable, the reconnect loop alone reports it, once per
  // attempt: one outage must count as consecutive errors over time, not as a burst of them at once.
  const dockerError = (message: string, from: 'stream' | 'request' = 'request'): void => {
    if (from === 'request' && dockerOk === false) return;
    dockerOk = false;
    emit({ kind: 'source-error', source: DOCKER_SOURCE, message, observedAt: options.now() });
  };
  const dockerFine = (): void => {
    if (dockerOk === true) return;
    dockerOk = true;
    emit({ kind: 'source-ok', source: DOCKER_SOURCE, observedAt: options.now() });
  };

  // ---- inspect, serialised per container so observations are emitted in the order they were made
  const chains = new Map<string, Promise<void>>();
  const inspect = (name: string): Promise<void> => {
    const next = (chains.get(name) ?? Promise.resolve()).then(() => inspectNow(name)).catch(() => undefined);
    chains.set(name, next);
    return next;
  };
  async function inspectNow(name: string): Promise<void> {
    if (closed) return;
    let observation: ContainerObservation;
    const info = await docker.inspectContainer(name);
    if (info.ok) {
      observation = observationOf(name, info.value, options.now());
      known.set(name, { id: info.value.Id, status: observation.status });
    } else {
      if (info.error.kind !== 'not-found') {
        dockerError(info.error.message);
        return;
      }
      observation = { name, status: 'missing', restartCount: 0, observedAt: options.now() };
      known.set(name, { status: 'missing' });
    }
    dockerFine();
    emit({ kind: 'container', container: observation });
  }

  // ---- the cron container inspected: its schedule from whatever runs it, and what recognition compares
  async function readCrontab(): Promise<void> {
    // Not running: nothing to ask, and its container state already says why. Engine down: the
    // docker source reports that; a crontab error on top would count one outage twice.
    if (closed || dockerOk === false || known.get(options.cronContainer)?.status !== 'running') return;
    const result = await inspectCron(docker, {
      container: options.cronContainer,
      paths: options.recognitionPaths ?? [],
      crontabCommand: options.crontabCommand,
      ...(options.fallbackFile !== undefined ? { fallbackFile: options.fallbackFile } : {}),
    });
    if (closed) return;
    const observedAt = options.now();
    if (!result.ok) {
      emit({ kind: 'source-error', source: CRONTAB_SOURCE, message: result.error.message, observedAt });
      return;
    }
    const inspection = result.value;
    emit({ kind: 'cron-inspection', inspection, observedAt });
    const source = inspection.crontab;
    if (!source) {
      emit({ kind: 'source-error', source: CRONTAB_SOURCE, message: inspection.problems.join('; ') || 'no crontab source', observedAt });
      return;
    }
    crontabText = source.text;
    emit({
      kind: 'crontab',
      crontab: {
        text: source.text,
        source: source.kind === 'configured-file' ? 'file' : 'container',
        via: { kind: source.kind, ...(source.kind !== 'crontab-command' ? { path: source.path } : {}) },
        observedAt,
      },
    });
    emit({ kind: 'source-ok', source: CRONTAB_SOURCE, observedAt });
  }

  // ---- the cron runner's own lines (`docker logs`), followed from now on and resumed after the last one
  let runnerWatch: EventWatch | undefined;
  let runnerSince = options.now();
  async function followRunner(): Promise<void> {
    let failures = 0;
    while (!closed) {
      const opened = await docker.followLogs(options.cronContainer, runnerSince, (line) => {
        if (line.at !== undefined) runnerSince = Math.max(runnerSince, line.at + 1);
        pendingRunnerLines.push({ text: line.text, ...(line.at !== undefined ? { at: line.at } : {}) });
        scheduleRunnerFlush();
      });
      if (closed) {
        if (opened.ok) opened.value.close();
        break;
      }
      if (opened.ok) {
        failures = 0;
        runnerWatch = opened.value;
        emit({ kind: 'source-ok', source: RUNNER_LOGS_SOURCE, observedAt: options.now() });
        await opened.value.ended;
        runnerWatch = undefined;
        flushRunnerLines();
      } else if (!['not-found', 'unreachable', 'timeout'].includes(opened.error.kind) && dockerOk !== false) {
        // A missing cron container has no output: its state says so. An engine that is down is the
        // docker source's to report: once per outage, not once more per follower.
        emit({ kind: 'source-error', source: RUNNER_LOGS_SOURCE, message: opened.error.message, observedAt: options.now() });
      }
      failures += 1;
      await sleep(backoffDelay(failures, backoff), stopping.signal);
    }
  }
  const pendingRunnerLines: { text: string; at?: Instant }[] = [];
  let flushScheduled = false;
  // Lines arriving together go to the core as one event.
  function scheduleRunnerFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flushRunnerLines);
  }
  function flushRunnerLines(): void {
    flushScheduled = false;
    if (pendingRunnerLines.length === 0) return;
    const lines = pendingRunnerLines.splice(0);
    emit({ kind: 'runner-lines', lines, observedAt: options.now() });
  }

  // ---- fingerprint files: an archive HEAD answers "does this path exist" without a shell in the container
  async function checkFiles(): Promise<void> {
    const state = known.get(options.cronContainer)?.status;
    if (closed || options.fingerprintFiles.length === 0 || state === undefined || state === 'missing') return;
    const present: Record<string, boolean> = {};
    for (const path of options.fingerprintFiles) {
      const r = await docker.pathExists(options.cronContainer, path);
      // A cron container removed since it was inspected holds no file either.
      if (r.ok || r.error.kind === 'not-found') present[path] = r.ok && r.value;
      else dockerError(r.error.message);
    }
    if (Object.keys(present).length > 0 && !closed) emit({ kind: 'container-files', present, observedAt: options.now() });
  }

  async function refreshAll(): Promise<void> {
    await Promise.all(names.map((n) => inspect(n)));
    await readCrontab();
    await checkFiles();
  }

  // ---- the event stream
  function onEngineEvent(message: EngineEvent): void {
    if (message.Type !== undefined && message.Type !== 'container') return;
    const action = (message.Action ?? message.status ?? '').split(':')[0]!;
    if (!LIFECYCLE_ACTIONS.includes(action)) return;
    const id = message.Actor?.ID ?? message.id;
    const attrs = message.Actor?.Attributes ?? {};
    const touched = names.filter(
      (n) => attrs.name === n || stripSlash(attrs.oldName) === n || (id !== undefined && known.get(n)?.id === id),
    );
    for (const name of touched) {
      void inspect(name)
        .then(() => {
          // A (re)started or recreated cron container may run another image: read what it runs now.
          if (name === options.cronContainer && (action === 'start' || action === 'create' || action === 'rename')) {
            return readCrontab().then(checkFiles);
          }
          return undefined;
        })
        .catch(() => undefined);
    }
  }

  async function connect(): Promise<boolean> {
    const ids = [...known.values()].flatMap((k) => (k.id ? [k.id] : []));
    // The engine filters by name prefix or ID; IDs keep a renamed-away old container in view.
    const r = await docker.watchEvents({ containers: [...names, ...ids], actions: LIFECYCLE_ACTIONS }, onEngineEvent);
    if (!r.ok) {
      if (!closed) dockerError(r.error.message, 'stream');
      return false;
    }
    if (closed) {
      r.value.close();
      return false;
    }
    watch = r.value;
    return true;
  }

  async function followEvents(first: boolean): Promise<void> {
    let failures = 0;
    let connected = first;
    while (!closed) {
      if (!connected) {
        connected = await connect();
        if (connected) {
          failures = 0;
          dockerFine();
          // Whatever happened while the stream was down is learnt by looking again.
          await refreshAll();
        }
      }
      if (connected && watch) {
        await watch.ended;
        watch = undefined;
        connected = false;
        if (closed) break;
        dockerError('event stream ended (engine restarted or unreachable)', 'stream');
      }
      failures += 1;
      await sleep(backoffDelay(failures, backoff), stopping.signal);
    }
  }

  // ---- start: connect first, then look, so no change between the look and the stream is missed
  const connectedAtStart = await connect();
  if (connectedAtStart) dockerFine();
  await refreshAll();
  const following = followEvents(connectedAtStart);
  const followingRunner = options.followRunnerLogs === false ? Promise.resolve() : followRunner();
  const refreshTimer = setInterval(
    () => {
      void refreshAll().catch(() => undefined);
    },
    Math.max(1_000, options.crontabRefreshMs),
  );
  refreshTimer.unref();

  return {
    refresh: () => refreshAll(),
    async listJobProcesses(): Promise<JobProcesses> {
      const result = await docker.processes(options.cronContainer);
      const observedAt = options.now();
      // A missing cron container runs no job: that is an answer, not an error.
      if (!result.ok && result.error.kind !== 'not-found') {
        dockerError(result.error.message);
        return { ok: false, error: result.error.message, observedAt };
      }
      const commands = jobProcesses(result.ok ? result.value : [], crontabText, options.crontabCommand);
      emit({ kind: 'job-processes', commands, observedAt });
      return { ok: true, commands, observedAt };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(refreshTimer);
      stopping.abort();
      watch?.close();
      runnerWatch?.close();
      await following;
      await followingRunner;
      flushRunnerLines();
      await Promise.all([...chains.values()]);
    },
  };
}

// ---------------------------------------------------------------------------------------------

function observationOf(name: string, info: ContainerDoc, observedAt: Instant): ContainerObservation {
  const raw = info.State?.Status ?? '';
  const status: ContainerStatus = STATUSES.has(raw) ? (raw as ContainerStatus) : 'dead';
  const startedAt = parseEngineTime(info.State?.StartedAt);
  const health = info.State?.Health?.Status;
  return {
    name,
    status,
    ...(health === 'starting' || health === 'healthy' || health === 'unhealthy' ? { health } : {}),
    imageId: info.Image,
    imageRef: info.Config?.Image,
    restartCount: info.RestartCount ?? 0,
    ...(startedAt !== undefined ? { startedAt } : {}),
    observedAt,
  };
}

/** The engine writes `0001-01-01T00:00:00Z` for "never": that is no instant. */
function parseEngineTime(text: string | undefined): Instant | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

function stripSlash(name: string | undefined): string | undefined {
  return name?.startsWith('/') ? name.slice(1) : name;
}
