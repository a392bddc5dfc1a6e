// The committed release catalogue (rules/releases/catalogue.yaml) loads and says what the releases
// table of reference/releases.md says; a broken catalogue is a positioned error; the rules loader
// never reads rules/releases/. No network and no mirror: the facts are written out here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cataloguePathOf, loadCatalogue, parseCatalogue } from '../src/config/load-catalogue.ts';
import { loadRules } from '../src/config/load-rules.ts';
import { predecessorOf, profilesOf, releaseNamed, unmarkedScriptsOf } from '../src/core/catalogue.ts';
import type { Catalogue } from '../src/config/catalogue-schema.ts';
import { POSITION_REQUIRED } from './helpers/releases.ts';

const RULES = join(import.meta.dirname, '..', 'rules');

async function committed(): Promise<Catalogue> {
  const loaded = await loadCatalogue(cataloguePathOf(RULES));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  return loaded.catalogue;
}

// reference/releases.md: tag (commit), runner, user, crontab blob and jobs, check_positions.py / position_tracker.py blobs.
const TABLE: [string, string, 'debian-cron' | 'supercronic', string, string, number, string | undefined, string][] = [
  ['v3.2.0', '238760b', 'debian-cron', 'root', 'c9d56b1', 4, '8dc2ef1', '5e6eb82'],
  ['v3.2.1', '7b7fe72', 'debian-cron', 'root', '6dd258b', 4, '0de827e', '5e6eb82'],
  ['v3.3.0', '2c49df0', 'debian-cron', 'root', '6dd258b', 4, 'db7bd95', '686c4cd'],
  ['v3.3.1', '5fc4e85', 'debian-cron', 'root', '6dd258b', 4, 'db7bd95', '686c4cd'],
  ['v3.4.0', 'e91abca', 'supercronic', 'turtle', '6dd258b', 4, '3a1b9fa', '686c4cd'],
  ['v3.4.1', '43cc86d', 'supercronic', 'turtle', '6dd258b', 4, '3a1b9fa', '686c4cd'],
  ['v3.4.2', '4f38561', 'supercronic', 'turtle', '6dd258b', 4, '3a1b9fa', '686c4cd'],
  ['v3.5.0', '7037d23', 'supercronic', 'turtle', '185cb3a', 12, '7661ad7', '686c4cd'],
  ['v3.6.0', 'd279019', 'supercronic', 'turtle', '6a69bfa', 17, '7661ad7', '686c4cd'],
  ['v3.7.0', '034028b', 'supercronic', 'turtle', '24ef79a', 18, '3565bb4', '686c4cd'],
  ['v3.8.0', '79c0898', 'supercronic', 'turtle', '24ef79a', 18, 'd6a13b1', '686c4cd'],
  ['v3.8.1', 'c4cbf46', 'supercronic', 'turtle', '24ef79a', 18, 'a2e5648', '686c4cd'],
  ['v3.9.0', '28f0297', 'supercronic', 'turtle', 'c60150c', 20, '180d426', 'a81536a'],
  ['v3.9.1', 'fb222c4', 'supercronic', 'turtle', 'c60150c', 20, 'd565213', '105c791'],
];

test('the committed catalogue lists v3.2.0 … v3.9.1 oldest first, each with the facts of the releases table', async () => {
  const catalogue = await committed();
  assert.deepEqual(
    catalogue.releases.map((r) => r.release),
    TABLE.map((row) => row[0]),
  );
  for (const [name, commit, runner, user, crontabBlob, jobs, checkPositions, tracker] of TABLE) {
    const r = releaseNamed(catalogue, name)!;
    const debian = runner === 'debian-cron';
    const crontabPath = debian ? '/etc/cron.d/turtle-cron' : '/app/crontab';
    assert.deepEqual(
      {
        commit: r.commit,
        runner: r.recognition.runner,
        user: r.recognition.user,
        uid: r.recognition.uid,
        command: r.recognition.command,
        crontabPath: r.schedule.crontabPath,
        crontabCommand: r.schedule.crontabCommand,
        crontab: r.recognition.files[crontabPath],
        jobs: r.schedule.jobs.length,
        checkPositions: r.recognition.files['/app/scripts/check_positions.py'],
        tracker: r.recognition.files['/app/src/position_tracker.py'],
        logZone: r.logZone,
      },
      {
        commit,
        runner,
        user,
        uid: debian ? 0 : 1000,
        command: debian ? ['cron', '-f'] : ['supercronic', '/app/crontab'],
        crontabPath,
        crontabCommand: debian,
        crontab: crontabBlob,
        jobs,
        checkPositions,
        tracker,
        logZone: debian ? 'UTC' : 'Asia/Seoul',
      },
      name,
    );
  }
});

test('record keys: entry_reason is known and unknown keys are dropped from v3.9.0 on; before, unknown keys crash', async () => {
  const catalogue = await committed();
  for (const r of catalogue.releases) {
    const v39 = r.release.startsWith('v3.9.');
    assert.equal(r.positions.unknownKeys, v39 ? 'drop' : 'crash', r.release);
    assert.equal(r.positions.known.includes('entry_reason'), v39, r.release);
    assert.equal(r.positions.required.includes('entry_reason'), false, r.release);
    assert.equal(r.entries.unknownKeys, 'crash', r.release);
  }
  // The dataclass fields without a default, as test/helpers/releases.ts writes them from the tags.
  assert.deepEqual(releaseNamed(catalogue, 'v3.2.1')!.positions.required, POSITION_REQUIRED);
});

test('predecessors chain each release to the one before; v3.2.0 (238760b) is the oldest, and a rollback to it runs signal_check.py, not check_positions.py', async () => {
  const catalogue = await committed();
  catalogue.releases.forEach((r, i) => assert.equal(predecessorOf(catalogue, r)?.release, catalogue.releases[i - 1]?.release));
  const target = releaseNamed(catalogue, 'v3.2.0')!;
  assert.equal(target.commit, '238760b');
  assert.deepEqual(target.verify, {
    crontabRuns: ['signal_check.py', 'daily_report.py'],
    crontabDoesNotRun: ['check_positions.py'],
    files: ['/app/scripts/signal_check.py', '/app/scripts/daily_report.py'],
  });
});

test('halt levers: the kill switch (TRADING_ENABLED, new entries only) from v3.7.0; stopping the container stops intraday stop-loss alerts from v3.6.0', async () => {
  const catalogue = await committed();
  const at = (name: string) => releaseNamed(catalogue, name)!.halt;
  assert.deepEqual(at('v3.2.1'), [{ lever: 'stop-container', stops: ['scheduled-jobs', 'new-entries', 'exits', 'reports'] }]);
  assert.deepEqual(at('v3.6.0'), [
    { lever: 'stop-container', stops: ['scheduled-jobs', 'new-entries', 'exits', 'stop-loss-alerts', 'reports'] },
  ]);
  assert.deepEqual(at('v3.7.0')[1], { lever: 'kill-switch', env: 'TRADING_ENABLED', stops: ['new-entries'] });
  const guards = (name: string) => releaseNamed(catalogue, name)!.guardLines.map((g) => `${g.guard} ${g.match} ${g.source}`);
  assert.deepEqual(guards('v3.6.0'), []);
  assert.ok(!guards('v3.8.0').some((g) => g.startsWith('cost-budget')));
  assert.ok(guards('v3.8.1').includes('cost-budget [CostAnalyzer] scripts/check_positions.py'));
  assert.ok(guards('v3.8.1').includes('kill-switch 킬 스위치 활성화 src/kill_switch.py'));
});

test("profilesOf gives v3.2.1's and v3.2.0's profiles exactly as the hand-written rules/profiles.yaml has them", async () => {
  const catalogue = await committed();
  const rules = await loadRules(join(RULES, 'profiles.yaml'));
  assert.ok(rules.ok);
  const v321 = profilesOf(releaseNamed(catalogue, 'v3.2.1')!);
  const v320 = profilesOf(releaseNamed(catalogue, 'v3.2.0')!);
  assert.deepEqual(v321['check_positions.py'], rules.profiles['check_positions.py']);
  assert.deepEqual(v321['daily_report.py'], rules.profiles['daily_report.py']);
  assert.deepEqual(v320['signal_check.py'], rules.profiles['signal_check.py']);
  // monitor_positions.py closes its runs in more than one way: no finish line, so not a log-rule profile.
  const v391 = releaseNamed(catalogue, 'v3.9.1')!;
  assert.deepEqual(unmarkedScriptsOf(v391), ['monitor_positions.py']);
  assert.equal(v391.profiles.find((p) => p.script === 'monitor_positions.py')?.ownLog, 'monitor.log');
  assert.equal(Object.keys(profilesOf(v391)).length, 9);
});

test('a broken catalogue is a positioned error: a missing predecessor, releases out of order, a wrong field', async () => {
  const entry = (release: string, predecessor: string) => `  - release: ${release}
    commit: 7b7fe72
    date: "2026-02-22"
    predecessor: ${predecessor}
    recognition: {files: {}, runner: debian-cron, command: [cron, -f], user: root}
    schedule: {crontabPath: /etc/cron.d/turtle-cron, crontabCommand: true, jobs: []}
    logZone: UTC
    profiles: []
    positions: {required: [], known: [], unknownKeys: crash}
    entries: {required: [], known: [], unknownKeys: crash}
    halt: [{lever: stop-container, stops: [scheduled-jobs]}]
    guardLines: []
    verify: {crontabRuns: [], crontabDoesNotRun: [], files: []}
`;
  const text = `source: {repository: x, generatedBy: y}\nreleases:\n${entry('v3.2.1', 'v3.2.0')}${entry('v3.1.0', 'v3.2.1')}`;
  const broken = parseCatalogue(text, 'catalogue.yaml');
  assert.ok(!broken.ok);
  assert.deepEqual(broken.errors, [
    'catalogue.yaml:6:18: releases.0.predecessor: predecessor v3.2.0 is not in the catalogue: a rollback needs its entry',
    'catalogue.yaml:16:14: releases.1.release: v3.1.0 comes after v3.2.1: releases are listed oldest first',
    'catalogue.yaml:19:18: releases.1.predecessor: predecessor v3.2.1 is not older than v3.1.0',
  ]);
  const wrong = parseCatalogue(text.replace('runner: debian-cron', 'runner: systemd'), 'catalogue.yaml');
  assert.ok(!wrong.ok);
  assert.deepEqual(wrong.errors, [
    'catalogue.yaml:7:38: releases.0.recognition.runner: "systemd" is not allowed here; expected one of "debian-cron", "supercronic"',
  ]);
});

test('the rules loader reads only top-level *.yaml: rules/releases/ is never taken for rule files', async () => {
  const rules = await loadRules(RULES);
  assert.ok(rules.ok, rules.ok ? '' : rules.errors.join('\n'));
  assert.ok(rules.files.every((f) => !f.includes(`${join('rules', 'releases')}`)));
});

// CI has no copy of turtle-trading; where one is at hand (TURTLE_TRADING_REPO=<checkout or bare
// mirror>), the committed file must be exactly what `catalogue build` prints for it.
test(
  'with TURTLE_TRADING_REPO set: the committed catalogue is byte for byte what catalogue build prints',
  { skip: process.env.TURTLE_TRADING_REPO ? false : 'TURTLE_TRADING_REPO is not set' },
  () => {
    const main = join(import.meta.dirname, '..', 'src', 'main.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', main, 'catalogue', 'build', '--repo', process.env.TURTLE_TRADING_REPO!], {
      encoding: 'utf8',
    });
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, readFileSync(cataloguePathOf(RULES), 'utf8'));
  },
);
