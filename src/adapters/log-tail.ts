// Tails the guarded system's job logs (`<logsDir>/*.log`) and hands complete lines to the sidecar, exactly once
// across restarts, rotations, truncations and a deleted-and-re-created logs directory.
//
// How it stays exactly-once: the only durable state is one cursor per file name ({inode, offset at a line
// boundary}), and it is the caller that makes it durable, inside `onBatch`, together with what it derived from
// the lines. The tailer keeps a working copy of the cursors that runs ahead while it reads, and the copy that was
// last accepted by `onBatch` (`committed`). A batch carries the lines read since the last accepted batch and the
// working cursors after them; if `onBatch` rejects, the working copy is reset to `committed`, exactly as if the
// sidecar had been restarted from its last checkpoint, so nothing is skipped and nothing is emitted twice.
//
// Watching: plain `fs.watch` (inotify on Linux) on the logs dir plus one on its nearest existing ancestor, not
// chokidar. Every event is only a hint ("look again"); each read pass reconciles against the directory listing
// and the open file handles, so we need neither chokidar's per-event stat/tree bookkeeping nor its event
// normalisation, and we avoid its watch of the parent, which on the guarded host is the turtle-trading checkout
// (data/, .git, …) and would need an `ignored` filter to stay cheap. A watcher on a deleted directory goes
// silent (inotify IN_DELETE_SELF), hence the ancestor watch: it sees the logs dir come back and the next pass
// re-arms the dir watch on the new inode. A slow safety re-scan covers lost events (and file systems where
// inotify does not see writes, e.g. some network mounts); no other timer runs while idle.
import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { LogLine } from '../core/types.ts';
import type { LineSelector } from './line-selector.ts';

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

export interface TailBatch {
  lines: LogLine[];
  /** Cursors AFTER these lines, for every tracked file. Persist them with whatever the lines changed. */
  cursors: Record<string, TailCursor>;
}

export interface LogTailerOptions {
  /** The logs directory (may not exist yet; may be deleted and re-created). */
  dir: string;
  /** Which file names (relative to dir) are tailed. Default: name ends with `.log`. */
  include?: (fileName: string) => boolean;
  /** From the last durable checkpoint (`{}` on first start). */
  cursors: Record<string, TailCursor>;
  /** Injected clock (epoch ms) used for LogLine.observedAt. */
  now: () => number;
  /** Awaited before reading further: the runtime makes the batch durable here. A rejection means "not durable". */
  onBatch: (batch: TailBatch) => Promise<void>;
  /** E.g. an unreadable file, a truncation, a rotated file that vanished; tailing goes on. */
  onError: (message: string) => void;
  /** After errors: a read pass completed with every reported problem gone (so health can say "ok" again). */
  onOk?: () => void;
  /** Default: every complete line. */
  select?: LineSelector;
  /** Default 64 KiB: longer lines are cut (the head is kept, ' …[cut N bytes]' appended). */
  maxLineBytes?: number;
  /** Read size, default 1 MiB (raised to maxLineBytes + 1 if smaller). A batch holds the lines of less than two reads. */
  chunkBytes?: number;
  /** Slow safety re-scan in case an fs event is lost, default 60 s. */
  rescanMs?: number;
}

export interface LogTailer {
  /** Stops watching, waits for the read in flight (and its onBatch), closes every file. */
  close(): Promise<void>;
  /** Read whatever is new now (tests, ticks); resolves when a read pass started after this call has ended. */
  poke(): Promise<void>;
}

/** Bursts of fs events within this window become one read pass. */
const COALESCE_MS = 15;
const NEWLINE = 10;
/** Rotated copies that were compressed are not text to tail. */
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|zip|Z)$/;
const CR = 13;

/** A line longer than maxLineBytes whose '\n' has not been seen yet: only its head is kept in memory. */
interface CutLine {
  /** The first maxLineBytes + 1 bytes of the line (one extra byte to find a UTF-8 boundary for the cut). */
  head: Buffer;
  /** File position where the search for the line's '\n' goes on. */
  scanPos: number;
  /** The last byte scanned, to recognise a CRLF terminator split across reads. */
  lastByte: number;
}

interface FileState {
  ino: number;
  offset: number;
  birthtimeMs?: number;
  cut?: CutLine;
}

interface FileId {
  ino: number;
  birthtimeMs?: number;
}

/** Starts tailing; resolves once the watchers are armed and the initial catch-up (backlog, live=false) is done. */
export async function startLogTailer(options: LogTailerOptions): Promise<LogTailer> {
  const dir = resolve(options.dir);
  const include = options.include ?? ((name: string) => name.endsWith('.log'));
  const maxLineBytes = Math.max(1, options.maxLineBytes ?? 64 * 1024);
  const chunkBytes = Math.max(options.chunkBytes ?? 1024 * 1024, maxLineBytes + 1);
  const rescanMs = options.rescanMs ?? 60_000;
  const { now, onBatch, select } = options;
  // Whether an error was said since the last "ok": health is restored only by a pass with no problem left.
  let troubled = false;
  const onError = (message: string) => {
    troubled = true;
    options.onError(message);
  };

  // One read buffer for the tailer's life: lines are decoded to strings (and cut heads copied) before the
  // next read, so reusing it keeps memory at one chunk whatever the file or line sizes are.
  const buf = Buffer.allocUnsafe(chunkBytes);

  let committed: Record<string, TailCursor> = {};
  for (const [name, cursor] of Object.entries(options.cursors)) {
    if (include(name) && Number.isSafeInteger(cursor.ino) && Number.isSafeInteger(cursor.offset) && cursor.offset >= 0) {
      committed[name] = { ino: cursor.ino, offset: cursor.offset };
      if (typeof cursor.birthtimeMs === 'number' && cursor.birthtimeMs > 0) committed[name].birthtimeMs = cursor.birthtimeMs;
    }
  }
  let files = statesFrom(committed);
  /** Open handles by inode. Kept open while a file is tracked, so a rotated-away or unlinked inode stays readable. */
  const handles = new Map<number, FileHandle>();
  let pending: LogLine[] = [];
  let pendingBytes = 0;
  let closed = false;
  let caughtUp = false;
  const reported = new Map<string, string>();

  // ---------------------------------------------------------------------------------------------
  // Error reporting: a persistent condition (unreadable file, unwatchable dir) is reported once, not per pass.

  function reportOnce(key: string, message: string): void {
    if (reported.get(key) === message) return;
    reported.set(key, message);
    onError(message);
  }
  function clearReport(key: string): void {
    reported.delete(key);
  }

  // ---------------------------------------------------------------------------------------------
  // Decoding

  /** End of the head kept from a too-long line starting at `start`: maxLineBytes, backed off to a UTF-8 boundary. */
  function headEnd(b: Buffer, start: number): number {
    let end = start + maxLineBytes;
    for (let k = 0; k < 3 && end > start && ((b[end] ?? 0) & 0xc0) === 0x80; k++) end--;
    return end;
  }

  function decode(b: Buffer, start: number, end: number): string {
    if (end > start && b[end - 1] === CR) end--;
    if (end - start <= maxLineBytes) return b.toString('utf8', start, end);
    const cutAt = headEnd(b, start);
    return b.toString('utf8', start, cutAt) + ` …[cut ${end - cutAt} bytes]`;
  }

  function push(file: string, text: string, observedAt: number, live: boolean): void {
    pending.push({ file, text, observedAt, live });
  }

  /** Emits the selected lines of b[from, to), which holds complete lines only (b[to - 1] is '\n'). */
  function emitLines(file: string, b: Buffer, from: number, to: number, observedAt: number, live: boolean): void {
    if (!select) {
      for (let s = from; s < to;) {
        const e = b.indexOf(NEWLINE, s);
        push(file, decode(b, s, e), observedAt, live);
        s = e + 1;
      }
      return;
    }
    for (const [s, e] of select(b, from, to)) {
      const start = Math.max(from, s);
      const end = Math.min(to, e);
      if (end >= start) push(file, decode(b, start, end), observedAt, live);
    }
  }

  /** Emits a line that was too long to hold: its head, and how many bytes were dropped. */
  function emitCut(file: string, head: Buffer, lineBytes: number, observedAt: number, live: boolean): void {
    const cutAt = headEnd(head, 0);
    if (select) {
      // The selector sees the head as if it were the whole line: it is all that was kept.
      const pseudo = Buffer.allocUnsafe(cutAt + 1);
      head.copy(pseudo, 0, 0, cutAt);
      pseudo[cutAt] = NEWLINE;
      if (select(pseudo, 0, cutAt + 1).length === 0) return;
    }
    push(file, head.toString('utf8', 0, cutAt) + ` …[cut ${lineBytes - cutAt} bytes]`, observedAt, live);
  }

  /**
   * Consumes b (n bytes read at file position `base`, where `base` is state.offset, or state.cut.scanPos while a
   * too-long line is being skipped). Returns whether the state moved (lines emitted, or the skip went on).
   */
  function consume(file: string, state: FileState, b: Buffer, base: number, live: boolean): boolean {
    const observedAt = now();
    let pos = 0;
    let moved = false;
    if (state.cut) {
      const nl = b.indexOf(NEWLINE);
      if (nl === -1) {
        // Still inside the too-long line: remember only where to look next, never the bytes themselves.
        state.cut.scanPos = base + b.length;
        state.cut.lastByte = b[b.length - 1] ?? 0;
        return true;
      }
      const crlf = (nl > 0 ? b[nl - 1] : state.cut.lastByte) === CR;
      emitCut(file, state.cut.head, base + nl - state.offset - (crlf ? 1 : 0), observedAt, live);
      state.offset = base + nl + 1;
      state.cut = undefined;
      pos = nl + 1;
      moved = true;
    }
    const lastNl = b.lastIndexOf(NEWLINE);
    if (lastNl >= pos) {
      emitLines(file, b, pos, lastNl + 1, observedAt, live);
      state.offset = base + lastNl + 1;
      pos = lastNl + 1;
      moved = true;
    }
    if (b.length - pos > maxLineBytes) {
      // A line already longer than allowed and not finished in this chunk: keep its head, skip to its '\n'.
      state.cut = {
        head: Buffer.from(b.subarray(pos, pos + maxLineBytes + 1)),
        scanPos: base + b.length,
        lastByte: b[b.length - 1] ?? 0,
      };
      moved = true;
    }
    // Otherwise b[pos..] is a partial last line: not emitted; the next read starts again at state.offset.
    return moved;
  }

  // ---------------------------------------------------------------------------------------------
  // Files

  async function statFile(path: string): Promise<(FileId & { size: number }) | undefined> {
    try {
      const s = await stat(path);
      return s.isFile() ? { ino: s.ino, size: s.size, birthtimeMs: birthOf(s) } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Opens `path` if it is the file `state` points at; learns the birth time when the cursor had none. */
  /** A directory (or anything but a file) where a log file should be is said once, not skipped in silence. */
  async function checkKind(path: string, isFile: boolean): Promise<void> {
    if (isFile) {
      clearReport(`kind:${path}`);
      return;
    }
    try {
      const s = await stat(path);
      if (!s.isFile())
        reportOnce(
          `kind:${path}`,
          `log tail: ${path} is ${s.isDirectory() ? 'a directory' : 'not a regular file'}, not a log file: it cannot be read`,
        );
    } catch {
      clearReport(`kind:${path}`); // gone: the next pass will tell
    }
  }
  async function openIfSame(path: string, state: FileState): Promise<FileHandle | undefined> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(path, 'r');
      // The path may have been replaced between a stat and the open: the handle's own identity is the truth.
      const info = await fh.stat();
      const id = { ino: info.ino, birthtimeMs: birthOf(info) };
      clearReport(`open:${path}`);
      if (sameFile(id, state)) {
        if (state.birthtimeMs === undefined && id.birthtimeMs !== undefined) state.birthtimeMs = id.birthtimeMs;
        handles.set(state.ino, fh);
        return fh;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') reportOnce(`open:${path}`, `log tail: cannot read ${path}: ${code ?? String(error)}`);
      await fh?.close().catch(() => {});
      return undefined;
    }
    await fh.close().catch(() => {});
    return undefined;
  }

  /**
   * The handle of the inode a file state points at. After a restart the inode may no longer be at the file's
   * path (rename rotation while the sidecar was down): look for it among the directory's other entries
   * (`x.log.1`, `x.log.2026-02-24`, …), names that start with the file's name first. Undefined when gone.
   */
  async function handleFor(name: string, state: FileState): Promise<FileHandle | undefined> {
    const known = handles.get(state.ino);
    if (known) return known;
    const path = join(dir, name);
    const atPath = await statFile(path);
    if (atPath && sameFile(atPath, state)) return openIfSame(path, state);
    // The same inode number with another birth time at the path: the old file is gone, its inode reused.
    if (atPath?.ino === state.ino) return undefined;
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      return undefined;
    }
    const candidates = entries.filter((entry) => entry !== name).sort((a, b) => Number(b.startsWith(name)) - Number(a.startsWith(name)));
    for (const entry of candidates) {
      const s = await statFile(join(dir, entry));
      // The size check guards against an inode number reused by an unrelated, smaller file.
      if (s && sameFile(s, state) && s.size >= state.offset) return openIfSame(join(dir, entry), state);
    }
    return undefined;
  }

  /**
   * Called at the end of an inode that is no longer at its path. Reads what is left once more: complete lines
   * that arrived meanwhile are consumed normally (returns false: not final yet). Otherwise the unterminated
   * tail, if any, is emitted as a line — it can never be completed in a file nobody writes to any more, and
   * dropping it would lose it — and true is returned.
   */
  async function drainFinal(name: string, state: FileState, fh: FileHandle, live: boolean): Promise<boolean> {
    const from = state.cut ? state.cut.scanPos : state.offset;
    const { bytesRead } = await fh.read(buf, 0, chunkBytes, from);
    pendingBytes += bytesRead;
    if (bytesRead > 0 && consume(name, state, buf.subarray(0, bytesRead), from, live)) return false;
    if (state.cut) {
      emitCut(name, state.cut.head, from + bytesRead - state.offset, now(), live);
    } else if (bytesRead > 0) {
      buf[bytesRead] = NEWLINE; // bytesRead <= maxLineBytes < chunkBytes, else consume() would have cut it
      emitLines(name, buf, 0, bytesRead + 1, now(), live);
    }
    return true;
  }

  /**
   * The generation that came right after `state`'s file, when more than one rotation happened since it was
   * read (a restart after a long stop, or two rotations between two passes): among the rotated copies of
   * `name` (`x.log.1`, `x.log.2026-02-24`, … — not compressed ones, not names tailed on their own), the one born
   * first after `state`'s file and before the file now at the path. Needs birth times; without them the
   * tailer goes straight to the file at the path.
   */
  async function successorOf(name: string, state: FileState, atPath: (FileId & { size: number }) | undefined) {
    const born = state.birthtimeMs;
    if (born === undefined) return undefined;
    let best: (FileId & { size: number }) | undefined;
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      return undefined;
    }
    for (const entry of entries) {
      if (entry === name || !entry.startsWith(name) || include(entry) || COMPRESSED.test(entry)) continue;
      const s = await statFile(join(dir, entry));
      if (!s || s.birthtimeMs === undefined || s.ino === state.ino || s.ino === atPath?.ino) continue;
      if (s.birthtimeMs <= born) continue;
      if (atPath?.birthtimeMs !== undefined && s.birthtimeMs >= atPath.birthtimeMs) continue;
      if (!best || s.birthtimeMs < best.birthtimeMs!) best = s;
    }
    return best;
  }

  /** Where a file name's reading goes once `state`'s inode is done: the next generation, or nowhere. */
  async function moveOn(name: string, state: FileState, atPath: (FileId & { size: number }) | undefined): Promise<void> {
    const next = (await successorOf(name, state, atPath)) ?? atPath;
    if (next) files.set(name, fresh(next));
    else files.delete(name);
  }

  /** One read step on one file name. 'progress' means call again; 'idle' means nothing more to do now. */
  async function step(name: string, listed: boolean, live: boolean): Promise<'progress' | 'idle'> {
    const path = join(dir, name);
    const atPath = listed ? await statFile(path) : undefined;
    if (listed) await checkKind(path, atPath !== undefined);
    let state = files.get(name);
    if (!state) {
      if (!atPath) return 'idle';
      state = fresh(atPath); // a file without a cursor: its whole content is new to us
      files.set(name, state);
    }
    const fh = await handleFor(name, state);
    if (!fh) {
      if (atPath && !sameFile(atPath, state)) {
        onError(
          `log tail: ${name}: the file it was reading (inode ${state.ino}) is gone, so whatever was appended to it ` +
            `after byte ${state.offset} is lost; reading the current ${name} from the start`,
        );
        await moveOn(name, state, atPath);
        return 'progress';
      }
      if (!atPath) {
        if (listed) return 'idle'; // it was there a moment ago: look again next pass
        await moveOn(name, state, undefined); // deleted (or its dir went) and its inode is nowhere
        return 'progress';
      }
      return 'idle'; // same inode at the path but unreadable: reported by openIfSame
    }

    const info = await fh.stat();
    if (info.size < (state.cut ? state.cut.scanPos : state.offset)) {
      // Copy-truncate: the file was copied elsewhere and truncated in place. Whatever was written between our
      // last read and the truncation is only in the copy and is not re-read (the copy is not tailed); from here
      // on the file is read again from its start. (A truncation followed by more than `offset` bytes of new
      // writes before we look cannot be told from an append: same inode, bigger size. fs events make that window
      // short while running; across a restart it is the price of a cursor that is only {inode, offset}.)
      onError(
        `log tail: ${name} shrank from ${state.offset} to ${info.size} bytes (copy-truncate?): reading it again ` +
          `from the start; lines written between the last read and the truncation are not re-read`,
      );
      state.offset = 0;
      state.cut = undefined;
    }

    const from = state.cut ? state.cut.scanPos : state.offset;
    const { bytesRead } = await fh.read(buf, 0, chunkBytes, from);
    pendingBytes += bytesRead;
    if (bytesRead > 0 && consume(name, state, buf.subarray(0, bytesRead), from, live)) return 'progress';

    // At the end of this inode (maybe with a partial line pending).
    if (atPath && sameFile(atPath, state)) return 'idle';
    // The inode left the path: renamed away (rotation, or the whole dir renamed), or unlinked.
    // Switch once it can get nothing more, or once its successor has data (writers have moved on). Until then
    // keep it: a job that opened it before a rename rotation may still be appending to it.
    const unlinked = info.nlink === 0;
    if (!(unlinked || (atPath && atPath.size > 0))) return 'idle';
    if (!(await drainFinal(name, state, fh, live))) return 'progress';
    await moveOn(name, state, atPath);
    return 'progress';
  }

  // ---------------------------------------------------------------------------------------------
  // Batches

  function snapshot(): Record<string, TailCursor> {
    const cursors: Record<string, TailCursor> = {};
    for (const [name, state] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      cursors[name] = { ino: state.ino, offset: state.offset };
      if (state.birthtimeMs !== undefined) cursors[name].birthtimeMs = state.birthtimeMs;
    }
    return cursors;
  }

  /** Back to the last durable point, as after a restart. Handles stay open, so rotated inodes stay readable. */
  function rollback(): void {
    files = statesFrom(committed);
    pending = [];
    pendingBytes = 0;
  }

  async function closeUnusedHandles(): Promise<void> {
    const used = new Set([...files.values()].map((state) => state.ino));
    for (const [ino, fh] of handles) {
      if (!used.has(ino)) {
        handles.delete(ino);
        await fh.close().catch(() => {});
      }
    }
  }

  /** Hands the pending lines and the cursors after them to onBatch. False when onBatch rejected. */
  async function flush(): Promise<boolean> {
    const cursors = snapshot();
    if (pending.length === 0 && sameCursors(cursors, committed)) {
      pendingBytes = 0;
      return true;
    }
    const lines = pending;
    pending = [];
    pendingBytes = 0;
    try {
      await onBatch({ lines, cursors });
    } catch (error) {
      onError(`log tail: the batch was not accepted (${errorText(error)}); it will be read again`);
      rollback();
      return false;
    }
    committed = cursors;
    await closeUnusedHandles();
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Read passes: serialized, one at a time; events during a pass ask for one more pass.

  async function listDir(): Promise<string[]> {
    try {
      const entries = await readdir(dir);
      clearReport('readdir');
      return entries;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') reportOnce('readdir', `log tail: cannot list ${dir}: ${code ?? String(error)}`);
      return [];
    }
  }

  /** Reads every tracked and every new included file until nothing is left. False when a batch was refused. */
  async function pass(live: boolean): Promise<boolean> {
    await armWatchers();
    const listed = new Set((await listDir()).filter(include));
    const names = [...new Set([...files.keys(), ...listed])].sort();
    for (const name of names) {
      for (;;) {
        if (closed) return false;
        const result = await step(name, listed.has(name), live);
        if (pendingBytes >= chunkBytes && !(await flush())) return false;
        if (result === 'idle') break;
      }
    }
    if (closed) return false;
    return flush();
  }

  let dirty = false;
  let running: Promise<void> | undefined;
  let waiters: Array<() => void> = [];

  function request(): void {
    dirty = true;
    if (!running && !closed) running = loop();
  }

  async function loop(): Promise<void> {
    try {
      while (dirty && !closed) {
        dirty = false;
        const passWaiters = waiters;
        waiters = [];
        try {
          // Lines of the first complete pass are the backlog (live=false); later ones were noticed live.
          if (await pass(caughtUp)) {
            caughtUp = true;
            if (troubled && reported.size === 0) {
              troubled = false;
              options.onOk?.();
            }
          }
        } catch (error) {
          // A bug or an unexpected I/O failure: report it, go back to the last durable point, keep tailing.
          onError(`log tail: read pass failed: ${errorText(error)}`);
          rollback();
        } finally {
          for (const resolveWaiter of passWaiters) resolveWaiter();
        }
      }
    } finally {
      running = undefined;
    }
  }

  function nextPass(): Promise<void> {
    if (closed) return Promise.resolve();
    return new Promise<void>((resolveWaiter) => {
      waiters.push(resolveWaiter);
      request();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Watching

  let coalesce: NodeJS.Timeout | undefined;
  function hint(): void {
    if (closed || coalesce) return;
    coalesce = setTimeout(() => {
      coalesce = undefined;
      request();
    }, COALESCE_MS);
  }

  interface Watch {
    watcher: FSWatcher;
    path: string;
    ino: number;
  }
  let dirWatch: Watch | undefined;
  let upWatch: Watch | undefined;

  function arm(path: string, ino: number, relevant: (fileName: string | null) => boolean): Watch | undefined {
    try {
      const watcher = watch(path, (_event, fileName) => {
        if (relevant(fileName)) hint();
      });
      const armed: Watch = { watcher, path, ino };
      watcher.on('error', () => {
        // Typically the watched directory went away; the next pass re-arms on whatever is there now.
        watcher.close();
        if (dirWatch === armed) dirWatch = undefined;
        if (upWatch === armed) upWatch = undefined;
        hint();
      });
      clearReport(`watch:${path}`);
      return armed;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      reportOnce(`watch:${path}`, `log tail: cannot watch ${path} (${code ?? String(error)}); relying on the ${rescanMs} ms re-scan`);
      return undefined;
    }
  }

  /** Watches the logs dir (when it exists, on its current inode) and its nearest existing ancestor. */
  async function armWatchers(): Promise<void> {
    if (closed) return;
    const dirInfo = await stat(dir).catch(() => undefined);
    if (dirInfo?.isDirectory()) {
      if (!dirWatch || dirWatch.ino !== dirInfo.ino) {
        dirWatch?.watcher.close();
        dirWatch = arm(dir, dirInfo.ino, () => true);
      }
    } else if (dirWatch) {
      dirWatch.watcher.close();
      dirWatch = undefined;
    }
    let child = dir;
    let up = dirname(dir);
    let upInfo = await stat(up).catch(() => undefined);
    while (!upInfo?.isDirectory() && dirname(up) !== up) {
      child = up;
      up = dirname(up);
      upInfo = await stat(up).catch(() => undefined);
    }
    if (!upInfo?.isDirectory()) return;
    if (!upWatch || upWatch.path !== up || upWatch.ino !== upInfo.ino) {
      upWatch?.watcher.close();
      const towardDir = basename(child);
      // Only the entry on the way to the logs dir matters; the ancestor is the guarded checkout, which changes a lot.
      upWatch = arm(up, upInfo.ino, (fileName) => fileName === null || fileName === towardDir);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Start

  await armWatchers();
  await nextPass(); // the catch-up: everything already in the files, read with live=false
  const rescan = setInterval(request, rescanMs);
  rescan.unref();

  return {
    poke: nextPass,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(rescan);
      if (coalesce) clearTimeout(coalesce);
      dirWatch?.watcher.close();
      upWatch?.watcher.close();
      await running;
      for (const resolveWaiter of waiters.splice(0)) resolveWaiter();
      for (const fh of handles.values()) await fh.close().catch(() => {});
      handles.clear();
    },
  };
}

function statesFrom(cursors: Record<string, TailCursor>): Map<string, FileState> {
  return new Map(Object.entries(cursors).map(([name, cursor]) => [name, { ...cursor }]));
}

function fresh(id: FileId): FileState {
  return id.birthtimeMs === undefined ? { ino: id.ino, offset: 0 } : { ino: id.ino, offset: 0, birthtimeMs: id.birthtimeMs };
}

/** Birth time when the file system keeps one (statx on Linux); 0 means unknown. */
function birthOf(info: { birthtimeMs: number }): number | undefined {
  return info.birthtimeMs > 0 ? info.birthtimeMs : undefined;
}

/** Same inode, and the same birth time when both sides know it (inode numbers alone get reused). */
function sameFile(a: FileId, b: FileId): boolean {
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
