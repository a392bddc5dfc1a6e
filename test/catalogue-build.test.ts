// `turtle-sentinel catalogue build|check` on a real git repository with three release tags
// (test/helpers/catalogue-repo.ts): the catalogue printed is exactly the committed fixture, a changed
// marker is reported as one exact difference line with exit 1, and an annotation needle a release
// does not log is a positioned error with exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOGUE_REPO_ANNOTATIONS, CATALOGUE_REPO_RELEASES, commitFiles, createCatalogueRepo, git } from './helpers/catalogue-repo.ts';

const MAIN = join(import.meta.dirname, '..', 'src', 'main.ts');
const EXPECTED = join(import.meta.dirname, 'fixtures', 'catalogue', 'expected.yaml');

function sentinel(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function setup() {
  const repo = createCatalogueRepo();
  const dir = mkdtempSync(join(tmpdir(), 'catalogue-files-'));
  const annotations = join(dir, 'annotations.yaml');
  writeFileSync(annotations, CATALOGUE_REPO_ANNOTATIONS);
  return {
    repo,
    dir,
    annotations,
    cleanup: () => {
      rmSync(repo, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('catalogue build prints exactly the expected catalogue of the three releases, and --out writes the same bytes', (t) => {
  const s = setup();
  t.after(s.cleanup);
  const printed = sentinel(['catalogue', 'build', '--repo', s.repo, '--annotations', s.annotations]);
  assert.equal(printed.stderr, '');
  assert.equal(printed.code, 0);
  assert.equal(printed.stdout, readFileSync(EXPECTED, 'utf8'));
  const out = join(s.dir, 'catalogue.yaml');
  const written = sentinel(['catalogue', 'build', '--repo', s.repo, '--annotations', s.annotations, '--out', out]);
  assert.equal(written.code, 0);
  assert.equal(written.stdout, '');
  assert.equal(readFileSync(out, 'utf8'), printed.stdout);
});

test('catalogue check: the same catalogue exits 0 silently; a commit that changes a marker is one exact difference line and exit 1', (t) => {
  const s = setup();
  t.after(s.cleanup);
  const same = sentinel(['catalogue', 'check', '--repo', s.repo, '--annotations', s.annotations, '--catalogue', EXPECTED]);
  assert.equal(same.stderr, '');
  assert.deepEqual([same.code, same.stdout], [0, '']);

  // v1.2.0 is re-tagged on a commit whose check_positions.py closes its runs with another line.
  const files = { ...CATALOGUE_REPO_RELEASES['v1.2.0'] };
  files['scripts/check_positions.py'] = files['scripts/check_positions.py']!.replace('=== 체크 완료 ===', '=== 점검 완료 ===');
  commitFiles(s.repo, files, 'finish line renamed', '2026-03-10T11:00:00+09:00');
  git(s.repo, ['tag', '-f', 'v1.2.0']);

  const changed = sentinel(['catalogue', 'check', '--repo', s.repo, '--annotations', s.annotations, '--catalogue', EXPECTED]);
  assert.equal(changed.stderr, '');
  assert.equal(changed.code, 1);
  const lines = changed.stdout.trimEnd().split('\n');
  assert.ok(lines.includes('v1.2.0 profiles.check_positions.py.finishMarker: "=== 체크 완료 ===" → "=== 점검 완료 ==="'), changed.stdout);
  // The other differences are the ones the new commit explains: its hash and the script's blob.
  assert.deepEqual(
    lines.filter((l) => !l.includes('finishMarker')).map((l) => l.split(':')[0]),
    ['v1.2.0 commit', 'v1.2.0 recognition.files./app/scripts/check_positions.py'],
  );
});

test('an annotation needle a release does not log is an error at its place in the annotations, naming release, script and needle (exit 2)', (t) => {
  const s = setup();
  t.after(s.cleanup);
  writeFileSync(
    s.annotations,
    CATALOGUE_REPO_ANNOTATIONS.replace(
      'notifyEvents: ["스톱로스 발동", "신규 시그널:"]',
      'notifyEvents: ["스톱로스 발동", "피라미딩 기회"]',
    ),
  );
  const r = sentinel(['catalogue', 'build', '--repo', s.repo, '--annotations', s.annotations]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const message = (release: string) =>
    `${s.annotations}:8:33: scripts.check_positions.py.0.notifyEvents.1: "피라미딩 기회" is not logged by scripts/check_positions.py or the src modules it imports at ${release}`;
  assert.equal(r.stderr, ['v1.0.0', 'v1.1.0', 'v1.2.0'].map(message).join('\n') + '\n');
});

test('a scheduled script without an annotation, and a malformed annotations file, are errors with exit 2', (t) => {
  const s = setup();
  t.after(s.cleanup);
  writeFileSync(s.annotations, CATALOGUE_REPO_ANNOTATIONS.replace(/ {2}monitor_positions\.py:[\s\S]*?(?=killSwitch:)/, ''));
  const missing = sentinel(['catalogue', 'build', '--repo', s.repo, '--annotations', s.annotations]);
  assert.equal(missing.code, 2);
  assert.equal(
    missing.stderr,
    ['v1.1.0', 'v1.2.0']
      .map(
        (v) =>
          `${s.annotations}:4:3: scripts: ${v} schedules monitor_positions.py, which has no annotation in force (add one with since: ${v} or earlier)`,
      )
      .join('\n') + '\n',
  );

  writeFileSync(s.annotations, CATALOGUE_REPO_ANNOTATIONS.replace('alwaysSends: true', 'alwaysSends: sometimes'));
  const malformed = sentinel(['catalogue', 'build', '--repo', s.repo, '--annotations', s.annotations]);
  assert.equal(malformed.code, 2);
  assert.equal(
    malformed.stderr,
    `${s.annotations}:13:20: scripts.daily_report.py.0.alwaysSends: expected true or false, got "sometimes"\n`,
  );
});

test('usage and configuration errors exit 2 and say what is wrong: no --repo, not a repository, no committed catalogue', (t) => {
  const s = setup();
  t.after(s.cleanup);
  const noRepo = sentinel(['catalogue', 'check', '--annotations', s.annotations]);
  assert.equal(noRepo.code, 2);
  assert.match(noRepo.stderr, /required option '--repo <checkout>' not specified/);

  const notRepo = sentinel(['catalogue', 'build', '--repo', s.dir, '--annotations', s.annotations]);
  assert.equal(notRepo.code, 2);
  assert.match(notRepo.stderr, new RegExp(`^git for-each-ref .* failed in ${s.dir} \\(exit 128\\): fatal: not a git repository`));

  const missing = join(s.dir, 'nope.yaml');
  const noCatalogue = sentinel(['catalogue', 'check', '--repo', s.repo, '--annotations', s.annotations, '--catalogue', missing]);
  assert.equal(noCatalogue.code, 2);
  assert.match(noCatalogue.stderr, new RegExp(`^${missing}: cannot read the release catalogue: `));
});
