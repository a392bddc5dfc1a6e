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
import { digest as koDigest } from './ko/digest.ts';
import { digest as enDigest } from './en/digest.ts';
import type { RefusalDetail } from '../decision-text.ts';

export type Language = 'ko' | 'en';

/** Telegram text (HTML fragments): notices, buttons, footers, answers to presses and commands. */
export type TelegramText = typeof koTelegram;
/** Console and log text (plain). */
export type ConsoleText = typeof koConsole;
/** The /status, /incidents and /rules answers (Telegram HTML). */
export type StatusText = typeof koStatus;
/** The daily digest (Telegram HTML; the console strips the tags). */
export type DigestText = typeof koDigest;
/** Decision text: one line per refusal reason (typed by the refusal data), shared decisions, closing reasons. */
export type DecisionText = { [K in RefusalDetail['key']]: (d: Extract<RefusalDetail, { key: K }>) => string } & {
  sharedDecision: (holderId: string) => string;
  closedBecause: (why: string) => string;
};

/** One language's tables. (CLI, verdict and evidence tables are typed beside their renderers.) */
export interface Catalogue {
  telegram: TelegramText;
  console: ConsoleText;
  status: StatusText;
  decisions: DecisionText;
  digest: DigestText;
}

const CATALOGUES: Record<Language, Catalogue> = {
  ko: { telegram: koTelegram, console: koConsole, status: koStatus, decisions: koDecisions, digest: koDigest },
  en: { telegram: enTelegram, console: enConsole, status: enStatus, decisions: enDecisions, digest: enDigest },
};

export const telegramText = (lang: Language): TelegramText => CATALOGUES[lang].telegram;
export const consoleText = (lang: Language): ConsoleText => CATALOGUES[lang].console;
export const statusText = (lang: Language): StatusText => CATALOGUES[lang].status;
export const digestText = (lang: Language): DigestText => CATALOGUES[lang].digest;
export const decisionText = (lang: Language): DecisionText => CATALOGUES[lang].decisions;
