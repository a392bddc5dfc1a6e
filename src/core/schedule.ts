// When a crontab job fires: previous, next and all fire times in a span, in the job's timezone, with
// Debian (Vixie) cron semantics. croner computes; it is always handed the reference instant.
import { Cron } from 'croner';
import type { Instant, Job } from './types.ts';
import { isValidTimezone, wallClockIn } from './wall-clock.ts';

/** Upper bound on the fire times one call returns, so a `* * * * * *` job over a week stays cheap. */
export const MAX_FIRE_TIMES = 1000;

/** `@macro` schedules of Debian (Vixie) cron and what they mean; `@reboot` has no calendar times. */
export const CRON_MACROS: Readonly<Record<string, string | null>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
  // @reboot fires when the daemon starts, which no calendar can tell: it has no fire times.
  '@reboot': null,
};

type Compiled = { ok: true; cron: Cron | null } | { ok: false; message: string };

// Memo of compiled schedules. A pure cache: same input, same output; bounded so it cannot grow.
const compiled = new Map<string, Compiled>();
const COMPILED_KEPT = 500;

function compile(schedule: string, timezone: string): Compiled {
  const key = `${timezone}|${schedule}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const result = compileUncached(schedule, timezone);
  if (compiled.size >= COMPILED_KEPT) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, result);
  return result;
}

function compileUncached(schedule: string, timezone: string): Compiled {
  if (!isValidTimezone(timezone)) return { ok: false, message: `"${timezone}" is not a known IANA timezone` };
  let pattern = schedule.trim();
  if (pattern.startsWith('@')) {
    if (!Object.hasOwn(CRON_MACROS, pattern)) return { ok: false, message: `unknown schedule macro "${pattern}"` };
    const expanded = CRON_MACROS[pattern];
    if (expanded === null || expanded === undefined) return { ok: true, cron: null };
    pattern = expanded;
  }
  const fields = pattern.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return { ok: false, message: `expected 5 or 6 time fields, got ${fields.length}` };
  const offset = fields.length - 5;
  const dayOfMonth = fields[2 + offset]!;
  const dayOfWeek = fields[4 + offset]!;
  try {
    const cron = new Cron(pattern, {
      timezone,
      // No callback and paused: croner never starts a timer; we only ask it about the calendar.
      paused: true,
      mode: fields.length === 6 ? '6-part' : '5-part',
      // Vixie/Debian cron ORs day-of-month and day-of-week only when both are restricted; a field
      // that starts with `*` (including `*/2`) makes it AND. croner ORs whenever neither is a bare
      // `*`, so `0 0 */10 * 1` would differ: choose AND explicitly in that case.
      domAndDow: dayOfMonth.startsWith('*') || dayOfWeek.startsWith('*'),
      // Vixie treats every job without a wildcard or step in its time fields as fixed-time for DST.
      fixedTimeRule: 'no-wildcard',
    });
    return { ok: true, cron };
  } catch (err) {
    return { ok: false, message: `schedule "${schedule}" is not usable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Why a schedule cannot be computed, or undefined when it can (checked in UTC; zones do not matter). */
export function scheduleProblem(schedule: string): string | undefined {
  const result = compile(schedule, 'UTC');
  return result.ok ? undefined : result.message;
}

type JobSchedule = Pick<Job, 'schedule' | 'timezone'>;

// Rules ask about the same few schedules on every evaluation; compiling is the expensive part. The
// compiled Cron is paused and only answers calendar questions, so sharing it is safe.
const compiledByZone = new Map<string, Cron | null>();
function cronOf(job: JobSchedule): Cron | null {
  const key = `${job.timezone}\u0000${job.schedule}`;
  let cron = compiledByZone.get(key);
  if (cron === undefined) {
    const result = compile(job.schedule, job.timezone);
    cron = result.ok ? result.cron : null;
    if (compiledByZone.size > 1000) compiledByZone.clear(); // a bound, should a config churn through schedules
    compiledByZone.set(key, cron);
  }
  return cron;
}

/** The first fire time strictly after `after`, or undefined (no more fire times, or an unusable schedule). */
export function nextFire(job: JobSchedule, after: Instant): Instant | undefined {
  const cron = cronOf(job);
  if (!cron) return undefined;
  try {
    const next = cron.nextRun(new Date(after));
    return next ? next.getTime() : undefined;
  } catch {
    // Out-of-range dates and the like: no answer rather than an exception in a rule.
    return undefined;
  }
}

/** The last fire time at or before `atOrBefore`, or undefined. */
export function previousFire(job: JobSchedule, atOrBefore: Instant): Instant | undefined {
  const cron = cronOf(job);
  if (!cron) return undefined;
  // croner's previousRuns excludes its reference instant; fire times are whole seconds, so one
  // millisecond later includes a fire exactly at `atOrBefore`.
  try {
    const [previous] = cron.previousRuns(1, new Date(atOrBefore + 1));
    return previous ? previous.getTime() : undefined;
  } catch {
    return undefined;
  }
}

/** Fire times in (fromExclusive, toInclusive], oldest first, at most `limit` of them. */
export function fireTimesBetween(job: JobSchedule, fromExclusive: Instant, toInclusive: Instant, limit = MAX_FIRE_TIMES): Instant[] {
  const times: Instant[] = [];
  let cursor = fromExclusive;
  while (times.length < limit) {
    const next = nextFire(job, cursor);
    // The guard against a non-advancing answer keeps a library surprise from becoming a hang.
    if (next === undefined || next > toInclusive || next <= cursor) break;
    times.push(next);
    cursor = next;
  }
  return times;
}

/** `2026-02-23T16:00:00+09:00`: an instant as the wall clock of `timezone` shows it, with the offset. */
export function formatInZone(instant: Instant, timezone: string): string {
  const w = wallClockIn(instant, timezone);
  if (w === null) return new Date(instant).toISOString();
  const wall = `${w.year}-${w.month}-${w.day}T${w.hour}:${w.minute}:${w.second}`;
  const wallAsUtc = Date.UTC(Number(w.year), Number(w.month) - 1, Number(w.day), Number(w.hour), Number(w.minute), Number(w.second));
  const offsetMinutes = Math.round((wallAsUtc - Math.floor(instant / 1000) * 1000) / 60_000);
  if (offsetMinutes === 0) return `${wall}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `45s`, `10m`, `1h30m`: a span as an operator reads it in a message. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))}s`;
  const totalMinutes = Math.round(ms / 60_000);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours === 0) return `${minutes}m`;
  return minutes === 0 ? `${hours}h` : `${hours}h${minutes}m`;
}
