// What the guarded system's jobs write, line by line: check_positions.py (v3.2.1), signal_check.py
// (v3.2.0) and daily_report.py in the asctime format of reference §2, their Telegram lines (§3) and
// tracebacks, plus Python-exact renderings of the values inside those lines and of positions.json.
import type { Instant } from '../../src/core/types.ts';
import { asctime, marketOf, marketStatus, shouldCheckSignals, wallClock, type StampZone } from './calendar.ts';
import type { TelegramFailureCause } from './faults.ts';

/** Deterministic random source (the simulator's seeded PRNG). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

// ---------------------------------------------------------------------------------------------
// Python renderings (repr of floats, strings and dicts; json.dump with indent=2)

/** `repr(float)`: shortest round-trip digits like JS, but `98400.0` for integral values and Python's exponent rules. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Object.is(x, -0)) return '-0.0';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exp] = x.toExponential().split('e') as [string, string];
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** `format(x, ',.Nf')` / `format(x, '.Nf')`, with Python's round-half-even on exact ties. */
export function pyFixed(x: number, digits: number, thousands = false): string {
  let s = x.toFixed(digits);
  if (digits === 0 && Math.abs(x % 1) === 0.5) {
    const down = x < 0 ? Math.ceil(x) : Math.floor(x);
    const even = down % 2 === 0 ? down : down + Math.sign(x);
    s = even.toFixed(0);
  }
  if (!thousands) return s;
  const [int, frac] = s.split('.') as [string, string | undefined];
  const sign = int.startsWith('-') ? '-' : '';
  const grouped = int.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}

/** `repr(str)`: single quotes unless the text has one and no double quote. */
export function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** `repr(dict)` from already-rendered values. */
export const pyDict = (entries: readonly (readonly [string, string])[]): string =>
  `{${entries.map(([k, v]) => `${pyStr(k)}: ${v}`).join(', ')}}`;

export const pyList = (items: readonly string[]): string => `[${items.join(', ')}]`;

/** Keys Python writes as int in positions.json / entries.json (everything else numeric is a float). */
const INT_KEYS = new Set(['system', 'units', 'max_units', 'shares_per_unit', 'total_shares', 'pyramid_level', 'exit_period', 'shares']);

function jsonValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return INT_KEYS.has(key) && Number.isInteger(value) ? String(value) : pyJsonFloat(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value); // same escapes as json.dumps(ensure_ascii=False)
  return JSON.stringify(value);
}

/** json.dumps float: like repr, but NaN/Infinity spelled the JSON-extension way. */
function pyJsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return pyFloat(x);
}

/** `json.dump(list_of_dicts, f, ensure_ascii=False, indent=2)`: key order kept, no trailing newline. */
export function dumpRecords(records: readonly Readonly<Record<string, unknown>>[]): string {
  if (records.length === 0) return '[]';
  const objects = records.map((r) => {
    const keys = Object.keys(r);
    if (keys.length === 0) return '  {}';
    return `  {\n${keys.map((k) => `    ${JSON.stringify(k)}: ${jsonValue(k, r[k])}`).join(',\n')}\n  }`;
  });
  return `[\n${objects.join(',\n')}\n]`;
}

/**
 * The message `json.loads` raises for a document, as `safe_load_json` logs it. Only the shapes the
 * simulator produces are covered: empty/garbage (`Expecting value`) and a cut inside a string.
 */
export function pythonJsonError(content: string): string {
  const firstNonSpace = content.search(/\S/);
  if (firstNonSpace === -1 || !'[{"-0123456789tfn'.includes(content[firstNonSpace]!)) {
    const pos = firstNonSpace === -1 ? content.length : firstNonSpace;
    return `Expecting value: ${pyPos(content, pos)}`;
  }
  // Find an unterminated string: walk strings outside escapes.
  let inString = false;
  let start = 0;
  for (let i = 0; i < content.length; i++) {
    const ch = content[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      start = i;
    }
  }
  if (inString) return `Unterminated string starting at: ${pyPos(content, start)}`;
  return `Expecting value: ${pyPos(content, content.length)}`;
}

function pyPos(doc: string, pos: number): string {
  const lineno = doc.slice(0, pos).split('\n').length;
  const lastNl = doc.lastIndexOf('\n', pos - 1);
  const colno = lastNl === -1 ? pos + 1 : pos - lastNl;
  return `line ${lineno} column ${colno} (char ${pos})`;
}

// ---------------------------------------------------------------------------------------------
// Positions as the guarded system stores them

export interface SimPosition {
  position_id: string;
  symbol: string;
  system: number;
  direction: 'LONG' | 'SHORT';
  entry_date: string;
  entry_price: number;
  entry_n: number;
  units: number;
  max_units: number;
  shares_per_unit: number;
  total_shares: number;
  stop_loss: number;
  pyramid_level: number;
  exit_period: number;
  status: 'open' | 'closed';
  last_update: string;
  exit_date: string | null;
  exit_price: number | null;
  exit_reason: string | null;
  pnl: number | null;
  pnl_pct: number | null;
  r_multiple: number | null;
  /** v3.9.0+: written on every save, null unless something set it. */
  entry_reason?: string | null;
}

export interface SimEntry {
  entry_id: string;
  position_id: string;
  entry_date: string;
  entry_price: number;
  shares: number;
  pyramid_level: number;
  n_value: number;
}

/** What `_load_positions` returns, or where `Position.from_dict` crashes on an unknown key. */
export type PositionsRead = { kind: 'ok'; valid: SimPosition[]; skipped: string[] } | { kind: 'crash'; skipped: string[]; key: string };

export interface CloseOutcome {
  record: SimPosition;
  /** Name of the day's first backup, when this save created it (`positions_YYYYMMDD.json`). */
  backupCreated?: string;
  backupsDeleted: string[];
}

/** The data directory as a run sees it; the simulator implements it over its own state. */
export interface RunStore {
  /** `safe_load_json`: a file that does not parse is replaced by the newest `positions_*.json` backup. */
  healIfCorrupt(at: Instant): { error: string; restoredFrom?: string } | undefined;
  read(): PositionsRead;
  /** `close_position`: undefined when the id is not an open position in the file (nothing written, nothing logged). */
  close(positionId: string, exitPrice: number, reason: string, at: Instant): CloseOutcome | undefined;
  saveSignal(at: Instant): void;
  /** Signals saved on a job-local date (`signals_YYYYMMDD.parquet`). */
  signalsOn(date: string): number;
  touchCache(symbol: string, at: Instant): void;
  cacheStats(at: Instant): { files: number; sizeMb: number };
  /** `cleanup_old_cache(max_age_days=7)`: number of files deleted. */
  cleanupCache(at: Instant): number;
}

// ---------------------------------------------------------------------------------------------
// Universe

/** v3.2.1 `config/universe.yaml` (18 symbols), in the order check_positions walks it. */
export const UNIVERSE: readonly (readonly [symbol: string, name: string])[] = [
  ['SPY', 'S&P 500 ETF'],
  ['QQQ', 'Nasdaq 100 ETF'],
  ['DIA', 'Dow Jones ETF'],
  ['IWM', 'Russell 2000 ETF'],
  ['AAPL', 'Apple'],
  ['NVDA', 'NVIDIA'],
  ['TSLA', 'Tesla'],
  ['MSFT', 'Microsoft'],
  ['005930.KS', '삼성전자'],
  ['000660.KS', 'SK하이닉스'],
  ['035420.KS', 'NAVER'],
  ['GLD', 'Gold ETF'],
  ['TLT', 'Treasury 20+ ETF'],
  ['SH', 'S&P 500 Inverse'],
  ['PSQ', 'Nasdaq Inverse'],
  ['SDS', 'S&P 500 2x Inverse'],
  ['SQQQ', 'Nasdaq 3x Inverse'],
  ['SPXU', 'S&P 500 3x Inverse'],
];

/** UniverseManager defaults that signal_check.py (v3.2.0) walks: `대상 종목: 8개`. */
export const DEFAULT_SYMBOLS: readonly string[] = ['SPY', 'QQQ', 'DIA', 'IWM', 'GLD', 'TLT', 'SH', 'SQQQ'];

/** Typical N (20-day ATR) per symbol, absolute price units. */
export const TYPICAL_N: Readonly<Record<string, number>> = {
  SPY: 7.9,
  QQQ: 9.4,
  DIA: 6.1,
  IWM: 4.2,
  AAPL: 4.8,
  NVDA: 6.2,
  TSLA: 14.2,
  MSFT: 8.1,
  '005930.KS': 2850,
  '000660.KS': 9800,
  '035420.KS': 6100,
  GLD: 4.1,
  TLT: 1.3,
  SH: 0.4,
  PSQ: 0.6,
  SDS: 0.9,
  SQQQ: 2.2,
  SPXU: 0.8,
};

// ---------------------------------------------------------------------------------------------
// The writer: a clock that advances with the run and stamps lines in the job's zone

export type Level = 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

export interface WrittenLine {
  /** True instant the line was appended to the file. */
  at: Instant;
  text: string;
}

/** Thrown inside a writer to end the run early; never escapes `runScript`. */
class RunStop {
  constructor(readonly reason: 'killed' | 'hung') {}
}

export class RunWriter {
  readonly lines: WrittenLine[] = [];
  t: Instant;

  /**
   * @param killAt the process is killed at this instant (container stopped or recreated): no line at or after it.
   * @param hang the process blocks forever at its first network fetch.
   */
  constructor(
    start: Instant,
    readonly zone: StampZone,
    readonly rng: Rng,
    private readonly killAt = Number.POSITIVE_INFINITY,
    private readonly hang = false,
  ) {
    this.t = start;
  }

  wait(ms: number): void {
    this.t += Math.max(0, Math.round(ms));
    if (this.t >= this.killAt) throw new RunStop('killed');
  }

  log(logger: string, level: Level, message: string, gapMs = this.rng.int(0, 2)): void {
    this.wait(gapMs);
    this.lines.push({ at: this.t, text: `${asctime(this.t, this.zone)} - ${logger} - ${level} - ${message}` });
  }

  /** A line without asctime (traceback body), written at the current instant. */
  raw(text: string): void {
    this.lines.push({ at: this.t, text });
  }

  /** Where a hung run blocks: its first network fetch. */
  fetchPoint(): void {
    if (this.hang) throw new RunStop('hung');
  }

  /** One yfinance/FDR fetch: usually under a second, now and then a slow retry. */
  fetch(): void {
    this.wait(this.rng.chance(0.012) ? this.rng.int(4_000, 70_000) : this.rng.int(560, 840));
  }
}

export type TelegramMode = { kind: 'ok' } | { kind: 'silent' } | { kind: 'fail'; cause: TelegramFailureCause };

export interface RunTally {
  /** `Telegram 채널 활성화` (v3.2.1) / `Telegram 채널 추가` (v3.2.0) was logged. */
  channelLine: boolean;
  /** Titles of `Telegram 전송 성공: <title>` lines. */
  successes: string[];
  /** Titles whose send ended in `Telegram 오류 (모든 재시도 소진)`. */
  failures: string[];
  /** Lines of events that always notify (stop loss, exit, pyramid, new signal). */
  events: string[];
  /** Position ids closed (a `포지션 청산` line was written). */
  closed: string[];
}

export type RunOutcome = 'ok' | 'traceback' | 'hung' | 'killed' | 'lock-busy';

export interface RunResult {
  outcome: RunOutcome;
  /** Write instant of the start marker. */
  startedAt?: Instant;
  /** Write instant of the finish marker. */
  finishedAt?: Instant;
  tally: RunTally;
  /** A fault asked for a notify event but the run had nothing to notify about (no open position to pyramid). */
  forcedEventImpossible?: boolean;
}

const MAIN = '__main__';

const FAILURES: Record<TelegramFailureCause, { message: string; attempt: (rng: Rng) => number }> = {
  dns: {
    message: 'Cannot connect to host api.telegram.org:443 ssl:default [Name or service not known]',
    attempt: (rng) => rng.int(4, 60),
  },
  'http-400': { message: 'Telegram 전송 실패: HTTP 400', attempt: (rng) => rng.int(140, 420) },
  'http-401': { message: 'Telegram 전송 실패: HTTP 401', attempt: (rng) => rng.int(140, 420) },
  // aiohttp's default total timeout; str(asyncio.TimeoutError()) is empty, hence the bare " - ".
  timeout: { message: '', attempt: () => 300_000 },
};

export function sendTelegram(w: RunWriter, title: string, mode: TelegramMode, tally: RunTally): void {
  if (mode.kind === 'silent') return; // no channel configured: send_all is a no-op without any line
  if (mode.kind === 'ok') {
    w.log('src.notifier', 'INFO', `Telegram 전송 성공: ${title}`, w.rng.chance(0.03) ? w.rng.int(2_000, 45_000) : w.rng.int(280, 720));
    tally.successes.push(title);
    return;
  }
  const failure = FAILURES[mode.cause];
  // retry_async(max_retries=2, base_delay=1.0): fail, log, sleep 1 s, fail, log, sleep 2 s, fail, raise
  w.log('src.utils', 'WARNING', `Retry 1/2: _send_with_retry - ${failure.message}`, failure.attempt(w.rng));
  w.log('src.utils', 'WARNING', `Retry 2/2: _send_with_retry - ${failure.message}`, 1_000 + failure.attempt(w.rng));
  w.log('src.notifier', 'ERROR', `Telegram 오류 (모든 재시도 소진): ${failure.message}`, 2_000 + failure.attempt(w.rng));
  tally.failures.push(title);
}

export function runScript(body: (result: RunResult) => void): RunResult {
  const result: RunResult = { outcome: 'ok', tally: { channelLine: false, successes: [], failures: [], events: [], closed: [] } };
  try {
    body(result);
  } catch (err) {
    if (!(err instanceof RunStop)) throw err;
    result.outcome = err.reason;
  }
  return result;
}

export function logHeal(w: RunWriter, store: RunStore): void {
  const healed = store.healIfCorrupt(w.t);
  if (!healed) return;
  w.log('src.utils', 'CRITICAL', `JSON 파일 손상: data/positions/positions.json - ${healed.error}`, 1);
  if (healed.restoredFrom) w.log('src.utils', 'INFO', `백업에서 복원: data/positions/backups/${healed.restoredFrom}`, 1);
  else w.log('src.utils', 'ERROR', `복원 실패, 기본값 반환: data/positions/positions.json`, 1);
}

export function logSkips(w: RunWriter, read: PositionsRead): void {
  for (const id of read.skipped) w.log('src.position_tracker', 'WARNING', `잘못된 포지션 데이터 스킵: ${id}`, 0);
}

export const unexpectedKeyError = (key: string): string => `TypeError: Position.__init__() got an unexpected keyword argument '${key}'`;

// ---------------------------------------------------------------------------------------------
// Tracebacks (Python 3.12 layout: carets under the failing expression unless it spans the line)

interface Frame {
  file: string;
  line: number;
  fn: string;
  code: string;
  /** Substring of `code` the carets mark. */
  caret?: string;
}

const ASYNCIO_FRAMES: Frame[] = [
  {
    file: '/usr/local/lib/python3.12/asyncio/runners.py',
    line: 194,
    fn: 'run',
    code: 'return runner.run(main)',
    caret: 'runner.run(main)',
  },
  {
    file: '/usr/local/lib/python3.12/asyncio/runners.py',
    line: 118,
    fn: 'run',
    code: 'return self._loop.run_until_complete(task)',
    caret: 'self._loop.run_until_complete(task)',
  },
  {
    file: '/usr/local/lib/python3.12/asyncio/base_events.py',
    line: 691,
    fn: 'run_until_complete',
    code: 'return future.result()',
    caret: 'future.result()',
  },
];

function tracebackLines(frames: readonly Frame[], error: string): string[] {
  const out = ['Traceback (most recent call last):'];
  for (const f of frames) {
    out.push(`  File "${f.file}", line ${f.line}, in ${f.fn}`);
    out.push(`    ${f.code}`);
    if (f.caret && f.caret !== f.code) out.push(`    ${' '.repeat(f.code.indexOf(f.caret))}${'^'.repeat(f.caret.length)}`);
  }
  out.push(error);
  return out;
}

/** The traceback of `samples/check_kr.log` (a positions.json record `Position.from_dict` cannot load). */
export function checkPositionsTraceback(error: string): string[] {
  return tracebackLines(
    [
      { file: '/app/scripts/check_positions.py', line: 546, fn: '<module>', code: 'asyncio.run(main())' },
      ...ASYNCIO_FRAMES,
      { file: '/app/scripts/check_positions.py', line: 310, fn: 'main', code: 'await _run_checks()' },
      {
        file: '/app/scripts/check_positions.py',
        line: 345,
        fn: '_run_checks',
        code: 'open_positions = tracker.get_open_positions()',
        caret: 'tracker.get_open_positions()',
      },
      {
        file: '/app/src/position_tracker.py',
        line: 293,
        fn: 'get_open_positions',
        code: 'positions = self._load_positions()',
        caret: 'self._load_positions()',
      },
      {
        file: '/app/src/position_tracker.py',
        line: 129,
        fn: '_load_positions',
        code: 'valid_positions.append(Position.from_dict(p))',
        caret: 'Position.from_dict(p)',
      },
      { file: '/app/src/position_tracker.py', line: 71, fn: 'from_dict', code: 'return cls(**data)', caret: 'cls(**data)' },
    ],
    error,
  );
}

function signalCheckTraceback(error: string): string[] {
  return tracebackLines(
    [
      { file: '/app/scripts/signal_check.py', line: 193, fn: '<module>', code: 'asyncio.run(main())' },
      ...ASYNCIO_FRAMES,
      { file: '/app/scripts/signal_check.py', line: 142, fn: 'main', code: 'data_store.save_ohlcv(symbol, df)' },
      { file: '/app/src/data_store.py', line: 47, fn: 'save_ohlcv', code: 'df.to_parquet(path)' },
    ],
    error,
  );
}

function dailyReportTraceback(error: string): string[] {
  return tracebackLines(
    [
      { file: '/app/scripts/daily_report.py', line: 191, fn: '<module>', code: 'asyncio.run(main())' },
      ...ASYNCIO_FRAMES,
      {
        file: '/app/scripts/daily_report.py',
        line: 177,
        fn: 'main',
        code: 'report_data = generate_report(data_store, tracker, risk_manager)',
        caret: 'generate_report(data_store, tracker, risk_manager)',
      },
      {
        file: '/app/scripts/daily_report.py',
        line: 95,
        fn: 'generate_report',
        code: 'cache_stats = data_store.get_cache_stats()',
        caret: 'data_store.get_cache_stats()',
      },
      { file: '/app/src/data_store.py', line: 212, fn: 'get_cache_stats', code: 'total_size += f.stat().st_size', caret: 'f.stat()' },
    ],
    error,
  );
}

export const DEFAULT_TRACEBACK_ERROR: Readonly<Record<'check_positions.py' | 'signal_check.py' | 'daily_report.py', string>> = {
  'check_positions.py': unexpectedKeyError('entry_reason'),
  'signal_check.py': 'OSError: [Errno 28] No space left on device',
  'daily_report.py': "FileNotFoundError: [Errno 2] No such file or directory: 'data/cache/SPY_ohlcv.parquet'",
};

function writeTraceback(w: RunWriter, lines: readonly string[], result: RunResult): void {
  w.wait(w.rng.int(2, 30));
  for (const line of lines) w.raw(line);
  result.outcome = 'traceback';
}

// ---------------------------------------------------------------------------------------------
// Portfolio risk bookkeeping of check_positions (PortfolioRiskManager), rendered like Python

class RiskBook {
  private total = 0;
  private touched = false; // int 0 until a float is added
  private numpy = false; // a signal's N is a numpy float: the sum prints as np.float64(…)
  private long = 0;
  private short = 0;
  private count = 0;

  add(units: number, n: number, direction: string, fromSignal = false): void {
    this.total += units * n;
    this.touched = true;
    this.numpy ||= fromSignal;
    if (direction === 'LONG') this.long += units;
    else this.short += units;
    this.count++;
  }

  remove(units: number, n: number, direction: string): void {
    this.total -= units * n;
    if (direction === 'LONG') this.long -= units;
    else this.short -= units;
    this.count--;
  }

  /** The portfolio cap on total N exposure (absolute price units against 10: reference §3). */
  canAdd(n: number): boolean {
    return this.total + n <= 10;
  }

  repr(): string {
    const total = !this.touched ? '0' : this.numpy ? `np.float64(${pyFloat(this.total)})` : pyFloat(this.total);
    return pyDict([
      ['total_n_exposure', total],
      ['long_units', String(this.long)],
      ['short_units', String(this.short)],
      ['positions_count', String(this.count)],
    ]);
  }
}

/** `tracker.get_summary()` as check_positions logs it. */
function summaryRepr(valid: readonly SimPosition[]): string {
  const closed = valid.filter((p) => p.status === 'closed');
  const open = valid.filter((p) => p.status === 'open');
  let totalPnl = 0;
  let totalR = 0;
  for (const p of closed) {
    totalPnl += p.pnl ?? 0;
    totalR += p.r_multiple ?? 0;
  }
  const winning = closed.filter((p) => (p.pnl ?? 0) > 0).length;
  const num = (x: number): string => (closed.length === 0 ? '0' : pyFloat(x));
  return pyDict([
    ['total_positions', String(valid.length)],
    ['open_positions', String(open.length)],
    ['closed_positions', String(closed.length)],
    ['total_pnl', num(totalPnl)],
    ['winning_trades', String(winning)],
    ['win_rate', num(closed.length === 0 ? 0 : (winning / closed.length) * 100)],
    ['avg_r_multiple', num(closed.length === 0 ? 0 : totalR / closed.length)],
  ]);
}

// ---------------------------------------------------------------------------------------------
// check_positions.py (v3.2.1)

export interface PlannedClose {
  kind: 'stop' | 'exit';
  /** The day's close, printed in the `스톱로스 발동 … @ <close>` line. */
  closePrice: number;
  /** Donchian exit price (`exit`); a stop loss closes at the position's stop_loss. */
  exitPrice: number;
}

export interface Breakout {
  symbol: string;
  systems: readonly number[];
  direction: 'LONG' | 'SHORT';
  n: number;
}

export interface CheckRunPlan {
  telegram: TelegramMode;
  channelLine: boolean;
  /** traceback-run: the final exception line. */
  crashError?: string;
  criticalText?: string;
  closes: ReadonlyMap<string, PlannedClose>;
  pyramids: ReadonlySet<string>;
  /** A fault needs a notify event in this run: add a pyramid chance if the market gave none. */
  forceEvent: boolean;
  /** event-without-success: events are logged, nothing is sent. */
  silentEvents: boolean;
  /** Breakouts on the bars current at this run (any symbol; gating decides which are looked at). */
  breakouts: readonly Breakout[];
  /** Symbols whose fetch comes back empty this run (`yfinance 데이터 없음`). */
  noData: ReadonlySet<string>;
  /** What differs in later releases (absent: v3.2.1 exactly). */
  release?: CheckReleaseTraits;
}

/** How a later release's check_positions.py differs in a normal run. */
export interface CheckReleaseTraits {
  /** Logger of `Telegram 채널 활성화`: `src.script_helpers` from v3.3.0 (setup_notifier moved there). */
  channelLogger: string;
  /** Logger of `상관그룹 설정 로드`: `src.script_helpers` from v3.6.0 (setup_risk_manager moved there). */
  riskLogger: string;
  /** Symbols in config/correlation_groups.yaml (18 up to v3.8.x, 42 at v3.9.0). */
  correlationSymbols: number;
  /** config/universe.yaml in walking order. */
  universe: readonly (readonly [symbol: string, name: string])[];
  /** v3.9.0: anomaly detection over closed trades logs `이상 거래 없음` before the summary. */
  anomalyCheck: boolean;
  /** v3.5.0+: a close is also saved as a trade record (`거래 기록 저장: <symbol>`, src.data_store). */
  recordsTrades: boolean;
}

export function writeCheckPositions(w: RunWriter, store: RunStore, plan: CheckRunPlan, lockBusy: boolean): RunResult {
  return runScript((result) => {
    const { tally } = result;
    const notify = (title: string): void => {
      if (!plan.silentEvents) sendTelegram(w, title, plan.telegram, tally);
    };
    if (lockBusy) {
      w.log(MAIN, 'WARNING', '이미 다른 인스턴스가 실행 중입니다. 종료합니다.', 0);
      result.outcome = 'lock-busy';
      return;
    }
    w.log(MAIN, 'INFO', '=== 통합 포지션 & 시그널 체크 시작 ===', 0);
    result.startedAt = w.t;
    w.log(MAIN, 'INFO', marketStatus('KR', w.t), 1);
    w.log(MAIN, 'INFO', marketStatus('US', w.t), 0);
    if (plan.channelLine) {
      w.log(plan.release?.channelLogger ?? MAIN, 'INFO', 'Telegram 채널 활성화', 2);
      tally.channelLine = true;
    }
    w.log(
      plan.release?.riskLogger ?? MAIN,
      'INFO',
      `상관그룹 설정 로드: ${plan.release?.correlationSymbols ?? 18}개 심볼`,
      w.rng.int(9, 13),
    );

    // 1. open positions (safe_load_json may heal the file first)
    logHeal(w, store);
    const first = store.read();
    logSkips(w, first);
    if (plan.crashError !== undefined || first.kind === 'crash') {
      const error = first.kind === 'crash' ? unexpectedKeyError(first.key) : plan.crashError!;
      writeTraceback(w, checkPositionsTraceback(error), result);
      return;
    }
    const open = first.valid.filter((p) => p.status === 'open');
    w.log(MAIN, 'INFO', `오픈 포지션: ${open.length}개`, w.rng.int(3, 5));
    const risk = new RiskBook();
    for (const p of open) risk.add(p.units, p.entry_n, p.direction);

    const pyramids = new Set([...plan.pyramids].filter((id) => open.some((p) => p.position_id === id)));
    const natural = open.some((p) => plan.closes.has(p.position_id) || pyramids.has(p.position_id));
    if (plan.forceEvent && !natural) {
      const candidate = open.find((p) => p.units < p.max_units);
      if (candidate) pyramids.add(candidate.position_id);
      else result.forcedEventImpossible = true;
    }

    for (const [i, pos] of open.entries()) {
      w.log(MAIN, 'INFO', `체크: ${pos.symbol} (System ${pos.system})`, i === 0 ? 1 : 0);
      w.fetchPoint();
      w.fetch();
      const close = plan.closes.get(pos.position_id);
      if (close) {
        let event: string;
        let outcome: CloseOutcome | undefined;
        if (close.kind === 'stop') {
          event = `스톱로스 발동: ${pos.symbol} (${pos.direction}) @ ${pyFloat(close.closePrice)}`;
          w.log(MAIN, 'WARNING', event, 0);
          outcome = store.close(pos.position_id, pos.stop_loss, 'Stop Loss', w.t + 1);
        } else {
          event = `청산 시그널: ${pos.symbol}`;
          w.log(MAIN, 'INFO', event, 0);
          const verb = pos.direction === 'LONG' ? '롱 청산' : '숏 청산';
          const how = pos.direction === 'LONG' ? '이탈' : '돌파';
          outcome = store.close(
            pos.position_id,
            close.exitPrice,
            `System ${pos.system} ${verb}: ${close.exitPrice.toFixed(2)} ${how}`,
            w.t + 1,
          );
        }
        tally.events.push(event);
        if (outcome) {
          if (outcome.backupCreated) w.log('src.utils', 'INFO', `백업 생성: data/positions/backups/${outcome.backupCreated}`, 0);
          for (const name of outcome.backupsDeleted) w.log('src.utils', 'INFO', `오래된 백업 삭제: data/positions/backups/${name}`, 0);
          const r = outcome.record;
          w.log(
            'src.position_tracker',
            'INFO',
            `포지션 청산: ${r.position_id} PnL: ${pyFixed(r.pnl ?? 0, 0, true)} (${pyFixed(r.r_multiple ?? 0, 2)}R)`,
            w.rng.int(2, 4),
          );
          tally.closed.push(r.position_id);
          if (plan.release?.recordsTrades) w.log('src.data_store', 'INFO', `거래 기록 저장: ${pos.symbol}`, w.rng.int(3, 12));
        }
        risk.remove(pos.units, pos.entry_n, pos.direction);
        if (close.kind === 'exit') store.saveSignal(w.t);
        notify(`매매 시그널: ${pos.symbol}`);
        continue;
      }
      if (pyramids.has(pos.position_id)) {
        const event = `피라미딩 기회: ${pos.symbol}`;
        w.log(MAIN, 'INFO', event, 0);
        tally.events.push(event);
        notify(`매매 시그널: ${pos.symbol}`);
      }
    }

    // 2. new entry signals over the universe (market-gated)
    const accepted: { symbol: string; n: number }[] = [];
    for (const [symbol, name] of plan.release?.universe ?? UNIVERSE) {
      w.log(MAIN, 'INFO', `시그널 체크: ${name}`, w.rng.int(0, 8));
      const market = marketOf(symbol);
      if (!shouldCheckSignals(market, w.t)) {
        w.log(MAIN, 'INFO', `마켓 비활동 시간: ${symbol} (${market}) 스킵`, 0);
        continue;
      }
      w.fetchPoint();
      w.fetch();
      if (plan.noData.has(symbol)) {
        w.log('src.data_fetcher', 'WARNING', `yfinance 데이터 없음: ${symbol}`, 0);
        continue;
      }
      const now = store.read();
      logSkips(w, now);
      const held = new Set(
        now.kind === 'ok' ? now.valid.filter((p) => p.status === 'open' && p.symbol === symbol).map((p) => p.system) : [],
      );
      for (const system of [1, 2]) if (held.has(system)) w.log(MAIN, 'INFO', `System ${system} 포지션 보유 중: ${symbol}`, 0);
      for (const b of plan.breakouts.filter((x) => x.symbol === symbol)) {
        for (const system of b.systems) {
          if (held.has(system)) continue;
          if (risk.canAdd(b.n)) {
            accepted.push({ symbol, n: b.n });
            risk.add(1, b.n, b.direction, true);
          } else {
            w.log(MAIN, 'INFO', `리스크 제한으로 시그널 스킵: ${symbol} - 전체 N 노출 한도 초과`, 0);
          }
        }
      }
    }

    // 3. notify new signals
    if (accepted.length > 0) {
      w.log(MAIN, 'INFO', `신규 시그널: ${accepted.length}개`, 1);
      for (const s of accepted) {
        store.saveSignal(w.t);
        tally.events.push(`신규 시그널: ${s.symbol}`);
        notify(`매매 시그널: ${s.symbol}`);
      }
    } else {
      w.log(MAIN, 'INFO', '신규 시그널 없음', 1);
    }
    if (plan.criticalText !== undefined) w.log('src.notifier', 'CRITICAL', plan.criticalText, 1);
    if (plan.release?.anomalyCheck) w.log(MAIN, 'INFO', '이상 거래 없음', w.rng.int(1, 4));

    // 4. summary
    const last = store.read();
    logSkips(w, last);
    w.log(MAIN, 'INFO', `포지션 요약: ${summaryRepr(last.kind === 'ok' ? last.valid : [])}`, 2);
    w.log(MAIN, 'INFO', `리스크 요약: ${risk.repr()}`, 0);
    w.log(MAIN, 'INFO', '=== 체크 완료 ===', 0);
    result.finishedAt = w.t;
  });
}

// ---------------------------------------------------------------------------------------------
// signal_check.py (v3.2.0): no market gating, no lock, never touches positions

export interface SignalRunPlan {
  telegram: TelegramMode;
  channelLine: boolean;
  crashError?: string;
  criticalText?: string;
  /** Breakouts on the current bars (only DEFAULT_SYMBOLS are looked at). */
  breakouts: readonly Breakout[];
  forceEvent: boolean;
  silentEvents: boolean;
}

export function writeSignalCheck(w: RunWriter, store: RunStore, plan: SignalRunPlan): RunResult {
  return runScript((result) => {
    const { tally } = result;
    w.log(MAIN, 'WARNING', '⚠️ 이 스크립트는 deprecated입니다. scripts/check_positions.py를 사용하세요.', 0);
    w.log(MAIN, 'INFO', '=== 터틀 트레이딩 시그널 체크 시작 ===', 0);
    result.startedAt = w.t;
    if (plan.channelLine) {
      w.log(MAIN, 'INFO', 'Telegram 채널 추가', 3);
      tally.channelLine = true;
    }
    w.log(MAIN, 'INFO', `대상 종목: ${DEFAULT_SYMBOLS.length}개`, 3);
    w.fetchPoint();
    const crashAt = plan.crashError === undefined ? -1 : w.rng.int(2, DEFAULT_SYMBOLS.length - 1);
    for (const [i, symbol] of DEFAULT_SYMBOLS.entries()) {
      w.fetch();
      if (i === crashAt) {
        writeTraceback(w, signalCheckTraceback(plan.crashError!), result);
        return;
      }
      store.touchCache(symbol, w.t);
      w.log('src.data_store', 'INFO', `OHLCV 저장: ${symbol} -> data/cache/${symbol}_ohlcv.parquet`, 0);
    }
    const signals: string[] = [];
    for (const b of plan.breakouts)
      if (DEFAULT_SYMBOLS.includes(b.symbol)) for (let i = 0; i < b.systems.length; i++) signals.push(b.symbol);
    if (plan.forceEvent && signals.length === 0) signals.push(w.rng.pick(DEFAULT_SYMBOLS));
    if (signals.length === 0) {
      w.log(MAIN, 'INFO', '오늘 발생한 시그널 없음', w.rng.int(3, 5));
    } else {
      w.log(MAIN, 'INFO', `발견된 시그널: ${signals.length}개`, w.rng.int(3, 5));
      tally.events.push(`발견된 시그널: ${signals.length}개`);
      for (const symbol of signals) {
        store.saveSignal(w.t);
        if (!plan.silentEvents) sendTelegram(w, `매매 시그널: ${symbol}`, plan.telegram, tally);
      }
    }
    if (plan.criticalText !== undefined) w.log('src.notifier', 'CRITICAL', plan.criticalText, 1);
    w.log(MAIN, 'INFO', '=== 시그널 체크 완료 ===', 1);
    result.finishedAt = w.t;
  });
}

// ---------------------------------------------------------------------------------------------
// daily_report.py (both versions): always sends `일일 리포트`, never logs channel activation

export interface ReportRunPlan {
  telegram: TelegramMode;
  crashError?: string;
  criticalText?: string;
  /** v3.3.0+: setup_notifier of src.script_helpers logs the channel line (absent: v3.2.x, which does not). */
  channelLogger?: string;
  /** v3.9.0+: after the report, `send_pnl_summary` sends `일일 PnL 요약`. */
  pnlSummary?: boolean;
}

export function writeDailyReport(w: RunWriter, store: RunStore, plan: ReportRunPlan): RunResult {
  return runScript((result) => {
    const { tally } = result;
    w.log(MAIN, 'INFO', '=== 일일 리포트 생성 시작 ===', 0);
    result.startedAt = w.t;
    if (plan.channelLogger !== undefined && plan.telegram.kind !== 'silent') {
      w.log(plan.channelLogger, 'INFO', 'Telegram 채널 활성화', 2);
      tally.channelLine = true;
    }
    w.fetchPoint();
    w.wait(w.rng.int(25, 90));
    const today = wallClock(w.t, w.zone).date; // datetime.now() of the job: the UTC date under Debian cron
    const cache = store.cacheStats(w.t);
    logHeal(w, store);
    const read = store.read();
    logSkips(w, read);
    let open: SimPosition[] = [];
    if (read.kind === 'crash') {
      w.log(MAIN, 'WARNING', `오픈 포지션 조회 실패: ${unexpectedKeyError(read.key).replace(/^TypeError: /, '')}`, 0);
    } else {
      open = read.valid.filter((p) => p.status === 'open');
    }
    if (plan.crashError !== undefined) {
      writeTraceback(w, dailyReportTraceback(plan.crashError), result);
      return;
    }
    const details = open.map((p) =>
      pyDict([
        ['symbol', pyStr(p.symbol)],
        ['system', String(p.system)],
        ['entry_price', pyFloat(p.entry_price)],
        ['units', String(p.units)],
        ['direction', pyStr(p.direction)],
      ]),
    );
    const report = pyDict([
      ['날짜', pyStr(today)],
      ['마켓 상태', pyStr(`KR: ${marketStatus('KR', w.t)} | US: ${marketStatus('US', w.t)}`)],
      ['오늘 시그널', String(store.signalsOn(today))],
      ['오픈 포지션', String(open.length)],
      ['포지션 상세', pyList(details)],
      ['리스크 요약', new RiskBook().repr()],
      ['30일 거래수', '0'],
      ['30일 승률', pyStr('0.0%')],
      ['30일 수익', pyStr('$0.00')],
      ['R배수 분포', '{}'],
      ['시스템 비교', '{}'],
      ['캐시 파일', String(cache.files)],
      ['데이터 크기', pyStr(`${cache.sizeMb.toFixed(1)}MB`)],
    ]);
    w.log(MAIN, 'INFO', `리포트 데이터: ${report}`, w.rng.int(15, 60));
    sendTelegram(w, '일일 리포트', plan.telegram, tally);
    if (plan.pnlSummary) sendTelegram(w, '일일 PnL 요약', plan.telegram, tally);
    const deleted = store.cleanupCache(w.t);
    w.log('src.data_store', 'INFO', `오래된 캐시 삭제: ${deleted}개 파일`, w.rng.int(3, 9));
    if (plan.criticalText !== undefined) w.log('src.notifier', 'CRITICAL', plan.criticalText, 1);
    w.log(MAIN, 'INFO', '=== 일일 리포트 완료 ===', w.rng.int(0, 1));
    result.finishedAt = w.t;
  });
}
