// Parsing one line of the guarded system's Python logging format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLogLine } from '../src/core/log-line.ts';

/** What a line stamped 2026-02-23 16:00:02,114 parses to: the stamp as written, its naive time, and the rest. */
const at16h00m02s114 = (logger: string, level: string, message: string) => ({
  stamp: '2026-02-23 16:00:02,114',
  naiveMs: Date.UTC(2026, 1, 23, 16, 0, 2, 114),
  logger,
  level,
  message,
});

test('a basicConfig line: stamp, naive time, logger, level, message', () => {
  assert.deepEqual(
    parseLogLine('2026-02-23 16:00:02,114 - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ==='),
    at16h00m02s114('__main__', 'INFO', '=== 통합 포지션 & 시그널 체크 시작 ==='),
  );
  const notifier = parseLogLine(
    '2026-02-23 16:00:04,688 - src.notifier - ERROR - Telegram 오류 (모든 재시도 소진): Cannot connect to host api.telegram.org:443',
  );
  assert.equal(notifier?.logger, 'src.notifier');
  assert.equal(notifier?.level, 'ERROR');
  assert.equal(notifier?.message, 'Telegram 오류 (모든 재시도 소진): Cannot connect to host api.telegram.org:443');
});

test('the message keeps its own " - " separators', () => {
  const line = parseLogLine('2026-02-24 16:00:06,790 - __main__ - INFO - 리스크 제한으로 시그널 스킵: 035420.KS - 전체 N 노출 한도 초과');
  assert.equal(line?.message, '리스크 제한으로 시그널 스킵: 035420.KS - 전체 N 노출 한도 초과');
  const retry = parseLogLine('2026-02-23 23:00:04,803 - src.utils - WARNING - Retry 1/2: _send_with_retry - Telegram 전송 실패: HTTP 400');
  assert.equal(retry?.level, 'WARNING');
  assert.equal(retry?.message, 'Retry 1/2: _send_with_retry - Telegram 전송 실패: HTTP 400');
});

test('a stamped line in another format keeps its time, with no logger or level', () => {
  assert.deepEqual(parseLogLine('2026-02-23 16:00:02,114 something else'), at16h00m02s114('', '', ' something else'));
});

test('lines without an asctime prefix are null: traceback bodies, raw prints, empty lines', () => {
  for (const text of [
    'Traceback (most recent call last):',
    '  File "/app/scripts/check_positions.py", line 546, in <module>',
    "TypeError: Position.__init__() got an unexpected keyword argument 'entry_reason'",
    '=== Turtle Trading System Health Check ===',
    '[OK]   Data directory writable',
    '',
    'time="2026-03-05T08:47:12+09:00" level=info msg="read crontab: /app/crontab"',
  ]) {
    assert.equal(parseLogLine(text), null, text);
  }
});

test('impossible calendar times are null, leap days are not', () => {
  assert.equal(parseLogLine('2026-02-29 16:00:02,114 - __main__ - INFO - x'), null);
  assert.equal(parseLogLine('2026-13-01 16:00:02,114 - __main__ - INFO - x'), null);
  assert.equal(parseLogLine('2026-04-31 16:00:02,114 - __main__ - INFO - x'), null);
  assert.equal(parseLogLine('2026-02-23 24:00:02,114 - __main__ - INFO - x'), null);
  assert.equal(parseLogLine('2026-02-23 16:60:02,114 - __main__ - INFO - x'), null);
  assert.equal(parseLogLine('2026-02-23 16:00:02.114 - __main__ - INFO - x'), null);
  assert.equal(parseLogLine('2028-02-29 16:00:02,114 - __main__ - INFO - x')?.naiveMs, Date.UTC(2028, 1, 29, 16, 0, 2, 114));
});

test('garbage never throws', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = '0123456789-:, ._ABCDEFINFOWARNING가나다\t\n\uFFFD';
  for (let i = 0; i < 5000; i++) {
    const len = Math.floor(rand() * 60);
    let text = i % 2 === 0 ? '2026-02-23 16:00:02,114' : '';
    for (let k = 0; k < len; k++) text += alphabet[Math.floor(rand() * alphabet.length)];
    const parsed = parseLogLine(text);
    if (parsed) assert.equal(typeof parsed.naiveMs, 'number');
  }
  assert.equal(parseLogLine(undefined as unknown as string), null);
  assert.equal(parseLogLine(42 as unknown as string), null);
});
