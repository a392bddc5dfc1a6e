// One execution in flight: a lock file in the state directory naming its holder. The daemon and a CLI
// run share the directory, so the lock is a file; a holder that died (SIGKILL) leaves a stale lock,
// recognised by its process being gone (pid plus the process start time, so a reused pid is not it).
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { createFileExclusive, ensureDir } from '../../adapters/durable.ts';

export interface LockOwner {
  pid: number;
  /** Start time of the process in clock ticks since boot (Linux), to tell a reused pid apart. */
  started?: number;
  incidentId: string;
  action: string;
  at: number;
}

export type LockResult = { ok: true; release: () => void } | { ok: false; holder: LockOwner };

export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may hold spaces, so count after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

function alive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (owner.started === undefined) return true;
  const now = processStartTicks(owner.pid);
  return now === undefined ? true : now === owner.started;
}

export function readLock(path: string): LockOwner | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    // A lock torn by a crash while it was being written: its holder never started acting.
    return undefined;
  }
}

/** The holder of the lock if it is a live process, else undefined (free or stale). */
export function liveHolder(path: string): LockOwner | undefined {
  const owner = readLock(path);
  return owner && alive(owner) ? owner : undefined;
}

export function acquireLock(path: string, who: Omit<LockOwner, 'pid' | 'started'>): LockResult {
  ensureDir(dirname(path), 0o700);
  const me: LockOwner = {
    pid: process.pid,
    ...(processStartTicks(process.pid) !== undefined ? { started: processStartTicks(process.pid)! } : {}),
    ...who,
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      createFileExclusive(path, JSON.stringify(me));
      return {
        ok: true,
        release: () => {
          const current = readLock(path);
          if (current && current.pid === me.pid && current.at === me.at && current.incidentId === me.incidentId) {
            try {
              unlinkSync(path);
            } catch {
              // already gone
            }
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(path);
      if (holder && alive(holder)) return { ok: false, holder };
      // Stale: its holder is dead. Remove it and try once more (another contender may win the race).
      try {
        unlinkSync(path);
      } catch {
        // someone else removed it first
      }
    }
  }
  const holder = readLock(path);
  return { ok: false, holder: holder ?? { pid: -1, incidentId: '?', action: '?', at: 0 } };
}
