// Replays 30 simulated days of NORMAL operation of each catalogued release family (v3.2.x, v3.4.x,
// v3.6–v3.7, v3.8.x, v3.9.x) through the real core with the bundled rules: no incident may open.
// The window includes a month start (monthly report, data cleanup), Sundays (log cleanup), a US holiday
// (Good Friday 2026-04-03) and the weekly jobs.
//
// Until the release catalogue (issue 9) lands, the sidecar knows only v3.2.x: it takes every later
// release for v3.2.1 and v3.9.x opens incidents. Each test prints what the sidecar made of the release
// and exactly which incidents opened; the v3.9 one is marked todo, its assertion is the real one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { catalogueSchema, type Release } from '../../src/config/catalogue-schema.ts';
import { loadRules } from '../../src/config/load-rules.ts';
import { configSchema } from '../../src/config/schema.ts';
import { initialState, step, type CoreState, type StepContext } from '../../src/core/step.ts';
import type { Incident, ReleaseInForce } from '../../src/core/types.ts';
import { stepContextOf } from '../../src/runtime/sentinel.ts';
import { simulate, type SimOptions, type SimVersion } from '../sim/turtle-sim.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CATALOGUE = join(repo, 'rules/releases/catalogue.yaml');

/** Each family, the release the simulator runs for it, and how its jobs stamp their logs. */
const FAMILIES: { family: string; version: SimVersion; release: string; zone: SimOptions['logStampZone'] }[] = [
  { family: 'v3.2.x', version: 'v3.2.1', release: 'v3.2.1', zone: 'UTC' },
  { family: 'v3.3–v3.5 (supercronic from v3.4)', version: 'v3.4', release: 'v3.4.2', zone: 'Asia/Seoul' },
  { family: 'v3.6–v3.7', version: 'v3.6', release: 'v3.6.0', zone: 'Asia/Seoul' },
  { family: 'v3.8.x', version: 'v3.8', release: 'v3.8.0', zone: 'Asia/Seoul' },
  { family: 'v3.9.x', version: 'v3.9', release: 'v3.9.0', zone: 'Asia/Seoul' },
];

async function bundledContext(): Promise<StepContext> {
  const rules = await loadRules(join(repo, 'rules'));
  assert.ok(rules.ok, rules.ok ? '' : rules.errors.join('\n'));
  return stepContextOf(configSchema.parse({ deployment: { root: '.' } }), rules.rules, rules.profiles);
}

/** The catalogue entry of a release, when rules/releases/catalogue.yaml exists (it is being generated in parallel). */
function catalogued(name: string): Release | undefined {
  if (!existsSync(CATALOGUE)) return undefined;
  const catalogue = catalogueSchema.parse(parse(readFileSync(CATALOGUE, 'utf8')));
  return catalogue.releases.find((r) => r.release === name);
}

function replay(options: SimOptions, ctx: StepContext, release: Release | undefined): { state: CoreState; opened: Incident[] } {
  const timeline = simulate(options);
  const first = timeline.events[0]!;
  let state = initialState(first.kind === 'tick' ? first.now : Date.parse(`${options.start}T00:00:00+09:00`));
  if (release) {
    // The release in force, as recognition would set it. CoreState gains `release` with the catalogue
    // work; until then the assignment is inert and the core keeps judging by its v3.2 knowledge.
    const inForce: ReleaseInForce = { release, certainty: 'exact', confirmed: true };
    Object.assign(state, { release: inForce });
  }
  const opened: Incident[] = [];
  for (const event of timeline.events) {
    const r = step(state, event, ctx);
    state = r.state;
    for (const e of r.effects) if (e.kind === 'notify' && e.notice.kind === 'incident-opened') opened.push(e.notice.incident);
  }
  return { state, opened };
}

const describeIncidents = (list: Incident[]): string[] =>
  list.map((i) => `${i.ruleId} ${i.cause}${i.label ? ` (${i.label})` : ''}: ${i.summary}`);

/**
 * Families whose normal operation the sidecar misjudges until issue 9 lands: v3.9.x writes `entry_reason`
 * in every record, which the v3.2 record keys call corruption. v3.4–v3.8 open nothing today, but partly
 * for the wrong reason: the sidecar takes them for v3.2.1 and does not profile their new jobs; their
 * tests stay enforced so that the catalogue work cannot make normal days noisy.
 */
const needsCatalogue = (version: SimVersion): boolean => version === 'v3.9' && !existsSync(CATALOGUE);

for (const f of FAMILIES) {
  test(
    `30 days of normal ${f.family} operation (simulated ${f.release}) open zero incidents`,
    needsCatalogue(f.version) ? { todo: 'needs the release catalogue (issue 9)' } : {},
    async () => {
      const ctx = await bundledContext();
      const release = catalogued(f.release);
      const { state, opened } = replay(
        { start: '2026-03-20', days: 30, seed: 7, logStampZone: f.zone, initialVersion: f.version },
        ctx,
        release,
      );
      const found = describeIncidents(opened);
      if (found.length > 0 || f.version !== 'v3.2.1') {
        // what the sidecar made of the release, and what it opened: the to-do list of issue 9
        console.log(
          `${f.release}: recognised as ${state.fingerprint.version} (${state.fingerprint.evidence.join('; ')}); ` +
            `${found.length} incident(s) opened${release ? '' : ' with no catalogue entry in force'}`,
        );
        for (const line of found) console.log(`  ${line}`);
      }
      assert.deepEqual(found, [], `${f.release}: incidents opened during normal operation`);
      // The replay really exercised the release: the core read its logs (finishedRuns is capped, so count lines).
      assert.ok((state.linesEvaluated['check_kr.log'] ?? 0) > 500, 'the 16:00 KR checks were seen');
      assert.ok((state.linesEvaluated['daily_report.log'] ?? 0) > 100, 'the daily reports were seen');
      if (f.version !== 'v3.2.1' && f.version !== 'v3.4') {
        assert.ok((state.linesEvaluated['monitor.log'] ?? 0) > 1_000, 'monitor_positions.py wrote monitor.log');
        // The release's own profiles were in force: the jobs it added were read as runs, echoed markers included.
        assert.ok((state.finishedRuns['backup.log'] ?? []).length > 0, 'backup_data.sh runs were delimited');
        assert.ok((state.finishedRuns['risk_check.log'] ?? []).length > 0, 'check_risk_limits.py runs were delimited');
      }
      assert.equal(state.release?.release.release, f.release, 'the catalogue entry was in force');
    },
  );
}
