// Bytes of a log file → complete lines: partial-line carry (by offset, never by copying bytes), CRLF, UTF-8
// decoding (invalid bytes become U+FFFD, as Buffer#toString does), and too-long lines cut to their head.
// No I/O: the tailer reads, this decides where lines start and end and what text they carry.
import type { LineSelector } from './line-selector.ts';

const NEWLINE = 10;
const CR = 13;

/** A line longer than maxLineBytes whose '\n' has not been seen yet: only its head is kept in memory. */
export interface CutLine {
  /** The first maxLineBytes + 1 bytes of the line (one extra byte to find a UTF-8 boundary for the cut). */
  head: Buffer;
  /** File position where the search for the line's '\n' goes on. */
  scanPos: number;
  /** The last byte scanned, to recognise a CRLF terminator split across reads. */
  lastByte: number;
}

/** Where decoding of one file stands. `offset` is always at a line boundary: the first byte of the next line. */
export interface DecodeState {
  offset: number;
  cut?: CutLine;
}

/** Receives the text of one selected line. */
export type LineSink = (text: string) => void;

export interface LineDecoder {
  /**
   * Consumes b (bytes read at file position `base`, which is `readFrom(state)`). Emits the complete lines, moves
   * `state`; a partial last line is not emitted (the next read starts again at state.offset). Returns whether the
   * state moved (lines emitted, or the skip of a too-long line went on).
   */
  consume(state: DecodeState, b: Buffer, base: number, out: LineSink): boolean;
  /**
   * The end of a file nobody writes to any more: emits its unterminated tail as a line (it can never be
   * completed, and dropping it would lose it). `buf` holds `n` bytes read at `readFrom(state)`, with room for
   * one more byte, and none of them is '\n'.
   */
  finish(state: DecodeState, buf: Buffer, n: number, out: LineSink): void;
}

/** Where the next read of a file starts: the line boundary, or further on while a too-long line is skipped. */
export function readFrom(state: DecodeState): number {
  return state.cut ? state.cut.scanPos : state.offset;
}

export function createLineDecoder(maxLineBytes: number, select?: LineSelector): LineDecoder {
  /** End of the head kept from a too-long line starting at `start`: maxLineBytes, backed off to a UTF-8 boundary. */
  function headEnd(b: Buffer, start: number): number {
    let end = start + maxLineBytes;
    for (let k = 0; k < 3 && end > start && ((b[end] ?? 0) & 0xc0) === 0x80; k++) end--;
    return end;
  }

  function decode(b: Buffer, start: number, end: number): string {
    if (end > start && b[end - 1] === CR) end--;
    if (end - start <= maxLineBytes) return b.toString('utf8', start, end);
    const cutAt = headEnd(b, start);
    return b.toString('utf8', start, cutAt) + ` …[cut ${end - cutAt} bytes]`;
  }

  /** Emits the selected lines of b[from, to), which holds complete lines only (b[to - 1] is '\n'). */
  function emitLines(b: Buffer, from: number, to: number, out: LineSink): void {
    if (!select) {
      for (let s = from; s < to;) {
        const e = b.indexOf(NEWLINE, s);
        out(decode(b, s, e));
        s = e + 1;
      }
      return;
    }
    for (const [s, e] of select(b, from, to)) {
      const start = Math.max(from, s);
      const end = Math.min(to, e);
      if (end >= start) out(decode(b, start, end));
    }
  }

  /** Emits a line that was too long to hold: its head, and how many bytes were dropped. */
  function emitCut(head: Buffer, lineBytes: number, out: LineSink): void {
    const cutAt = headEnd(head, 0);
    if (select) {
      // The selector sees the head as if it were the whole line: it is all that was kept.
      const pseudo = Buffer.allocUnsafe(cutAt + 1);
      head.copy(pseudo, 0, 0, cutAt);
      pseudo[cutAt] = NEWLINE;
      if (select(pseudo, 0, cutAt + 1).length === 0) return;
    }
    out(head.toString('utf8', 0, cutAt) + ` …[cut ${lineBytes - cutAt} bytes]`);
  }

  function consume(state: DecodeState, b: Buffer, base: number, out: LineSink): boolean {
    let pos = 0;
    let moved = false;
    if (state.cut) {
      const nl = b.indexOf(NEWLINE);
      if (nl === -1) {
        // Still inside the too-long line: remember only where to look next, never the bytes themselves.
        state.cut.scanPos = base + b.length;
        state.cut.lastByte = b[b.length - 1] ?? 0;
        return true;
      }
      const crlf = (nl > 0 ? b[nl - 1] : state.cut.lastByte) === CR;
      emitCut(state.cut.head, base + nl - state.offset - (crlf ? 1 : 0), out);
      state.offset = base + nl + 1;
      state.cut = undefined;
      pos = nl + 1;
      moved = true;
    }
    const lastNl = b.lastIndexOf(NEWLINE);
    if (lastNl >= pos) {
      emitLines(b, pos, lastNl + 1, out);
      state.offset = base + lastNl + 1;
      pos = lastNl + 1;
      moved = true;
    }
    if (b.length - pos > maxLineBytes) {
      // A line already longer than allowed and not finished in this chunk: keep its head, skip to its '\n'.
      state.cut = {
        head: Buffer.from(b.subarray(pos, pos + maxLineBytes + 1)),
        scanPos: base + b.length,
        lastByte: b[b.length - 1] ?? 0,
      };
      moved = true;
    }
    return moved;
  }

  function finish(state: DecodeState, buf: Buffer, n: number, out: LineSink): void {
    if (state.cut) {
      emitCut(state.cut.head, state.cut.scanPos + n - state.offset, out);
    } else if (n > 0) {
      buf[n] = NEWLINE; // n <= maxLineBytes < buf.length, else consume() would have cut it
      emitLines(buf, 0, n + 1, out);
    }
  }

  return { consume, finish };
}
