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
// Watching is `watchDir` (dir-watch.ts): every event is only a hint ("look again"); each read pass reconciles
// against the directory listing and the open file handles. Decoding is line-decoder.ts, which file and offset
// each name stands at is tail-cursors.ts; this module runs the read passes and hands out the batches.
import { readdir, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LogLine } from '../core/types.ts';
import { watchDir, type DirWatch } from './dir-watch.ts';
import { createLineDecoder, readFrom, type LineSink } from './line-decoder.ts';
import type { LineSelector } from './line-selector.ts';
import { CursorTracker, fresh, sameFile, type FileState, type TailCursor, type TailReporter } from './tail-cursors.ts';

export type { TailCursor } from './tail-cursors.ts';

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

/** Starts tailing; resolves once the watchers are armed and the initial catch-up (backlog, live=false) is done. */
export async function startLogTailer(options: LogTailerOptions): Promise<LogTailer> {
  const dir = resolve(options.dir);
  const include = options.include ?? ((name: string) => name.endsWith('.log'));
  const maxLineBytes = Math.max(1, options.maxLineBytes ?? 64 * 1024);
  const chunkBytes = Math.max(options.chunkBytes ?? 1024 * 1024, maxLineBytes + 1);
  const rescanMs = options.rescanMs ?? 60_000;
  const { now, onBatch } = options;
  const decoder = createLineDecoder(maxLineBytes, options.select);

  // Error reporting: a persistent condition (unreadable file, unwatchable dir) is reported once, not per pass;
  // whether an error was said since the last "ok": health is restored only by a pass with no problem left.
  let troubled = false;
  const reported = new Map<string, string>();
  const report: TailReporter = {
    error(message) {
      troubled = true;
      options.onError(message);
    },
    once(key, message) {
      if (reported.get(key) === message) return;
      reported.set(key, message);
      report.error(message);
    },
    clear(key) {
      reported.delete(key);
    },
  };

  // One read buffer for the tailer's life: lines are decoded to strings (and cut heads copied) before the
  // next read, so reusing it keeps memory at one chunk whatever the file or line sizes are.
  const buf = Buffer.allocUnsafe(chunkBytes);
  const tracker = new CursorTracker(dir, include, options.cursors, report);
  let pending: LogLine[] = [];
  let pendingBytes = 0;
  let closed = false;
  let caughtUp = false;

  /** Where the lines of one read go; observedAt is when the read was made. */
  function sink(file: string, live: boolean): LineSink {
    const observedAt = now();
    return (text) => pending.push({ file, text, observedAt, live });
  }

  /** Reads `state`'s file from where it stands; true when the state moved (call again). */
  async function readMore(name: string, state: FileState, fh: FileHandle, live: boolean): Promise<boolean> {
    const from = readFrom(state);
    const { bytesRead } = await fh.read(buf, 0, chunkBytes, from);
    pendingBytes += bytesRead;
    return bytesRead > 0 && decoder.consume(state, buf.subarray(0, bytesRead), from, sink(name, live));
  }

  /**
   * Called at the end of an inode that is no longer at its path. Reads what is left once more: complete lines
   * that arrived meanwhile are consumed normally (returns false: not final yet). Otherwise the unterminated
   * tail, if any, is emitted as a line, and true is returned.
   */
  async function drainFinal(name: string, state: FileState, fh: FileHandle, live: boolean): Promise<boolean> {
    const from = readFrom(state);
    const { bytesRead } = await fh.read(buf, 0, chunkBytes, from);
    pendingBytes += bytesRead;
    if (bytesRead > 0 && decoder.consume(state, buf.subarray(0, bytesRead), from, sink(name, live))) return false;
    decoder.finish(state, buf, bytesRead, sink(name, live));
    return true;
  }

  /** One read step on one file name. 'progress' means call again; 'idle' means nothing more to do now. */
  async function step(name: string, listed: boolean, live: boolean): Promise<'progress' | 'idle'> {
    const path = join(dir, name);
    const atPath = listed ? await tracker.statFile(path) : undefined;
    if (listed) await tracker.checkKind(path, atPath !== undefined);
    let state = tracker.files.get(name);
    if (!state) {
      if (!atPath) return 'idle';
      state = fresh(atPath); // a file without a cursor: its whole content is new to us
      tracker.files.set(name, state);
    }
    const fh = await tracker.handleFor(name, state);
    if (!fh) {
      if (atPath && !sameFile(atPath, state)) {
        report.error(
          `log tail: ${name}: the file it was reading (inode ${state.ino}) is gone, so whatever was appended to it ` +
            `after byte ${state.offset} is lost; reading the current ${name} from the start`,
        );
        await tracker.moveOn(name, state, atPath);
        return 'progress';
      }
      if (!atPath) {
        if (listed) return 'idle'; // it was there a moment ago: look again next pass
        await tracker.moveOn(name, state, undefined); // deleted (or its dir went) and its inode is nowhere
        return 'progress';
      }
      return 'idle'; // same inode at the path but unreadable: reported by the tracker
    }

    const info = await fh.stat();
    tracker.checkTruncation(name, state, info.size);
    if (await readMore(name, state, fh, live)) return 'progress';

    // At the end of this inode (maybe with a partial line pending).
    if (atPath && sameFile(atPath, state)) return 'idle';
    // The inode left the path: renamed away (rotation, or the whole dir renamed), or unlinked.
    // Switch once it can get nothing more, or once its successor has data (writers have moved on). Until then
    // keep it: a job that opened it before a rename rotation may still be appending to it.
    const unlinked = info.nlink === 0;
    if (!(unlinked || (atPath && atPath.size > 0))) return 'idle';
    if (!(await drainFinal(name, state, fh, live))) return 'progress';
    await tracker.moveOn(name, state, atPath);
    return 'progress';
  }

  // ---------------------------------------------------------------------------------------------
  // Batches

  /** Back to the last durable point, as after a restart. */
  function rollback(): void {
    tracker.rollback();
    pending = [];
    pendingBytes = 0;
  }

  /** Hands the pending lines and the cursors after them to onBatch. False when onBatch rejected. */
  async function flush(): Promise<boolean> {
    const cursors = tracker.snapshot();
    if (pending.length === 0 && tracker.isCommitted(cursors)) {
      pendingBytes = 0;
      return true;
    }
    const lines = pending;
    pending = [];
    pendingBytes = 0;
    try {
      await onBatch({ lines, cursors });
    } catch (error) {
      report.error(`log tail: the batch was not accepted (${errorText(error)}); it will be read again`);
      rollback();
      return false;
    }
    await tracker.commit(cursors);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Read passes: serialized, one at a time; events during a pass ask for one more pass.

  async function listDir(): Promise<string[]> {
    try {
      const entries = await readdir(dir);
      report.clear('readdir');
      return entries;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') report.once('readdir', `log tail: cannot list ${dir}: ${code ?? String(error)}`);
      return [];
    }
  }

  /** Reads every tracked and every new included file until nothing is left. False when a batch was refused. */
  async function pass(live: boolean): Promise<boolean> {
    await watcher?.rearm();
    const listed = new Set((await listDir()).filter(include));
    const names = [...new Set([...tracker.files.keys(), ...listed])].sort();
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
          report.error(`log tail: read pass failed: ${errorText(error)}`);
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
  // Start: watches first, then the catch-up (everything already in the files, read with live=false).

  let watcher: DirWatch | undefined;
  watcher = await watchDir({
    dir,
    coalesceMs: COALESCE_MS,
    rescanMs,
    onChange: request,
    onWatchOk: (path) => report.clear(`watch:${path}`),
    onWatchError: (path, code) =>
      report.once(`watch:${path}`, `log tail: cannot watch ${path} (${code}); relying on the ${rescanMs} ms re-scan`),
  });
  await nextPass();

  return {
    poke: nextPass,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      watcher?.close();
      await running;
      for (const resolveWaiter of waiters.splice(0)) resolveWaiter();
      await tracker.closeAll();
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
