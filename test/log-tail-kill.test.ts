// Crash test of the log tailer: a child process tails while a writer appends (and rotates), it is SIGKILLed at
// random moments and restarted from its durable state, and in the end it must have received 1..N exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildState } from './helpers/tail-child.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(here);
const childEntry = join(here, 'helpers', 'tail-child.ts');

const N = 20_000;
const MIN_KILLS = 8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readState(file: string): ChildState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ChildState;
  } catch {
    return undefined;
  }
}

function expectedChecksum(n: number): number {
  let h = 0;
  for (let i = 1; i <= n; i++) h = (Math.imul(h, 31) + i) >>> 0;
  return h;
}

test(
  'SIGKILLed at random moments and restarted from its state file, the tailer delivers 1..N exactly once',
  { timeout: 120_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'log-tail-kill-'));
    const logs = join(root, 'logs');
    const stateFile = join(root, 'state.json');
    mkdirSync(logs);
    const log = join(logs, 'kill.log');
    let stderr = '';
    let unexpectedExit: string | undefined;
    let child: ChildProcess | undefined;
    let expectingExit = false;

    function startChild(): ChildProcess {
      const c = spawn(process.execPath, ['--import', 'tsx', childEntry, logs, stateFile], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      c.stdout!.setEncoding('utf8');
      c.stdout!.on('data', (text: string) => {
        if (text.includes('started')) c.emit('started');
      });
      c.stderr!.setEncoding('utf8');
      c.stderr!.on('data', (text: string) => (stderr += text));
      c.on('exit', (code, signal) => {
        if (!expectingExit) unexpectedExit = `child exited by itself: code ${code}, signal ${signal}`;
      });
      return c;
    }

    async function killChild(c: ChildProcess): Promise<void> {
      expectingExit = true;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGKILL');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the child did not die within 10 s')), 10_000);
      });
      try {
        await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
      expectingExit = false;
    }

    // The writer: numbered lines in small bursts, some lines written in two parts (a partial line is visible for
    // a while), and a rename rotation every 5000 lines (kill.log → kill.log.1, .2, .3).
    let written = 0;
    let writerDone = false;
    const writer = (async () => {
      let carry = '';
      let rotations = 0;
      while (written < N) {
        const burst = 1 + Math.floor(Math.random() * 20);
        let text = carry;
        carry = '';
        for (let i = 0; i < burst && written < N; i++) {
          written++;
          const pad = 'abcdefghijklmnopqrstuvwxyz'.slice(0, Math.floor(Math.random() * 27));
          text += `n=${written} ${pad} end=${written}\n`;
        }
        if (written < N && written % 5000 > 40 && Math.random() < 0.2) {
          const cut = text.length - 1 - Math.floor(Math.random() * 8);
          carry = text.slice(cut);
          text = text.slice(0, cut);
        }
        appendFileSync(log, text);
        if (!carry && Math.floor(written / 5000) > rotations && written < N) {
          rotations++;
          renameSync(log, join(logs, `kill.log.${rotations}`));
        }
        await sleep(2);
      }
      if (carry) appendFileSync(log, carry);
      writerDone = true;
    })();

    try {
      let kills = 0;
      child = startChild();
      while (!writerDone || kills < MIN_KILLS) {
        // Mostly while it tails (in the middle of a read or of onBatch), sometimes during its start-up.
        if (Math.random() < 0.8) {
          const current = child;
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`the child did not start within 10 s\n${stderr}`)), 10_000);
            current.once('started', () => (clearTimeout(timer), resolve()));
            current.once('exit', () => (clearTimeout(timer), resolve()));
          });
        }
        await sleep(Math.random() * 400);
        if (unexpectedExit) break;
        await killChild(child);
        kills++;
        child = startChild();
      }
      await writer;
      assert.equal(unexpectedExit, undefined, `${unexpectedExit}\n${stderr}`);
      assert.ok(kills >= MIN_KILLS);

      // Let the last child catch up, then give it a moment more to show any duplicate beyond N.
      const deadline = Date.now() + 30_000;
      const done = (st: ChildState | undefined) => !!st && (st.receivedCount >= N || st.lastNumberSeen === N);
      while (!done(readState(stateFile))) {
        if (unexpectedExit) assert.fail(`${unexpectedExit}\n${stderr}`);
        if (Date.now() > deadline) assert.fail(`timed out: received ${readState(stateFile)?.receivedCount} of ${N}\n${stderr}`);
        await sleep(50);
      }
      await sleep(300);
      await killChild(child);
      child = undefined;

      const state = readState(stateFile)!;
      assert.deepEqual(state.malformed, []);
      assert.deepEqual(state.runs, [[1, N]], 'received numbers must be exactly 1..N in order');
      assert.equal(state.receivedCount, N);
      assert.equal(state.lastNumberSeen, N);
      assert.equal(state.checksum, expectedChecksum(N));
      // `starts` counts the launches that resumed from a persisted state: the restarts really resumed.
      assert.ok(state.starts >= 2, `only ${state.starts} start(s) recorded`);
      assert.equal(stderr, '', 'the tailer reported no error (no lost rotation, no truncation)');
      console.log(`${kills} kills, ${state.starts} resumed starts, ${N} lines, 3 rotations`);
    } finally {
      writerDone = true;
      if (child && child.exitCode === null && child.signalCode === null) await killChild(child).catch(() => {});
      await writer.catch(() => {});
      await rm(root, { recursive: true, force: true });
    }
  },
);
