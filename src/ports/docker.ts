// The Docker port: the handful of Engine API operations the sidecar uses (observe, roll back, halt,
// resume), not the client library's surface. Expected failures are values, not exceptions. One real adapter
// (adapters/docker-engine.ts) and one in-memory port (adapters/in-memory-docker.ts: the tests' fake and the
// demo's simulated deployment) implement it.

export type DockerErrorKind = 'not-found' | 'conflict' | 'unreachable' | 'timeout' | 'failed';
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
  State: {
    Status?: string;
    Running?: boolean;
    Restarting?: boolean;
    StartedAt?: string;
    ExitCode?: number;
    /** Present when the container has a healthcheck. */
    Health?: { Status?: string };
  };
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
  /**
   * The bytes of one file in the container, through the archive endpoint: binary-safe, needs no shell or
   * `cat` in the image and works on a stopped container. `null` when the path does not exist there; a
   * symbolic link is followed once. A path that is not a regular file is a `failed` error.
   */
  readFile(container: string, path: string): Promise<DockerResult<Buffer | null>>;
  /**
   * Follow the container's output (`docker logs --follow --timestamps`) from `sinceMs` on, one line at a
   * time. Resolves once the stream is open; `ended` settles when it ends (container gone, engine gone,
   * or `close()`): the caller reconnects from the last line's instant.
   */
  followLogs(container: string, sinceMs: number, onLine: (line: LogStreamLine) => void): Promise<DockerResult<EventWatch>>;
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
  /**
   * Follow the engine's container events for these names or IDs and actions. Resolves once the stream
   * is open; `ended` settles when it ends for any reason (engine gone, or `close()`).
   */
  watchEvents(
    filter: { containers: string[]; actions: string[] },
    onEvent: (event: EngineEvent) => void,
  ): Promise<DockerResult<EventWatch>>;
}

/** One event of the engine's stream, as far as the observer reads it. */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** One line of a container's output, with the engine's own instant of it. */
export interface LogStreamLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** Epoch milliseconds the engine stamped the line with (absent if the stamp could not be read). */
  at?: number;
}

export interface EventWatch {
  ended: Promise<void>;
  close(): void;
}
