// The directory watcher against a real temp dir: events arrive for entries, the directory deleted and
// re-created (and not there yet at start) is still followed, bursts are coalesced, and close() silences it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchDir, type DirChange, type DirWatchOptions } from '../src/adapters/dir-watch.ts';
import { sleep, waitFor } from './helpers/wait.ts';

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

/** A watcher on `<root>/logs` recording every change; `named(x)` tells whether a change could concern x. */
async function recording(options: Partial<DirWatchOptions> = {}, create = true) {
  const root = await mkdtemp(join(tmpdir(), 'dir-watch-'));
  roots.push(root);
  const dir = join(root, 'logs');
  if (create) mkdirSync(dir);
  const changes: DirChange[] = [];
  const watch = await watchDir({ dir, onChange: (change) => changes.push(change), ...options });
  const named = (name: string) => changes.some((c) => !c.names || c.names.has(name));
  return { root, dir, changes, watch, named };
}

test('an entry written in the directory is reported by name', async () => {
  const w = await recording();
  try {
    writeFileSync(join(w.dir, 'a.log'), 'x\n');
    await waitFor('a.log', () => w.changes.some((c) => c.names?.has('a.log')));
  } finally {
    w.watch.close();
  }
});

test('the directory deleted and re-created (twice) still delivers events', async () => {
  const w = await recording({ coalesceMs: 0 });
  try {
    for (const round of [1, 2]) {
      w.changes.length = 0;
      rmSync(w.dir, { recursive: true });
      mkdirSync(w.dir); // often with the inode number it had: the watch must be renewed all the same
      await waitFor(`the re-arm after round ${round}`, () => w.changes.some((c) => c.names === undefined));
      await w.watch.rearm();
      w.changes.length = 0;
      appendFileSync(join(w.dir, `round${round}.log`), 'x\n');
      await waitFor(`round${round}.log after re-creation`, () => w.changes.some((c) => c.names?.has(`round${round}.log`)));
    }
  } finally {
    w.watch.close();
  }
});

test('a directory that does not exist at start is followed once it appears', async () => {
  const w = await recording({}, false);
  try {
    mkdirSync(w.dir);
    await waitFor('the directory appearing', () => w.changes.length > 0);
    await w.watch.rearm();
    w.changes.length = 0;
    writeFileSync(join(w.dir, 'late.log'), 'x\n');
    await waitFor('late.log', () => w.named('late.log'));
  } finally {
    w.watch.close();
  }
});

test('a burst of events within the window is one change; the re-scan is marked as such; close() silences', async () => {
  const w = await recording({ coalesceMs: 50, rescanMs: 30 });
  try {
    for (let i = 0; i < 20; i++) appendFileSync(join(w.dir, 'burst.log'), `${i}\n`);
    await waitFor('the burst', () => w.changes.some((c) => !c.rescan && c.names?.has('burst.log')));
    assert.equal(w.changes.filter((c) => !c.rescan).length, 1, 'one change for the whole burst');
    await waitFor('a re-scan', () => w.changes.some((c) => c.rescan && c.names === undefined));
  } finally {
    w.watch.close();
  }
  const count = w.changes.length;
  appendFileSync(join(w.dir, 'burst.log'), 'after\n');
  await sleep(100);
  assert.equal(w.changes.length, count, 'nothing after close()');
});
