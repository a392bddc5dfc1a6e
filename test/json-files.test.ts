// The JSON state-file watcher against real directories: atomic renames as Python's atomic_write_json
// does them, in-place rewrites as health_check does them, directories deleted and re-created, files
// that cannot be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, waitFor as waitUntil } from './helpers/wait.ts';
import { readJsonFile, startJsonFileWatcher, type JsonFileEvent, type JsonFileWatcherOptions } from '../src/adapters/json-files.ts';

const SAMPLE = await readFile(new URL('./fixtures/json/good/positions.json', import.meta.url), 'utf8');
const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Python's atomic_write_json: mkstemp(dir, suffix=".tmp") (mode 0600) → write → rename. */
async function atomicWrite(path: string, content: string): Promise<void> {
  const tmp = join(dirname(path), `tmp${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  await handle.writeFile(content);
  await handle.close();
  await rename(tmp, path);
}

async function layout() {
  const root = await mkdtemp(join(tmpdir(), 'sentinel-json-'));
  const dir = join(root, 'data', 'positions');
  await mkdir(dir, { recursive: true });
  return { root, dir, path: join(dir, 'positions.json') };
}

async function watch(path: string, extra: Partial<JsonFileWatcherOptions> = {}) {
  const events: JsonFileEvent[] = [];
  const errors: string[] = [];
  let clock = 1_000;
  const watcher = await startJsonFileWatcher({
    files: [{ which: 'positions', path }],
    now: () => (clock += 1),
    emit: (e) => events.push(e),
    onError: (m) => errors.push(m),
    ...extra,
  });
  const files = () => events.flatMap((e) => (e.kind === 'json-file' ? [e.file] : []));
  const seen = () =>
    `events: ${JSON.stringify(events.map((e) => (e.kind === 'json-file' ? (e.file.content?.slice(0, 20) ?? 'absent') : e.kind)))}, errors: ${JSON.stringify(errors)}`;
  const waitFor = (what: string, predicate: () => boolean) => waitUntil(what, predicate, { seen });
  return { watcher, events, errors, files, waitFor };
}

test('absent at start, then an atomic rename: one event per content, tmp files ignored', async (t) => {
  const { root, dir, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  const w = await watch(path);
  t.after(() => w.watcher.close());
  // The initial state is emitted before start resolves.
  assert.deepEqual(
    w.files().map((f) => [f.which, f.content, f.sha256]),
    [['positions', undefined, undefined]],
  );

  await writeFile(join(dir, 'tmpdeadbeef.tmp'), '{"half": '); // a writer's leftover: not our file
  await atomicWrite(path, SAMPLE);
  await w.waitFor('the written content', () => w.files().length === 2);
  const [, written] = w.files();
  assert.equal(written!.content, SAMPLE);
  assert.equal(written!.sha256, sha(SAMPLE));
  assert.equal(typeof written!.observedAt, 'number');
  await sleep(300);
  assert.equal(w.files().length, 2, 'no duplicate or tmp-file events');
  assert.deepEqual(w.errors, []);
});

test('successive writes: each new content once; the same bytes again (new inode) are not a change', async (t) => {
  const { root, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  await atomicWrite(path, '[]');
  const w = await watch(path);
  t.after(() => w.watcher.close());
  assert.equal(w.files()[0]!.content, '[]');
  const v2 = SAMPLE.replace('"units": 1,', '"units": 2,');
  await atomicWrite(path, SAMPLE);
  await w.waitFor('v1', () => w.files().length === 2);
  await atomicWrite(path, v2);
  await w.waitFor('v2', () => w.files().length === 3);
  await atomicWrite(path, v2);
  await sleep(400);
  assert.deepEqual(
    w.files().map((f) => f.sha256),
    [sha('[]'), sha(SAMPLE), sha(v2)],
  );
});

test('an in-place rewrite (truncate, then write) is read once it has settled, never half-written', async (t) => {
  const { root, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  await atomicWrite(path, SAMPLE);
  const w = await watch(path);
  t.after(() => w.watcher.close());
  // health_check: open(path, "w") truncates, json.dump writes a moment later.
  const handle = await open(path, 'w');
  await sleep(30);
  await handle.writeFile('[]');
  await handle.close();
  await w.waitFor('the rewritten content', () => w.files().some((f) => f.content === '[]'));
  await sleep(300);
  assert.deepEqual(
    w.files().map((f) => f.content?.length),
    [SAMPLE.length, 2],
  );
});

test('the directory deleted and re-created (twice): absent, then the new file each time', async (t) => {
  const { root, dir, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  await atomicWrite(path, SAMPLE);
  const w = await watch(path);
  t.after(() => w.watcher.close());
  for (const content of ['[]', SAMPLE]) {
    const before = w.files().length;
    await rm(dir, { recursive: true });
    await w.waitFor('absent after the directory went away', () => w.files().length === before + 1);
    assert.equal(w.files().at(-1)!.content, undefined);
    await mkdir(dir);
    await sleep(50);
    await atomicWrite(path, content);
    await w.waitFor('content in the re-created directory', () => w.files().length === before + 2);
    assert.equal(w.files().at(-1)!.content, content);
  }
});

test('the data directory itself replaced: the slow re-stat finds the file again', async (t) => {
  const { root, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  await atomicWrite(path, SAMPLE);
  const w = await watch(path, { restatMs: 150 });
  t.after(() => w.watcher.close());
  await rm(join(root, 'data'), { recursive: true });
  await w.waitFor('absent', () => w.files().at(-1)?.content === undefined);
  await mkdir(dirname(path), { recursive: true });
  await atomicWrite(path, '[]');
  await w.waitFor('the new file', () => w.files().at(-1)?.content === '[]');
  // …and the re-armed watches see the next write promptly again.
  await atomicWrite(path, SAMPLE);
  await w.waitFor('the next write', () => w.files().at(-1)?.content === SAMPLE);
});

test('a directory where the file should be: an error through onError, then recovery with source-ok', async (t) => {
  const { root, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(path);
  const w = await watch(path);
  t.after(() => w.watcher.close());
  assert.deepEqual(w.files(), []);
  assert.equal(w.errors.length, 1);
  assert.equal(w.errors[0], `${path}: is a directory, expected the JSON file`);
  await rmdir(path);
  await atomicWrite(path, SAMPLE);
  await w.waitFor('the file once readable', () => w.files().some((f) => f.content === SAMPLE));
  const kinds = w.events.map((e) => e.kind);
  assert.equal(kinds[0], 'source-ok', 'the first good read after an error says so');
  assert.deepEqual(w.events[0], {
    kind: 'source-ok',
    source: 'state-files',
    observedAt: (w.events[0] as { observedAt: number }).observedAt,
  });
});

test('a file the sidecar may not read (mode 000): an error, not a crash', async (t) => {
  const { root, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  await atomicWrite(path, SAMPLE);
  await chmod(path, 0o000);
  if (process.getuid?.() !== 0) {
    const w = await watch(path);
    t.after(() => w.watcher.close());
    assert.deepEqual(w.files(), []);
    assert.match(w.errors[0]!, /permission denied \(EACCES\)/);
    return;
  }
  // Root reads mode-000 files, so the watcher runs in a child process under an unprivileged user,
  // as the sidecar would when its run-time user cannot read root's 0600 files.
  await chmod(root, 0o755);
  await chmod(join(root, 'data'), 0o755);
  await chmod(dirname(path), 0o755);
  const moduleUrl = new URL('../src/adapters/json-files.ts', import.meta.url).href;
  const script = `
    const { startJsonFileWatcher } = await import(${JSON.stringify(moduleUrl)});
    const out = { events: [], errors: [] };
    const w = await startJsonFileWatcher({ files: [{ which: 'positions', path: ${JSON.stringify(path)} }], now: () => 1,
      emit: (e) => out.events.push(e), onError: (m) => out.errors.push(m) });
    await w.close();
    console.log(JSON.stringify(out));`;
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repo,
    uid: 65534,
    gid: 65534,
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as { events: unknown[]; errors: string[] };
  assert.deepEqual(out.events, []);
  assert.equal(out.errors.length, 1);
  assert.match(out.errors[0]!, /positions\.json: permission denied \(EACCES\): the sidecar's user cannot read it/);
});

test('without fs.watch: the re-stat alone sees changes, and poke() reads at once', async (t) => {
  const { root, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  const slow = await watch(path, { fsWatch: false, restatMs: 60_000 });
  t.after(() => slow.watcher.close());
  await atomicWrite(path, SAMPLE);
  await sleep(300);
  assert.equal(slow.files().length, 1, 'nothing watches the directory, and the re-stat is a minute away');
  await slow.watcher.poke();
  assert.equal(slow.files().at(-1)!.content, SAMPLE, 'poke resolves after the read and the emit');

  const restat = await watch(path, { fsWatch: false, restatMs: 100 });
  t.after(() => restat.watcher.close());
  await atomicWrite(path, '[]');
  await restat.waitFor('the re-stat to notice', () => restat.files().at(-1)?.content === '[]');
});

test('an emit that throws is reported through onError, and the watcher keeps going', async (t) => {
  const { root, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  const seen: string[] = [];
  const errors: string[] = [];
  const watcher = await startJsonFileWatcher({
    files: [{ which: 'positions', path }],
    now: () => 1,
    emit: (e) => {
      const content = e.kind === 'json-file' ? (e.file.content ?? 'absent') : e.kind;
      seen.push(content);
      if (content === '[]') throw new Error('loop is gone');
    },
    onError: (m) => errors.push(m),
  });
  t.after(() => watcher.close());
  await atomicWrite(path, '[]');
  const deadline = Date.now() + 4_000;
  while (errors.length === 0 && Date.now() < deadline) await sleep(10);
  assert.deepEqual(errors, ['state-file watcher: loop is gone']);
  await atomicWrite(path, SAMPLE);
  while (seen.length < 3 && Date.now() < deadline) await sleep(10);
  assert.deepEqual(seen, ['absent', '[]', SAMPLE]);
});

test('after close nothing is emitted', async (t) => {
  const { root, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  const w = await watch(path, { restatMs: 50 });
  await w.watcher.close();
  await atomicWrite(path, SAMPLE);
  await sleep(300);
  assert.equal(w.events.length, 1);
});

test('readJsonFile: bytes hashed as read, BOM kept, invalid UTF-8 visible as U+FFFD, size capped', async (t) => {
  const { root, path } = await layout();
  t.after(() => rm(root, { recursive: true, force: true }));
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('["a'), Buffer.from([0xff]), Buffer.from('"]')]);
  await writeFile(path, bytes);
  const read = await readJsonFile('positions', path, () => 42);
  assert.ok(read.ok);
  assert.equal(read.file.sha256, sha(bytes));
  assert.equal(read.file.content, '\uFEFF["a\uFFFD"]');
  assert.equal(read.file.observedAt, 42);
  const big = await readJsonFile('positions', path, () => 42, 4);
  assert.deepEqual(big.ok ? 'ok' : [big.unstable, !big.unstable && big.code], [false, 'EFBIG']);
  const absent = await readJsonFile('entries', join(root, 'nope.json'), () => 7);
  assert.deepEqual(absent, { ok: true, file: { which: 'entries', observedAt: 7 }, statKey: 'absent' });
});
