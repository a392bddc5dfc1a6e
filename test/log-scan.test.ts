// The byte scanner that picks the lines worth decoding, and the whole-file evaluation built on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLog } from '../bench/generate-log.ts';
import { createLineSelector } from '../src/adapters/log-scan.ts';
import { profileSchema } from '../src/config/schema.ts';
import { runNeedles, type RunsContext } from '../src/core/runs.ts';
import { evaluateLogFile } from '../src/runtime/log-evaluation.ts';
import { CHECK_KR_JOB } from './helpers/check-kr-job.ts';

const PROFILE = profileSchema.parse({
  script: 'check_positions.py',
  startMarker: '=== 통합 포지션 & 시그널 체크 시작 ===',
  finishMarker: '=== 체크 완료 ===',
  channelMarker: 'Telegram 채널 활성화',
  notifyEvents: ['스톱로스 발동:', '청산 시그널:', 'Inverse ETF 강제 청산:', '피라미딩 기회:', '신규 시그널:'],
});
const JOB = CHECK_KR_JOB;
const CTX: RunsContext = {
  jobsByLogFile: { 'check_kr.log': JOB },
  profiles: { 'check_positions.py': PROFILE },
  errorPatterns: [' - CRITICAL - '],
  logTimestampZone: 'auto',
};
const NEEDLES = runNeedles(CTX.profiles, CTX.errorPatterns);
const HEADER = 'Traceback (most recent call last):';
const sample = () => readFile(fileURLToPath(new URL('./fixtures/runs/check_kr.log', import.meta.url)));

/** The obvious, slow definition of what must be selected: split every line and test it. */
function expectedLines(text: string, needles: string[]): string[] {
  const out: string[] = [];
  let inTraceback = false;
  for (const line of text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined)) {
    if (inTraceback) {
      if (line === '' || line[0] === ' ' || line[0] === '\t') {
        out.push(line);
        continue;
      }
      inTraceback = false;
      if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}/.test(line) && !line.startsWith(HEADER)) {
        out.push(line);
        continue;
      }
    }
    if (needles.some((n) => line.includes(n))) out.push(line);
    if (line.startsWith(HEADER)) inTraceback = true;
  }
  return out;
}

function selected(buf: Buffer, ranges: Array<[number, number]>): string[] {
  return ranges.map(([s, e]) => buf.toString('utf8', s, e));
}

test('on the sample log: exactly the needle lines and the whole traceback', async () => {
  const buf = await sample();
  const lines = selected(buf, createLineSelector(NEEDLES)(buf, 0, buf.length));
  assert.deepEqual(lines, expectedLines(buf.toString('utf8'), NEEDLES));
  assert.ok(lines.includes('2026-02-23 16:00:04,236 - __main__ - INFO - 피라미딩 기회: 005930.KS'));
  assert.ok(lines.includes('           ^^^^^^^^^^^'));
  assert.equal(lines.at(-1), "TypeError: Position.__init__() got an unexpected keyword argument 'entry_reason'");
  assert.ok(!lines.some((l) => l.includes('시그널 체크: Apple')), 'noise is not selected');
});

test('ranges exclude the newline, are ordered, and stay inside [from, to)', async () => {
  const buf = Buffer.concat([Buffer.from('junk before\n'), await sample(), Buffer.from('junk after')]);
  const from = 'junk before\n'.length;
  const to = buf.length - 'junk after'.length;
  const ranges = createLineSelector(NEEDLES)(buf, from, to);
  let previous = -1;
  for (const [s, e] of ranges) {
    assert.ok(s >= from && e <= to && s <= e && s > previous);
    assert.notEqual(buf[e - 1], 10);
    assert.ok(e === to || buf[e] === 10);
    previous = s;
  }
  assert.deepEqual(createLineSelector(NEEDLES)(buf, 5, 5), []);
});

test('a traceback cut by a chunk boundary anywhere is still selected whole', async () => {
  const buf = await sample();
  const select = createLineSelector(NEEDLES);
  const whole = select(buf, 0, buf.length);
  // Every line boundary is a possible end of a read: split there, select both halves.
  for (let cut = buf.indexOf(10) + 1; cut > 0 && cut < buf.length; cut = buf.indexOf(10, cut) + 1) {
    const parts = [...select(buf, 0, cut), ...select(buf, cut, buf.length)];
    const lines = selected(buf, parts);
    // The second half may begin with an extra line (a possible continuation): taking one more line is
    // harmless, missing one is not.
    for (const [s, e] of whole)
      assert.ok(
        parts.some(([ps, pe]) => ps === s && pe === e),
        `cut at ${cut}: lost ${buf.toString('utf8', s, e)}`,
      );
    assert.ok(lines.length - whole.length <= 1, `cut at ${cut}: ${lines.length - whole.length} extra lines`);
  }
});

test('on a generated log of every run kind: the same lines as the slow definition', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-scan-'));
  try {
    const path = join(dir, 'check_kr.log');
    const summary = await generateLog(path, 1_500_000, 7);
    assert.ok(summary.byKind.crash > 0 && summary.byKind['send-failed'] > 0 && summary.byKind['stop-loss'] > 0);
    const buf = await readFile(path);
    const needles = [...NEEDLES, 'TSLA', ' - ERROR - '];
    assert.deepEqual(selected(buf, createLineSelector(needles)(buf, 0, buf.length)), expectedLines(buf.toString('utf8'), needles));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('evaluateLogFile: the selector changes nothing but speed, whatever the chunk size', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-eval-'));
  try {
    const path = join(dir, 'check_kr.log');
    await generateLog(path, 800_000, 11);
    const options = { observedAt: Date.UTC(2200, 0, 1), keepRuns: 1000 };
    const fast = await evaluateLogFile(path, CTX, options);
    const everyLine = await evaluateLogFile(path, CTX, { ...options, selector: (buf, from, to) => allLines(buf, from, to) });
    const smallChunks = await evaluateLogFile(path, CTX, { ...options, chunkBytes: 64 * 1024 });
    assert.ok(fast.ok && everyLine.ok && smallChunks.ok);
    assert.ok(fast.value.finishedCount > 100);
    assert.deepEqual(fast.value.runs, everyLine.value.runs);
    // The clock's `lastAt` is the last stamped line *decoded*: the only part of the state the selector changes.
    const withoutLastAt = (state: typeof fast.value.state) => JSON.parse(JSON.stringify(state, (k, v) => (k === 'lastAt' ? undefined : v)));
    assert.deepEqual(withoutLastAt(fast.value.state), withoutLastAt(everyLine.value.state));
    assert.deepEqual(smallChunks.value.runs, fast.value.runs);
    assert.ok(fast.value.linesSelected * 5 < everyLine.value.linesSelected, 'most lines are never decoded');
    // The generated file ends with two crashes: the last run is open with its traceback.
    const last = fast.value.runs.at(-1)!;
    assert.equal(last.end, 'open');
    assert.match(last.tracebacks[0]!.error, /^TypeError: /);
    assert.equal(fast.value.runs.at(-2)!.end, 'superseded');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('evaluateLogFile: CRLF, no final newline, a line longer than a chunk, a missing file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-eval-'));
  try {
    const text = (await sample()).toString('utf8');
    const lf = join(dir, 'check_kr.log');
    await writeFile(lf, text);
    const base = await evaluateLogFile(lf, CTX, { observedAt: 0 });
    assert.ok(base.ok);
    assert.deepEqual(
      base.value.runs.map((r) => r.end),
      ['finished', 'finished', 'open'],
    );

    const crlfDir = join(dir, 'crlf');
    await mkdir(crlfDir);
    const crlf = join(crlfDir, 'check_kr.log');
    await writeFile(crlf, text.trimEnd().replaceAll('\n', '\r\n'));
    const viaCrlf = await evaluateLogFile(crlf, CTX, { observedAt: 0 });
    assert.ok(viaCrlf.ok);
    assert.deepEqual(viaCrlf.value.runs, base.value.runs);

    // 200 KiB lines read with 64 KiB chunks (a huge dict print, a huge CRITICAL line): cut, and nothing else lost.
    const long = join(dir, 'long', 'check_kr.log');
    await mkdir(join(dir, 'long'));
    const lines = text.split('\n');
    lines.splice(60, 0, `2026-02-24 16:00:06,793 - __main__ - INFO - 포지션 요약: ${'{}'.repeat(100_000)}`);
    lines.splice(61, 0, `2026-02-24 16:00:06,793 - src.utils - CRITICAL - ${'가'.repeat(70_000)}`);
    await writeFile(long, lines.join('\n'));
    const viaLong = await evaluateLogFile(long, CTX, { observedAt: 0, chunkBytes: 64 * 1024 });
    assert.ok(viaLong.ok);
    const [a, b, c] = viaLong.value.runs;
    assert.deepEqual([a, c], [base.value.runs[0], base.value.runs[2]]);
    assert.equal(b!.errorLines.length, 1);
    assert.match(b!.errorLines[0]!, /^2026-02-24 16:00:06,793 - src\.utils - CRITICAL - 가+ …\[cut\]$/);
    assert.deepEqual({ ...b!, errorLines: [] }, base.value.runs[1]);

    const missing = await evaluateLogFile(join(dir, 'nope.log'), CTX, { observedAt: 0 });
    assert.deepEqual(missing.ok ? null : missing.error.kind, 'not-found');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function allLines(buf: Buffer, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let s = from; s < to;) {
    let e = buf.indexOf(10, s);
    if (e === -1 || e > to) e = to;
    out.push([s, e]);
    s = e + 1;
  }
  return out;
}
