// The Docker port of the rollback engine: the handful of Engine API operations a rollback, halt and
// resume need, over dockerode (never the docker CLI). Expected failures are values, not exceptions.
import { PassThrough, Readable } from 'node:stream';
import Docker from 'dockerode';

export type DockerErrorKind = 'not-found' | 'conflict' | 'unreachable' | 'failed';
export interface DockerError {
  kind: DockerErrorKind;
  message: string;
}
export type DockerResult<T> = { ok: true; value: T } | { ok: false; error: DockerError };

/** The parts of a container's `Config` (as inspect shows it and create takes it) the engine reads. */
export interface ContainerConfigDoc {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Image?: string;
  Labels?: Record<string, string> | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  StopSignal?: string;
  StopTimeout?: number;
  Healthcheck?: object;
  Shell?: string[] | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  NetworkDisabled?: boolean;
  [key: string]: unknown;
}

export interface EndpointDoc {
  Aliases?: string[] | null;
  Links?: string[] | null;
  IPAMConfig?: Record<string, unknown> | null;
  DriverOpts?: Record<string, string> | null;
  [key: string]: unknown;
}

export interface MountDoc {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination?: string;
  RW?: boolean;
  [key: string]: unknown;
}

/** An inspected container: the document as the engine returned it, typed where the engine reads it. */
export interface ContainerDoc {
  Id: string;
  /** With the engine's leading slash, e.g. `/turtle-cron`. */
  Name: string;
  /** Image ID (`sha256:…`). */
  Image: string;
  RestartCount?: number;
  State: { Status?: string; Running?: boolean; Restarting?: boolean; StartedAt?: string; ExitCode?: number };
  Config: ContainerConfigDoc;
  HostConfig: Record<string, unknown> & { RestartPolicy?: RestartPolicy; NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, EndpointDoc> | null };
  Mounts?: MountDoc[];
  [key: string]: unknown;
}

export interface ImageDoc {
  Id: string;
  RepoTags?: string[] | null;
  Config?: ContainerConfigDoc | null;
}

export interface RestartPolicy {
  Name?: string;
  MaximumRetryCount?: number;
}

export interface ExecOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What create takes: the container config with HostConfig and (one) NetworkingConfig endpoint. */
export type CreateBody = ContainerConfigDoc & {
  HostConfig?: Record<string, unknown>;
  NetworkingConfig?: { EndpointsConfig: Record<string, EndpointDoc> };
};

export interface DockerPort {
  /** For messages: where the engine is expected. */
  readonly endpoint: string;
  ping(): Promise<DockerResult<void>>;
  inspectContainer(ref: string): Promise<DockerResult<ContainerDoc>>;
  inspectImage(ref: string): Promise<DockerResult<ImageDoc>>;
  /** Command lines of the processes running in a container (empty when it is not running). */
  processes(container: string): Promise<DockerResult<string[]>>;
  exec(container: string, cmd: string[]): Promise<DockerResult<ExecOutput>>;
  /** Does a path exist in the container's file system (works on stopped containers too)? */
  pathExists(container: string, path: string): Promise<DockerResult<boolean>>;
  /** Stop; a container that is not running is fine. */
  stop(ref: string, timeoutSeconds: number): Promise<DockerResult<void>>;
  /** Start; a running container is fine. */
  start(ref: string): Promise<DockerResult<void>>;
  rename(ref: string, name: string): Promise<DockerResult<void>>;
  /** Force-remove with anonymous volumes; a missing container is fine. */
  remove(ref: string): Promise<DockerResult<void>>;
  setRestartPolicy(ref: string, policy: RestartPolicy): Promise<DockerResult<void>>;
  create(name: string, body: CreateBody): Promise<DockerResult<string>>;
  connect(network: string, container: string, endpoint: EndpointDoc): Promise<DockerResult<void>>;
  tag(imageId: string, reference: string): Promise<DockerResult<void>>;
  /** Remove one tag (the image stays when other tags or containers hold it). */
  untag(reference: string): Promise<DockerResult<void>>;
  /** Build from a tar context; a failed step is read from the build stream, where the engine reports it. */
  build(
    context: Buffer,
    options: { dockerfile: string; labels?: Record<string, string> },
  ): Promise<DockerResult<{ imageId: string; output: string[] }>>;
}

export interface DockerEngineOptions {
  socketPath: string;
  /** Limit of one API request other than a build (stop adds its own grace). Default 30 s. */
  requestTimeoutMs?: number;
}

const MAX_EXEC_OUTPUT = 1 << 20;

export function createDockerEngine(options: DockerEngineOptions): DockerPort {
  const docker = new Docker({ socketPath: options.socketPath });
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const signal = (extraMs = 0): AbortSignal => AbortSignal.timeout(timeoutMs + extraMs);
  const endpoint = `unix://${options.socketPath}`;

  const call = async <T>(what: string, fn: () => Promise<T>, accept: number[] = []): Promise<DockerResult<T | undefined>> => {
    try {
      return { ok: true, value: await fn() };
    } catch (err) {
      const code = statusCodeOf(err);
      if (code !== undefined && accept.includes(code)) return { ok: true, value: undefined };
      return { ok: false, error: errorOf(what, err, endpoint) };
    }
  };
  const unit = (r: DockerResult<unknown>): DockerResult<void> => (r.ok ? { ok: true, value: undefined } : r);

  return {
    endpoint,
    async ping() {
      return unit(await call('ping', () => (docker as unknown as { ping(o: object): Promise<unknown> }).ping({ abortSignal: signal() })));
    },
    async inspectContainer(ref) {
      const r = await call(`inspect container ${ref}`, () => docker.getContainer(ref).inspect({ abortSignal: signal() }));
      return r.ok ? { ok: true, value: r.value as unknown as ContainerDoc } : r;
    },
    async inspectImage(ref) {
      const r = await call(`inspect image ${ref}`, () => docker.getImage(ref).inspect({ abortSignal: signal() } as {}));
      return r.ok ? { ok: true, value: r.value as unknown as ImageDoc } : r;
    },
    async processes(container) {
      try {
        const top = (await docker.getContainer(container).top({ abortSignal: signal() } as {})) as {
          Titles?: string[];
          Processes?: string[][];
        };
        const titles = top.Titles ?? [];
        const column = ['CMD', 'COMMAND', 'ARGS'].map((t) => titles.indexOf(t)).find((i) => i >= 0) ?? titles.length - 1;
        return { ok: true, value: (top.Processes ?? []).map((row) => row[column] ?? '').filter((c) => c !== '') };
      } catch (err) {
        // A stopped container runs nothing: an answer, not an error.
        if (statusCodeOf(err) === 409 || /is not running/i.test(messageOf(err))) return { ok: true, value: [] };
        return { ok: false, error: errorOf(`list processes of ${container}`, err, endpoint) };
      }
    },
    async exec(container, cmd) {
      return execCapture(docker, container, cmd, timeoutMs, endpoint);
    },
    async pathExists(container, path) {
      try {
        const res = (await docker.getContainer(container).infoArchive({ path, abortSignal: signal() } as {})) as Readable | undefined;
        res?.resume?.();
        return { ok: true, value: true };
      } catch (err) {
        // A HEAD answer has no body, and dockerode words every 404 as "no such container": whether the
        // path or the container is missing is learnt by asking for the container.
        if (statusCodeOf(err) === 404) {
          const exists = await call(`inspect container ${container}`, () =>
            docker.getContainer(container).inspect({ abortSignal: signal() }),
          );
          if (exists.ok) return { ok: true, value: false };
          return exists;
        }
        return { ok: false, error: errorOf(`stat ${path} in ${container}`, err, endpoint) };
      }
    },
    async stop(ref, timeoutSeconds) {
      return unit(
        await call(
          `stop ${ref}`,
          () => docker.getContainer(ref).stop({ t: timeoutSeconds, abortSignal: signal(timeoutSeconds * 1000) } as {}),
          [304],
        ),
      );
    },
    async start(ref) {
      return unit(await call(`start ${ref}`, () => docker.getContainer(ref).start({ abortSignal: signal() } as {}), [304]));
    },
    async rename(ref, name) {
      return unit(await call(`rename ${ref} to ${name}`, () => docker.getContainer(ref).rename({ name, abortSignal: signal() } as {})));
    },
    async remove(ref) {
      return unit(
        await call(`remove ${ref}`, () => docker.getContainer(ref).remove({ force: true, v: true, abortSignal: signal() } as {}), [404]),
      );
    },
    async setRestartPolicy(ref, policy) {
      return unit(
        await call(`update restart policy of ${ref}`, () =>
          docker.getContainer(ref).update({ RestartPolicy: policy, abortSignal: signal() } as {}),
        ),
      );
    },
    async create(name, body) {
      const r = await call(`create ${name}`, () =>
        docker.createContainer({ ...body, name, abortSignal: signal() } as unknown as Docker.ContainerCreateOptions),
      );
      return r.ok ? { ok: true, value: (r.value as Docker.Container).id } : r;
    },
    async connect(network, container, endpointConfig) {
      return unit(
        await call(`connect ${container} to ${network}`, () =>
          docker.getNetwork(network).connect({ Container: container, EndpointConfig: endpointConfig, abortSignal: signal() } as {}),
        ),
      );
    },
    async tag(imageId, reference) {
      const { repo, tag } = splitReference(reference);
      return unit(
        await call(`tag ${shortId(imageId)} as ${reference}`, () =>
          docker.getImage(imageId).tag({ repo, tag, abortSignal: signal() } as Docker.ImageTagOptions),
        ),
      );
    },
    async untag(reference) {
      // noprune keeps the untagged parent layers; the image itself goes only if nothing else names it.
      return unit(
        await call(`untag ${reference}`, () => docker.getImage(reference).remove({ noprune: true, abortSignal: signal() } as {}), [404]),
      );
    },
    async build(context, buildOptions) {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await docker.buildImage(Readable.from([context]) as unknown as NodeJS.ReadableStream, {
          dockerfile: buildOptions.dockerfile,
          rm: true,
          forcerm: true,
          ...(buildOptions.labels ? { labels: buildOptions.labels } : {}),
        });
      } catch (err) {
        return { ok: false, error: errorOf('build', err, endpoint) };
      }
      // The engine answers 200 and reports a failed step inside the progress stream: scan for it.
      let messages: Array<Record<string, unknown>>;
      try {
        messages = await new Promise((resolve, reject) => {
          docker.modem.followProgress(stream, (err: Error | null, out: Array<Record<string, unknown>>) =>
            err ? reject(err) : resolve(out),
          );
        });
      } catch (err) {
        return { ok: false, error: errorOf('build', err, endpoint) };
      }
      const output = messages.flatMap((m) => (typeof m.stream === 'string' ? m.stream.split('\n').filter((l) => l.trim() !== '') : []));
      const failure = messages.find((m) => m.error !== undefined || m.errorDetail !== undefined);
      if (failure) {
        const detail = (failure.errorDetail as { message?: string } | undefined)?.message;
        return { ok: false, error: { kind: 'failed', message: `build failed: ${String(failure.error ?? detail ?? 'unknown error')}` } };
      }
      const aux = messages.map((m) => (m.aux as { ID?: string } | undefined)?.ID).find((id) => id !== undefined);
      const built = output.map((line) => /Successfully built ([0-9a-f]+)/.exec(line)?.[1]).find((id) => id !== undefined);
      const ref = aux ?? built;
      if (!ref)
        return {
          ok: false,
          error: { kind: 'failed', message: `build reported no image ID (last output: ${output.slice(-3).join(' | ') || 'none'})` },
        };
      const image = await call(`inspect built image ${ref}`, () => docker.getImage(ref).inspect({ abortSignal: signal() } as {}));
      if (!image.ok) return image;
      return { ok: true, value: { imageId: (image.value as ImageDoc).Id, output } };
    },
  };
}

async function execCapture(
  docker: Docker,
  container: string,
  cmd: string[],
  timeoutMs: number,
  endpoint: string,
): Promise<DockerResult<ExecOutput>> {
  try {
    const exec = await docker.getContainer(container).exec({
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
    const sink = (into: Buffer[]): PassThrough =>
      new PassThrough().on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_EXEC_OUTPUT) into.push(chunk);
      });
    // Without a TTY the engine multiplexes stdout and stderr in one framed stream.
    docker.modem.demuxStream(stream, sink(out), sink(err));
    const ended = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
    if (!ended) {
      stream.destroy();
      return { ok: false, error: { kind: 'failed', message: `${cmd.join(' ')} in ${container} did not finish within ${timeoutMs} ms` } };
    }
    // The exit code is known once the engine has reaped the process, a moment after the stream ends.
    for (let attempt = 0; attempt < 200; attempt++) {
      const info = await exec.inspect({ abortSignal: AbortSignal.timeout(timeoutMs) } as {});
      if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) {
        return {
          ok: true,
          value: { exitCode: info.ExitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') },
        };
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return { ok: false, error: { kind: 'failed', message: `${cmd.join(' ')} in ${container}: exit code not available` } };
  } catch (error) {
    return { ok: false, error: errorOf(`exec ${cmd.join(' ')} in ${container}`, error, endpoint) };
  }
}

export function splitReference(reference: string): { repo: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const json = (err as { json?: { message?: string } | null }).json;
    return (json?.message ?? err.message).trim();
  }
  return String(err);
}

function errorOf(what: string, err: unknown, endpoint: string): DockerError {
  const status = statusCodeOf(err);
  const message = messageOf(err);
  if (status === 404) return { kind: 'not-found', message: `${what}: ${message}` };
  if (status === 409) return { kind: 'conflict', message: `${what}: ${message}` };
  if (status === undefined) {
    const code = (err as { code?: unknown } | null)?.code;
    const name = (err as { name?: unknown } | null)?.name;
    if (
      ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(String(code)) ||
      name === 'AbortError' ||
      name === 'TimeoutError'
    ) {
      return { kind: 'unreachable', message: `Docker engine unreachable at ${endpoint} (${what}): ${message}` };
    }
  }
  return { kind: 'failed', message: `${what}: ${message}` };
}
