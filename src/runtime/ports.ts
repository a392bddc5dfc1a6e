// The small interfaces the runtime talks to. Each has one real adapter and, where a test needs it, a fake.
import type { ExecutionReport, Notice, PlanPreview } from '../core/types.ts';

/** Delivers operator notices. The console notifier ships now; Telegram implements the same port. */
export interface Notifier {
  /** Resolves once the notice is delivered or durably queued for delivery; `key` makes delivery idempotent. */
  deliver(key: string, notice: Notice): Promise<void>;
  close(): Promise<void>;
}

export interface Clock {
  now(): number;
}

/** The rollback engine as the event loop sees it (issue 3 implements it over Docker and git). */
export interface ActionPort {
  plan(action: 'rollback' | 'halt' | 'resume'): Promise<{ ok: true; plan: PlanPreview } | { ok: false; reason: string }>;
  execute(incidentId: string, action: 'rollback' | 'halt' | 'resume', planId: string, report: (r: ExecutionReport) => void): Promise<void>;
}
