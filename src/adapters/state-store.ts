// Durable state on disk: one checkpoint (core state + tail cursors + undelivered notices), replaced
// atomically, and an append-only journal of incident transitions. Both survive kill -9 at any moment.
//
// Order of writes for one step: journal entries (appended, fsync'd) with the step's sequence number,
// then the checkpoint carrying that same number (temp file, fsync, rename, fsync of the directory).
// A crash between the two leaves journal entries newer than the checkpoint; on open they are cut off,
// because re-reading the same lines from the checkpoint's cursors produces them again. So every log
// line is evaluated exactly once as far as anything durable can tell.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, openJsonlAppender, readJsonl, replaceFileAtomic, type JsonlAppender } from './durable.ts';

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
  private journal: JsonlAppender | undefined;

  constructor(readonly dir: string) {}

  /** Load the last checkpoint and the journal, cutting journal entries the checkpoint does not cover. */
  open(): OpenResult<Core, Cursor, Pending> {
    try {
      ensureDir(this.dir);
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
    const kept: unknown[] = [];
    const read = readJsonl(journalPath);
    // Only the last line can be torn by a crash mid-append; anything else is reported.
    for (const line of read.unreadable) warnings.push(`${journalPath}:${line}: unreadable journal line dropped`);
    let dropped = read.unreadable.length + (read.tornTail ? 1 : 0);
    for (const { value } of read.records) {
      const recordSeq = (value as { seq?: unknown } | null)?.seq;
      if (typeof recordSeq === 'number' && recordSeq > seq) {
        dropped += 1;
        continue;
      }
      kept.push(value);
    }
    if (dropped > 0) replaceFileAtomic(journalPath, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    this.journal = openJsonlAppender(journalPath);
    return { ok: true, ...(checkpoint ? { checkpoint } : {}), journal: kept, droppedJournalEntries: dropped, warnings };
  }

  /** Append entries with the sequence number of the checkpoint that will follow them. */
  appendJournal(seq: number, entries: object[]): void {
    if (entries.length === 0) return;
    if (this.journal === undefined) throw new Error('state store is not open');
    this.journal.append(...entries.map((e) => ({ seq, ...e })));
  }

  saveCheckpoint(checkpoint: Checkpoint<Core, Cursor, Pending>): void {
    const path = join(this.dir, CHECKPOINT);
    if (existsSync(path)) {
      // Keep the previous good copy as a hard fallback; link-free copy keeps it simple and portable.
      replaceFileAtomic(join(this.dir, PREVIOUS), readFileSync(path, 'utf8'));
    }
    replaceFileAtomic(path, JSON.stringify(checkpoint));
  }

  close(): void {
    this.journal?.close();
    this.journal = undefined;
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
}
