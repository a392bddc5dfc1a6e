// The notifier used when no Telegram token is configured: operator text on stdout, one JSON line each,
// so it interleaves cleanly with pino's JSON logs.
import { renderNotice, type Language } from '../core/messages.ts';
import type { Notice } from '../core/types.ts';
import type { Notifier } from '../ports/notifier.ts';

export type ConsoleNotifier = Notifier & { reconfigure(language: Language): void };

export function createConsoleNotifier(options: { language: Language; timeZone: string; write?: (line: string) => void }): ConsoleNotifier {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  let language = options.language;
  return {
    async deliver(key: string, notice: Notice) {
      write(JSON.stringify({ notice: notice.kind, key, text: renderNotice(notice, language, options.timeZone) }));
    },
    async close() {},
    /** A config reload changed `telegram.language`: the next notices are in it. */
    reconfigure(next: Language) {
      language = next;
    },
  };
}
