// The one directory watcher of the sidecar: tells its owner "look again" when entries of a directory change,
// whether the directory exists yet, is deleted and re-created, or is replaced by a rename.
//
// Built on `fs.watch` (inotify on Linux), not chokidar: `npm run bench:watch` shows chokidar 5 delivering only
// a fraction of the appends to a growing file and sometimes none after the last one (its per-event stat and
// throttling), and a chokidar watch on a deleted-and-re-created directory going silent (README, "Watching
// files"). Every event is only a hint: owners reconcile against the file system themselves, so raw events are
// all they need. A watch on a deleted directory goes silent after one last event about itself (IN_DELETE_SELF /
// IN_MOVE_SELF, reported under the directory's own name): that event re-arms. While the directory is missing,
// the nearest existing ancestor is watched instead, filtered to the entry on the way to the directory: it sees
// the directory come back, and the watch is armed on the new inode. Only while missing: an ancestor such as
// /tmp or the guarded checkout can be busy, and waking on its every event costs real CPU. A slow re-scan covers lost events and file systems where
// inotify does not see writes (bind mounts from Docker Desktop, network mounts).
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

export interface DirChange {
  /** Entry names reported by the kernel; undefined when anything may have changed (re-armed, re-scan, unnamed event). */
  names: ReadonlySet<string> | undefined;
  /** True for the periodic safety re-scan (no event was seen: owners compare against what they last saw). */
  rescan: boolean;
}

export interface DirWatchOptions {
  dir: string;
  onChange: (change: DirChange) => void;
  /** Events within this window after the first one are delivered as one change; 0 delivers each at once. */
  coalesceMs?: number;
  /** Period of the safety re-scan; 0 for none. */
  rescanMs?: number;
  /** false: arm no kernel watch, rely on the re-scan alone (file systems without inotify). */
  events?: boolean;
  /** A directory that exists but cannot be watched (code: EACCES, ENOSPC, …; ENOENT when it vanished meanwhile). */
  onWatchError?: (path: string, code: string) => void;
  /** A watch was armed on `path` (after an error, the condition is gone). */
  onWatchOk?: (path: string) => void;
}

export interface DirWatch {
  /** Re-checks both watches against the directory's current inode and ancestor; re-arms as needed. */
  rearm(): Promise<void>;
  close(): void;
}

interface Armed {
  watcher: FSWatcher;
  path: string;
  ino: number;
}

/** Starts watching; resolves once the watches are armed (changes made after this are seen). */
export async function watchDir(options: DirWatchOptions): Promise<DirWatch> {
  const dir = resolve(options.dir);
  const coalesceMs = options.coalesceMs ?? 15;
  const useEvents = options.events ?? true;
  let closed = false;
  let dirWatch: Armed | undefined;
  let upWatch: Armed | undefined;
  let names: Set<string> | undefined = new Set();
  let timer: NodeJS.Timeout | undefined;

  function deliver(change: DirChange): void {
    if (!closed) options.onChange(change);
  }

  /** One kernel event (name null: unknown) or a re-arm (null): delivered now, or gathered for the window. */
  function hint(name: string | null): void {
    if (closed) return;
    if (coalesceMs <= 0) return deliver({ names: name === null ? undefined : new Set([name]), rescan: false });
    if (name === null) names = undefined;
    else names?.add(name);
    timer ??= setTimeout(() => {
      timer = undefined;
      const gathered = names;
      names = new Set();
      deliver({ names: gathered, rescan: false });
    }, coalesceMs);
  }

  function arm(path: string, ino: number, onEvent: (name: string | null) => void): Armed | undefined {
    try {
      const watcher = watch(path, (_event, fileName) => onEvent(typeof fileName === 'string' ? fileName : null));
      const armed: Armed = { watcher, path, ino };
      watcher.on('error', () => {
        // Typically the watched directory went away: look again at whatever is there now.
        watcher.close();
        if (dirWatch === armed) dirWatch = undefined;
        if (upWatch === armed) upWatch = undefined;
        void rearm().then(() => hint(null));
      });
      options.onWatchOk?.(path);
      return armed;
    } catch (error) {
      options.onWatchError?.(path, (error as NodeJS.ErrnoException).code ?? String(error));
      return undefined;
    }
  }

  /**
   * Brings both watches in line with the file system; true when either changed. `renewDir`: an event was about the
   * directory itself (its own watch, or the ancestor's entry for it), so its watch is renewed even on the same inode (a directory deleted and re-created
   * at once often gets its inode number back, and the old watch is dead).
   */
  async function check(renewDir = false): Promise<boolean> {
    if (closed || !useEvents) return false;
    let changed = false;
    const selfName = basename(dir);
    const dirInfo = await stat(dir).catch(() => undefined);
    if (closed) return false;
    if (dirInfo?.isDirectory()) {
      if (!dirWatch || dirWatch.ino !== dirInfo.ino || renewDir) {
        dirWatch?.watcher.close();
        // An event under the directory's own name may be about the directory itself (deleted, moved away).
        dirWatch = arm(dir, dirInfo.ino, (name) =>
          name === null || name === selfName ? void serialCheck(true).then(() => hint(null)) : hint(name),
        );
        changed = true;
      }
      if (dirWatch) {
        upWatch?.watcher.close();
        upWatch = undefined;
        return changed;
      }
    } else if (dirWatch) {
      dirWatch.watcher.close();
      dirWatch = undefined;
      changed = true;
    }
    let child = dir;
    let up = dirname(dir);
    let upInfo = await stat(up).catch(() => undefined);
    while (!upInfo?.isDirectory() && dirname(up) !== up) {
      child = up;
      up = dirname(up);
      upInfo = await stat(up).catch(() => undefined);
    }
    if (closed || !upInfo?.isDirectory()) return changed;
    if (!upWatch || upWatch.path !== up || upWatch.ino !== upInfo.ino) {
      upWatch?.watcher.close();
      const towardDir = basename(child);
      // Only the entry on the way to the directory matters; the ancestor (e.g. the guarded checkout) changes a lot.
      upWatch = arm(up, upInfo.ino, (fileName) => {
        if (fileName === null || fileName === towardDir) void serialCheck(true).then(() => hint(null));
      });
    }
    return changed;
  }

  // Checks run one at a time, so two events never arm two watches on one directory.
  let checking: Promise<boolean> = Promise.resolve(false);
  function serialCheck(renewDir = false): Promise<boolean> {
    const run = () => check(renewDir);
    checking = checking.then(run, run);
    return checking;
  }
  async function rearm(): Promise<void> {
    await serialCheck();
  }

  await serialCheck();
  const rescanMs = options.rescanMs ?? 0;
  const rescan =
    rescanMs > 0
      ? setInterval(() => {
          void serialCheck().then(() => deliver({ names: undefined, rescan: true }));
        }, rescanMs)
      : undefined;
  rescan?.unref();

  return {
    rearm,
    close() {
      closed = true;
      if (rescan) clearInterval(rescan);
      if (timer) clearTimeout(timer);
      dirWatch?.watcher.close();
      upWatch?.watcher.close();
      dirWatch = undefined;
      upWatch = undefined;
    },
  };
}
