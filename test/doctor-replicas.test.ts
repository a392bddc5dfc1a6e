// `turtle-sentinel doctor` against the real engine: a Debian-cron replica and a supercronic replica,
// each judged with a catalogue whose entries are built from the replicas' own files (hashed by real
// git), printed in both languages and compared line for line. The supercronic deployment carries a
// v3.9.x positions.json (`entry_reason`), so a rollback to a release that crashes on unknown keys is
// shown blocked, and a Debian-cron target shows the root it needs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { configSchema } from '../src/config/schema.ts';
import { loadRules } from '../src/config/load-rules.ts';
import type { Release } from '../src/config/catalogue-schema.ts';
import { renderDoctorReport } from '../src/core/doctor-text.ts';
import { runDoctor } from '../src/runtime/doctor.ts';
import { createDockerEngine } from '../src/adapters/docker-engine.ts';
import { requireDocker } from './docker/engine.ts';
import { crontabOf, supercronicFiles } from './docker/replica.ts';
import { replicaSuite } from './docker/replica-suite.ts';
import * as scripts from './docker/replica/scripts.ts';
import { releaseEntry } from './helpers/release-entry.ts';

const engine = await requireDocker();
const short = (content: string | Buffer): string =>
  execFileSync('git', ['hash-object', '--stdin'], { input: content }).toString('utf8').trim().slice(0, 7);

const CHECK = '/app/scripts/check_positions.py';
const DAILY = '/app/scripts/daily_report.py';
const DEBIAN_CRONTAB = '/etc/cron.d/turtle-cron';
const V32_KEYS = ['position_id', 'symbol', 'system', 'direction', 'entry_date', 'entry_price', 'entry_n', 'units', 'max_units'];
const V32_KNOWN = [
  ...V32_KEYS,
  'shares_per_unit',
  'total_shares',
  'stop_loss',
  'pyramid_level',
  'exit_period',
  'status',
  'last_update',
  'exit_date',
  'exit_price',
  'exit_reason',
  'pnl',
  'pnl_pct',
  'r_multiple',
];
const keys = (unknownKeys: 'crash' | 'drop', extra: string[] = []) => ({
  required: V32_KEYS,
  known: [...V32_KNOWN, ...extra],
  unknownKeys,
});

const debian = (release: string, predecessor?: string): Release => ({
  ...releaseEntry({
    release,
    runner: 'debian-cron',
    ...(predecessor ? { predecessor } : {}),
    files: {
      [DEBIAN_CRONTAB]: short(crontabOf(release as 'v3.2.0' | 'v3.2.1')),
      [CHECK]: short(scripts.CHECK_POSITIONS),
      [DAILY]: short(scripts.DAILY_REPORT),
    },
  }),
  positions: keys('crash'),
});
// v3.8.1 differs from the supercronic replica in one file, so the replica is v3.9.1 and v3.8.1 its predecessor.
const supercronicBlobs = Object.fromEntries(Object.entries(supercronicFiles()).map(([path, content]) => [path, short(content)]));
const CATALOGUE: Release[] = [
  debian('v3.2.0'),
  debian('v3.2.1', 'v3.2.0'),
  {
    ...releaseEntry({
      release: 'v3.8.1',
      runner: 'supercronic',
      predecessor: 'v3.2.1',
      files: { ...supercronicBlobs, [CHECK]: 'a2e5648' },
    }),
    positions: keys('crash'),
  },
  {
    ...releaseEntry({ release: 'v3.9.1', runner: 'supercronic', predecessor: 'v3.8.1', files: supercronicBlobs }),
    positions: keys('drop', ['entry_reason']),
  },
];

async function doctorOn(root: string, extra: Record<string, unknown> = {}): Promise<{ en: string[]; ko: string[]; exit: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'doctor-'));
  const cataloguePath = join(dir, 'catalogue.yaml');
  await writeFile(
    cataloguePath,
    stringify({ source: { repository: 'test replicas', generatedBy: 'doctor-replicas.test.ts' }, releases: CATALOGUE }),
  );
  const rules = await loadRules(resolve('rules'));
  assert.ok(rules.ok);
  const config = configSchema.parse({
    deployment: { root, catalogue: cataloguePath, ...extra },
    docker: { socketPath: engine.socketPath },
    state: { dir: join(dir, 'state') },
  });
  const outcome = await runDoctor({
    config,
    baseDir: dir,
    rules: rules.rules,
    profiles: rules.profiles,
    docker: createDockerEngine({ socketPath: engine.socketPath! }),
  });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.errors.join('\n'));
  return { en: renderDoctorReport(outcome.report, 'en'), ko: renderDoctorReport(outcome.report, 'ko'), exit: outcome.report.exitCode };
}

describe('doctor on replicas (real engine)', { skip: engine.skip }, () => {
  const suite = replicaSuite(engine.docker!, { build: [], cleanEach: true });

  it('Debian-cron release v3.2.1: recognised, schedule from `crontab -l`, the rollback target v3.2.0 reads today’s state: ready', async () => {
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
    const { en, ko, exit } = await doctorOn(replica.root);
    const blob = (path: string) => CATALOGUE[1]!.recognition.files[path];
    assert.deepEqual(en, [
      `OK   release: v3.2.1 (0000000), recognised by content: ${DEBIAN_CRONTAB} ${blob(DEBIAN_CRONTAB)}, ${CHECK} ${blob(CHECK)}, ${DAILY} ${blob(DAILY)}; debian-cron, user root`,
      'OK   schedule: 4 jobs from `crontab -l` in the cron container',
      'OK   profiles: 2 of 2 scheduled scripts have start/finish markers',
      'OK   rollback target: v3.2.0 (0000000), the predecessor of the running release; runs as root',
      'ready',
    ]);
    assert.equal(ko.at(-1), '준비됨');
    assert.equal(ko[1], '정상 스케줄: cron 컨테이너의 `crontab -l`에서 작업 4개');
    assert.equal(exit, 0);
  });

  it('supercronic release v3.9.1: schedule from /app/crontab, rollback to v3.8.1 blocked by entry_reason: ready, with warnings', async () => {
    const replica = await suite.deploy({ version: 'supercronic', dashboard: 'none' });
    const { en, ko, exit } = await doctorOn(replica.root);
    assert.equal(en[0]!.startsWith('OK   release: v3.9.1 (0000000), recognised by content: '), true, en[0]);
    assert.equal(en[0]!.endsWith('; supercronic, user 1000'), true, en[0]);
    assert.deepEqual(en.slice(1), [
      "OK   schedule: 4 jobs from /app/crontab, the file the container's command names (`crontab -l` is not available)",
      // monitor_positions.py marks no finish (it logs its own monitor.log); supercronic's lines witness its runs.
      'WARN profiles: 2 of 3 scheduled scripts have start/finish markers; without: monitor_positions.py',
      'OK   rollback target: v3.8.1 (0000000), the predecessor of the running release; runs as turtle',
      'WARN rollback to v3.8.1 is blocked: it cannot load positions.json (entry_reason in 005930.KS_1_LONG_20260305_160041)',
      'ready, with warnings',
    ]);
    assert.equal(
      ko.at(-2),
      '경고 v3.8.1(으)로의 롤백 차단: positions.json (005930.KS_1_LONG_20260305_160041의 entry_reason)를 읽을 수 없습니다',
    );
    assert.equal(exit, 1);
  });

  it('deployment.release pins another release than the content shows: said, and the recognised one proposed', async () => {
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
    const { en, ko, exit } = await doctorOn(replica.root, { release: 'v3.2.0' });
    assert.ok(en[0]!.startsWith('OK   release: v3.2.1 (0000000), recognised by content: '), en[0]);
    const warning =
      'WARN release: deployment.release pins v3.2.0, but the cron container is v3.2.1 by content: the rules and the rollback target follow the pin (v3.2.0); correct or remove it if v3.2.1 was deployed since';
    assert.ok(en.includes(warning), en.join('\n'));
    assert.ok(ko.some((l) => l.includes('deployment.release는 v3.2.0(으)로 고정되어 있지만 cron 컨테이너는 파일 내용으로 v3.2.1입니다')));
    // The pin is what the rollback is planned from: v3.2.0 has no predecessor.
    assert.ok(
      en.some((l) => l.startsWith('WARN rollback target: none') && l.includes('v3.2.0')),
      en.join('\n'),
    );
    assert.deepEqual(en.slice(-3), ['change in sentinel.yaml:', '  deployment.release: v3.2.1', 'ready, with warnings']);
    assert.equal(exit, 1);
  });

  it('an unrecognised image: the closest release is said aloud, release-dependent rules unsure, the config line to confirm it', async () => {
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
    // A catalogue whose v3.2.1 knows another check_positions.py: 2 of 3 files match.
    CATALOGUE[1] = {
      ...CATALOGUE[1]!,
      recognition: { ...CATALOGUE[1]!.recognition, files: { ...CATALOGUE[1]!.recognition.files, [CHECK]: '1234567' } },
    };
    const { en, exit } = await doctorOn(replica.root);
    assert.match(
      en[0]!,
      /^WARN release: not recognised; the closest catalogued release is v3\.2\.1 \(2 of 3 files match: \/app\/scripts\/check_positions\.py is [0-9a-f]{7}, v3\.2\.1 has 1234567\); not confirmed$/,
    );
    assert.match(
      en[1]!,
      /^WARN rules cron-missed-or-hung, .*positions-corrupt.*: dry-run until the release is confirmed \(v3\.2\.1 is only the closest match\)$/,
    );
    assert.deepEqual(en.slice(-3), ['change in sentinel.yaml:', '  deployment.release: v3.2.1', 'ready, with warnings']);
    assert.equal(exit, 1);
  });

  it('the closest match is not proposed over a pin of another release (the operator has said which one runs)', async () => {
    const replica = await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
    // CATALOGUE[1] still knows another check_positions.py (the test above): v3.2.1 is only the closest.
    assert.equal(CATALOGUE[1]!.recognition.files[CHECK], '1234567');
    const { en, exit } = await doctorOn(replica.root, { release: 'v3.2.0' });
    assert.match(en[0]!, /^WARN release: not recognised; the closest catalogued release is v3\.2\.1 .*; not confirmed$/);
    assert.ok(
      en.includes(
        'WARN release: deployment.release pins v3.2.0; by content the cron container is closest to v3.2.1: the rules and the rollback target follow the pin (v3.2.0); check that it is still true',
      ),
      en.join('\n'),
    );
    assert.ok(!en.some((l) => l.includes('dry-run until the release is confirmed')), 'the pin confirms a release: no rule waits');
    assert.ok(!en.includes('change in sentinel.yaml:'), en.join('\n'));
    assert.equal(exit, 1);
  });

  it('Docker unreachable and no configured crontab: not watchable (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'doctor-root-'));
    const rules = await loadRules(resolve('rules'));
    assert.ok(rules.ok);
    const config = configSchema.parse({
      deployment: { root: dir, catalogue: resolve('rules/releases/catalogue.yaml') },
      docker: { socketPath: join(dir, 'no-such.sock') },
    });
    const outcome = await runDoctor({ config, baseDir: dir, rules: rules.rules, profiles: rules.profiles });
    assert.ok(outcome.ok);
    const en = renderDoctorReport(outcome.report, 'en');
    assert.match(
      en[0]!,
      /^FAIL docker: unreachable \(.*\): the release cannot be recognised and the schedule comes only from a configured file$/,
    );
    assert.deepEqual(en.slice(1), [
      'FAIL schedule: none could be read (no deployment.crontab.fallbackFile configured): missed and hung runs cannot be detected',
      'WARN rules cron-missed-or-hung: blind: without a schedule no run is expected, so none is missed',
      'WARN rollback target: none until the running release is known',
      'change in sentinel.yaml:',
      '  deployment.crontab.fallbackFile: crontab',
      'NOT WATCHABLE',
    ]);
    assert.equal(outcome.report.exitCode, 2);
  });
});
