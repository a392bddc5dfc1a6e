// One look into the cron container through the Docker port: how it is started (entrypoint, command,
// user), its health, the git blob ids of the files recognition compares, and the schedule from
// whatever runs it. Shared by the daemon's observer and `doctor`; what it means is judged in the core
// (release-recognition.ts).
import { readFile } from 'node:fs/promises';
import type { CronInspection, CrontabSource } from '../core/cron-inspection.ts';
import type { ContainerStatus } from '../core/types.ts';
import type { ContainerDoc, DockerError, DockerPort, DockerResult } from '../ports/docker.ts';
import { gitBlobId } from './git-blob.ts';

export interface InspectCronOptions {
  container: string;
  /** Container paths whose git blob ids are wanted (the catalogue's recognition files). */
  paths: readonly string[];
  /** The configured crontab file on the host (deployment.crontab.fallbackFile), the last source tried. */
  fallbackFile?: string;
  /** The command that prints Debian cron's crontab; `crontab -l` by default (deployment.crontab.command). */
  crontabCommand?: readonly string[];
  /** The blob id of some bytes; git's by default (injectable so a test can count calls). */
  blobId?: (bytes: Uint8Array) => string;
}

/** The command that prints Debian cron's crontab (absent from supercronic images). */
export const CRONTAB_COMMAND = ['crontab', '-l'] as const;

const STATUSES: ReadonlySet<string> = new Set<ContainerStatus>([
  'running',
  'restarting',
  'exited',
  'paused',
  'created',
  'dead',
  'removing',
]);

/**
 * Inspect the cron container. Only an engine that cannot be asked is an error: a missing container, an
 * unreadable file or a schedule source that fails are answers, recorded in `problems`.
 */
export async function inspectCron(docker: DockerPort, options: InspectCronOptions): Promise<DockerResult<CronInspection>> {
  const hash = options.blobId ?? gitBlobId;
  const { container } = options;
  const problems: string[] = [];
  const info = await docker.inspectContainer(container);
  if (!info.ok && info.error.kind !== 'not-found') return info;
  const doc = info.ok ? info.value : undefined;
  if (!doc) problems.push(`container ${container} not found`);

  const status = doc ? statusOf(doc) : 'missing';
  const entrypoint = doc?.Config?.Entrypoint ?? [];
  const command = doc?.Config?.Cmd ?? [];
  const health = healthOf(doc);

  const files: Record<string, string | null> = {};
  if (doc) {
    for (const path of options.paths) {
      const read = await docker.readFile(container, path);
      if (!read.ok) {
        if (unreachable(read.error)) return read;
        problems.push(`${path} in ${container}: ${read.error.message}`);
        files[path] = null;
      } else if (read.value === null) {
        problems.push(`${path} not found in ${container}`);
        files[path] = null;
      } else files[path] = hash(read.value);
    }
  } else for (const path of options.paths) files[path] = null;

  const crontabCommand = options.crontabCommand ?? CRONTAB_COMMAND;
  const crontab = await readSchedule(docker, container, doc, status, entrypoint, command, crontabCommand, options.fallbackFile, problems);
  if (crontab === 'unreachable')
    return { ok: false, error: { kind: 'unreachable', message: problems[problems.length - 1] ?? 'engine unreachable' } };

  return {
    ok: true,
    value: {
      container,
      status,
      ...(doc?.Image ? { imageId: doc.Image } : {}),
      entrypoint,
      command,
      user: doc?.Config?.User ?? '',
      ...(health ? { health } : {}),
      files,
      ...(crontab ? { crontab } : {}),
      problems,
    },
  };
}

/**
 * The schedule source chain (SPEC §3.3): `crontab -l` (Debian cron), else the file named in the
 * container's command (`supercronic /app/crontab`, also behind an entrypoint), else the configured
 * file. Each source that fails leaves one line in `problems`.
 */
async function readSchedule(
  docker: DockerPort,
  container: string,
  doc: ContainerDoc | undefined,
  status: ContainerStatus,
  entrypoint: string[],
  command: string[],
  crontabCommand: readonly string[],
  fallbackFile: string | undefined,
  problems: string[],
): Promise<CrontabSource | undefined | 'unreachable'> {
  if (doc) {
    const shown = crontabCommand.join(' ');
    if (status !== 'running') problems.push(`${shown}: ${container} is ${status}, nothing to exec`);
    else {
      const exec = await docker.exec(container, [...crontabCommand]);
      if (!exec.ok) {
        problems.push(`${shown} in ${container}: ${exec.error.message}`);
        if (unreachable(exec.error)) return 'unreachable';
      } else if (exec.value.exitCode !== 0) {
        const why = firstLine(exec.value.stderr) || firstLine(exec.value.stdout) || 'no output';
        problems.push(`${shown} in ${container} exited ${exec.value.exitCode}: ${why}`);
      } else return { kind: 'crontab-command', text: exec.value.stdout };
    }

    const named = crontabFileOfCommand([...entrypoint, ...command]);
    if (named === undefined)
      problems.push(`the command of ${container} (${[...entrypoint, ...command].join(' ') || 'none'}) names no crontab file`);
    else {
      const read = await docker.readFile(container, named);
      if (!read.ok) {
        problems.push(`${named} in ${container}: ${read.error.message}`);
        if (unreachable(read.error)) return 'unreachable';
      } else if (read.value === null) problems.push(`${named} (named in the command of ${container}) not found`);
      else return { kind: 'command-file', path: named, text: read.value.toString('utf8') };
    }
  }

  if (fallbackFile === undefined) {
    problems.push('no fallback crontab file configured (deployment.crontab.fallbackFile)');
    return undefined;
  }
  try {
    return { kind: 'configured-file', path: fallbackFile, text: await readFile(fallbackFile, 'utf8') };
  } catch (err) {
    problems.push(`${fallbackFile}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/**
 * The crontab file a supercronic command line runs: the last argument after `supercronic` that is not
 * a flag. Arguments of a shell wrapper (`sh -c "exec supercronic -json /app/crontab"`) are split on
 * blanks first, so an entrypoint script or a `-c` string is looked through.
 */
export function crontabFileOfCommand(argv: readonly string[]): string | undefined {
  const words = argv.flatMap((a) => a.split(/\s+/)).filter((w) => w !== '');
  const at = words.findIndex((w) => w === 'supercronic' || w.endsWith('/supercronic'));
  if (at < 0) return undefined;
  const rest = words.slice(at + 1).filter((w) => !w.startsWith('-'));
  const file = rest[rest.length - 1];
  return file?.replace(/^["']|["';]$/g, '');
}

function statusOf(doc: ContainerDoc): ContainerStatus {
  const raw = doc.State?.Status ?? '';
  return STATUSES.has(raw) ? (raw as ContainerStatus) : 'dead';
}

function healthOf(doc: ContainerDoc | undefined): CronInspection['health'] {
  const s = doc?.State?.Health?.Status;
  return s === 'starting' || s === 'healthy' || s === 'unhealthy' ? s : undefined;
}

function unreachable(error: DockerError): boolean {
  return error.kind === 'unreachable' || error.kind === 'timeout';
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}
