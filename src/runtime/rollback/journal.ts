// The rollback engine's step journal: one JSON line per record, fsync'd before the engine moves on,
// so that after a SIGKILL at any step boundary a new engine knows what was begun, done and recorded.
import { join } from 'node:path';
import { openJsonlAppender, readJsonl, type JsonlAppender } from '../../adapters/durable.ts';
import type { PlanAction, PlanOp, Strategy } from '../../core/plan.ts';

/** How an execution ended. `not-started` (deferred, refused, interrupted before any change) and `failed` (a halt or resume that did not happen) may run again. */
export type Outcome = 'verified' | 'restored' | 'done' | 'not-started' | 'failed';

export type JournalRecord =
  | {
      t: 'exec';
      execId: string;
      incidentId: string;
      action: PlanAction;
      planId: string;
      strategy?: Strategy;
      target?: string;
      ops: PlanOp[];
      pid: number;
      at: number;
    }
  | { t: 'begin'; execId: string; step: number; op: PlanOp['op']; at: number }
  | { t: 'end'; execId: string; step: number; op: PlanOp['op']; ok: boolean; detail: string; data?: Record<string, unknown>; at: number }
  /** A recovery attempt, or the start of restoring the original containers. */
  | { t: 'phase'; execId: string; phase: 'recovery' | 'restore'; note: string; at: number }
  | {
      t: 'outcome';
      execId: string;
      incidentId: string;
      action: PlanAction;
      outcome: Outcome;
      detail: string;
      targetImageId?: string;
      preExisting?: string[];
      at: number;
    }
  /** A target whose verification failed: never retried automatically. */
  | { t: 'failed-target'; execId: string; target: string; detail: string; at: number };

/** Called around every record: `before` it is written, `after` it is durable (fault injection hooks in here). */
export type JournalObserver = (record: JournalRecord, when: 'before' | 'after') => void;

export interface Execution {
  exec: Extract<JournalRecord, { t: 'exec' }>;
  records: JournalRecord[];
  outcome?: Extract<JournalRecord, { t: 'outcome' }>;
}

export const JOURNAL_FILE = 'journal.jsonl';

export class RollbackJournal {
  private appender: JsonlAppender | undefined;
  private readonly path: string;

  constructor(
    readonly dir: string,
    private readonly observer?: JournalObserver,
  ) {
    this.path = join(dir, JOURNAL_FILE);
  }

  append(record: JournalRecord): void {
    this.observer?.(record, 'before');
    // Opened on first use; a torn line left by a crash mid-append is ended before the first record.
    this.appender ??= openJsonlAppender(this.path);
    this.appender.append(record);
    this.observer?.(record, 'after');
  }

  /**
   * Every durable record, in order, read afresh (a CLI run and the daemon may share the directory). A
   * line torn by a crash mid-append (only ever the last) is skipped.
   */
  records(): JournalRecord[] {
    return readJsonl(this.path).records.map((r) => r.value as JournalRecord);
  }

  executions(): Execution[] {
    const byId = new Map<string, Execution>();
    for (const record of this.records()) {
      if (record.t === 'exec') {
        byId.set(record.execId, { exec: record, records: [] });
        continue;
      }
      if (record.t === 'failed-target') continue;
      const execution = byId.get(record.execId);
      if (!execution) continue;
      execution.records.push(record);
      if (record.t === 'outcome') execution.outcome = record;
    }
    return [...byId.values()];
  }

  /** The latest execution of an incident's action. */
  latest(incidentId: string, action: PlanAction): Execution | undefined {
    return this.executions()
      .filter((e) => e.exec.incidentId === incidentId && e.exec.action === action)
      .at(-1);
  }

  open(): Execution[] {
    return this.executions().filter((e) => e.outcome === undefined);
  }

  failedTargets(): { target: string; at: number; detail: string }[] {
    return this.records().flatMap((r) => (r.t === 'failed-target' ? [{ target: r.target, at: r.at, detail: r.detail }] : []));
  }

  close(): void {
    this.appender?.close();
    this.appender = undefined;
  }
}
