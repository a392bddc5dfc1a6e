// The cursor tracker against real files: a copy-truncate resets the offset (and says so), a rename rotation
// while stopped is found by inode, and a name moves on to the file now at its path once its inode is done.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CursorTracker, type TailReporter } from '../src/adapters/tail-cursors.ts';

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function tracked(cursors: (dir: string) => Record<string, { ino: number; offset: number }>, files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'tail-cursors-'));
  roots.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const errors: string[] = [];
  const report: TailReporter = { error: (m) => errors.push(m), once: (_k, m) => errors.push(m), clear: () => {} };
  const tracker = new CursorTracker(dir, (name) => name.endsWith('.log'), cursors(dir), report);
  return { dir, tracker, errors };
}

test('copy-truncate: a size below the offset is reported and reading starts again from 0', async () => {
  const { tracker, errors } = await tracked((dir) => ({ 'a.log': { ino: statSync(join(dir, 'a.log')).ino, offset: 100 } }), {
    'a.log': 'x\n',
  });
  const state = tracker.files.get('a.log')!;
  tracker.checkTruncation('a.log', state, 200);
  assert.equal(state.offset, 100, 'a bigger file is an append');
  tracker.checkTruncation('a.log', state, 2);
  assert.equal(state.offset, 0);
  assert.deepEqual(errors, [
    'log tail: a.log shrank from 100 to 2 bytes (copy-truncate?): reading it again from the start; ' +
      'lines written between the last read and the truncation are not re-read',
  ]);
  await tracker.closeAll();
});

test('rotation while stopped: the inode is found under its rotated name, then the name moves on to the new file', async () => {
  const { dir, tracker, errors } = await tracked((d) => ({ 'a.log': { ino: statSync(join(d, 'a.log')).ino, offset: 4 } }), {
    'a.log': 'old\nrest\n',
  });
  renameSync(join(dir, 'a.log'), join(dir, 'a.log.1'));
  writeFileSync(join(dir, 'a.log'), 'new\n');
  const state = tracker.files.get('a.log')!;
  const fh = await tracker.handleFor('a.log', state);
  assert.ok(fh, 'the rotated inode is found');
  assert.equal((await fh.stat()).ino, statSync(join(dir, 'a.log.1')).ino);

  const atPath = await tracker.statFile(join(dir, 'a.log'));
  await tracker.moveOn('a.log', state, atPath);
  assert.deepEqual(tracker.snapshot()['a.log']!.ino, statSync(join(dir, 'a.log')).ino);
  assert.equal(tracker.snapshot()['a.log']!.offset, 0);
  assert.equal(tracker.isCommitted(tracker.snapshot()), false);

  // Committing the new cursors lets the rotated file's handle go; a rollback returns to what was committed.
  const cursors = tracker.snapshot();
  await tracker.commit(cursors);
  tracker.files.delete('a.log');
  tracker.rollback();
  assert.deepEqual(tracker.snapshot(), cursors);
  assert.deepEqual(errors, []);
  await tracker.closeAll();
});

test('cursors of names not tailed, or malformed, are dropped at start', async () => {
  const { tracker } = await tracked(
    () => ({ 'a.log': { ino: 1, offset: -1 }, 'notes.txt': { ino: 2, offset: 0 }, 'b.log': { ino: 3, offset: 7 } }),
    {},
  );
  assert.deepEqual(tracker.snapshot(), { 'b.log': { ino: 3, offset: 7 } });
});
