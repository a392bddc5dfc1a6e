// durable.ts on real temp directories: an atomic replace shows old or new content, never a mix, and
// leaves no temp file; exclusive creation refuses an existing file; a JSONL file's torn tail is
// tolerated on read and ended before the next append.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import {
  createFileComplete,
  createFileExclusive,
  ensureDir,
  openJsonlAppender,
  readJsonl,
  replaceFileAtomic,
  type JsonlRead,
} from '../src/adapters/durable.ts';

function fresh(): string {
  const dir = mkdtempSync(join(tmpdir(), 'durable-'));
  test.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const summary = (read: JsonlRead) => ({ values: read.records.map((r) => r.value), unreadable: read.unreadable, tornTail: read.tornTail });

test('an atomic replace creates or replaces the whole file, with its mode, and leaves no temp file', () => {
  const dir = fresh();
  const path = join(dir, 'state.json');
  replaceFileAtomic(path, 'first\n');
  assert.equal(readFileSync(path, 'utf8'), 'first\n');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  replaceFileAtomic(path, 'second\n');
  assert.equal(readFileSync(path, 'utf8'), 'second\n');
  assert.deepEqual(readdirSync(dir), ['state.json']);
});

test('a failed replace keeps the old content and cleans its temp file', () => {
  const dir = fresh();
  const path = join(dir, 'state.json');
  replaceFileAtomic(path, 'old');
  // Renaming a file over a directory fails after the temp file was written.
  const blocked = join(dir, 'blocked');
  ensureDir(join(blocked, 'child'));
  assert.throws(() => replaceFileAtomic(blocked, 'new'));
  assert.equal(readFileSync(path, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir).sort(), ['blocked', 'state.json']);
});

test('a reader racing a writer sees the old content or the new, never a mix', async () => {
  const dir = fresh();
  const path = join(dir, 'state.json');
  const versions = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(2)}:`.padEnd(100_000, String.fromCharCode(97 + (i % 26))));
  replaceFileAtomic(path, versions[0]!);
  // The writer runs in another process, so reads really interleave with its writes.
  const writer = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { replaceFileAtomic } from ${JSON.stringify(new URL('../src/adapters/durable.ts', import.meta.url).href)};
       for (let round = 0; round < 2; round++)
         for (let i = 0; i < 20; i++) replaceFileAtomic(${JSON.stringify(path)}, \`\${String(i).repeat(2)}:\`.padEnd(100000, String.fromCharCode(97 + (i % 26))));`,
    ],
    { stdio: 'inherit' },
  );
  const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
  const known = new Set(versions);
  let reads = 0;
  let running = true;
  void exited.then(() => (running = false));
  while (running) {
    assert.ok(known.has(readFileSync(path, 'utf8')), 'a read saw a mix of two versions');
    reads += 1;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(await exited, 0);
  assert.ok(reads > 0);
  assert.equal(readFileSync(path, 'utf8'), versions[19]);
  assert.deepEqual(readdirSync(dir), ['state.json']);
});

test('an exclusive create refuses an existing file and leaves it untouched', () => {
  const dir = fresh();
  const path = join(dir, 'lock');
  createFileExclusive(path, 'mine');
  assert.throws(() => createFileExclusive(path, 'theirs'), { code: 'EEXIST' });
  assert.equal(readFileSync(path, 'utf8'), 'mine');
});

test('a complete create never replaces an existing file and leaves no temp file either way', async () => {
  const dir = fresh();
  const path = join(dir, 'copy');
  await createFileComplete(path, async (handle) => void (await handle.writeFile('one')));
  await assert.rejects(
    createFileComplete(path, async (handle) => void (await handle.writeFile('two'))),
    { code: 'EEXIST' },
  );
  assert.equal(readFileSync(path, 'utf8'), 'one');
  assert.deepEqual(readdirSync(dir), ['copy']);
});

test('JSONL: appended records read back in order; a torn last line is ignored and ended before the next append', () => {
  const dir = fresh();
  const path = join(dir, 'sub', 'journal.jsonl');
  assert.deepEqual(readJsonl(path), { records: [], unreadable: [], tornTail: false });
  const a = openJsonlAppender(path);
  a.append({ n: 1 }, { n: 2 });
  a.close();
  assert.ok(existsSync(path), 'the directory and the file are created');
  appendFileSync(path, '{"n": 3, "tor');
  assert.deepEqual(summary(readJsonl(path)), { values: [{ n: 1 }, { n: 2 }], unreadable: [], tornTail: true });
  const b = openJsonlAppender(path);
  b.append({ n: 4 });
  b.close();
  const healed = readJsonl(path);
  assert.deepEqual(
    healed.records.map((r) => [r.line, r.value]),
    [
      [1, { n: 1 }],
      [2, { n: 2 }],
      [4, { n: 4 }],
    ],
  );
  // The torn line is now in the middle: reported (line 3), no longer the tail.
  assert.deepEqual(healed.unreadable, [3]);
  assert.equal(healed.tornTail, false);
});

test('JSONL: blank lines are skipped; an unreadable last line ending in a newline is still the torn tail', () => {
  const dir = fresh();
  const path = join(dir, 'j.jsonl');
  writeFileSync(path, '{"a":1}\n\n  \n{"a":2}\nnot json\n');
  assert.deepEqual(summary(readJsonl(path)), { values: [{ a: 1 }, { a: 2 }], unreadable: [], tornTail: true });
});
