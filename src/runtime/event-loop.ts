// The serial event loop: every observation goes through step() one at a time, is made durable
// (journal, then checkpoint with the tail cursors), and only then are its notices delivered.
import type { Logger } from 'pino';
import type { JournalEntry } from '../core/incident.ts';
import { evaluateAll } from '../core/step-evaluation.ts';
import { initialState, restoreState, step, type CoreState, type StepContext, type StepResult } from '../core/step.ts';
import type { Effect, Event, ExecutionReport } from '../core/types.ts';
import type { TailCursor } from '../adapters/log-tail.ts';
import { StateStore } from '../adapters/state-store.ts';
import { randomBytes } from 'node:crypto';
import type { ActionPort } from '../ports/action.ts';
import type { Clock } from '../ports/clock.ts';
import type { Notifier } from '../ports/notifier.ts';

type PendingNotice = Extract<Effect, { kind: 'notify' }>;

export interface EventLoopOptions {
  stateDir: string;
  clock: Clock;
  notifier: Notifier;
  logger: Logger;
  context: StepContext;
  /** Plans and executes rollback / halt / resume. Without one, every plan request is answered "unavailable". */
  actions?: ActionPort;
  /** Checkpoint at least this often even when nothing happened (ticks only move the clock). */
  idleCheckpointMs?: number;
  /** Called after each step's state is applied (e.g. to schedule a look at the core's next deadline). */
  onApplied?: () => void;
}

export interface EventLoop {
  readonly cursors: Record<string, TailCursor>;
  state(): CoreState;
  context(): StepContext;
  /** Queue an observation; resolves when it is durable (and its notices handed to the notifier). */
  submit(event: Event, cursors?: Record<string, TailCursor>): Promise<void>;
  /** Replace rules/profiles (hot reload) and re-evaluate. */
  replaceContext(context: StepContext): Promise<void>;
  close(): Promise<void>;
}

export async function openEventLoop(
  options: EventLoopOptions,
): Promise<{ ok: true; loop: EventLoop; restored: boolean } | { ok: false; error: string }> {
  const store = new StateStore<CoreState, TailCursor, PendingNotice>(options.stateDir);
  const opened = store.open();
  if (!opened.ok) return { ok: false, error: opened.error };
  for (const warning of opened.warnings) options.logger.warn({ stateDir: options.stateDir }, warning);
  if (opened.droppedJournalEntries > 0) {
    options.logger.info(
      { dropped: opened.droppedJournalEntries },
      'journal entries newer than the checkpoint were cut: their lines will be read again',
    );
  }

  let core = opened.checkpoint ? restoreState(opened.checkpoint.core) : initialState(options.clock.now());
  let cursors: Record<string, TailCursor> = opened.checkpoint?.cursors ?? {};
  let outbox: PendingNotice[] = opened.checkpoint?.outbox ?? [];
  let seq = opened.checkpoint?.seq ?? 0;
  let context = options.context;
  let lastSave = 0;
  let queue: Promise<void> = Promise.resolve();
  let closed = false;
  const idleCheckpointMs = options.idleCheckpointMs ?? 5 * 60_000;

  const persist = (journal: JournalEntry[], force: boolean) => {
    const now = options.clock.now();
    if (!force && journal.length === 0 && outbox.length === 0 && now - lastSave < idleCheckpointMs) return;
    seq += 1;
    store.appendJournal(seq, journal);
    store.saveCheckpoint({ seq, savedAt: now, core, cursors, outbox });
    lastSave = now;
  };

  const deliverOutbox = async () => {
    while (outbox.length > 0) {
      const next = outbox[0]!;
      try {
        await options.notifier.deliver(next.key, next.notice);
      } catch (err) {
        // The notifier owns its retries; if it still throws, keep the notice for the next attempt and
        // let detection go on: a notification outage must never block the loop.
        options.logger.error({ err: (err as Error).message, key: next.key }, 'notice not delivered; kept for retry');
        return;
      }
      outbox = outbox.slice(1);
    }
  };

  // Randomness for nonces lives here, at the edge: the core stays deterministic.
  const freshNonce = () => randomBytes(9).toString('base64url');

  const apply = (result: StepResult, newCursors: Record<string, TailCursor> | undefined, force: boolean) => {
    core = result.state;
    if (newCursors) cursors = { ...cursors, ...newCursors };
    for (const effect of result.effects) if (effect.kind === 'notify') outbox.push(effect);
    persist(result.journal, force || newCursors !== undefined || result.effects.length > 0);
    // Plans and executions run outside the queue (they take seconds to minutes) and report back as
    // events. They are not queued durably: the state says what is pending, and `startup` re-asks.
    for (const effect of result.effects) {
      if (effect.kind === 'plan') void requestPlan(effect.incidentId, effect.action);
      if (effect.kind === 'execute') void runExecution(effect.incidentId, effect.action, effect.planId);
    }
    options.onApplied?.();
  };

  const requestPlan = async (incidentId: string, action: 'rollback' | 'halt' | 'resume') => {
    let result: Extract<Event, { kind: 'plan-ready' }>['result'];
    try {
      result = options.actions
        ? await options.actions.plan(action)
        : { ok: false, reason: 'no rollback engine is configured in this sidecar' };
    } catch (err) {
      result = { ok: false, reason: `planning failed: ${(err as Error).message}` };
    }
    await loop.submit({ kind: 'plan-ready', incidentId, result, nonce: freshNonce(), at: options.clock.now() });
  };

  const runExecution = async (incidentId: string, action: 'rollback' | 'halt' | 'resume', planId: string) => {
    const report = (r: ExecutionReport) => void loop.submit({ kind: 'execution', incidentId, report: r, at: options.clock.now() });
    if (!options.actions) {
      report({ kind: 'refused', reason: 'no rollback engine is configured in this sidecar' });
      return;
    }
    try {
      await options.actions.execute(incidentId, action, planId, report);
    } catch (err) {
      report({ kind: 'finished', ok: false, detail: `the engine failed: ${(err as Error).message}` });
    }
  };

  const enqueue = (work: () => Promise<void> | void): Promise<void> => {
    const run = queue.then(async () => {
      if (closed) return;
      await work();
      await deliverOutbox();
    });
    // A failure in one event must not wedge the queue: log it, keep the last good state.
    queue = run.catch((err: unknown) => {
      options.logger.error({ err: err instanceof Error ? err.stack : String(err) }, 'event processing failed; state kept as before');
    });
    return run;
  };

  // Notices decided before a crash but not delivered go out first; then pending decisions are
  // announced again (never executed blindly) with fresh randomness for their nonces.
  await enqueue(() => {});

  const loop: EventLoop = {
    get cursors() {
      return cursors;
    },
    state: () => core,
    context: () => context,
    submit(event, newCursors) {
      return enqueue(() => apply(step(core, event, context), newCursors, false));
    },
    replaceContext(next) {
      return enqueue(() => {
        context = next;
        apply(evaluateAll({ ...core, now: Math.max(core.now, options.clock.now()) }, context), undefined, true);
      });
    },
    async close() {
      await queue;
      closed = true;
      persist([], true);
      store.close();
    },
  };
  // Logged and survived like any event failure: the sidecar keeps watching on its last good state.
  await loop.submit({ kind: 'startup', at: options.clock.now(), seed: freshNonce() }).catch(() => undefined);
  return { ok: true, loop, restored: opened.checkpoint !== undefined };
}
