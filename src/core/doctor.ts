// `turtle-sentinel doctor`: a read-only look at one deployment that says whether the sidecar can watch
// it, and what to change where it cannot. The runtime gathers the facts (the cron container through the
// Docker port, the crontab, the state files, the config); this module judges them. Pure.
import type { Rule } from '../config/schema.ts';
import type { Release } from '../config/catalogue-schema.ts';
import type { CrontabSource } from './cron-inspection.ts';
import type { Job, JobProfile } from './types.ts';

/** How the running release was recognised (see release-recognition.ts), as doctor needs to tell it. */
export type DoctorRecognition =
  | { kind: 'exact'; release: Release; files: { path: string; blob: string }[]; identical: string[] }
  | {
      kind: 'closest';
      release: Release;
      matched: number;
      total: number;
      mismatched: { path: string; expected: string; found: string | null }[];
    }
  | { kind: 'none' };

/** A record key the rollback target cannot load, by file. */
export interface TargetBlock {
  file: string;
  keys: string[];
  /** Position or entry ids of the records carrying them (at most a few, for the operator). */
  records: string[];
}

export interface DoctorFacts {
  /** `deployment.catalogue` is set: the daemon recognises releases (doctor always does, with the bundled one). */
  catalogueInUse: boolean;
  /** Docker off in the config, unreachable (why), or reachable and the cron container inspected. */
  docker:
    | { kind: 'disabled' }
    | { kind: 'unreachable'; reason: string }
    | { kind: 'missing'; container: string }
    | { kind: 'inspected'; runner: 'debian-cron' | 'supercronic' | 'unknown'; user: string; health?: string };
  recognition: DoctorRecognition;
  /** `deployment.release` in sentinel.yaml, when set. */
  pinned?: string;
  crontab?: CrontabSource;
  crontabProblems: string[];
  /** `deployment.crontab.fallbackFile` as resolved, when configured. */
  fallbackFile?: string;
  jobs: readonly Job[];
  /** Profiles in force, by script. */
  profiles: Readonly<Record<string, JobProfile>>;
  rules: readonly Rule[];
  /** `deployment.logTimestampZone`. */
  logTimestampZone: string;
  target:
    | { kind: 'release'; release: Release; source: 'predecessor' | 'configured'; blocks: TargetBlock[]; runsAs?: string }
    | { kind: 'none'; why: 'oldest' | 'no-release' | 'unknown-target'; name?: string };
}

export type DoctorLevel = 'ok' | 'warn' | 'fail';

export type DoctorFinding =
  | { key: 'catalogue-off' }
  | { key: 'docker-disabled' }
  | { key: 'cron-missing'; container: string }
  | { key: 'docker-unreachable'; reason: string }
  | {
      key: 'release-exact';
      release: string;
      commit: string;
      files: { path: string; blob: string }[];
      identical: string[];
      runner: string;
      user: string;
    }
  | {
      key: 'release-closest';
      release: string;
      matched: number;
      total: number;
      mismatched: { path: string; expected: string; found: string | null }[];
      confirmed: boolean;
    }
  | { key: 'release-none' }
  /** `deployment.release` names another release than the content shows: rules and the rollback target follow the pin. */
  | { key: 'release-pin-differs'; pinned: string; recognised: string; certainty: 'exact' | 'closest' }
  | { key: 'schedule'; source: CrontabSource['kind']; path?: string; jobs: number }
  | { key: 'schedule-none'; problems: string[] }
  | { key: 'profiles'; profiled: number; jobs: number; unprofiled: { script: string; log?: string }[] }
  | { key: 'rules-unsure'; rules: string[]; release: string }
  | { key: 'rule-blind-schedule'; rules: string[] }
  | { key: 'rule-blind-markers'; rule: string; scripts: string[] }
  | { key: 'rule-noisy-keys'; rule: string; release: string; missing: string[] }
  | { key: 'log-zone'; configured: string; release: string; releaseZone: string }
  | { key: 'target'; release: string; commit: string; source: 'predecessor' | 'configured'; user: string }
  | { key: 'target-blocked'; release: string; blocks: TargetBlock[] }
  | { key: 'target-user'; release: string; needs: string; runsAs: string }
  | { key: 'target-none'; why: 'oldest' | 'no-release' | 'unknown-target'; name?: string };

export interface DoctorReport {
  findings: { level: DoctorLevel; finding: DoctorFinding }[];
  /** sentinel.yaml lines to change, as `path: value`, each with the finding that asks for it. */
  changes: { line: string; because: DoctorFinding['key'] }[];
  /** 0 ready, 1 ready with warnings, 2 not watchable. */
  exitCode: 0 | 1 | 2;
}

/** Rule kinds whose verdicts read the release (its profiles, keys or schedule): unsure while it is. */
const RELEASE_DEPENDENT_KINDS: ReadonlySet<Rule['kind']> = new Set([
  'cron-schedule',
  'repeated-failures',
  'telegram-delivery',
  'positions-integrity',
]);

export function diagnose(facts: DoctorFacts): DoctorReport {
  const findings: DoctorReport['findings'] = [];
  const changes: DoctorReport['changes'] = [];
  const add = (level: DoctorLevel, finding: DoctorFinding) => findings.push({ level, finding });
  const enabled = facts.rules.filter((r) => r.mode !== 'off');

  // Where the facts come from
  if (!facts.catalogueInUse) {
    add('warn', { key: 'catalogue-off' });
    changes.push({ line: 'deployment.catalogue: rules/releases/catalogue.yaml', because: 'catalogue-off' });
  }
  if (facts.docker.kind === 'disabled') add('warn', { key: 'docker-disabled' });
  // Docker answers but the cron container is not there: nothing to recognise; watchable only from a file.
  if (facts.docker.kind === 'missing') add(facts.crontab ? 'warn' : 'fail', { key: 'cron-missing', container: facts.docker.container });
  // Without Docker and without a configured crontab there is no schedule to watch: not watchable.
  if (facts.docker.kind === 'unreachable') add(facts.crontab ? 'warn' : 'fail', { key: 'docker-unreachable', reason: facts.docker.reason });

  // The release
  const rec = facts.recognition;
  const release = rec.kind === 'none' ? undefined : rec.release;
  if (rec.kind === 'exact') {
    const inspected = facts.docker.kind === 'inspected' ? facts.docker : undefined;
    add('ok', {
      key: 'release-exact',
      release: rec.release.release,
      commit: rec.release.commit,
      files: rec.files,
      identical: rec.identical,
      runner: inspected?.runner ?? rec.release.recognition.runner,
      user: inspected?.user || rec.release.recognition.user,
    });
  } else if (rec.kind === 'closest') {
    const confirmed = facts.pinned === rec.release.release;
    // Another release pinned: the operator has already said which one runs; proposing the closest would overwrite it.
    const pinnedElsewhere = facts.pinned !== undefined && !confirmed;
    add(confirmed ? 'ok' : 'warn', {
      key: 'release-closest',
      release: rec.release.release,
      matched: rec.matched,
      total: rec.total,
      mismatched: rec.mismatched,
      confirmed,
    });
    if (!confirmed && !pinnedElsewhere) {
      const unsure = enabled.filter((r) => RELEASE_DEPENDENT_KINDS.has(r.kind) && r.mode === 'enforce').map((r) => r.id);
      if (unsure.length > 0) add('warn', { key: 'rules-unsure', rules: unsure, release: rec.release.release });
      changes.push({ line: `deployment.release: ${rec.release.release}`, because: 'release-closest' });
    }
  } else if (facts.docker.kind === 'inspected') {
    // Unrecognised is a warning: the v3.2.x profiles still apply. Without Docker nothing was compared, and
    // the Docker finding already says the release cannot be recognised.
    add('warn', { key: 'release-none' });
  }

  if (facts.pinned !== undefined && release && facts.pinned !== release.release && rec.kind !== 'none') {
    add('warn', { key: 'release-pin-differs', pinned: facts.pinned, recognised: release.release, certainty: rec.kind });
    // Content that matches a release exactly outweighs a pin left over from before an upgrade.
    if (rec.kind === 'exact') changes.push({ line: `deployment.release: ${release.release}`, because: 'release-pin-differs' });
  }

  // The schedule
  if (facts.crontab) {
    add('ok', {
      key: 'schedule',
      source: facts.crontab.kind,
      path: 'path' in facts.crontab ? facts.crontab.path : undefined,
      jobs: facts.jobs.length,
    });
  } else {
    add(facts.docker.kind === 'inspected' ? 'warn' : 'fail', { key: 'schedule-none', problems: facts.crontabProblems });
    const scheduleRules = enabled.filter((r) => r.kind === 'cron-schedule').map((r) => r.id);
    if (scheduleRules.length > 0) add('warn', { key: 'rule-blind-schedule', rules: scheduleRules });
    if (!facts.fallbackFile) changes.push({ line: 'deployment.crontab.fallbackFile: crontab', because: 'schedule-none' });
  }

  // Profiles: a scheduled script without start/finish markers cannot be told missed or hung from its log
  // (under supercronic the runner's own lines still witness it).
  const scripts = [...new Map(facts.jobs.filter((j) => j.script).map((j) => [j.script!, j])).values()];
  if (scripts.length > 0) {
    const unmarked = scripts.filter((j) => !facts.profiles[j.script!]?.startMarker);
    add(unmarked.length === 0 ? 'ok' : 'warn', {
      key: 'profiles',
      profiled: scripts.length - unmarked.length,
      jobs: scripts.length,
      unprofiled: unmarked.map((j) => ({ script: j.script!, log: j.logFile })),
    });
    const witnessed = facts.docker.kind === 'inspected' && facts.docker.runner === 'supercronic';
    if (unmarked.length > 0 && !witnessed) {
      for (const rule of enabled.filter((r) => r.kind === 'cron-schedule'))
        add('warn', { key: 'rule-blind-markers', rule: rule.id, scripts: unmarked.map((j) => j.script!) });
    }
  }

  // Rules whose explicit parameters contradict the release
  if (release) {
    for (const rule of enabled) {
      if (rule.kind !== 'positions-integrity') continue;
      const known = (rule.params as { knownKeys?: string[] }).knownKeys;
      if (!known || release.positions.unknownKeys === 'drop') continue;
      const missing = release.positions.known.filter((k) => !known.includes(k));
      if (missing.length > 0) {
        add('warn', { key: 'rule-noisy-keys', rule: rule.id, release: release.release, missing });
        changes.push({ line: `rules: remove params.knownKeys from ${rule.id} (the release's keys apply)`, because: 'rule-noisy-keys' });
      }
    }
    if (facts.logTimestampZone !== 'auto' && facts.logTimestampZone !== release.logZone) {
      add('warn', { key: 'log-zone', configured: facts.logTimestampZone, release: release.release, releaseZone: release.logZone });
      changes.push({ line: `deployment.logTimestampZone: ${release.logZone}`, because: 'log-zone' });
    }
  }

  // The rollback target
  const target = facts.target;
  if (target.kind === 'none') {
    add('warn', { key: 'target-none', why: target.why, name: target.name });
  } else {
    const t = target.release;
    add('ok', { key: 'target', release: t.release, commit: t.commit, source: target.source, user: t.recognition.user });
    if (target.blocks.length > 0) add('warn', { key: 'target-blocked', release: t.release, blocks: target.blocks });
    if (target.runsAs !== undefined && t.recognition.runner === 'debian-cron' && !isRoot(target.runsAs))
      add('warn', { key: 'target-user', release: t.release, needs: t.recognition.user, runsAs: target.runsAs });
  }

  const exitCode = findings.some((f) => f.level === 'fail') ? 2 : findings.some((f) => f.level === 'warn') ? 1 : 0;
  return { findings, changes, exitCode };
}

function isRoot(user: string): boolean {
  return user === '' || user === 'root' || user === '0' || user.startsWith('0:') || user.startsWith('root:');
}
