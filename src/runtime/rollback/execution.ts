// An execution as the engine runs it and replays it: its run state rebuilt from the journal, the
// report of one that already ended, and the names and boundaries of its steps.
import type { PlanAction, PlanOp } from '../../core/plan.ts';
import type { ExecutionReport, StepTiming } from '../../core/types.ts';
import type { Execution } from './journal.ts';
import type { RunContext } from './steps.ts';

/**
 * An execution as the engine runs it: the plan's ops, what each finished step recorded, whose it is,
 * and how long each step this process ran took (for the report's summary).
 */
export type ExecRun = RunContext & { incidentId: string; action: PlanAction; planId: string; target?: string; timings?: StepTiming[] };

/** Say again how an execution of this incident already ended (done is done). */
export function replay(past: Execution, say: (r: ExecutionReport) => void): void {
  const o = past.outcome!;
  const detail = `already executed for this incident (${new Date(o.at).toISOString()}): ${o.detail}`;
  switch (o.outcome) {
    case 'verified':
      say({ kind: 'finished', ok: true, detail, ...(o.targetImageId ? { targetImageId: o.targetImageId } : {}) });
      say({ kind: 'verified', ok: true, detail, preExisting: o.preExisting ?? [] });
      return;
    case 'done':
      say({ kind: 'finished', ok: true, detail });
      return;
    case 'restored':
    case 'failed':
    case 'not-started':
      say({ kind: 'finished', ok: false, detail });
      return;
  }
}

/** An interrupted execution as the engine runs it again, rebuilt from its journal records. */
export function runOf(execution: Execution): ExecRun {
  const data: RunContext['data'] = {};
  for (const r of execution.records) if (r.t === 'end' && r.ok) data[r.step] = r.data ?? {};
  const e = execution.exec;
  return {
    execId: e.execId,
    ops: e.ops,
    data,
    incidentId: e.incidentId,
    action: e.action,
    planId: e.planId,
    ...(e.target ? { target: e.target } : {}),
  };
}

/** The first operation that changes a running container (everything before it only reads or prepares). */
export function firstChange(ops: PlanOp[]): number {
  return ops.findIndex(changesContainers);
}

export function changesContainers(op: PlanOp): boolean {
  return op.op === 'stop' || op.op === 'halt' || op.op === 'resume';
}

export function stepName(op: PlanOp): string {
  return 'container' in op ? `${op.op} ${op.container}` : op.op;
}
