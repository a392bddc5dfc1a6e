// `turtle-sentinel status`: the running sidecar's picture, read from its last checkpoint (read-only:
// it never opens the journal for writing, so it is safe next to a running daemon).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { CoreState } from '../core/step.ts';
import { isOpen } from '../core/incident.ts';
import { formatInstant } from '../core/messages.ts';
import { nextFire } from '../core/schedule.ts';
import { deploymentPaths } from './sentinel.ts';
import type { DaemonLiveness } from '../adapters/daemon-pid.ts';
import { cliText } from './cli-text.ts';

export type StatusResult = { ok: true; state: CoreState; savedAt: number } | { ok: false; error: string };

export function readStatus(config: Config, baseDir: string): StatusResult {
  const path = join(deploymentPaths(config, baseDir).stateDir, 'checkpoint.json');
  try {
    const checkpoint = JSON.parse(readFileSync(path, 'utf8')) as { core: CoreState; savedAt: number };
    return { ok: true, state: checkpoint.core, savedAt: checkpoint.savedAt };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, error: code === 'ENOENT' ? `${path}: no state yet (has \`turtle-sentinel run\` been started with this config?)` : `${path}: ${(err as Error).message}` };
  }
}

export function printStatus(
  status: Extract<StatusResult, { ok: true }>,
  config: Config,
  json: boolean,
  write: (line: string) => void,
  liveness: DaemonLiveness = { state: 'not-running', reason: 'never-started-or-stopped' },
): void {
  const s = status.state;
  const tz = config.deployment.timezone;
  const jobs = s.jobs.map((job) => {
    const runs = s.finishedRuns[job.id] ?? [];
    const last = runs[runs.length - 1];
    const next = nextFire(job, s.now);
    return {
      id: job.id,
      schedule: job.schedule,
      lastRun: last ? { startedAt: formatInstant(last.startedAt, tz), end: last.end, failed: last.tracebacks.length > 0 } : null,
      nextExpected: next !== undefined ? formatInstant(next, tz) : null,
    };
  });
  const open = s.incidents.incidents.filter(isOpen);
  const view = {
    daemon: { ...liveness, startedAt: 'startedAt' in liveness && liveness.startedAt !== undefined ? formatInstant(liveness.startedAt, tz) : null },
    savedAt: formatInstant(status.savedAt, tz),
    version: s.fingerprint,
    jobs,
    containers: Object.values(s.containers).map((c) => ({ name: c.current.name, status: c.current.status, imageId: c.current.imageId ?? null, restarts: c.restarts.length })),
    openIncidents: open.map((i) => ({ id: i.id, rule: i.ruleId, cause: i.cause, phase: i.phase, since: formatInstant(i.openedAt, tz), summary: i.summary })),
  };
  if (json) {
    write(JSON.stringify(view, null, 2));
    return;
  }
  write(cliText.daemon(liveness, (at) => formatInstant(at, tz)));
  write(`state saved ${view.savedAt}; version ${s.fingerprint.version}`);
  for (const j of view.jobs) {
    write(`job ${j.id} [${j.schedule}] last: ${j.lastRun ? `${j.lastRun.startedAt} ${j.lastRun.end}${j.lastRun.failed ? ' (traceback)' : ''}` : 'none'}; next: ${j.nextExpected ?? '-'}`);
  }
  for (const c of view.containers) write(`container ${c.name}: ${c.status} ${c.imageId ?? ''} restarts seen: ${c.restarts}`);
  if (view.openIncidents.length === 0) write('no open incidents');
  for (const i of view.openIncidents) write(`incident ${i.id} ${i.phase} ${i.rule} ${i.cause} since ${i.since}: ${i.summary}`);
}
