// The rollback engine (runbook §1–§4, SPEC §5): plans an action from the inspected world, runs the
// approved plan step by step with every step journaled before and after, verifies against a baseline,
// restores the original containers when something fails, and finishes what a crash interrupted.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { buildPlan, describeOp, shortId, type Plan, type PlanAction, type PlanResult, type Strategy } from '../../core/plan.ts';
import type { ExecutionReport, ExecutionWords, PlanAnswer, StepTiming } from '../../core/types.ts';
import type { DockerPort } from '../../ports/docker.ts';
import type { GitPort } from '../../ports/git.ts';
import type { RollbackConfig } from '../../config/rollback-schema.ts';
import { gatherFacts } from './facts.ts';
import type { ReleaseContext } from '../../core/rollback-target.ts';
import { RollbackJournal, type Execution, type JournalObserver, type JournalRecord, type Outcome } from './journal.ts';
import { acquireLock, liveHolder, type LockOwner } from './lock.ts';
import { sha256Hex } from '../sha256.ts';
import { restoreOriginal } from './restore.ts';
import { planTargetImage, runStep, type RollbackDeployment, type RunContext, type StepEnv } from './steps.ts';
import { changesContainers, firstChange, replay, runOf, stepName, type ExecRun } from './execution.ts';

export type { RollbackDeployment } from './steps.ts';

export interface PlanOptions {
  strategy?: Strategy;
  /** Plan even for a target that failed verification before (an operator's explicit choice, CLI only). */
  force?: boolean;
}

export interface RollbackEngine {
  /** The exact plan for an action, as `rollback --dry-run` prints it; never changes anything. */
  plan(action: PlanAction, options?: PlanOptions): Promise<PlanAnswer>;
  /**
   * Run the plan whose id is planId (refused if the current plan differs: the world changed since
   * approval). Idempotent by incidentId; journals every step before and after; reports through `report`.
   */
  execute(
    incidentId: string,
    action: PlanAction,
    planId: string,
    report: (r: ExecutionReport) => void,
    options?: { force?: boolean },
  ): Promise<void>;
  /** At start-up: finish or roll back any execution a crash interrupted, and report how it ended. */
  recover(report: (incidentId: string, r: ExecutionReport) => void): Promise<void>;
}

export interface RollbackEngineDeps {
  docker: DockerPort;
  git?: GitPort;
  config: RollbackConfig;
  deployment: RollbackDeployment;
  /** The sidecar's state directory; the engine keeps `rollback/journal.jsonl` and `rollback/lock` in it. */
  stateDir: string;
  now: () => number;
  logger: Logger;
  /** Sees every journal record before it is written and once it is durable (metrics, fault injection). */
  onJournal?: JournalObserver;
  /**
   * The release catalogue and the running release at the time of planning (the daemon's World.release):
   * the rollback goes to the running release's predecessor and is blocked when that cannot load the
   * current state files. Absent: the runbook's configured commit and checks, as before the catalogue.
   */
  releaseContext?: () => ReleaseContext | undefined | Promise<ReleaseContext | undefined>;
}

export function createRollbackEngine(deps: RollbackEngineDeps): RollbackEngine {
  const dir = join(deps.stateDir, 'rollback');
  const journal = new RollbackJournal(dir, deps.onJournal);
  const lockPath = join(dir, 'lock');
  const env: StepEnv = {
    docker: deps.docker,
    ...(deps.git ? { git: deps.git } : {}),
    config: deps.config,
    deployment: deps.deployment,
    now: deps.now,
    logger: deps.logger,
  };
  const iso = (t: number): string => new Date(t).toISOString();

  async function facts(action: PlanAction, options: PlanOptions) {
    const releases = await deps.releaseContext?.();
    return gatherFacts(
      {
        docker: deps.docker,
        ...(deps.git ? { git: deps.git } : {}),
        config: deps.config,
        deployment: deps.deployment,
        failedTargets: journal.failedTargets(),
        ...(releases ? { releases } : {}),
      },
      action,
      options,
    );
  }

  async function makePlan(action: PlanAction, options: PlanOptions): Promise<PlanResult> {
    const gathered = await facts(action, options);
    if (!gathered.ok) return gathered;
    return buildPlan(gathered.facts, sha256Hex);
  }

  const append = (record: JournalRecord): void => journal.append(record);

  function close(run: ExecRun, outcome: Outcome, detail: string, extra: { targetImageId?: string; preExisting?: string[] } = {}): void {
    append({ t: 'outcome', execId: run.execId, incidentId: run.incidentId, action: run.action, outcome, detail, ...extra, at: deps.now() });
  }

  /** One step: journaled before and after, timed, logged and reported after. Exceptions are bugs, but never leave a step open. */
  async function step(run: ExecRun, index: number, say: (r: ExecutionReport) => void) {
    const op = run.ops[index]!;
    const began = deps.now();
    append({ t: 'begin', execId: run.execId, step: index, op: op.op, at: began });
    let result: Awaited<ReturnType<typeof runStep>>;
    try {
      result = await runStep(env, run, index);
    } catch (err) {
      deps.logger.error({ err, step: op.op }, 'rollback step threw');
      result = { ok: false, detail: `internal error in ${op.op}: ${err instanceof Error ? err.message : String(err)}` };
    }
    append({
      t: 'end',
      execId: run.execId,
      step: index,
      op: op.op,
      ok: result.ok,
      detail: result.detail,
      ...(result.ok && result.data ? { data: result.data } : {}),
      at: deps.now(),
    });
    if (result.ok) run.data[index] = result.data ?? {};
    const ms = Math.max(0, deps.now() - began);
    (run.timings ??= []).push({ name: stepName(op), ok: result.ok, ms });
    deps.logger.info(
      { incidentId: run.incidentId, action: run.action, step: stepName(op), ok: result.ok, ms, detail: result.detail },
      'rollback step',
    );
    say({ kind: 'step', name: stepName(op), ok: result.ok, detail: result.detail, ms });
    return result;
  }

  async function restore(run: ExecRun, why: string): Promise<{ ok: boolean; detail: string }> {
    append({ t: 'phase', execId: run.execId, phase: 'restore', note: why, at: deps.now() });
    let restored: { ok: boolean; detail: string };
    try {
      restored = await restoreOriginal(env, run);
    } catch (err) {
      restored = { ok: false, detail: `restoring the original containers failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    // An incomplete restore stays open: the next start-up (or execute of this incident) tries again.
    if (restored.ok) close(run, 'restored', `${why}; ${restored.detail}`);
    else append({ t: 'phase', execId: run.execId, phase: 'restore', note: `incomplete: ${restored.detail}`, at: deps.now() });
    return restored;
  }

  /**
   * Run the ops from `from` to the end. `resumed`: continuing after a restart (`started` was announced
   * before the crash, and the preflight gates were passed then).
   */
  async function forward(run: ExecRun, from: number, say: (r: ExecutionReport) => void, resumed: boolean): Promise<void> {
    const prefix = resumed ? 'after a restart: ' : '';
    // The reports that end an execution carry every step's duration (SPEC §5.5: a summary with step timings).
    const summary = (): { steps?: StepTiming[] } => (run.timings?.length ? { steps: [...run.timings] } : {});
    let started = resumed;
    let verifiedDetail: string | undefined;
    let verifiedWords: ExecutionWords | undefined;
    const verifyIndex = run.ops.findIndex((o) => o.op === 'verify');
    // Resuming after a verification that passed: say so again (the report may have been lost in the crash).
    let verifiedPreExisting: string[] | undefined =
      verifyIndex >= 0 && verifyIndex < from ? ((run.data[verifyIndex]?.preExisting as string[] | undefined) ?? []) : undefined;
    if (resumed && verifiedPreExisting !== undefined) {
      say({ kind: 'verified', ok: true, detail: `${prefix}verified before the restart`, preExisting: verifiedPreExisting });
    }
    for (let i = from; i < run.ops.length; i++) {
      const op = run.ops[i]!;
      if (!started && op.op !== 'preflight' && op.op !== 'build') {
        say({ kind: 'started', planId: run.planId });
        started = true;
      }
      if (op.op === 'verify') {
        const target = planTargetImage(run);
        say({
          kind: 'finished',
          ok: true,
          detail: `${prefix}the containers run ${target ? `image ${shortId(target)}` : 'the target image'}; verifying`,
          ...(target ? { targetImageId: target } : {}),
          words: { key: 'running-target', ...(target ? { image: shortId(target) } : {}), afterRestart: resumed },
        });
      }
      const result = await step(run, i, say);
      if (result.ok) {
        if (op.op === 'verify') {
          verifiedPreExisting = (result.data?.preExisting as string[] | undefined) ?? [];
          // Said once the clean-up after it has run too, so that the summary has every step.
          verifiedDetail = `${prefix}${result.detail}`;
          const checks = (result.data?.checks as { ok: boolean }[] | undefined) ?? [];
          verifiedWords = { key: 'checks-pass', passed: checks.filter((c) => c.ok).length, total: checks.length, afterRestart: resumed };
        }
        continue;
      }
      if (verifiedPreExisting !== undefined) {
        // Verification passed: a failure to clean up after it (the old containers) changes nothing that runs.
        close(run, 'verified', `${prefix}verified; ${describeOp(op)} failed: ${result.detail}`, {
          ...targetOf(run),
          preExisting: verifiedPreExisting,
        });
        if (verifiedDetail !== undefined)
          say({
            kind: 'verified',
            ok: true,
            detail: verifiedDetail,
            preExisting: verifiedPreExisting,
            ...summary(),
            ...(verifiedWords ? { words: verifiedWords } : {}),
          });
        return;
      }
      if (result.stop === 'defer') {
        close(run, 'not-started', result.detail);
        say({
          kind: 'deferred',
          reason: result.detail,
          retryAt: deps.now() + deps.config.deferRetry,
          ...(result.why?.key === 'job-running' ? { words: { ...result.why, afterRestart: resumed } } : {}),
        });
        return;
      }
      const changed = run.ops.slice(0, i + 1).some(changesContainers) && !(result.stop === 'refuse' && firstChange(run.ops) === i);
      if (!changed) {
        close(run, 'not-started', result.detail);
        say({ kind: 'refused', reason: `${prefix}${result.detail}; nothing was changed` });
        return;
      }
      if (op.op === 'verify' || op.op === 'release-check') {
        // Either way the target is not what it should be: an automatic plan does not pick it again.
        if (run.target !== undefined) {
          append({
            t: 'failed-target',
            execId: run.execId,
            target: run.target,
            detail: `${iso(deps.now())}: ${result.detail}`,
            at: deps.now(),
          });
        }
        const restored = await restore(run, `verification failed: ${result.detail}`);
        const image = planTargetImage(run);
        say({
          kind: 'verified',
          ok: false,
          detail: `${prefix}verification failed: ${result.detail}; ${restored.detail}`,
          preExisting: [],
          ...summary(),
          ...(result.why?.key === 'not-target-release'
            ? {
                words: {
                  ...result.why,
                  ...(image ? { image: shortId(image) } : {}),
                  restored: restored.ok,
                  ...(restored.ok ? {} : { restoreDetail: restored.detail }),
                  afterRestart: resumed,
                },
              }
            : {}),
        });
        return;
      }
      if (run.action !== 'rollback') {
        close(run, 'failed', result.detail);
        say({ kind: 'finished', ok: false, detail: `${prefix}${describeOp(op)}: ${result.detail}`, ...summary() });
        return;
      }
      const restored = await restore(run, `${describeOp(op)} failed: ${result.detail}`);
      say({ kind: 'finished', ok: false, detail: `${prefix}${stepName(op)} failed: ${result.detail}; ${restored.detail}`, ...summary() });
      return;
    }
    if (run.action === 'rollback') {
      close(run, 'verified', `${prefix}rolled back and verified`, { ...targetOf(run), preExisting: verifiedPreExisting ?? [] });
      if (verifiedDetail !== undefined)
        say({
          kind: 'verified',
          ok: true,
          detail: verifiedDetail,
          preExisting: verifiedPreExisting ?? [],
          ...summary(),
          ...(verifiedWords ? { words: verifiedWords } : {}),
        });
    } else {
      const last = run.ops.at(-1)!;
      close(run, 'done', `${prefix}${describeOp(last)}`);
      say({
        kind: 'finished',
        ok: true,
        detail: `${prefix}${run.action === 'halt' ? `${deps.deployment.cronContainer} stopped` : `${deps.deployment.cronContainer} started`}`,
        ...summary(),
      });
    }
  }

  function targetOf(run: RunContext): { targetImageId?: string } {
    const t = planTargetImage(run);
    return t ? { targetImageId: t } : {};
  }

  /** Finish an execution a crash interrupted: forward when that is safe, else restore the original. */
  async function recoverExecution(execution: Execution, say: (r: ExecutionReport) => void): Promise<void> {
    const run = runOf(execution);
    const records = execution.records;
    const attempts = records.filter((r) => r.t === 'phase' && r.phase === 'recovery').length;
    append({ t: 'phase', execId: run.execId, phase: 'recovery', note: `attempt ${attempts + 1}`, at: deps.now() });
    const begun = new Set(records.flatMap((r) => (r.t === 'begin' ? [r.step] : [])));
    const done = new Set(records.flatMap((r) => (r.t === 'end' && r.ok ? [r.step] : [])));
    const change = firstChange(run.ops);
    const changedAnything = change >= 0 && [...begun].some((s) => s >= change);
    const next = run.ops.findIndex((_, i) => !done.has(i));
    const verifyAt = run.ops.findIndex((o) => o.op === 'verify');
    const verifiedBefore = verifyAt >= 0 && done.has(verifyAt);

    deps.logger.warn(
      { incidentId: run.incidentId, action: run.action, next: next >= 0 ? run.ops[next]!.op : 'end' },
      'recovering an interrupted execution',
    );
    if (!changedAnything) {
      close(run, 'not-started', 'interrupted by a restart before anything was changed');
      say({ kind: 'refused', reason: `the ${run.action} was interrupted by a restart before anything was changed; nothing was changed` });
      return;
    }
    if (run.action !== 'rollback') {
      await forward(run, next < 0 ? run.ops.length : Math.max(next, change), say, true);
      return;
    }
    const restoring = records.some((r) => r.t === 'phase' && r.phase === 'restore');
    if (verifiedBefore) {
      await forward(run, next < 0 ? run.ops.length : next, say, true);
      return;
    }
    if (restoring || attempts > 0) {
      // A restore was under way, or rolling forward was already tried once and did not finish.
      const restored = await restore(run, restoring ? 'a restore was interrupted by a restart' : 'a recovery was interrupted by a restart');
      say({ kind: 'finished', ok: false, detail: `after a restart: the rollback was not completed; ${restored.detail}` });
      return;
    }
    await forward(run, next < 0 ? run.ops.length : next, say, true);
  }

  const safe =
    (report: (r: ExecutionReport) => void) =>
    (r: ExecutionReport): void => {
      try {
        report(r);
      } catch (err) {
        deps.logger.error({ err }, 'execution report handler threw');
      }
    };
  const holderText = (h: LockOwner): string => `incident ${h.incidentId} (${h.action}, process ${h.pid}, since ${iso(h.at)})`;

  return {
    async plan(action, options = {}) {
      try {
        const r = await makePlan(action, options);
        return r.ok ? { ok: true, plan: r.plan.preview } : r;
      } catch (err) {
        deps.logger.error({ err }, 'planning threw');
        return { ok: false, reason: `internal error while planning: ${err instanceof Error ? err.message : String(err)}` };
      }
    },

    async execute(incidentId, action, planId, report, options = {}) {
      const say = safe(report);
      const past = journal.latest(incidentId, action);
      // Done is done; only an execution that changed nothing (deferred, refused) or a failed halt/resume
      // (stopping or starting again is harmless) may run again for the same incident.
      if (past?.outcome && past.outcome.outcome !== 'not-started' && past.outcome.outcome !== 'failed') {
        replay(past, say);
        return;
      }
      const lock = acquireLock(lockPath, { incidentId, action, at: deps.now() });
      if (!lock.ok) {
        say({ kind: 'refused', reason: `another execution is in flight: ${holderText(lock.holder)}; nothing was changed` });
        return;
      }
      try {
        if (past && !past.outcome) {
          // This incident's earlier execution was interrupted and not yet recovered: finish that one.
          await recoverExecution(past, say);
          return;
        }
        // The approved plan may have been made for either strategy (the operator can choose one): the
        // facts are read once and each strategy's plan built from them (building is pure and cheap).
        const gathered = await facts(action, { force: options.force ?? false });
        let first: Awaited<ReturnType<typeof makePlan>> | undefined;
        let plan: Plan | undefined;
        if (!gathered.ok) first = gathered;
        else {
          const candidates: ('auto' | Strategy)[] =
            action === 'rollback' ? [gathered.facts.strategy, 'image-tag', 'git'] : [gathered.facts.strategy];
          for (const strategy of candidates) {
            const r = buildPlan({ ...gathered.facts, strategy }, sha256Hex);
            first ??= r;
            if (r.ok && r.plan.id === planId) {
              plan = r.plan;
              break;
            }
          }
        }
        if (!plan) {
          say({
            kind: 'refused',
            reason:
              first && !first.ok
                ? `${first.reason}; nothing was changed`
                : `the plan changed since it was approved (approved ${planId}, now ${first && first.ok ? first.plan.id : '?'}): the deployment changed; nothing was changed`,
          });
          return;
        }
        const execId = `${incidentId}/${action}/${deps.now()}`;
        append({
          t: 'exec',
          execId,
          incidentId,
          action,
          planId,
          ...(plan.strategy ? { strategy: plan.strategy } : {}),
          ...(plan.target ? { target: plan.target } : {}),
          ops: plan.ops,
          pid: process.pid,
          at: deps.now(),
        });
        await forward(
          { execId, ops: plan.ops, data: {}, incidentId, action, planId, ...(plan.target ? { target: plan.target } : {}) },
          0,
          say,
          false,
        );
      } catch (err) {
        deps.logger.error({ err }, 'execution threw');
        say({
          kind: 'finished',
          ok: false,
          detail: `internal error: ${err instanceof Error ? err.message : String(err)}; the journal keeps the state for recovery at the next start`,
        });
      } finally {
        lock.release();
      }
    },

    async recover(report) {
      for (const execution of journal.open()) {
        const holder = liveHolder(lockPath);
        if (holder) {
          deps.logger.info({ holder }, 'an execution is in flight in another process; not recovering it');
          return;
        }
        const lock = acquireLock(lockPath, {
          incidentId: execution.exec.incidentId,
          action: `recover ${execution.exec.action}`,
          at: deps.now(),
        });
        if (!lock.ok) return;
        try {
          await recoverExecution(
            execution,
            safe((r) => report(execution.exec.incidentId, r)),
          );
        } catch (err) {
          deps.logger.error({ err }, 'recovery threw');
          safe((r) => report(execution.exec.incidentId, r))({
            kind: 'finished',
            ok: false,
            detail: `recovery failed with an internal error: ${err instanceof Error ? err.message : String(err)}`,
          });
        } finally {
          lock.release();
        }
      }
    },
  };
}
