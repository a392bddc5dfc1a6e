// Deterministic simulator of the guarded turtle-trading deployment: N days of cron runs, log lines,
// positions.json rewrites, crontab/container/process observations and 5-minute ticks, in the order
// and with the delays the sidecar would observe them. Seeded: same options → identical timeline.
import { createHash } from 'node:crypto';
import type { ContainerObservation, Event, Instant, LogLine } from '../../src/core/types.ts';
import { V32_KNOWN_POSITION_KEYS, V32_VALIDATED_POSITION_KEYS } from '../../src/core/record-shapes.ts';
import {
  addDays,
  CALENDAR_YEARS,
  compactStamp,
  CONTAINER_FILES,
  CRONTABS,
  DAY,
  easternOffset,
  fireTimes,
  HOUR,
  isoNaive,
  isTradingDay,
  JOBS,
  KR_HOLIDAYS,
  KRX_CLOSED_NOT_IN_TABLE,
  kstInstant,
  marketOf,
  MINUTE,
  parseDate,
  US_HOLIDAYS,
  wallClock,
  WEEKDAY_NAMES,
  type JobKey,
  type Market,
  type SimJob,
  isSupercronicFamily,
  type SimVersion,
  type StampZone,
} from './calendar.ts';
import {
  DEFAULT_CRITICAL_TEXT,
  faultJob,
  faultProblems,
  faultTime,
  isRunFault,
  type Fault,
  type FaultKind,
  type RunFault,
  type TimedFault,
} from './faults.ts';
import {
  DEFAULT_SYMBOLS,
  DEFAULT_TRACEBACK_ERROR,
  dumpRecords,
  pythonJsonError,
  RunWriter,
  TYPICAL_N,
  UNIVERSE,
  writeCheckPositions,
  writeDailyReport,
  writeSignalCheck,
  type Breakout,
  type CloseOutcome,
  type PlannedClose,
  type PositionsRead,
  type Rng,
  type RunOutcome,
  type RunResult,
  type SimEntry,
  type SimPosition,
  type TelegramMode,
  type WrittenLine,
} from './log-writers.ts';

import {
  correlationSymbols,
  supercronicLine,
  supercronicStartup,
  writeBackup,
  writeHealthCheck,
  writeMonitorPositions,
  writeOhlcvCollect,
  writeRiskCheck,
  writeUniverseCharts,
  writeWeeklyReport,
  writeMonthlyReport,
  type IntradayBreach,
  type ReleaseRunPlan,
  type ReleaseRunResult,
  type ReleaseStore,
} from './release-writers.ts';
import { UNIVERSE_V39 } from './release-data.ts';

export type { Fault } from './faults.ts';
export type { SimVersion, StampZone, SupercronicFamily } from './calendar.ts';

export interface SimOptions {
  /** First KST calendar day, `YYYY-MM-DD` (2026–2027: the guarded system's holiday tables). */
  start: string;
  days: number;
  seed: number;
  /** Zone of the naive asctime stamps: Debian-cron jobs stamp UTC with no marker (reference §0.3). */
  logStampZone: StampZone;
  /**
   * Version deployed at the start (default v3.2.1). The supercronic families ('v3.4', 'v3.6', 'v3.8',
   * 'v3.9') stamp KST (logStampZone must be 'Asia/Seoul') and cannot be combined with versionSwitch.
   */
  initialVersion?: SimVersion;
  /** The runbook's rollback: crontab, container files and image change at `atKst` of day `atDay`. */
  versionSwitch?: { atDay: number; atKst: string; from: SimVersion; to: SimVersion };
  faults?: Fault[];
  /** Default true: runs log the channel line and Telegram success lines. */
  telegramConfigured?: boolean;
}

export type SimRunOutcome = RunOutcome | 'missed' | 'container-down' | 'silent';

/** One scheduled run as it really happened (for assertions and debugging). */
export interface SimRun {
  job: JobKey;
  version: SimVersion;
  script: string;
  logFile: string;
  /** KST date of the fire time. */
  day: string;
  dayIndex: number;
  scheduledAt: Instant;
  startedAt?: Instant;
  finishedAt?: Instant;
  /** When the process exited (absent while it hangs to the end of the simulation). */
  endedAt?: Instant;
  outcome: SimRunOutcome;
  lineCount: number;
  channelLine: boolean;
  successes: string[];
  failures: string[];
  events: string[];
  closed: string[];
  faults: FaultKind[];
  /** Exit status, where the simulator knows it (supercronic reports it); health_check.py exits 1 normally. */
  exitCode?: number;
}

export interface SimTimeline {
  /** In observation order. */
  events: Event[];
  crontabs: { version: string; text: string }[];
  /** Final content of the files under the deployment root (`logs/…`, `data/…`). */
  files: Record<string, string>;
  expectations: { day: string; notes: string[] }[];
  runs: SimRun[];
  /**
   * Raw `docker logs turtle-cron` lines in write order (supercronic era: its start-up lines, one
   * `msg=starting` and one `job succeeded` / `error running command: exit status N` per run, and the
   * relayed stderr of jobs without a redirect). Empty under Debian cron, which writes nothing there.
   */
  dockerLogLines: { at: Instant; text: string }[];
}

export const CRON_CONTAINER = 'turtle-cron';
export const DASHBOARD_CONTAINER = 'turtle-dashboard';

/** Image IDs of the compose-built images per version (the sidecar must compare IDs, never tags). */
export const IMAGE_IDS: Readonly<Record<SimVersion, string>> = {
  'v3.2.1': `sha256:${sha256('turtle-trading 203bcee (v3.2.1)')}`,
  'v3.2.0': `sha256:${sha256('turtle-trading 238760b (v3.2.0)')}`,
  'v3.4': `sha256:${sha256('turtle-trading 4f38561 (v3.4.2)')}`,
  'v3.6': `sha256:${sha256('turtle-trading d279019 (v3.6.0)')}`,
  'v3.8': `sha256:${sha256('turtle-trading 79c0898 (v3.8.0)')}`,
  'v3.9': `sha256:${sha256('turtle-trading 28f0297 (v3.9.0)')}`,
};

/** Compose v2 names the images it builds `<project>-<service>`; the ref is the same at both versions. */
const IMAGE_REFS = { [CRON_CONTAINER]: 'turtle_trading-turtle-cron', [DASHBOARD_CONTAINER]: 'turtle_trading-turtle-dashboard' };

/** Docker needs a few seconds to recreate the containers; cron in the new one fires from then on. */
const RECREATE_MS = 6_000;
/** Dashboard crash loop: streamlit dies on the missing app.py, Docker waits its 1-minute backoff cap. */
const DASHBOARD_CYCLE_MS = 63_000;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** mulberry32: small, fast, and good enough for a simulation. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
  };
}

/** A stream of its own per run / per write, so that a fault on one day leaves the other days' randomness alone. */
function streamRng(seed: number, salt: number): Rng {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const part of [salt % 4294967296, Math.floor(salt / 4294967296)]) {
    h = Math.imul(h ^ part, 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return createRng(h);
}

// ---------------------------------------------------------------------------------------------
// positions.json / entries.json store, with the guarded system's backup and heal behaviour

// The v3.2 record shape (field order = dataclass order), as the core's schemas declare it.
const FIELD_ORDER = V32_KNOWN_POSITION_KEYS as readonly (keyof SimPosition)[];
const KNOWN_KEYS = new Set<string>(FIELD_ORDER);
/** What `validate_position_schema` checks: a record lacking one is skipped. */
const REQUIRED_KEYS = V32_VALIDATED_POSITION_KEYS;
const BACKUP_RE = /^positions_.*\.json$/;

/** The exit fields of a position not (yet) closed: all null. */
const NOT_CLOSED = {
  exit_date: null,
  exit_price: null,
  exit_reason: null,
  pnl: null,
  pnl_pct: null,
  r_multiple: null,
} as const;

/** How a release's `Position` dataclass saves and loads records. */
interface RecordShape {
  /** `to_dict()` order: every field. */
  order: readonly (keyof SimPosition)[];
  /** `from_dict`: `cls(**data)` crashes on an unknown key (up to v3.8.x); v3.9.0 filters them out. */
  unknownKeys: 'crash' | 'drop';
}

const V32_SHAPE: RecordShape = { order: FIELD_ORDER, unknownKeys: 'crash' };

/** v3.9.0 `src/position_tracker.py` (read at the tag): `entry_reason: Optional[str] = None` after exit_reason. */
const V39_SHAPE: RecordShape = {
  order: [
    'position_id',
    'symbol',
    'system',
    'direction',
    'entry_date',
    'entry_price',
    'entry_n',
    'units',
    'max_units',
    'shares_per_unit',
    'total_shares',
    'stop_loss',
    'pyramid_level',
    'exit_period',
    'status',
    'last_update',
    'exit_date',
    'exit_price',
    'exit_reason',
    'entry_reason',
    'pnl',
    'pnl_pct',
    'r_multiple',
  ],
  unknownKeys: 'drop',
};

/** The record shape in force at a version (v3.3.0 … v3.8.x keep the v3.2 dataclass). */
const shapeOf = (version: SimVersion): RecordShape => (version === 'v3.9' ? V39_SHAPE : V32_SHAPE);

/** `Position.to_dict()`: every field, dataclass order, defaults for the absent ones. */
function canonical(p: Partial<SimPosition>, shape: RecordShape = V32_SHAPE): Record<string, unknown> {
  const defaults: Partial<SimPosition> = {
    max_units: 4,
    shares_per_unit: 0,
    pyramid_level: 0,
    exit_period: 20,
    last_update: '',
    ...NOT_CLOSED,
    entry_reason: null,
  };
  const out: Record<string, unknown> = {};
  for (const k of shape.order) out[k] = k in p ? p[k] : defaults[k];
  return out;
}

interface FileWrite {
  at: Instant;
  which: 'positions' | 'entries';
  content: string;
}

class SimStore implements ReleaseStore {
  text = '';
  /** Parsed list when the text parses as a JSON list, else undefined (corrupt). */
  private raw: Record<string, unknown>[] | undefined;
  entries: SimEntry[] = [];
  readonly backups = new Map<string, string>();
  /** positions-healed: the next reader catches a half-written file. */
  tornRead = false;
  readonly writes: FileWrite[] = [];
  private readonly signals = new Map<string, number>();
  private readonly cache = new Map<string, Instant>();

  constructor(
    private readonly zone: StampZone,
    readonly shape: RecordShape = V32_SHAPE,
  ) {}

  positionsText(): string {
    return this.text;
  }

  newestCache(): Instant | undefined {
    const all = [...this.cache.values()];
    return all.length === 0 ? undefined : Math.max(...all);
  }

  setPositionsText(text: string, at: Instant | undefined): void {
    this.text = text;
    try {
      const parsed: unknown = JSON.parse(text);
      this.raw = Array.isArray(parsed) ? (parsed as Record<string, unknown>[]) : undefined;
    } catch {
      this.raw = undefined;
    }
    if (at !== undefined) this.writes.push({ at, which: 'positions', content: text });
  }

  rawRecords(): Record<string, unknown>[] | undefined {
    return this.raw?.map((r) => ({ ...r }));
  }

  healIfCorrupt(at: Instant): { error: string; restoredFrom?: string } | undefined {
    if (this.raw !== undefined && !this.tornRead) return undefined;
    const seen = this.tornRead ? tornCopy(this.text) : this.text;
    this.tornRead = false;
    const error = pythonJsonError(seen);
    const newest = [...this.backups.keys()]
      .filter((n) => BACKUP_RE.test(n))
      .sort()
      .at(-1);
    if (newest === undefined) return { error };
    this.setPositionsText(this.backups.get(newest)!, at); // shutil.copy over the live file
    return { error, restoredFrom: newest };
  }

  read(): PositionsRead {
    const skipped: string[] = [];
    const valid: SimPosition[] = [];
    for (const rec of this.raw ?? []) {
      if (typeof rec !== 'object' || rec === null || !REQUIRED_KEYS.every((k) => k in rec)) {
        skipped.push(String((rec as Record<string, unknown> | null)?.position_id ?? 'unknown'));
        continue;
      }
      const known = this.shape === V32_SHAPE ? KNOWN_KEYS : new Set<string>(this.shape.order);
      const extra = Object.keys(rec).find((k) => !known.has(k));
      if (extra !== undefined && this.shape.unknownKeys === 'crash') return { kind: 'crash', skipped, key: extra };
      valid.push(canonical(rec as Partial<SimPosition>, this.shape) as unknown as SimPosition);
    }
    return { kind: 'ok', valid, skipped };
  }

  openIds(): string[] {
    const r = this.read();
    return r.kind === 'ok' ? r.valid.filter((p) => p.status === 'open').map((p) => p.position_id) : [];
  }

  close(positionId: string, exitPrice: number, reason: string, at: Instant): CloseOutcome | undefined {
    const r = this.read();
    if (r.kind !== 'ok') return undefined;
    const index = r.valid.findIndex((p) => p.position_id === positionId && p.status === 'open');
    if (index === -1) return undefined;
    const record = closedRecord(r.valid[index]!, this.entries, exitPrice, reason, at, this.zone);
    const positions = r.valid.map((p, i) => (i === index ? record : p));
    // backup_file: the pre-change file, only on the day's first write; keep 7
    const name = `positions_${compactStamp(at, this.zone).slice(0, 8)}.json`;
    let backupCreated: string | undefined;
    const backupsDeleted: string[] = [];
    if (!this.backups.has(name)) {
      this.backups.set(name, this.text);
      backupCreated = name;
      const all = [...this.backups.keys()].filter((n) => BACKUP_RE.test(n)).sort();
      for (const old of all.slice(0, Math.max(0, all.length - 7))) {
        this.backups.delete(old);
        backupsDeleted.push(old);
      }
    }
    // _save_positions writes only what loaded: a record skipped for a missing key is dropped here
    this.setPositionsText(dumpRecords(positions.map((x) => canonical(x, this.shape))), at);
    return { record, ...(backupCreated ? { backupCreated } : {}), backupsDeleted };
  }

  saveSignal(at: Instant): void {
    const date = wallClock(at, this.zone).date;
    this.signals.set(date, (this.signals.get(date) ?? 0) + 1);
  }

  signalsOn(date: string): number {
    return this.signals.get(date) ?? 0;
  }

  touchCache(symbol: string, at: Instant): void {
    this.cache.set(symbol, at);
  }

  cacheStats(): { files: number; sizeMb: number } {
    let bytes = 0;
    for (const symbol of this.cache.keys()) bytes += 38_000 + (parseInt(sha256(symbol).slice(0, 4), 16) % 20_000);
    return { files: this.cache.size, sizeMb: bytes / 1024 / 1024 };
  }

  cleanupCache(at: Instant): number {
    return this.dropCache((age) => age > 7 * DAY, at);
  }

  /** The Sunday `find … -mtime +7 -delete`: whole days of age, more than 7. */
  findDelete(at: Instant): number {
    return this.dropCache((age) => Math.floor(age / DAY) > 7, at);
  }

  private dropCache(old: (age: number) => boolean, at: Instant): number {
    let n = 0;
    for (const [symbol, mtime] of [...this.cache]) {
      if (old(at - mtime)) {
        this.cache.delete(symbol);
        n++;
      }
    }
    return n;
  }
}

/** What a reader sees of a file being rewritten in place: a prefix cut inside a string. */
function tornCopy(text: string): string {
  const quotes = [...text.matchAll(/\n {4}"/g)].map((m) => m.index! + 5);
  const at = quotes[Math.floor(quotes.length / 2)];
  return at === undefined ? '' : text.slice(0, at + 1 + 3);
}

function avgEntryPrice(pos: SimPosition, entries: readonly SimEntry[]): number {
  const mine = entries.filter((e) => e.position_id === pos.position_id);
  let cost = 0;
  let shares = 0;
  for (const e of mine) {
    cost += e.entry_price * e.shares;
    shares += e.shares;
  }
  return shares > 0 ? cost / shares : pos.entry_price;
}

function closedRecord(
  pos: SimPosition,
  entries: readonly SimEntry[],
  exitPrice: number,
  reason: string,
  at: Instant,
  zone: StampZone,
): SimPosition {
  const avg = avgEntryPrice(pos, entries);
  const pnl = pos.direction === 'LONG' ? (exitPrice - avg) * pos.total_shares : (avg - exitPrice) * pos.total_shares;
  return {
    ...pos,
    status: 'closed',
    last_update: isoNaive(at, zone, at % 997),
    exit_date: wallClock(at, zone).date,
    exit_price: exitPrice,
    exit_reason: reason,
    pnl,
    pnl_pct: (pnl / (avg * pos.total_shares)) * 100,
    r_multiple: pnl / (Math.abs(avg - pos.stop_loss) * pos.total_shares),
  };
}

// ---------------------------------------------------------------------------------------------
// The starting data: the sample portfolio, dated relative to the first day

interface SeedSpec {
  symbol: string;
  system: 1 | 2;
  direction: 'LONG' | 'SHORT';
  /** Entries: days before the start, KST time, price, shares, N. The first opens the position. */
  levels: readonly (readonly [daysBefore: number, time: string, price: number, shares: number, n: number])[];
  lastUpdate: readonly [daysBefore: number, time: string];
}

const SEED: readonly SeedSpec[] = [
  {
    symbol: 'QQQ',
    system: 1,
    direction: 'LONG',
    levels: [
      [25, '07:15:44', 521.3, 4, 9.6],
      [24, '07:20:31', 526.1, 4, 9.7],
    ],
    lastUpdate: [24, '07:20:31.552071'],
  },
  { symbol: 'TSLA', system: 2, direction: 'SHORT', levels: [[19, '07:32:04', 338.5, 7, 14.2]], lastUpdate: [19, '07:32:04.118530'] },
  {
    symbol: '005930.KS',
    system: 1,
    direction: 'LONG',
    levels: [
      [18, '10:05:12', 98400.0, 5, 2850.0],
      [17, '10:11:45', 99825.0, 5, 2910.0],
      [11, '09:41:07', 101250.0, 5, 2880.0],
    ],
    lastUpdate: [11, '09:41:07.318822'],
  },
  {
    symbol: '000660.KS',
    system: 2,
    direction: 'LONG',
    levels: [[17, '09:33:18', 214500.0, 2, 9800.0]],
    lastUpdate: [17, '09:33:18.604127'],
  },
  { symbol: 'NVDA', system: 1, direction: 'LONG', levels: [[8, '07:23:11', 182.4, 16, 6.2]], lastUpdate: [8, '07:23:11.402913'] },
  { symbol: 'GLD', system: 2, direction: 'LONG', levels: [[4, '07:08:45', 268.9, 24, 4.1]], lastUpdate: [4, '07:08:45.770164'] },
];

interface Prehistory {
  positions: SimPosition[];
  entries: SimEntry[];
  backups: Map<string, string>;
  deployedAt: Instant;
}

function prehistory(start: string, zone: StampZone, shape: RecordShape = V32_SHAPE): Prehistory {
  const day = (before: number): string => addDays(start, -before);
  const built = SEED.map((spec) => {
    const [d0, t0, price0, shares0, n0] = spec.levels[0]!;
    const id = `${spec.symbol}_${spec.system}_${spec.direction}_${day(d0).replaceAll('-', '')}_${t0.replaceAll(':', '')}`;
    const entries: SimEntry[] = spec.levels.map(([d, , price, shares, n], level) => ({
      entry_id: `${id}_${level}`,
      position_id: id,
      entry_date: day(d),
      entry_price: price,
      shares,
      pyramid_level: level,
      n_value: n,
    }));
    const total = spec.levels.reduce((s, l) => s + l[3], 0);
    const position: SimPosition = {
      position_id: id,
      symbol: spec.symbol,
      system: spec.system,
      direction: spec.direction,
      entry_date: day(d0),
      entry_price: price0,
      entry_n: n0,
      units: spec.levels.length,
      max_units: 4,
      shares_per_unit: shares0,
      total_shares: total,
      stop_loss: spec.direction === 'LONG' ? price0 - 2 * n0 : price0 + 2 * n0,
      pyramid_level: spec.levels.length - 1,
      exit_period: spec.system === 1 ? 10 : 20,
      status: 'open',
      last_update: `${day(spec.lastUpdate[0])}T${spec.lastUpdate[1]}`,
      ...NOT_CLOSED,
    };
    return { position, entries, openedBefore: d0 };
  });
  // v3.2.1 was deployed a week before; its 07:00 run six days before stopped QQQ out (the sample's closed record).
  const deployedAt = kstInstant(day(7), '14:12');
  const qqqCloseAt = kstInstant(day(6), '07:00') + 52_118;
  const before = built.filter((b) => b.openedBefore > 6).map((b) => b.position);
  const allEntries = built.flatMap((b) => b.entries).sort((a, b) => a.entry_date.localeCompare(b.entry_date));
  const qqq = built[0]!.position;
  const closedQqq = closedRecord(qqq, allEntries, qqq.stop_loss, 'Stop Loss', qqqCloseAt, zone);
  const positions = built.map((b) => (b.position === qqq ? closedQqq : b.position));
  const beforeText = dumpRecords(before.map((x) => canonical(x, shape)));
  const backups = new Map<string, string>([
    [`positions_${compactStamp(qqqCloseAt, zone).slice(0, 8)}.json`, beforeText],
    // the deploy script's copy; its name does not match positions_*.json, so it is never restored
    [`positions-pre-v3.2.1-${compactStamp(deployedAt, 'Asia/Seoul').replace('_', '-')}.json`, beforeText],
  ]);
  return { positions, entries: allEntries, backups, deployedAt };
}

// ---------------------------------------------------------------------------------------------
// Market model: which bars bring stop losses, exits, pyramid chances and breakouts

/** Close instant of a session (KR 15:30 KST, US 16:00 ET). */
function sessionClose(market: Market, date: string): Instant {
  if (market === 'KR') return kstInstant(date, '15:30');
  const d = parseDate(date)!;
  const utc16 = Date.UTC(d.year, d.month - 1, d.day, 16);
  return utc16 - easternOffset(utc16 + 4 * HOUR);
}

/** The latest session whose bar exists at an instant: what a fetch returns as "today". */
function barOf(market: Market, instant: Instant): string {
  let date = wallClock(instant, market === 'KR' ? 'Asia/Seoul' : 'US/Eastern').date;
  for (let i = 0; i < 20; i++, date = addDays(date, -1)) {
    if (isTradingDay(market, date) && sessionClose(market, date) <= instant) return date;
  }
  return date;
}

interface PlannedCloseItem extends PlannedClose {
  positionId: string;
  market: Market;
  session: string;
  done: boolean;
}

interface MarketPlan {
  closes: PlannedCloseItem[];
  pyramids: { positionId: string; market: Market; sessions: Set<string> }[];
  breakouts: (Breakout & { market: Market; session: string })[];
}

function sessionsIn(market: Market, t0: Instant, tEnd: Instant, start: string, days: number): string[] {
  const out: string[] = [];
  for (let i = -1; i <= days; i++) {
    const date = addDays(start, i);
    const close = sessionClose(market, date);
    if (isTradingDay(market, date) && close >= t0 && close < tEnd) out.push(date);
  }
  return out;
}

function roundPrice(market: Market, x: number): number {
  return market === 'KR' ? Math.round(x / 100) * 100 : Math.fround(Math.round(x * 100) / 100);
}

function planMarket(rng: Rng, open: readonly SimPosition[], sessions: Record<Market, string[]>, days: number): MarketPlan {
  const plan: MarketPlan = { closes: [], pyramids: [], breakouts: [] };
  const pool = [...open];
  const take = (): SimPosition | undefined => (pool.length === 0 ? undefined : pool.splice(rng.int(0, pool.length - 1), 1)[0]);
  const closeCount = days >= 6 ? (rng.chance(0.65) ? 2 : 1) : 0;
  for (let c = 0; c < closeCount; c++) {
    const pos = take();
    if (!pos) break;
    const market = marketOf(pos.symbol);
    const list = sessions[market];
    if (list.length < 3) continue;
    const half = Math.floor(list.length / 2);
    const session = c === 0 ? list[rng.int(Math.min(2, half), Math.max(2, half))]! : list[rng.int(half, list.length - 1)]!;
    const long = pos.direction === 'LONG';
    const n = pos.entry_n;
    if (c === 0 || rng.chance(0.5)) {
      const closePrice = roundPrice(market, long ? pos.stop_loss - rng.next() * 0.4 * n : pos.stop_loss + rng.next() * 0.4 * n);
      plan.closes.push({ positionId: pos.position_id, market, session, kind: 'stop', closePrice, exitPrice: pos.stop_loss, done: false });
    } else {
      const exitPrice = roundPrice(
        market,
        long ? pos.stop_loss + (0.3 + rng.next() * 2.2) * n : pos.stop_loss - (0.3 + rng.next() * 2.2) * n,
      );
      const closePrice = roundPrice(market, long ? exitPrice - rng.next() * 0.3 * n : exitPrice + rng.next() * 0.3 * n);
      plan.closes.push({ positionId: pos.position_id, market, session, kind: 'exit', closePrice, exitPrice, done: false });
    }
  }
  const windows = rng.chance(0.5) ? 2 : 1;
  for (let k = 0; k < windows; k++) {
    const candidates = pool.filter((p) => p.units < p.max_units);
    if (candidates.length === 0) break;
    const pos = rng.pick(candidates);
    pool.splice(pool.indexOf(pos), 1);
    const market = marketOf(pos.symbol);
    const list = sessions[market];
    if (list.length === 0) continue;
    const from = rng.int(0, Math.max(0, list.length - 2));
    plan.pyramids.push({ positionId: pos.position_id, market, sessions: new Set(list.slice(from, from + rng.int(1, 3))) });
  }
  const others = UNIVERSE.map(([s]) => s).filter((s) => !DEFAULT_SYMBOLS.includes(s) && marketOf(s) === 'US');
  const count = Math.max(2, Math.round(days / 7));
  for (let k = 0; k < count; k++) {
    const roll = rng.next();
    const symbol = roll < 0.7 ? rng.pick(DEFAULT_SYMBOLS) : roll < 0.85 ? rng.pick(others) : '035420.KS';
    const market = marketOf(symbol);
    if (sessions[market].length === 0) continue;
    const systems = rng.chance(0.35) ? [1, 2] : [rng.pick([1, 2])];
    const n = (TYPICAL_N[symbol] ?? 5) * (0.9 + rng.next() * 0.2);
    plan.breakouts.push({ symbol, systems, direction: rng.chance(0.8) ? 'LONG' : 'SHORT', n, market, session: rng.pick(sessions[market]) });
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// simulate()

interface Ordered {
  at: Instant;
  seq: number;
  event: Event;
}

type Action =
  | { at: Instant; kind: 'run'; job: SimJob; version: SimVersion; dayIndex: number }
  | { at: Instant; kind: 'fault'; fault: TimedFault; index: number }
  | { at: Instant; kind: 'switch' };

interface Normalized {
  start: string;
  days: number;
  seed: number;
  zone: StampZone;
  initial: SimVersion;
  telegram: boolean;
  faults: Fault[];
  switchAt?: Instant;
  switchTo?: SimVersion;
}

function normalize(o: SimOptions): Normalized {
  const problems: string[] = [];
  const startDate = typeof o.start === 'string' ? parseDate(o.start) : undefined;
  if (!startDate) problems.push(`start '${String(o.start)}' is not a YYYY-MM-DD date`);
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 366) problems.push(`days must be an integer in 1..366, got ${String(o.days)}`);
  if (!Number.isFinite(o.seed)) problems.push('seed must be a finite number');
  if (o.logStampZone !== 'UTC' && o.logStampZone !== 'Asia/Seoul') problems.push(`logStampZone must be 'UTC' or 'Asia/Seoul'`);
  const initial = o.initialVersion ?? 'v3.2.1';
  if (initial !== 'v3.2.1' && initial !== 'v3.2.0' && !isSupercronicFamily(initial))
    problems.push(`initialVersion must be v3.2.1, v3.2.0, v3.4, v3.6, v3.8 or v3.9`);
  if (isSupercronicFamily(initial)) {
    // the image sets TZ=Asia/Seoul (v3.6.0+ also in the crontab): every job stamps KST
    if (o.logStampZone !== 'Asia/Seoul') problems.push(`logStampZone must be 'Asia/Seoul' for ${initial} (supercronic jobs run in KST)`);
    if (o.versionSwitch) problems.push(`versionSwitch is simulated between v3.2.1 and v3.2.0 only`);
  }
  if (startDate && Number.isInteger(o.days)) {
    const first = parseDate(addDays(o.start, -1))!.year;
    const last = parseDate(addDays(o.start, o.days))!.year;
    if (first < CALENDAR_YEARS[0] || last > CALENDAR_YEARS[CALENDAR_YEARS.length - 1]!) {
      problems.push(`the simulated range must lie within ${CALENDAR_YEARS.join('–')} (the holiday tables of the guarded system)`);
    }
  }
  const faults = o.faults ?? [];
  if (Number.isInteger(o.days)) problems.push(...faultProblems(faults, o.days));
  let switchAt: Instant | undefined;
  const sw = o.versionSwitch;
  if (sw) {
    if (sw.from !== initial) problems.push(`versionSwitch.from (${sw.from}) must be the initial version (${initial})`);
    if (sw.to === sw.from || (sw.to !== 'v3.2.0' && sw.to !== 'v3.2.1')) problems.push(`versionSwitch.to must be the other version`);
    if (!Number.isInteger(sw.atDay) || sw.atDay < 0 || sw.atDay >= o.days) problems.push(`versionSwitch.atDay must be in 0..${o.days - 1}`);
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(sw.atKst)) problems.push(`versionSwitch.atKst '${sw.atKst}' is not HH:MM`);
    if (problems.length === 0) switchAt = kstInstant(addDays(o.start, sw.atDay), sw.atKst);
  }
  if (problems.length > 0) throw new Error(`simulate: invalid options:\n  ${problems.join('\n  ')}`);
  return {
    start: o.start,
    days: o.days,
    seed: o.seed,
    zone: o.logStampZone,
    initial,
    telegram: o.telegramConfigured ?? true,
    faults,
    ...(switchAt !== undefined ? { switchAt, switchTo: sw!.to } : {}),
  };
}

const hhmm = (instant: Instant): string => {
  const w = wallClock(instant, 'Asia/Seoul');
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
};

const secs = (ms: number): string =>
  ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;

/**
 * Simulate `days` KST calendar days of the guarded deployment from `start`. Throws (with one line per
 * problem) on invalid options or a fault that cannot be placed; never touches the file system.
 * Runs are processed in fire-time order; each run draws from a random stream of its own, so a fault
 * changes its own run and what follows from it (files, locks), not the noise of unrelated days.
 */
export function simulate(options: SimOptions): SimTimeline {
  const o = normalize(options);
  const { zone, seed } = o;
  const t0 = kstInstant(o.start);
  const tEnd = t0 + o.days * DAY;
  const dayDate = (i: number): string => addDays(o.start, i);
  const dayIndexOf = (at: Instant): number => Math.floor((at - t0) / DAY);
  const versionAt = (at: Instant): SimVersion => (o.switchAt !== undefined && at >= o.switchAt ? o.switchTo! : o.initial);

  const ordered: Ordered[] = [];
  let seq = 0;
  const emit = (at: Instant, event: Event): void => {
    ordered.push({ at, seq: seq++, event });
  };
  const notes: string[][] = Array.from({ length: o.days }, () => []);
  const note = (at: Instant, text: string): void => {
    const i = dayIndexOf(at);
    if (i >= 0 && i < o.days) notes[i]!.push(text);
  };

  // ---- starting state
  const shape = shapeOf(o.initial);
  const store = new SimStore(zone, shape);
  const history = prehistory(o.start, zone, shape);
  store.setPositionsText(dumpRecords(history.positions.map((x) => canonical(x, shape))), undefined);
  store.entries = history.entries;
  for (const [name, content] of history.backups) store.backups.set(name, content);
  // the last v3.2.0 signal run before the deploy refreshed the cache; v3.2.1 never writes it
  const lastSignalRun = o.initial !== 'v3.2.0' ? history.deployedAt - 22 * HOUR : t0 - 8 * HOUR;
  for (const s of DEFAULT_SYMBOLS) store.touchCache(s, lastSignalRun);
  const entriesText = dumpRecords(history.entries as unknown as Record<string, unknown>[]);

  const planRng = streamRng(seed, 1);
  const initialOpen = store.read();
  const sessions: Record<Market, string[]> = {
    KR: sessionsIn('KR', t0, tEnd, o.start, o.days),
    US: sessionsIn('US', t0, tEnd, o.start, o.days),
  };
  const market = planMarket(
    planRng,
    initialOpen.kind === 'ok' ? initialOpen.valid.filter((p) => p.status === 'open') : [],
    sessions,
    o.days,
  );

  // ---- outages and kill instants
  const outages: { from: Instant; to: Instant }[] = [];
  o.faults.forEach((f) => {
    if (f.kind === 'cron-stopped') {
      const from = kstInstant(dayDate(f.day), faultTime(f));
      outages.push({ from, to: from + (f.minutes ?? 60) * MINUTE });
    }
  });
  const inOutage = (at: Instant): boolean => outages.some((x) => at >= x.from && at < x.to);
  const kills = [...outages.map((x) => x.from), ...(o.switchAt !== undefined ? [o.switchAt] : [])].sort((a, b) => a - b);
  const nextKill = (after: Instant): Instant => kills.find((k) => k > after) ?? Number.POSITIVE_INFINITY;

  // ---- scheduled runs of each version's crontab
  const actions: Action[] = [];
  const segments: { version: SimVersion; from: Instant; to: Instant }[] =
    o.switchAt === undefined
      ? [{ version: o.initial, from: t0, to: tEnd }]
      : [
          { version: o.initial, from: t0, to: Math.min(o.switchAt, tEnd) },
          { version: o.switchTo!, from: o.switchAt + RECREATE_MS, to: tEnd },
        ];
  for (const seg of segments) {
    for (const job of JOBS[seg.version]) {
      for (const at of fireTimes(job, seg.from, seg.to))
        actions.push({ at, kind: 'run', job, version: seg.version, dayIndex: dayIndexOf(at) });
    }
  }
  if (o.switchAt !== undefined) {
    for (const job of JOBS[o.switchTo!]) {
      for (const at of fireTimes(job, o.switchAt, o.switchAt + RECREATE_MS)) {
        note(
          at,
          `${hhmm(at)} ${job.logFile}: no run — the containers were being recreated at that minute (cron in the new container starts after it)`,
        );
      }
    }
    actions.push({ at: o.switchAt, kind: 'switch' });
  }

  // ---- faults: bind each run fault to its run, up front
  const runFaults = new Map<string, { fault: RunFault; index: number }[]>();
  const runKey = (dayIndex: number, job: JobKey): string => `${dayIndex}:${job}`;
  const problems: string[] = [];
  o.faults.forEach((fault, index) => {
    if (!isRunFault(fault)) {
      if (fault.kind !== 'cron-stopped')
        actions.push({ at: kstInstant(dayDate(fault.day), faultTime(fault)), kind: 'fault', fault, index });
      return;
    }
    const job = faultJob(fault);
    const date = dayDate(fault.day);
    const run = actions.find(
      (a): a is Extract<Action, { kind: 'run' }> => a.kind === 'run' && a.dayIndex === fault.day && a.job.key === job,
    );
    const where = `faults[${index}] (${fault.kind})`;
    if (!run) {
      problems.push(
        `${where}: no ${job} run is scheduled on day ${fault.day} (${date}, ${WEEKDAY_NAMES[new Date(kstInstant(date) + 9 * HOUR).getUTCDay()]})`,
      );
      return;
    }
    if (fault.kind === 'positions-healed' && run.job.script === 'signal_check.py')
      problems.push(`${where}: signal_check.py never reads positions.json; use job 'report'`);
    if (fault.kind === 'event-without-success' && run.job.key === 'report')
      problems.push(`${where}: daily_report.py has no notify events; use report-without-success`);
    const list = runFaults.get(runKey(fault.day, job)) ?? [];
    list.push({ fault, index });
    runFaults.set(runKey(fault.day, job), list);
  });
  if (problems.length > 0) throw new Error(`simulate: faults that cannot be placed:\n  ${problems.join('\n  ')}`);

  actions.sort((a, b) => a.at - b.at || (a.kind === 'run' ? 1 : 0) - (b.kind === 'run' ? 1 : 0));

  // ---- observations at the start
  const family = isSupercronicFamily(o.initial) ? o.initial : undefined;
  // supercronic images have no `crontab` binary: the schedule is read from /app/crontab, the file in the command
  emit(t0 + 100, {
    kind: 'crontab',
    crontab: { text: CRONTABS[o.initial], source: family ? 'file' : 'container', observedAt: t0 + 100 },
  });
  emit(t0 + 150, { kind: 'container-files', present: { ...CONTAINER_FILES[o.initial] }, observedAt: t0 + 150 });

  // container history: state changes, observed on change and by an hourly inspect
  type CronState = Omit<ContainerObservation, 'observedAt' | 'name'>;
  const cronChanges: { at: Instant; state: CronState }[] = [];
  const dashChanges: { at: Instant; version: SimVersion; createdAt: Instant }[] = [];
  const cronStartedAt = o.initial !== 'v3.2.0' ? history.deployedAt : t0 - 30 * DAY;
  cronChanges.push({
    at: t0,
    state: {
      status: 'running',
      imageId: IMAGE_IDS[o.initial],
      imageRef: IMAGE_REFS[CRON_CONTAINER],
      restartCount: 0,
      startedAt: cronStartedAt,
    },
  });
  dashChanges.push({ at: t0, version: o.initial, createdAt: cronStartedAt });

  // ---- processing
  const logs = new Map<string, string[]>();
  const lastObserved = new Map<string, Instant>();
  const processes: { from: Instant; to: Instant; command: string }[] = [];
  const runs: SimRun[] = [];
  let pid = 4000 + streamRng(seed, 2).int(0, 3000);
  let lockPid: number | undefined = o.initial !== 'v3.2.0' ? pid - 137 : undefined;
  // ---- supercronic: its stdout in `docker logs`, job iterations counted from its start
  const dockerLines: { at: Instant; seq: number; text: string }[] = [];
  const dockerLine = (at: Instant, text: string): void => {
    dockerLines.push({ at, seq: seq++, text });
  };
  if (family) for (const text of supercronicStartup(cronStartedAt, family)) dockerLine(cronStartedAt, text);
  const iterations = new Map<number, number>();
  const nextIteration = (job: SimJob): number => {
    const position = job.cron!.position;
    const n = iterations.get(position) ?? fireTimes(job, cronStartedAt, t0).length;
    iterations.set(position, n + 1);
    return n;
  };
  // ---- monitor_positions (v3.6.0+): on a stop-loss day the intraday low crosses the stop hours before
  // the 16:00 / 07:00 check closes the position; data/monitor_state.json keeps one alert per position
  // and a 60-minute cooldown for the loss warning
  const stopAlerted = new Set<string>();
  const lastLossWarning = new Map<string, Instant>();
  const intradayBreaches = (at: Instant): Map<string, IntradayBreach> => {
    const out = new Map<string, IntradayBreach>();
    for (const c of market.closes) {
      if (c.done || c.kind !== 'stop') continue;
      const close = sessionClose(c.market, c.session);
      const open = close - 6.5 * HOUR; // both sessions last 6.5 hours (KRX 09:00–15:30, NYSE 09:30–16:00)
      const breachAt = open + Math.floor(streamRng(seed, close ^ 0x2545f491).next() * (close - open) * 0.8);
      if (at < breachAt || at > close) continue;
      out.set(c.positionId, { price: c.closePrice, stopAlert: !stopAlerted.has(c.positionId), lastWarnings: lastLossWarning });
      stopAlerted.add(c.positionId);
    }
    return out;
  };
  /** mtime of each log file (`find /app/logs -mtime +14` deletes by it). */
  const logWritten = new Map<string, Instant>();
  let lockHeldUntil = Number.NEGATIVE_INFINITY; // a hung check_positions keeps data/.check_positions.lock

  const appendLog = (file: string, lines: readonly WrittenLine[], rng: Rng): void => {
    const all = logs.get(file) ?? [];
    logs.set(file, all);
    const last = lines.at(-1);
    if (last) logWritten.set(file, last.at);
    for (const l of lines) all.push(l.text);
    let i = 0;
    while (i < lines.length) {
      let j = i + 1;
      while (j < lines.length && lines[j]!.at - lines[j - 1]!.at <= 250 && j - i < 64) j++;
      const chunk = lines.slice(i, j);
      const delay = 5 + Math.floor(rng.next() ** 3 * 2_000);
      const observedAt = Math.max(chunk.at(-1)!.at + delay, (lastObserved.get(file) ?? Number.NEGATIVE_INFINITY) + 1);
      lastObserved.set(file, observedAt);
      const out: LogLine[] = chunk.map((l) => ({ file, text: l.text, observedAt, live: true }));
      emit(observedAt, { kind: 'log-lines', lines: out });
      i = j;
    }
  };

  const killProcessesAt = (at: Instant): void => {
    for (const p of processes) if (p.from <= at && p.to > at) p.to = at;
    if (lockHeldUntil > at) lockHeldUntil = at;
  };

  for (const action of actions) {
    if (action.kind === 'switch') {
      const at = action.at;
      const to = o.switchTo!;
      killProcessesAt(at);
      cronChanges.push({
        at: at + 500,
        state: { status: 'exited', imageId: IMAGE_IDS[o.initial], imageRef: IMAGE_REFS[CRON_CONTAINER], restartCount: 0 },
      });
      cronChanges.push({
        at: at + RECREATE_MS,
        state: {
          status: 'running',
          imageId: IMAGE_IDS[to],
          imageRef: IMAGE_REFS[CRON_CONTAINER],
          restartCount: 0,
          startedAt: at + RECREATE_MS,
        },
      });
      dashChanges.push({ at: at + RECREATE_MS + 400, version: to, createdAt: at + RECREATE_MS + 400 });
      emit(at + RECREATE_MS + 2_000, {
        kind: 'crontab',
        crontab: { text: CRONTABS[to], source: 'container', observedAt: at + RECREATE_MS + 2_000 },
      });
      emit(at + RECREATE_MS + 2_050, {
        kind: 'container-files',
        present: { ...CONTAINER_FILES[to] },
        observedAt: at + RECREATE_MS + 2_050,
      });
      note(
        at,
        `${hhmm(at)} version switch ${o.initial} → ${to}: containers recreated (image ${IMAGE_IDS[to].slice(0, 19)}…), crontab now runs ${JOBS[to][0]!.script}`,
      );
      continue;
    }

    if (action.kind === 'fault') {
      applyTimedFault(action.fault, action.index, action.at);
      continue;
    }

    // a scheduled run
    const { job, version, dayIndex, at: fire } = action;
    const bound = job.key === 'cleanup' ? [] : (runFaults.get(runKey(dayIndex, job.key)) ?? []);
    const has = <K extends FaultKind>(kind: K): Extract<RunFault, { kind: K }> | undefined =>
      bound.find((b) => b.fault.kind === kind)?.fault as Extract<RunFault, { kind: K }> | undefined;
    const run: SimRun = {
      job: job.key,
      version,
      script: job.script,
      logFile: job.logFile,
      day: dayDate(dayIndex),
      dayIndex,
      scheduledAt: fire,
      outcome: 'ok',
      lineCount: 0,
      channelLine: false,
      successes: [],
      failures: [],
      events: [],
      closed: [],
      faults: bound.map((b) => b.fault.kind),
    };
    runs.push(run);
    const label = `${hhmm(fire)} ${job.logFile} (${job.script})`;
    if (inOutage(fire)) {
      run.outcome = 'container-down';
      note(
        fire,
        `${label}: no run — turtle-cron was stopped${bound.length ? ` (faults ${bound.map((b) => b.index).join(', ')} had no effect)` : ''}`,
      );
      continue;
    }
    if (has('missed-run')) {
      run.outcome = 'missed';
      note(fire, `${label}: fault missed-run — no line at all`);
      continue;
    }
    if (job.key === 'cleanup' || job.key === 'log-cleanup' || job.key === 'data-cleanup') {
      if (!logs.has(job.logFile)) {
        logs.set(job.logFile, []); // `>>` creates the file; find prints nothing
        logWritten.set(job.logFile, fire);
      }
      run.outcome = 'silent';
      run.endedAt = fire + 60;
      if (job.key === 'cleanup') {
        const removed = store.findDelete(fire);
        note(fire, `${label}: ran silently (${removed} cache files removed, no output)`);
      } else if (job.key === 'log-cleanup') {
        // `find /app/logs -name "*.log" -mtime +14 -delete`: whole days of age, more than 14
        const gone = [...logWritten].filter(([, at]) => Math.floor((fire - at) / DAY) > 14).map(([file]) => file);
        for (const file of gone) {
          logs.delete(file);
          logWritten.delete(file);
        }
        note(fire, `${label}: ran silently${gone.length ? ` (deleted ${gone.join(', ')}: not written for 15+ days)` : ''}`);
      } else {
        note(fire, `${label}: ran silently (old signal/trade parquet files removed, no output)`);
      }
      if (family) {
        run.exitCode = 0;
        const ref = {
          command: job.cron!.command,
          position: job.cron!.position,
          schedule: job.cron!.schedule,
          iteration: nextIteration(job),
        };
        dockerLine(fire, supercronicLine(fire, 'info', 'starting', ref));
        dockerLine(fire + 60, supercronicLine(fire + 60, 'info', 'job succeeded', ref));
      }
      continue;
    }

    // jobs firing in the same minute (supercronic era) get streams of their own
    const rng = streamRng(seed, fire + (job.cron?.position ?? 0));
    const killAt = nextKill(fire);
    const hung = has('hung-run');
    const w = new RunWriter(fire + rng.int(1_750, 2_600), zone, rng, killAt, hung !== undefined);
    const configured = o.telegram && !has('channel-not-configured');
    const failure = has('telegram-send-failure');
    const telegram: TelegramMode = !configured
      ? { kind: 'silent' }
      : failure
        ? { kind: 'fail', cause: failure.cause ?? 'dns' }
        : { kind: 'ok' };
    const traceback = has('traceback-run');
    const crashError = traceback
      ? (traceback.error ?? DEFAULT_TRACEBACK_ERROR[job.script as keyof typeof DEFAULT_TRACEBACK_ERROR])
      : undefined;
    const critical = has('critical-line');
    const common = {
      telegram,
      ...(crashError !== undefined ? { crashError } : {}),
      ...(critical ? { criticalText: critical.text ?? DEFAULT_CRITICAL_TEXT } : {}),
    };
    const forceEvent = failure !== undefined || has('event-without-success') !== undefined;
    const silentEvents = has('event-without-success') !== undefined;
    if (has('positions-healed')) store.tornRead = true;

    let result: RunResult | ReleaseRunResult;
    let plannedCloses: PlannedCloseItem[] = [];
    const releasePlan: ReleaseRunPlan | undefined = family ? { family, telegram, channelLine: configured } : undefined;
    if (releasePlan && job.key === 'monitor') result = writeMonitorPositions(w, store, releasePlan, intradayBreaches(fire));
    else if (releasePlan && job.key === 'health') result = writeHealthCheck(w, store, releasePlan);
    else if (releasePlan && job.key === 'risk') result = writeRiskCheck(w, store, releasePlan);
    else if (releasePlan && job.key === 'backup') result = writeBackup(w, fire, 7 + dayIndex);
    else if (releasePlan && job.key === 'ohlcv') result = writeOhlcvCollect(w, releasePlan);
    else if (releasePlan && job.key === 'charts') result = writeUniverseCharts(w, releasePlan, UNIVERSE_V39);
    else if (releasePlan && job.key === 'weekly') {
      const read = store.read();
      const all = read.kind === 'ok' ? read.valid : [];
      const weekAgo = wallClock(fire - 7 * DAY, 'Asia/Seoul').date;
      let signals = 0;
      for (let d = 0; d < 7; d++) signals += store.signalsOn(wallClock(fire - d * DAY, 'Asia/Seoul').date);
      result = writeWeeklyReport(w, releasePlan, {
        signals,
        closedTrades: all.filter((p) => p.status === 'closed' && (p.exit_date ?? '') > weekAgo).length,
        open: all.filter((p) => p.status === 'open').length,
      });
    } else if (releasePlan && job.key === 'monthly') {
      const month = wallClock(fire - DAY, 'Asia/Seoul').date.slice(0, 7); // the previous month
      const read = store.read();
      const closed = (read.kind === 'ok' ? read.valid : []).filter((p) => p.status === 'closed' && (p.exit_date ?? '').startsWith(month));
      result = writeMonthlyReport(w, releasePlan, month, closed);
    } else if (job.script === 'check_positions.py') {
      plannedCloses = market.closes.filter((c) => !c.done && barOf(c.market, fire) >= c.session);
      const closes = new Map(plannedCloses.map((c) => [c.positionId, c] as const));
      const pyramids = new Set(market.pyramids.filter((p) => p.sessions.has(barOf(p.market, fire))).map((p) => p.positionId));
      const breakouts = market.breakouts.filter((b) => barOf(b.market, fire) === b.session);
      const noData = new Set(UNIVERSE.map(([s]) => s).filter((s) => marketOf(s) === 'US' && rng.chance(0.004)));
      const lockBusy = fire < lockHeldUntil;
      result = writeCheckPositions(
        w,
        store,
        {
          ...common,
          channelLine: configured,
          closes,
          pyramids,
          breakouts,
          noData,
          forceEvent,
          silentEvents,
          ...(family
            ? {
                release: {
                  channelLogger: 'src.script_helpers',
                  riskLogger: family === 'v3.4' ? '__main__' : 'src.script_helpers',
                  correlationSymbols: correlationSymbols(family),
                  universe: family === 'v3.9' ? UNIVERSE_V39 : UNIVERSE,
                  anomalyCheck: family === 'v3.9',
                  recordsTrades: family !== 'v3.4',
                },
              }
            : {}),
        },
        lockBusy,
      );
      if (!lockBusy && result.outcome !== 'killed') lockPid = pid;
    } else if (job.script === 'signal_check.py') {
      const breakouts = market.breakouts.filter((b) => barOf(b.market, fire) === b.session);
      result = writeSignalCheck(w, store, { ...common, channelLine: configured, breakouts, forceEvent, silentEvents });
    } else {
      const reportTelegram: TelegramMode = has('report-without-success') ? { kind: 'silent' } : telegram;
      result = writeDailyReport(w, store, {
        ...common,
        telegram: reportTelegram,
        ...(family ? { channelLogger: 'src.script_helpers', pnlSummary: family === 'v3.9' } : {}),
      });
    }
    store.tornRead = false;
    if (result.forcedEventImpossible) {
      throw new Error(
        `simulate: ${bound.map((b) => `faults[${b.index}] (${b.fault.kind})`).join(', ')} on day ${dayIndex} needs a notify event, but no open position can pyramid in that run`,
      );
    }
    for (const c of plannedCloses) if (!store.openIds().includes(c.positionId)) c.done = true;

    pid += rng.int(3, 40);
    appendLog(job.logFile, w.lines, rng);
    const lastAt = w.lines.at(-1)?.at ?? w.t;
    const released = hung?.releaseAfterMinutes !== undefined ? fire + hung.releaseAfterMinutes * MINUTE : Number.POSITIVE_INFINITY;
    const ended = result.outcome === 'killed' ? killAt : result.outcome === 'hung' ? Math.min(killAt, released) : lastAt + rng.int(20, 80);
    processes.push({ from: fire + rng.int(120, 400), to: ended, command: job.processCommand! });
    const exitCode = 'exitCode' in result ? result.exitCode : result.outcome === 'traceback' ? 1 : 0;
    if (family) run.exitCode = exitCode;
    if (family && Number.isFinite(ended)) {
      const ref = { command: job.cron!.command, position: job.cron!.position, schedule: job.cron!.schedule, iteration: nextIteration(job) };
      dockerLine(fire, supercronicLine(fire, 'info', 'starting', ref));
      // without `>>` the job's stderr reaches supercronic, which relays it line by line
      if (!job.cron!.command.includes('>>'))
        for (const l of w.lines) dockerLine(l.at, supercronicLine(l.at, 'info', l.text, ref, 'stderr'));
      dockerLine(
        ended,
        exitCode === 0
          ? supercronicLine(ended, 'info', 'job succeeded', ref)
          : supercronicLine(ended, 'error', `error running command: exit status ${exitCode}`, ref),
      );
    }
    if (result.outcome === 'hung' && job.script === 'check_positions.py') lockHeldUntil = ended;
    Object.assign(run, {
      outcome: result.outcome,
      lineCount: w.lines.length,
      channelLine: result.tally.channelLine,
      successes: result.tally.successes,
      failures: result.tally.failures,
      events: result.tally.events,
      closed: result.tally.closed,
      ...(result.startedAt !== undefined ? { startedAt: result.startedAt } : {}),
      ...(result.finishedAt !== undefined ? { finishedAt: result.finishedAt } : {}),
      ...(Number.isFinite(ended) ? { endedAt: ended } : {}),
    });
    const parts = [`${label}: ${result.outcome}`];
    if (result.outcome === 'hung' || result.outcome === 'killed') {
      parts.push(`no line after ${hhmm(lastAt)}:${String(wallClock(lastAt, 'Asia/Seoul').second).padStart(2, '0')} KST`);
      parts.push(
        Number.isFinite(ended)
          ? `process gone ${wallClock(ended, 'Asia/Seoul').date} ${hhmm(ended)} KST`
          : 'process still running at the end',
      );
    } else if (result.startedAt !== undefined) {
      parts.push(secs(ended - fire));
    }
    if (run.events.length) parts.push(`events [${run.events.join('; ')}]`);
    if (run.successes.length) parts.push(`sent ${run.successes.length}`);
    if (run.failures.length) parts.push(`send failures ${run.failures.length}`);
    if (exitCode !== 0 && family) parts.push(`exit status ${exitCode}${job.key === 'health' ? ' (normal: .env is not in the image)' : ''}`);
    if (!run.channelLine && (job.script === 'check_positions.py' || job.script === 'signal_check.py') && result.startedAt !== undefined)
      parts.push('no channel line');
    if (run.closed.length) parts.push(`closed ${run.closed.join(', ')}`);
    if (run.faults.length) parts.push(`faults: ${run.faults.join(', ')}`);
    if (result.outcome === 'lock-busy') parts.push('a hung check_positions still holds data/.check_positions.lock');
    if (result.outcome === 'traceback' && !traceback) parts.push('crashed loading positions.json (a key v3.2.x cannot load)');
    note(fire, parts.join(', '));
    if (bound.length > 0 && (result.outcome === 'lock-busy' || result.outcome === 'killed')) {
      note(fire, `${bound.map((b) => `faults[${b.index}] (${b.fault.kind})`).join(', ')} had no effect: the run was ${result.outcome}`);
    }
  }

  function applyTimedFault(fault: TimedFault, index: number, at: Instant): void {
    const where = `faults[${index}] (${fault.kind})`;
    switch (fault.kind) {
      case 'positions-corrupt': {
        const variant = fault.variant ?? 'truncated';
        let text: string;
        if (variant === 'empty') text = '';
        else if (variant === 'garbage')
          text = '\u0000'.repeat(Math.max(1, store.text.length)); // a crash before the data hit the disk (no fsync)
        else if (variant === 'truncated') text = tornCopy(store.text) || store.text.slice(0, Math.floor(store.text.length / 2));
        else {
          const raw = store.rawRecords();
          const victim = raw?.find((r) => r.status === 'open');
          if (!raw || !victim) throw new Error(`simulate: ${where}: missing-key needs a readable positions.json with an open position`);
          delete victim.stop_loss;
          text = dumpRecords(raw);
        }
        store.setPositionsText(text, at);
        note(
          at,
          `${hhmm(at)} ${where}: positions.json ${variant} outside any run${variant === 'missing-key' ? ' (a record lacks stop_loss: readers skip it)' : ' (the next reader heals it from the newest backup)'}`,
        );
        return;
      }
      case 'positions-unknown-key': {
        const key = fault.key ?? 'market';
        const raw = store.rawRecords();
        const victim = raw?.find((r) => r.status === 'open');
        if (!raw || !victim) throw new Error(`simulate: ${where}: needs a readable positions.json with an open position`);
        victim[key] = key === 'market' ? marketOf(String(victim.symbol)) : null;
        store.setPositionsText(dumpRecords(raw), at);
        note(at, `${hhmm(at)} ${where}: key '${key}' added to ${String(victim.position_id)} (check_positions will crash on it)`);
        return;
      }
      case 'positions-vanished': {
        const raw = store.rawRecords();
        const open = raw?.filter((r) => r.status === 'open') ?? [];
        const victim = fault.positionId !== undefined ? open.find((r) => r.position_id === fault.positionId) : open[0];
        if (!raw || !victim) throw new Error(`simulate: ${where}: no open position ${fault.positionId ?? ''} to remove`);
        store.setPositionsText(dumpRecords(raw.filter((r) => r !== victim)), at);
        for (const c of market.closes) if (c.positionId === victim.position_id) c.done = true;
        note(at, `${hhmm(at)} ${where}: open position ${String(victim.position_id)} removed with no close line`);
        return;
      }
      case 'cron-stopped':
        return;
    }
  }

  // cron-stopped: container state and process kills (outside the action loop: they span runs)
  for (const [i, f] of o.faults.entries()) {
    if (f.kind !== 'cron-stopped') continue;
    const from = kstInstant(dayDate(f.day), faultTime(f));
    const to = from + (f.minutes ?? 60) * MINUTE;
    for (const p of processes) if (p.from <= from && p.to > from) p.to = from;
    const v = versionAt(from);
    // docker stop + start keeps the container (and its restart count); startedAt is fixed up below
    cronChanges.push({
      at: from + 300,
      state: { status: 'exited', imageId: IMAGE_IDS[v], imageRef: IMAGE_REFS[CRON_CONTAINER], restartCount: 0 },
    });
    cronChanges.push({
      at: to,
      state: { status: 'running', imageId: IMAGE_IDS[v], imageRef: IMAGE_REFS[CRON_CONTAINER], restartCount: 0, startedAt: to },
    });
    note(from, `${hhmm(from)} faults[${i}] (cron-stopped): turtle-cron exited for ${f.minutes ?? 60} min`);
  }

  // ---- container observations
  cronChanges.sort((a, b) => a.at - b.at);
  dashChanges.sort((a, b) => a.at - b.at);
  let lastStarted = cronStartedAt;
  for (const c of cronChanges) {
    if (c.state.status === 'running') lastStarted = c.state.startedAt ?? lastStarted;
    else c.state = { ...c.state, startedAt: lastStarted }; // an exited container still reports its last start
  }
  const cronAt = (at: Instant): CronState => {
    let state = cronChanges[0]!.state;
    for (const c of cronChanges) if (c.at <= at) state = c.state;
    return state;
  };
  const dashAt = (at: Instant): ContainerObservation => {
    let d = dashChanges[0]!;
    for (const c of dashChanges) if (c.at <= at) d = c;
    return {
      name: DASHBOARD_CONTAINER,
      status: 'restarting',
      imageId: IMAGE_IDS[d.version],
      imageRef: IMAGE_REFS[DASHBOARD_CONTAINER],
      restartCount: Math.max(0, Math.floor((at - d.createdAt) / DASHBOARD_CYCLE_MS)),
      startedAt: at - ((at - d.createdAt) % DASHBOARD_CYCLE_MS),
      observedAt: at,
    };
  };
  const observeContainers = (at: Instant, which: 'both' | 'cron' | 'dashboard'): void => {
    if (which !== 'dashboard') emit(at, { kind: 'container', container: { name: CRON_CONTAINER, ...cronAt(at), observedAt: at } });
    if (which !== 'cron') emit(at, { kind: 'container', container: dashAt(at) });
  };
  observeContainers(t0 + 200, 'both');
  for (const c of cronChanges.slice(1)) observeContainers(c.at + 200, 'cron');
  for (const d of dashChanges.slice(1)) observeContainers(d.at + 200, 'dashboard');
  for (let at = t0 + HOUR + 30_000; at < tEnd; at += HOUR) observeContainers(at, 'both');

  // ---- json files
  const initialText = dumpRecords(history.positions.map((x) => canonical(x, shape)));
  emit(t0 + 300, {
    kind: 'json-file',
    file: { which: 'positions', content: initialText, sha256: sha256(initialText), observedAt: t0 + 300 },
  });
  emit(t0 + 310, {
    kind: 'json-file',
    file: { which: 'entries', content: entriesText, sha256: sha256(entriesText), observedAt: t0 + 310 },
  });
  emit(t0 + 320, { kind: 'json-file', file: { which: 'orderLog', observedAt: t0 + 320 } }); // auto_trade is not scheduled: no order log
  for (const write of store.writes) {
    const observedAt = write.at + streamRng(seed, write.at ^ 0x5bd1e995).int(30, 400);
    emit(observedAt, {
      kind: 'json-file',
      file: { which: write.which, content: write.content, sha256: sha256(write.content), observedAt },
    });
  }

  // ---- job processes (on every change of the set, as a poller with a short period would see it)
  emit(t0 + 250, { kind: 'job-processes', commands: [], observedAt: t0 + 250 });
  const points = [...new Set(processes.flatMap((p) => [p.from, p.to]).filter((x) => Number.isFinite(x) && x < tEnd))].sort((a, b) => a - b);
  let previous = '[]';
  for (const p of points) {
    const commands = processes
      .filter((x) => x.from <= p && p < x.to)
      .map((x) => x.command)
      .sort();
    const key = JSON.stringify(commands);
    if (key === previous) continue;
    previous = key;
    emit(p + 300, { kind: 'job-processes', commands, observedAt: p + 300 });
  }

  // ---- ticks
  for (let at = t0; at <= tEnd; at += 5 * MINUTE) emit(at, { kind: 'tick', now: at });

  // ---- day notes: holidays
  for (let i = 0; i < o.days; i++) {
    const date = dayDate(i);
    const day = notes[i]!;
    if (KR_HOLIDAYS[date])
      day.unshift(
        `KR holiday in the guarded system's table: ${KR_HOLIDAYS[date]} — a 16:00 run logs 한국거래소 (KRX): 휴장 (공휴일) and skips KR symbols`,
      );
    if (KRX_CLOSED_NOT_IN_TABLE[date])
      day.unshift(
        `KRX closed (${KRX_CLOSED_NOT_IN_TABLE[date]}) but not in the guarded system's table: runs log 장후 and fetch stale bars`,
      );
    const usEve = addDays(date, -1);
    if (US_HOLIDAYS[usEve])
      day.unshift(`US holiday ${usEve} (${US_HOLIDAYS[usEve]}): the 07:00 KST run logs NYSE/NASDAQ: 휴장 (공휴일) and skips US symbols`);
    if (US_HOLIDAYS[date]) day.unshift(`US holiday ${date} (${US_HOLIDAYS[date]}): a 16:00 KST run logs NYSE/NASDAQ: 휴장 (공휴일)`);
  }
  for (const c of market.closes) {
    if (!c.done) {
      const firstRun = runs.find((r) => r.script === 'check_positions.py' && barOf(c.market, r.scheduledAt) >= c.session);
      if (firstRun)
        note(
          firstRun.scheduledAt,
          `planned ${c.kind} close of ${c.positionId} did not happen (no check_positions run completed its position loop)`,
        );
    }
  }

  // ---- files
  const files: Record<string, string> = {};
  for (const [file, lines] of logs) {
    if (file === 'monitor.log') continue;
    files[`logs/${file}`] = lines.length ? `${lines.join('\n')}\n` : '';
  }
  // TimedRotatingFileHandler(when="midnight", backupCount=7): each run reopens monitor.log and rolls it over
  // at the first midnight after its mtime, so each KST day's lines end in monitor.log.<that day>; 7 kept.
  const monitorDays = new Map<string, string[]>();
  for (const line of logs.get('monitor.log') ?? []) {
    const date = line.slice(0, 10);
    monitorDays.set(date, [...(monitorDays.get(date) ?? []), line]);
  }
  const days = [...monitorDays.keys()].sort();
  for (const [i, date] of days.entries()) {
    const text = `${monitorDays.get(date)!.join('\n')}\n`;
    if (i === days.length - 1) files['logs/monitor.log'] = text;
    else if (i >= days.length - 8) files[`logs/monitor.log.${date}`] = text;
  }
  files['data/positions/positions.json'] = store.text;
  files['data/entries/entries.json'] = entriesText;
  for (const [name, content] of store.backups) files[`data/positions/backups/${name}`] = content;
  if (lockPid !== undefined) files['data/.check_positions.lock'] = String(lockPid);

  ordered.sort((a, b) => a.at - b.at || a.seq - b.seq);
  const crontabs = [{ version: o.initial, text: CRONTABS[o.initial] }];
  if (o.switchTo) crontabs.push({ version: o.switchTo, text: CRONTABS[o.switchTo] });
  return {
    events: ordered.map((x) => x.event),
    crontabs,
    files,
    expectations: notes.map((n, i) => ({ day: dayDate(i), notes: n })),
    runs: runs.sort((a, b) => a.scheduledAt - b.scheduledAt),
    dockerLogLines: dockerLines.sort((a, b) => a.at - b.at || a.seq - b.seq).map(({ at, text }) => ({ at, text })),
  };
}
