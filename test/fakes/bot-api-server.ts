// A Telegram Bot API server on 127.0.0.1 for the tests: the real telegraf client talks to it over HTTP
// through `apiRoot`. getMe, getUpdates (long polling, offsets, 409 on a second poller), sendMessage
// (with Telegram's HTML parse rules and 4096 limit), editMessageText, answerCallbackQuery,
// deleteWebhook; a 429 mode with retry_after; outage modes (refused connections, reset, 502, hang);
// updates injected by the test (messages and button presses from given users and chats).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeUser {
  id: number;
  first_name: string;
  username?: string;
}

export interface InlineButton {
  text: string;
  callback_data: string;
}

/** A message the bot sent, as the chat shows it now (after edits). */
export interface ChatMessage {
  messageId: number;
  chatId: number;
  /** The text as sent (HTML when parse_mode is HTML). */
  text: string;
  /** What the operator reads: tags dropped, entities decoded. */
  plain: string;
  parseMode?: string;
  keyboard?: InlineButton[][];
  sentAt: number;
  edits: number;
}

export interface RequestRecord {
  method: string;
  /** performance.now() when the request arrived. */
  at: number;
  status: number;
  body: Record<string, unknown>;
}

export interface CallbackAnswer {
  callbackQueryId: string;
  text?: string;
  showAlert?: boolean;
  at: number;
}

export type OutageMode = 'refuse' | 'reset' | '502' | 'hang';

export interface BotApiServer {
  readonly apiRoot: string;
  readonly port: number;
  readonly token: string;
  readonly bot: FakeUser;
  /** Every request received, including refused and failed ones, in arrival order. */
  readonly requests: RequestRecord[];
  /** Every message successfully sent, in order (edits update them in place). */
  readonly messages: ChatMessage[];
  readonly answers: CallbackAnswer[];
  chat(chatId: number): ChatMessage[];
  injectMessage(input: { from: FakeUser | number; chatId: number; text: string; chatType?: 'private' | 'group' | 'supergroup' }): number;
  /** A button press; `messageId` defaults to the latest message in that chat. Returns the callback query id. */
  injectCallback(input: { from: FakeUser | number; chatId: number; data: string; messageId?: number }): string;
  /** Resolves once a getUpdates asked for an offset past `updateId` (the bot has taken it). */
  waitConsumed(updateId: number, timeoutMs?: number): Promise<void>;
  waitForAnswer(callbackQueryId: string, timeoutMs?: number): Promise<CallbackAnswer>;
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void>;
  /** The next `count` calls of `methods` (default sendMessage) answer 429 with `retry_after`. */
  rateLimit(options: { retryAfter: number; count: number; methods?: string[] }): void;
  /** Refuse matching sendMessage calls with a 400 (e.g. to show one bad message cannot block the rest). */
  rejectWhen(predicate: (method: string, body: Record<string, unknown>) => string | undefined): void;
  outage(mode: OutageMode): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

const ALLOWED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'code',
  'pre',
  'a',
  'tg-spoiler',
  'span',
  'blockquote',
  'tg-emoji',
]);

/**
 * Telegram's HTML parse mode, strictly: only its tags, properly nested and closed; `<`, `>` and `&`
 * must be escaped outside tags; only &lt; &gt; &amp; &quot; and numeric entities. Returns the text the
 * user sees, or Telegram's kind of error.
 */
export function parseTelegramHtml(text: string): { ok: true; plain: string } | { ok: false; error: string } {
  const stack: string[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '<') {
      const end = text.indexOf('>', i);
      if (end < 0) return { ok: false, error: `Bad Request: can't parse entities: unclosed start tag at byte offset ${i}` };
      const tag = text.slice(i + 1, end);
      const m = /^(\/?)([a-z-]+)(\s+[^<>]*)?$/.exec(tag);
      if (!m || !ALLOWED_TAGS.has(m[2]!))
        return { ok: false, error: `Bad Request: can't parse entities: unsupported start tag "${tag}" at byte offset ${i}` };
      if (m[1] === '/') {
        const open = stack.pop();
        if (open !== m[2])
          return { ok: false, error: `Bad Request: can't parse entities: can't find end tag corresponding to start tag "${open ?? ''}"` };
      } else {
        stack.push(m[2]!);
      }
      i = end + 1;
      continue;
    }
    if (ch === '>') return { ok: false, error: `Bad Request: can't parse entities: unexpected ">" at byte offset ${i}` };
    if (ch === '&') {
      const m = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/.exec(text.slice(i, i + 12));
      if (!m) return { ok: false, error: `Bad Request: can't parse entities: unsupported HTML entity at byte offset ${i}` };
      const name = m[1]!;
      plain +=
        name === 'lt'
          ? '<'
          : name === 'gt'
            ? '>'
            : name === 'amp'
              ? '&'
              : name === 'quot'
                ? '"'
                : String.fromCodePoint(name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
      i += m[0].length;
      continue;
    }
    plain += ch;
    i += 1;
  }
  if (stack.length > 0)
    return {
      ok: false,
      error: `Bad Request: can't parse entities: can't find end tag corresponding to start tag "${stack[stack.length - 1]}"`,
    };
  return { ok: true, plain };
}

function userOf(from: FakeUser | number): FakeUser {
  return typeof from === 'number' ? { id: from, first_name: `user${from}` } : from;
}

export async function startBotApiServer(options: {
  token: string;
  botUsername?: string;
  port?: number;
  /** The interface to listen on: loopback unless the server runs in a container others reach over a network. */
  host?: string;
}): Promise<BotApiServer> {
  const token = options.token;
  const bot: FakeUser = {
    id: Number(token.split(':')[0]) || 4242,
    first_name: 'Sentinel',
    username: options.botUsername ?? 'sentinel_test_bot',
  };
  const requests: RequestRecord[] = [];
  const messages: ChatMessage[] = [];
  const answers: CallbackAnswer[] = [];
  const updates: Record<string, unknown>[] = [];
  const knownQueries = new Set<string>();
  let nextUpdateId = 1000;
  let nextMessageId = 1;
  let nextQueryId = 1;
  let highestOffset = 0;
  let rateLimit: { retryAfter: number; count: number; methods: string[] } | undefined;
  let reject: ((method: string, body: Record<string, unknown>) => string | undefined) | undefined;
  let mode: OutageMode | undefined;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of [...listeners]) l();
  };
  let parked: { res: ServerResponse; offset: number; limit: number; timer: NodeJS.Timeout } | undefined;
  const hung = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, code: number, description: string, parameters?: Record<string, unknown>) =>
    reply(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
  const ok = (res: ServerResponse, result: unknown) => reply(res, 200, { ok: true, result });

  const pendingFrom = (offset: number, limit: number) => updates.filter((u) => (u.update_id as number) >= offset).slice(0, limit);

  const confirm = (offset: number) => {
    if (offset > highestOffset) highestOffset = offset;
    // Telegram forgets updates once a getUpdates with a higher offset has been seen.
    for (let i = updates.length - 1; i >= 0; i--) if ((updates[i]!.update_id as number) < offset) updates.splice(i, 1);
    changed();
  };

  const flushParked = () => {
    if (!parked) return;
    const ready = pendingFrom(parked.offset, parked.limit);
    if (ready.length === 0) return;
    clearTimeout(parked.timer);
    const p = parked;
    parked = undefined;
    ok(p.res, ready);
  };

  const record = (method: string, status: number, body: Record<string, unknown>) => {
    requests.push({ method, at: performance.now(), status, body });
    changed();
  };

  const handle = (method: string, body: Record<string, unknown>, res: ServerResponse) => {
    if (rateLimit && rateLimit.count > 0 && rateLimit.methods.includes(method)) {
      rateLimit.count -= 1;
      record(method, 429, body);
      return fail(res, 429, `Too Many Requests: retry after ${rateLimit.retryAfter}`, { retry_after: rateLimit.retryAfter });
    }
    const rejection = reject?.(method, body);
    if (rejection !== undefined) {
      record(method, 400, body);
      return fail(res, 400, rejection);
    }
    switch (method) {
      case 'getMe':
        record(method, 200, body);
        return ok(res, { ...bot, is_bot: true, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'deleteWebhook':
        record(method, 200, body);
        return ok(res, true);
      case 'getUpdates': {
        const offset = typeof body.offset === 'number' ? body.offset : 0;
        const limit = typeof body.limit === 'number' ? body.limit : 100;
        const timeout = typeof body.timeout === 'number' ? body.timeout : 0;
        if (parked) {
          // Only one poller per token: the older request is terminated, as Telegram does.
          clearTimeout(parked.timer);
          fail(parked.res, 409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
          parked = undefined;
        }
        confirm(offset);
        record(method, 200, body);
        const ready = pendingFrom(offset, limit);
        if (ready.length > 0 || timeout <= 0) return ok(res, ready);
        const timer = setTimeout(() => {
          if (parked?.res === res) parked = undefined;
          ok(res, []);
        }, timeout * 1000);
        parked = { res, offset, limit, timer };
        res.on('close', () => {
          if (parked?.res === res) {
            clearTimeout(parked.timer);
            parked = undefined;
          }
        });
        return;
      }
      case 'sendMessage': {
        const chatId = Number(body.chat_id);
        const text = typeof body.text === 'string' ? body.text : '';
        if (!Number.isFinite(chatId)) {
          record(method, 400, body);
          return fail(res, 400, 'Bad Request: chat not found');
        }
        const checked = checkOutgoing(text, body);
        if (!checked.ok) {
          record(method, 400, body);
          return fail(res, 400, checked.error);
        }
        const message: ChatMessage = {
          messageId: nextMessageId++,
          chatId,
          text,
          plain: checked.plain,
          ...(typeof body.parse_mode === 'string' ? { parseMode: body.parse_mode } : {}),
          ...(checked.keyboard ? { keyboard: checked.keyboard } : {}),
          sentAt: performance.now(),
          edits: 0,
        };
        messages.push(message);
        record(method, 200, body);
        return ok(res, {
          message_id: message.messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' },
          from: { ...bot, is_bot: true },
          text: checked.plain,
        });
      }
      case 'editMessageText': {
        const chatId = Number(body.chat_id);
        const target = messages.find((m) => m.chatId === chatId && m.messageId === body.message_id);
        if (!target) {
          record(method, 400, body);
          return fail(res, 400, 'Bad Request: message to edit not found');
        }
        const text = typeof body.text === 'string' ? body.text : '';
        const checked = checkOutgoing(text, body);
        if (!checked.ok) {
          record(method, 400, body);
          return fail(res, 400, checked.error);
        }
        if (target.text === text && JSON.stringify(target.keyboard) === JSON.stringify(checked.keyboard)) {
          record(method, 400, body);
          return fail(
            res,
            400,
            'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          );
        }
        target.text = text;
        target.plain = checked.plain;
        if (checked.keyboard) target.keyboard = checked.keyboard;
        else delete target.keyboard;
        target.edits += 1;
        record(method, 200, body);
        return ok(res, {
          message_id: target.messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chatId, type: 'private' },
          text: checked.plain,
        });
      }
      case 'answerCallbackQuery': {
        const id = String(body.callback_query_id ?? '');
        if (!knownQueries.has(id)) {
          record(method, 400, body);
          return fail(res, 400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        }
        if (typeof body.text === 'string' && body.text.length > 200) {
          record(method, 400, body);
          return fail(res, 400, 'Bad Request: MESSAGE_TOO_LONG');
        }
        knownQueries.delete(id);
        answers.push({
          callbackQueryId: id,
          ...(typeof body.text === 'string' ? { text: body.text } : {}),
          ...(body.show_alert === true ? { showAlert: true } : {}),
          at: performance.now(),
        });
        record(method, 200, body);
        return ok(res, true);
      }
      default:
        record(method, 404, body);
        return fail(res, 404, 'Not Found: method not found');
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (mode === 'reset') {
      req.socket.destroy();
      return;
    }
    if (mode === 'hang') {
      hung.add(res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
      let body: Record<string, unknown> = {};
      try {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (raw.trim() !== '') body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return fail(res, 400, 'Bad Request: invalid JSON');
      }
      if (mode === '502') {
        requests.push({ method: m?.[2] ?? '?', at: performance.now(), status: 502, body });
        changed();
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        return;
      }
      if (!m) return fail(res, 404, 'Not Found');
      if (decodeURIComponent(m[1]!) !== token) {
        requests.push({ method: m[2]!, at: performance.now(), status: 401, body });
        return fail(res, 401, 'Unauthorized');
      }
      handle(m[2]!, body, res);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(options.port ?? 0);
  const apiRoot = `http://127.0.0.1:${port}`;

  const dropConnections = () => {
    if (parked) {
      clearTimeout(parked.timer);
      parked = undefined;
    }
    for (const socket of sockets) socket.destroy();
  };

  const waitFor = (predicate: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (predicate()) return resolve();
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      listeners.add(check);
    });

  const api: BotApiServer = {
    apiRoot,
    port,
    token,
    bot,
    requests,
    messages,
    answers,
    chat: (chatId) => messages.filter((m) => m.chatId === chatId),
    injectMessage({ from, chatId, text, chatType }) {
      const user = userOf(from);
      const updateId = nextUpdateId++;
      const command = /^\/[A-Za-z0-9_@]+/.exec(text);
      updates.push({
        update_id: updateId,
        message: {
          message_id: nextMessageId++,
          date: Math.floor(Date.now() / 1000),
          chat: {
            id: chatId,
            type: chatType ?? (chatId < 0 ? 'supergroup' : 'private'),
            ...(chatId < 0 ? { title: 'ops' } : { first_name: user.first_name }),
          },
          from: { ...user, is_bot: false },
          text,
          ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
        },
      });
      flushParked();
      changed();
      return updateId;
    },
    injectCallback({ from, chatId, data, messageId }) {
      const user = userOf(from);
      const target =
        messageId !== undefined
          ? messages.find((m) => m.chatId === chatId && m.messageId === messageId)
          : [...messages].reverse().find((m) => m.chatId === chatId);
      const id = `cq${nextQueryId++}`;
      knownQueries.add(id);
      updates.push({
        update_id: nextUpdateId++,
        callback_query: {
          id,
          from: { ...user, is_bot: false },
          chat_instance: `ci${chatId}`,
          data,
          message: {
            message_id: target?.messageId ?? messageId ?? 999_999,
            date: Math.floor(Date.now() / 1000),
            chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' },
            from: { ...bot, is_bot: true },
            text: target?.plain ?? '',
          },
        },
      });
      flushParked();
      changed();
      return id;
    },
    waitConsumed: (updateId, timeoutMs = 5000) => waitFor(() => highestOffset > updateId, timeoutMs, `update ${updateId} to be taken`),
    async waitForAnswer(callbackQueryId, timeoutMs = 5000) {
      await waitFor(() => answers.some((a) => a.callbackQueryId === callbackQueryId), timeoutMs, `an answer to ${callbackQueryId}`);
      return answers.find((a) => a.callbackQueryId === callbackQueryId)!;
    },
    waitFor,
    rateLimit({ retryAfter, count, methods }) {
      rateLimit = { retryAfter, count, methods: methods ?? ['sendMessage'] };
    },
    rejectWhen(predicate) {
      reject = predicate;
    },
    async outage(next) {
      mode = next;
      dropConnections();
      if (next === 'refuse') await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restore() {
      const previous = mode;
      mode = undefined;
      for (const res of hung) res.socket?.destroy();
      hung.clear();
      if (previous === 'refuse') await listen(port);
    },
    async close() {
      mode = undefined;
      dropConnections();
      for (const res of hung) res.socket?.destroy();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
  return api;
}

/** What Telegram checks of any text it is asked to send or to edit into: the markup, then the keyboard. */
function checkOutgoing(
  text: string,
  body: Record<string, unknown>,
): { ok: true; plain: string; keyboard?: InlineButton[][] } | { ok: false; error: string } {
  const checked = checkText(text, body.parse_mode);
  if (!checked.ok) return checked;
  const keyboard = checkKeyboard(body.reply_markup);
  if (!keyboard.ok) return keyboard;
  return { ok: true, plain: checked.plain, ...(keyboard.keyboard ? { keyboard: keyboard.keyboard } : {}) };
}

function checkText(text: string, parseMode: unknown): { ok: true; plain: string } | { ok: false; error: string } {
  if (text === '') return { ok: false, error: 'Bad Request: message text is empty' };
  const parsed = parseMode === 'HTML' ? parseTelegramHtml(text) : { ok: true as const, plain: text };
  if (!parsed.ok) return parsed;
  if (parsed.plain.length > 4096) return { ok: false, error: 'Bad Request: message is too long' };
  if (parsed.plain.trim() === '') return { ok: false, error: 'Bad Request: message text is empty' };
  return parsed;
}

function checkKeyboard(markup: unknown): { ok: true; keyboard?: InlineButton[][] } | { ok: false; error: string } {
  if (markup === undefined || markup === null) return { ok: true };
  const parsed = typeof markup === 'string' ? (JSON.parse(markup) as unknown) : markup;
  const rows = (parsed as { inline_keyboard?: unknown }).inline_keyboard;
  if (!Array.isArray(rows)) return { ok: true };
  for (const row of rows) {
    if (!Array.isArray(row)) return { ok: false, error: 'Bad Request: field "inline_keyboard" must be an Array of Array' };
    for (const button of row as InlineButton[]) {
      if (typeof button.text !== 'string' || button.text === '')
        return { ok: false, error: 'Bad Request: text buttons are unallowed in the inline keyboard' };
      const bytes = Buffer.byteLength(button.callback_data ?? '', 'utf8');
      if (bytes < 1 || bytes > 64) return { ok: false, error: 'Bad Request: BUTTON_DATA_INVALID' };
    }
  }
  return rows.length > 0 ? { ok: true, keyboard: rows as InlineButton[][] } : { ok: true };
}
