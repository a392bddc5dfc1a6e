// `turtle-sentinel check`: one evaluation of every rule against what is on disk and in Docker now,
// through the same core as the daemon, with no state kept. Exit code says healthy or firing.
import { configPaths } from '../config/load-config.ts';
import { readFile } from 'node:fs/promises';
import type { Config, Profile, Rule } from '../config/schema.ts';
import { duration } from '../config/duration.ts';
import { initialState, step, type CoreState } from '../core/step.ts';
import type { Event, Incident, Outcome, Verdict } from '../core/types.ts';
import { startLogTailer } from '../adapters/log-tail.ts';
import { createLineSelector } from '../adapters/log-scan.ts';
import { runNeedles } from '../core/runs.ts';
import { logNeedles } from '../core/rules/index.ts';
import { readJsonFile } from '../adapters/json-files.ts';
import { dockerObserverOptions, stepContextOf } from './sentinel.ts';
import type { Language } from '../core/messages.ts';
import { cliText, type WatchBasis } from '../core/cli-text.ts';
import { summaryIn, versionEvidenceIn, warningIn } from '../core/verdict-text.ts';
import { evidenceIn } from '../core/evidence-text.ts';
import { readStatus } from './status.ts';
import { formatInstant } from '../core/messages.ts';

export interface CheckResult {
  ok: true;
  firing: boolean;
  /** Enforced rules that could not judge (an `error` verdict, e.g. a crontab without job lines): never healthy. */
  unjudged: Verdict[];
  state: CoreState;
  verdicts: Verdict[];
  /**
   * Incidents the logs of the lookback opened and already closed again (a streak that recovered): the
   * daemon reports them, opened and resolved, marked late, when it reads the same lines together.
   */
  recovered: Incident[];
  /** Since when scheduled runs were judged, and why from then. */
  watch: { since: number; basis: WatchBasis };
}

export async function runCheck(options: {
  config: Config;
  baseDir: string;
  rules: Rule[];
  profiles: Record<string, Profile>;
  now: number;
  lookback: string;
}): Promise<CheckResult | { ok: false; errors: string[] }> {
  const lookback = duration.safeParse(options.lookback);
  if (!lookback.success) return { ok: false, errors: [`--lookback: ${lookback.error.issues[0]?.message ?? 'invalid'}`] };
  const { config, now } = options;
  const paths = configPaths(config, options.baseDir);
  const ctx = stepContextOf(config, options.rules, options.profiles);
  const events: Event[] = [];
  const at = () => now;

  // The crontab first, so that log lines are attributed to jobs as they are read.
  if (config.docker.enabled) {
    const { startDockerObserver } = await import('../adapters/docker-observer.ts');
    const keep = (e: Event) => config.deployment.crontab.fromContainer || e.kind !== 'crontab';
    // One look: the runner's output from now on would say nothing before the observer is closed.
    const observer = await startDockerObserver({
      ...dockerObserverOptions(config, at, (e) => keep(e) && events.push(e)),
      followRunnerLogs: false,
    });
    await observer.close();
  }
  const hasCrontab = events.some((e) => e.kind === 'crontab');
  if (!hasCrontab && paths.crontabFallback) {
    try {
      events.push({ kind: 'crontab', crontab: { text: await readFile(paths.crontabFallback, 'utf8'), source: 'file', observedAt: now } });
    } catch (err) {
      events.push({ kind: 'source-error', source: 'crontab-file', message: (err as Error).message, observedAt: now });
    }
  }
  // Scheduled runs are judged from when the sidecar began watching this crontab, as the daemon judges
  // them: a one-shot check has no watch of its own, so it takes the daemon's, and at most --lookback.
  const crontab = events.find((e): e is Extract<Event, { kind: 'crontab' }> => e.kind === 'crontab');
  const watch = watchedSince(options.config, options.baseDir, crontab?.crontab.text, now, now - lookback.data);
  let state: CoreState = { ...initialState(watch.since), now: watch.since };
  for (const e of events) {
    if (e.kind === 'crontab') e.crontab.observedAt = watch.since;
  }
  for (const e of events.filter((e) => e.kind === 'crontab')) state = step(state, e, ctx).state;
  for (const e of events.filter((e) => e.kind !== 'crontab')) state = step(state, e, ctx).state;

  const lineBatches: Event[] = [];
  const tailer = await startLogTailer({
    dir: paths.logsDir,
    cursors: {},
    now: at,
    select: createLineSelector(runNeedles(options.profiles, logNeedles(options.rules))),
    onBatch: async (batch) => {
      lineBatches.push({ kind: 'log-lines', lines: batch.lines });
    },
    onError: (message) => lineBatches.push({ kind: 'source-error', source: 'logs', message, observedAt: now }),
  });
  await tailer.poke();
  await tailer.close();
  const recovered: Incident[] = [];
  // Incidents are dated when seen; what happened within the lookback is told by their evidence.
  const withinLookback = (i: Incident) => i.evidence.some((e) => e.at === undefined || e.at >= now - lookback.data);
  for (const e of lineBatches) {
    const r = step(state, e, ctx);
    state = r.state;
    for (const effect of r.effects) {
      if (
        effect.kind === 'notify' &&
        effect.notice.kind === 'incident-resolved' &&
        effect.notice.late &&
        withinLookback(effect.notice.incident)
      )
        recovered.push(effect.notice.incident);
    }
  }

  for (const file of paths.stateFiles) {
    // The daemon's reader: same decoding, size cap, and a FIFO or directory in the file's place is an error.
    let read = await readJsonFile(file.which, file.path, at);
    if (!read.ok && read.unstable) read = await readJsonFile(file.which, file.path, at);
    if (read.ok) state = step(state, { kind: 'json-file', file: read.file }, ctx).state;
    else
      state = step(
        state,
        {
          kind: 'source-error',
          source: 'state-files',
          message: read.unstable ? `${file.path}: kept changing while read` : read.message,
          observedAt: now,
        },
        ctx,
      ).state;
  }
  state = step(state, { kind: 'tick', now }, ctx).state;
  const verdicts = Object.values(state.lastVerdicts).flat();
  const enforced = new Set(options.rules.filter((r) => r.mode === 'enforce').map((r) => r.id));
  const firing = verdicts.some((v) => v.outcome === 'fail' && enforced.has(v.ruleId));
  const unjudged = verdicts.filter((v) => v.outcome === 'error' && enforced.has(v.ruleId));
  return { ok: true, firing, unjudged, state, verdicts, recovered, watch };
}

/**
 * Since when scheduled runs can be judged. The daemon never judges a fire time from before it watched
 * (nothing was watching) or before it first saw the current crontab (the previous crontab's times are
 * not this one's). `check` shares that: it reads the daemon's checkpoint (read-only, as `status` does)
 * and judges from the same instant, at most `lookback` back. Without a daemon's state nothing was
 * watched, so like a daemon started now it judges nothing earlier than now: an old log of a deployment
 * nobody watched (the bundled example) is not a missed run, whatever today's date.
 */
export function watchedSince(
  config: Config,
  baseDir: string,
  crontabText: string | undefined,
  now: number,
  lookbackFrom: number,
): { since: number; basis: WatchBasis } {
  const status = readStatus(config, baseDir);
  if (!status.ok) return { since: now, basis: 'no-daemon' };
  const daemon = status.state;
  if (crontabText !== undefined && daemon.crontab !== undefined && daemon.crontab.text !== crontabText)
    return { since: now, basis: 'crontab-changed' };
  const daemonSince = Math.max(daemon.watchStartedAt, daemon.crontab !== undefined ? daemon.jobsSince : daemon.watchStartedAt);
  return daemonSince >= lookbackFrom ? { since: Math.min(daemonSince, now), basis: 'daemon' } : { since: lookbackFrom, basis: 'lookback' };
}

/** Verdicts for the operator, in the configured language; `--json` keeps the verdicts as data (English summaries). */
export function printCheck(result: CheckResult, json: boolean, write: (line: string) => void, lang: Language, timeZone = 'UTC'): void {
  const t = cliText(lang);
  if (json) {
    write(
      JSON.stringify(
        {
          firing: result.firing,
          unjudged: result.unjudged.length > 0,
          version: result.state.fingerprint,
          scheduleJudgedSince: { at: new Date(result.watch.since).toISOString(), basis: result.watch.basis },
          verdicts: result.verdicts,
          recovered: result.recovered,
        },
        null,
        2,
      ),
    );
    return;
  }
  write(t.version(result.state.fingerprint.version, versionEvidenceIn(lang, result.state.fingerprint).join('; ')));
  const jobs = result.state.jobs.map((j) => `${j.id} [${j.schedule}]`).join(', ');
  write(jobs ? t.jobs(jobs) : t.noJobs(result.state.crontab?.source));
  write(t.scheduleJudgedSince(result.watch.basis, formatInstant(result.watch.since, timeZone)));
  for (const v of result.verdicts) {
    if (v.outcome === 'pass' && v.warning === undefined) continue;
    const tag = t.checkTag[v.outcome === 'pass' ? 'warn' : v.outcome];
    write(
      `${tag.padEnd(t.checkTagWidth)} ${v.ruleId} ${v.cause}${v.label ? ` (${v.label})` : ''}: ${warningIn(lang, v) ?? summaryIn(lang, v)}`,
    );
    for (const e of v.evidence.slice(0, 5)) write(`    ${e.file ?? e.path ?? t.evidenceKind[e.kind]}: ${evidenceIn(lang, e)}`);
  }
  for (const i of result.recovered)
    write(
      `${t.checkRecovered.padEnd(t.checkTagWidth)} ${i.ruleId} ${i.cause}${i.label ? ` (${i.label})` : ''}: ${summaryIn(lang, i)} ${t.checkRecoveredNote}`,
    );
  const counts = result.verdicts.reduce<Partial<Record<Outcome, number>>>(
    (acc, v) => ({ ...acc, [v.outcome]: (acc[v.outcome] ?? 0) + 1 }),
    {},
  );
  write(
    t.checkTotal(
      result.firing ? 'firing' : result.unjudged.length > 0 ? 'unjudged' : 'healthy',
      Object.entries(counts) as [Outcome, number][],
    ),
  );
}
