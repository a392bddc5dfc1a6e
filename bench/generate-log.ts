// Writes a large `check_kr.log` in the real v3.2.1 format (reference §2, samples/check_kr.log) for the
// log benchmark: mostly quiet runs, some signal days with Telegram success lines, some send failures,
// stop-loss closes, per-symbol errors and crashes with tracebacks. Deterministic (seeded PRNG), so two
// machines benchmark the same bytes. Usage: node --import tsx bench/generate-log.ts <path> [megabytes]
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';

/** mulberry32: tiny, fast, good enough to pick run kinds deterministically. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UNIVERSE: [string, string, 'US' | 'KR'][] = [
  ['SPY', 'S&P 500 ETF', 'US'],
  ['QQQ', 'Nasdaq 100 ETF', 'US'],
  ['DIA', 'Dow Jones ETF', 'US'],
  ['IWM', 'Russell 2000 ETF', 'US'],
  ['AAPL', 'Apple', 'US'],
  ['NVDA', 'NVIDIA', 'US'],
  ['TSLA', 'Tesla', 'US'],
  ['MSFT', 'Microsoft', 'US'],
  ['005930.KS', '삼성전자', 'KR'],
  ['000660.KS', 'SK하이닉스', 'KR'],
  ['035420.KS', 'NAVER', 'KR'],
  ['GLD', 'Gold ETF', 'US'],
  ['TLT', 'Treasury 20+ ETF', 'US'],
  ['SH', 'S&P 500 Inverse', 'US'],
  ['PSQ', 'Nasdaq Inverse', 'US'],
  ['SDS', 'S&P 500 2x Inverse', 'US'],
  ['SQQQ', 'Nasdaq 3x Inverse', 'US'],
  ['SPXU', 'S&P 500 3x Inverse', 'US'],
];
const HELD = ['QQQ (System 1)', 'TSLA (System 2)', '005930.KS (System 1)', '000660.KS (System 2)'];

const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/app/scripts/check_positions.py", line 546, in <module>',
  '    asyncio.run(main())',
  '  File "/usr/local/lib/python3.12/asyncio/runners.py", line 194, in run',
  '    return runner.run(main)',
  '           ^^^^^^^^^^^^^^^^',
  '  File "/usr/local/lib/python3.12/asyncio/runners.py", line 118, in run',
  '    return self._loop.run_until_complete(task)',
  '           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/usr/local/lib/python3.12/asyncio/base_events.py", line 691, in run_until_complete',
  '    return future.result()',
  '           ^^^^^^^^^^^^^^^',
  '  File "/app/scripts/check_positions.py", line 345, in _run_checks',
  '    open_positions = tracker.get_open_positions()',
  '                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/app/src/position_tracker.py", line 71, in from_dict',
  '    return cls(**data)',
  '           ^^^^^^^^^^^',
  "TypeError: Position.__init__() got an unexpected keyword argument 'entry_reason'",
];

export type RunKind = 'quiet' | 'signal' | 'send-failed' | 'crash' | 'stop-loss' | 'symbol-error';

export interface GeneratedSummary {
  bytes: number;
  runs: number;
  byKind: Record<RunKind, number>;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Python's default asctime: `2026-02-23 07:00:02,114` (here UTC, as Debian cron writes it). */
function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},${pad(d.getUTCMilliseconds(), 3)}`;
}

function pickKind(r: number, forced?: RunKind): RunKind {
  if (forced) return forced;
  if (r < 0.8) return 'quiet';
  if (r < 0.9) return 'signal';
  if (r < 0.93) return 'send-failed';
  if (r < 0.96) return 'crash';
  if (r < 0.98) return 'stop-loss';
  return 'symbol-error';
}

/** One 16:00 KST run (stamped 07:00 UTC) of check_positions.py; returns its text and kind. */
function runText(day: number, rand: () => number, forced?: RunKind): { text: string; kind: RunKind } {
  const kind = pickKind(rand(), forced);
  let t = day + 7 * 3_600_000 + 2000 + Math.floor(rand() * 400);
  const out: string[] = [];
  const log = (logger: string, level: string, message: string, stepMs = 1) => {
    t += stepMs;
    out.push(`${stamp(t)} - ${logger} - ${level} - ${message}`);
  };
  const main = (message: string, stepMs = 1, level = 'INFO') => log('__main__', level, message, stepMs);
  main('=== 통합 포지션 & 시그널 체크 시작 ===');
  main('한국거래소 (KRX): 장후 (16:00, 마감 15:30)');
  main('NYSE/NASDAQ: 장전 (02:00, 개장 09:30)');
  if (rand() < 0.95) main('Telegram 채널 활성화', 2);
  main('상관그룹 설정 로드: 18개 심볼', 11);
  if (kind === 'crash') {
    out.push(...TRACEBACK);
    return { text: `${out.join('\n')}\n`, kind };
  }
  main(`오픈 포지션: ${HELD.length}개`, 4);
  for (const held of HELD) {
    main(`체크: ${held}`, 700 + Math.floor(rand() * 100));
    if (kind === 'signal' && held.startsWith('005930')) {
      main('피라미딩 기회: 005930.KS', 800);
      log('src.notifier', 'INFO', 'Telegram 전송 성공: 매매 시그널: 005930.KS', 450);
    }
    if (kind === 'stop-loss' && held.startsWith('TSLA')) {
      main('스톱로스 발동: TSLA (LONG) @ 181.2', 300, 'WARNING');
      log('src.position_tracker', 'INFO', `포지션 청산: TSLA_2_LONG_${new Date(day).getUTCFullYear()}0212_100512 PnL: -173 (-1.00R)`, 2);
      log('src.notifier', 'INFO', 'Telegram 전송 성공: 🛑 STOP LOSS: TSLA', 400);
    }
    if (kind === 'send-failed' && held.startsWith('005930')) {
      main('피라미딩 기회: 005930.KS', 800);
      const reason = 'Cannot connect to host api.telegram.org:443 ssl:default [Name or service not known]';
      log('src.utils', 'WARNING', `Retry 1/2: _send_with_retry - ${reason}`, 1000);
      log('src.utils', 'WARNING', `Retry 2/2: _send_with_retry - ${reason}`, 2000);
      log('src.notifier', 'ERROR', `Telegram 오류 (모든 재시도 소진): ${reason}`, 5);
    }
  }
  for (const [symbol, name, market] of UNIVERSE) {
    main(`시그널 체크: ${name}`, market === 'US' ? 0 : 750);
    if (market === 'US') main(`마켓 비활동 시간: ${symbol} (US) 스킵`);
    else if (kind === 'symbol-error' && symbol === '035420.KS')
      main(`${symbol} 처리 오류: HTTPSConnectionPool(host='fchart.stock.naver.com', port=443): Read timed out.`, 5000, 'ERROR');
    else if (symbol === '005930.KS') main('System 1 포지션 보유 중: 005930.KS', 8);
    else if (symbol === '000660.KS') main('System 2 포지션 보유 중: 000660.KS', 8);
    else if (rand() < 0.5) main('리스크 제한으로 시그널 스킵: 035420.KS - 전체 N 노출 한도 초과', 1);
  }
  main(kind === 'signal' && rand() < 0.3 ? '신규 시그널: 1개' : '신규 시그널 없음');
  main(
    "포지션 요약: {'total_positions': 4, 'open_positions': 4, 'closed_positions': 0, 'total_pnl': 0, 'winning_trades': 0, 'win_rate': 0, 'avg_r_multiple': 0}",
    2,
  );
  main("리스크 요약: {'total_n_exposure': 18383.4, 'long_units': 6, 'short_units': 1, 'positions_count': 4}");
  main('=== 체크 완료 ===');
  return { text: `${out.join('\n')}\n`, kind };
}

/**
 * Writes at least `minBytes` of runs (one per weekday from 2000-01-03 on) to `path`. The file ends with
 * `tail` (by default two crashes in a row), so that evaluating it must end in a firing: a benchmark
 * whose result is never looked at could be fast by being wrong.
 */
export async function generateLog(
  path: string,
  minBytes: number,
  seed = 20260223,
  tail: RunKind[] = ['crash', 'crash'],
): Promise<GeneratedSummary> {
  const rand = prng(seed);
  const stream = createWriteStream(path);
  const summary: GeneratedSummary = {
    bytes: 0,
    runs: 0,
    byKind: { quiet: 0, signal: 0, 'send-failed': 0, crash: 0, 'stop-loss': 0, 'symbol-error': 0 },
  };
  let day = Date.UTC(2000, 0, 3);
  let pending: string[] = [];
  let pendingBytes = 0;
  let tailLeft = tail.length;
  while (summary.bytes < minBytes || tailLeft > 0) {
    const weekday = new Date(day).getUTCDay();
    if (weekday >= 1 && weekday <= 5) {
      const forced = summary.bytes < minBytes ? undefined : tail[tail.length - tailLeft--];
      const { text, kind } = runText(day, rand, forced);
      const bytes = Buffer.byteLength(text);
      pending.push(text);
      pendingBytes += bytes;
      summary.bytes += bytes;
      summary.runs++;
      summary.byKind[kind]++;
      if (pendingBytes > 1 << 20) {
        if (!stream.write(pending.join(''))) await once(stream, 'drain');
        pending = [];
        pendingBytes = 0;
      }
    }
    day += 86_400_000;
  }
  stream.end(pending.join(''));
  await once(stream, 'finish');
  return summary;
}

// Run as a script only when this very file is the entry: bundled into log-eval's child (where
// import.meta.url is the bundle's) it must not treat the child's arguments as an output path.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && /generate-log\.ts$/.test(process.argv[1] ?? '')) {
  const path = process.argv[2];
  if (!path) {
    console.error('usage: generate-log.ts <path> [megabytes]');
    process.exit(2);
  }
  const mb = Number(process.argv[3] ?? 200);
  const summary = await generateLog(path, mb * 1024 * 1024);
  console.log(JSON.stringify(summary));
}
