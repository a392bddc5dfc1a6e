// An instant as a zone's wall clock shows it: the one Intl formatter behind every local time the
// sidecar writes (message times, schedule offsets, backup names). Pure.
import type { Instant } from './types.ts';

/** Two-digit fields (four-digit year), 24-hour clock, and the zone's short name (`KST`, `GMT+9`, `UTC`). */
export interface WallClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  zoneName: string;
}

// Building an Intl.DateTimeFormat costs far more than using one, and rules format instants on every
// evaluation: one formatter per zone, made once (null for a zone this runtime does not know). en-CA
// because its short zone names are the ones operators read (`KST`, `EST`).
const formats = new Map<string, Intl.DateTimeFormat | null>();
function formatFor(zone: string): Intl.DateTimeFormat | null {
  let format = formats.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        timeZoneName: 'short',
      });
    } catch {
      format = null;
    }
    formats.set(zone, format);
  }
  return format;
}

/** Whether `zone` is an IANA zone name this runtime knows. */
export function isValidTimezone(zone: string): boolean {
  return formatFor(zone) !== null;
}

/** The wall clock of `zone` at `at`; null for a zone this runtime does not know. */
export function wallClockIn(at: Instant, zone: string): WallClock | null {
  const format = formatFor(zone);
  if (format === null) return null;
  const parts = format.formatToParts(new Date(at));
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
    zoneName: get('timeZoneName'),
  };
}

/** As `wallClockIn`, for a zone the config has already checked: an unknown one throws, as Intl itself does. */
export function wallClockOf(at: Instant, zone: string): WallClock {
  const wall = wallClockIn(at, zone);
  if (wall === null) throw new RangeError(`Invalid time zone specified: ${zone}`);
  return wall;
}
