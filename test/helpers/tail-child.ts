// Child process for the log-tail kill test: tails a dir and, inside onBatch, durably records what it received
// together with the cursors (temp file, fsync, rename), the way the sidecar's runtime checkpoints.
// Usage: node --import tsx test/helpers/tail-child.ts <logsDir> <stateFile>
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { startLogTailer, type TailCursor } from '../../src/adapters/log-tail.ts';

export interface ChildState {
  cursors: Record<string, TailCursor>;
  receivedCount: number;
  lastNumberSeen: number;
  /** Order-sensitive hash of every number received: h = h * 31 + n (mod 2^32). */
  checksum: number;
  /** Runs of consecutive numbers in the order received: exactly-once 1..N is [[1, N]]. */
  runs: Array<[number, number]>;
  /** Lines that were not intact (`n=<k> … end=<k>`), or came from another file. */
  malformed: string[];
  /** How many times the child started from this state (restarts + 1). */
  starts: number;
}

const [logsDir, stateFile] = process.argv.slice(2);
if (!logsDir || !stateFile) {
  console.error('usage: tail-child.ts <logsDir> <stateFile>');
  process.exit(2);
}

let state: ChildState;
try {
  state = JSON.parse(readFileSync(stateFile, 'utf8')) as ChildState;
} catch {
  state = { cursors: {}, receivedCount: 0, lastNumberSeen: 0, checksum: 0, runs: [], malformed: [], starts: 0 };
}
state.starts++;

function persist(next: ChildState): void {
  const tmp = `${stateFile}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, JSON.stringify(next));
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, stateFile!);
  const dirFd = openSync(dirname(stateFile!), 'r');
  fsyncSync(dirFd);
  closeSync(dirFd);
}

const LINE = /^n=(\d+) [a-z]* end=(\d+)$/;

await startLogTailer({
  dir: logsDir,
  cursors: state.cursors,
  now: () => Date.now(),
  onError: (message) => console.error(`tail-child: ${message}`),
  onBatch: async (batch) => {
    const next: ChildState = { ...state, runs: state.runs.map((r) => [r[0], r[1]]), malformed: [...state.malformed] };
    for (const line of batch.lines) {
      const m = LINE.exec(line.text);
      if (!m || m[1] !== m[2] || line.file !== 'kill.log') {
        next.malformed.push(`${line.file}|${line.text.slice(0, 80)}`);
        continue;
      }
      const n = Number(m[1]);
      next.receivedCount++;
      next.checksum = (Math.imul(next.checksum, 31) + n) >>> 0;
      const last = next.runs.at(-1);
      if (last && n === last[1] + 1) last[1] = n;
      else next.runs.push([n, n]);
      next.lastNumberSeen = n;
    }
    next.cursors = batch.cursors;
    // Widen the window in which a SIGKILL lands inside onBatch, before or after the state is durable.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    persist(next);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    state = next;
  },
});
process.stdout.write('started\n');
// The fs watchers keep the process alive until it is killed.
