// Observes the guarded containers through the Docker Engine API (dockerode): state and restarts from
// inspect and the event stream, the deployed crontab by exec, fingerprint files, job processes.
// Read-only, and only the configured containers. Idle cost: one event stream and a slow timer.
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { parseCrontab } from '../core/crontab.ts';
import type { ContainerObservation, ContainerStatus, Event, Instant } from '../core/types.ts';

export interface DockerObserverOptions {
  socketPath: string;
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
  reconnect?: { initialMs: number; maxMs: number };
  /** Time limit of one API request (inspect, exec, top, archive HEAD). */
  requestTimeoutMs?: number;
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
const MAX_CRONTAB_BYTES = 1 << 20;
const MAX_EVENT_LINE = 1 << 20;

export async function startDockerObserver(options: DockerObserverOptions): Promise<DockerObserver> {
  const docker = new Docker({ socketPath: options.socketPath });
  const backoff = options.reconnect ?? { initialMs: 1_000, maxMs: 30_000 };
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  const names = [
    ...new Set(options.containers.includes(options.cronContainer) ? options.containers : [...options.containers, options.cronContainer]),
  ];
  const known = new Map<string, { id?: string; status: ContainerStatus }>();
  let crontabText: string | undefined;
  let closed = false;
  let dockerOk: boolean | undefined;
  let stream: Readable | undefined;
  let streamAbort: AbortController | undefined;
  let wakeSleep: (() => void) | undefined;

  const signal = (): AbortSignal => AbortSignal.timeout(requestTimeoutMs);

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
    try {
      const info = await docker.getContainer(name).inspect({ abortSignal: signal() });
      observation = observationOf(name, info, options.now());
      known.set(name, { id: info.Id, status: observation.status });
    } catch (err) {
      if (statusCodeOf(err) !== 404) {
        dockerError(`inspect ${name}: ${messageOf(err)}`);
        return;
      }
      observation = { name, status: 'missing', restartCount: 0, observedAt: options.now() };
      known.set(name, { status: 'missing' });
    }
    dockerFine();
    emit({ kind: 'container', container: observation });
  }

  // ---- the crontab, by exec in the cron container
  async function readCrontab(): Promise<void> {
    // Not running: nothing to ask, and its container state already says why. Engine down: the
    // docker source reports that; a crontab error on top would count one outage twice.
    if (closed || dockerOk === false || known.get(options.cronContainer)?.status !== 'running') return;
    const result = await execCapture(docker, options.cronContainer, options.crontabCommand, requestTimeoutMs);
    if (closed) return;
    const observedAt = options.now();
    if (!result.ok) {
      emit({ kind: 'source-error', source: CRONTAB_SOURCE, message: result.error, observedAt });
      return;
    }
    if (result.exitCode !== 0) {
      const why = firstLine(result.stderr) || firstLine(result.stdout) || 'no output';
      emit({
        kind: 'source-error',
        source: CRONTAB_SOURCE,
        message: `${options.crontabCommand.join(' ')} in ${options.cronContainer} exited ${result.exitCode}: ${why}`,
        observedAt,
      });
      return;
    }
    crontabText = result.stdout;
    emit({ kind: 'crontab', crontab: { text: result.stdout, source: 'container', observedAt } });
    emit({ kind: 'source-ok', source: CRONTAB_SOURCE, observedAt });
  }

  // ---- fingerprint files: an archive HEAD answers "does this path exist" without a shell in the container
  async function checkFiles(): Promise<void> {
    const state = known.get(options.cronContainer)?.status;
    if (closed || options.fingerprintFiles.length === 0 || state === undefined || state === 'missing') return;
    const container = docker.getContainer(options.cronContainer);
    const present: Record<string, boolean> = {};
    for (const path of options.fingerprintFiles) {
      try {
        const res = (await container.infoArchive({ path, abortSignal: signal() })) as Readable | undefined;
        res?.resume?.();
        present[path] = true;
      } catch (err) {
        if (statusCodeOf(err) === 404) present[path] = false;
        else dockerError(`stat ${path} in ${options.cronContainer}: ${messageOf(err)}`);
      }
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
    const abort = new AbortController();
    const ids = [...known.values()].flatMap((k) => (k.id ? [k.id] : []));
    // The engine filters by name prefix or ID; IDs keep a renamed-away old container in view.
    const timer = setTimeout(() => abort.abort(), requestTimeoutMs);
    try {
      const s = (await docker.getEvents({
        filters: { type: ['container'], container: [...names, ...ids], event: LIFECYCLE_ACTIONS },
        abortSignal: abort.signal,
      } as Docker.GetEventsOptions)) as unknown as Readable;
      clearTimeout(timer);
      if (closed) {
        s.destroy();
        return false;
      }
      stream = s;
      streamAbort = abort;
      return true;
    } catch (err) {
      clearTimeout(timer);
      if (!closed) dockerError(`event stream: ${messageOf(err)}`, 'stream');
      return false;
    }
  }

  function consume(s: Readable): Promise<void> {
    return new Promise((resolve) => {
      // close() may have destroyed the stream before we got here: its 'close' event is already gone.
      if (closed || s.destroyed || s.readableEnded) {
        s.destroy();
        resolve();
        return;
      }
      let buffered = '';
      s.setEncoding('utf8');
      s.on('data', (chunk: string) => {
        buffered += chunk;
        // The stream is newline-delimited JSON; a chunk may hold part of a line or several lines.
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          try {
            onEngineEvent(JSON.parse(line) as EngineEvent);
          } catch {
            // A line that is not JSON carries nothing we can act on; the next refresh catches up.
          }
        }
        if (buffered.length > MAX_EVENT_LINE) buffered = '';
      });
      const done = (): void => resolve();
      s.once('end', done);
      s.once('close', done);
      s.once('error', done);
    });
  }

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        wakeSleep = undefined;
        resolve();
      }, ms);
      wakeSleep = () => {
        clearTimeout(timer);
        wakeSleep = undefined;
        resolve();
      };
    });

  async function followEvents(first: boolean): Promise<void> {
    let delay = backoff.initialMs;
    let connected = first;
    while (!closed) {
      if (!connected) {
        connected = await connect();
        if (connected) {
          delay = backoff.initialMs;
          dockerFine();
          // Whatever happened while the stream was down is learnt by looking again.
          await refreshAll();
        }
      }
      if (connected && stream) {
        await consume(stream);
        stream = undefined;
        streamAbort = undefined;
        connected = false;
        if (closed) break;
        dockerError('event stream ended (engine restarted or unreachable)', 'stream');
      }
      await sleep(delay);
      delay = Math.min(delay * 2, backoff.maxMs);
    }
  }

  // ---- start: connect first, then look, so no change between the look and the stream is missed
  const connectedAtStart = await connect();
  if (connectedAtStart) dockerFine();
  await refreshAll();
  const following = followEvents(connectedAtStart);
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
      const result = await listProcesses(docker, options.cronContainer, crontabText, requestTimeoutMs);
      const observedAt = options.now();
      if (!result.ok) {
        dockerError(result.error);
        return { ok: false, error: result.error, observedAt };
      }
      emit({ kind: 'job-processes', commands: result.commands, observedAt });
      return { ok: true, commands: result.commands, observedAt };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(refreshTimer);
      wakeSleep?.();
      streamAbort?.abort();
      stream?.destroy();
      await following;
      await Promise.all([...chains.values()]);
    },
  };
}

// ---------------------------------------------------------------------------------------------

interface EngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

function observationOf(name: string, info: Docker.ContainerInspectInfo, observedAt: Instant): ContainerObservation {
  const raw = info.State?.Status ?? '';
  const status: ContainerStatus = STATUSES.has(raw) ? (raw as ContainerStatus) : 'dead';
  const startedAt = parseEngineTime(info.State?.StartedAt);
  return {
    name,
    status,
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

type ExecResult = { ok: true; exitCode: number; stdout: string; stderr: string } | { ok: false; error: string };

/** Run a command in a container without a TTY and collect its output and exit code. */
async function execCapture(docker: Docker, containerName: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
  try {
    const exec = await docker.getContainer(containerName).exec({
      Cmd: cmd,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      abortSignal: AbortSignal.timeout(timeoutMs),
    } as Docker.ExecCreateOptions);
    const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Readable;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const sink = (into: Buffer[]) => {
      const pass = new PassThrough();
      pass.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_CRONTAB_BYTES) into.push(chunk);
      });
      return pass;
    };
    // Without a TTY the engine multiplexes stdout and stderr in one framed stream.
    docker.modem.demuxStream(stream, sink(out), sink(err));
    const ended = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
    // A hijacked exec stream is a raw socket that may stay half-open after the output ends: close it,
    // or every crontab read would leave a handle behind.
    stream.destroy();
    if (!ended) return { ok: false, error: `${cmd.join(' ')} in ${containerName} did not finish within ${timeoutMs} ms` };
    // The exit code is known only once the engine has reaped the process, a moment after the stream ends.
    for (let attempt = 0; attempt < 40; attempt++) {
      const info = await exec.inspect({ abortSignal: AbortSignal.timeout(timeoutMs) });
      if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) {
        return {
          ok: true,
          exitCode: info.ExitCode,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        };
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return { ok: false, error: `${cmd.join(' ')} in ${containerName}: exit code not available` };
  } catch (error) {
    return { ok: false, error: `${cmd.join(' ')} in ${containerName}: ${messageOf(error)}` };
  }
}

type ProcessList = { ok: true; commands: string[] } | { ok: false; error: string };

async function listProcesses(
  docker: Docker,
  containerName: string,
  crontabText: string | undefined,
  timeoutMs: number,
): Promise<ProcessList> {
  let top: { Titles?: string[]; Processes?: string[][] };
  try {
    top = (await docker.getContainer(containerName).top({ abortSignal: AbortSignal.timeout(timeoutMs) })) as typeof top;
  } catch (err) {
    const code = statusCodeOf(err);
    // A stopped or missing cron container runs no job: that is an answer, not an error.
    if (code === 404 || code === 409 || /is not running/i.test(messageOf(err))) return { ok: true, commands: [] };
    return { ok: false, error: `top ${containerName}: ${messageOf(err)}` };
  }
  const titles = top.Titles ?? [];
  const column = ['CMD', 'COMMAND', 'ARGS'].map((t) => titles.indexOf(t)).find((i) => i >= 0) ?? titles.length - 1;
  const commands = (top.Processes ?? []).map((row) => row[column] ?? '').filter((c) => c !== '');
  return { ok: true, commands: commands.filter(jobProcessMatcher(crontabText)) };
}

/**
 * A process is a job process when it runs a `.py` script, or when it is one of the crontab's
 * commands (the `/bin/sh -c <command>` cron spawns, or one of its `&&`-separated steps).
 */
export function jobProcessMatcher(crontabText: string | undefined): (command: string) => boolean {
  const commands =
    crontabText === undefined
      ? []
      : parseCrontab(crontabText, { defaultTimezone: 'UTC', containerLogsDir: '/' }).jobs.map((j) => j.command);
  const steps = commands.flatMap((c) =>
    c
      .split(/(?<!\\)%/)[0]!
      .replace(/\s*\d?>>?\s*\S+/g, ' ')
      .replace(/\s*2>&1/g, ' ')
      .split(/&&|\|\||;|\|/)
      .map((s) => s.trim().replace(/\s+/g, ' '))
      .filter((s) => s !== '' && !/^cd\s/.test(s)),
  );
  return (command: string) => {
    const normalised = command.trim().replace(/\s+/g, ' ');
    if (/(^|[\s/])[\w.-]+\.py(\s|$)/.test(normalised)) return true;
    if (commands.some((c) => normalised.includes(c.replace(/\s+/g, ' ')))) return true;
    return steps.some((s) => normalised === s || normalised.endsWith(` ${s}`) || normalised.endsWith(`/${s}`));
  };
}

function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const json = (err as { json?: { message?: string } }).json;
    return json?.message ?? err.message;
  }
  return String(err);
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}

function stripSlash(name: string | undefined): string | undefined {
  return name?.startsWith('/') ? name.slice(1) : name;
}
