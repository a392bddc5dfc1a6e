// The Notifier port over Telegram: renders a notice with telegram-text and queues it in the durable
// outbox (which sends it). The notice key makes delivery idempotent: the event loop may hand the same
// notice again after a crash, and the outbox keeps it once.
import { footerText, renderTelegramNotice, type RenderOptions } from '../core/telegram-text.ts';
import type { Language } from '../core/text/catalogue.ts';
import type { Notice } from '../core/types.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { Outbox, OutboxItem } from './telegram/outbox.ts';

export interface TelegramNotifierOptions {
  outbox: Outbox;
  chatId: number;
  language: Language;
  timeZone: string;
  contacts?: RenderOptions['contacts'];
}

/** Messages with Approve / Veto / Details buttons for one incident share this ref (their buttons close together). */
export function decisionRef(incidentId: string): string {
  return `decision|${incidentId}`;
}

/** What to queue for one notice, in order: closing stale buttons first, then the message itself. */
export function noticeItems(notice: Notice, options: Omit<TelegramNotifierOptions, 'outbox'>): { suffix: string; item: OutboxItem }[] {
  const { language: lang } = options;
  const items: { suffix: string; item: OutboxItem }[] = [];
  const close = (incidentId: string, footerHtml: string) =>
    items.push({ suffix: '|close', item: { op: 'close-buttons', ref: decisionRef(incidentId), footerHtml } });
  switch (notice.kind) {
    case 'decision-requested':
      // A new request carries a new nonce: earlier buttons for this incident would only be refused.
      close(notice.incident.id, footerText(lang, { kind: 'superseded' }));
      break;
    case 'decision-recorded':
      close(
        notice.incident.id,
        footerText(
          lang,
          notice.decision === 'approved'
            ? { kind: 'approved', ...(notice.by ? { by: notice.by } : {}) }
            : notice.decision === 'vetoed'
              ? { kind: 'vetoed', ...(notice.by ? { by: notice.by } : {}) }
              : { kind: 'expired' },
        ),
      );
      break;
    default:
      break;
  }
  const message = renderTelegramNotice(notice, lang, {
    timeZone: options.timeZone,
    ...(options.contacts ? { contacts: options.contacts } : {}),
  });
  const incidentId = 'incident' in notice ? notice.incident.id : undefined;
  items.push({
    suffix: '',
    item: {
      op: 'send',
      chatId: options.chatId,
      html: message.html,
      ...(message.keyboard ? { keyboard: message.keyboard } : {}),
      ...(message.keyboard && incidentId !== undefined ? { ref: decisionRef(incidentId) } : {}),
    },
  });
  return items;
}

export function createTelegramNotifier(options: TelegramNotifierOptions): Notifier {
  return {
    async deliver(key: string, notice: Notice) {
      for (const { suffix, item } of noticeItems(notice, options)) {
        const r = options.outbox.enqueue(key + suffix, item);
        // Not durably queued (disk full…): throw, so the event loop keeps the notice and tries again.
        if (!r.ok) throw new Error(r.error);
      }
    },
    // The outbox belongs to the channel, which closes it after the bot and the event loop.
    async close() {},
  };
}
