// Runbook criterion "Telegram alerts not received in two consecutive scheduled runs" (SPEC §2.3).
// Silence alone is normal (reference §3: check_positions sends nothing on a quiet day), so each
// finished run is classified by what it was expected to send and what its log says happened.
import type { RuleOf } from '../../config/schema.ts';
import type { Evidence, Instant, JobProfile, Run, Verdict } from '../types.ts';
import type { World } from '../world.ts';
import { runStamp, selectedJobs } from './repeated-failures.ts';
import { note } from '../evidence-text.ts';
import { say, warn, type TelegramCaseKey } from '../verdict-text.ts';
import { z } from 'zod';
import { jobSelector } from '../../config/fields.ts';
import { NO_NEEDLES, type RuleKind } from './rule-kind.ts';

export const telegramDeliveryParams = z
  .strictObject({
    jobs: jobSelector,
    consecutive: z.number().int().min(1).default(2),
    /** Quiet runs (nothing to send) neither count nor break a streak unless this is true. */
    quietRunsResetStreak: z.boolean().default(false),
    /** Which cases count; `channel-not-configured` is normally its own rule with action escalate. */
    cases: z
      .array(z.enum(['send-failed', 'event-without-success', 'report-without-success', 'channel-not-configured']))
      .min(1)
      .default(['send-failed', 'event-without-success', 'report-without-success']),
  })
  .prefault({});

/** The cases' wording lives in the verdict catalogue (verdict-text.ts), in both languages. */
export type TelegramCase = TelegramCaseKey;
export type TelegramRunClass = TelegramCase | 'quiet' | 'ok';

/**
 * One class per finished run, the most telling first:
 * - `send-failed`: a send gave up after its retries (whatever else was delivered);
 * - `channel-not-configured`: the profile names a channel line and the run lacks it. Sends are then silent
 *   no-ops, so this also explains any missing success below; a run that died of a traceback is not
 *   blamed on the channel (it may have crashed before that line);
 * - `event-without-success`: it logged a notify event and no success at all (one success per run is the
 *   robust test: one event line can mean several messages, e.g. v3.2.0 `발견된 시그널: 2개`);
 * - `report-without-success`: the profile always sends and no success was logged;
 * - `ok`: something was delivered; `quiet`: nothing was expected and nothing went wrong.
 */
export function classifyTelegramRun(run: Run, profile: JobProfile): TelegramRunClass {
  const t = run.telegram;
  if (t.failures.length > 0) return 'send-failed';
  // Only a run that reached its finish marker proves the channel line was skipped: a run that crashed
  // or was cut short may simply not have got that far, and judging it would be a guess.
  if (profile.channelMarker !== undefined && !t.channelActive && run.tracebacks.length === 0 && run.end === 'finished')
    return 'channel-not-configured';
  if (t.notifyEvents.length > 0 && t.successes.length === 0) return 'event-without-success';
  if (profile.alwaysSends && t.successes.length === 0) return 'report-without-success';
  return t.successes.length > 0 ? 'ok' : 'quiet';
}

function caseEvidence(run: Run, cls: TelegramCase, profile: JobProfile, file: string | undefined): Evidence[] {
  const where = { ...(file ? { file } : {}), at: run.startedAt };
  switch (cls) {
    case 'send-failed':
      return run.telegram.failures.map((text) => ({
        kind: 'log',
        ...note({ key: 'telegram.send-failed', params: { ...runStamp(run), text } }),
        ...where,
      }));
    case 'event-without-success':
      return run.telegram.notifyEvents.map((text) => ({
        kind: 'log',
        ...note({ key: 'telegram.event-without-success', params: { ...runStamp(run), text } }),
        ...where,
      }));
    case 'report-without-success':
      return [
        {
          kind: 'log',
          ...note({ key: 'telegram.report-without-success', params: { ...runStamp(run), script: profile.script } }),
          ...where,
        },
      ];
    case 'channel-not-configured':
      return [
        {
          kind: 'log',
          ...note({ key: 'telegram.channel-missing', params: { ...runStamp(run), marker: profile.channelMarker ?? '' } }),
          ...where,
        },
      ];
  }
}

export function evaluateTelegramDelivery(rule: RuleOf<'telegram-delivery'>, world: World, _now: Instant): Verdict[] {
  const { consecutive, cases, quietRunsResetStreak } = rule.params;
  const counts = new Set<TelegramCase>(cases);
  return selectedJobs(world, rule.params.jobs).map((job): Verdict => {
    // A run only the cron runner witnessed has no log lines to judge delivery by.
    const runs = (world.runs[job.id] ?? []).filter((r) => r.end !== 'open' && r.witnessedBy !== 'runner');
    const streak: { run: Run; cls: TelegramCase }[] = [];
    for (let i = runs.length - 1; i >= 0; i--) {
      const run = runs[i]!;
      const cls = classifyTelegramRun(run, job.profile);
      if (cls !== 'ok' && cls !== 'quiet' && counts.has(cls)) {
        streak.push({ run, cls });
        continue;
      }
      if (cls === 'ok') break;
      if (cls === 'quiet' && quietRunsResetStreak) break;
      // A run that logged its channel line proves the channel configured, whatever else happened in it.
      if (counts.has('channel-not-configured') && job.profile.channelMarker !== undefined && run.telegram.channelActive) break;
      // Otherwise (quiet, or a case this rule does not count) the run says nothing either way.
    }
    const base = { ruleId: rule.id, cause: job.id };
    if (streak.length === 0) {
      return {
        ...base,
        outcome: 'pass',
        ...say({ key: runs.length === 0 ? 'telegram.no-runs' : 'telegram.ok', params: { jobId: job.id } }),
        evidence: [],
      };
    }
    const label = streak[0]!.cls;
    const seen = [...new Set(streak.map((s) => s.cls))];
    const evidence = [...streak].reverse().flatMap(({ run, cls }) => caseEvidence(run, cls, job.profile, job.logFile));
    if (streak.length >= consecutive) {
      return {
        ...base,
        outcome: 'fail',
        label,
        ...say({ key: 'telegram.streak', params: { jobId: job.id, count: streak.length, threshold: consecutive, cases: seen } }),
        evidence,
      };
    }
    return {
      ...base,
      outcome: 'pass',
      label,
      ...say({ key: 'telegram.below', params: { jobId: job.id, count: streak.length, threshold: consecutive } }),
      ...warn({ key: 'telegram.below-warning', params: { jobId: job.id, count: streak.length, cases: seen } }),
      evidence,
    };
  });
}

/** Judges run content; a missing alert is checked by a human before anything escalates (runbook §5). */
export const telegramDeliveryKind: RuleKind<'telegram-delivery'> = {
  params: telegramDeliveryParams,
  evaluate: evaluateTelegramDelivery,
  logNeedles: NO_NEEDLES,
  traits: { judgedAtRunBoundaries: true, manualCheckFirst: true, dependsOnRelease: true },
};
