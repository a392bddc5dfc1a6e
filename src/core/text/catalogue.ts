// The message catalogue: one table per language and medium, typed by the Korean (default) table so
// that another language missing a key, or adding one, fails to compile. Pure.
import { telegram as koTelegram } from './ko/telegram.ts';
import { telegram as enTelegram } from './en/telegram.ts';
import { consoleWords as koConsole } from './ko/console.ts';
import { consoleWords as enConsole } from './en/console.ts';
import { decisions as koDecisions } from './ko/decisions.ts';
import { decisions as enDecisions } from './en/decisions.ts';
import { status as koStatus } from './ko/status.ts';
import { status as enStatus } from './en/status.ts';
import type { RefusalDetail } from '../decision-text.ts';

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

/** Decision text: one line per refusal reason (typed by the refusal data), shared decisions, closing reasons. */
export type DecisionText = { [K in RefusalDetail['key']]: (d: Extract<RefusalDetail, { key: K }>) => string } & {
  sharedDecision: (holderId: string) => string;
  closedBecause: (why: string) => string;
};

const DECISIONS: Record<Language, DecisionText> = { ko: koDecisions, en: enDecisions };

export function decisionText(lang: Language): DecisionText {
  return DECISIONS[lang];
}

export type StatusText = typeof koStatus;

const STATUS: Record<Language, StatusText> = { ko: koStatus, en: enStatus };

/** The /status, /incidents and /rules answers (Telegram HTML) in one language. */
export function statusText(lang: Language): StatusText {
  return STATUS[lang];
}
