// The action port: the rollback engine as the event loop sees it (issue 3 implements it over Docker and git).
import type { ExecutionReport, PlanAnswer } from '../core/types.ts';

export interface ActionPort {
  plan(action: 'rollback' | 'halt' | 'resume'): Promise<PlanAnswer>;
  execute(incidentId: string, action: 'rollback' | 'halt' | 'resume', planId: string, report: (r: ExecutionReport) => void): Promise<void>;
}
