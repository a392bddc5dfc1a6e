// Durable state on disk: one checkpoint (core state + tail cursors + undelivered notices), replaced
// atomically, and an append-only journal of incident transitions. Both survive kill -9 at any moment.
//
// Order of writes for one step: journal entries (appended, fsync'd) with the step's sequence number,
// then the checkpoint carrying that same number (temp file, fsync, rename, fsync of the directory).
// A crash between the two leaves journal entries newer than the checkpoint; on open they are cut off,
// because re-reading the same lines from the checkpoint's cursors produces them again. So every log
// line is evaluated exactly once as far as anything durable can tell.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface Checkpoint<Core, Cursor, Pending> {
  seq: number;
  savedAt: number;
  core: Core;
  cursors: Record<string, Cursor>;
  /** Notices decided but not yet handed to the notifier. */
  outbox: Pending[];
}

export type OpenResult<Core, Cursor, Pending> =
  | { ok: true; checkpoint?: Checkpoint<Core, Cursor, Pending>; journal: unknown[]; droppedJournalEntries: number; warnings: string[] }
  | { ok: false; error: string };

const CHECKPOINT = 'checkpoint.json';
const PREVIOUS = 'checkpoint.prev.json';
const JOURNAL = 'journal.jsonl';

export class StateStore<Core, Cursor, Pending> {
  private journalFd: number | undefined;

  constructor(readonly dir: string) {}

  /** Load the last checkpoint and the journal, cutting journal entries the checkpoint does not cover. */
  open(): OpenResult<Core, Cursor, Pending> {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (err) {
      return { ok: false, error: `state directory ${this.dir}: ${(err as Error).message}` };
    }
    const warnings: string[] = [];
    let checkpoint = this.readCheckpoint(join(this.dir, CHECKPOINT), warnings);
    if (checkpoint === null) {
      // The current file is unreadable (it never should be, renames are atomic; a disk may lie).
      checkpoint = this.readCheckpoint(join(this.dir, PREVIOUS), warnings);
      if (checkpoint === null)
        return { ok: false, error: `${join(this.dir, CHECKPOINT)}: unreadable, and so is its previous copy: ${warnings.join('; ')}` };
      warnings.push('used the previous checkpoint');
    }
    const seq = checkpoint?.seq ?? 0;
    const journalPath = join(this.dir, JOURNAL);
    const kept: string[] = [];
    const journal: unknown[] = [];
    let dropped = 0;
    if (existsSync(journalPath)) {
      const text = readFileSync(journalPath, 'utf8');
      const lines = text.split('\n');
      for (const [index, line] of lines.entries()) {
        if (line === '') continue;
        let record: { seq?: unknown };
        try {
          record = JSON.parse(line) as { seq?: unknown };
        } catch {
          // Only the last line can be torn by a crash mid-append; anything else is reported.
          if (index !== lines.length - 1 && !(index === lines.length - 2 && lines[lines.length - 1] === '')) {
            warnings.push(`${journalPath}:${index + 1}: unreadable journal line dropped`);
          }
          dropped += 1;
          continue;
        }
        if (typeof record.seq === 'number' && record.seq > seq) {
          dropped += 1;
          continue;
        }
        kept.push(line);
        journal.push(record);
      }
      if (dropped > 0) this.replaceFile(journalPath, kept.length ? kept.join('\n') + '\n' : '');
    }
    this.journalFd = openSync(journalPath, 'a', 0o600);
    return { ok: true, ...(checkpoint ? { checkpoint } : {}), journal, droppedJournalEntries: dropped, warnings };
  }

  /** Append entries with the sequence number of the checkpoint that will follow them. */
  appendJournal(seq: number, entries: object[]): void {
    if (entries.length === 0) return;
    if (this.journalFd === undefined) throw new Error('state store is not open');
    const text = entries.map((e) => JSON.stringify({ seq, ...e })).join('\n') + '\n';
    writeSync(this.journalFd, text);
    fsyncSync(this.journalFd);
  }

  saveCheckpoint(checkpoint: Checkpoint<Core, Cursor, Pending>): void {
    const path = join(this.dir, CHECKPOINT);
    if (existsSync(path)) {
      // Keep the previous good copy as a hard fallback; link-free copy keeps it simple and portable.
      this.replaceFile(join(this.dir, PREVIOUS), readFileSync(path, 'utf8'));
    }
    this.replaceFile(path, JSON.stringify(checkpoint));
  }

  close(): void {
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
  }

  private readCheckpoint(path: string, warnings: string[]): Checkpoint<Core, Cursor, Pending> | undefined | null {
    if (!existsSync(path)) return undefined;
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint<Core, Cursor, Pending>;
      if (typeof parsed.seq !== 'number' || typeof parsed.core !== 'object' || parsed.core === null) {
        warnings.push(`${path}: not a checkpoint`);
        return null;
      }
      return parsed;
    } catch (err) {
      warnings.push(`${path}: ${(err as Error).message}`);
      return null;
    }
  }

  /** Write-to-temp, fsync, rename, fsync the directory: the file is either old or new, never torn. */
  private replaceFile(path: string, content: string): void {
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
