// Evaluating every rule on the state at hand and taking the decisions that follow: incidents opened,
// joined, recovered, and what time decides. Also the World the rules see of a core state.
import type { Rule } from '../config/schema.ts';
import { closeOrphanedIncidents, isOpen, reconcileIncidents } from './incident.ts';
import { decisionBuilder, type JobRunning } from './decision-builder.ts';
import { onOpened, onTick } from './decision.ts';
import { onPersistingFault, onRecovered } from './decision-execution.ts';
import { evaluateRule, nextChange } from './rules/index.ts';
import { note } from './evidence-text.ts';
import { listOpenRuns } from './runs.ts';
import { openRunKey, processVisibility } from './run-fate.ts';
import type { Effect, Incident, Instant, Run, Verdict } from './types.ts';
import type { World } from './world.ts';
import type { CoreState, StepContext, StepResult } from './step.ts';
import { profilesInForce, rulesUnderRelease, worldRelease } from './step-release.ts';
import { mergeRunnerWitness } from './step-runner-lines.ts';

/** Re-evaluate without a new observation (after a rules reload, or for `check`). */
export function evaluateAll(state: CoreState, ctx: StepContext, openedBefore: readonly string[] = []): StepResult {
  const world = worldOf(state, ctx);
  const verdictsByRule = new Map<string, Verdict[]>();
  for (const rule of ctx.rules) {
    if (rule.mode === 'off') continue;
    verdictsByRule.set(rule.id, evaluateRule(rule, world, state.now));
  }
  keepIncidentsAcrossRuleEdits(state.incidents.incidents, ctx.rules, verdictsByRule, world, state.now);
  const orphansClosed = closeOrphanedIncidents(state.incidents, ctx.rules, state.now);
  // Until the release is settled, release-dependent rules say what they would have done and never act.
  const acting = rulesUnderRelease(ctx.rules, world.release, ctx);
  const reconciled = reconcileIncidents(orphansClosed.state, acting, verdictsByRule, state.now, state.safety.silenced);
  const b = decisionBuilder(
    { incidents: reconciled.state.incidents, safety: state.safety, jobRunning: jobRunning(state) },
    state.now,
    ctx.policy,
  );
  // Incidents opened at a run boundary earlier in the same read (stepLogLines) get their decision here,
  // once, and only if they are still open after the whole read.
  for (const id of [...openedBefore, ...reconciled.opened]) {
    const incident = b.find(id);
    if (incident && (!openedBefore.includes(id) || incident.phase === 'detected'))
      onOpened(
        b,
        incident,
        ctx.rules.find((r) => r.id === incident.ruleId),
        ctx.rules,
      );
  }
  for (const id of reconciled.joined) {
    const incident = b.find(id);
    if (incident?.phase === 'verified') onPersistingFault(b, incident);
  }
  for (const incident of b.incidents) {
    if (
      incident.phase === 'verified' &&
      incident.verifiedAt !== undefined &&
      recoveredSince(world, incident.verifiedAt, verdictsByRule, incident)
    )
      onRecovered(b, incident);
  }
  onTick(b, ctx.rules);
  const decided = b.result();
  // An opening notice shows the incident as decided in this same step (e.g. joined to the decision
  // another incident holds for the same action), not as reconcile first made it.
  const openedNow = (e: Effect): Effect =>
    e.kind === 'notify' && e.notice.kind === 'incident-opened'
      ? { ...e, notice: { ...e.notice, incident: { ...(b.find(e.notice.incident.id) ?? e.notice.incident) } } }
      : e;
  return {
    state: {
      ...state,
      incidents: { ...reconciled.state, incidents: decided.incidents },
      safety: decided.safety,
      lastVerdicts: Object.fromEntries(verdictsByRule),
    },
    effects: [...orphansClosed.effects, ...reconciled.effects.map(openedNow), ...decided.effects],
    journal: [...orphansClosed.journal, ...reconciled.journal, ...decided.journal],
  };
}

/**
 * Editing a rule's parameters does not close its incidents (SPEC §4); its cause recovering does. An
 * incident that fired under an earlier version of its rule and passes under the edited one is judged
 * again under the version it fired under: if that still fails, the pass is the edit's doing, and the
 * earlier version's failing verdict stands for this cause (the incident stays, and an edit restored
 * later joins it instead of opening a new one).
 */
export function keepIncidentsAcrossRuleEdits(
  incidents: Incident[],
  rules: Rule[],
  verdictsByRule: Map<string, Verdict[]>,
  world: World,
  now: Instant,
): void {
  const underEarlier = new Map<string, Verdict[]>();
  for (const incident of incidents) {
    if (!incident.firedUnder || (!isOpen(incident) && incident.holdsCause !== true)) continue;
    const current = rules.find((r) => r.id === incident.ruleId);
    const verdicts = verdictsByRule.get(incident.ruleId);
    if (!current || !verdicts || current.mode !== 'enforce' || JSON.stringify(current) === JSON.stringify(incident.firedUnder)) continue;
    const index = verdicts.findIndex((v) => v.cause === incident.cause);
    if (index >= 0 && verdicts[index]!.outcome !== 'pass') continue;
    const key = JSON.stringify(incident.firedUnder);
    if (!underEarlier.has(key)) underEarlier.set(key, evaluateRule(incident.firedUnder, world, now));
    const earlier = underEarlier.get(key)!.find((v) => v.cause === incident.cause);
    if (earlier?.outcome !== 'fail') continue;
    const kept: Verdict = {
      ...earlier,
      keptAcrossEdit: true,
      evidence: [...earlier.evidence, { kind: 'note', ...note({ key: 'rule.kept-across-edit', params: {} }) }],
    };
    verdictsByRule.set(incident.ruleId, index >= 0 ? verdicts.map((v, i) => (i === index ? kept : v)) : [...verdicts, kept]);
  }
}

/**
 * Whether a job process is running in the cron container. A look older than PROCESS_LOOK_FRESH_MS says
 * nothing about now: it is `unknown`, which defers an action exactly like a running job (never act on
 * a guess). With no look at all (Docker off), nothing can be known and the engine checks for itself.
 */
export function jobRunning(state: CoreState): JobRunning {
  const seen = state.jobProcesses;
  if (!seen) return 'no';
  if (processVisibility(seen, state.now) !== 'fresh') return 'unknown';
  return seen.commands.length > 0 ? 'yes' : 'no';
}

/**
 * After a verified rollback: every profiled job of the (new) crontab has had a good run that started
 * after verification, and the incident's own rule passes for its cause.
 */
function recoveredSince(world: World, verifiedAt: Instant, verdictsByRule: Map<string, Verdict[]>, incident: Incident): boolean {
  const own = verdictsByRule.get(incident.ruleId)?.find((v) => v.cause === incident.cause);
  if (own && own.outcome !== 'pass') return false;
  const jobs = world.jobs.filter((j) => j.script !== undefined && world.profiles[j.script] !== undefined);
  if (jobs.length === 0) return false;
  return jobs.every((job) =>
    (world.runs[job.id] ?? []).some((r) => r.startedAt > verifiedAt && r.end === 'finished' && r.tracebacks.length === 0),
  );
}

export function worldRuns(s: CoreState): Record<string, Run[]> {
  const runs: Record<string, Run[]> = {};
  for (const [jobId, list] of Object.entries(s.finishedRuns)) runs[jobId] = [...list];
  for (const open of listOpenRuns(s.runsState)) {
    const goneSince = s.processGone[openRunKey(open)];
    const run = goneSince !== undefined ? { ...open, processGoneSince: goneSince } : open;
    runs[open.jobId] = [...(runs[open.jobId] ?? []), run];
  }
  for (const [jobId, witnessed] of Object.entries(s.runnerRuns ?? {})) runs[jobId] = mergeRunnerWitness(runs[jobId] ?? [], witnessed);
  return runs;
}

/**
 * The first instant after the state's `now` at which a rule may judge differently with nothing new
 * observed (a grace period or an allowance ending): the runtime evaluates again then.
 */
export function nextDeadline(state: CoreState, ctx: StepContext): Instant | undefined {
  return nextChange(ctx.rules, worldOf(state, ctx), state.now);
}

/** The read-only picture the rules evaluate. */
export function worldOf(s: CoreState, ctx: StepContext): World {
  const release = worldRelease(s, ctx);
  return {
    now: s.now,
    watchStartedAt: s.watchStartedAt,
    jobs: s.jobs,
    jobsSince: s.jobsSince,
    crontabKnown: s.crontab !== undefined,
    ...(s.crontab ? { crontab: { source: s.crontab.source, problems: s.crontabProblems } } : {}),
    profiles: profilesInForce(s, ctx),
    runs: worldRuns(s),
    version: s.fingerprint,
    ...(release ? { release } : {}),
    containers: s.containers,
    cronContainer: ctx.deployment.cronContainer,
    ...(s.jobProcesses ? { jobProcesses: s.jobProcesses } : {}),
    ...(s.positions ? { positions: s.positions } : {}),
    ...(s.entries ? { entries: s.entries } : {}),
    ...(s.orderLog ? { orderLog: s.orderLog } : {}),
    positionsChanges: s.positionsChanges,
    healLines: s.healLines,
    closeLines: s.closeLines,
    sources: s.sources,
  };
}
