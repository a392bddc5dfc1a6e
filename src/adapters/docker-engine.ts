// The one Docker adapter: the Docker port over dockerode (never the docker CLI), with the one exec
// capture and the one mapping of engine failures to error values. The only file that imports dockerode.
import { PassThrough, Readable } from 'node:stream';
import Docker from 'dockerode';
import { shortId } from '../core/plan.ts';
import { sleep } from './retry.ts';
import type {
  ContainerDoc,
  DockerError,
  DockerPort,
  DockerResult,
  EngineEvent,
  ExecOutput,
  ImageDoc,
  LogStreamLine,
} from '../ports/docker.ts';
import { firstTarEntry } from './tar-entry.ts';

export interface DockerEngineOptions {
  socketPath: string;
  /** Limit of one API request other than a build (stop adds its own grace). Default 30 s. */
  requestTimeoutMs?: number;
}

const MAX_EXEC_OUTPUT = 1 << 20;
const MAX_EVENT_LINE = 1 << 20;
/** Files read from a container are small (scripts, a crontab); a bigger answer is cut off, not buffered. */
const MAX_ARCHIVE = 8 << 20;

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
    async readFile(container, path) {
      const read = async (at: string, linksLeft: number): Promise<DockerResult<Buffer | null>> => {
        let archive: Buffer;
        try {
          const stream = (await docker.getContainer(container).getArchive({ path: at, abortSignal: signal() } as {
            path: string;
          })) as unknown as Readable;
          archive = await collect(stream, MAX_ARCHIVE);
        } catch (err) {
          if (statusCodeOf(err) === 404) {
            // As for pathExists: the 404 does not say whether the path or the container is missing.
            const exists = await call(`inspect container ${container}`, () =>
              docker.getContainer(container).inspect({ abortSignal: signal() }),
            );
            return exists.ok ? { ok: true, value: null } : exists;
          }
          return { ok: false, error: errorOf(`read ${at} in ${container}`, err, endpoint) };
        }
        const entry = firstTarEntry(archive);
        if (entry === undefined)
          return { ok: false, error: { kind: 'failed', message: `read ${at} in ${container}: the archive holds no entry` } };
        if (entry.type === 'file') return { ok: true, value: entry.content };
        if (entry.type === 'symlink' && linksLeft > 0) {
          const target = entry.linkName.startsWith('/') ? entry.linkName : `${at.slice(0, at.lastIndexOf('/') + 1)}${entry.linkName}`;
          return read(target, linksLeft - 1);
        }
        return { ok: false, error: { kind: 'failed', message: `read ${at} in ${container}: not a regular file (${entry.type})` } };
      };
      return read(path, 1);
    },
    async followLogs(container, sinceMs, onLine) {
      let stream: Readable;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        stream = (await docker.getContainer(container).logs({
          follow: true,
          stdout: true,
          stderr: true,
          timestamps: true,
          // The engine takes seconds; a fraction keeps a reconnect from re-reading the last second.
          since: Math.max(0, sinceMs / 1000),
          abortSignal: abort.signal,
        } as unknown as Docker.ContainerLogsOptions & { follow: true })) as unknown as Readable;
      } catch (err) {
        return { ok: false, error: errorOf(`logs of ${container}`, err, endpoint) };
      } finally {
        clearTimeout(timer);
      }
      const tty = await call(`inspect container ${container}`, () => docker.getContainer(container).inspect({ abortSignal: signal() }));
      const isTty = tty.ok && (tty.value as unknown as ContainerDoc | undefined)?.Config?.Tty === true;
      const out = lineSink('stdout', onLine);
      const err = lineSink('stderr', onLine);
      // Without a TTY the engine multiplexes stdout and stderr in one framed stream.
      if (isTty) stream.pipe(out);
      else docker.modem.demuxStream(stream, out, err);
      const ended = new Promise<void>((resolve) => {
        if (stream.destroyed || stream.readableEnded) return resolve();
        const done = (): void => {
          out.end();
          err.end();
          resolve();
        };
        stream.once('end', done);
        stream.once('close', done);
        stream.once('error', done);
      });
      return { ok: true, value: { ended, close: () => (abort.abort(), stream.destroy()) } };
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
    async watchEvents(filter, onEvent) {
      const abort = new AbortController();
      // The time limit covers opening the stream only; once open it runs until it ends or is closed.
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      let stream: Readable;
      try {
        stream = (await docker.getEvents({
          filters: { type: ['container'], container: filter.containers, event: filter.actions },
          abortSignal: abort.signal,
        } as Docker.GetEventsOptions)) as unknown as Readable;
      } catch (err) {
        return { ok: false, error: errorOf('event stream', err, endpoint) };
      } finally {
        clearTimeout(timer);
      }
      return { ok: true, value: { ended: followLines(stream, onEvent), close: () => (abort.abort(), stream.destroy()) } };
    },
  };
}

/** Read a stream to its end, up to `limit` bytes (the rest is drained and dropped). */
function collect(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      if (size < limit) chunks.push(chunk);
      size += chunk.length;
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/**
 * A writable that splits what it is given into lines and hands each, with the engine's RFC 3339
 * stamp (`--timestamps`) taken off the front, to `onLine`.
 */
function lineSink(which: LogStreamLine['stream'], onLine: (line: LogStreamLine) => void): PassThrough {
  let buffered = '';
  const emit = (raw: string): void => {
    const space = raw.indexOf(' ');
    const at = space > 0 ? Date.parse(raw.slice(0, space)) : NaN;
    const line = Number.isFinite(at) ? { stream: which, text: raw.slice(space + 1), at } : { stream: which, text: raw };
    try {
      onLine(line);
    } catch {
      // A throwing handler must not kill the stream from inside a 'data' listener.
    }
  };
  const sink = new PassThrough();
  sink.setEncoding('utf8');
  sink.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const raw = buffered.slice(0, nl).replace(/\r$/, '');
      buffered = buffered.slice(nl + 1);
      emit(raw);
    }
    if (buffered.length > MAX_EVENT_LINE) buffered = '';
  });
  sink.on('end', () => {
    if (buffered !== '') emit(buffered);
    buffered = '';
  });
  return sink;
}

/** Parse the newline-delimited JSON event stream until it ends, closes or fails. */
function followLines(stream: Readable, onEvent: (event: EngineEvent) => void): Promise<void> {
  return new Promise((resolve) => {
    // close() may have destroyed the stream before we got here: its 'close' event is already gone.
    if (stream.destroyed || stream.readableEnded) {
      stream.destroy();
      resolve();
      return;
    }
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      // A chunk may hold part of a line or several lines.
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === '') continue;
        try {
          onEvent(JSON.parse(line) as EngineEvent);
        } catch {
          // A line that is not JSON carries nothing to act on (and a throwing handler must not kill the
          // stream from inside a 'data' listener); the observer's next refresh catches up.
        }
      }
      if (buffered.length > MAX_EVENT_LINE) buffered = '';
    });
    const done = (): void => resolve();
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
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
    // A hijacked exec stream is a raw socket that may stay half-open after the output ends: close it,
    // or every exec (the observer reads the crontab every few minutes) would leave a handle behind.
    stream.destroy();
    if (!ended) {
      return { ok: false, error: { kind: 'timeout', message: `${cmd.join(' ')} in ${container} did not finish within ${timeoutMs} ms` } };
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
      await sleep(10);
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
