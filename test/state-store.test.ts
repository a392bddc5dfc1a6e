// The durable store: atomic checkpoints, fsync'd journal, and cutting journal entries a crash left
// ahead of the checkpoint (their lines are read again from the checkpoint's cursors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../src/adapters/state-store.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'sentinel-store-'));

test('a checkpoint and its journal entries survive a reopen', () => {
  const dir = fresh();
  const a = new StateStore<{ n: number }, { offset: number }, string>(dir);
  assert.equal(a.open().ok, true);
  a.appendJournal(1, [{ type: 'incident-opened', incidentId: 'INC-0001' }]);
  a.saveCheckpoint({ seq: 1, savedAt: 5, core: { n: 42 }, cursors: { 'check_kr.log': { offset: 10 } }, outbox: ['hello'] });
  a.close();
  const b = new StateStore<{ n: number }, { offset: number }, string>(dir);
  const opened = b.open();
  assert.ok(opened.ok);
  assert.equal(opened.checkpoint?.core.n, 42);
  assert.deepEqual(opened.checkpoint?.cursors, { 'check_kr.log': { offset: 10 } });
  assert.deepEqual(opened.checkpoint?.outbox, ['hello']);
  assert.deepEqual(opened.journal, [{ seq: 1, type: 'incident-opened', incidentId: 'INC-0001' }]);
  assert.equal(statSync(join(dir, 'checkpoint.json')).mode & 0o777, 0o600);
  b.close();
});

test('journal entries newer than the checkpoint (crash between the two writes) are cut on open', () => {
  const dir = fresh();
  const a = new StateStore<{ n: number }, never, never>(dir);
  a.open();
  a.appendJournal(1, [{ type: 'incident-opened', incidentId: 'INC-0001' }]);
  a.saveCheckpoint({ seq: 1, savedAt: 1, core: { n: 1 }, cursors: {}, outbox: [] });
  a.appendJournal(2, [{ type: 'incident-opened', incidentId: 'INC-0002' }]); // then "kill -9"
  a.close();
  const b = new StateStore<{ n: number }, never, never>(dir);
  const opened = b.open();
  assert.ok(opened.ok);
  assert.equal(opened.droppedJournalEntries, 1);
  assert.deepEqual(
    opened.journal.map((j) => (j as { incidentId: string }).incidentId),
    ['INC-0001'],
  );
  assert.equal(readFileSync(join(dir, 'journal.jsonl'), 'utf8').includes('INC-0002'), false, 'the cut is made durable');
  b.close();
});

test('a torn last journal line is dropped silently; the store keeps appending after it', () => {
  const dir = fresh();
  const a = new StateStore<{ n: number }, never, never>(dir);
  a.open();
  a.appendJournal(1, [{ type: 'x', incidentId: 'INC-0001' }]);
  a.saveCheckpoint({ seq: 1, savedAt: 1, core: { n: 1 }, cursors: {}, outbox: [] });
  a.close();
  appendFileSync(join(dir, 'journal.jsonl'), '{"seq":1,"type":"x","inci');
  const b = new StateStore<{ n: number }, never, never>(dir);
  const opened = b.open();
  assert.ok(opened.ok);
  assert.equal(opened.journal.length, 1);
  assert.deepEqual(opened.warnings, []);
  b.appendJournal(2, [{ type: 'y' }]);
  b.close();
  const lines = readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string });
  assert.deepEqual(
    lines.map((l) => l.type),
    ['x', 'y'],
  );
});

test('an unreadable checkpoint falls back to the previous copy; with neither, open fails clearly', () => {
  const dir = fresh();
  const a = new StateStore<{ n: number }, never, never>(dir);
  a.open();
  a.saveCheckpoint({ seq: 1, savedAt: 1, core: { n: 1 }, cursors: {}, outbox: [] });
  a.saveCheckpoint({ seq: 2, savedAt: 2, core: { n: 2 }, cursors: {}, outbox: [] });
  a.close();
  writeFileSync(join(dir, 'checkpoint.json'), '{"seq": 3, "core": {"n": ');
  const b = new StateStore<{ n: number }, never, never>(dir);
  const opened = b.open();
  assert.ok(opened.ok);
  assert.equal(opened.checkpoint?.core.n, 1);
  assert.ok(opened.warnings.some((w) => w.includes('previous checkpoint')));
  b.close();
  writeFileSync(join(dir, 'checkpoint.prev.json'), 'garbage');
  const c = new StateStore<{ n: number }, never, never>(dir);
  const failed = c.open();
  assert.equal(failed.ok, false);
  assert.match(failed.ok ? '' : failed.error, /checkpoint\.json: unreadable/);
  assert.equal(existsSync(join(dir, 'checkpoint.json.tmp')), false);
});
