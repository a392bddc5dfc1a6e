// Shared fixtures for tests of the core: a World with every field at its empty value, rules parsed
// through the real schema, the job profiles of rules/profiles.yaml through the real loader, and the
// jobs of the fixture crontabs. One place, so that a new World field or profile is added once.
import { readFileSync } from 'node:fs';
import { ruleSchema, type Profile, type Rule, type RuleKindName, type RuleOf } from '../../src/config/schema.ts';
import { loadRules } from '../../src/config/load-rules.ts';
import { parseCrontab } from '../../src/core/crontab.ts';
import type { Instant, Job } from '../../src/core/types.ts';
import type { World } from '../../src/core/world.ts';

/** A world observed at `at`, watched since then, with nothing in it unless `over` says so. */
export function worldWith(at: Instant, over: Partial<World> = {}): World {
  return {
    now: at,
    watchStartedAt: at,
    jobs: [],
    jobsSince: at,
    crontabKnown: false,
    profiles: {},
    runs: {},
    version: { version: 'unknown', evidence: [] },
    containers: {},
    positionsChanges: [],
    healLines: [],
    closeLines: [],
    sources: {},
    ...over,
  };
}

/** A rule of `kind` as rules/*.yaml would give it: the schema's defaults for everything not in `fields`. */
export function ruleOf<K extends RuleKindName>(
  kind: K,
  params: Record<string, unknown> = {},
  fields: Partial<Omit<Rule, 'kind' | 'params'>> = {},
): RuleOf<K> {
  return ruleSchema.parse({ id: kind, ...fields, kind, params }) as RuleOf<K>;
}

const shipped = await loadRules(new URL('../../rules/profiles.yaml', import.meta.url).pathname);
if (!shipped.ok) throw new Error(`rules/profiles.yaml does not load: ${shipped.errors.join('; ')}`);

/** The job profiles the repository ships (rules/profiles.yaml), by script name. */
export const PROFILES: Readonly<Record<string, Profile>> = shipped.profiles;

/** One shipped profile, by script name. */
export function profileOf(script: string): Profile {
  const profile = PROFILES[script];
  if (!profile) throw new Error(`no profile for ${script} in rules/profiles.yaml`);
  return profile;
}

/** The text of a fixture crontab (test/fixtures/crontab-v3.2.0, crontab-v3.2.1). */
export function crontabText(version: 'v3.2.0' | 'v3.2.1'): string {
  return readFileSync(new URL(`../fixtures/crontab-${version}`, import.meta.url), 'utf8');
}

/** The jobs of a fixture crontab, read as the deployment (Asia/Seoul, /app/logs) reads them. */
export function crontabJobs(version: 'v3.2.0' | 'v3.2.1'): Job[] {
  return parseCrontab(crontabText(version), { defaultTimezone: 'Asia/Seoul', containerLogsDir: '/app/logs' }).jobs;
}
