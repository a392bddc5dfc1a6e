// Which file the tailer is reading under each log name, and where: cursors ({inode, birth time, offset}), the
// open handles that keep rotated-away inodes readable, and how a name moves on after rotation, truncation or
// deletion. The committed copy is the last one the caller made durable; the working copy runs ahead of it.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { DecodeState } from './line-decoder.ts';

export interface TailCursor {
  ino: number;
  /** Always at a line boundary: the first byte of the next line to emit. */
  offset: number;
  /**
   * Birth time of the file (stat `birthtimeMs`), when the file system records one. Inode numbers are reused at
   * once on ext4 (delete x.log.1, create x.log: same inode), so after a restart the inode alone could take a new
   * file for the old one and skip its first `offset` bytes. Optional: a cursor without it is still honoured.
   */
  birthtimeMs?: number;
}

export interface FileId {
  ino: number;
  birthtimeMs?: number;
}

export type FileStat = FileId & { size: number };

/** A tracked file: its identity and where its decoding stands. */
export type FileState = FileId & DecodeState;

/** How problems reach the operator: persistent conditions once per key, events each time. */
export interface TailReporter {
  error(message: string): void;
  once(key: string, message: string): void;
  clear(key: string): void;
}

/** Rotated copies that were compressed are not text to tail. */
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|zip|Z)$/;

export class CursorTracker {
  /** The working copy: one state per tailed file name. */
  files: Map<string, FileState>;
  private committed: Record<string, TailCursor> = {};
  /** Open handles by inode. Kept open while a file is tracked, so a rotated-away or unlinked inode stays readable. */
  private readonly handles = new Map<number, FileHandle>();

  constructor(
    private readonly dir: string,
    private readonly include: (fileName: string) => boolean,
    cursors: Record<string, TailCursor>,
    private readonly report: TailReporter,
  ) {
    for (const [name, cursor] of Object.entries(cursors)) {
      if (include(name) && Number.isSafeInteger(cursor.ino) && Number.isSafeInteger(cursor.offset) && cursor.offset >= 0) {
        this.committed[name] = { ino: cursor.ino, offset: cursor.offset };
        if (typeof cursor.birthtimeMs === 'number' && cursor.birthtimeMs > 0) this.committed[name].birthtimeMs = cursor.birthtimeMs;
      }
    }
    this.files = statesFrom(this.committed);
  }

  /** The working cursors, by name in order. */
  snapshot(): Record<string, TailCursor> {
    const cursors: Record<string, TailCursor> = {};
    for (const [name, state] of [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      cursors[name] = { ino: state.ino, offset: state.offset };
      if (state.birthtimeMs !== undefined) cursors[name].birthtimeMs = state.birthtimeMs;
    }
    return cursors;
  }

  isCommitted(cursors: Record<string, TailCursor>): boolean {
    return sameCursors(cursors, this.committed);
  }

  /** The caller made `cursors` durable: handles no file points at any more can go. */
  async commit(cursors: Record<string, TailCursor>): Promise<void> {
    this.committed = cursors;
    const used = new Set([...this.files.values()].map((state) => state.ino));
    for (const [ino, fh] of this.handles) {
      if (!used.has(ino)) {
        this.handles.delete(ino);
        await fh.close().catch(() => {});
      }
    }
  }

  /** Back to the last durable point, as after a restart. Handles stay open, so rotated inodes stay readable. */
  rollback(): void {
    this.files = statesFrom(this.committed);
  }

  async closeAll(): Promise<void> {
    for (const fh of this.handles.values()) await fh.close().catch(() => {});
    this.handles.clear();
  }

  async statFile(path: string): Promise<FileStat | undefined> {
    try {
      const s = await stat(path);
      return s.isFile() ? { ino: s.ino, size: s.size, birthtimeMs: birthOf(s) } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Copy-truncate: the file was copied elsewhere and truncated in place. Whatever was written between our last
   * read and the truncation is only in the copy and is not re-read (the copy is not tailed); from here on the file
   * is read again from its start. (A truncation followed by more than `offset` bytes of new writes before we look
   * cannot be told from an append: same inode, bigger size. fs events make that window short while running;
   * across a restart it is the price of a cursor that is only {inode, offset}.)
   */
  checkTruncation(name: string, state: FileState, size: number): void {
    if (size >= (state.cut ? state.cut.scanPos : state.offset)) return;
    this.report.error(
      `log tail: ${name} shrank from ${state.offset} to ${size} bytes (copy-truncate?): reading it again ` +
        `from the start; lines written between the last read and the truncation are not re-read`,
    );
    state.offset = 0;
    state.cut = undefined;
  }

  /**
   * The handle of the inode a file state points at. After a restart the inode may no longer be at the file's
   * path (rename rotation while the sidecar was down): look for it among the directory's other entries
   * (`x.log.1`, `x.log.2026-02-24`, …), names that start with the file's name first. Undefined when gone.
   */
  async handleFor(name: string, state: FileState): Promise<FileHandle | undefined> {
    const known = this.handles.get(state.ino);
    if (known) return known;
    const path = join(this.dir, name);
    const atPath = await this.statFile(path);
    if (atPath && sameFile(atPath, state)) return this.openIfSame(path, state);
    // The same inode number with another birth time at the path: the old file is gone, its inode reused.
    if (atPath?.ino === state.ino) return undefined;
    const entries = await this.entries();
    const candidates = entries.filter((entry) => entry !== name).sort((a, b) => Number(b.startsWith(name)) - Number(a.startsWith(name)));
    for (const entry of candidates) {
      const s = await this.statFile(join(this.dir, entry));
      // The size check guards against an inode number reused by an unrelated, smaller file.
      if (s && sameFile(s, state) && s.size >= state.offset) return this.openIfSame(join(this.dir, entry), state);
    }
    return undefined;
  }

  /** Where a file name's reading goes once `state`'s inode is done: the next generation, or nowhere. */
  async moveOn(name: string, state: FileState, atPath: FileStat | undefined): Promise<void> {
    const next = (await this.successorOf(name, state, atPath)) ?? atPath;
    if (next) this.files.set(name, fresh(next));
    else this.files.delete(name);
  }

  /** A directory (or anything but a file) where a log file should be is said once, not skipped in silence. */
  async checkKind(path: string, isFile: boolean): Promise<void> {
    if (isFile) {
      this.report.clear(`kind:${path}`);
      return;
    }
    try {
      const s = await stat(path);
      if (!s.isFile())
        this.report.once(
          `kind:${path}`,
          `log tail: ${path} is ${s.isDirectory() ? 'a directory' : 'not a regular file'}, not a log file: it cannot be read`,
        );
    } catch {
      this.report.clear(`kind:${path}`); // gone: the next pass will tell
    }
  }

  private async entries(): Promise<string[]> {
    try {
      return await readdir(this.dir);
    } catch {
      return [];
    }
  }

  /** Opens `path` if it is the file `state` points at; learns the birth time when the cursor had none. */
  private async openIfSame(path: string, state: FileState): Promise<FileHandle | undefined> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(path, 'r');
      // The path may have been replaced between a stat and the open: the handle's own identity is the truth.
      const info = await fh.stat();
      const id = { ino: info.ino, birthtimeMs: birthOf(info) };
      this.report.clear(`open:${path}`);
      if (sameFile(id, state)) {
        if (state.birthtimeMs === undefined && id.birthtimeMs !== undefined) state.birthtimeMs = id.birthtimeMs;
        this.handles.set(state.ino, fh);
        return fh;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.report.once(`open:${path}`, `log tail: cannot read ${path}: ${code ?? String(error)}`);
      await fh?.close().catch(() => {});
      return undefined;
    }
    await fh.close().catch(() => {});
    return undefined;
  }

  /**
   * The generation that came right after `state`'s file, when more than one rotation happened since it was
   * read (a restart after a long stop, or two rotations between two passes): among the rotated copies of
   * `name` (`x.log.1`, `x.log.2026-02-24`, … — not compressed ones, not names tailed on their own), the one born
   * first after `state`'s file and before the file now at the path. Needs birth times; without them the
   * tailer goes straight to the file at the path.
   */
  private async successorOf(name: string, state: FileState, atPath: FileStat | undefined): Promise<FileStat | undefined> {
    const born = state.birthtimeMs;
    if (born === undefined) return undefined;
    let best: FileStat | undefined;
    for (const entry of await this.entries()) {
      if (entry === name || !entry.startsWith(name) || this.include(entry) || COMPRESSED.test(entry)) continue;
      const s = await this.statFile(join(this.dir, entry));
      if (!s || s.birthtimeMs === undefined || s.ino === state.ino || s.ino === atPath?.ino) continue;
      if (s.birthtimeMs <= born) continue;
      if (atPath?.birthtimeMs !== undefined && s.birthtimeMs >= atPath.birthtimeMs) continue;
      if (!best || s.birthtimeMs < best.birthtimeMs!) best = s;
    }
    return best;
  }
}

function statesFrom(cursors: Record<string, TailCursor>): Map<string, FileState> {
  return new Map(Object.entries(cursors).map(([name, cursor]) => [name, { ...cursor }]));
}

/** The state of a file not read yet: its whole content is new to us. */
export function fresh(id: FileId): FileState {
  return id.birthtimeMs === undefined ? { ino: id.ino, offset: 0 } : { ino: id.ino, offset: 0, birthtimeMs: id.birthtimeMs };
}

/** Birth time when the file system keeps one (statx on Linux); 0 means unknown. */
function birthOf(info: { birthtimeMs: number }): number | undefined {
  return info.birthtimeMs > 0 ? info.birthtimeMs : undefined;
}

/** Same inode, and the same birth time when both sides know it (inode numbers alone get reused). */
export function sameFile(a: FileId, b: FileId): boolean {
  return a.ino === b.ino && (a.birthtimeMs === undefined || b.birthtimeMs === undefined || a.birthtimeMs === b.birthtimeMs);
}

function sameCursors(a: Record<string, TailCursor>, b: Record<string, TailCursor>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const x = a[key]!;
    const y = b[key];
    return y !== undefined && x.ino === y.ino && x.offset === y.offset && x.birthtimeMs === y.birthtimeMs;
  });
}
