// Clocks, holidays, market status and cron calendars of the simulated turtle-trading deployment.
//
// Everything is plain epoch arithmetic (KST has no DST; US/Eastern DST is computed by its rule), so a
// 30-day simulation needs no Intl lookups and gives identical results on every machine.
import type { Instant } from '../../src/core/types.ts';
import { jobsOfCrontab } from './cron-schedule.ts';
import { REAL_CRONTABS } from './release-crontabs.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const KST_OFFSET = 9 * HOUR;

/** Zone of the naive asctime stamps: Debian-cron jobs write UTC, manual runs KST (reference §0.3). */
export type StampZone = 'UTC' | 'Asia/Seoul';
export type Market = 'KR' | 'US';
/**
 * Release families after v3.2.x, one simulated release each (supercronic runs them all):
 * 'v3.4' = v3.4.2 (the v3.2.1 jobs, KST stamps), 'v3.6' = v3.6.0 (17 jobs, monitor_positions),
 * 'v3.8' = v3.8.0 (18 jobs, OHLCV collection, kill switch off), 'v3.9' = v3.9.0 (20 jobs, entry_reason).
 */
export type SupercronicFamily = 'v3.4' | 'v3.6' | 'v3.8' | 'v3.9';
export type SimVersion = 'v3.2.1' | 'v3.2.0' | SupercronicFamily;
export const SUPERCRONIC_FAMILIES: readonly SupercronicFamily[] = ['v3.4', 'v3.6', 'v3.8', 'v3.9'];
export const isSupercronicFamily = (v: string): v is SupercronicFamily => (SUPERCRONIC_FAMILIES as readonly string[]).includes(v);

export interface WallClock {
  /** `YYYY-MM-DD` */
  date: string;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** 0 = Sunday … 6 = Saturday (cron numbering). */
  weekday: number;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function wallAt(instant: Instant, offsetMs: number): WallClock {
  const d = new Date(instant + offsetMs);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return {
    date: `${year}-${pad(month)}-${pad(day)}`,
    year,
    month,
    day,
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
    weekday: d.getUTCDay(),
  };
}

/** Offset of US/Eastern from UTC at an instant: EDT from the 2nd Sunday of March 02:00 EST to the 1st Sunday of November 02:00 EDT. */
export function easternOffset(instant: Instant): number {
  const year = new Date(instant).getUTCFullYear();
  const nthSunday = (month: number, n: number): number => {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + 7 * (n - 1);
  };
  const dstStart = Date.UTC(year, 2, nthSunday(3, 2), 7); // 02:00 EST = 07:00 UTC
  const dstEnd = Date.UTC(year, 10, nthSunday(11, 1), 6); // 02:00 EDT = 06:00 UTC
  return instant >= dstStart && instant < dstEnd ? -4 * HOUR : -5 * HOUR;
}

export function wallClock(instant: Instant, zone: StampZone | 'US/Eastern'): WallClock {
  if (zone === 'UTC') return wallAt(instant, 0);
  if (zone === 'Asia/Seoul') return wallAt(instant, KST_OFFSET);
  return wallAt(instant, easternOffset(instant));
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Validates `YYYY-MM-DD` (a real calendar date); returns undefined when it is not one. */
export function parseDate(text: string): { year: number; month: number; day: number } | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const back = new Date(Date.UTC(year, month - 1, day));
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

/** KST midnight of a `YYYY-MM-DD` day, plus an optional `HH:MM` (KST). */
export function kstInstant(date: string, hhmm = '00:00'): Instant {
  const d = parseDate(date);
  const t = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!d || !t) throw new Error(`not a KST date/time: ${date} ${hhmm}`);
  return Date.UTC(d.year, d.month - 1, d.day, Number(t[1]), Number(t[2])) - KST_OFFSET;
}

export function addDays(date: string, days: number): string {
  return wallAt(kstInstant(date) + days * DAY, KST_OFFSET).date;
}

export const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** Python `logging` asctime with the default datefmt: `2026-02-23 16:00:02,114`, naive, in the job's zone. */
export function asctime(instant: Instant, zone: StampZone): string {
  const w = wallClock(instant, zone);
  return `${w.date} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)},${pad(w.ms, 3)}`;
}

/** Python `datetime.now().isoformat()` (naive, microseconds) in the job's zone. */
export function isoNaive(instant: Instant, zone: StampZone, microExtra: number): string {
  const w = wallClock(instant, zone);
  const micro = w.ms * 1000 + (microExtra % 1000);
  const base = `${w.date}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  return micro === 0 ? base : `${base}.${pad(micro, 6)}`; // isoformat drops a zero fraction
}

/** `%Y%m%d_%H%M%S` in a zone, as in position ids and backup names. */
export function compactStamp(instant: Instant, zone: StampZone): string {
  const w = wallClock(instant, zone);
  return `${w.date.replaceAll('-', '')}_${pad(w.hour)}${pad(w.minute)}${pad(w.second)}`;
}

// ---------------------------------------------------------------------------------------------
// Holidays

/**
 * The KR holiday table hard-coded in the guarded system (`src/market_calendar.py`, 2026–2027 part).
 * The `휴장 (공휴일)` line comes from this table, not from the exchange, so it is reproduced as is,
 * including its quirks (06-08 and 09-28 are listed though KRX trades; see KRX_CLOSED_NOT_IN_TABLE).
 */
export const KR_HOLIDAYS: Readonly<Record<string, string>> = {
  '2026-01-01': '신정',
  '2026-02-16': '설날 연휴',
  '2026-02-17': '설날',
  '2026-02-18': '설날 연휴',
  '2026-03-01': '삼일절',
  '2026-03-02': '삼일절 대체공휴일',
  '2026-05-05': '어린이날',
  '2026-05-24': '부처님오신날',
  '2026-05-25': '부처님오신날 대체공휴일',
  '2026-06-06': '현충일',
  '2026-06-08': '현충일 대체공휴일',
  '2026-08-15': '광복절',
  '2026-08-17': '광복절 대체공휴일',
  '2026-09-24': '추석 연휴',
  '2026-09-25': '추석',
  '2026-09-26': '추석 연휴',
  '2026-09-28': '추석 대체공휴일',
  '2026-10-03': '개천절',
  '2026-10-05': '개천절 대체공휴일',
  '2026-10-09': '한글날',
  '2026-12-25': '크리스마스',
  '2027-01-01': '신정',
  '2027-02-06': '설날 연휴',
  '2027-02-07': '설날',
  '2027-02-08': '설날 연휴',
  '2027-02-09': '설날 대체공휴일',
  '2027-02-10': '설날 대체공휴일',
  '2027-03-01': '삼일절',
  '2027-05-05': '어린이날',
  '2027-05-13': '부처님오신날',
  '2027-06-06': '현충일',
  '2027-06-07': '현충일 대체공휴일',
  '2027-08-15': '광복절',
  '2027-08-16': '광복절 대체공휴일',
  '2027-09-22': '추석 연휴',
  '2027-09-23': '추석',
  '2027-09-24': '추석 연휴',
  '2027-10-03': '개천절',
  '2027-10-04': '개천절 대체공휴일',
  '2027-10-09': '한글날',
  '2027-10-11': '한글날 대체공휴일',
  '2027-12-25': '크리스마스',
  '2027-12-27': '크리스마스 대체공휴일',
};

/**
 * Days KRX is really closed that the guarded system's table lacks: on these the 16:00 run logs
 * `장후` and fetches stale bars as on any weekday. Kept for the expectation notes only.
 */
export const KRX_CLOSED_NOT_IN_TABLE: Readonly<Record<string, string>> = {
  '2026-05-01': '근로자의 날 (KRX 휴장)',
  '2026-06-03': '전국동시지방선거',
  '2026-12-31': '연말 휴장',
  '2027-05-01': '근로자의 날 (KRX 휴장)',
  '2027-12-31': '연말 휴장',
};

/** NYSE full-day closures (the guarded system's US table; it matches the exchange for these years). */
export const US_HOLIDAYS: Readonly<Record<string, string>> = {
  '2026-01-01': "New Year's Day",
  '2026-01-19': 'MLK Day',
  '2026-02-16': "Presidents' Day",
  '2026-04-03': 'Good Friday',
  '2026-05-25': 'Memorial Day',
  '2026-06-19': 'Juneteenth',
  '2026-07-03': 'Independence Day (observed)',
  '2026-09-07': 'Labor Day',
  '2026-11-26': 'Thanksgiving',
  '2026-12-25': 'Christmas',
  '2027-01-01': "New Year's Day",
  '2027-01-18': 'MLK Day',
  '2027-02-15': "Presidents' Day",
  '2027-03-26': 'Good Friday',
  '2027-05-31': 'Memorial Day',
  '2027-06-18': 'Juneteenth (observed)',
  '2027-07-05': 'Independence Day (observed)',
  '2027-09-06': 'Labor Day',
  '2027-11-25': 'Thanksgiving',
  '2027-12-24': 'Christmas (observed)',
  '2027-12-31': "New Year's Day 2028 (observed)",
};

/** Years the tables above cover; the simulator refuses ranges outside them. */
export const CALENDAR_YEARS = [2026, 2027] as const;

const MARKET = {
  KR: { name: '한국거래소 (KRX)', open: 9 * 60, close: 15 * 60 + 30, zone: 'Asia/Seoul' as const, holidays: KR_HOLIDAYS },
  US: { name: 'NYSE/NASDAQ', open: 9 * 60 + 30, close: 16 * 60, zone: 'US/Eastern' as const, holidays: US_HOLIDAYS },
};

const hhmm = (minutes: number): string => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

/** True when the market has a session on that (market-local) date, by the guarded system's tables. */
export function isTradingDay(market: Market, date: string): boolean {
  const weekday = new Date(kstInstant(date) + KST_OFFSET).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !(date in MARKET[market].holidays);
}

/** The line `get_market_status(market)` logs at that instant (tz-aware: always the true local clock). */
export function marketStatus(market: Market, instant: Instant): string {
  const cfg = MARKET[market];
  const w = wallClock(instant, cfg.zone);
  if (w.weekday === 0 || w.weekday === 6) return `${cfg.name}: 휴장 (주말)`;
  if (w.date in cfg.holidays) return `${cfg.name}: 휴장 (공휴일)`;
  const msOfDay = ((w.hour * 60 + w.minute) * 60 + w.second) * 1000 + w.ms;
  const now = `${pad(w.hour)}:${pad(w.minute)}`;
  // is_market_open compares time() including seconds: open <= t <= close
  if (msOfDay >= cfg.open * MINUTE && msOfDay <= cfg.close * MINUTE) return `${cfg.name}: 장중 (${now})`;
  if (msOfDay < cfg.open * MINUTE) return `${cfg.name}: 장전 (${now}, 개장 ${hhmm(cfg.open)})`;
  return `${cfg.name}: 장후 (${now}, 마감 ${hhmm(cfg.close)})`;
}

/** `should_check_signals(symbol)`: a session day in that market and past its close. */
export function shouldCheckSignals(market: Market, instant: Instant): boolean {
  const cfg = MARKET[market];
  const w = wallClock(instant, cfg.zone);
  if (w.weekday === 0 || w.weekday === 6 || w.date in cfg.holidays) return false;
  return (w.hour * 60 + w.minute) * MINUTE + w.second * 1000 + w.ms >= cfg.close * MINUTE;
}

export const marketOf = (symbol: string): Market => (symbol.endsWith('.KS') || symbol.endsWith('.KQ') ? 'KR' : 'US');

// ---------------------------------------------------------------------------------------------
// Cron calendars (reference §4: 238760b:crontab and 203bcee:crontab)

export type JobKey =
  | 'kr'
  | 'us'
  | 'report'
  | 'cleanup'
  // the jobs added from v3.5.0 on
  | 'ohlcv'
  | 'backup'
  | 'health'
  | 'monitor'
  | 'risk'
  | 'charts'
  | 'weekly'
  | 'monthly'
  | 'log-cleanup'
  | 'data-cleanup';

/** A crontab line as supercronic reads it: its fields, command, and index among the job lines. */
export interface CronLine {
  /** 0-based index among the crontab's job lines (supercronic's `job.position`). */
  position: number;
  /** The five fields as written, e.g. `0 9-15 * * 1-5`. */
  schedule: string;
  /** Everything after the fields, as the shell gets it. */
  command: string;
  minutes: readonly number[];
  hours: readonly number[];
  /** Days of the month, or undefined for `*`. */
  monthDays?: readonly number[];
}

export interface SimJob {
  key: JobKey;
  /** `check_positions.py`, `signal_check.py`, `daily_report.py`, or `find` for the cleanup line. */
  script: string;
  logFile: string;
  hour: number;
  minute: number;
  /** Cron day-of-week set (0 = Sunday). */
  weekdays: readonly number[];
  /** What `ps` in the container shows while it runs (absent: too short-lived to matter). */
  processCommand?: string;
  /** Supercronic-era jobs: the crontab line they come from (several minutes/hours per line). */
  cron?: CronLine;
}

const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6];

/** The daily report and the weekly log cleanup: the same lines in every crontab version. */
const EVERY_VERSION: SimJob[] = [
  {
    key: 'report',
    script: 'daily_report.py',
    logFile: 'daily_report.log',
    hour: 8,
    minute: 0,
    weekdays: EVERY_DAY,
    processCommand: 'python scripts/daily_report.py',
  },
  { key: 'cleanup', script: 'find', logFile: 'cleanup.log', hour: 3, minute: 0, weekdays: [0] },
];

export const JOBS: Readonly<Record<SimVersion, readonly SimJob[]>> = {
  'v3.2.1': [
    {
      key: 'kr',
      script: 'check_positions.py',
      logFile: 'check_kr.log',
      hour: 16,
      minute: 0,
      weekdays: [1, 2, 3, 4, 5],
      processCommand: 'python scripts/check_positions.py',
    },
    {
      key: 'us',
      script: 'check_positions.py',
      logFile: 'check_us.log',
      hour: 7,
      minute: 0,
      weekdays: [2, 3, 4, 5, 6],
      processCommand: 'python scripts/check_positions.py',
    },
    ...EVERY_VERSION,
  ],
  'v3.2.0': [
    {
      key: 'kr',
      script: 'signal_check.py',
      logFile: 'signal_kr.log',
      hour: 16,
      minute: 0,
      weekdays: [1, 2, 3, 4, 5],
      processCommand: 'python scripts/signal_check.py',
    },
    {
      key: 'us',
      script: 'signal_check.py',
      logFile: 'signal_us.log',
      hour: 7,
      minute: 0,
      weekdays: [2, 3, 4, 5, 6],
      processCommand: 'python scripts/signal_check.py',
    },
    ...EVERY_VERSION,
  ],
  'v3.4': jobsOfCrontab(REAL_CRONTABS['v3.4'].text),
  'v3.6': jobsOfCrontab(REAL_CRONTABS['v3.6'].text),
  'v3.8': jobsOfCrontab(REAL_CRONTABS['v3.8'].text),
  'v3.9': jobsOfCrontab(REAL_CRONTABS['v3.9'].text),
};

const CRONTAB_HEADER = `# 터틀 트레이딩 시스템 Cron 설정
# 시간대: Asia/Seoul (KST)

# 환경 변수
SHELL=/bin/bash
PATH=/usr/local/bin:/usr/bin:/bin
PYTHONPATH=/app
`;

const CRONTAB_TAIL = `
# 일일 리포트 (매일 08:00)
0 8 * * * cd /app && python scripts/daily_report.py >> /app/logs/daily_report.log 2>&1

# 캐시 정리 (매주 일요일 03:00)
0 3 * * 0 find /app/data/cache -type f -mtime +7 -delete >> /app/logs/cleanup.log 2>&1

`; // cron needs the last line terminated; the file ends with a blank line, as test/fixtures/crontab-* do

/** `crontab -l` of each version's cron container (layout reconstructed; job lines as in the reference). */
export const CRONTABS: Readonly<Record<SimVersion, string>> = {
  'v3.2.0': `${CRONTAB_HEADER}
# 한국 시장 시그널 체크 (장 마감 후 16:00)
0 16 * * 1-5 cd /app && python scripts/signal_check.py >> /app/logs/signal_kr.log 2>&1

# 미국 시장 시그널 체크 (한국시간 07:00)
0 7 * * 2-6 cd /app && python scripts/signal_check.py >> /app/logs/signal_us.log 2>&1
${CRONTAB_TAIL}`,
  'v3.2.1': `${CRONTAB_HEADER}
# 한국 시장 시그널+포지션 체크 (장 마감 후 16:00)
0 16 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1

# 미국 시장 시그널+포지션 체크 (한국시간 07:00)
# NOTE: KR 심볼도 재처리됨 (should_check_signals 통과). 무해 — v3.3.0에서 --market 인자로 분리 예정
0 7 * * 2-6 cd /app && python scripts/check_positions.py >> /app/logs/check_us.log 2>&1
${CRONTAB_TAIL}`,
  // supercronic era: /app/crontab as committed at the release's tag
  'v3.4': REAL_CRONTABS['v3.4'].text,
  'v3.6': REAL_CRONTABS['v3.6'].text,
  'v3.8': REAL_CRONTABS['v3.8'].text,
  'v3.9': REAL_CRONTABS['v3.9'].text,
};

/** Files whose presence in the cron container fingerprints the version (signal_check.py was deleted in ace20b7). */
export const CONTAINER_FILES: Readonly<Record<SimVersion, Record<string, boolean>>> = {
  'v3.2.0': { '/app/scripts/signal_check.py': true, '/app/scripts/check_positions.py': true },
  'v3.2.1': { '/app/scripts/signal_check.py': false, '/app/scripts/check_positions.py': true },
  'v3.4': {
    '/app/scripts/signal_check.py': false,
    '/app/scripts/check_positions.py': true,
    '/app/crontab': true,
    '/app/entrypoint.sh': true,
  },
  'v3.6': {
    '/app/scripts/signal_check.py': false,
    '/app/scripts/check_positions.py': true,
    '/app/scripts/monitor_positions.py': true,
    '/app/crontab': true,
    '/app/entrypoint.sh': true,
  },
  'v3.8': {
    '/app/scripts/signal_check.py': false,
    '/app/scripts/check_positions.py': true,
    '/app/scripts/monitor_positions.py': true,
    '/app/scripts/collect_daily_ohlcv.py': true,
    '/app/config/system_status.yaml': true,
    '/app/crontab': true,
    '/app/entrypoint.sh': true,
  },
  'v3.9': {
    '/app/scripts/signal_check.py': false,
    '/app/scripts/check_positions.py': true,
    '/app/scripts/monitor_positions.py': true,
    '/app/scripts/collect_daily_ohlcv.py': true,
    '/app/config/system_status.yaml': true,
    '/app/crontab': true,
    '/app/entrypoint.sh': true,
  },
};

/** Fire instants of one job in [from, to), KST schedule. */
export function fireTimes(job: SimJob, from: Instant, to: Instant): Instant[] {
  if (job.cron) return cronFireTimes(job, job.cron, from, to);
  const out: Instant[] = [];
  const firstDay = wallClock(from, 'Asia/Seoul').date;
  for (let date = firstDay; kstInstant(date) < to; date = addDays(date, 1)) {
    const weekday = new Date(kstInstant(date) + KST_OFFSET).getUTCDay();
    if (!job.weekdays.includes(weekday)) continue;
    const at = kstInstant(date) + job.hour * HOUR + job.minute * MINUTE;
    if (at >= from && at < to) out.push(at);
  }
  return out;
}

/** A crontab line's fire instants in [from, to), KST (the container's TZ): every listed hour × minute on a matching day. */
function cronFireTimes(job: SimJob, cron: CronLine, from: Instant, to: Instant): Instant[] {
  const out: Instant[] = [];
  const firstDay = wallClock(from, 'Asia/Seoul').date;
  for (let date = firstDay; kstInstant(date) < to; date = addDays(date, 1)) {
    const weekday = new Date(kstInstant(date) + KST_OFFSET).getUTCDay();
    if (!job.weekdays.includes(weekday)) continue;
    if (cron.monthDays && !cron.monthDays.includes(parseDate(date)!.day)) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const at = kstInstant(date) + hour * HOUR + minute * MINUTE;
        if (at >= from && at < to) out.push(at);
      }
    }
  }
  return out;
}
