// A Telegram operator loop for tests: the fake Bot API server, the real telegraf client, the outbox,
// the bot and the notifier in a temp dir. A test presses buttons as a given user, sends commands, and
// reads the chat. Wire `submit`/`state` to an event loop to test the core's decision lifecycle.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Rule } from '../../src/config/schema.ts';
import { initialState, type CoreState } from '../../src/core/step.ts';
import type { RenderOptions } from '../../src/core/telegram-text.ts';
import { encodeCallbackData } from '../../src/core/telegram-commands.ts';
import type { ReloadOutcome } from '../../src/core/telegram-replies.ts';
import type { Language } from '../../src/core/text/catalogue.ts';
import type { OperatorEvent, TelegramBot } from '../../src/adapters/telegram/bot.ts';
import { openTelegramChannel, type TelegramChannel, type TelegramChannelOptions } from '../../src/adapters/telegram/channel.ts';
import type { Notifier } from '../../src/ports/notifier.ts';
import { startBotApiServer, type BotApiServer, type ChatMessage, type FakeUser } from './bot-api-server.ts';

/** A realistic token, so telegraf's own redaction and ours are both exercised. */
export const TEST_TOKEN = '7012345678:AAHq0ZsecretPartOfTheTokenXyz_1234567';
export const OPERATOR_CHAT = -1001234567890;
export const OPERATOR: FakeUser = { id: 111, first_name: '운영자', username: 'ops_oncall' };
export const STRANGER: FakeUser = { id: 999, first_name: 'Stranger' };

export interface HarnessOptions {
  server?: BotApiServer;
  dir?: string;
  chatId?: number;
  allowedUserIds?: number[];
  language?: Language;
  timeZone?: string;
  contacts?: RenderOptions['contacts'];
  /** Where operator events go (default: recorded in `events` only). */
  submit?: (event: OperatorEvent) => void | Promise<void>;
  state?: () => CoreState;
  rules?: () => readonly Rule[];
  reload?: () => Promise<ReloadOutcome>;
  now?: () => number;
  tuning?: TelegramChannelOptions['tuning'];
  /** Start the bot (polling) as well as the notifier (default true). */
  bot?: boolean;
  /** Whether close() removes the server / the dir (default: when the harness made them; kept across restart). */
  ownsServer?: boolean;
  ownsDir?: boolean;
}

export interface TelegramHarness {
  server: BotApiServer;
  dir: string;
  chatId: number;
  channel: TelegramChannel;
  notifier: Notifier;
  bot?: TelegramBot;
  /** Operator events the bot handed over, in order. */
  events: OperatorEvent[];
  /** Everything the adapter logged (pino JSON lines, unscrubbed by the logger: the adapter must not leak). */
  logs: string[];
  /** Press a decision button (as the message would carry it) as `user`; resolves to the answer shown. */
  press(
    user: FakeUser | number,
    op: 'approve' | 'veto' | 'details',
    incidentId: string,
    nonce: string,
    options?: { chatId?: number },
  ): Promise<string | undefined>;
  /** Press the button labelled `label` on the latest chat message that has it. */
  pressButton(user: FakeUser | number, label: string, options?: { chatId?: number }): Promise<string | undefined>;
  /** Press with raw callback data (forged, malformed, replayed…). */
  pressData(user: FakeUser | number, data: string, options?: { chatId?: number; messageId?: number }): Promise<string | undefined>;
  /** Send a text message as `user`; resolves once the bot has taken the update. */
  say(user: FakeUser | number, text: string, options?: { chatId?: number }): Promise<void>;
  /** Messages in the operator chat as the operator sees them now. */
  chat(): ChatMessage[];
  waitForChat(count: number, timeoutMs?: number): Promise<ChatMessage[]>;
  waitForEvents(count: number, timeoutMs?: number): Promise<OperatorEvent[]>;
  drained(timeoutMs?: number): Promise<boolean>;
  /** Close the channel and open a new one on the same dir and server (a sidecar restart). */
  restart(overrides?: Partial<HarnessOptions>): Promise<TelegramHarness>;
  /** Close the channel (and, unless `keepServer`, the server and the temp dir). */
  close(options?: { keepServer?: boolean; keepDir?: boolean }): Promise<void>;
}

export const FAST_TUNING: NonNullable<TelegramChannelOptions['tuning']> = {
  pollTimeoutSec: 2,
  retry: { baseMs: 20, maxMs: 200 },
  minIntervalMs: 0,
  requestTimeoutMs: 2000,
  closeTimeoutMs: 500,
};

function captureLogger(lines: string[]): Logger {
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return pino({ level: 'debug' }, destination);
}

export async function startTelegramHarness(options: HarnessOptions = {}): Promise<TelegramHarness> {
  const server = options.server ?? (await startBotApiServer({ token: TEST_TOKEN }));
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'sentinel-telegram-')));
  const ownsServer = options.ownsServer ?? options.server === undefined;
  const ownsDir = options.ownsDir ?? options.dir === undefined;
  const chatId = options.chatId ?? OPERATOR_CHAT;
  const events: OperatorEvent[] = [];
  const logs: string[] = [];
  const now = options.now ?? (() => Date.now());
  const state = options.state ?? (() => initialState(now()));
  const opened = openTelegramChannel({
    token: server.token,
    apiRoot: server.apiRoot,
    chatId,
    allowedUserIds: options.allowedUserIds ?? [OPERATOR.id],
    language: options.language ?? 'en',
    timeZone: options.timeZone ?? 'Asia/Seoul',
    dir,
    ...(options.contacts ? { contacts: options.contacts } : {}),
    logger: captureLogger(logs),
    now,
    tuning: { ...FAST_TUNING, ...options.tuning },
  });
  if (!opened.ok) throw new Error(opened.error);
  const channel = opened.channel;
  let bot: TelegramBot | undefined;
  if (options.bot !== false) {
    bot = channel.startBot({
      submit: async (event) => {
        events.push(event);
        await options.submit?.(event);
      },
      state,
      rules: options.rules ?? (() => []),
      ...(options.reload ? { reload: options.reload } : {}),
    });
    await withTimeout(bot.ready, 5000, 'the bot to start polling');
  }

  const answerOf = async (queryId: string) => (await server.waitForAnswer(queryId, 5000)).text;

  const harness: TelegramHarness = {
    server,
    dir,
    chatId,
    channel,
    notifier: channel.notifier,
    ...(bot ? { bot } : {}),
    events,
    logs,
    async press(user, op, incidentId, nonce, pressOptions) {
      const data = encodeCallbackData({ kind: 'decision', op, incidentId, nonce });
      if (!data.ok) throw new Error(data.error);
      return answerOf(server.injectCallback({ from: user, chatId: pressOptions?.chatId ?? chatId, data: data.data }));
    },
    async pressButton(user, label, pressOptions) {
      const target = [...server.chat(chatId)].reverse().find((m) => m.keyboard?.flat().some((b) => b.text === label));
      if (!target) throw new Error(`no message in the chat has a button labelled ${JSON.stringify(label)}`);
      const button = target.keyboard!.flat().find((b) => b.text === label)!;
      return answerOf(
        server.injectCallback({
          from: user,
          chatId: pressOptions?.chatId ?? chatId,
          data: button.callback_data,
          messageId: target.messageId,
        }),
      );
    },
    async pressData(user, data, pressOptions) {
      return answerOf(
        server.injectCallback({
          from: user,
          chatId: pressOptions?.chatId ?? chatId,
          data,
          ...(pressOptions?.messageId !== undefined ? { messageId: pressOptions.messageId } : {}),
        }),
      );
    },
    async say(user, text, sayOptions) {
      const updateId = server.injectMessage({ from: user, chatId: sayOptions?.chatId ?? chatId, text });
      await server.waitConsumed(updateId, 5000);
    },
    chat: () => server.chat(chatId),
    async waitForChat(count, timeoutMs = 5000) {
      await server.waitFor(
        () => server.chat(chatId).length >= count,
        timeoutMs,
        `${count} messages in the operator chat (have ${server.chat(chatId).length})`,
      );
      return server.chat(chatId);
    },
    async waitForEvents(count, timeoutMs = 5000) {
      const started = Date.now();
      while (events.length < count) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${count} operator events (have ${events.length})`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return events;
    },
    drained: (timeoutMs = 5000) => channel.outbox.drained(timeoutMs),
    async restart(overrides = {}) {
      await channel.close();
      return startTelegramHarness({ ...options, ...overrides, server, dir, ownsServer, ownsDir });
    },
    async close(closeOptions = {}) {
      await channel.close();
      if (!closeOptions.keepServer && ownsServer) await server.close();
      if (!closeOptions.keepDir && ownsDir) await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}
