// Recognition of the running release from a CronInspection and the catalogue (pure): exact by content,
// identical releases → the newest, the closest said aloud with its reasons, and the operator's word.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CronInspection } from '../src/core/cron-inspection.ts';
import { recogniseRelease, recognitionPaths, releaseInForce, releaseSettled, runnerOf } from '../src/core/release-recognition.ts';
import { renderMessage } from '../src/core/verdict-text.ts';
import { releaseEntry } from './helpers/release-entry.ts';

const CRONTAB = '/app/crontab';
const CHECK = '/app/scripts/check_positions.py';
const TRACKER = '/app/src/position_tracker.py';

const full = (short: string): string => short.padEnd(40, '0');

// Shaped after the release table: v3.4.0…v3.4.2 are identical in these files.
const CATALOGUE = [
  releaseEntry({
    release: 'v3.3.1',
    runner: 'debian-cron',
    files: { '/etc/cron.d/turtle-cron': '6dd258b', [CHECK]: 'db7bd95', [TRACKER]: '686c4cd' },
  }),
  releaseEntry({ release: 'v3.4.0', runner: 'supercronic', files: { [CRONTAB]: '6dd258b', [CHECK]: '3a1b9fa', [TRACKER]: '686c4cd' } }),
  releaseEntry({ release: 'v3.4.1', runner: 'supercronic', files: { [CRONTAB]: '6dd258b', [CHECK]: '3a1b9fa', [TRACKER]: '686c4cd' } }),
  releaseEntry({ release: 'v3.4.2', runner: 'supercronic', files: { [CRONTAB]: '6dd258b', [CHECK]: '3a1b9fa', [TRACKER]: '686c4cd' } }),
  releaseEntry({ release: 'v3.9.1', runner: 'supercronic', files: { [CRONTAB]: 'c60150c', [CHECK]: 'd565213', [TRACKER]: '105c791' } }),
];

function supercronicInspection(files: Record<string, string | null>, over: Partial<CronInspection> = {}): CronInspection {
  return {
    container: 'turtle-cron',
    status: 'running',
    imageId: 'sha256:abc',
    entrypoint: ['/app/entrypoint.sh'],
    command: ['supercronic', '/app/crontab'],
    user: '1000:1000',
    files,
    crontab: { kind: 'command-file', path: CRONTAB, text: '' },
    problems: [],
    ...over,
  };
}

const en = (messages: { key: string }[]): string[] => messages.map((m) => renderMessage(m as never, 'en'));

describe('recogniseRelease', () => {
  it('exact by content: every file matches by its 7-character prefix, runner and user agree', () => {
    const r = recogniseRelease(
      supercronicInspection({ [CRONTAB]: full('c60150c'), [CHECK]: full('d565213'), [TRACKER]: full('105c791') }),
      CATALOGUE,
    )!;
    assert.equal(r.release.release, 'v3.9.1');
    assert.equal(r.certainty, 'exact');
    assert.deepEqual(r.alike, []);
    assert.deepEqual(en(r.reasons), ['the cron container matches v3.9.1: all 3 catalogued files, the cron runner and the user']);
  });

  it('identical releases: the newest is chosen and the others are named', () => {
    const r = recogniseRelease(
      supercronicInspection({ [CRONTAB]: full('6dd258b'), [CHECK]: full('3a1b9fa'), [TRACKER]: full('686c4cd') }),
      CATALOGUE,
    )!;
    assert.equal(r.release.release, 'v3.4.2');
    assert.equal(r.certainty, 'exact');
    assert.deepEqual(r.alike, ['v3.4.0', 'v3.4.1']);
    assert.deepEqual(en(r.reasons), [
      'the cron container matches v3.4.2: all 3 catalogued files, the cron runner and the user',
      'v3.4.0, v3.4.1 are identical in every catalogued file; the newest, v3.4.2, is assumed',
    ]);
  });

  it('no exact match: the closest entry, with each difference said aloud (never a version string)', () => {
    const r = recogniseRelease(
      supercronicInspection({ [CRONTAB]: full('c60150c'), [CHECK]: full('1234567'), [TRACKER]: null }),
      CATALOGUE,
    )!;
    assert.equal(r.release.release, 'v3.9.1');
    assert.equal(r.certainty, 'closest');
    assert.deepEqual(en(r.reasons), [
      'no catalogued release matches exactly; the closest is v3.9.1 (1 of 3 files match)',
      '/app/scripts/check_positions.py differs: d565213 expected, 1234567 found',
      '/app/src/position_tracker.py not found in the container (105c791 expected)',
    ]);
  });

  it('same files under another runner or user is only the closest, and the runner/user are named', () => {
    const r = recogniseRelease(
      supercronicInspection(
        { [CRONTAB]: full('c60150c'), [CHECK]: full('d565213'), [TRACKER]: full('105c791') },
        { user: '', command: ['cron', '-f'], entrypoint: [], crontab: { kind: 'crontab-command', text: '' } },
      ),
      CATALOGUE,
    )!;
    assert.equal(r.release.release, 'v3.9.1');
    assert.equal(r.certainty, 'closest');
    assert.deepEqual(en(r.reasons).slice(1), ['cron runner debian-cron, supercronic expected', 'runs as root, turtle expected']);
  });

  it('the user may be given by name, by uid, or as uid:gid', () => {
    const files = { [CRONTAB]: full('c60150c'), [CHECK]: full('d565213'), [TRACKER]: full('105c791') };
    for (const user of ['turtle', '1000', '1000:1000']) {
      assert.equal(recogniseRelease(supercronicInspection(files, { user }), CATALOGUE)!.certainty, 'exact', user);
    }
    assert.equal(recogniseRelease(supercronicInspection(files, { user: '1001' }), CATALOGUE)!.certainty, 'closest');
  });

  it('an empty catalogue recognises nothing; the paths to hash are every entry’s files, once', () => {
    assert.equal(recogniseRelease(supercronicInspection({}), []), undefined);
    assert.deepEqual(recognitionPaths(CATALOGUE), ['/app/crontab', CHECK, TRACKER, '/etc/cron.d/turtle-cron'].sort());
  });

  it('the runner: supercronic behind an entrypoint, Debian cron by `crontab -l` or by its command', () => {
    assert.equal(runnerOf(supercronicInspection({})), 'supercronic');
    assert.equal(
      runnerOf(supercronicInspection({}, { entrypoint: ['/bin/sh', '-c', 'exec /usr/local/bin/supercronic /app/crontab'], command: [] })),
      'supercronic',
    );
    assert.equal(runnerOf(supercronicInspection({}, { entrypoint: [], command: ['cron', '-f'], crontab: undefined })), 'debian-cron');
    assert.equal(
      runnerOf(supercronicInspection({}, { entrypoint: [], command: ['/bin/sh', 'main'], crontab: { kind: 'crontab-command', text: '' } })),
      'debian-cron',
    );
    assert.equal(runnerOf(supercronicInspection({}, { entrypoint: [], command: ['sleep', 'infinity'], crontab: undefined })), 'unknown');
  });
});

describe('releaseInForce', () => {
  const closest = recogniseRelease(supercronicInspection({ [CRONTAB]: full('c60150c'), [CHECK]: null, [TRACKER]: null }), CATALOGUE)!;
  const exact = recogniseRelease(
    supercronicInspection({ [CRONTAB]: full('c60150c'), [CHECK]: full('d565213'), [TRACKER]: full('105c791') }),
    CATALOGUE,
  )!;

  it('an exact recognition is settled without the operator', () => {
    const r = releaseInForce(exact, CATALOGUE, {});
    assert.deepEqual(r.inForce && { name: r.inForce.release.release, certainty: r.inForce.certainty }, {
      name: 'v3.9.1',
      certainty: 'exact',
    });
    assert.equal(releaseSettled(r.inForce), true);
  });

  it('a closest recognition stays unsettled, and says how to confirm it', () => {
    const r = releaseInForce(closest, CATALOGUE, {});
    assert.equal(r.inForce?.confirmed, false);
    assert.equal(releaseSettled(r.inForce), false);
    assert.equal(
      renderMessage(r.reasons[r.reasons.length - 1]!, 'en'),
      'rules that depend on the release run as dry-run until v3.9.1 is confirmed (/arm, or deployment.release: v3.9.1 in sentinel.yaml)',
    );
    assert.equal(
      renderMessage(r.reasons[r.reasons.length - 1]!, 'ko'),
      'v3.9.1가 확인될 때까지 릴리스에 의존하는 규칙은 dry-run으로 동작 (/arm 또는 sentinel.yaml에 deployment.release: v3.9.1)',
    );
  });

  it('/arm confirms the release it was given for, not another', () => {
    assert.equal(releaseSettled(releaseInForce(closest, CATALOGUE, { armedFor: 'v3.9.1' }).inForce), true);
    assert.equal(releaseSettled(releaseInForce(closest, CATALOGUE, { armedFor: 'v3.4.2' }).inForce), false);
  });

  it('deployment.release confirms the closest match, or pins another release', () => {
    const same = releaseInForce(closest, CATALOGUE, { pinned: 'v3.9.1' });
    assert.deepEqual([same.inForce?.release.release, same.inForce?.confirmed], ['v3.9.1', true]);
    const pinned = releaseInForce(closest, CATALOGUE, { pinned: 'v3.4.2' });
    assert.deepEqual([pinned.inForce?.release.release, pinned.inForce?.certainty, pinned.inForce?.confirmed], ['v3.4.2', 'closest', true]);
    assert.equal(renderMessage(pinned.reasons[pinned.reasons.length - 1]!, 'en'), 'deployment.release in sentinel.yaml names v3.4.2');
    const unknown = releaseInForce(closest, CATALOGUE, { pinned: 'v9.9.9' });
    assert.equal(unknown.inForce?.release.release, 'v3.9.1');
    assert.equal(unknown.inForce?.confirmed, false);
    assert.ok(en(unknown.reasons).includes('deployment.release names v9.9.9, which the catalogue does not know: ignored'));
  });
});
