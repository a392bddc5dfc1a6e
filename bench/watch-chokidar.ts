// Benchmark (not a test): can chokidar serve the log tailer, or does the directory watcher need fs.watch?
// For each approach, in a fresh temp dir: append N lines at an interval to a growing file and count the events
// delivered for it and the delay from the last append to the last event; then delete and re-create the watched
// directory, write a file in it, and count whether anything is still delivered.
//   npm run bench:watch  (installs chokidar 5 without saving it: the sidecar itself no longer depends on it)
//   node --import tsx bench/watch-chokidar.ts [--lines 200] [--every 5]
import { watch as fsWatch } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { watchDir } from '../src/adapters/dir-watch.ts';

type ChokidarWatcher = {
  on(event: 'all', listener: (event: string, path: string) => void): unknown;
  once(event: 'ready', listener: () => void): unknown;
  close(): Promise<void>;
};
// Loaded by name at run time: chokidar is not a dependency of the sidecar (see README, "Watching files").
const chokidarName = 'chokidar';
const { watch: chokidarWatch } = (await import(chokidarName).catch(() => {
  console.error('chokidar is not installed: run `npm run bench:watch`, or `npm install --no-save chokidar@5` first');
  process.exit(2);
})) as { watch: (path: string, options: { ignoreInitial: boolean; depth?: number }) => ChokidarWatcher };

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1] ?? fallback) || fallback;
const lines = arg('lines', 200);
const everyMs = arg('every', 5);
const settleMs = 500;

interface Probe {
  /** Starts watching `dir` (whose parent is `root`); calls `seen(name)` for each event naming a file. */
  start(root: string, dir: string, seen: (name: string) => void): Promise<() => Promise<void>>;
}

const approaches: Record<string, Probe> = {
  'fs.watch (dir)': {
    async start(_root, dir, seen) {
      const w = fsWatch(dir, (_event, name) => name && seen(String(name)));
      w.on('error', () => {});
      return async () => w.close();
    },
  },
  'dir-watch.ts': {
    async start(_root, dir, seen) {
      // coalesceMs 0: every kernel event counted, as for the others; undefined names mean "look again".
      const w = await watchDir({ dir, coalesceMs: 0, onChange: ({ names }) => (names ?? ['job.log', 'after.log']).forEach(seen) });
      return async () => w.close();
    },
  },
  'chokidar (dir)': {
    async start(_root, dir, seen) {
      const w = chokidarWatch(dir, { ignoreInitial: true });
      w.on('all', (_event, path) => seen(path.slice(path.lastIndexOf('/') + 1)));
      await new Promise<void>((ready) => w.once('ready', () => ready()));
      return () => w.close();
    },
  },
  'chokidar (parent, depth 1)': {
    async start(root, _dir, seen) {
      const w = chokidarWatch(root, { ignoreInitial: true, depth: 1 });
      w.on('all', (_event, path) => seen(path.slice(path.lastIndexOf('/') + 1)));
      await new Promise<void>((ready) => w.once('ready', () => ready()));
      return () => w.close();
    },
  },
};

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function measure(name: string, probe: Probe) {
  const root = await mkdtemp(join(tmpdir(), 'watch-bench-'));
  const dir = join(root, 'logs');
  await mkdir(dir);
  const file = join(dir, 'job.log');
  await writeFile(file, '');
  let appendEvents = 0;
  let lastEventAt = 0;
  let afterRecreate = 0;
  let phase: 'append' | 'recreate' = 'append';
  const stop = await probe.start(root, dir, (fileName) => {
    if (phase === 'append' && fileName === 'job.log') {
      appendEvents++;
      lastEventAt = performance.now();
    }
    if (phase === 'recreate' && fileName === 'after.log') afterRecreate++;
  });
  await sleep(100);
  let lastAppendAt = 0;
  for (let i = 0; i < lines; i++) {
    // Taken before the write: the kernel event may be delivered before appendFile's promise settles.
    lastAppendAt = performance.now();
    await appendFile(file, `line ${i}\n`);
    await sleep(everyMs);
  }
  await sleep(settleMs);
  const latencyMs = lastEventAt >= lastAppendAt ? lastEventAt - lastAppendAt : Number.NaN;
  phase = 'recreate';
  await rm(dir, { recursive: true });
  await sleep(200);
  await mkdir(dir);
  await sleep(200);
  for (let i = 0; i < 5; i++) {
    await appendFile(join(dir, 'after.log'), `after ${i}\n`);
    await sleep(50);
  }
  await sleep(settleMs);
  await stop();
  await rm(root, { recursive: true, force: true });
  return { name, appendEvents, latencyMs, afterRecreate };
}

console.log(`appends: ${lines} lines, one every ${everyMs} ms; then the watched dir is deleted, re-created, and 5 appends made in it`);
console.log(
  'approach'.padEnd(36),
  'append events'.padStart(14),
  'last append→event ms'.padStart(22),
  'events after re-create'.padStart(24),
);
for (const [name, probe] of Object.entries(approaches)) {
  const r = await measure(name, probe);
  const latency = Number.isNaN(r.latencyMs) ? 'missed' : r.latencyMs.toFixed(1);
  console.log(name.padEnd(36), `${r.appendEvents}/${lines}`.padStart(14), latency.padStart(22), String(r.afterRecreate).padStart(24));
}
