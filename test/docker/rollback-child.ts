// Child process of the fault-injection test: runs one rollback (or a recovery) with the real engine and
// stops dead at a chosen journal boundary, announcing it on stdout and blocking until the parent
// SIGKILLs it. Usage: node --import tsx rollback-child.ts, then the path of a spec (JSON) on stdin: the
// parent starts the child first (loading the modules takes a while) and prepares the world meanwhile.
import { readFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { JournalRecord } from '../../src/runtime/rollback/journal.ts';
import { engineFor, testConfig } from './rollback-kit.ts';

export interface ChildSpec {
  socketPath: string;
  replica: { root: string; dataDir: string; logsDir: string };
  stateDir: string;
  config: Record<string, unknown>;
  mode: 'execute' | 'recover';
  strategy?: 'image-tag' | 'git';
  incidentId: string;
  planId?: string;
  /** Where to die: right after a `begin` record is durable, right before an `end` record is written, or after it. */
  kill?: Boundary;
}

export interface Boundary {
  step: number;
  when: 'after-begin' | 'before-end' | 'after-end';
}

export function atBoundary(boundary: Boundary | undefined, record: JournalRecord, when: 'before' | 'after'): boolean {
  if (!boundary) return false;
  if (record.t === 'begin' && record.step === boundary.step) return boundary.when === 'after-begin' && when === 'after';
  if (record.t === 'end' && record.step === boundary.step) {
    return (boundary.when === 'before-end' && when === 'before') || (boundary.when === 'after-end' && when === 'after');
  }
  return false;
}

const say = (line: string): void => {
  // Synchronous: the parent must see the line before this process blocks.
  writeSync(1, line + '\n');
};

const specPath = await new Promise<string>((resolve) => createInterface({ input: process.stdin }).once('line', resolve));
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as ChildSpec;
const { engine } = engineFor(spec.replica, {
  socketPath: spec.socketPath,
  config: testConfig(spec.config),
  stateDir: spec.stateDir,
  onJournal: (record, when) => {
    if (!atBoundary(spec.kill, record, when)) return;
    say(`BOUNDARY ${JSON.stringify(spec.kill)}`);
    // Stop dead here: nothing after this point may run before the SIGKILL arrives.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    say('NOT KILLED');
    process.exit(4);
  },
});

if (spec.mode === 'recover') {
  await engine.recover((incidentId, r) => say(`REPORT ${JSON.stringify({ incidentId, ...r })}`));
} else {
  await engine.execute(spec.incidentId, 'rollback', spec.planId!, (r) => say(`REPORT ${JSON.stringify(r)}`));
}
say('DONE');
process.exit(0);
