// Tests of the log tailer against real temp directories: real appends, renames, truncations and deletions.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLogTailer, type LogTailer, type LogTailerOptions, type TailBatch, type TailCursor } from '../src/adapters/log-tail.ts';
import type { LineSelector } from '../src/adapters/line-selector.ts';
import { sleep, waitFor } from './helpers/wait.ts';

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'log-tail-'));
  roots.push(root);
  return root;
}

/** The cursor the tailer should report for `path` at `offset`: inode, plus birth time where the fs keeps one. */
function cursorAt(path: string, offset: number): TailCursor {
  const info = statSync(path);
  return info.birthtimeMs > 0 ? { ino: info.ino, offset, birthtimeMs: info.birthtimeMs } : { ino: info.ino, offset };
}

interface Harness {
  tailer: LogTailer;
  batches: TailBatch[];
  errors: string[];
  /** Every emitted line as `file|text`. */
  texts(): string[];
  lastCursors(): TailBatch['cursors'];
}

/** Starts a tailer that records everything; a long rescan so that live tests prove the fs watchers work. */
async function startRecording(options: Partial<LogTailerOptions> & { dir: string }, clock = { t: 1_000 }): Promise<Harness> {
  const batches: TailBatch[] = [];
  const errors: string[] = [];
  const tailer = await startLogTailer({
    cursors: {},
    now: () => clock.t,
    onBatch: async (batch) => {
      batches.push(batch);
    },
    onError: (message) => errors.push(message),
    rescanMs: 600_000,
    ...options,
  });
  return {
    tailer,
    batches,
    errors,
    texts: () => batches.flatMap((b) => b.lines.map((l) => `${l.file}|${l.text}`)),
    lastCursors: () => batches.at(-1)?.cursors ?? {},
  };
}

/** Runs `body` with a recording tailer, and closes the tailer whatever the body does. */
async function withTailer(
  options: Partial<LogTailerOptions> & { dir: string },
  body: (h: Harness) => Promise<void>,
  clock?: { t: number },
): Promise<void> {
  const h = await startRecording(options, clock);
  try {
    await body(h);
  } finally {
    await h.tailer.close();
  }
}

describe('log tailer', () => {
  test('backlog at start is live=false, appends are seen live, a partial line waits for its newline', async () => {
    const dir = await tempRoot();
    writeFileSync(join(dir, 'check_kr.log'), 'one\ntwo\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a log\n');
    const clock = { t: 5_000 };
    await withTailer(
      { dir },
      async (h) => {
        // startLogTailer resolves after the catch-up.
        assert.deepEqual(
          h.batches.flatMap((b) => b.lines),
          [
            { file: 'check_kr.log', text: 'one', observedAt: 5_000, live: false },
            { file: 'check_kr.log', text: 'two', observedAt: 5_000, live: false },
          ],
        );
        clock.t = 6_000;
        appendFileSync(join(dir, 'check_kr.log'), 'three\nfou');
        await waitFor('three', () => h.texts().includes('check_kr.log|three'));
        await h.tailer.poke();
        assert.ok(!h.texts().some((t) => t.includes('fou')), 'the partial line must not be emitted');
        assert.equal(h.lastCursors()['check_kr.log']!.offset, 'one\ntwo\nthree\n'.length);
        appendFileSync(join(dir, 'check_kr.log'), 'r\n');
        await waitFor('four', () => h.texts().includes('check_kr.log|four'));
        const lines = h.batches.flatMap((b) => b.lines);
        assert.deepEqual(
          lines.map((l) => [l.text, l.live, l.observedAt]),
          [
            ['one', false, 5_000],
            ['two', false, 5_000],
            ['three', true, 6_000],
            ['four', true, 6_000],
          ],
        );
        assert.deepEqual(h.lastCursors(), {
          'check_kr.log': cursorAt(join(dir, 'check_kr.log'), 'one\ntwo\nthree\nfour\n'.length),
        });
        assert.deepEqual(h.errors, []);
      },
      clock,
    );
  });

  test('a new file appearing while running is read from its start, and cursors cover every tracked file', async () => {
    const dir = await tempRoot();
    writeFileSync(join(dir, 'a.log'), 'a1\n');
    await withTailer({ dir }, async (h) => {
      writeFileSync(join(dir, 'b.log'), 'b1\nb2\n');
      await waitFor('b2', () => h.texts().includes('b.log|b2'));
      assert.deepEqual(h.texts(), ['a.log|a1', 'b.log|b1', 'b.log|b2']);
      assert.deepEqual(Object.keys(h.lastCursors()), ['a.log', 'b.log']);
      assert.equal(h.lastCursors()['a.log']!.offset, 3);
      assert.equal(h.lastCursors()['b.log']!.offset, 6);
    });
  });

  test('restarting from the last batch cursors emits every line exactly once, a line split across the restart included', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'signal_kr.log');
    writeFileSync(file, '');
    let cursors: TailBatch['cursors'] = {};
    const seen: string[] = [];
    const expected: string[] = [];
    let n = 0;
    for (let round = 0; round < 5; round++) {
      const h = await startRecording({ dir, cursors });
      // Lines appended while it was down are backlog.
      assert.ok(h.batches.flatMap((b) => b.lines).every((l) => !l.live));
      for (let i = 0; i < 20; i++) {
        n++;
        appendFileSync(file, `line ${n}\n`);
        expected.push(`line ${n}`);
      }
      await h.tailer.poke();
      await h.tailer.close();
      seen.push(...h.batches.flatMap((b) => b.lines.map((l) => l.text)));
      cursors = h.lastCursors();
      // While it is down: more lines, and the first half of one more.
      for (let i = 0; i < 7; i++) {
        n++;
        appendFileSync(file, `line ${n}\n`);
        expected.push(`line ${n}`);
      }
      n++;
      appendFileSync(file, `line ${n}`);
      appendFileSync(file, ` completed\n`);
      expected.push(`line ${n} completed`);
    }
    const h = await startRecording({ dir, cursors });
    await h.tailer.close();
    seen.push(...h.batches.flatMap((b) => b.lines.map((l) => l.text)));
    assert.deepEqual(seen, expected);
  });

  test('rename rotation while running: the old inode is drained (even after the rename), then the new file from 0', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'monitor.log');
    writeFileSync(file, 'old1\nold2\n');
    await withTailer({ dir }, async (h) => {
      const writer = openSync(file, 'a'); // a job that opened the file before the rotation
      writeSync(writer, 'old3\n');
      renameSync(file, join(dir, 'monitor.log.2026-02-24'));
      writeFileSync(file, ''); // logrotate `create`: the new file exists but is empty
      writeSync(writer, 'old4\nold5 part');
      await h.tailer.poke();
      writeSync(writer, 'ial\n');
      closeSync(writer);
      await waitFor('old5', () => h.texts().includes('monitor.log|old5 partial'));
      appendFileSync(file, 'new1\nnew2\n');
      await waitFor('new2', () => h.texts().includes('monitor.log|new2'));
      assert.deepEqual(h.texts(), [
        'monitor.log|old1',
        'monitor.log|old2',
        'monitor.log|old3',
        'monitor.log|old4',
        'monitor.log|old5 partial',
        'monitor.log|new1',
        'monitor.log|new2',
      ]);
      assert.deepEqual(h.lastCursors(), { 'monitor.log': cursorAt(file, 10) });
      assert.deepEqual(h.errors, []);
    });
  });

  test('rename rotation while stopped: the rotated file is found by inode and drained from the cursor first', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'check_us.log');
    writeFileSync(file, 'a\nb\n');
    const first = await startRecording({ dir });
    await first.tailer.close();
    appendFileSync(file, 'c\nd\n');
    renameSync(file, join(dir, 'check_us.log.1'));
    writeFileSync(file, 'e\n');
    await withTailer({ dir, cursors: first.lastCursors() }, async (second) => {
      assert.deepEqual(second.texts(), ['check_us.log|c', 'check_us.log|d', 'check_us.log|e']);
      assert.ok(second.batches.flatMap((b) => b.lines).every((l) => !l.live));
      assert.deepEqual(second.lastCursors(), { 'check_us.log': cursorAt(file, 2) });
      // The rotated name does not match include: it is never tailed on its own.
      appendFileSync(join(dir, 'check_us.log.1'), 'late\n');
      await second.tailer.poke();
      assert.ok(!second.texts().some((t) => t.startsWith('check_us.log.1|')));
      assert.deepEqual(second.errors, []);
    });
  });

  test('two rotations while stopped: every missed generation is read in order, older ones are not', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'monitor.log');
    const tick = () => sleep(20); // birth times are kernel-tick coarse: keep generations apart
    writeFileSync(join(dir, 'monitor.log.3'), 'ancient\n');
    await tick();
    writeFileSync(file, 'g1a\n');
    const first = await startRecording({ dir });
    await first.tailer.close();
    assert.deepEqual(first.texts(), ['monitor.log|g1a']);
    appendFileSync(file, 'g1b\n');
    renameSync(file, join(dir, 'monitor.log.1'));
    await tick();
    writeFileSync(file, 'g2a\n');
    renameSync(join(dir, 'monitor.log.1'), join(dir, 'monitor.log.2'));
    renameSync(file, join(dir, 'monitor.log.1'));
    writeFileSync(join(dir, 'monitor.log.1.gz'), 'compressed junk\n'); // never read as text
    await tick();
    writeFileSync(file, 'g3a\n');
    await withTailer({ dir, cursors: first.lastCursors() }, async (second) => {
      assert.deepEqual(second.texts(), ['monitor.log|g1b', 'monitor.log|g2a', 'monitor.log|g3a']);
      assert.deepEqual(second.lastCursors(), { 'monitor.log': cursorAt(file, 4) });
      assert.deepEqual(second.errors, []);
    });
  });

  test('a rotated file that vanished while stopped is reported and the new file read from 0, even if it got the old inode number', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'x.log');
    writeFileSync(file, 'a\n');
    const first = await startRecording({ dir });
    await first.tailer.close();
    appendFileSync(file, 'lost\n');
    renameSync(file, join(dir, 'x.log.1'));
    unlinkSync(join(dir, 'x.log.1'));
    writeFileSync(file, 'b\n');
    await withTailer({ dir, cursors: first.lastCursors() }, async (second) => {
      assert.deepEqual(second.texts(), ['x.log|b']);
      assert.equal(second.errors.length, 1);
      assert.match(second.errors[0]!, /x\.log: the file it was reading .* is gone/);
    });
  });

  test('copy-truncate: same inode, smaller size: reported and read again from 0', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'daily_report.log');
    writeFileSync(file, 'first line of the day\nsecond line of the day\n');
    await withTailer({ dir }, async (h) => {
      const ino = statSync(file).ino;
      copyFileSync(file, join(dir, 'daily_report.log.1'));
      truncateSync(file, 0);
      appendFileSync(file, 'fresh\n');
      await waitFor('fresh', () => h.texts().includes('daily_report.log|fresh'));
      assert.deepEqual(h.texts(), [
        'daily_report.log|first line of the day',
        'daily_report.log|second line of the day',
        'daily_report.log|fresh',
      ]);
      assert.equal(statSync(file).ino, ino);
      assert.deepEqual(h.lastCursors(), { 'daily_report.log': cursorAt(file, 6) });
      assert.equal(h.errors.length, 1);
      assert.match(h.errors[0]!, /daily_report\.log shrank from 45 to 6 bytes \(copy-truncate\?\)/);
    });
  });

  test('a file deleted with unread lines and re-created: the unread lines come from the open fd, the new file from 0', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'cleanup.log');
    writeFileSync(file, 'kept1\n');
    await withTailer({ dir }, async (h) => {
      appendFileSync(file, 'kept2\n');
      unlinkSync(file);
      writeFileSync(file, 'reborn\n');
      await waitFor('reborn', () => h.texts().includes('cleanup.log|reborn'));
      assert.deepEqual(h.texts(), ['cleanup.log|kept1', 'cleanup.log|kept2', 'cleanup.log|reborn']);
      assert.deepEqual(h.lastCursors(), { 'cleanup.log': cursorAt(file, 7) });
      // Deleted and not re-created: the cursor is dropped.
      unlinkSync(file);
      await waitFor('cursor dropped', () => Object.keys(h.lastCursors()).length === 0);
    });
  });

  test('the whole logs directory deleted and re-created (twice) is followed without a poke', async () => {
    const root = await tempRoot();
    const dir = join(root, 'logs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'check_kr.log'), 'before\n');
    await withTailer({ dir }, async (h) => {
      for (const round of [1, 2]) {
        rmSync(dir, { recursive: true });
        await sleep(50);
        mkdirSync(dir);
        writeFileSync(join(dir, 'check_kr.log'), `again ${round}\n`);
        await waitFor(`again ${round}`, () => h.texts().includes(`check_kr.log|again ${round}`));
        // The watch is on the new directory inode now.
        appendFileSync(join(dir, 'check_kr.log'), `more ${round}\n`);
        await waitFor(`more ${round}`, () => h.texts().includes(`check_kr.log|more ${round}`));
      }
      assert.deepEqual(h.texts(), [
        'check_kr.log|before',
        'check_kr.log|again 1',
        'check_kr.log|more 1',
        'check_kr.log|again 2',
        'check_kr.log|more 2',
      ]);
      assert.ok(
        h.batches
          .slice(1)
          .flatMap((b) => b.lines)
          .every((l) => l.live),
      );
    });
  });

  test('a logs directory that does not exist yet (nor its parent) is waited for', async () => {
    const root = await tempRoot();
    const dir = join(root, 'deploy', 'logs');
    await withTailer({ dir }, async (h) => {
      assert.equal(h.batches.length, 0);
      mkdirSync(join(root, 'deploy'));
      await sleep(50);
      mkdirSync(dir);
      writeFileSync(join(dir, 'signal_us.log'), 'hello\n');
      await waitFor('hello', () => h.texts().includes('signal_us.log|hello'));
      appendFileSync(join(dir, 'signal_us.log'), 'again\n');
      await waitFor('again', () => h.texts().includes('signal_us.log|again'));
      assert.deepEqual(h.texts(), ['signal_us.log|hello', 'signal_us.log|again']);
      assert.ok(h.batches.flatMap((b) => b.lines).every((l) => l.live));
      assert.deepEqual(h.errors, []);
    });
  });

  test('a 20 MB line is cut to its head with bounded memory, and the next line is intact', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'check_kr.log');
    writeFileSync(file, 'before\n');
    await withTailer({ dir }, async (h) => {
      const mib = Buffer.alloc(1024 * 1024, 'x');
      global.gc?.();
      const base = process.memoryUsage().arrayBuffers;
      let peak = 0;
      for (let i = 0; i < 20; i++) {
        appendFileSync(file, mib);
        await h.tailer.poke();
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
      }
      assert.equal(h.texts().length, 1, 'nothing is emitted before the newline');
      appendFileSync(file, '\nafter\n');
      await h.tailer.poke();
      const head = 'x'.repeat(64 * 1024);
      assert.deepEqual(h.texts(), [
        'check_kr.log|before',
        `check_kr.log|${head} …[cut ${20 * 1024 * 1024 - 64 * 1024} bytes]`,
        'check_kr.log|after',
      ]);
      assert.equal(h.lastCursors()['check_kr.log']!.offset, statSync(file).size);
      // Buffering the line (or re-reading it whole) would need ≥ 20 MB of buffers at some point.
      assert.ok(peak < 8 * 1024 * 1024, `array buffers grew by ${peak} bytes while skipping the line`);
    });
  });

  test('long lines: cut within one read, across reads, at a UTF-8 boundary, and CRLF terminators', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'a.log');
    // 'é' is 2 bytes: with maxLineBytes 10, a head of 'abcdefghi' + half an 'é' backs off to 9 bytes.
    const content = ['short', 'b'.repeat(40), 'abcdefghié' + 'z'.repeat(30), 'crlf line\r', 'c'.repeat(25) + '\r', 'end'].join('\n') + '\n';
    writeFileSync(file, content);
    const expected = [
      'short',
      `${'b'.repeat(10)} …[cut 30 bytes]`,
      `abcdefghi …[cut 32 bytes]`,
      'crlf line',
      `${'c'.repeat(10)} …[cut 15 bytes]`,
      'end',
    ];
    // Small chunks: the long lines span reads. Big chunks: they are cut inside one read.
    for (const chunkBytes of [16, 1024 * 1024]) {
      const h = await startRecording({ dir, maxLineBytes: 10, chunkBytes, cursors: {} });
      await h.tailer.close();
      assert.deepEqual(
        h.batches.flatMap((b) => b.lines.map((l) => l.text)),
        expected,
        `chunkBytes ${chunkBytes}`,
      );
      assert.equal(h.lastCursors()['a.log']!.offset, Buffer.byteLength(content));
    }
  });

  test('invalid UTF-8 is replaced with U+FFFD and never throws', async () => {
    const dir = await tempRoot();
    writeFileSync(join(dir, 'a.log'), Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xe2, 0x82, 0x0a, 0xc3, 0xa9, 0x0a]));
    const h = await startRecording({ dir });
    await h.tailer.close();
    assert.deepEqual(h.texts(), ['a.log|a\uFFFDb', 'a.log|\uFFFD', 'a.log|é']);
    assert.deepEqual(h.errors, []);
  });

  test('select: only the chosen lines are decoded and emitted, cursors still move past the others', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'check_kr.log');
    const lines = [
      '2026-02-23 07:00:02,114 - __main__ - INFO - === 포지션 체크 시작 ===',
      '2026-02-23 07:00:02,200 - src.data_store - INFO - OHLCV 저장: SPY -> data/cache/SPY_ohlcv.parquet',
      '2026-02-23 07:00:03,001 - __main__ - ERROR - SPY 처리 오류: boom',
      '2026-02-23 07:00:03,500 - src.data_store - INFO - OHLCV 저장: QQQ -> data/cache/QQQ_ohlcv.parquet',
      '2026-02-23 07:00:04,000 - __main__ - INFO - === 체크 완료 ===',
    ];
    writeFileSync(file, lines.join('\n') + '\n');
    const seenRanges: Array<[number, number]> = [];
    // Skips `src.data_store` lines without decoding them.
    const select: LineSelector = (buf, from, to) => {
      seenRanges.push([from, to]);
      const picked: Array<[number, number]> = [];
      for (let s = from; s < to;) {
        const e = buf.indexOf(10, s);
        const hit = buf.indexOf(' - src.data_store - ', s);
        if (hit === -1 || hit > e) picked.push([s, e]);
        s = e + 1;
      }
      return picked;
    };
    await withTailer({ dir, select }, async (h) => {
      assert.deepEqual(
        h.texts().map((t) => t.slice('check_kr.log|'.length)),
        [lines[0], lines[2], lines[4]],
      );
      assert.deepEqual(seenRanges, [[0, statSync(file).size]]);
      // Nothing selected: the batch has no lines but still carries the advanced cursor.
      appendFileSync(file, lines[1] + '\n');
      await waitFor('cursor past the unselected line', () => h.lastCursors()['check_kr.log']!.offset === statSync(file).size);
      assert.deepEqual(h.batches.at(-1)!.lines, []);
      assert.equal(h.texts().length, 3);
    });
  });

  test('a batch that onBatch rejects is read again: no line lost, none doubled', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'a.log');
    writeFileSync(file, 'l1\nl2\n');
    const accepted: string[] = [];
    const errors: string[] = [];
    let refuse = 1;
    const tailer = await startLogTailer({
      dir,
      cursors: {},
      now: () => 0,
      rescanMs: 600_000,
      onError: (m) => errors.push(m),
      onBatch: async (batch) => {
        if (refuse-- > 0) throw new Error('disk full');
        accepted.push(...batch.lines.map((l) => `${l.text}:${l.live}`));
      },
    });
    try {
      assert.deepEqual(accepted, []);
      assert.match(errors[0]!, /not accepted \(disk full\)/);
      appendFileSync(file, 'l3\n');
      await waitFor('l3', () => accepted.length === 3);
      // The catch-up never completed, so the re-read backlog is still live=false.
      assert.deepEqual(accepted, ['l1:false', 'l2:false', 'l3:false']);
      appendFileSync(file, 'l4\n');
      await waitFor('l4', () => accepted.length === 4);
      assert.equal(accepted[3], 'l4:true');
    } finally {
      await tailer.close();
    }
  });

  test('a burst of appends is coalesced into few reads', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'a.log');
    writeFileSync(file, '');
    await withTailer({ dir }, async (h) => {
      for (let i = 1; i <= 500; i++) appendFileSync(file, `burst ${i}\n`);
      await waitFor('500 lines', () => h.texts().length === 500);
      assert.deepEqual(
        h.texts(),
        Array.from({ length: 500 }, (_, i) => `a.log|burst ${i + 1}`),
      );
      assert.ok(h.batches.length <= 3, `${h.batches.length} batches for one burst`);
    });
  });

  test('idle costs (almost) no CPU: no polling', async () => {
    const dir = await tempRoot();
    writeFileSync(join(dir, 'a.log'), 'x\n');
    await withTailer({ dir, rescanMs: 60_000 }, async (h) => {
      await sleep(100);
      const before = process.cpuUsage();
      await sleep(1000);
      const used = process.cpuUsage(before);
      const ms = (used.user + used.system) / 1000;
      assert.ok(ms < 50, `${ms} ms of CPU in one idle second`);
    });
  });

  test('200 MB from offset 0 is read quickly, every line once, in bounded batches', async () => {
    const dir = await tempRoot();
    const file = join(dir, 'big.log');
    const line = '2026-02-23 07:00:02,114 - src.data_store - INFO - OHLCV 저장: SPY -> data/cache/SPY_ohlcv.parquet';
    const block = Buffer.from(Array.from({ length: 10_000 }, (_, i) => `${line} ${String(i).padStart(5, '0')}`).join('\n') + '\n');
    const fd = openSync(file, 'w');
    let size = 0;
    let count = 0;
    while (size < 200 * 1024 * 1024) {
      writeSync(fd, block);
      size += block.length;
      count += 10_000;
    }
    closeSync(fd);
    let lines = 0;
    let batches = 0;
    let lastText = '';
    let lastOffset = 0;
    const started = performance.now();
    const tailer = await startLogTailer({
      dir,
      cursors: {},
      now: () => 0,
      rescanMs: 600_000,
      onError: (m) => assert.fail(m),
      onBatch: async (batch) => {
        batches++;
        lines += batch.lines.length;
        lastText = batch.lines.at(-1)?.text ?? lastText;
        const offset = batch.cursors['big.log']!.offset;
        assert.ok(offset - lastOffset <= 2 * 1024 * 1024, 'a batch covers at most about one chunk');
        lastOffset = offset;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    await tailer.close();
    assert.equal(lines, count);
    assert.equal(lastText, `${line} 09999`);
    assert.equal(lastOffset, size);
    assert.ok(batches >= 200, `${batches} batches`);
    assert.ok(seconds < 20, `took ${seconds.toFixed(1)} s`);
    console.log(`read ${(size / 1024 / 1024).toFixed(0)} MB, ${count} lines, in ${seconds.toFixed(2)} s`);
  });
});
