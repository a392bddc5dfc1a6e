// Finds the first byte sequence that is not UTF-8 the way Python's strict decoder does, so that the
// sentinel can tell bytes the guarded system cannot open from a U+FFFD that was written on purpose, and
// can quote the UnicodeDecodeError the guarded system logs.
import type { Utf8Error } from './types.ts';

const isContinuation = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;

/**
 * The first ill-formed sequence, or undefined when every byte is well-formed UTF-8 (Unicode table 3-7:
 * no overlong forms, no surrogates, nothing past U+10FFFF). Like CPython, a bad continuation byte ends
 * the sequence before it, and a sequence cut short by the end of the bytes is `unexpected end of data`.
 */
export function findUtf8Error(bytes: Uint8Array): Utf8Error | undefined {
  const n = bytes.length;
  let chars = 0;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i += 1;
      chars += 1;
      continue;
    }
    const fail = (end: number, reason: string): Utf8Error => ({ start: i, end, byte: b, reason, charOffset: chars });
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0; // overlong
      if (b === 0xed) high = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90; // overlong
      if (b === 0xf4) high = 0x8f; // past U+10FFFF
    } else return fail(i + 1, 'invalid start byte');
    // The second byte has the narrowed range; the rest are plain continuation bytes.
    for (let k = 1; k < length; k += 1) {
      const c = bytes[i + k];
      if (c === undefined) return fail(n, 'unexpected end of data');
      const ok = k === 1 ? c >= low && c <= high : isContinuation(c);
      if (!ok) return fail(i + k, 'invalid continuation byte');
    }
    i += length;
    chars += length === 4 ? 2 : 1;
  }
  return undefined;
}

/** Python's own words: `'utf-8' codec can't decode byte 0xff in position 532: invalid start byte`. */
export function pythonUtf8Message(error: Utf8Error): string {
  const where =
    error.end - error.start === 1
      ? `byte 0x${error.byte.toString(16).padStart(2, '0')} in position ${error.start}`
      : `bytes in position ${error.start}-${error.end - 1}`;
  return `'utf-8' codec can't decode ${where}: ${error.reason}`;
}
