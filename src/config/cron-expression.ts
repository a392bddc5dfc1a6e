// The cron expressions of the sidecar's own schedules (`schedules.*.cron`): accepted only when both
// libraries that read them agree — node-cron, which fires them, and croner (core/schedule.ts), which
// tells the digest when the next fire is. Each problem names the field and its allowed range.
import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { scheduleProblem } from '../core/schedule.ts';

/** What each time field of a cron expression takes, as an operator reads it in a message. */
const FIELD_RANGES: Record<string, string> = {
  second: 'second takes 0–59',
  minute: 'minute takes 0–59',
  hour: 'hour takes 0–23',
  dayOfMonth: 'day of month takes 1–31',
  month: 'month takes 1–12 or JAN–DEC',
  dayOfWeek: 'day of week takes 0–7 or SUN–SAT',
};

const FIELD_NAMES: Record<string, string> = { dayOfMonth: 'day of month', dayOfWeek: 'day of week' };

/** Why `expression` cannot be one of the sidecar's schedules, or undefined when it can. */
export function cronExpressionProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text === '') return 'empty: a cron expression has 5 fields (minute hour day month weekday), or 6 with seconds first';
  // Macros (`@daily`) are read differently by the two libraries; the fields say the same thing plainly.
  if (text.startsWith('@')) return `"${expression}" is not a cron expression (write the fields, e.g. "0 8 * * *" for @daily)`;
  const fields = text.split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    return `"${expression}" is not a cron expression (${fields} fields; expected 5 — minute hour day month weekday — or 6 with seconds first)`;
  const detailed = validateDetailed(text);
  const first = detailed.errors[0];
  if (!detailed.valid && first) {
    const name = FIELD_NAMES[first.field] ?? first.field;
    const range = FIELD_RANGES[first.field];
    return `"${expression}" is not a cron expression (${name} "${first.value ?? ''}" is not valid${range ? `: ${range}` : ''})`;
  }
  const croner = scheduleProblem(text);
  // scheduleProblem quotes the schedule itself (`schedule "…" is not usable: <why>`): keep only the why.
  if (croner !== undefined) return `"${expression}" is not a cron expression (${croner.replace(/^schedule ".*" is not usable: /, '')})`;
  return undefined;
}

/** A cron expression field of sentinel.yaml: 5 fields, or 6 with seconds first (`* * * * * *`). */
export const cronExpression = z.string().superRefine((expression, ctx) => {
  const problem = cronExpressionProblem(expression);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});
