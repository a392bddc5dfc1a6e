// The one place the sidecar calls the Telegram Bot API: telegraf's client with a timeout per request,
// and every failure turned into a value with a scrubbed message. telegraf's network errors carry the
// request URL, and the URL carries the bot token: nothing raw leaves this file.
import { Telegraf, TelegramError } from 'telegraf';
import type { Opts, Telegram as ApiMethods } from 'telegraf/types';
import { scrubSecrets } from '../logger.ts';

/** Did we reach Telegram, and is it worth trying again? (grammY's split: API error vs network error.) */
export type ApiError =
  /** No answer: connection refused or reset, timeout, a body that is not JSON. Retry. */
  | { kind: 'network'; message: string }
  /** 429: wait exactly this long before the next request. */
  | { kind: 'rate-limited'; retryAfterMs: number; message: string }
  /** 5xx from Telegram or a proxy in front of it. Retry. */
  | { kind: 'server'; code: number; message: string }
  /** 401/404: the token is wrong or revoked. A configuration fault: retry slowly, say so loudly. */
  | { kind: 'unauthorized'; code: number; message: string }
  /** 409: another program polls with this token (or a webhook is set). */
  | { kind: 'conflict'; message: string }
  /** Any other 4xx: this exact request will never succeed. */
  | { kind: 'rejected'; code: number; message: string };

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export interface CallOptions {
  /** Abort the request after this long (telegraf's own default is 500 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface TelegramApi {
  /** The telegraf instance (its handleUpdate dispatches updates to the bot's handlers). */
  readonly telegraf: Telegraf;
  call<M extends keyof ApiMethods>(method: M, payload: Opts<M>, options?: CallOptions): Promise<ApiResult<ReturnType<ApiMethods[M]>>>;
  /** Remove the token (and its secret half) from any text before it is logged, stored or shown. */
  scrub(text: string): string;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

type CallApiOptions = NonNullable<Parameters<Telegraf['telegram']['callApi']>[2]>;

export function createTelegramApi(options: { token: string; apiRoot?: string | undefined; requestTimeoutMs?: number }): TelegramApi {
  const token = options.token;
  const secrets = [token, token.slice(token.indexOf(':') + 1), encodeURIComponent(token)];
  const scrub = (text: string) => scrubSecrets(text, secrets);
  const telegraf = new Telegraf(token, { telegram: options.apiRoot ? { apiRoot: options.apiRoot } : {} });
  const defaultTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  return {
    telegraf,
    scrub,
    async call(method, payload, callOptions = {}) {
      const timeout = AbortSignal.timeout(callOptions.timeoutMs ?? defaultTimeout);
      const signal = callOptions.signal ? AbortSignal.any([timeout, callOptions.signal]) : timeout;
      try {
        // telegraf types its signal with the abort-controller polyfill; Node's AbortSignal is what
        // node-fetch checks for at run time.
        const value = await telegraf.telegram.callApi(method, payload, { signal } as unknown as CallApiOptions);
        return { ok: true, value };
      } catch (err) {
        return { ok: false, error: toApiError(err, scrub, callOptions.signal?.aborted === true) };
      }
    },
  };
}

function toApiError(err: unknown, scrub: (text: string) => string, cancelled: boolean): ApiError {
  if (err instanceof TelegramError) {
    const code = err.code;
    const message = scrub(`${code}: ${err.description}`);
    if (code === 429) {
      const retryAfter = Number(err.parameters?.retry_after);
      return { kind: 'rate-limited', retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000, message };
    }
    if (code >= 500) return { kind: 'server', code, message };
    if (code === 401 || code === 404) return { kind: 'unauthorized', code, message };
    if (code === 409) return { kind: 'conflict', message };
    return { kind: 'rejected', code, message };
  }
  const e = (err ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  if (e.name === 'AbortError') return { kind: 'network', message: cancelled ? 'request cancelled' : 'request timed out' };
  // Never the stack, never the error object: only a scrubbed one-line message.
  const message = typeof e.message === 'string' ? e.message : String(err);
  return { kind: 'network', message: scrub(`${typeof e.name === 'string' ? e.name : 'Error'}: ${message}`).split('\n')[0]! };
}

/** A one-line description of an API error, already free of the token. */
export function describeApiError(error: ApiError): string {
  return error.kind === 'rate-limited' ? `${error.message} (retry after ${error.retryAfterMs} ms)` : error.message;
}
