// Runbook §2 done right: a guarded container is recreated from its OWN configuration (what its
// creator set: env, binds, ports, restart policy, networks with aliases, labels, command, entrypoint,
// user…) with only the image replaced. Values it merely inherited from its current image are left
// out, so the target image's own defaults (its PATH, its CMD) apply, as a fresh `compose up` would.
import type { ConfigSummary } from '../../core/plan.ts';
import type { ContainerConfigDoc, ContainerDoc, CreateBody, EndpointDoc, ImageDoc } from '../../ports/docker.ts';

/** Labels the engine adds to a container it creates: recovery recognises its own work by them. */
export const EXECUTION_LABEL = 'turtle-sentinel.rollback.execution';
export const REPLACES_LABEL = 'turtle-sentinel.rollback.replaces';

export interface RecreateSpec {
  body: CreateBody;
  /** Networks beyond the first: the API (1.41) takes one endpoint at create, the others by connect. */
  extraNetworks: { network: string; endpoint: EndpointDoc }[];
  summary: ConfigSummary;
}

const SPECIAL_MODES = new Set(['default', 'bridge', 'host', 'none']);

export function recreateSpec(
  container: ContainerDoc,
  image: ImageDoc | undefined,
  targetImageId: string,
  extraLabels: Record<string, string> = {},
): RecreateSpec {
  const c = container.Config ?? {};
  const i: ContainerConfigDoc = image?.Config ?? {};
  const own = <K extends keyof ContainerConfigDoc>(key: K): boolean => !same(c[key], i[key]);

  const imageEnv = new Set(i.Env ?? []);
  const env = (c.Env ?? []).filter((e) => !imageEnv.has(e));
  const imageLabels = i.Labels ?? {};
  const labels = Object.fromEntries(Object.entries(c.Labels ?? {}).filter(([k, v]) => imageLabels[k] !== v));
  // Compose v2 records the image it created the container from; it is the target now.
  if ('com.docker.compose.image' in labels) labels['com.docker.compose.image'] = targetImageId;
  Object.assign(labels, extraLabels);
  const exposed = Object.fromEntries(Object.entries(c.ExposedPorts ?? {}).filter(([p]) => !(p in (i.ExposedPorts ?? {}))));
  const volumes = Object.fromEntries(Object.entries(c.Volumes ?? {}).filter(([p]) => !(p in (i.Volumes ?? {}))));

  const entrypointOwn = own('Entrypoint');
  // Overriding the entrypoint drops the image's command, so a command alongside it is always its own.
  const cmdOwn = own('Cmd') || entrypointOwn;

  const body: CreateBody = {
    Image: targetImageId,
    ...(c.Hostname && c.Hostname !== container.Id.slice(0, 12) ? { Hostname: c.Hostname } : {}),
    ...(c.Domainname ? { Domainname: c.Domainname } : {}),
    ...(own('User') && c.User !== undefined ? { User: c.User } : {}),
    ...(own('WorkingDir') && c.WorkingDir !== undefined ? { WorkingDir: c.WorkingDir } : {}),
    ...(entrypointOwn ? { Entrypoint: c.Entrypoint ?? [''] } : {}),
    ...(cmdOwn && c.Cmd ? { Cmd: c.Cmd } : {}),
    Env: env,
    Labels: labels,
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
    ...(Object.keys(volumes).length > 0 ? { Volumes: volumes } : {}),
    ...(own('StopSignal') && c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.StopTimeout !== undefined ? { StopTimeout: c.StopTimeout } : {}),
    ...(own('Healthcheck') && c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    ...(own('Shell') && c.Shell ? { Shell: c.Shell } : {}),
    Tty: c.Tty ?? false,
    OpenStdin: c.OpenStdin ?? false,
    StdinOnce: c.StdinOnce ?? false,
    AttachStdin: c.AttachStdin ?? false,
    AttachStdout: c.AttachStdout ?? false,
    AttachStderr: c.AttachStderr ?? false,
    ...(c.NetworkDisabled ? { NetworkDisabled: true } : {}),
  };

  const hostConfig: Record<string, unknown> = { ...container.HostConfig };
  // Anonymous volumes belong to the old container; mount the same ones so their data carries over.
  const binds = [...((hostConfig.Binds as string[] | null | undefined) ?? [])];
  const declared = new Set([
    ...binds.map((b) => b.split(':')[1]),
    ...((hostConfig.Mounts as { Target?: string }[] | null | undefined) ?? []).map((m) => m.Target),
  ]);
  for (const m of container.Mounts ?? []) {
    if (m.Type === 'volume' && m.Name && m.Destination && !declared.has(m.Destination))
      binds.push(`${m.Name}:${m.Destination}${m.RW === false ? ':ro' : ''}`);
  }
  if (binds.length > 0) hostConfig.Binds = binds;
  body.HostConfig = hostConfig;

  const mode = String(hostConfig.NetworkMode ?? 'default');
  const networks = Object.entries(container.NetworkSettings?.Networks ?? {});
  const endpoint = (e: EndpointDoc): EndpointDoc => {
    const aliases = ownAliases(e, container);
    return {
      ...(aliases.length > 0 ? { Aliases: aliases } : {}),
      ...(e.Links && e.Links.length > 0 ? { Links: e.Links } : {}),
      ...(e.IPAMConfig && Object.keys(e.IPAMConfig).length > 0 ? { IPAMConfig: e.IPAMConfig } : {}),
      ...(e.DriverOpts && Object.keys(e.DriverOpts).length > 0 ? { DriverOpts: e.DriverOpts } : {}),
    };
  };
  const extraNetworks: RecreateSpec['extraNetworks'] = [];
  if (!mode.startsWith('container:') && mode !== 'host' && mode !== 'none') {
    const primary = SPECIAL_MODES.has(mode) ? 'bridge' : mode;
    const first = networks.find(([name]) => name === primary);
    if (first && !SPECIAL_MODES.has(mode)) body.NetworkingConfig = { EndpointsConfig: { [first[0]]: endpoint(first[1]) } };
    for (const [name, e] of networks) if (name !== primary) extraNetworks.push({ network: name, endpoint: endpoint(e) });
  }

  const restart = container.HostConfig.RestartPolicy;
  const summary: ConfigSummary = {
    ...(entrypointOwn && body.Entrypoint ? { entrypoint: body.Entrypoint } : {}),
    ...(cmdOwn && body.Cmd ? { cmd: body.Cmd } : {}),
    ...(body.User ? { user: body.User } : {}),
    ...(body.WorkingDir ? { workingDir: body.WorkingDir } : {}),
    env: env.map((e) => e.split('=')[0]!).sort(),
    binds: [
      ...binds,
      ...((hostConfig.Mounts as { Source?: string; Target?: string; ReadOnly?: boolean }[] | null | undefined) ?? []).map(
        (m) => `${m.Source ?? ''}:${m.Target ?? ''}${m.ReadOnly ? ':ro' : ''}`,
      ),
    ],
    ports: Object.entries(
      (hostConfig.PortBindings as Record<string, { HostIp?: string; HostPort?: string }[] | null> | null | undefined) ?? {},
    )
      .flatMap(([port, bindings]) => (bindings ?? []).map((b) => `${port}→${b.HostIp ?? ''}:${b.HostPort ?? ''}`))
      .sort(),
    restart: restart?.Name ? `${restart.Name}${restart.MaximumRetryCount ? `:${restart.MaximumRetryCount}` : ''}` : 'no',
    networks:
      mode.startsWith('container:') || mode === 'host' || mode === 'none'
        ? [{ name: mode, aliases: [] }]
        : networks.map(([name, e]) => ({ name, aliases: ownAliases(e, container) })),
    labels: Object.keys(labels).length - Object.keys(extraLabels).length,
  };
  return { body, extraNetworks, summary };
}

/**
 * On user networks the engine adds the container's short ID and its hostname as aliases by itself: not
 * configuration (the recreated container gets its own, and the same hostname brings the same alias).
 */
function ownAliases(e: EndpointDoc, container: ContainerDoc): string[] {
  const automatic = new Set([container.Id, container.Id.slice(0, 12), container.Config?.Hostname ?? '']);
  return (e.Aliases ?? []).filter((a) => !automatic.has(a));
}

function same(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) ? undefined : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
