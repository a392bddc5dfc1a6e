// The message catalogue: one table per language and medium, typed by the Korean (default) table so
// that another language missing a key, or adding one, fails to compile. Pure.
import { telegram as koTelegram } from './ko/telegram.ts';
import { telegram as enTelegram } from './en/telegram.ts';
import { consoleWords as koConsole } from './ko/console.ts';
import { consoleWords as enConsole } from './en/console.ts';

export type Language = 'ko' | 'en';

export type TelegramText = typeof koTelegram;

const TELEGRAM: Record<Language, TelegramText> = { ko: koTelegram, en: enTelegram };

/** Telegram text (HTML fragments) in one language. */
export function telegramText(lang: Language): TelegramText {
  return TELEGRAM[lang];
}

export type ConsoleText = typeof koConsole;

const CONSOLE: Record<Language, ConsoleText> = { ko: koConsole, en: enConsole };

/** Console and log text (plain) in one language. */
export function consoleText(lang: Language): ConsoleText {
  return CONSOLE[lang];
}
