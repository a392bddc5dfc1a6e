// The fast byte scanner: picks, without decoding them, the lines of a job log that the run builder
// (core/runs.ts) can use: lines that contain a needle, plus the whole body of every Python traceback.
//
// Why it is shaped like this. A job log is mostly noise for the sidecar (a check_positions run writes
// ~55 lines, 4–6 of which matter), and these files grow forever (no rotation at v3.2.x), so `check` on an
// old log and the catch-up at start-up can face hundreds of megabytes. Splitting every line and decoding
// it to a JS string costs a string allocation per line and touches every byte several times. Instead:
//  1. each needle is searched in the raw bytes with `Buffer.indexOf`, jumping from hit to hit. Node runs a
//     memchr on the first byte of a short pattern, so the search is only as fast as that byte is rare: a
//     Korean needle starts with a lead byte (0xEA–0xED) that occurs every few bytes in Korean text, which
//     made `indexOf` 4–6× slower than for `JSON`. So each needle is searched by an *anchor*: the few bytes
//     of the needle starting at its byte that is rarest in the log (byte counts taken once from the first
//     buffer the selector sees, plus a small prior), and a hit is verified against the whole needle in
//     place. The anchor changes the speed only, never which lines are selected;
//  2. a verified hit is widened to its line with two short byte searches for '\n' (lines are short), and
//     the search for that needle resumes after that line: one hit per line is enough;
//  3. a hit on `Traceback (most recent call last):` at a line start also takes the following body lines
//     (indented or empty) and the first non-indented line, the final `XxxError: msg` that says what broke;
//  4. the few selected line starts are sorted and de-duplicated once at the end.
// The cost is about one memchr pass over the bytes per needle, with no allocation per unselected line.
// Measured on a 200 MB check_kr.log (bench/log-eval.ts): ~10 ms per needle instead of 30–60 ms.
//
// The selector is stateless: a traceback cut by the end of a chunk continues at the start of the next
// one, so the leading lines of every chunk that cannot start a normal log line (indented, or not stamped)
// are taken too, through the first non-indented one. Taking a line too many is harmless (the run builder
// ignores lines it has no use for); missing one is not.
import { TRACEBACK_HEADER } from '../core/runs.ts';
import type { LineSelector } from './line-selector.ts';

const NEWLINE = 10;
const SPACE = 32;
const TAB = 9;
/** A traceback longer than this is cut (deep recursion); its final line is then lost, not the run. */
const MAX_TRACEBACK_LINES = 2000;
const HEADER_BYTES = Buffer.from(TRACEBACK_HEADER, 'utf8');

/** Anchor length: under 7 bytes Node's indexOf stays a memchr-plus-compare and never falls back to Boyer–Moore. */
const ANCHOR_BYTES = 4;
/** Bytes of the first buffer counted to find rare bytes. */
const SAMPLE_BYTES = 256 * 1024;

interface Anchor {
  bytes: Buffer;
  /** The needles this anchor stands for, with where the anchor sits inside each. */
  members: { needle: Buffer; offset: number; traceback: boolean }[];
}

export function createLineSelector(needles: readonly string[]): LineSelector {
  const unique = [...new Set(needles.filter((n) => typeof n === 'string' && n.length > 0 && !n.includes('\n')))];
  // The header is always searched: a traceback fails a run whatever the profiles say.
  if (!unique.includes(TRACEBACK_HEADER)) unique.push(TRACEBACK_HEADER);
  const patterns = unique.map((n) => Buffer.from(n, 'utf8'));
  let anchors: Anchor[] | undefined;

  return (buf: Buffer, from: number, to: number): Array<[number, number]> => {
    from = Math.max(0, from);
    to = Math.min(buf.length, to);
    if (to <= from) return [];
    // A view, not a copy: keeps every search inside [from, to) even when buf holds more.
    const view = from === 0 && to === buf.length ? buf : buf.subarray(from, to);
    const n = view.length;
    anchors ??= chooseAnchors(patterns, view);
    const starts: number[] = [];

    // Leading continuation of a traceback that began in the previous chunk.
    if (!isStamped(view, 0, endOfLine(view, 0, n)) && !startsWith(view, 0, HEADER_BYTES)) takeTracebackBody(view, 0, n, starts);

    for (const anchor of anchors) {
      let pos = 0;
      while (pos < n) {
        const hit = view.indexOf(anchor.bytes, pos);
        if (hit === -1) break;
        const member = anchor.members.find((m) => hit >= m.offset && startsWith(view, hit - m.offset, m.needle));
        if (!member) {
          pos = hit + 1;
          continue;
        }
        const at = hit - member.offset;
        const lineStart = view.lastIndexOf(NEWLINE, at) + 1;
        const lineEnd = endOfLine(view, hit, n);
        starts.push(lineStart);
        pos = member.traceback && at === lineStart ? takeTracebackBody(view, lineEnd + 1, n, starts) : lineEnd + 1;
      }
    }

    const sorted = Float64Array.from(starts).sort();
    const ranges: Array<[number, number]> = [];
    let last = -1;
    for (const s of sorted) {
      if (s === last) continue;
      last = s;
      ranges.push([from + s, from + endOfLine(view, s, n)]);
    }
    return ranges;
  };
}

/**
 * For each needle, the ANCHOR_BYTES bytes starting at its rarest byte (by counts over a sample of the log
 * plus a prior that makes ASCII letters, digits, spaces and UTF-8 Hangul bytes common before any data is
 * seen). Needles that end up with the same anchor share one search.
 */
function chooseAnchors(patterns: Buffer[], sample: Buffer): Anchor[] {
  const freq = new Float64Array(256);
  const prior = (lo: number, hi: number, weight: number) => {
    for (let c = lo; c <= hi; c++) freq[c]! += weight;
  };
  prior(0x20, 0x20, 8); // space
  prior(0x61, 0x7a, 3); // a-z
  prior(0x30, 0x39, 3); // 0-9
  prior(0x80, 0xbf, 1); // UTF-8 continuation bytes
  prior(0xea, 0xed, 6); // Hangul lead bytes
  const scale = 1 / Math.max(1, Math.min(sample.length, SAMPLE_BYTES) / 1024);
  for (let i = 0; i < sample.length && i < SAMPLE_BYTES; i++) freq[sample[i]!]! += 8 * scale;

  const byKey = new Map<string, Anchor>();
  for (const needle of patterns) {
    let best = 0;
    for (let p = 1; p < needle.length; p++) if (freq[needle[p]!]! < freq[needle[best]!]!) best = p;
    const bytes = needle.subarray(best, Math.min(needle.length, best + ANCHOR_BYTES));
    const key = bytes.toString('hex');
    const anchor = byKey.get(key) ?? { bytes: Buffer.from(bytes), members: [] };
    const traceback = needle.equals(HEADER_BYTES);
    // The traceback header is tried first, so that a needle sharing its anchor cannot hide a traceback body.
    if (traceback) anchor.members.unshift({ needle, offset: best, traceback });
    else anchor.members.push({ needle, offset: best, traceback });
    byKey.set(key, anchor);
  }
  return [...byKey.values()];
}

/**
 * From `p` (the line after a traceback header, or a chunk start), records traceback body lines (indented or
 * empty) and the first non-indented line, which ends the traceback; a stamped line ends it without being
 * taken (the traceback was cut off). Returns where scanning may go on.
 */
function takeTracebackBody(view: Buffer, p: number, n: number, starts: number[]): number {
  for (let count = 0; p < n && count < MAX_TRACEBACK_LINES; count++) {
    const e = endOfLine(view, p, n);
    const first = p < e ? view[p] : NEWLINE;
    if (first === SPACE || first === TAB || p === e) {
      starts.push(p);
      p = e + 1;
      continue;
    }
    if (isStamped(view, p, e) || startsWith(view, p, HEADER_BYTES)) return p;
    starts.push(p); // the final `XxxError: msg` line
    return e + 1;
  }
  return p;
}

function endOfLine(view: Buffer, p: number, n: number): number {
  const e = view.indexOf(NEWLINE, p);
  return e === -1 || e > n ? n : e;
}

/** `2026-02-23 16:00:02,114 …`: the shape of a logging asctime, checked on a few bytes only. */
function isStamped(view: Buffer, p: number, e: number): boolean {
  if (e - p < 23) return false;
  const digit = (i: number) => {
    const c = view[p + i]!;
    return c >= 48 && c <= 57;
  };
  return (
    digit(0) && digit(3) && view[p + 4] === 45 && view[p + 7] === 45 && view[p + 10] === SPACE && view[p + 13] === 58 && view[p + 19] === 44
  );
}

function startsWith(view: Buffer, p: number, prefix: Buffer): boolean {
  if (view.length - p < prefix.length) return false;
  return view.compare(prefix, 0, prefix.length, p, p + prefix.length) === 0;
}
