// Wires the Telegram pieces for `run`: one telegraf client, the durable outbox, the notifier (needed
// before the event loop exists) and the bot (started once the loop can take operator events).
import type { Logger } from 'pino';
import type { RenderOptions } from '../../core/telegram-text.ts';
import type { Language } from '../../core/text/catalogue.ts';
import type { Notifier } from '../../ports/notifier.ts';
import { createTelegramNotifier } from '../telegram-notifier.ts';
import { createTelegramApi, type TelegramApi } from './api.ts';
import { startTelegramBot, type BotHandlers, type BotSettings, type TelegramBot } from './bot.ts';
import { openOutbox, type Outbox, type OutboxTimers } from './outbox.ts';

export interface TelegramChannelOptions {
  token: string;
  apiRoot?: string | undefined;
  chatId: number;
  allowedUserIds: readonly number[];
  language: Language;
  timeZone: string;
  /** The outbox journal and the update offset live here (e.g. `<state dir>/telegram`). */
  dir: string;
  contacts?: RenderOptions['contacts'];
  logger?: Logger | undefined;
  now: () => number;
  /** Test and tuning knobs; production defaults suit Telegram's limits. */
  tuning?: {
    pollTimeoutSec?: number;
    retry?: { baseMs: number; maxMs: number };
    minIntervalMs?: number;
    requestTimeoutMs?: number;
    confirmTtlMs?: number;
    buttonExpiryMs?: number;
    forwardForeignChat?: boolean;
    timers?: OutboxTimers;
    closeTimeoutMs?: number;
    nonce?: () => string;
  };
}

/** What a config reload may change while the channel runs (see config/reload-policy.ts). */
export interface OperatorSettings {
  language: Language;
  allowedUserIds: readonly number[];
  contacts: NonNullable<RenderOptions['contacts']>;
  buttonExpiryMs: number;
}

export interface TelegramChannel {
  readonly api: TelegramApi;
  readonly outbox: Outbox;
  readonly notifier: Notifier;
  /** Start polling once the event loop can take operator events (call once). */
  startBot(handlers: BotHandlers): TelegramBot;
  /** Stop polling, then let the outbox finish its request in flight. Messages still queued stay on disk. */
  close(): Promise<void>;
  /** Apply reloaded settings: the next notices, answers and allow-list checks use them. */
  reconfigure(settings: OperatorSettings): void;
}

export function openTelegramChannel(
  options: TelegramChannelOptions,
): { ok: true; channel: TelegramChannel; warnings: string[] } | { ok: false; error: string } {
  const tuning = options.tuning ?? {};
  const api = createTelegramApi({
    token: options.token,
    apiRoot: options.apiRoot,
    ...(tuning.requestTimeoutMs !== undefined ? { requestTimeoutMs: tuning.requestTimeoutMs } : {}),
  });
  const opened = openOutbox({
    dir: options.dir,
    api,
    logger: options.logger,
    ...(tuning.retry ? { backoff: tuning.retry } : {}),
    ...(tuning.minIntervalMs !== undefined ? { minIntervalMs: tuning.minIntervalMs } : {}),
    ...(tuning.requestTimeoutMs !== undefined ? { requestTimeoutMs: tuning.requestTimeoutMs } : {}),
    ...(tuning.timers ? { timers: tuning.timers } : {}),
    ...(tuning.closeTimeoutMs !== undefined ? { closeTimeoutMs: tuning.closeTimeoutMs } : {}),
  });
  if (!opened.ok) return opened;
  const outbox = opened.outbox;
  // The notifier reads these at every notice and the bot at every update: a reload changes them in place.
  const notifierOptions: Parameters<typeof createTelegramNotifier>[0] = {
    outbox,
    chatId: options.chatId,
    language: options.language,
    timeZone: options.timeZone,
    ...(options.contacts ? { contacts: options.contacts } : {}),
  };
  const notifier = createTelegramNotifier(notifierOptions);
  const botSettings: BotSettings = {
    language: options.language,
    timeZone: options.timeZone,
    allowedUserIds: options.allowedUserIds,
    ...(tuning.buttonExpiryMs !== undefined ? { buttonExpiryMs: tuning.buttonExpiryMs } : {}),
  };
  let bot: TelegramBot | undefined;
  const channel: TelegramChannel = {
    api,
    outbox,
    notifier,
    startBot(handlers) {
      if (bot) throw new Error('telegram bot already started');
      bot = startTelegramBot({
        ...handlers,
        api,
        outbox,
        chatId: options.chatId,
        allowedUserIds: options.allowedUserIds,
        language: options.language,
        timeZone: options.timeZone,
        now: options.now,
        logger: options.logger,
        dir: options.dir,
        ...(tuning.pollTimeoutSec !== undefined ? { pollTimeoutSec: tuning.pollTimeoutSec } : {}),
        ...(tuning.retry ? { retry: tuning.retry } : {}),
        ...(tuning.confirmTtlMs !== undefined ? { confirmTtlMs: tuning.confirmTtlMs } : {}),
        ...(tuning.buttonExpiryMs !== undefined ? { buttonExpiryMs: tuning.buttonExpiryMs } : {}),
        ...(tuning.forwardForeignChat !== undefined ? { forwardForeignChat: tuning.forwardForeignChat } : {}),
        ...(tuning.nonce ? { nonce: tuning.nonce } : {}),
        settings: () => botSettings,
      });
      return bot;
    },
    reconfigure(settings) {
      notifierOptions.language = settings.language;
      notifierOptions.contacts = settings.contacts;
      botSettings.language = settings.language;
      botSettings.allowedUserIds = settings.allowedUserIds;
      botSettings.buttonExpiryMs = settings.buttonExpiryMs;
    },
    async close() {
      await bot?.stop();
      await outbox.close();
    },
  };
  return { ok: true, channel, warnings: opened.warnings };
}
