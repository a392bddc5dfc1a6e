// The daemon's pid file in its state directory, so that `status` can tell a running daemon from the
// last checkpoint of one that is gone (stopped, crashed, SIGKILLed: a kill -9 leaves the file behind).
import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { replaceFileAtomic } from './durable.ts';

const PID_FILE = 'daemon.pid';

interface PidRecord {
  pid: number;
  host: string;
  startedAt: number;
  /** The process's start time in clock ticks since boot (Linux), so that a reused pid is not mistaken for the daemon. */
  procStart?: string;
}

export type { DaemonLiveness } from '../core/cli-text.ts';
import type { DaemonLiveness } from '../core/cli-text.ts';

function procStartOf(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count from its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function writeDaemonPid(stateDir: string, now: number): void {
  const record: PidRecord = { pid: process.pid, host: hostname(), startedAt: now };
  const procStart = procStartOf(process.pid);
  if (procStart !== undefined) record.procStart = procStart;
  const path = join(stateDir, PID_FILE);
  // 0o666 less the umask, the mode writeFileSync gave it before: `status` run by another user can read it.
  replaceFileAtomic(path, JSON.stringify(record) + '\n', 0o666);
}

/** Removed on a clean stop only if it is still ours (a second daemon may have taken the directory over). */
export function removeDaemonPid(stateDir: string): void {
  const path = join(stateDir, PID_FILE);
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as PidRecord;
    if (record.pid === process.pid && record.host === hostname()) rmSync(path, { force: true });
  } catch {
    // Nothing to remove.
  }
}

export function daemonLiveness(stateDir: string): DaemonLiveness {
  let record: PidRecord;
  try {
    record = JSON.parse(readFileSync(join(stateDir, PID_FILE), 'utf8')) as PidRecord;
  } catch {
    return { state: 'not-running', reason: 'never-started-or-stopped' };
  }
  const { pid, startedAt } = record;
  if (record.host !== hostname()) return { state: 'unknown', pid, host: record.host, startedAt };
  let alive = true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    alive = (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (alive && record.procStart !== undefined) {
    const now = procStartOf(pid);
    if (now !== undefined && now !== record.procStart) alive = false; // the pid was reused
  }
  return alive ? { state: 'running', pid, startedAt } : { state: 'not-running', reason: 'gone', pid, startedAt };
}
