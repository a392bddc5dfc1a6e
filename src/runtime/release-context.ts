// The releases a rollback plan is judged against (SPEC §3.4): the catalogue and the running release.
// The daemon knows the running release from its core state; a one-shot CLI command (`rollback`,
// `halt`) has no daemon state, so it looks into the cron container itself, as the daemon would.
import type { Config } from '../config/schema.ts';
import type { ConfigPaths } from '../config/load-config.ts';
import { loadCatalogue } from '../config/load-catalogue.ts';
import type { DockerPort } from '../ports/docker.ts';
import { recognitionPaths, recogniseRelease, releaseInForce } from '../core/release-recognition.ts';
import type { ReleaseContext } from '../core/rollback-target.ts';
import type { CoreState, StepContext } from '../core/step.ts';
import { worldRelease } from '../core/step-release.ts';
import { inspectCron } from './cron-inspection.ts';

/** The daemon's view: the catalogue of its context and the release in force in its state. */
export function releaseContextOfLoop(state: CoreState, ctx: StepContext): ReleaseContext | undefined {
  if (!ctx.catalogue || ctx.catalogue.length === 0) return undefined;
  const running = worldRelease(state, ctx)?.release;
  return { catalogue: ctx.catalogue, ...(running ? { running } : {}) };
}

/**
 * A CLI command's view: with `deployment.catalogue` set, recognise the running release from the cron
 * container now. Without a catalogue, undefined (the runbook's configured target, as before it). A
 * catalogue that does not load is an error: planning a rollback without it could pick the wrong target.
 */
export async function recogniseForCommand(config: Config, paths: ConfigPaths, docker: DockerPort): Promise<ReleaseContext | undefined> {
  if (!paths.catalogue) return undefined;
  const loaded = await loadCatalogue(paths.catalogue);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const catalogue = loaded.catalogue.releases;
  const inspected = await inspectCron(docker, {
    container: config.deployment.cronContainer,
    paths: recognitionPaths(catalogue),
    crontabCommand: config.deployment.crontab.command,
  });
  const recognised = inspected.ok ? recogniseRelease(inspected.value, catalogue) : undefined;
  const operator = config.deployment.release ? { pinned: config.deployment.release } : {};
  const running = releaseInForce(recognised, catalogue, operator).inForce?.release;
  return { catalogue, ...(running ? { running } : {}) };
}
