// `turtle-sentinel status`: the running sidecar's picture, read from its last checkpoint (read-only:
// it never opens the journal for writing, so it is safe next to a running daemon).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { CoreState } from '../core/step.ts';
import { isOpen } from '../core/incident.ts';
import { formatInstant } from '../core/messages.ts';
import { nextFire } from '../core/schedule.ts';
import { configPaths } from '../config/load-config.ts';
import { readRestartRequired } from './reload.ts';
import { restartRequiredText } from '../core/reload-text.ts';
import { cliText, type DaemonLiveness } from '../core/cli-text.ts';
import { summaryIn } from '../core/verdict-text.ts';
import { statusText } from '../core/text/catalogue.ts';

/** `restartRequired`: config keys the daemon reloaded but does not apply until it is restarted. */
export type StatusResult = { ok: true; state: CoreState; savedAt: number; restartRequired?: string[] } | { ok: false; error: string };

export function readStatus(config: Config, baseDir: string): StatusResult {
  const path = join(configPaths(config, baseDir).stateDir, 'checkpoint.json');
  try {
    const checkpoint = JSON.parse(readFileSync(path, 'utf8')) as { core: CoreState; savedAt: number };
    return {
      ok: true,
      state: checkpoint.core,
      savedAt: checkpoint.savedAt,
      restartRequired: readRestartRequired(configPaths(config, baseDir).stateDir),
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, error: code === 'ENOENT' ? cliText(config.telegram.language).noState(path) : `${path}: ${(err as Error).message}` };
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
    daemon: {
      ...liveness,
      startedAt: 'startedAt' in liveness && liveness.startedAt !== undefined ? formatInstant(liveness.startedAt, tz) : null,
    },
    savedAt: formatInstant(status.savedAt, tz),
    version: s.fingerprint,
    // What Telegram's /status says too: whether the sidecar may act on its own, and what it is doing now.
    automaticActions: { armed: s.safety.armed, executing: s.safety.inFlight ?? null },
    jobs,
    containers: Object.values(s.containers).map((c) => ({
      name: c.current.name,
      status: c.current.status,
      imageId: c.current.imageId ?? null,
      restarts: c.restarts.length,
    })),
    openIncidents: open.map((i) => ({
      id: i.id,
      rule: i.ruleId,
      cause: i.cause,
      phase: i.phase,
      since: formatInstant(i.openedAt, tz),
      summary: i.summary,
    })),
    restartRequired: status.restartRequired ?? [],
  };
  if (json) {
    write(JSON.stringify(view, null, 2));
    return;
  }
  const lang = config.telegram.language;
  const t = cliText(lang);
  write(t.daemon(liveness, formatInstant(liveness.startedAt ?? 0, tz)));
  write(t.stateSaved(view.savedAt, s.fingerprint.version));
  const restart = restartRequiredText(lang, view.restartRequired);
  if (restart) write(restart);
  const w = statusText(lang);
  write(`${w.armed}: ${s.safety.armed ? w.armedYes : w.armedNo}`);
  if (s.safety.inFlight !== undefined) write(`${w.inFlight}: ${s.safety.inFlight}`);
  for (const j of view.jobs) {
    write(
      t.statusJob(
        j.id,
        j.schedule,
        j.lastRun ? `${j.lastRun.startedAt} ${t.runEnd[j.lastRun.end]}${j.lastRun.failed ? t.traceback : ''}` : undefined,
        j.nextExpected ?? undefined,
      ),
    );
  }
  for (const c of view.containers) write(t.statusContainer(c.name, c.status, c.imageId ?? '', c.restarts));
  if (view.openIncidents.length === 0) write(t.noOpenIncidents);
  for (const [n, i] of view.openIncidents.entries())
    write(t.statusIncident(i.id, i.phase, i.rule, i.cause, i.since, summaryIn(lang, open[n]!)));
}
