// Turns the naive asctime stamps of one log file into true instants, learning the writer's offset.
//
// Why this is needed: at v3.2.x Debian cron strips TZ from the job environment, so scheduled jobs stamp
// their lines in UTC while manual `docker exec` runs stamp them in KST, in the same file, with no zone
// marker (reference §0.3, §2). A stamp alone therefore never says when a line was written. What does:
//  - a line read live (within moments of being appended): its observation time is the truth, and
//    `observedAt − stamp` reveals the writer's offset, which we keep for the file;
//  - the market-status line `한국거래소 (KRX): 장후 (16:00, 마감 15:30)`, whose clock is tz-aware (true
//    KST), so `KST time − stamp` reveals the offset even in backlog read long after the fact.
// Backlog lines then use the learned offset, else the configured zone, else UTC (what cron writes).
// The writer's zone can change only where a new process starts writing, i.e. at a run's start marker:
// there, in backlog, the reading of the stamp that puts the start on the job's schedule (a cron run) and
// keeps the file in time order wins (`startOffset`), and the market-status line of the run confirms it.
import type { Instant, LogLine } from './types.ts';
import type { ParsedLogLine } from './log-line.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Real zone offsets are whole quarter hours (Nepal's +5:45 included). */
const OFFSET_QUANTUM = 15 * MINUTE;
/** A live line observed further than this from a quarter-hour offset was read late: learn nothing from it. */
const MAX_RESIDUAL = 3 * MINUTE;
/** Korea has had no daylight saving time since 1988: KST is UTC+9 all year. */
const KST_OFFSET = 9 * HOUR;
const KRX_NAME = '한국거래소 (KRX)';
const KRX_STATUS = /한국거래소 \(KRX\): [^()]*\((\d{1,2}):(\d{2})/;

/** Per log file; plain JSON because it is checkpointed with the runs state. */
export interface LogClock {
  /** Learned correction: `naive stamp + offsetMs = true instant` (0 for UTC stamps, −9 h for KST ones). */
  offsetMs?: number;
  /** What the offset was learned from, for evidence. */
  learnedFrom?: 'live' | 'market-status' | 'run-start';
  /** The naive stamp of the line it was learned from. */
  learnedAtNaiveMs?: number;
  /** Instant of the last stamped line, the best time an unstamped backlog line (a traceback) can get. */
  lastAt?: Instant;
}

/** How a line's instant was obtained, so that evidence can say how much to trust it. */
export type InstantBasis = 'observed' | 'learned-offset' | 'configured-zone' | 'assumed-utc' | 'previous-line';

export interface LineTime {
  at: Instant;
  basis: InstantBasis;
  /** The clock after this line (a new object when something was learned). */
  clock: LogClock;
}

/**
 * The zone of backlog stamps: the operator's configured zone, else the running release's `logZone`
 * (UTC under Debian cron at v3.2.x–v3.3.x, KST from v3.4.0: no guessing once the release is known),
 * else `auto` (learn an offset, else UTC).
 */
export function logZoneInForce(configured: string, releaseLogZone: string | undefined): string {
  if (configured !== 'auto') return configured;
  return releaseLogZone ?? 'auto';
}

export function emptyLogClock(): LogClock {
  return {};
}

/**
 * The true instant of one line of a file, and the file's clock after it.
 * - live lines: `observedAt` (and the offset is learned when `observedAt − stamp` is a quarter-hour offset);
 * - backlog lines: stamp + learned offset, else the configured zone (`logTimestampZone`, an IANA zone; DST
 *   resolved for that date), else UTC;
 * - lines without a stamp: `observedAt` when live, else the instant of the previous stamped line.
 */
export function lineInstant(clock: LogClock, line: LogLine, parsed: ParsedLogLine | null, zone: string = 'auto'): LineTime {
  if (parsed === null) {
    if (line.live || clock.lastAt === undefined) return { at: line.observedAt, basis: 'observed', clock };
    return { at: clock.lastAt, basis: 'previous-line', clock };
  }
  let next = clock;
  if (line.live) {
    const learned = quantize(line.observedAt - parsed.naiveMs);
    if (learned !== undefined) next = learn(next, learned, 'live', parsed.naiveMs);
  }
  const fromStatus = offsetFromMarketStatus(parsed);
  if (fromStatus !== undefined) next = learn(next, fromStatus, 'market-status', parsed.naiveMs);

  let at: Instant;
  let basis: InstantBasis;
  if (line.live) {
    at = line.observedAt;
    basis = 'observed';
  } else if (next.offsetMs !== undefined) {
    at = parsed.naiveMs + next.offsetMs;
    basis = 'learned-offset';
  } else {
    const zoned = zone === 'auto' ? undefined : naiveToInstant(parsed.naiveMs, zone);
    if (zoned !== undefined) {
      at = zoned;
      basis = 'configured-zone';
    } else {
      at = parsed.naiveMs;
      basis = 'assumed-utc';
    }
  }
  if (next.lastAt !== at) next = { ...next, lastAt: at };
  return { at, basis, clock: next };
}

/** Lines are appended in time order; stamps may step back this much (NTP, a slow writer) without meaning a new zone. */
const ORDER_SLACK = 5 * MINUTE;
/** A line cannot have been written after it was read; allow for clock skew between the writer and us. */
const FUTURE_SLACK = 2 * MINUTE;

export interface StartHints {
  /** Candidate writer zones besides the learned offset and UTC: the schedule's zone (what `docker exec` runs use), the configured one. */
  zones: readonly string[];
  /** Whether an instant is where a scheduled run of this file's job starts (a fire time, plus the start-up delay). */
  onSchedule?: (at: Instant) => boolean;
  /**
   * The zone of a run started by hand: `docker exec` runs in the container's zone (`TZ`, which the
   * crontab's schedule zone names), while Debian cron strips it from scheduled jobs (reference §2).
   */
  handZone?: string;
}

/**
 * At a start marker read in backlog: the clock with the offset of the new writer. A cron run and a run by
 * hand may stamp in different zones (v3.2.x: UTC and KST), so the last offset is not trusted blindly:
 * among the readings (last offset, UTC, the hinted zones) that keep the file in time order and are not
 * in the future, the one on the job's schedule wins, else the last offset, else the first that fits.
 * Live lines need none of this: their observation times them.
 */
export function startOffset(clock: LogClock, line: LogLine, parsed: ParsedLogLine, hints: StartHints): LogClock {
  if (line.live) return clock;
  const naive = parsed.naiveMs;
  const candidates: number[] = [];
  const add = (offset: number | undefined) => {
    if (offset !== undefined && Number.isFinite(offset) && !candidates.includes(offset)) candidates.push(offset === 0 ? 0 : offset);
  };
  add(clock.offsetMs);
  add(0);
  const zoneOffset = (zone: string | undefined) => {
    const at = zone === undefined || zone === 'auto' ? undefined : naiveToInstant(naive, zone);
    return at === undefined ? undefined : at - naive;
  };
  for (const zone of hints.zones) add(zoneOffset(zone));
  const hand = zoneOffset(hints.handZone);
  add(hand);
  const fits = (offset: number) =>
    naive + offset <= line.observedAt + FUTURE_SLACK && (clock.lastAt === undefined || naive + offset >= clock.lastAt - ORDER_SLACK);
  const fitting = candidates.filter(fits);
  const onSchedule = hints.onSchedule;
  const chosen =
    (onSchedule ? fitting.find((offset) => onSchedule(naive + offset)) : undefined) ??
    // Off the schedule in every reading, in a file whose runs were timed before: a run by hand. (With
    // nothing known yet, a run off the schedule more likely means the schedule is not the one that wrote.)
    (onSchedule && clock.offsetMs !== undefined && hand !== undefined && fitting.includes(hand) ? hand : undefined) ??
    (clock.offsetMs !== undefined && fitting.includes(clock.offsetMs) ? clock.offsetMs : undefined) ??
    (clock.offsetMs === undefined ? undefined : fitting[0]);
  if (chosen === undefined || chosen === clock.offsetMs) return clock;
  return learn(clock, chosen, 'run-start', naive);
}

/** The instant a naive stamp would denote under the clock's current knowledge, without learning (for re-timing). */
export function naiveInstant(clock: LogClock, naiveMs: number, zone: string = 'auto'): Instant {
  if (clock.offsetMs !== undefined) return naiveMs + clock.offsetMs;
  return (zone === 'auto' ? undefined : naiveToInstant(naiveMs, zone)) ?? naiveMs;
}

/**
 * Offset told by the KRX market-status line: its `(HH:MM` is the true KST wall clock at (nearly) the
 * moment of the stamp. Only the time of day is known, so the offset is taken within ±12 h.
 */
export function offsetFromMarketStatus(parsed: ParsedLogLine): number | undefined {
  if (!parsed.message.includes(KRX_NAME)) return undefined; // cheap test first: one line per run has it
  const m = KRX_STATUS.exec(parsed.message);
  if (!m) return undefined;
  const hh = Number(m[1]);
  const mm = Number(m[2]);
  if (hh > 23 || mm > 59) return undefined;
  const trueUtcTimeOfDay = mod(hh * HOUR + mm * MINUTE - KST_OFFSET, DAY);
  const naiveTimeOfDay = mod(parsed.naiveMs, DAY);
  const diff = mod(trueUtcTimeOfDay - naiveTimeOfDay + 12 * HOUR, DAY) - 12 * HOUR;
  return quantize(diff);
}

/** UTC offset of an IANA zone at an instant (`+9 h` for Asia/Seoul), or undefined for an unknown zone. */
export function zoneOffsetMs(zone: string, instant: Instant): number | undefined {
  const format = formatterFor(zone);
  if (!format || !Number.isFinite(instant)) return undefined;
  const seconds = Math.floor(instant / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(seconds))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
  return wall - seconds;
}

/** The instant at which the wall clock of `zone` showed `naiveMs` (read as UTC); DST gaps resolve forward. */
export function naiveToInstant(naiveMs: number, zone: string): Instant | undefined {
  const first = zoneOffsetMs(zone, naiveMs);
  if (first === undefined) return undefined;
  // Two passes: the offset at the naive reading may differ from the offset at the true instant near a
  // DST switch; the second lookup is taken at the first guess.
  const second = zoneOffsetMs(zone, naiveMs - first) ?? first;
  return naiveMs - second;
}

// A module-level memo, not state: formatters are costly to build and identical for a zone.
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let format = formatters.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      format = null;
    }
    formatters.set(zone, format);
  }
  return format;
}

function learn(clock: LogClock, offsetMs: number, from: NonNullable<LogClock['learnedFrom']>, naiveMs: number): LogClock {
  if (clock.offsetMs === offsetMs && clock.learnedFrom === from)
    return clock.learnedAtNaiveMs === naiveMs ? clock : { ...clock, learnedAtNaiveMs: naiveMs };
  return { ...clock, offsetMs, learnedFrom: from, learnedAtNaiveMs: naiveMs };
}

/** The nearest quarter-hour offset, when `diff` is within MAX_RESIDUAL of it and the offset is a plausible zone. */
function quantize(diff: number): number | undefined {
  if (!Number.isFinite(diff)) return undefined;
  const rounded = Math.round(diff / OFFSET_QUANTUM) * OFFSET_QUANTUM;
  if (Math.abs(diff - rounded) >= MAX_RESIDUAL) return undefined;
  // Zones run from UTC−12 to UTC+14, so `stamp + offset = truth` needs an offset within [−14 h, +12 h].
  if (rounded < -14 * HOUR || rounded > 12 * HOUR) return undefined;
  return rounded === 0 ? 0 : rounded; // no −0 in checkpointed JSON
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
