// The release in force, as the step keeps it: recognised from each look into the cron container
// (release-recognition.ts) against the catalogue, confirmed by `deployment.release` or `/arm`, and said
// to the operator once when it is only the closest match. Until it is settled, rules whose verdict
// depends on the release run as dry-run (evaluateAll). Pure.
import type { Rule } from '../config/schema.ts';
import type { CronInspection } from './cron-inspection.ts';
import { recogniseRelease, releaseInForce, releaseSettled } from './release-recognition.ts';
import { traitsOf } from './rules/index.ts';
import type { Effect, JobProfile, ReleaseInForce, VersionFingerprint } from './types.ts';
import type { Release } from '../config/catalogue-schema.ts';
import { profilesOf } from './catalogue.ts';
import { renderMessage } from './verdict-text.ts';
import type { CoreState, StepContext } from './step.ts';

/** Absorb a look into the cron container: recognise the release, keep it, say it when it is unsure. */
export function absorbInspection(s: CoreState, inspection: CronInspection, ctx: StepContext, effects: Effect[]): CoreState {
  const catalogue = ctx.catalogue ?? [];
  if (catalogue.length === 0) return s;
  // A missing container shows no files: recognising "the closest" of nothing would only be noise.
  if (inspection.status === 'missing') return s;
  const recognition = recogniseRelease(inspection, catalogue);
  return applyRelease({ ...s, ...(recognition ? { recognition } : {}) }, ctx, effects);
}

/** `/arm` also confirms a release recognised only as the closest (the operator has read the notice). */
export function confirmReleaseByArm(s: CoreState, ctx: StepContext, effects: Effect[]): CoreState {
  if (!s.release || s.release.certainty !== 'closest' || s.release.confirmed) return s;
  return applyRelease({ ...s, releaseArmedFor: s.release.release.release }, ctx, effects);
}

function applyRelease(s: CoreState, ctx: StepContext, effects: Effect[]): CoreState {
  const catalogue = ctx.catalogue ?? [];
  const { inForce, reasons } = releaseInForce(s.recognition, catalogue, {
    ...(ctx.deployment.release !== undefined ? { pinned: ctx.deployment.release } : {}),
    ...(s.releaseArmedFor !== undefined ? { armedFor: s.releaseArmedFor } : {}),
  });
  if (!inForce) return s;
  const before = s.release;
  const unsure = !releaseSettled(inForce);
  const wasUnsureOfSame = before !== undefined && !releaseSettled(before) && before.release.release === inForce.release.release;
  if (unsure && !wasUnsureOfSame) {
    const release = inForce.release.release;
    effects.push({ kind: 'notify', key: `release-unsure|${release}|${s.now}`, notice: { kind: 'release-unsure', release, reasons } });
  }
  return { ...s, release: inForce, releaseReasons: reasons };
}

/** The fingerprint the version notices and `status` show: the release in force when a catalogue recognised one. */
export function releaseFingerprint(s: CoreState): VersionFingerprint | undefined {
  if (!s.release) return undefined;
  const reasons = s.releaseReasons ?? [];
  return { version: s.release.release.release, evidence: reasons.map((r) => renderMessage(r, 'en')), reasons };
}

/** The release in force for the rules: what was recognised, or (before any look) what the config pins. */
export function worldRelease(s: CoreState, ctx: StepContext): ReleaseInForce | undefined {
  if (s.release) return s.release;
  if (ctx.deployment.release === undefined) return undefined;
  return releaseInForce(undefined, ctx.catalogue ?? [], { pinned: ctx.deployment.release }).inForce;
}

/**
 * With a catalogue in use and the release not settled, rules whose verdict depends on the release
 * report what they would have done and never act: their enforce mode becomes dry-run for this evaluation.
 */
export function rulesUnderRelease(rules: Rule[], release: ReleaseInForce | undefined, ctx: StepContext): Rule[] {
  if ((ctx.catalogue ?? []).length === 0 || releaseSettled(release)) return rules;
  return rules.map((rule) => (rule.mode === 'enforce' && traitsOf(rule).dependsOnRelease === true ? { ...rule, mode: 'dry-run' } : rule));
}

/**
 * The job profiles in force: the running release's own (catalogue), with rules/profiles.yaml on top
 * (an operator's profile for a script wins). Without a release in force, rules/profiles.yaml alone.
 */
export function profilesInForce(s: CoreState, ctx: StepContext): Record<string, JobProfile> {
  const release = worldRelease(s, ctx);
  if (!release) return ctx.profiles;
  let own = RELEASE_PROFILES.get(release.release);
  if (!own) RELEASE_PROFILES.set(release.release, (own = profilesOf(release.release)));
  return { ...own, ...ctx.profiles };
}

/** A release's profiles, derived once per catalogue entry (the step asks for them on every batch of lines). */
const RELEASE_PROFILES = new WeakMap<Release, Record<string, JobProfile>>();
