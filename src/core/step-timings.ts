// How long each step of an execution took, as the operator reads it after a rollback, halt or resume
// (SPEC §5.5: "a summary with step timings"). One place for these words, in both languages; the
// Telegram text, the console notices and the CLI all use it.
import type { Language } from './messages.ts';
import type { StepTiming } from './types.ts';

const W = {
  ko: {
    title: '단계별 소요 시간',
    total: '합계',
    seconds: (s: string) => `${s}초`,
    minutes: (m: number, s: number) => (s === 0 ? `${m}분` : `${m}분 ${s}초`),
  },
  en: {
    title: 'step timings',
    total: 'total',
    seconds: (s: string) => `${s} s`,
    minutes: (m: number, s: number) => (s === 0 ? `${m} min` : `${m} min ${s} s`),
  },
} as const;

/** Tenths of a second under 10 s (most steps), whole seconds under a minute, then minutes and seconds. */
export function stepDuration(lang: Language, ms: number): string {
  const w = W[lang];
  const clamped = Math.max(0, ms);
  if (clamped < 9_950) return w.seconds((Math.round(clamped / 100) / 10).toFixed(1));
  const seconds = Math.round(clamped / 1000);
  if (seconds < 60) return w.seconds(String(seconds));
  return w.minutes(Math.floor(seconds / 60), seconds % 60);
}

/**
 * The summary lines: a title, one line per step (✔️/❌, name, duration), the total. `name` formats a
 * step name for the medium (HTML code for Telegram, as is for plain text). Empty without steps.
 */
export function stepTimingLines(
  lang: Language,
  steps: readonly StepTiming[] | undefined,
  name: (raw: string) => string = (raw) => raw,
): string[] {
  if (!steps || steps.length === 0) return [];
  const w = W[lang];
  const total = steps.reduce((sum, s) => sum + s.ms, 0);
  return [
    `${w.title}:`,
    ...steps.map((s) => `  ${s.ok ? '✔️' : '❌'} ${name(s.name)} ${stepDuration(lang, s.ms)}`),
    `${w.total} ${stepDuration(lang, total)}`,
  ];
}
