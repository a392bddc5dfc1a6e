// The notifier used when no Telegram token is configured: operator text on stdout, one JSON line each,
// so it interleaves cleanly with pino's JSON logs.
import { renderNotice, type Language } from '../core/messages.ts';
import type { Notice } from '../core/types.ts';
import type { Notifier } from '../runtime/ports.ts';

export function createConsoleNotifier(options: {
  language: Language;
  timeZone: string;
  write?: (line: string) => void;
}): Notifier {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  return {
    async deliver(key: string, notice: Notice) {
      write(JSON.stringify({ notice: notice.kind, key, text: renderNotice(notice, options.language, options.timeZone) }));
    },
    async close() {},
  };
}
