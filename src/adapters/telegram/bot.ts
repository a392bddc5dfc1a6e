// The Telegram bot: long polling through telegraf, and thin handlers that only parse, check the chat
// and the allow-list, answer the press at once, and hand an `operator` event to the core. Nothing slow
// runs in a handler (telegraf aborts handlers after 90 s, and the poll waits for them): replies go to
// the outbox, decisions to `submit`, and read-only questions are answered from `state()`.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallbackQuery, Message, Update, User } from 'telegraf/types';
import type { Backoff } from '../retry.ts';
import type { Rule } from '../../config/schema.ts';
import { judgeConfirmation, parseCommand, type PendingConfirmation } from '../../core/commands.ts';
import type { CoreState } from '../../core/step.ts';
import { renderIncidents, renderRules, renderStatus } from '../../core/status-text.ts';
import { footerText, renderIncidentDetails } from '../../core/telegram-text.ts';
import { parseCallbackData, type PressAnswer } from '../../core/telegram-commands.ts';
import {
  commandAckText,
  confirmPrompt,
  foreignChatText,
  helpText,
  notAllowedText,
  pressAnswerText,
  reloadText,
  unknownCommandText,
  unknownIncidentText,
  usageText,
  type ReloadOutcome,
} from '../../core/telegram-replies.ts';
import type { Language } from '../../core/text/catalogue.ts';
import type { Event, OperatorIdentity } from '../../core/types.ts';
import { describeApiError, type TelegramApi } from './api.ts';
import type { Outbox } from './outbox.ts';
import { pollUpdates } from './polling.ts';

export type OperatorEvent = Extract<Event, { kind: 'operator' }>;

/** What the bot needs from the running sidecar; bound after the event loop exists. */
export interface BotHandlers {
  /** Hand a decision or command to the core. Not awaited by the handler. */
  submit: (event: OperatorEvent) => void | Promise<void>;
  /** The core's current state, for /status, /incidents, Details and the staleness pre-check. */
  state: () => CoreState;
  /** Rules in force, for /rules and to check `/silence <rule>`. */
  rules: () => readonly Rule[];
  /** `/reload`: re-read config and rules; absent when the run cannot reload. */
  reload?: () => Promise<ReloadOutcome>;
  /** Config keys changed since start that wait for a restart (shown by /status). */
  restartRequired?: () => readonly string[];
}

/** The options a config reload may change while the bot runs; read at every update. */
export type BotSettings = Pick<BotOptions, 'language' | 'timeZone' | 'allowedUserIds' | 'buttonExpiryMs'>;

export interface BotOptions extends BotHandlers {
  api: TelegramApi;
  outbox: Outbox;
  /** The operator chat: the only chat the bot acts in. */
  chatId: number;
  allowedUserIds: readonly number[];
  language: Language;
  timeZone: string;
  now: () => number;
  logger?: Logger | undefined;
  /** Where the update offset is kept, so an update is not handled twice across a restart. */
  dir: string;
  /** Long-poll timeout asked of getUpdates, in seconds (Telegram allows up to 50). */
  pollTimeoutSec?: number;
  /** Backoff for getMe / getUpdates failures. */
  retry?: Backoff;
  /** How long a /rollback, /halt or /resume prompt waits for its Confirm press. */
  confirmTtlMs?: number;
  /** `telegram.buttonExpiry`: only for the answer shown on a press (the core decides and records). */
  buttonExpiryMs?: number;
  /**
   * Hand decisions and commands from other chats to the core too, so they are journaled as refused.
   * Only safe when the core's policy knows the chat (`DecisionPolicy.chatId`); off, they are refused
   * and logged here and never reach the core.
   */
  forwardForeignChat?: boolean;
  nonce?: () => string;
  /** Live settings (config reload); without it, the options above hold for the bot's lifetime. */
  settings?: () => BotSettings;
}

export interface TelegramBot {
  /** Resolves once getMe answered and polling has started. */
  readonly ready: Promise<void>;
  username(): string | undefined;
  stop(): Promise<void>;
}

export function startTelegramBot(options: BotOptions): TelegramBot {
  const { api, outbox } = options;
  let { language: lang, timeZone } = options;
  const log = options.logger;
  const telegraf = api.telegraf;
  const confirmTtlMs = options.confirmTtlMs ?? 2 * 60_000;
  const makeNonce = options.nonce ?? (() => randomBytes(12).toString('base64url'));
  let allowed = new Set(options.allowedUserIds);
  let buttonExpiryMs = options.buttonExpiryMs;
  const refreshSettings = () => {
    const current = options.settings?.();
    if (!current) return;
    lang = current.language;
    timeZone = current.timeZone;
    allowed = new Set(current.allowedUserIds);
    buttonExpiryMs = current.buttonExpiryMs;
  };
  const confirmations = new Map<string, PendingConfirmation>();
  const inFlight = new Set<Promise<unknown>>();
  const stopper = new AbortController();
  let stopped = false;
  let username: string | undefined;
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));

  const track = (p: Promise<unknown>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  // ---- replies: every message goes through the outbox; callback answers are direct and immediate
  const reply = (key: string, html: string, chatId: number = options.chatId) => {
    const r = outbox.enqueue(key, { op: 'send', chatId, html });
    if (!r.ok) log?.error({ key, error: r.error }, 'reply not queued');
  };
  const answer = (query: CallbackQuery, what: PressAnswer) => {
    track(
      api
        .call('answerCallbackQuery', { callback_query_id: query.id, text: pressAnswerText(lang, what) }, { timeoutMs: 10_000 })
        .then((r) => {
          if (!r.ok) log?.warn({ error: describeApiError(r.error), answer: what }, 'button press not answered');
        }),
    );
  };
  const submit = (event: OperatorEvent) => {
    track(
      Promise.resolve()
        .then(() => options.submit(event))
        .catch((err: unknown) =>
          log?.error(
            { error: api.scrub(String((err as Error)?.message ?? err)), command: event.command.kind },
            'operator event not accepted',
          ),
        ),
    );
  };
  const identity = (from: User, chatId: number | undefined): OperatorIdentity => ({
    channel: 'telegram',
    userId: from.id,
    ...(chatId !== undefined ? { chatId } : {}),
    name: from.username ? `@${from.username}` : [from.first_name, from.last_name].filter(Boolean).join(' '),
  });

  const sweepConfirmations = () => {
    const now = options.now();
    for (const [nonce, pending] of confirmations) {
      if (now <= pending.expiresAt) continue;
      confirmations.delete(nonce);
      outbox.enqueue(`confirm|${nonce}|expired`, {
        op: 'close-buttons',
        ref: `confirm|${nonce}`,
        footerHtml: footerText(lang, { kind: 'confirm-expired' }),
      });
    }
  };

  // ---- button presses
  const onCallback = (updateId: number, query: CallbackQuery) => {
    const chatId = query.message?.chat.id;
    const by = identity(query.from, chatId);
    const logged = { updateId, userId: query.from.id, chatId };
    const parsed = parseCallbackData('data' in query ? query.data : undefined);
    const at = options.now();
    if (chatId !== options.chatId) {
      log?.warn(logged, 'button pressed outside the operator chat; refused');
      answer(query, 'foreign-chat');
      if (options.forwardForeignChat && parsed.ok && parsed.action.kind === 'decision' && parsed.action.op !== 'details') {
        submit({
          kind: 'operator',
          command: { kind: parsed.action.op, incidentId: parsed.action.incidentId, nonce: parsed.action.nonce },
          by,
          at,
        });
      }
      return;
    }
    if (!parsed.ok) {
      log?.warn(logged, 'malformed or forged button data; refused');
      return answer(query, 'malformed');
    }
    const isAllowed = allowed.has(query.from.id);
    const action = parsed.action;
    switch (action.kind) {
      case 'decision': {
        if (action.op === 'details') {
          if (!isAllowed) {
            log?.warn({ ...logged, incidentId: action.incidentId }, 'details refused: user not on the allow-list');
            return answer(query, 'not-allowed');
          }
          const incident = options.state().incidents.incidents.find((i) => i.id === action.incidentId);
          if (!incident) {
            reply(`details|${updateId}|0`, unknownIncidentText(lang, action.incidentId));
            return answer(query, 'stale');
          }
          renderIncidentDetails(incident, lang, timeZone).forEach((html, index) => reply(`details|${updateId}|${index}`, html));
          return answer(query, 'details-sent');
        }
        // Approve / veto: always handed to the core, which decides and records (refusals included).
        if (!isAllowed) {
          log?.warn(
            { ...logged, incidentId: action.incidentId, op: action.op },
            'decision press from a user not on the allow-list; refused and recorded',
          );
          answer(query, 'not-allowed');
        } else {
          // A courtesy answer from what the state says now; the core makes the same checks and decides.
          const incident = options.state().incidents.incidents.find((i) => i.id === action.incidentId);
          const d = incident?.decision;
          const current = incident?.phase === 'awaiting-decision' && d?.nonce === action.nonce;
          const expired = current && buttonExpiryMs !== undefined && d !== undefined && at - d.announcedAt > buttonExpiryMs;
          answer(query, !current ? 'stale' : expired ? 'expired' : action.op === 'approve' ? 'approve-received' : 'veto-received');
        }
        submit({ kind: 'operator', command: { kind: action.op, incidentId: action.incidentId, nonce: action.nonce }, by, at });
        return;
      }
      case 'confirm': {
        if (!isAllowed) {
          log?.warn({ ...logged, action: action.action }, 'confirmation press from a user not on the allow-list; refused and recorded');
          answer(query, 'not-allowed');
          submit({ kind: 'operator', command: { kind: 'manual-action', action: action.action, nonce: action.nonce }, by, at });
          return;
        }
        const pending = confirmations.get(action.nonce);
        const verdict = judgeConfirmation(pending, { action: action.action, userId: query.from.id, chatId, now: at });
        switch (verdict) {
          case 'ok':
            confirmations.delete(action.nonce);
            outbox.enqueue(`confirm|${action.nonce}|done`, {
              op: 'close-buttons',
              ref: `confirm|${action.nonce}`,
              footerHtml: footerText(lang, { kind: 'confirmed', by }),
            });
            answer(query, 'confirmed');
            submit({ kind: 'operator', command: { kind: 'manual-action', action: action.action, nonce: action.nonce }, by, at });
            return;
          case 'expired':
            sweepConfirmations();
            return answer(query, 'confirm-expired');
          case 'not-yours':
            return answer(query, 'confirm-not-yours');
          case 'unknown':
            // Already used (a replay), or from before a restart: a confirmation is good for one press.
            log?.warn(logged, 'confirmation press without a pending prompt (replayed or from before a restart); refused');
            return answer(query, 'stale');
          case 'mismatch':
            log?.warn(logged, 'confirmation press for another action; refused');
            return answer(query, 'malformed');
        }
        return;
      }
      case 'cancel': {
        if (!isAllowed) return answer(query, 'not-allowed');
        const pending = confirmations.get(action.nonce);
        const verdict = judgeConfirmation(pending, { userId: query.from.id, chatId, now: at });
        if (verdict === 'not-yours') return answer(query, 'confirm-not-yours');
        if (verdict === 'unknown') return answer(query, 'stale');
        confirmations.delete(action.nonce);
        outbox.enqueue(`confirm|${action.nonce}|cancel`, {
          op: 'close-buttons',
          ref: `confirm|${action.nonce}`,
          footerHtml: footerText(lang, { kind: 'cancelled' }),
        });
        return answer(query, 'cancelled');
      }
    }
  };

  // ---- commands
  const onMessage = (updateId: number, message: Message) => {
    if (!('text' in message) || typeof message.text !== 'string' || !message.from) return;
    const state = options.state();
    const now = options.now();
    const parsed = parseCommand(message.text, {
      botUsername: username,
      now,
      ruleIds: options.rules().map((r) => r.id),
      incidentIds: state.incidents.incidents.map((i) => i.id),
    });
    if (parsed.kind === 'ignore') return;
    const chatId = message.chat.id;
    const key = `reply|${updateId}`;
    const logged = { updateId, userId: message.from.id, chatId, command: message.text.split(/\s/, 1)[0] };
    const by = identity(message.from, chatId);
    if (chatId !== options.chatId) {
      log?.warn(logged, 'command outside the operator chat; refused');
      reply(key, foreignChatText(lang), chatId);
      if (options.forwardForeignChat && parsed.kind === 'operator') submit({ kind: 'operator', command: parsed.command, by, at: now });
      return;
    }
    const isAllowed = allowed.has(message.from.id);
    switch (parsed.kind) {
      case 'unknown':
        return reply(key, unknownCommandText(lang, parsed.name));
      case 'usage':
        return reply(key, usageText(lang, parsed.command, parsed.problem));
      case 'query':
        if (parsed.query === 'help') return reply(key, helpText(lang));
        if (!isAllowed) {
          log?.warn(logged, 'query from a user not on the allow-list; refused');
          return reply(key, notAllowedText(lang));
        }
        switch (parsed.query) {
          case 'status':
            return reply(key, renderStatus(state, lang, timeZone, now, options.restartRequired?.() ?? []));
          case 'incidents':
            return reply(key, renderIncidents(state, lang, timeZone));
          case 'rules':
            return reply(key, renderRules(options.rules(), state, lang, timeZone, now));
        }
        return;
      case 'reload': {
        if (!isAllowed) {
          log?.warn(logged, '/reload from a user not on the allow-list; refused');
          return reply(key, notAllowedText(lang));
        }
        const reload = options.reload;
        if (!reload) return reply(key, reloadText(lang, 'unavailable'));
        reply(key, reloadText(lang, 'reloading'));
        track(
          reload()
            .catch((err: unknown): ReloadOutcome => ({ ok: false, errors: [api.scrub(String((err as Error)?.message ?? err))] }))
            .then((outcome) => reply(`${key}|result`, reloadText(lang, outcome))),
        );
        return;
      }
      case 'operator':
        if (!isAllowed) {
          log?.warn(logged, 'command from a user not on the allow-list; refused and recorded');
          reply(key, notAllowedText(lang));
        } else {
          reply(key, commandAckText(lang, parsed.ack, timeZone));
        }
        submit({ kind: 'operator', command: parsed.command, by, at: now });
        return;
      case 'confirm': {
        if (!isAllowed) {
          log?.warn(logged, 'manual action from a user not on the allow-list; refused and recorded');
          reply(key, notAllowedText(lang));
          submit({ kind: 'operator', command: { kind: 'manual-action', action: parsed.action }, by, at: now });
          return;
        }
        const nonce = makeNonce();
        const prompt = confirmPrompt(lang, parsed.action, nonce, confirmTtlMs);
        if (!prompt) return log?.error({ updateId }, 'confirmation prompt could not be built (nonce format)');
        confirmations.set(nonce, { action: parsed.action, nonce, userId: message.from.id, chatId, expiresAt: now + confirmTtlMs });
        const r = outbox.enqueue(key, {
          op: 'send',
          chatId,
          html: prompt.html,
          ...(prompt.keyboard ? { keyboard: prompt.keyboard } : {}),
          ref: `confirm|${nonce}`,
        });
        if (!r.ok) log?.error({ key, error: r.error }, 'confirmation prompt not queued');
        return;
      }
    }
  };

  telegraf.on('callback_query', (ctx) => onCallback(ctx.update.update_id, ctx.callbackQuery));
  telegraf.on('message', (ctx) => onMessage(ctx.update.update_id, ctx.message));
  telegraf.catch((err) => {
    log?.error({ error: api.scrub(String((err as Error)?.message ?? err)) }, 'telegram update handler failed');
  });

  // ---- long polling (polling.ts): each update goes through telegraf to the handlers above
  const handle = async (update: Update) => {
    try {
      refreshSettings();
      await telegraf.handleUpdate(update);
      // After handling, so that a press on an expired prompt is answered as expired, not unknown.
      sweepConfirmations();
    } catch (err) {
      log?.error({ updateId: update.update_id, error: api.scrub(String((err as Error)?.message ?? err)) }, 'telegram update not handled');
    }
  };

  const polling = pollUpdates({
    api,
    dir: options.dir,
    logger: log,
    pollTimeoutSec: options.pollTimeoutSec ?? 50,
    retry: options.retry ?? { baseMs: 1000, maxMs: 60_000 },
    signal: stopper.signal,
    onReady: (me) => {
      username = me.username;
      telegraf.botInfo = me as typeof telegraf.botInfo;
      readyResolve();
    },
    handle,
  }).catch((err: unknown) => {
    log?.error({ error: api.scrub(String((err as Error)?.message ?? err)) }, 'telegram polling stopped unexpectedly');
  });

  return {
    ready,
    username: () => username,
    async stop() {
      if (stopped) return;
      stopped = true;
      stopper.abort();
      await polling;
      await Promise.allSettled([...inFlight]);
    },
  };
}
