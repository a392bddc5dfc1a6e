// The compose file, run without compose: this machine has neither `docker compose` (v2 plugin) nor
// `docker-compose` (v1), so the tests read docker-compose.sentinel.yaml, interpolate it the way compose
// does (`${VAR}`, `${VAR:-default}`, in values after parsing), and create the service's container
// through the Docker API with what each key means. Only the keys the sidecar's compose file uses are understood; any other key is
// an error, so the file cannot grow a setting the tests silently ignore.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type Docker from 'dockerode';
import { parse } from 'yaml';
import { TEST_LABEL } from './engine.ts';

type Env = Record<string, string | undefined>;

/** Compose's interpolation: `$$` is a dollar, `${VAR:-default}` / `${VAR-default}` / `${VAR}` / `$VAR`. */
export function interpolate(text: string, env: Env): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced, op, def, bare) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      if (op === ':-') return value === undefined || value === '' ? (def as string) : value;
      if (op === '-') return value === undefined ? (def as string) : value;
      return value ?? '';
    },
  );
}

function interpolateValues(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateValues(v, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateValues(v, env)]));
  }
  return value;
}

const KNOWN_SERVICE_KEYS = new Set([
  'build',
  'image',
  'container_name',
  'restart',
  'init',
  'user',
  'group_add',
  'read_only',
  'tmpfs',
  'env_file',
  'environment',
  'volumes',
  'ports',
  'healthcheck',
]);

export interface ComposeService {
  name: string;
  build?: { context: string; args: Record<string, string> };
  image?: string;
  containerName?: string;
  restart?: string;
  init?: boolean;
  user?: string;
  groupAdd: string[];
  readOnly: boolean;
  tmpfs: string[];
  envFiles: string[];
  environment: Record<string, string>;
  volumes: string[];
  ports: string[];
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number; startPeriod?: string };
}

export interface ComposeProject {
  /** The file's directory: compose resolves relative paths from it. */
  dir: string;
  name: string;
  services: ComposeService[];
  volumes: string[];
}

/** Read a compose file with the given environment (what the shell and `.env` would supply). */
export function loadCompose(file: string, env: Env): ComposeProject {
  const dir = dirname(resolve(file));
  // As compose does: parse first, then interpolate each string value (so a value never changes the YAML's shape).
  const doc = interpolateValues(parse(readFileSync(file, 'utf8')), env) as Record<string, unknown>;
  const services = Object.entries((doc.services ?? {}) as Record<string, Record<string, unknown>>).map(([name, s]) => {
    for (const key of Object.keys(s))
      if (!KNOWN_SERVICE_KEYS.has(key)) throw new Error(`compose: service ${name}: key ${key} is not understood by test/docker/compose.ts`);
    const build = s.build as { context?: string; args?: Record<string, string> } | string | undefined;
    const hc = s.healthcheck as Record<string, unknown> | undefined;
    const environment = Array.isArray(s.environment)
      ? Object.fromEntries((s.environment as string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
      : ((s.environment ?? {}) as Record<string, string>);
    const service: ComposeService = {
      name,
      ...(build !== undefined
        ? {
            build:
              typeof build === 'string'
                ? { context: resolve(dir, build), args: {} }
                : { context: resolve(dir, build.context ?? '.'), args: build.args ?? {} },
          }
        : {}),
      ...(typeof s.image === 'string' ? { image: s.image } : {}),
      ...(typeof s.container_name === 'string' ? { containerName: s.container_name } : {}),
      ...(typeof s.restart === 'string' ? { restart: s.restart } : {}),
      ...(typeof s.init === 'boolean' ? { init: s.init } : {}),
      ...(s.user !== undefined ? { user: String(s.user) } : {}),
      groupAdd: ((s.group_add ?? []) as unknown[]).map(String),
      readOnly: s.read_only === true,
      tmpfs: ([] as string[]).concat((s.tmpfs ?? []) as string[]),
      envFiles: ([] as string[]).concat((s.env_file ?? []) as string[]).map((f) => resolve(dir, f)),
      environment,
      volumes: ((s.volumes ?? []) as string[]).map(String),
      ports: ((s.ports ?? []) as string[]).map(String),
      ...(hc
        ? {
            healthcheck: {
              test: hc.test as string[],
              ...(hc.interval !== undefined ? { interval: String(hc.interval) } : {}),
              ...(hc.timeout !== undefined ? { timeout: String(hc.timeout) } : {}),
              ...(hc.retries !== undefined ? { retries: Number(hc.retries) } : {}),
              ...(hc.start_period !== undefined ? { startPeriod: String(hc.start_period) } : {}),
            },
          }
        : {}),
    };
    return service;
  });
  return { dir, name: String(doc.name), services, volumes: Object.keys((doc.volumes ?? {}) as object) };
}

/** `KEY=VALUE` lines, `#` comments and blank lines, as compose reads an env_file. */
export function readEnvFile(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && l.includes('='));
}

/** Compose durations (`30s`, `1m30s`, `500ms`) in nanoseconds, as the engine wants them. */
export function durationNs(text: string): number {
  let ns = 0;
  const re = /(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/g;
  let consumed = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    consumed += m[0];
    const n = Number(m[1]);
    ns += n * { h: 3.6e12, m: 6e10, s: 1e9, ms: 1e6, us: 1e3, ns: 1 }[m[2] as 'h'];
  }
  if (consumed !== text) throw new Error(`compose: not a duration: ${text}`);
  return Math.round(ns);
}

export interface CreateOptions {
  /** The image to run (what compose would have built and tagged). */
  image: string;
  /** Names of the test's own, so no real turtle-sentinel is touched: container and volume prefix. */
  containerName: string;
  volumePrefix: string;
  /** Publish on an engine-chosen host port instead of the file's (which may be taken on this machine). */
  anyHostPort?: boolean;
  /**
   * The network compose would make for the project (`<project>_default`), created by the caller under a
   * test-owned name, joined with the service's name as alias. Default: the engine's default bridge.
   */
  network?: string;
}

/** Create (not start) the service's container as `compose up` would, with test-owned names. */
export async function createServiceContainer(
  docker: Docker,
  project: ComposeProject,
  service: ComposeService,
  options: CreateOptions,
): Promise<Docker.Container> {
  const binds = service.volumes.map((v) => {
    const [source, target, mode] = v.split(':') as [string, string, string?];
    const isPath = source.startsWith('.') || isAbsolute(source);
    const host = isPath ? resolve(project.dir, source) : `${options.volumePrefix}${source}`;
    if (!isPath && !project.volumes.includes(source)) throw new Error(`compose: volume ${source} is not declared`);
    return [host, target, ...(mode ? [mode] : [])].join(':');
  });
  const exposed: Record<string, object> = {};
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of service.ports) {
    const parts = p.split(':');
    const containerPort = `${parts.at(-1)}/tcp`;
    const hostIp = parts.length === 3 ? parts[0]! : '';
    const hostPort = parts.length >= 2 ? parts.at(-2)! : '';
    exposed[containerPort] = {};
    (portBindings[containerPort] ??= []).push({ HostIp: hostIp, HostPort: options.anyHostPort ? '' : hostPort });
  }
  const env = [...service.envFiles.flatMap(readEnvFile), ...Object.entries(service.environment).map(([k, v]) => `${k}=${v}`)];
  const hc = service.healthcheck;
  return docker.createContainer({
    name: options.containerName,
    Image: options.image,
    ...(service.user !== undefined ? { User: service.user } : {}),
    Env: env,
    ExposedPorts: exposed,
    Labels: {
      'com.docker.compose.project': project.name,
      'com.docker.compose.service': service.name,
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.project.working_dir': project.dir,
      [TEST_LABEL]: 'sentinel',
    },
    ...(hc
      ? {
          Healthcheck: {
            Test: hc.test,
            ...(hc.interval ? { Interval: durationNs(hc.interval) } : {}),
            ...(hc.timeout ? { Timeout: durationNs(hc.timeout) } : {}),
            ...(hc.retries !== undefined ? { Retries: hc.retries } : {}),
            ...(hc.startPeriod ? { StartPeriod: durationNs(hc.startPeriod) } : {}),
          },
        }
      : {}),
    HostConfig: {
      Binds: binds,
      PortBindings: portBindings,
      GroupAdd: service.groupAdd,
      ReadonlyRootfs: service.readOnly,
      Tmpfs: Object.fromEntries(service.tmpfs.map((t) => [t, ''])),
      ...(service.init !== undefined ? { Init: service.init } : {}),
      ...(service.restart ? { RestartPolicy: { Name: service.restart, MaximumRetryCount: 0 } } : {}),
      ...(options.network ? { NetworkMode: options.network } : {}),
    },
    ...(options.network ? { NetworkingConfig: { EndpointsConfig: { [options.network]: { Aliases: [service.name] } } } } : {}),
  });
}
