// The line decoder alone, on buffers: where lines split, what a partial line leaves, CRLF, invalid UTF-8,
// too-long lines cut to their head, and the final unterminated tail of a file nobody writes to any more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLineDecoder, readFrom, type DecodeState } from '../src/adapters/line-decoder.ts';
import type { LineSelector } from '../src/adapters/line-selector.ts';

/** Feeds `chunks` as successive reads of one file, each from where the state says, and returns the lines. */
function decodeReads(chunks: Array<string | Buffer>, maxLineBytes = 64, select?: LineSelector) {
  const decoder = createLineDecoder(maxLineBytes, select);
  const state: DecodeState = { offset: 0 };
  const file = Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  const lines: string[] = [];
  let end = 0;
  for (const chunk of chunks) {
    end += Buffer.byteLength(chunk);
    const from = readFrom(state);
    decoder.consume(state, file.subarray(from, end), from, (text) => lines.push(text));
  }
  return { lines, state, decoder };
}

test('complete lines are emitted; a partial last line waits and the offset stays at its start', () => {
  const { lines, state } = decodeReads(['one\ntwo\nthr']);
  assert.deepEqual(lines, ['one', 'two']);
  assert.equal(state.offset, 'one\ntwo\n'.length);
  assert.deepEqual(decodeReads(['one\ntwo\nthr', 'ee\n']).lines, ['one', 'two', 'three']);
});

test('a CRLF terminator is stripped, a lone CR inside a line is kept', () => {
  assert.deepEqual(decodeReads(['a\r\nb\rc\r\n']).lines, ['a', 'b\rc']);
});

test('invalid UTF-8 becomes U+FFFD and never throws', () => {
  const { lines } = decodeReads([Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xe2, 0x82, 0x0a])]);
  assert.deepEqual(lines, ['a\uFFFDb', '\uFFFD']);
});

test('a too-long line is cut to its head at a UTF-8 boundary, across reads, and the next line is intact', () => {
  const long = 'é'.repeat(10); // 20 bytes
  const { lines, state } = decodeReads([long.slice(0, 6), long.slice(6) + 'xx', 'yy\r\nnext\n'], 5);
  assert.deepEqual(lines, ['éé …[cut 20 bytes]', 'next']);
  assert.equal(state.cut, undefined);
  assert.equal(state.offset, Buffer.byteLength(long + 'xxyy\r\nnext\n'));
});

test('select: only the chosen lines are decoded; the offset moves past the others', () => {
  const onlyB: LineSelector = (buf, from, to) => {
    const out: Array<[number, number]> = [];
    for (let s = from; s < to;) {
      const e = buf.indexOf(10, s);
      if (buf[s] === 0x62) out.push([s, e]);
      s = e + 1;
    }
    return out;
  };
  const { lines, state } = decodeReads(['a1\nb2\na3\nb4\n'], 64, onlyB);
  assert.deepEqual(lines, ['b2', 'b4']);
  assert.equal(state.offset, 12);
});

test('finish: the unterminated tail of a finished file is a line, and so is the head of a cut one', () => {
  const tail = decodeReads(['one\ntw']);
  const buf = Buffer.alloc(16);
  const n = buf.write('tw');
  const out: string[] = [];
  tail.decoder.finish(tail.state, buf, n, (text) => out.push(text));
  assert.deepEqual(out, ['tw']);

  const cut = decodeReads(['abcdefgh'], 3);
  assert.ok(cut.state.cut, 'the long line is being skipped');
  cut.decoder.finish(cut.state, Buffer.alloc(8), 0, (text) => out.push(text));
  assert.deepEqual(out, ['tw', 'abc …[cut 5 bytes]']);
});
