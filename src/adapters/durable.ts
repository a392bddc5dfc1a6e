// Files that survive kill -9 and power loss: atomic replacement, exclusive creation, and fsync'd JSONL
// appends whose torn last line (a crash mid-append) is tolerated on read. The one place that renames.
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { link, open, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Make a new directory entry (create, rename) durable. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Create `dir` (and its parents) if missing; a directory created here is made durable in its parent. */
export function ensureDir(dir: string, mode = 0o777): void {
  const first = mkdirSync(dir, { recursive: true, mode });
  if (first !== undefined) fsyncDir(dirname(first));
}

function writeWhole(fd: number, content: string): void {
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write-to-temp (beside the file, same file system), fsync, rename, fsync the directory: a reader or a
 * crash sees the old content or the new, never a mix. A failed write leaves no temp file behind.
 */
export function replaceFileAtomic(path: string, content: string, mode = 0o600): void {
  const tmp = `${path}.tmp`;
  try {
    writeWhole(openSync(tmp, 'w', mode), content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}

/** Create `path` with `content` only if it does not exist yet: throws an `EEXIST` error otherwise. */
export function createFileExclusive(path: string, content: string, mode = 0o600): void {
  writeWhole(openSync(path, 'wx', mode), content);
  fsyncDir(dirname(path));
}

/**
 * Create `path` complete or not at all, never over an existing file (throws `EEXIST`): `fill` writes a
 * temp file beside it, which is fsync'd and hard-linked into place (link, unlike rename, never replaces).
 * The temp name starts with a dot, so it matches no glob of the guarded system.
 */
export async function createFileComplete(path: string, fill: (handle: FileHandle) => Promise<void>, mode = 0o600): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await fill(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  fsyncDir(dirname(path));
}

export interface JsonlRead {
  /** The readable records, in order, with their 1-based line numbers. */
  records: { line: number; value: unknown }[];
  /** Unreadable lines other than the last (a torn last line is a crash mid-append, never acknowledged). */
  unreadable: number[];
  /** Whether the last line was unreadable (torn). */
  tornTail: boolean;
}

/** Read a JSONL file (absent = empty); blank lines are skipped. */
export function readJsonl(path: string): JsonlRead {
  const result: JsonlRead = { records: [], unreadable: [], tornTail: false };
  if (!existsSync(path)) return result;
  const lines = readFileSync(path, 'utf8').split('\n');
  const last = lines[lines.length - 1] === '' ? lines.length - 2 : lines.length - 1;
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      result.records.push({ line: index + 1, value: JSON.parse(line) as unknown });
    } catch {
      if (index === last) result.tornTail = true;
      else result.unreadable.push(index + 1);
    }
  }
  return result;
}

export interface JsonlAppender {
  /** Append one line per record and fsync: when this returns, the records are durable. */
  append(...records: unknown[]): void;
  close(): void;
}

/**
 * Open `path` for appending JSON lines (creating it and its directory). A torn last line left by a crash
 * is ended first, so the next record starts on a line of its own.
 */
export function openJsonlAppender(path: string, mode = 0o600): JsonlAppender {
  ensureDir(dirname(path), 0o700);
  const created = !existsSync(path);
  let fd: number | undefined = openSync(path, 'a+', mode);
  const size = fstatSync(fd).size;
  if (size > 0) {
    const lastByte = Buffer.alloc(1);
    readSync(fd, lastByte, 0, 1, size - 1);
    if (lastByte[0] !== 0x0a) writeSync(fd, '\n');
  }
  if (created) fsyncDir(dirname(path));
  return {
    append(...records) {
      if (records.length === 0) return;
      if (fd === undefined) throw new Error(`${path}: closed`);
      writeSync(fd, records.map((r) => JSON.stringify(r) + '\n').join(''));
      fsyncSync(fd);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
