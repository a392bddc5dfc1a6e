// What the operator is told about a configuration reload: which changed keys wait for a restart.
// One place for these words, in both languages; /status, /reload, `status` and the log use it.
import type { Language } from './messages.ts';

const W = {
  ko: {
    restartRequired: (keys: string) => `⚠️ 재시작해야 적용되는 설정: ${keys}`,
    applied: (keys: string) => `즉시 적용: ${keys}`,
  },
  en: {
    restartRequired: (keys: string) => `⚠️ restart required to apply: ${keys}`,
    applied: (keys: string) => `applied now: ${keys}`,
  },
} as const;

/** `⚠️ restart required to apply: http.port, docker.enabled`; undefined when nothing waits. `wrap` marks up each key. */
export function restartRequiredText(lang: Language, keys: readonly string[], wrap: (key: string) => string = (k) => k): string | undefined {
  return keys.length === 0 ? undefined : W[lang].restartRequired(keys.map(wrap).join(', '));
}

/** `applied now: telegram.language`; undefined when no key changed. */
export function appliedText(lang: Language, keys: readonly string[], wrap: (key: string) => string = (k) => k): string | undefined {
  return keys.length === 0 ? undefined : W[lang].applied(keys.map(wrap).join(', '));
}

/** The log line (English, like every log message). */
export function restartRequiredLog(keys: readonly string[]): string {
  return `configuration reloaded; restart required to apply: ${keys.join(', ')}`;
}
