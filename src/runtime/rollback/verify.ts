// Runbook §4, relative to a baseline: the same checks are taken before acting and after, so a check
// that already failed before (the dashboard crash-loops at both versions) is reported as pre-existing,
// not as a failure of the rollback. Checks that the rollback exists to change must pass regardless.
import { readFile } from 'node:fs/promises';
import { parseCrontab } from '../../core/crontab.ts';
import type { VerifySpec } from '../../core/plan.ts';
import type { DockerPort } from '../../ports/docker.ts';
import { shortId } from '../../core/plan.ts';
import { jobProcesses } from '../../core/job-processes.ts';
import { sleep } from '../../adapters/retry.ts';
import { sha256Hex } from '../sha256.ts';
import { inspectCron } from '../cron-inspection.ts';

export interface Check {
  id: string;
  ok: boolean;
  detail: string;
  /** A check the rollback need not fix: when it failed in the baseline too, it is pre-existing. */
  mayPreExist: boolean;
}

export interface CheckContext {
  docker: DockerPort;
  containers: string[];
  cronContainer: string;
  crontabCommand: string[];
  spec: VerifySpec;
  positionsPath: string;
  now: () => number;
  /** A recreated container must be up this long without a restart. */
  settleMs: number;
  /** In the baseline, a container that restarted counts as running once up this long. */
  stableMs: number;
}

export interface Expectation {
  /** `baseline`: before acting; `after`: right after recreating; `current`: any time later (CLI verify). */
  mode: 'baseline' | 'after' | 'current';
  /** Image every container must run (after). */
  imageId?: string;
  /** SHA-256 positions.json must have (after): its backup's; null when there was no file to back up. */
  positionsSha256?: string | null;
}

export async function takeChecks(ctx: CheckContext, expect: Expectation): Promise<Check[]> {
  // All read-only and independent: taken concurrently, so a container's settle wait overlaps the rest.
  const [crontab, files, positions, containers] = await Promise.all([
    crontabCheck(ctx),
    Promise.all(
      ctx.spec.files.map(async (path): Promise<Check> => {
        const r = await ctx.docker.pathExists(ctx.cronContainer, path);
        return {
          id: `file:${path}`,
          ok: r.ok && r.value,
          detail: r.ok ? `${path} ${r.value ? 'present' : 'absent'} in ${ctx.cronContainer}` : r.error.message,
          mayPreExist: false,
        };
      }),
    ),
    positionsChecks(ctx, expect),
    Promise.all(ctx.containers.map((name) => containerChecks(ctx, name, expect))),
  ]);
  return [crontab, ...files, ...positions, ...containers.flat()];
}

async function containerChecks(ctx: CheckContext, name: string, expect: Expectation): Promise<Check[]> {
  for (let attempt = 0; ; attempt++) {
    const r = await ctx.docker.inspectContainer(name);
    if (!r.ok) {
      return [{ id: `running:${name}`, ok: false, detail: r.error.message, mayPreExist: true }];
    }
    const doc = r.value;
    const out: Check[] = [];
    if (expect.mode !== 'baseline' && expect.imageId !== undefined) {
      out.push({
        id: `image:${name}`,
        ok: doc.Image === expect.imageId,
        detail: `${name} runs image ${shortId(doc.Image)}${doc.Image === expect.imageId ? '' : `, expected ${shortId(expect.imageId)}`}`,
        mayPreExist: false,
      });
    }
    const state = doc.State ?? {};
    const restarts = doc.RestartCount ?? 0;
    const started = Date.parse(state.StartedAt ?? '');
    const age = Number.isFinite(started) ? ctx.now() - started : 0;
    const up = state.Running === true && state.Restarting !== true && state.Status === 'running';
    let running: Check;
    if (!up) {
      running = {
        id: `running:${name}`,
        ok: false,
        detail: `${name} is ${state.Status ?? 'unknown'}${restarts ? ` (restarted ${restarts}×)` : ''}${state.ExitCode ? `, last exit code ${state.ExitCode}` : ''}`,
        mayPreExist: true,
      };
    } else if (expect.mode === 'after') {
      if (restarts > 0) {
        running = { id: `running:${name}`, ok: false, detail: `${name} restarted ${restarts}× since it was created`, mayPreExist: true };
      } else if (age < ctx.settleMs && attempt < 2) {
        // Freshly started: a container that crashes at once looks "running" for a few milliseconds.
        await sleep(ctx.settleMs - age + 10);
        continue;
      } else {
        running = {
          id: `running:${name}`,
          ok: true,
          detail: `${name} running for ${Math.round(age)} ms without a restart`,
          mayPreExist: true,
        };
      }
    } else if (restarts > 0 && age < ctx.stableMs) {
      running = {
        id: `running:${name}`,
        ok: false,
        detail: `${name} restarted ${restarts}× and is up only ${Math.round(age)} ms (crash loop?)`,
        mayPreExist: true,
      };
    } else {
      running = { id: `running:${name}`, ok: true, detail: `${name} running`, mayPreExist: true };
    }
    out.push(running);
    return out;
  }
}

async function crontabCheck(ctx: CheckContext): Promise<Check> {
  const id = 'crontab';
  // The same source chain recognition uses: `crontab -l` (Debian cron), else the file the container's
  // command names (`supercronic /app/crontab`, v3.4+, which has no `crontab`). Never a host file: the
  // check is about what the recreated container will run.
  const r = await inspectCron(ctx.docker, { container: ctx.cronContainer, paths: [], crontabCommand: ctx.crontabCommand });
  if (!r.ok) return { id, ok: false, detail: `cannot read the crontab of ${ctx.cronContainer}: ${r.error.message}`, mayPreExist: false };
  const source = r.value.crontab;
  if (!source || source.kind === 'configured-file') {
    const why = r.value.problems.filter((p) => !p.startsWith('no fallback crontab file')).join('; ');
    return { id, ok: false, detail: `cannot read the crontab of ${ctx.cronContainer}: ${why || 'no source'}`, mayPreExist: false };
  }
  const from = source.kind === 'command-file' ? ` (${source.path})` : '';
  const jobs = parseCrontab(source.text, { defaultTimezone: 'UTC', containerLogsDir: '/' }).jobs;
  const counts = new Map<string, number>();
  for (const j of jobs) if (j.script) counts.set(j.script, (counts.get(j.script) ?? 0) + 1);
  const runs = [...counts.entries()].map(([s, n]) => `${s} ×${n}`).join(', ') || 'no scripts';
  const missing = ctx.spec.crontabRuns.filter((s) => !counts.has(s));
  const unwanted = ctx.spec.crontabDoesNotRun.filter((s) => counts.has(s));
  const problems = [
    missing.length ? `missing ${missing.join(', ')}` : '',
    unwanted.length ? `still runs ${unwanted.join(', ')}` : '',
  ].filter((p) => p !== '');
  return {
    id,
    ok: problems.length === 0,
    detail: `crontab of ${ctx.cronContainer}${from} runs ${runs}${problems.length ? ` (${problems.join('; ')})` : ''}`,
    mayPreExist: false,
  };
}

async function positionsChecks(ctx: CheckContext, expect: Expectation): Promise<Check[]> {
  let bytes: Buffer | undefined;
  try {
    bytes = await readFile(ctx.positionsPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      return [{ id: 'positions', ok: false, detail: `cannot read positions.json: ${(err as Error).message}`, mayPreExist: false }];
    }
  }
  const out: Check[] = [];
  if (expect.mode !== 'baseline' && expect.positionsSha256 !== undefined) {
    const now = bytes === undefined ? null : sha256Hex(bytes);
    const same = now === expect.positionsSha256;
    out.push({
      id: 'positions-unchanged',
      ok: same,
      detail: same
        ? `positions.json ${now === null ? 'absent, as before' : `byte-identical to its backup (sha256 ${now.slice(0, 12)})`}`
        : `positions.json changed: sha256 ${now?.slice(0, 12) ?? 'absent'}, backup ${expect.positionsSha256?.slice(0, 12) ?? 'absent'}`,
      mayPreExist: false,
    });
  }
  if (bytes !== undefined) {
    let parsed: unknown;
    let error: string | undefined;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      error = (err as Error).message;
    }
    const ok = error === undefined && Array.isArray(parsed);
    out.push({
      id: 'positions-parse',
      ok,
      detail: ok
        ? `positions.json parses: ${(parsed as unknown[]).length} records`
        : `positions.json ${error ? `does not parse: ${error}` : 'is not a list'}`,
      mayPreExist: true,
    });
  }
  return out;
}

export interface Judgement {
  ok: boolean;
  failures: Check[];
  preExisting: Check[];
}

/** After-checks against the baseline: failures that also failed before are pre-existing. */
export function judge(after: Check[], baseline: Check[]): Judgement {
  const failedBefore = new Set(baseline.filter((c) => !c.ok).map((c) => c.id));
  const failed = after.filter((c) => !c.ok);
  const preExisting = failed.filter((c) => c.mayPreExist && failedBefore.has(c.id));
  const failures = failed.filter((c) => !preExisting.includes(c));
  return { ok: failures.length === 0, failures, preExisting };
}

/** Job processes running in the cron container now (the crontab tells which commands are jobs). */
export async function runningJobs(
  docker: DockerPort,
  cronContainer: string,
  crontabCommand: string[],
): Promise<{ ok: true; jobs: string[] } | { ok: false; error: string }> {
  const processes = await docker.processes(cronContainer);
  if (!processes.ok) return { ok: false, error: processes.error.message };
  if (processes.value.length === 0) return { ok: true, jobs: [] };
  const crontab = await docker.exec(cronContainer, crontabCommand);
  const text = crontab.ok && crontab.value.exitCode === 0 ? crontab.value.stdout : undefined;
  return { ok: true, jobs: jobProcesses(processes.value, text, crontabCommand) };
}
