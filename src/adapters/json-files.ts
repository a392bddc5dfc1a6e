// Watches the guarded system's JSON state files and reports their raw content (never parsed here, never
// written): a `json-file` event whenever a file's bytes change, appears or disappears.
//
// The guarded system replaces positions.json by mkstemp + rename (a new inode each write, `tmpXXXX.tmp`
// files in between) and health_check rewrites it in place, so the *directory* is watched (`watchDir`, which
// also follows the directory being deleted and re-created), not the file. Events are debounced (trailing),
// each read is checked to be stable (same inode, size and mtime after the read), and a slow re-stat catches
// anything the kernel did not report (bind mounts from Docker Desktop, network file systems).
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import { watchDir, type DirChange, type DirWatch } from './dir-watch.ts';
import { performance } from 'node:perf_hooks';
import type { Instant, JsonFileKind, JsonFileObservation } from '../core/types.ts';
import { findUtf8Error } from '../core/utf8.ts';

export interface WatchedJsonFile {
  which: JsonFileKind;
  path: string;
}

export type JsonFileEvent = { kind: 'json-file'; file: JsonFileObservation } | { kind: 'source-ok'; source: string; observedAt: Instant };

export interface JsonFileWatcherOptions {
  files: readonly WatchedJsonFile[];
  now: () => Instant;
  emit: (event: JsonFileEvent) => void;
  /** A file that exists but cannot be read (permissions, a directory in its place, too large). */
  onError: (message: string) => void;
  /** Source name of the `source-ok` sent when a file reads again after an error. */
  source?: string;
  /** Quiet time after the last event before reading (a writer's truncate + write is one change). */
  debounceMs?: number;
  /** Upper bound on debouncing under a constant stream of events. */
  maxWaitMs?: number;
  /** Safety re-stat of every file and directory. */
  restatMs?: number;
  /** Larger files are refused (positions.json is a few KB). */
  maxBytes?: number;
  /** false: rely on the re-stat alone (file systems without inotify). */
  fsWatch?: boolean;
}

export interface JsonFileWatcher {
  /** Read every file now; resolves once the reads are done and any change has been emitted. */
  poke(): Promise<void>;
  close(): Promise<void>;
}

export type JsonFileRead =
  | { ok: true; file: JsonFileObservation; statKey: string }
  /** The file changed while it was read: read again later. */
  | { ok: false; unstable: true }
  | { ok: false; unstable: false; code: string; message: string };

const ABSENT = 'absent';
const DEFAULTS = { debounceMs: 100, maxWaitMs: 1000, restatMs: 30_000, maxBytes: 16 * 1024 * 1024 };

/** Strict: the common case costs one native pass. The BOM is kept so that the core refuses it as Python does. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Bytes → text. Bytes that are not UTF-8 become U+FFFD and are reported beside the text: a U+FFFD
 * written as UTF-8 is a legal character, and only the bytes can tell the two apart.
 */
function decode(bytes: Buffer): Pick<JsonFileObservation, 'content' | 'invalidUtf8'> {
  try {
    return { content: strictUtf8.decode(bytes) };
  } catch {
    const invalidUtf8 = findUtf8Error(bytes);
    return { content: bytes.toString('utf8'), ...(invalidUtf8 ? { invalidUtf8 } : {}) };
  }
}

/**
 * Read one state file as bytes: content (UTF-8 text, a BOM kept, invalid bytes as U+FFFD and located in
 * `invalidUtf8`) and the SHA-256 of the bytes. A missing file is `absent`, not an error.
 */
export async function readJsonFile(
  which: JsonFileKind,
  path: string,
  now: () => Instant,
  maxBytes = DEFAULTS.maxBytes,
): Promise<JsonFileRead> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO put in the file's place must not hang the reader.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') return { ok: true, file: { which, observedAt: now() }, statKey: ABSENT };
    return { ok: false, unstable: false, code, message: describeError(path, err) };
  }
  try {
    const before = await handle.stat();
    if (!before.isFile()) {
      const what = before.isDirectory() ? 'a directory' : 'not a regular file';
      return { ok: false, unstable: false, code: 'ENOTFILE', message: `${path}: is ${what}, expected the JSON file` };
    }
    if (before.size > maxBytes) {
      return {
        ok: false,
        unstable: false,
        code: 'EFBIG',
        message: `${path}: ${before.size} bytes, more than the ${maxBytes} a state file may have`,
      };
    }
    const bytes = await handle.readFile();
    let after;
    try {
      after = await stat(path);
    } catch {
      return { ok: false, unstable: true };
    }
    // Replaced (rename), or written during the read: this snapshot may be half of a write.
    if (after.ino !== before.ino || after.size !== before.size || after.mtimeMs !== before.mtimeMs || bytes.length !== before.size) {
      return { ok: false, unstable: true };
    }
    const file: JsonFileObservation = {
      which,
      ...decode(bytes),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      observedAt: now(),
    };
    return { ok: true, file, statKey: statKeyOf(after) };
  } catch (err) {
    return { ok: false, unstable: false, code: errorCode(err), message: describeError(path, err) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

interface Tracked {
  which: JsonFileKind;
  path: string;
  base: string;
  /** sha256 of the last emitted content, `absent`, or undefined (nothing emitted, or an error since). */
  lastKey: string | undefined;
  /** Stat key when last read; `error` after a failed read (the re-stat then reads again). */
  lastStat: string | undefined;
  failed: boolean;
  timer: NodeJS.Timeout | undefined;
  pendingSince: number | undefined;
  /** Reads of one file run one after another; `queued` is a read not started yet (events coalesce into it). */
  chain: Promise<void>;
  queued: Promise<void> | undefined;
}

interface WatchedDir {
  path: string;
  files: Tracked[];
  watch: DirWatch | undefined;
}

export async function startJsonFileWatcher(options: JsonFileWatcherOptions): Promise<JsonFileWatcher> {
  const debounceMs = options.debounceMs ?? DEFAULTS.debounceMs;
  const maxWaitMs = options.maxWaitMs ?? DEFAULTS.maxWaitMs;
  const restatMs = options.restatMs ?? DEFAULTS.restatMs;
  const maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
  const useFsWatch = options.fsWatch ?? true;
  const source = options.source ?? 'state-files';
  let closed = false;

  const files: Tracked[] = options.files.map((f) => {
    const path = resolve(f.path);
    return {
      which: f.which,
      path,
      base: basename(path),
      lastKey: undefined,
      lastStat: undefined,
      failed: false,
      timer: undefined,
      pendingSince: undefined,
      chain: Promise.resolve(),
      queued: undefined,
    };
  });
  // Each file's directory is watched once, for all the files in it.
  const dirs = new Map<string, WatchedDir>();
  for (const f of files) {
    const path = dirname(f.path);
    const dir = dirs.get(path) ?? { path, files: [], watch: undefined };
    dir.files.push(f);
    dirs.set(path, dir);
  }
  const warned = new Set<string>();

  // Work started from timers and kernel events has no caller to reject to: a failure there (a bug, or
  // an emit that throws) is reported, never left as an unhandled rejection that would end the process.
  const background = (work: Promise<unknown>) => {
    work.catch((err: unknown) => {
      try {
        options.onError(`state-file watcher: ${err instanceof Error ? err.message : String(err)}`);
      } catch {
        // nothing left to tell
      }
    });
  };

  const schedule = (f: Tracked) => {
    if (closed) return;
    const t = performance.now();
    f.pendingSince ??= t;
    // Trailing debounce, but a constant stream of events must not postpone the read forever.
    if (f.timer !== undefined && t - f.pendingSince >= maxWaitMs) return;
    clearTimeout(f.timer);
    f.timer = setTimeout(() => {
      f.timer = undefined;
      f.pendingSince = undefined;
      background(readNow(f));
    }, debounceMs);
  };

  const readNow = (f: Tracked): Promise<void> => {
    if (f.queued) return f.queued;
    const next = f.chain.then(async () => {
      f.queued = undefined;
      await readOnce(f);
    });
    f.queued = next;
    f.chain = next.catch(() => undefined);
    return next;
  };

  const readOnce = async (f: Tracked) => {
    if (closed) return;
    const result = await readJsonFile(f.which, f.path, options.now, maxBytes);
    if (closed) return;
    if (!result.ok) {
      if (result.unstable) {
        schedule(f);
        return;
      }
      f.lastKey = undefined;
      f.lastStat = 'error';
      f.failed = true;
      options.onError(result.message);
      return;
    }
    f.lastStat = result.statKey;
    if (f.failed) {
      f.failed = false;
      options.emit({ kind: 'source-ok', source, observedAt: result.file.observedAt });
    }
    const key = result.file.sha256 ?? ABSENT;
    if (key === f.lastKey) return;
    f.lastKey = key;
    options.emit({ kind: 'json-file', file: result.file });
  };

  const onWatchError = (dir: WatchedDir, path: string, code: string) => {
    if (code === 'ENOENT' || code === 'ENOTDIR' || warned.has(path)) return;
    warned.add(path);
    // Said once; the files still read, so the next good read sends source-ok and clears the count.
    if (path === dir.path) for (const f of dir.files) f.failed = true;
    options.onError(`${path}: cannot watch (${code}); changes will be seen by the re-stat every ${Math.round(restatMs / 1000)} s`);
  };

  /** The re-stat: a file whose inode, size or mtime moved (or that failed) is read again. */
  const restat = async (dir: WatchedDir) => {
    for (const f of dir.files) {
      const key = await stat(f.path).then(statKeyOf, (err) => (errorCode(err) === 'ENOENT' ? ABSENT : `error:${errorCode(err)}`));
      if (closed) return;
      if (key !== f.lastStat || f.failed) schedule(f);
    }
  };

  const onChange = (dir: WatchedDir, change: DirChange) => {
    if (change.rescan) return background(restat(dir));
    // Only the watched names matter: tmpXXXX.tmp files and backups/ are ignored.
    for (const f of dir.files) if (!change.names || change.names.has(f.base)) schedule(f);
  };

  const closeWatches = () => {
    for (const dir of dirs.values()) dir.watch?.close();
  };

  // Watches first, then the initial read: nothing written in between is missed.
  for (const dir of dirs.values()) {
    dir.watch = await watchDir({
      dir: dir.path,
      coalesceMs: 0, // the per-file debounce below does the coalescing
      rescanMs: restatMs,
      events: useFsWatch,
      onChange: (change) => onChange(dir, change),
      onWatchError: (path, code) => onWatchError(dir, path, code),
    });
  }
  try {
    await Promise.all(files.map(readNow));
  } catch (err) {
    // Only a throwing emit/onError gets here: do not leave watches behind that keep the process alive.
    closed = true;
    closeWatches();
    throw err;
  }

  return {
    async poke() {
      if (closed) return;
      await Promise.all(files.map(readNow));
    },
    async close() {
      closed = true;
      for (const f of files) clearTimeout(f.timer);
      closeWatches();
      await Promise.all(files.map((f) => f.chain));
    },
  };
}

function statKeyOf(st: { ino: number; size: number; mtimeMs: number }): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'EUNKNOWN';
}

function describeError(path: string, err: unknown): string {
  const code = errorCode(err);
  if (code === 'EACCES' || code === 'EPERM') {
    return `${path}: permission denied (${code}): the sidecar's user cannot read it (at v3.2.x it is root-owned, mode 0600; run the sidecar as a user that can)`;
  }
  if (code === 'EISDIR') return `${path}: is a directory, expected the JSON file`;
  return `${path}: ${err instanceof Error ? err.message : String(err)}`;
}
