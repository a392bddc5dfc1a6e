// Recognition and schedule sources against the real engine, for both kinds of release: a Debian-cron
// replica (root, `crontab` binary) and a supercronic replica (PID 1 supercronic behind an entrypoint,
// USER 1000, no `crontab`). The catalogue entries are built here from the replicas' own file contents,
// hashed by real git, so recognition is proven end to end by content.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createDockerEngine } from '../src/adapters/docker-engine.ts';
import { recogniseRelease, recognitionPaths, releaseInForce } from '../src/core/release-recognition.ts';
import { renderMessage } from '../src/core/verdict-text.ts';
import { inspectCron } from '../src/runtime/cron-inspection.ts';
import { requireDocker } from './docker/engine.ts';
import { CRON_NAME, crontabOf, supercronicFiles } from './docker/replica.ts';
import { replicaSuite } from './docker/replica-suite.ts';
import * as scripts from './docker/replica/scripts.ts';
import { releaseEntry } from './helpers/release-entry.ts';

const engine = await requireDocker();

/** What `git hash-object` says: the catalogue's ids come from git, so the test asks git, not our code. */
const gitBlob = (content: string | Buffer): string =>
  execFileSync('git', ['hash-object', '--stdin'], { input: content }).toString('utf8').trim();
const short = (content: string | Buffer): string => gitBlob(content).slice(0, 7);

const CHECK = '/app/scripts/check_positions.py';
const DAILY = '/app/scripts/daily_report.py';
const DEBIAN_CRONTAB = '/etc/cron.d/turtle-cron';

// Each release recognised by files it has; v3.2.0 differs from v3.2.1 by its crontab.
const CATALOGUE = [
  releaseEntry({
    release: 'v3.2.0',
    runner: 'debian-cron',
    files: { [DEBIAN_CRONTAB]: short(crontabOf('v3.2.0')), [CHECK]: short(scripts.CHECK_POSITIONS), [DAILY]: short(scripts.DAILY_REPORT) },
  }),
  releaseEntry({
    release: 'v3.2.1',
    runner: 'debian-cron',
    predecessor: 'v3.2.0',
    files: { [DEBIAN_CRONTAB]: short(crontabOf('v3.2.1')), [CHECK]: short(scripts.CHECK_POSITIONS), [DAILY]: short(scripts.DAILY_REPORT) },
  }),
  releaseEntry({
    release: 'v3.9.1',
    runner: 'supercronic',
    predecessor: 'v3.2.1',
    files: Object.fromEntries(Object.entries(supercronicFiles()).map(([path, content]) => [path, short(content)])),
  }),
];
const PATHS = recognitionPaths(CATALOGUE);
const en = (messages: { key: string }[]): string[] => messages.map((m) => renderMessage(m as never, 'en'));

describe('release recognition on replicas (real engine)', { skip: engine.skip }, () => {
  const docker = engine.docker!;
  const port = createDockerEngine({ socketPath: engine.socketPath! });
  const suite = replicaSuite(docker, { build: [], cleanEach: true });

  it('Debian-cron release: recognised exactly by content, schedule from `crontab -l`', async () => {
    await suite.deploy({ version: 'v3.2.1', dashboard: 'none' });
    const r = await inspectCron(port, { container: CRON_NAME, paths: PATHS });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const inspection = r.value;
    assert.deepEqual(inspection.crontab, { kind: 'crontab-command', text: crontabOf('v3.2.1') });
    assert.equal(inspection.user, '');
    assert.deepEqual(inspection.command, ['/bin/sh', '/usr/local/bin/replica-main']);
    assert.equal(inspection.files[CHECK], gitBlob(scripts.CHECK_POSITIONS));
    assert.equal(inspection.files['/app/crontab'], null);
    const recognised = recogniseRelease(inspection, CATALOGUE)!;
    assert.equal(recognised.release.release, 'v3.2.1');
    assert.equal(recognised.certainty, 'exact');
    assert.deepEqual(en(recognised.reasons), ['the cron container matches v3.2.1: all 3 catalogued files, the cron runner and the user']);
  });

  it('supercronic release: recognised exactly, schedule from the file its command names, after `crontab -l` fails', async () => {
    await suite.deploy({ version: 'supercronic', dashboard: 'none' });
    const r = await inspectCron(port, { container: CRON_NAME, paths: PATHS });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const inspection = r.value;
    assert.deepEqual(inspection.crontab, { kind: 'command-file', path: '/app/crontab', text: crontabOf('supercronic') });
    assert.deepEqual(inspection.entrypoint, ['/app/entrypoint.sh']);
    assert.deepEqual(inspection.command, ['supercronic', '/app/crontab']);
    assert.equal(inspection.user, '1000');
    assert.match(
      inspection.problems.find((p) => p.startsWith('crontab -l')) ?? '',
      /^crontab -l in turtle-cron: .*|^crontab -l in turtle-cron exited \d+/,
    );
    const recognised = recogniseRelease(inspection, CATALOGUE)!;
    assert.equal(recognised.release.release, 'v3.9.1');
    assert.equal(recognised.certainty, 'exact');
    assert.deepEqual(releaseInForce(recognised, CATALOGUE, {}).inForce?.certainty, 'exact');

    // supercronic is PID 1 (through the entrypoint's exec) and speaks in its own lines.
    const top = await port.processes(CRON_NAME);
    assert.ok(top.ok && top.value.some((c) => c.includes('supercronic /app/crontab')), JSON.stringify(top));
  });

  it('an unrecognised image gets the closest entry, said aloud with the differing file', async () => {
    const changed = `${scripts.CHECK_POSITIONS}# a hotfix nobody catalogued\n`;
    await suite.deploy({ version: 'supercronic', dashboard: 'none', build: { extraFiles: { [CHECK]: changed } } });
    const r = await inspectCron(port, { container: CRON_NAME, paths: PATHS });
    assert.ok(r.ok);
    const recognised = recogniseRelease(r.value, CATALOGUE)!;
    assert.equal(recognised.release.release, 'v3.9.1');
    assert.equal(recognised.certainty, 'closest');
    assert.deepEqual(en(recognised.reasons), [
      'no catalogued release matches exactly; the closest is v3.9.1 (4 of 5 files match)',
      `/app/scripts/check_positions.py differs: ${short(scripts.CHECK_POSITIONS)} expected, ${short(changed)} found`,
    ]);
    const unconfirmed = releaseInForce(recognised, CATALOGUE, {});
    assert.equal(unconfirmed.inForce?.confirmed, false);
    assert.equal(releaseInForce(recognised, CATALOGUE, { pinned: 'v3.9.1' }).inForce?.confirmed, true);
    assert.equal(releaseInForce(recognised, CATALOGUE, { armedFor: 'v3.9.1' }).inForce?.confirmed, true);
  });

  it('files are read binary-safe, also from a stopped container; the configured file is the last source', async () => {
    const seoul = '/usr/share/zoneinfo/Asia/Seoul';
    const replica = await suite.deploy({ version: 'supercronic', dashboard: 'none' });
    await replica.cron.stop({ t: 1 });
    const fallback = `${replica.root}/crontab-fallback`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(fallback, crontabOf('v3.2.1'));
    const r = await inspectCron(port, { container: CRON_NAME, paths: [seoul, '/app/nothing-here'], fallbackFile: fallback });
    assert.ok(r.ok);
    assert.equal(r.value.status, 'exited');
    if (existsSync(seoul)) assert.equal(r.value.files[seoul], gitBlob(readFileSync(seoul)));
    assert.equal(r.value.files['/app/nothing-here'], null);
    // Stopped: no exec, but the file named in the command is still read from the container's file system.
    assert.deepEqual(r.value.crontab, { kind: 'command-file', path: '/app/crontab', text: crontabOf('supercronic') });
    await replica.cron.remove({ force: true });
    const gone = await inspectCron(port, { container: CRON_NAME, paths: [], fallbackFile: fallback });
    assert.ok(gone.ok);
    assert.equal(gone.value.status, 'missing');
    assert.deepEqual(gone.value.crontab, { kind: 'configured-file', path: fallback, text: crontabOf('v3.2.1') });
    assert.deepEqual(gone.value.problems, ['container turtle-cron not found']);
  });
});
