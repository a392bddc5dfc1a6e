// Runbook §1 on real files: byte-exact, SHA-256 verified copies with mode, owner and times kept, names
// that never match the guarded system's `positions_*.json` glob, log snapshots; and the journal and
// lock the engine's crash safety rests on (torn lines, stale locks).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupStamp, takeBackup } from '../src/runtime/rollback/backup.ts';
import { RollbackJournal } from '../src/runtime/rollback/journal.ts';
import { acquireLock, processStartTicks } from '../src/runtime/rollback/lock.ts';
import { SAMPLES, writeStateFiles } from './docker/rollback-kit.ts';

const AT = Date.UTC(2026, 1, 24, 7, 0, 2); // 16:00:02 KST
const isRoot = process.getuid?.() === 0;

function deployment() {
  const root = mkdtempSync(join(tmpdir(), 'rollback-backup-'));
  const dataDir = join(root, 'data');
  const logsDir = join(root, 'logs');
  mkdirSync(logsDir, { recursive: true });
  return { root, dataDir, logsDir };
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('backup (runbook §1)', () => {
  it('names the copy with the operator-zone stamp', () => {
    assert.equal(backupStamp(AT, 'Asia/Seoul'), '20260224_160002');
    assert.equal(backupStamp(AT, 'UTC'), '20260224_070002');
  });

  it('copies the three state files byte for byte, SHA-256 verified, mode, owner and times kept; the sources untouched', async () => {
    const d = deployment();
    writeStateFiles(d.dataDir);
    const positions = join(d.dataDir, 'positions/positions.json');
    if (isRoot) chownSync(positions, 1234, 5678);
    utimesSync(positions, new Date('2026-02-19T00:41:07Z'), new Date('2026-02-19T00:41:07Z'));
    chmodSync(join(d.dataDir, 'positions'), 0o750);
    const before = statSync(positions);
    const bytes = readFileSync(positions);
    writeFileSync(join(d.logsDir, 'check_kr.log'), readFileSync(join(SAMPLES, '../../runs/check_kr.log')));
    writeFileSync(join(d.logsDir, 'daily_report.log'), 'x\n');
    writeFileSync(join(d.logsDir, 'notes.txt'), 'not a log\n');

    const r = await takeBackup({ dataDir: d.dataDir, logsDir: d.logsDir, logs: [], at: AT, timeZone: 'Asia/Seoul' });
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(r.value.stamp, '20260224_160002');
    const copy = join(d.dataDir, 'positions/backups/positions.json.pre-rollback-20260224_160002');
    assert.deepEqual(
      r.value.files.map((f) => f.backup),
      [
        copy,
        join(d.dataDir, 'entries/backups/entries.json.pre-rollback-20260224_160002'),
        join(d.dataDir, 'trades/backups/order_log.json.pre-rollback-20260224_160002'),
      ],
    );
    for (const f of r.value.files) {
      const original = readFileSync(f.source);
      const copied = readFileSync(f.backup!);
      assert.ok(copied.equals(original), `${f.file} byte-identical`);
      assert.equal(f.sha256, sha(original));
      assert.equal(statSync(f.backup!).mode & 0o777, 0o600, `${f.file} mode 0600`);
    }
    const st = statSync(copy);
    if (isRoot) assert.deepEqual([st.uid, st.gid], [1234, 5678], 'owner kept');
    assert.equal(st.mtimeMs, before.mtimeMs, 'mtime kept (cp -p)');
    // backups/ made like its parent, so the guarded system can still write its own backups there.
    assert.equal(statSync(join(d.dataDir, 'positions/backups')).mode & 0o777, 0o750);
    // The source was only read: same inode, bytes and mtime.
    const after = statSync(positions);
    assert.deepEqual([after.ino, after.mtimeMs, after.size], [before.ino, before.mtimeMs, before.size]);
    assert.ok(readFileSync(positions).equals(bytes));
    // Nothing the guarded system restores from, no temp files left behind.
    for (const dir of ['positions/backups', 'entries/backups', 'trades/backups']) {
      for (const name of readdirSync(join(d.dataDir, dir))) {
        assert.doesNotMatch(name, /^(positions|entries)_.*\.json$/, `${name} must not match the restore glob`);
        assert.doesNotMatch(name, /\.tmp$/);
      }
    }
    assert.deepEqual(
      r.value.logs.map((l) => l.snapshot),
      [join(d.logsDir, 'check_kr.log.pre-rollback-20260224_160002'), join(d.logsDir, 'daily_report.log.pre-rollback-20260224_160002')],
    );
    assert.ok(readFileSync(r.value.logs[0]!.snapshot).equals(readFileSync(join(d.logsDir, 'check_kr.log'))));
  });

  it('a second backup in the same second gets its own name; the first is kept', async () => {
    const d = deployment();
    writeStateFiles(d.dataDir);
    const first = await takeBackup({ dataDir: d.dataDir, logsDir: d.logsDir, logs: [], at: AT, timeZone: 'Asia/Seoul' });
    writeFileSync(join(d.dataDir, 'positions/positions.json'), '[]');
    const second = await takeBackup({ dataDir: d.dataDir, logsDir: d.logsDir, logs: [], at: AT, timeZone: 'Asia/Seoul' });
    assert.ok(first.ok && second.ok);
    assert.equal(second.value.files[0]!.backup, `${first.value.files[0]!.backup}.1`);
    assert.ok(readFileSync(first.value.files[0]!.backup!).equals(readFileSync(join(SAMPLES, 'positions.json'))));
    assert.equal(readFileSync(second.value.files[0]!.backup!, 'utf8'), '[]');
  });

  it('missing optional files are skipped; a missing positions.json is recorded, not invented', async () => {
    const d = deployment();
    const r = await takeBackup({ dataDir: d.dataDir, logsDir: join(d.root, 'no-logs'), logs: [], at: AT, timeZone: 'Asia/Seoul' });
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.files.map((f) => f.backup),
      [undefined, undefined, undefined],
    );
    assert.deepEqual(r.value.logs, []);
    assert.deepEqual(readdirSync(d.root), ['logs'], 'no directories or files created for absent sources');
  });

  it('an unreadable positions.json is an error value, not an exception', async () => {
    const d = deployment();
    mkdirSync(join(d.dataDir, 'positions/positions.json'), { recursive: true }); // a directory where the file should be
    const r = await takeBackup({ dataDir: d.dataDir, logsDir: d.logsDir, logs: [], at: AT, timeZone: 'Asia/Seoul' });
    assert.ok(!r.ok);
    assert.match(r.error, /positions\.json/);
  });
});

describe('journal and lock', () => {
  it('a line torn by a crash is skipped, and the next record still starts on its own line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollback-journal-'));
    const j1 = new RollbackJournal(dir);
    j1.append({ t: 'failed-target', execId: 'e1', target: 'image:a', detail: 'x', at: 1 });
    j1.close();
    appendFileSync(join(dir, 'journal.jsonl'), '{"t":"failed-target","execId":"e2","tar');
    const j2 = new RollbackJournal(dir);
    assert.deepEqual(
      j2.failedTargets().map((f) => f.target),
      ['image:a'],
    );
    j2.append({ t: 'failed-target', execId: 'e3', target: 'image:c', detail: 'y', at: 3 });
    assert.deepEqual(
      new RollbackJournal(dir).failedTargets().map((f) => f.target),
      ['image:a', 'image:c'],
    );
  });

  it('one holder at a time; a dead holder or a reused pid is stale', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rollback-lock-')), 'lock');
    const a = acquireLock(path, { incidentId: 'i1', action: 'rollback', at: 1 });
    assert.ok(a.ok);
    const b = acquireLock(path, { incidentId: 'i2', action: 'rollback', at: 2 });
    assert.ok(!b.ok);
    assert.equal(b.holder.incidentId, 'i1');
    a.release();
    // A holder that died: a real process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path, JSON.stringify({ pid: Number(dead.stdout), incidentId: 'gone', action: 'rollback', at: 3 }));
    const c = acquireLock(path, { incidentId: 'i3', action: 'rollback', at: 4 });
    assert.ok(c.ok, 'a dead holder does not block');
    c.release();
    // Our own pid, but another process start: the pid was reused after a restart.
    const ticks = processStartTicks(process.pid);
    if (ticks !== undefined) {
      writeFileSync(path, JSON.stringify({ pid: process.pid, started: ticks - 1, incidentId: 'old', action: 'rollback', at: 5 }));
      const d = acquireLock(path, { incidentId: 'i4', action: 'rollback', at: 6 });
      assert.ok(d.ok, 'a reused pid does not block');
      d.release();
    }
  });
});
