// The durable outbox: every outgoing Telegram message is appended to a journal and fsync'd before it
// is sent, sent strictly in order, retried with exponential backoff (honouring 429 retry_after), and
// still there after a restart. A message Telegram refuses for good (400) is recorded and skipped so it
// cannot block the ones behind it. Enqueueing never waits for Telegram.
//
// Journal records (one JSON object per line, outbox.jsonl):
//   enq    {seq, key, at, item}         accepted, durable, to be sent
//   done   {seq, at, messageId?}        delivered (messageId of a sent message)
//   failed {seq, at, error}             refused for good; skipped
//   seen   {key}                        (compaction) a key delivered long ago: still deduplicated
//   ref    {ref, chatId, messageId, html}  (compaction) a sent message whose buttons are still open
//   next   {seq}                        (compaction) the sequence counter
// Delivery is at least once: a crash after Telegram accepted a message but before `done` was written
// sends it again on restart. Nothing is ever lost.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { htmlToPlain, type InlineKeyboard } from '../../core/telegram-html.ts';
import { ensureDir, openJsonlAppender, readJsonl, replaceFileAtomic, type JsonlAppender } from '../durable.ts';
import { backoffDelay, FailureStreak, sleep, type Backoff } from '../retry.ts';
import { describeApiError, type ApiError, type TelegramApi } from './api.ts';

/** A new message. `ref` groups messages whose buttons are later closed together. */
export interface OutboxSend {
  op: 'send';
  chatId: number;
  html: string;
  keyboard?: InlineKeyboard;
  ref?: string;
}

/** Remove the buttons of every sent message with this `ref`, appending a footer line to its text. */
export interface OutboxCloseButtons {
  op: 'close-buttons';
  ref: string;
  footerHtml: string;
}

export type OutboxItem = OutboxSend | OutboxCloseButtons;

type JournalRecord =
  | { t: 'enq'; seq: number; key: string; at: number; item: OutboxItem }
  | { t: 'done'; seq: number; at: number; messageId?: number }
  | { t: 'failed'; seq: number; at: number; error: string }
  | { t: 'seen'; key: string }
  | { t: 'ref'; ref: string; chatId: number; messageId: number; html: string }
  | { t: 'next'; seq: number };

interface Pending {
  seq: number;
  key: string;
  at: number;
  item: OutboxItem;
}

interface OpenRef {
  chatId: number;
  messageId: number;
  html: string;
}

export interface OutboxTimers {
  now(): number;
  /** Resolve after `ms`, or early (never reject) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const realTimers: OutboxTimers = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, signal) };

export interface OutboxOptions {
  dir: string;
  api: TelegramApi;
  logger?: Logger | undefined;
  /** Exponential backoff for network and 5xx failures: base × 2^(attempt-1), capped. */
  backoff?: Backoff;
  /** Pause between two messages (Telegram asks for at most about one message per second per chat). */
  minIntervalMs?: number;
  /** Per-request timeout: a Telegram that accepts connections but never answers must not stall the queue forever. */
  requestTimeoutMs?: number;
  timers?: OutboxTimers;
  /** close() waits this long for a request in flight before abandoning it (it is re-sent next start). */
  closeTimeoutMs?: number;
}

export type EnqueueResult = { ok: true; seq: number; duplicate: boolean } | { ok: false; error: string };

export interface OutboxStats {
  pending: number;
  delivered: number;
  failed: number;
  /** Consecutive failed attempts of the message at the head of the queue. */
  attempts: number;
  lastError?: string;
}

export interface Outbox {
  /** Persist (fsync) and queue; returns at once. The same key twice is a no-op (`duplicate`). */
  enqueue(key: string, item: OutboxItem): EnqueueResult;
  has(key: string): boolean;
  stats(): OutboxStats;
  /** Resolves true once nothing is pending, false if `timeoutMs` passes first. */
  drained(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const FILE = 'outbox.jsonl';
const KEYS_KEPT = 5000;
const REFS_KEPT = 500;
const COMPACT_AFTER = 1000;

export function openOutbox(options: OutboxOptions): { ok: true; outbox: Outbox; warnings: string[] } | { ok: false; error: string } {
  const path = join(options.dir, FILE);
  const timers = options.timers ?? realTimers;
  const backoff: Backoff = options.backoff ?? { baseMs: 1000, maxMs: 60_000 };
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 20_000;
  const log = options.logger;
  const scrub = options.api.scrub;

  // ---- load
  const warnings: string[] = [];
  const pending: Pending[] = [];
  const finishedKeys: string[] = [];
  const keys = new Set<string>();
  const refs = new Map<string, OpenRef[]>();
  let nextSeq = 1;
  try {
    ensureDir(options.dir);
    const read = readJsonl(path);
    // Only the last line can be torn by a crash mid-append; it was never acknowledged.
    for (const line of read.unreadable) warnings.push(`${path}:${line}: unreadable line skipped`);
    const bySeq = new Map<number, Pending>();
    for (const { value } of read.records) {
      const record = value as JournalRecord;
      switch (record.t) {
        case 'enq':
          bySeq.set(record.seq, { seq: record.seq, key: record.key, at: record.at, item: record.item });
          keys.add(record.key);
          nextSeq = Math.max(nextSeq, record.seq + 1);
          break;
        case 'done':
        case 'failed': {
          const p = bySeq.get(record.seq);
          if (!p) break;
          bySeq.delete(record.seq);
          finishedKeys.push(p.key);
          if (record.t === 'done') applyDone(refs, p.item, record.messageId);
          break;
        }
        case 'seen':
          keys.add(record.key);
          finishedKeys.push(record.key);
          break;
        case 'ref':
          refs.set(record.ref, [
            ...(refs.get(record.ref) ?? []),
            { chatId: record.chatId, messageId: record.messageId, html: record.html },
          ]);
          break;
        case 'next':
          nextSeq = Math.max(nextSeq, record.seq);
          break;
      }
    }
    pending.push(...[...bySeq.values()].sort((a, b) => a.seq - b.seq));
  } catch (err) {
    return { ok: false, error: `telegram outbox ${options.dir}: ${scrub((err as Error).message)}` };
  }

  // ---- journal
  let journal: JsonlAppender;
  const rewrite = () => {
    // Keep what dedupe and open buttons need, and everything still to send; drop the rest.
    const recentKeys = finishedKeys.slice(-KEYS_KEPT);
    finishedKeys.length = 0;
    finishedKeys.push(...recentKeys);
    const refEntries = [...refs.entries()].slice(-REFS_KEPT);
    refs.clear();
    for (const [ref, list] of refEntries) refs.set(ref, list);
    keys.clear();
    for (const k of recentKeys) keys.add(k);
    for (const p of pending) keys.add(p.key);
    const records: JournalRecord[] = [
      { t: 'next', seq: nextSeq },
      ...recentKeys.map((key): JournalRecord => ({ t: 'seen', key })),
      ...refEntries.flatMap(([ref, list]) =>
        list.map((r): JournalRecord => ({ t: 'ref', ref, chatId: r.chatId, messageId: r.messageId, html: r.html })),
      ),
      ...pending.map((p): JournalRecord => ({ t: 'enq', seq: p.seq, key: p.key, at: p.at, item: p.item })),
    ];
    replaceFileAtomic(path, records.map((r) => JSON.stringify(r) + '\n').join(''));
  };
  try {
    rewrite();
    journal = openJsonlAppender(path);
  } catch (err) {
    return { ok: false, error: `telegram outbox ${options.dir}: ${scrub((err as Error).message)}` };
  }
  let sinceCompaction = 0;
  const append = (record: JournalRecord) => journal.append(record);
  const finish = (p: Pending, record: JournalRecord) => {
    append(record);
    pending.shift();
    finishedKeys.push(p.key);
    sinceCompaction += 1;
    if (sinceCompaction >= COMPACT_AFTER) {
      sinceCompaction = 0;
      try {
        journal.close();
        rewrite();
      } finally {
        journal = openJsonlAppender(path);
      }
    }
  };

  // ---- sender
  let closed = false;
  // close() ends sleeps at once, but gives a request in flight time to finish (so it is not sent twice).
  const sleepStop = new AbortController();
  const requestStop = new AbortController();
  let wake: (() => void) | undefined;
  const streak = new FailureStreak();
  let delivered = 0;
  let failed = 0;
  let lastError: string | undefined;
  let lastSentAt = -Infinity;
  const idleWaiters = new Set<(idle: boolean) => void>();
  const notifyIdle = () => {
    if (pending.length > 0) return;
    for (const w of [...idleWaiters]) w(true);
  };

  type Attempt = { kind: 'done'; messageId?: number } | { kind: 'retry'; error: ApiError } | { kind: 'failed'; error: string };

  const sendOne = async (item: OutboxSend, signal: AbortSignal): Promise<Attempt> => {
    const markup = item.keyboard ? { reply_markup: { inline_keyboard: item.keyboard } } : {};
    const base = { chat_id: item.chatId, link_preview_options: { is_disabled: true }, ...markup };
    const r = await options.api.call(
      'sendMessage',
      { ...base, text: item.html, parse_mode: 'HTML' },
      { signal, timeoutMs: requestTimeoutMs },
    );
    if (r.ok) return { kind: 'done', messageId: r.value.message_id };
    if (r.error.kind !== 'rejected') return { kind: 'retry', error: r.error };
    // Markup Telegram will not parse must not cost the operator the alert: send it as plain text.
    if (/can't parse entities/i.test(r.error.message)) {
      const plain = await options.api.call(
        'sendMessage',
        { ...base, text: htmlToPlain(item.html) },
        { signal, timeoutMs: requestTimeoutMs },
      );
      if (plain.ok) return { kind: 'done', messageId: plain.value.message_id };
      if (plain.error.kind !== 'rejected') return { kind: 'retry', error: plain.error };
      return { kind: 'failed', error: describeApiError(plain.error) };
    }
    return { kind: 'failed', error: describeApiError(r.error) };
  };

  const closeButtons = async (item: OutboxCloseButtons, signal: AbortSignal): Promise<Attempt> => {
    const list = refs.get(item.ref) ?? [];
    for (const message of [...list]) {
      const r = await options.api.call(
        'editMessageText',
        {
          chat_id: message.chatId,
          message_id: message.messageId,
          text: `${message.html}\n\n${item.footerHtml}`,
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
        },
        { signal, timeoutMs: requestTimeoutMs },
      );
      // Not modified (already closed before a restart), deleted, or too old to edit: nothing more to do.
      if (!r.ok && r.error.kind !== 'rejected') return { kind: 'retry', error: r.error };
      list.splice(list.indexOf(message), 1);
    }
    return { kind: 'done' };
  };

  const run = async () => {
    while (!closed) {
      const head = pending[0];
      if (!head) {
        notifyIdle();
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (closed || pending.length > 0) resolve();
        });
        wake = undefined;
        continue;
      }
      const gap = lastSentAt + minIntervalMs - timers.now();
      if (gap > 0) {
        await timers.sleep(gap, sleepStop.signal);
        if (closed) break;
      }
      let outcome: Attempt;
      try {
        outcome =
          head.item.op === 'send' ? await sendOne(head.item, requestStop.signal) : await closeButtons(head.item, requestStop.signal);
      } catch (err) {
        // api.call never throws; this is a bug, reported without the raw error (it may hold a URL).
        outcome = { kind: 'retry', error: { kind: 'network', message: scrub(String((err as Error)?.message ?? err)) } };
      }
      if (closed && outcome.kind === 'retry') break;
      switch (outcome.kind) {
        case 'done': {
          finish(head, {
            t: 'done',
            seq: head.seq,
            at: timers.now(),
            ...(outcome.messageId !== undefined ? { messageId: outcome.messageId } : {}),
          });
          applyDone(refs, head.item, outcome.messageId);
          const attempts = streak.end();
          if (attempts > 0) log?.info({ key: head.key, attempts }, 'telegram reachable again; outbox resumes');
          delivered += 1;
          lastSentAt = timers.now();
          break;
        }
        case 'failed':
          finish(head, { t: 'failed', seq: head.seq, at: timers.now(), error: outcome.error });
          log?.warn({ key: head.key, error: outcome.error }, 'telegram refused a message for good; recorded and skipped');
          streak.end();
          failed += 1;
          lastError = outcome.error;
          break;
        case 'retry': {
          const error = outcome.error;
          lastError = describeApiError(error);
          const shouldLog = streak.fail(lastError);
          const attempts = streak.failures;
          const delay = backoffDelay(attempts, backoff, error.kind === 'rate-limited' ? error.retryAfterMs : undefined);
          if (shouldLog) {
            const level = error.kind === 'unauthorized' ? 'error' : 'warn';
            log?.[level](
              { key: head.key, attempts, error: lastError, retryInMs: delay, pending: pending.length },
              'telegram message not delivered yet; will retry',
            );
          }
          await timers.sleep(delay, sleepStop.signal);
          break;
        }
      }
    }
  };
  const running = run().catch((err: unknown) => {
    log?.error({ error: scrub(String((err as Error)?.message ?? err)) }, 'telegram outbox sender stopped unexpectedly');
  });

  const outbox: Outbox = {
    enqueue(key, item) {
      if (closed) return { ok: false, error: 'outbox closed' };
      if (keys.has(key)) return { ok: true, seq: 0, duplicate: true };
      const p: Pending = { seq: nextSeq, key, at: timers.now(), item };
      try {
        append({ t: 'enq', seq: p.seq, key, at: p.at, item });
      } catch (err) {
        return { ok: false, error: `telegram outbox: ${scrub((err as Error).message)}` };
      }
      nextSeq += 1;
      keys.add(key);
      pending.push(p);
      wake?.();
      return { ok: true, seq: p.seq, duplicate: false };
    },
    has: (key) => keys.has(key),
    stats: () => ({
      pending: pending.length,
      delivered,
      failed,
      attempts: streak.failures,
      ...(lastError !== undefined ? { lastError } : {}),
    }),
    drained(timeoutMs) {
      if (pending.length === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = (value: boolean) => {
          clearTimeout(timer);
          idleWaiters.delete(onIdle);
          resolve(value);
        };
        const onIdle = (idle: boolean) => done(idle);
        const timer = setTimeout(() => done(false), timeoutMs);
        idleWaiters.add(onIdle);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      wake?.();
      sleepStop.abort();
      const abandon = setTimeout(() => requestStop.abort(), options.closeTimeoutMs ?? 3000);
      await running;
      clearTimeout(abandon);
      requestStop.abort();
      for (const w of [...idleWaiters]) w(pending.length === 0);
      journal.close();
    },
  };
  return { ok: true, outbox, warnings };
}

function applyDone(refs: Map<string, OpenRef[]>, item: OutboxItem, messageId: number | undefined): void {
  if (item.op === 'send') {
    if (item.ref !== undefined && item.keyboard && messageId !== undefined) {
      refs.set(item.ref, [...(refs.get(item.ref) ?? []), { chatId: item.chatId, messageId, html: item.html }]);
    }
  } else {
    refs.delete(item.ref);
  }
}
