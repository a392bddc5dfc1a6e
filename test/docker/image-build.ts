// Build an image from a directory through the Docker API, the way `docker build <dir>` would: the
// context is the directory less what its .dockerignore excludes (top-level names and simple globs,
// which is all this repository's .dockerignore uses), and a failed step rejects with its message.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';

/** The exclusions of a .dockerignore as tar --exclude patterns, anchored at the context's root. */
function dockerignore(dir: string): string[] {
  const file = join(dir, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => `./${l.replace(/^\/+/, '')}`);
}

export interface BuildResult {
  imageId: string;
  /** The build's output lines, for a failure message. */
  log: string[];
}

export async function buildFromContext(
  docker: Docker,
  dir: string,
  options: { t: string; buildargs?: Record<string, string>; labels?: Record<string, string> },
): Promise<BuildResult> {
  const excludes = dockerignore(dir).flatMap((p) => ['--exclude', p]);
  // Follows no symlinks (-h absent): a symlinked node_modules is excluded, not copied.
  const tar = spawn('tar', ['-C', dir, '--anchored', ...excludes, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stream = await docker.buildImage(tar.stdout as unknown as NodeJS.ReadableStream, {
    t: options.t,
    rm: true,
    forcerm: true,
    ...(options.buildargs ? { buildargs: options.buildargs } : {}),
    ...(options.labels ? { labels: options.labels } : {}),
  });
  const output = await new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: Array<Record<string, unknown>>) => (err ? reject(err) : resolve(out)));
  });
  const log = output.map((o) => String(o.stream ?? '')).filter((s) => s.trim() !== '');
  const failure = output.find((o) => o.error !== undefined || o.errorDetail !== undefined);
  if (failure) {
    throw new Error(
      `build of ${options.t} failed: ${String(failure.error ?? JSON.stringify(failure.errorDetail))}\n${log.slice(-15).join('')}`,
    );
  }
  const imageId = (await docker.getImage(options.t).inspect()).Id;
  return { imageId, log };
}
