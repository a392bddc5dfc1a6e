// Runbook §1: byte-exact, SHA-256 verified copies of the state files beside the guarded system's own
// backups, mode, owner and times kept, named so they never match the `positions_*.json` glob the
// guarded system restores from; and snapshots of the job logs. The sources are only ever read.
import { constants, existsSync, type Stats } from 'node:fs';
import { chown, copyFile, mkdir, open, readdir, stat, utimes, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { createFileComplete, fsyncDir } from '../../adapters/durable.ts';
import { sha256Hex } from '../sha256.ts';
import { wallClockOf } from '../../core/wall-clock.ts';

/** The state files, relative to the data directory. Only positions.json is always expected. */
export const STATE_FILES = ['positions/positions.json', 'entries/entries.json', 'trades/order_log.json'] as const;

export interface FileBackup {
  /** Relative to the data directory. */
  file: string;
  source: string;
  /** Absent when the source does not exist (nothing to copy). */
  backup?: string;
  sha256?: string;
  bytes?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  /** A problem that did not stop the backup (e.g. the owner could not be kept). */
  warning?: string;
}

export interface LogSnapshot {
  log: string;
  snapshot: string;
  bytes: number;
}

export interface BackupResult {
  stamp: string;
  files: FileBackup[];
  logs: LogSnapshot[];
}

export type BackupOutcome = { ok: true; value: BackupResult } | { ok: false; error: string };

export interface BackupOptions {
  dataDir: string;
  logsDir: string;
  /** Log file names to snapshot; empty = every `*.log` in the logs directory. */
  logs: readonly string[];
  /** When the backup is taken (epoch ms) and the zone its name is written in (the operator's clock). */
  at: number;
  timeZone: string;
}

/** `YYYYmmdd_HHMMSS` in a zone, as the runbook's `date +%Y%m%d_%H%M%S` on the operator's machine. */
export function backupStamp(at: number, timeZone: string): string {
  const w = wallClockOf(at, timeZone);
  return `${w.year}${w.month}${w.day}_${w.hour}${w.minute}${w.second}`;
}

export async function takeBackup(options: BackupOptions): Promise<BackupOutcome> {
  const stamp = backupStamp(options.at, options.timeZone);
  const files: FileBackup[] = [];
  for (const file of STATE_FILES) {
    const result = await backupFile(options.dataDir, file, stamp);
    if (!result.ok) return result;
    files.push(result.value);
  }
  const logs = await snapshotLogs(options.logsDir, options.logs, stamp);
  if (!logs.ok) return logs;
  return { ok: true, value: { stamp, files, logs: logs.value } };
}

async function backupFile(
  dataDir: string,
  file: string,
  stamp: string,
): Promise<{ ok: true; value: FileBackup } | { ok: false; error: string }> {
  const source = join(dataDir, file);
  let first: { bytes: Buffer; info: Stats } | undefined;
  // The file is replaced by atomic rename; if it changes while being copied, copy it again (once).
  for (let attempt = 0; attempt < 2; attempt++) {
    const read = await readWhole(source);
    if (read === 'absent') return { ok: true, value: { file, source } };
    if (typeof read === 'string') return { ok: false, error: read };
    first = read;
    const again = await readWhole(source);
    if (typeof again !== 'string' && again.bytes.equals(read.bytes)) break;
    first = undefined;
  }
  if (!first) return { ok: false, error: `${source} kept changing while it was being backed up` };
  const { bytes, info } = first;
  const digest = sha256Hex(bytes);

  const dir = join(dirname(source), 'backups');
  const made = await ensureBackupDir(dir);
  if (!made.ok) return made;
  const base = `${basename(source)}.pre-rollback-${stamp}`;
  let name = base;
  for (let n = 1; existsSync(join(dir, name)); n++) name = `${base}.${n}`;
  const target = join(dir, name);
  let warning: string | undefined;
  try {
    await createFileComplete(target, async (handle) => {
      await handle.writeFile(bytes);
      await handle.chmod(info.mode & 0o7777);
      try {
        const made = await handle.stat();
        if (info.uid !== made.uid || info.gid !== made.gid) await handle.chown(info.uid, info.gid);
      } catch (err) {
        warning = `owner ${info.uid}:${info.gid} not kept: ${(err as Error).message}`;
      }
      await handle.utimes(info.atime, info.mtime);
    });
  } catch (err) {
    return { ok: false, error: `backup of ${source} to ${target} failed: ${(err as Error).message}` };
  }
  const check = await readWhole(target);
  if (typeof check === 'string' || sha256Hex(check.bytes) !== digest) {
    return { ok: false, error: `backup ${target} does not match ${source} (SHA-256 check failed)` };
  }
  return {
    ok: true,
    value: {
      file,
      source,
      backup: target,
      sha256: digest,
      bytes: bytes.length,
      mode: info.mode & 0o7777,
      uid: info.uid,
      gid: info.gid,
      ...(warning ? { warning } : {}),
    },
  };
}

/** Read a file through one descriptor, with its metadata; 'absent' when missing, else an error text. */
async function readWhole(path: string): Promise<{ bytes: Buffer; info: Stats } | 'absent' | string> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    return `cannot read ${path}: ${(err as Error).message} (the sidecar's user must be able to read the guarded files)`;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return `${path} is not a regular file`;
    const bytes = await handle.readFile();
    return { bytes, info };
  } catch (err) {
    return `cannot read ${path}: ${(err as Error).message}`;
  } finally {
    await handle.close();
  }
}

/** Create `backups/` like its parent directory (owner and mode), so the guarded system can still write there. */
async function ensureBackupDir(dir: string): Promise<{ ok: true } | { ok: false; error: string }> {
  if (existsSync(dir)) return { ok: true };
  try {
    const parent = await stat(dirname(dir));
    await mkdir(dir, { mode: parent.mode & 0o7777 });
    await chown(dir, parent.uid, parent.gid).catch(() => undefined);
    fsyncDir(dirname(dir));
    return { ok: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { ok: true };
    return { ok: false, error: `cannot create ${dir}: ${(err as Error).message}` };
  }
}

async function snapshotLogs(
  logsDir: string,
  wanted: readonly string[],
  stamp: string,
): Promise<{ ok: true; value: LogSnapshot[] } | { ok: false; error: string }> {
  let names: string[];
  if (wanted.length > 0) {
    names = [...wanted];
  } else {
    try {
      names = (await readdir(logsDir, { withFileTypes: true }))
        .filter((d) => d.isFile() && d.name.endsWith('.log'))
        .map((d) => d.name)
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: [] };
      return { ok: false, error: `cannot list ${logsDir}: ${(err as Error).message}` };
    }
  }
  const out: LogSnapshot[] = [];
  for (const name of names) {
    const log = join(logsDir, name);
    let info;
    try {
      info = await stat(log);
    } catch {
      continue; // a log that does not exist (yet) has nothing to keep
    }
    let snapshot = `${log}.pre-rollback-${stamp}`;
    for (let n = 1; existsSync(snapshot); n++) snapshot = `${log}.pre-rollback-${stamp}.${n}`;
    try {
      // A clone where the file system can, a copy otherwise; never over an existing file.
      await copyFile(log, snapshot, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
      await chown(snapshot, info.uid, info.gid).catch(() => undefined);
      await utimes(snapshot, info.atime, info.mtime);
    } catch (err) {
      return { ok: false, error: `log snapshot ${relative(logsDir, snapshot)} failed: ${(err as Error).message}` };
    }
    out.push({ log, snapshot, bytes: (await stat(snapshot)).size });
  }
  return { ok: true, value: out };
}
