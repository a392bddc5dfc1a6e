// The notifier port: how the runtime hands operator notices to a channel (console or Telegram).
import type { Notice } from '../core/types.ts';

/** Delivers operator notices. The console notifier ships now; Telegram implements the same port. */
export interface Notifier {
  /** Resolves once the notice is delivered or durably queued for delivery; `key` makes delivery idempotent. */
  deliver(key: string, notice: Notice): Promise<void>;
  close(): Promise<void>;
}
