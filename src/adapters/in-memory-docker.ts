// An in-memory Docker port: containers, images, scripted exec answers, process lists and files, held in
// a map and never sent anywhere. Unit tests about decisions (what the observer reports, whether a job
// runs) use it as their fake, and `turtle-sentinel demo` as its simulated deployment (no Docker needed).
import type {
  ContainerDoc,
  DockerError,
  DockerPort,
  DockerResult,
  EngineEvent,
  EventWatch,
  ExecOutput,
  ImageDoc,
  LogStreamLine,
} from '../ports/docker.ts';

export interface InMemoryContainer {
  doc: ContainerDoc;
  /** Command lines `processes()` answers while the container runs. */
  processes?: string[];
  /** Paths `pathExists()` finds. */
  files?: string[];
  /** Contents `readFile()` returns, by path (these paths exist for `pathExists()` too). */
  contents?: Record<string, string | Buffer>;
}

export interface InMemoryDocker extends DockerPort {
  containers: Map<string, InMemoryContainer>;
  images: Map<string, ImageDoc>;
  /** Answers of `exec`, by the command joined with spaces; an unscripted command exits 127. */
  execAnswers: Map<string, ExecOutput | DockerError>;
  /** While set, every call fails with this error (the engine gone). */
  down?: DockerError;
  /** Every call, in order, as `operation target`. */
  calls: string[];
  /** Hand an event to the open watches whose filter takes it. */
  emitEvent(event: EngineEvent): void;
  /** End every open event watch (the engine restarted). */
  endWatches(): void;
  /** Hand a line of output to the open log followers of a container. */
  emitLog(container: string, line: LogStreamLine): void;
  /** End every open log follower (the container or the engine went away). */
  endLogs(): void;
}

/** A running container document with the given name and image. */
export function runningContainer(name: string, image = 'sha256:feedface', over: Partial<ContainerDoc> = {}): ContainerDoc {
  return {
    Id: `id-${name}`,
    Name: `/${name}`,
    Image: image,
    RestartCount: 0,
    State: { Status: 'running', Running: true, Restarting: false, StartedAt: '2026-01-01T00:00:00Z', ExitCode: 0 },
    Config: { Image: 'turtle-trading:latest' },
    HostConfig: {},
    ...over,
  };
}

export function createInMemoryDocker(options: { endpoint?: string } = {}): InMemoryDocker {
  const ok = <T>(value: T): DockerResult<T> => ({ ok: true, value });
  const notFound = (what: string): DockerResult<never> => ({ ok: false, error: { kind: 'not-found', message: `${what}: not found` } });
  const logFollowers = new Set<{ container: string; onLine: (line: LogStreamLine) => void; end: () => void }>();
  const watches = new Set<{ filter: { containers: string[]; actions: string[] }; onEvent: (e: EngineEvent) => void; end: () => void }>();

  const fake: InMemoryDocker = {
    endpoint: options.endpoint ?? 'fake://docker',
    containers: new Map(),
    images: new Map(),
    execAnswers: new Map(),
    calls: [],
    emitEvent(event) {
      for (const w of watches) {
        const action = (event.Action ?? '').split(':')[0]!;
        const name = event.Actor?.Attributes?.name ?? '';
        const id = event.Actor?.ID ?? '';
        if (w.filter.actions.includes(action) && (w.filter.containers.includes(name) || w.filter.containers.includes(id))) {
          w.onEvent(event);
        }
      }
    },
    endWatches() {
      for (const w of [...watches]) w.end();
    },
    emitLog(container, line) {
      for (const f of logFollowers) if (f.container === container) f.onLine(line);
    },
    endLogs() {
      for (const f of [...logFollowers]) f.end();
    },
    async ping() {
      return guard('ping', () => ok(undefined));
    },
    async inspectContainer(ref) {
      return guard(`inspect ${ref}`, () => {
        const c = find(ref);
        return c ? ok(structuredClone(c.doc)) : notFound(`inspect container ${ref}`);
      });
    },
    async inspectImage(ref) {
      return guard(`inspect-image ${ref}`, () => {
        const image = fake.images.get(ref);
        return image ? ok(structuredClone(image)) : notFound(`inspect image ${ref}`);
      });
    },
    async processes(container) {
      return guard(`processes ${container}`, () => {
        const c = find(container);
        if (!c) return notFound(`list processes of ${container}`);
        return ok(c.doc.State.Running ? [...(c.processes ?? [])] : []);
      });
    },
    async exec(container, cmd) {
      return guard(`exec ${container} ${cmd.join(' ')}`, () => {
        const c = find(container);
        if (!c) return notFound(`exec ${cmd.join(' ')} in ${container}`);
        if (!c.doc.State.Running) return { ok: false, error: { kind: 'conflict', message: `container ${container} is not running` } };
        const answer = fake.execAnswers.get(cmd.join(' ')) ?? { exitCode: 127, stdout: '', stderr: `${cmd[0]}: not found` };
        return 'kind' in answer ? { ok: false, error: answer } : ok({ ...answer });
      });
    },
    async pathExists(container, path) {
      return guard(`stat ${container} ${path}`, () => {
        const c = find(container);
        return c ? ok((c.files ?? []).includes(path) || path in (c.contents ?? {})) : notFound(`inspect container ${container}`);
      });
    },
    async readFile(container, path) {
      return guard(`read ${container} ${path}`, () => {
        const c = find(container);
        if (!c) return notFound(`inspect container ${container}`);
        const content = c.contents?.[path];
        return ok(content === undefined ? null : Buffer.from(content));
      });
    },
    async followLogs(container, _sinceMs, onLine) {
      return guard(`logs ${container}`, () => {
        if (!find(container)) return notFound(`logs of ${container}`);
        let end!: () => void;
        const ended = new Promise<void>((resolve) => (end = resolve));
        const f = { container, onLine, end: () => (logFollowers.delete(f), end()) };
        logFollowers.add(f);
        return ok<EventWatch>({ ended, close: f.end });
      });
    },
    async stop(ref) {
      return guard(`stop ${ref}`, () => setRunning(ref, false));
    },
    async start(ref) {
      return guard(`start ${ref}`, () => setRunning(ref, true));
    },
    async rename(ref, name) {
      return guard(`rename ${ref} ${name}`, () => {
        const c = find(ref);
        if (!c) return notFound(`rename ${ref}`);
        if (fake.containers.has(name)) return { ok: false, error: { kind: 'conflict', message: `name ${name} is in use` } };
        fake.containers.delete(c.doc.Name.slice(1));
        c.doc.Name = `/${name}`;
        fake.containers.set(name, c);
        return ok(undefined);
      });
    },
    async remove(ref) {
      return guard(`remove ${ref}`, () => {
        const c = find(ref);
        if (c) fake.containers.delete(c.doc.Name.slice(1));
        return ok(undefined);
      });
    },
    async setRestartPolicy(ref, policy) {
      return guard(`update ${ref}`, () => {
        const c = find(ref);
        if (!c) return notFound(`update restart policy of ${ref}`);
        c.doc.HostConfig.RestartPolicy = policy;
        return ok(undefined);
      });
    },
    async create(name, body) {
      return guard(`create ${name}`, () => {
        if (fake.containers.has(name)) return { ok: false, error: { kind: 'conflict', message: `name ${name} is in use` } };
        const { HostConfig, NetworkingConfig: _n, ...config } = body;
        const doc = runningContainer(name, body.Image ?? '', {
          Id: `id-${name}-${fake.calls.length}`,
          Config: config,
          HostConfig: HostConfig ?? {},
        });
        doc.State = { Status: 'created', Running: false };
        fake.containers.set(name, { doc });
        return ok(doc.Id);
      });
    },
    async connect(network, container) {
      return guard(`connect ${container} ${network}`, () => (find(container) ? ok(undefined) : notFound(`connect ${container}`)));
    },
    async tag(imageId, reference) {
      return guard(`tag ${imageId} ${reference}`, () => {
        const image = [...fake.images.values()].find((i) => i.Id === imageId);
        if (!image) return notFound(`tag ${imageId}`);
        fake.images.set(reference, image);
        return ok(undefined);
      });
    },
    async untag(reference) {
      return guard(`untag ${reference}`, () => {
        fake.images.delete(reference);
        return ok(undefined);
      });
    },
    async build() {
      return guard('build', () => ({ ok: false, error: { kind: 'failed', message: 'build: the in-memory port builds nothing' } }));
    },
    async watchEvents(filter, onEvent) {
      return guard('events', () => {
        let end!: () => void;
        const ended = new Promise<void>((resolve) => (end = resolve));
        const w = { filter, onEvent, end: () => (watches.delete(w), end()) };
        watches.add(w);
        return ok<EventWatch>({ ended, close: w.end });
      });
    },
  };

  function guard<T>(call: string, fn: () => DockerResult<T>): DockerResult<T> {
    fake.calls.push(call);
    return fake.down ? { ok: false, error: fake.down } : fn();
  }
  function find(ref: string): InMemoryContainer | undefined {
    return fake.containers.get(ref) ?? [...fake.containers.values()].find((c) => c.doc.Id === ref);
  }
  function setRunning(ref: string, running: boolean): DockerResult<void> {
    const c = find(ref);
    if (!c) return notFound(`${running ? 'start' : 'stop'} ${ref}`);
    c.doc.State = { ...c.doc.State, Running: running, Status: running ? 'running' : 'exited' };
    return ok(undefined);
  }
  return fake;
}
