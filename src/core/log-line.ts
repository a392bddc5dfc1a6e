// Parses one line of a turtle-trading job log written by Python's `logging.basicConfig` format
// `%(asctime)s - %(name)s - %(levelname)s - %(message)s`, e.g.
// `2026-02-23 16:00:02,114 - __main__ - INFO - === 체크 완료 ===`.

/** A log line that starts with an asctime stamp. */
export interface ParsedLogLine {
  /** The stamp as written: `2026-02-23 16:00:02,114` (naive: no zone, see log-clock.ts). */
  stamp: string;
  /** The stamp read as if it were UTC. Not an instant: the zone of the writer is unknown. */
  naiveMs: number;
  /** `__main__`, `src.notifier` …; empty when the line has a stamp but not the full basicConfig format. */
  logger: string;
  /** `INFO`, `WARNING`, `CRITICAL` …; empty like `logger`. */
  level: string;
  /** Everything after ` - LEVEL - ` (or after the stamp when the format is unknown). */
  message: string;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const SEP = ' - ';

/**
 * `null` for lines without an asctime prefix (traceback bodies, raw prints, empty lines) and for stamps
 * that are not a real calendar time. Never throws.
 *
 * Hand-written rather than a regular expression: the run builder parses every selected line of logs that
 * can be hundreds of megabytes, and reading a few fixed positions costs a fraction of a regex match.
 */
export function parseLogLine(text: string): ParsedLogLine | null {
  if (typeof text !== 'string' || text.length < 23) return null;
  // `YYYY-MM-DD HH:MM:SS,mmm`: fixed positions.
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32) return null;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 44) return null;
  const year = num(text, 0, 4);
  const month = num(text, 5, 2);
  const day = num(text, 8, 2);
  const hour = num(text, 11, 2);
  const minute = num(text, 14, 2);
  const second = num(text, 17, 2);
  const milli = num(text, 20, 3);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
  if (second < 0 || second > 59 || milli < 0) return null;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return null;
  const naiveMs = Date.UTC(year, month - 1, day, hour, minute, second, milli);
  const stamp = text.slice(0, 23);

  // ` - <logger> - <LEVEL> - <message>`: the level is the first upper-case word between separators, so a
  // ` - ` inside the logger name cannot be taken for the separator and the message keeps any ` - ` it has.
  if (text.startsWith(SEP, 23)) {
    for (let j = text.indexOf(SEP, 27); j !== -1; j = text.indexOf(SEP, j + 1)) {
      let q = j + 3;
      const first = text.charCodeAt(q);
      if (!(first >= 65 && first <= 90)) continue;
      while (q < text.length && isLevelChar(text.charCodeAt(q))) q++;
      if (text.startsWith(SEP, q))
        return { stamp, naiveMs, logger: text.slice(26, j), level: text.slice(j + 3, q), message: text.slice(q + 3) };
    }
  }
  const rest = text.slice(23);
  return { stamp, naiveMs, logger: '', level: '', message: rest.startsWith(SEP) ? rest.slice(3) : rest };
}

/** The decimal number in text[at, at+len), or −1 when any of those characters is not a digit. */
function num(text: string, at: number, len: number): number {
  let value = 0;
  for (let i = at; i < at + len; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

function isLevelChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}
