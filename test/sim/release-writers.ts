// What the jobs added after v3.2.1 write in a normal run, line by line, as read from the scripts at
// their tags (`git show v3.6.0:scripts/monitor_positions.py`, health_check.py, check_risk_limits.py,
// backup_data.sh, collect_daily_ohlcv.py, weekly_report.py, monthly_report.py,
// fetch_universe_charts.py), plus supercronic's own stdout lines as `docker logs` shows them.
// Normal operation only: these writers have no fault paths.
import type { Instant } from '../../src/core/types.ts';
import { asctime, marketOf, wallClock, type SupercronicFamily } from './calendar.ts';
import {
  logHeal,
  logSkips,
  pyFixed,
  pythonJsonError,
  runScript,
  sendTelegram,
  type Level,
  type RunResult,
  type RunStore,
  type RunWriter,
  type SimPosition,
  type TelegramMode,
} from './log-writers.ts';
import { OHLCV_SYMBOLS_V39 } from './release-data.ts';

const MAIN = '__main__';
const HELPERS = 'src.script_helpers';

/** The data directory as the later jobs see it: the v3.2 store plus what health_check and the reports read. */
export interface ReleaseStore extends RunStore {
  /** positions.json as it is on disk (health_check `json.load`s it itself). */
  positionsText(): string;
  /** Records of positions.json as Python loads them (undefined: not a JSON list). */
  rawRecords(): Record<string, unknown>[] | undefined;
  /** mtime of the newest `data/cache/*.parquet`, undefined when there is none. */
  newestCache(): Instant | undefined;
}

export interface ReleaseRunResult extends RunResult {
  /** The process's exit status (health_check.py exits 1 in the container: `.env` is not there). */
  exitCode: number;
}

export interface ReleaseRunPlan {
  family: SupercronicFamily;
  telegram: TelegramMode;
  /** `Telegram 채널 활성화` (src.script_helpers) is logged when the channel is configured. */
  channelLine: boolean;
}

function finish(result: RunResult, exitCode = 0): ReleaseRunResult {
  return { ...result, exitCode };
}

function channel(w: RunWriter, plan: ReleaseRunPlan, result: RunResult, logger = HELPERS): void {
  if (!plan.channelLine) return;
  w.log(logger, 'INFO', 'Telegram 채널 활성화', w.rng.int(2, 14));
  result.tally.channelLine = true;
}

/** Symbols in config/correlation_groups.yaml, as `상관그룹 설정 로드` counts them. */
export const correlationSymbols = (family: SupercronicFamily): number => (family === 'v3.9' ? 42 : 18);

// ---------------------------------------------------------------------------------------------
// monitor_positions.py (v3.6.0+): every 5 minutes in market hours; root logger → logs/monitor.log
// (TimedRotatingFileHandler) and stderr (supercronic relays it into `docker logs`)

/** `is_market_open`: a session day and inside the session, by the market's own clock. */
function marketOpen(symbol: string, at: Instant): boolean {
  const market = marketOf(symbol);
  const w = wallClock(at, market === 'KR' ? 'Asia/Seoul' : 'US/Eastern');
  if (w.weekday === 0 || w.weekday === 6) return false;
  const minutes = w.hour * 60 + w.minute;
  return market === 'KR' ? minutes >= 9 * 60 && minutes <= 15 * 60 + 30 : minutes >= 9 * 60 + 30 && minutes <= 16 * 60;
}

/** What a monitor run sees of a position whose stop is breached intraday (a stop-loss day of the market plan). */
export interface IntradayBreach {
  /** The spot price the run fetches. */
  price: number;
  /** First run to see the breach: `monitor_state` has not alerted it yet. */
  stopAlert: boolean;
  /**
   * `monitor_state`'s last loss warning per position (read and updated here): a loss of 5% or more
   * warns again once 60 minutes have passed by the process's own clock.
   */
  lastWarnings: Map<string, Instant>;
}

export function writeMonitorPositions(
  w: RunWriter,
  store: ReleaseStore,
  plan: ReleaseRunPlan,
  breaches: ReadonlyMap<string, IntradayBreach> = new Map(),
): ReleaseRunResult {
  const result = runScript((r) => {
    w.log(MAIN, 'INFO', '=== 포지션 장중 모니터링 시작 ===', 0);
    r.startedAt = w.t;
    channel(w, plan, r);
    logHeal(w, store);
    const read = store.read();
    logSkips(w, read);
    if (read.kind === 'crash') {
      // get_open_positions raises inside the `try`: the script logs it and ends normally
      w.log(MAIN, 'ERROR', `모니터링 오류: Position.__init__() got an unexpected keyword argument '${read.key}'`, 1);
      return;
    }
    const open = read.valid.filter((p) => p.status === 'open');
    if (open.length === 0) {
      w.log(MAIN, 'INFO', '오픈 포지션 없음', w.rng.int(5, 20));
      r.finishedAt = w.t;
      return;
    }
    w.log(MAIN, 'INFO', `모니터링 시작: ${open.length}개 포지션`, w.rng.int(15, 30));
    for (const p of open) {
      // a position whose market is closed only gets a DEBUG line (not written at INFO)
      if (!marketOpen(p.symbol, w.t)) continue;
      w.wait(w.rng.int(180, 650));
      const breach = breaches.get(p.position_id);
      if (!breach) continue;
      if (breach.stopAlert) {
        sendTelegram(w, 'STOP LOSS ALERT (Intraday)', plan.telegram, r.tally);
        const line = `스톱로스 알림: ${p.symbol}`;
        w.log(MAIN, 'WARNING', line, 0);
        r.tally.events.push(line);
      }
      const pct = ((p.direction === 'LONG' ? breach.price - p.entry_price : p.entry_price - breach.price) / p.entry_price) * 100;
      const last = breach.lastWarnings.get(p.position_id) ?? Number.NEGATIVE_INFINITY;
      if (pct <= -5 && w.t - last >= 60 * 60_000) {
        breach.lastWarnings.set(p.position_id, w.t);
        sendTelegram(w, 'UNREALIZED LOSS WARNING (Intraday)', plan.telegram, r.tally);
        const line = `P&L 경고: ${p.symbol} (${pct >= 0 ? '+' : ''}${pyFixed(pct, 2)}%)`;
        w.log(MAIN, 'WARNING', line, 0);
        r.tally.events.push(line);
      }
    }
    w.log(MAIN, 'INFO', '모니터링 완료', w.rng.int(2, 30));
    r.finishedAt = w.t;
  });
  return finish(result);
}

// ---------------------------------------------------------------------------------------------
// health_check.py (v3.5.0+): print() only, stdout unbuffered (PYTHONUNBUFFERED=1)

function ageText(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

export function writeHealthCheck(w: RunWriter, store: ReleaseStore, plan: ReleaseRunPlan): ReleaseRunResult {
  let core: boolean[] = [];
  const result = runScript((r) => {
    const print = (text: string, gap = 0): void => {
      w.wait(gap);
      w.raw(text);
    };
    w.wait(w.rng.int(900, 1_600)); // imports (pandas, yfinance) before the first print
    print('=== Turtle Trading System Health Check ===');
    r.startedAt = w.t;
    print('');
    const check = (ok: boolean, message: string, gap: number): void => {
      core.push(ok);
      print(`${ok ? '[OK]  ' : '[WARN]'} ${message}`, gap);
    };
    check(true, 'Python version: 3.12 (.python-version not found, skipped)', 1); // the image copies no .python-version
    check(true, 'Data directory: data/', 1);
    check(true, 'Python packages: pandas, numpy, yfinance, FinanceDataReader', w.rng.int(600, 1_400));
    const raw = store.rawRecords();
    if (raw === undefined) check(false, `Position file: Invalid JSON - ${pythonJsonError(store.positionsText())}`, 2);
    else check(true, `Position file: valid (${raw.filter((p) => p.status === 'open').length} open positions)`, 2);
    // env_file gives the container its variables, but the file itself is not in the image
    check(false, 'Environment: .env file not found', 1);
    const newest = store.newestCache();
    if (newest === undefined) check(true, 'Data freshness: no cache yet (OK for new install)', 1);
    else if (w.t - newest > 7 * 86_400_000)
      check(false, `Data freshness: last update ${Math.floor((w.t - newest) / 86_400_000)} days ago (stale)`, 1);
    else check(true, `Data freshness: last update ${ageText(w.t - newest)}`, 1);
    check(true, 'Disk space: 41.7GB free', 1);
    if (plan.family === 'v3.8' || plan.family === 'v3.9') {
      check(true, '킬 스위치: 정상 (트레이딩 가능)', 2);
      check(true, 'Position sync: module OK (PositionSyncVerifier, SyncDiscrepancy)', w.rng.int(40, 120));
      check(true, 'VI/CB 감지: 모듈 정상 (Fail-Open 확인)', 2);
    }
    print('');
    print('--- External API Connectivity ---');
    print('[OK]   KIS API: reachable (HTTP 405)', w.rng.int(150, 600));
    print(
      plan.telegram.kind === 'silent'
        ? '[OK]   Telegram: skipped (token not configured)'
        : '[OK]   Telegram: connected (@turtle_signal_bot)',
      w.rng.int(200, 700),
    );
    print(`[OK]   yfinance: connected (SPY last=${pyFixed(586 + w.rng.next() * 30, 2)})`, w.rng.int(900, 3_500));
    print('');
    const passed = core.filter(Boolean).length;
    print(`=== Core: ${passed}/${core.length} passed | External: 3/3 passed ===`);
    r.finishedAt = w.t;
  });
  return finish(result, core.every(Boolean) ? 0 : 1);
}

// ---------------------------------------------------------------------------------------------
// check_risk_limits.py (v3.5.0+): logging.basicConfig → stderr, the table by print(), both `2>&1`

const GROUP_V36: Readonly<Record<string, string>> = {
  SPY: 'us_equity',
  QQQ: 'us_equity',
  DIA: 'us_equity',
  IWM: 'us_equity',
  AAPL: 'us_tech',
  NVDA: 'us_tech',
  TSLA: 'us_tech',
  MSFT: 'us_tech',
  '005930.KS': 'kr_equity',
  '000660.KS': 'kr_equity',
  '035420.KS': 'kr_equity',
  GLD: 'commodity',
  TLT: 'bond',
  SH: 'inverse',
  PSQ: 'inverse',
  SDS: 'inverse',
  SQQQ: 'inverse',
  SPXU: 'inverse',
};

function progressBar(usage: number): string {
  const filled = Math.min(Math.trunc((usage / 100) * 20), 20);
  return `[${'█'.repeat(filled)}${'░'.repeat(20 - filled)}] ${pyFixed(usage, 1)}%`;
}

export function writeRiskCheck(w: RunWriter, store: ReleaseStore, plan: ReleaseRunPlan): ReleaseRunResult {
  const result = runScript((r) => {
    w.log(MAIN, 'INFO', '=== 리스크 한도 모니터링 시작 ===', 0);
    r.startedAt = w.t;
    w.log(HELPERS, 'INFO', `상관그룹 설정 로드: ${correlationSymbols(plan.family)}개 심볼`, w.rng.int(8, 14));
    logHeal(w, store);
    const read = store.read();
    logSkips(w, read);
    if (read.kind === 'crash') {
      w.log(MAIN, 'ERROR', `포지션/리스크 매니저 로드 오류: Position.__init__() got an unexpected keyword argument '${read.key}'`, 1);
      return;
    }
    const open = read.valid.filter((p) => p.status === 'open');
    w.log(MAIN, 'INFO', `오픈 포지션: ${open.length}개`, 1);
    if (open.length === 0) w.log(MAIN, 'INFO', '오픈 포지션 없음 - 모든 한도 사용 중단', 0);
    const rows = riskRows(open);
    const rule = '='.repeat(80);
    w.log(MAIN, 'INFO', rule, 0);
    w.log(MAIN, 'INFO', 'RISK LIMIT MONITOR', 0);
    w.log(MAIN, 'INFO', rule, 0);
    // tabulate is not installed in the image: the script's fallback joins cells with " | "
    w.raw('');
    w.raw(['Metric', 'Current', 'Limit', 'Usage', 'Status'].join(' | '));
    for (const row of rows) w.raw([row.metric, row.current, row.limit, progressBar(row.usage), row.status].join(' | '));
    w.raw('');
    w.raw(rule);
    const criticals = rows.filter((x) => x.status === 'CRITICAL');
    const warnings = rows.filter((x) => x.status === 'WARNING');
    if (criticals.length > 0) {
      w.raw('🔴 CRITICAL LIMITS EXCEEDED:');
      for (const x of criticals) w.raw(`   • ${x.metric}: ${pyFixed(x.usage, 1)}%`);
      w.raw('');
    }
    if (warnings.length > 0) {
      w.raw('🟡 WARNING - APPROACHING LIMITS:');
      for (const x of warnings) w.raw(`   • ${x.metric}: ${pyFixed(x.usage, 1)}%`);
      w.raw('');
    }
    if (criticals.length === 0 && warnings.length === 0) {
      w.raw('🟢 All risk limits within safe range');
      w.raw('');
    }
    w.log(MAIN, 'INFO', rule, 0);
    w.log(MAIN, 'INFO', '=== 모니터링 완료 ===', 0);
    r.finishedAt = w.t;
  });
  return finish(result);
}

interface RiskRow {
  metric: string;
  current: string;
  limit: string;
  usage: number;
  status: 'OK' | 'WARNING' | 'CRITICAL';
}

/** calculate_risk_metrics over PortfolioRiskManager.add_position of each open position (N in price units). */
function riskRows(open: readonly SimPosition[]): RiskRow[] {
  const bySymbol = new Map<string, number>();
  const byGroup = new Map<string, number>();
  let long = 0;
  let short = 0;
  let exposure = 0;
  for (const p of open) {
    bySymbol.set(p.symbol, (bySymbol.get(p.symbol) ?? 0) + p.units);
    const group = GROUP_V36[p.symbol] ?? 'us_equity';
    byGroup.set(group, (byGroup.get(group) ?? 0) + p.units);
    if (p.direction === 'LONG') long += p.units;
    else short += p.units;
    exposure += p.entry_n * p.units;
  }
  const status = (usage: number): RiskRow['status'] => (usage >= 100 ? 'CRITICAL' : usage >= 80 ? 'WARNING' : 'OK');
  const row = (metric: string, current: string, limit: string, usage: number): RiskRow => ({
    metric,
    current,
    limit,
    usage,
    status: status(usage),
  });
  const rows = [
    row('Long Units', String(long), '12', (long / 12) * 100),
    row('Short Units', String(short), '12', (short / 12) * 100),
    row('Total N Exposure', pyFixed(exposure, 2), '10.00', (exposure / 10) * 100),
  ];
  for (const [group, units] of byGroup) rows.push(row(`Group: ${group}`, String(units), '6', (units / 6) * 100));
  for (const [symbol, units] of bySymbol) rows.push(row(`Symbol: ${symbol}`, String(units), '4', (units / 4) * 100));
  return rows;
}

// ---------------------------------------------------------------------------------------------
// backup_data.sh (v3.5.0+): `echo -e` with colour codes, which land in backup.log as escape bytes

const GREEN = '\u001b[0;32m';
const YELLOW = '\u001b[1;33m';
const NC = '\u001b[0m';

export function writeBackup(w: RunWriter, at: Instant, archives: number): ReleaseRunResult {
  const result = runScript((r) => {
    const c = wallClock(at, 'Asia/Seoul');
    const stamp = `${c.date}_${String(c.hour).padStart(2, '0')}${String(c.minute).padStart(2, '0')}${String(c.second).padStart(2, '0')}`;
    w.raw(`${GREEN}=== Turtle Trading Data Backup ===${NC}`);
    r.startedAt = w.t;
    w.raw(`Backup directory: data/backups/${stamp}`);
    w.raw('');
    for (const source of ['data/positions', 'data/entries', 'data/cache', 'data/signals', 'data/trades', 'config']) {
      w.wait(w.rng.int(10, 60));
      w.raw(`${YELLOW}Backing up: ${source}${NC}`);
    }
    w.raw('');
    w.raw(`${YELLOW}Compressing to: data/backups/backup_${stamp}.tar.gz${NC}`);
    w.wait(w.rng.int(300, 1_500));
    w.raw(`${GREEN}Backup complete!${NC}`);
    w.raw('  - Files backed up: 6');
    w.raw(`  - Archive size: ${w.rng.int(96, 180)}K`);
    w.raw(`  - Location: data/backups/backup_${stamp}.tar.gz`);
    w.raw('');
    if (archives > 30) w.raw(`${YELLOW}Cleaning old backups (keeping last 30)...${NC}`);
    r.finishedAt = w.t;
  });
  return finish(result);
}

// ---------------------------------------------------------------------------------------------
// collect_daily_ohlcv.py (v3.7.0+): 16:00 on weekdays, the KOSPI 200 + KOSDAQ 150 list

export function writeOhlcvCollect(w: RunWriter, plan: ReleaseRunPlan): ReleaseRunResult {
  const result = runScript((r) => {
    const symbols = OHLCV_SYMBOLS_V39;
    w.wait(w.rng.int(800, 1_500)); // imports
    w.log(MAIN, 'INFO', `수집 대상: ${symbols.length}개 종목`, 0);
    r.startedAt = w.t;
    channel(w, plan, r);
    const today = wallClock(w.t, 'Asia/Seoul');
    const end = wallClock(w.t + 86_400_000, 'Asia/Seoul').date;
    const start = wallClock(w.t - 8 * 86_400_000, 'Asia/Seoul').date; // the last stored bar minus 7 days
    const tradingDay = today.weekday >= 1 && today.weekday <= 5;
    const began = w.t;
    w.log(MAIN, 'INFO', `=== OHLCV 수집 시작: ${symbols.length}개 종목 ===`, 1);
    let rows = 0;
    for (const [i, [code]] of symbols.entries()) {
      w.log(MAIN, 'INFO', `[${i + 1}/${symbols.length}] ${code} (${start} ~ ${end})`, i === 0 ? 0 : 100);
      w.wait(w.rng.int(280, 900));
      const fresh = tradingDay ? 1 : 0;
      rows += fresh;
      w.log('src.data_store', 'INFO', `OHLCV 축적 저장: ${code} (${fresh}개 신규, 총 ${480 + (code.charCodeAt(5) % 9)}행)`, 2);
    }
    w.log(
      MAIN,
      'INFO',
      `=== OHLCV 수집 완료: 성공 ${symbols.length}, 스킵 0, 실패 0, 신규 ${rows}행, 소요 ${pyFixed((w.t - began) / 1000, 1)}초 ===`,
      1,
    );
    sendTelegram(w, 'OHLCV 수집 완료', plan.telegram, r.tally);
    r.finishedAt = w.t;
  });
  return finish(result);
}

// ---------------------------------------------------------------------------------------------
// weekly_report.py --send (Saturday 09:00), monthly_report.py --send (the 1st, 07:00)

export interface ReportCounts {
  signals: number;
  closedTrades: number;
  open: number;
}

export function writeWeeklyReport(w: RunWriter, plan: ReleaseRunPlan, counts: ReportCounts): ReleaseRunResult {
  const result = runScript((r) => {
    w.wait(w.rng.int(700, 1_400));
    w.log(MAIN, 'INFO', '=== 주간 리포트 생성 ===', 0);
    r.startedAt = w.t;
    w.log(HELPERS, 'INFO', `상관그룹 설정 로드: ${correlationSymbols(plan.family)}개 심볼`, w.rng.int(5, 12));
    channel(w, plan, r);
    w.log(MAIN, 'INFO', `신규 시그널: ${counts.signals}개`, w.rng.int(20, 60));
    w.log(MAIN, 'INFO', `청산된 거래: ${counts.closedTrades}개`, 0);
    w.log(MAIN, 'INFO', `오픈 포지션: ${counts.open}개`, 0);
    w.log(MAIN, 'INFO', 'Telegram 채널로 주간 리포트 전송 중...', 2);
    sendTelegram(w, 'Weekly Trading Report', plan.telegram, r.tally);
    if (counts.closedTrades > 0) sendTelegram(w, '주간 성과 알림', plan.telegram, r.tally);
    w.log(MAIN, 'INFO', '주간 리포트 전송 완료', 0);
    w.log(MAIN, 'INFO', '=== 리포트 생성 완료 ===', 0);
    r.finishedAt = w.t;
  });
  return finish(result);
}

export function writeMonthlyReport(w: RunWriter, plan: ReleaseRunPlan, month: string, closed: readonly SimPosition[]): ReleaseRunResult {
  const result = runScript((r) => {
    w.wait(w.rng.int(700, 1_400));
    w.log(MAIN, 'INFO', `=== 월간 리포트 생성 시작: ${month} ===`, 0);
    r.startedAt = w.t;
    channel(w, plan, r);
    w.log(MAIN, 'INFO', `월간 리포트 생성 중: ${month}`, w.rng.int(5, 20));
    const pnl = closed.reduce((s, p) => s + (p.pnl ?? 0), 0);
    w.log(MAIN, 'INFO', `리포트 완료: ${closed.length}건 거래, 총 손익 $${pyFixed(pnl, 2, true)}`, w.rng.int(20, 90));
    w.log(MAIN, 'INFO', '알림 채널로 월간 리포트 전송 중...', 0);
    sendTelegram(w, `월간 성과 리포트 — ${month}`, plan.telegram, r.tally);
    w.log(MAIN, 'INFO', '월간 리포트 전송 완료', 0);
    w.log(MAIN, 'INFO', '=== 월간 리포트 완료 ===', 0);
    r.finishedAt = w.t;
  });
  return finish(result);
}

// ---------------------------------------------------------------------------------------------
// fetch_universe_charts.py (v3.9.0, Saturday 06:00): its own format `%(asctime)s [%(levelname)s] %(message)s` on stdout

export function writeUniverseCharts(
  w: RunWriter,
  plan: ReleaseRunPlan,
  universe: readonly (readonly [string, string])[],
): ReleaseRunResult {
  const result = runScript((r) => {
    const log = (level: Level, message: string, gap: number): void => {
      w.wait(gap);
      w.raw(`${asctime(w.t, 'Asia/Seoul')} [${level}] ${message}`);
    };
    const date = wallClock(w.t, 'Asia/Seoul').date;
    const dir = `/app/data/charts/${date}`;
    w.wait(w.rng.int(1_500, 2_600)); // mplfinance import
    log('INFO', `출력 디렉토리: ${dir}`, 0);
    r.startedAt = w.t;
    log('INFO', `총 ${universe.length}개 활성 심볼 감지`, 3);
    log('INFO', '차트 렌더링 시작 (limit=None)', 1);
    for (const [symbol] of universe) log('INFO', `[${symbol}] 차트 저장: ${dir}/${symbol}.png`, w.rng.int(700, 1_600));
    log('INFO', '='.repeat(40), 1);
    log('INFO', `배치 완료: 성공 ${universe.length} / 실패 0`, 0);
    // _send_notification: setup_notifier logs through the root logger, in this script's format
    if (plan.channelLine) {
      log('INFO', 'Telegram 채널 활성화', 2);
      r.tally.channelLine = true;
      if (plan.telegram.kind === 'ok') {
        log('INFO', 'Telegram 전송 성공: 주간 차트 생성 완료', w.rng.int(280, 720));
        r.tally.successes.push('주간 차트 생성 완료');
      }
    } else {
      log('INFO', '알림 채널 미설정, 알림 스킵', 2);
    }
    log('INFO', '='.repeat(40), 0);
    r.finishedAt = w.t;
  });
  return finish(result);
}

// ---------------------------------------------------------------------------------------------
// supercronic's own lines (logrus text format, KST since the image sets TZ=Asia/Seoul)

/** logrus quotes a value unless every character is in [A-Za-z0-9-._/@^+]; quoting is Go's %q (printable Unicode kept). */
function logfmtValue(value: string): string {
  if (value !== '' && /^[A-Za-z0-9\-._/@^+]+$/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** RFC 3339 in KST, whole seconds: `2026-03-05T09:00:00+09:00`. */
export function supercronicTime(at: Instant): string {
  const c = wallClock(at, 'Asia/Seoul');
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${c.date}T${p(c.hour)}:${p(c.minute)}:${p(c.second)}+09:00`;
}

export interface SupercronicJobRef {
  command: string;
  position: number;
  schedule: string;
  iteration: number;
}

export function supercronicLine(
  at: Instant,
  level: 'info' | 'warning' | 'error',
  msg: string,
  job?: SupercronicJobRef,
  stream?: 'stdout' | 'stderr',
): string {
  const fields = [`time="${supercronicTime(at)}"`, `level=${level}`, `msg=${logfmtValue(msg)}`];
  if (stream) fields.push(`channel=${stream}`);
  if (job)
    fields.push(
      `iteration=${job.iteration}`,
      `job.command=${logfmtValue(job.command)}`,
      `job.position=${job.position}`,
      `job.schedule=${logfmtValue(job.schedule)}`,
    );
  return fields.join(' ');
}

/** What supercronic prints when it starts; `init: true` (v3.7.0+) makes it a child of tini, so it warns that it cannot reap. */
export function supercronicStartup(at: Instant, family: SupercronicFamily): string[] {
  return [
    ...(family === 'v3.8' || family === 'v3.9' ? [supercronicLine(at, 'warning', 'process reaping disabled, not pid 1')] : []),
    supercronicLine(at, 'info', 'read crontab: /app/crontab'),
    supercronicLine(at, 'info', 'processes will be spawned using shell: /bin/bash'),
  ];
}
