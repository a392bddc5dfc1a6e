// The message catalogue: one table per language and medium, typed by the Korean (default) table so
// that another language missing a key, or adding one, fails to compile. Pure.
import { telegram as koTelegram } from './ko/telegram.ts';
import { telegram as enTelegram } from './en/telegram.ts';

export type Language = 'ko' | 'en';

export type TelegramText = typeof koTelegram;

const TELEGRAM: Record<Language, TelegramText> = { ko: koTelegram, en: enTelegram };

/** Telegram text (HTML fragments) in one language. */
export function telegramText(lang: Language): TelegramText {
  return TELEGRAM[lang];
}
