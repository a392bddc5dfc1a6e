// Faults the simulator can inject into the guarded system, each placed at a day and a run (or a KST
// time of day), with the defaults and the up-front validation that keeps a misplaced fault loud.
import type { JobKey } from './calendar.ts';

/** The scheduled jobs a fault can hit (the Sunday cleanup writes nothing, so nothing to break). */
export type RunJob = Exclude<JobKey, 'cleanup'>;

/** How the three Telegram attempts fail (reference §3). `timeout` = aiohttp's 300 s default per attempt. */
export type TelegramFailureCause = 'dns' | 'http-400' | 'http-401' | 'timeout';

/**
 * How positions.json is broken. `truncated`/`garbage`/`empty` do not parse (the next reader heals
 * them); `missing-key` parses but one record lacks `stop_loss` (readers skip it with a warning).
 */
export type CorruptVariant = 'truncated' | 'garbage' | 'empty' | 'missing-key';

/** `day` is the 0-based index of the KST calendar day from `SimOptions.start`. */
export type Fault =
  /** The scheduled run leaves no line at all (cron did not start it). */
  | { kind: 'missed-run'; day: number; job?: RunJob }
  /**
   * The run starts and blocks at its first data fetch: no finish, nothing after. The process (and, for
   * check_positions, `data/.check_positions.lock`, so later check runs log only the lock warning) lives
   * until the container stops, or `releaseAfterMinutes` after the fire time (someone kills it).
   */
  | { kind: 'hung-run'; day: number; job?: RunJob; releaseAfterMinutes?: number }
  /** The run dies with a Python traceback and no finish marker (default: the sample traceback). */
  | { kind: 'traceback-run'; day: number; job?: RunJob; error?: string }
  /** A ` - CRITICAL - ` line inside an otherwise normal run. */
  | { kind: 'critical-line'; day: number; job?: RunJob; text?: string }
  /** Every Telegram send of the run fails: `Retry 1/2`, `Retry 2/2`, `Telegram 오류 (모든 재시도 소진)`. */
  | { kind: 'telegram-send-failure'; day: number; job?: RunJob; cause?: TelegramFailureCause }
  /** A `피라미딩 기회` line (or a signal) with no Telegram line after it. */
  | { kind: 'event-without-success'; day: number; job?: 'kr' | 'us' }
  /** daily_report.py finishes without `Telegram 전송 성공: 일일 리포트`. */
  | { kind: 'report-without-success'; day: number }
  /** The run has no `Telegram 채널 활성화` (`Telegram 채널 추가` at v3.2.0) and sends are silent no-ops. */
  | { kind: 'channel-not-configured'; day: number; job?: RunJob }
  /** positions.json is broken at `at` (KST `HH:MM`) outside any run; the next reader (check run or daily report) heals a file that does not parse. */
  | { kind: 'positions-corrupt'; day: number; at?: string; variant?: CorruptVariant }
  /** A key v3.2.x cannot load is added at `at`; every later check_positions run crashes on it. */
  | { kind: 'positions-unknown-key'; day: number; at?: string; key?: string }
  /** The run's reader catches a half-written file: `JSON 파일 손상` + `백업에서 복원`, and the file reverts to the newest backup. */
  | { kind: 'positions-healed'; day: number; job?: RunJob }
  /** An open position disappears from positions.json at `at` with no `포지션 청산` line. */
  | { kind: 'positions-vanished'; day: number; at?: string; positionId?: string }
  /** The cron container is stopped at `at` for `minutes` (default 60), then started again. */
  | { kind: 'cron-stopped'; day: number; at?: string; minutes?: number };

export type FaultKind = Fault['kind'];

/** Faults that act on one scheduled run (the rest act on files or containers at a time of day). */
const RUN_FAULT_KINDS = [
  'missed-run',
  'hung-run',
  'traceback-run',
  'critical-line',
  'telegram-send-failure',
  'event-without-success',
  'report-without-success',
  'channel-not-configured',
  'positions-healed',
] as const;

export type RunFault = Extract<Fault, { kind: (typeof RUN_FAULT_KINDS)[number] }>;
export type TimedFault = Exclude<Fault, RunFault>;

const RUN_FAULTS: ReadonlySet<FaultKind> = new Set<FaultKind>(RUN_FAULT_KINDS);

export function isRunFault(fault: Fault): fault is RunFault {
  return RUN_FAULTS.has(fault.kind);
}

/** The job a run fault hits when the fault names none. */
export function faultJob(fault: RunFault): RunJob {
  if (fault.kind === 'report-without-success') return 'report';
  if (fault.kind === 'positions-healed') return fault.job ?? 'report';
  return fault.job ?? 'kr';
}

/** KST time of day of a timed fault when it names none: between runs, so that no run explains it. */
export function faultTime(fault: TimedFault): string {
  if (fault.at !== undefined) return fault.at;
  switch (fault.kind) {
    case 'positions-corrupt':
      return '12:34';
    case 'positions-unknown-key':
      return '11:05';
    case 'positions-vanished':
      return '13:20';
    case 'cron-stopped':
      return '15:30'; // covers the 16:00 KR run on a weekday
  }
}

export const DEFAULT_CRITICAL_TEXT = '[ESCALATION] 모든 알림 채널 전송 실패: 데이터 페칭 오류';

/** Checks what can be checked without the calendar; returns one message per problem. */
export function faultProblems(faults: readonly Fault[], days: number): string[] {
  const problems: string[] = [];
  faults.forEach((fault, i) => {
    const where = `faults[${i}] (${fault.kind})`;
    if (!Number.isInteger(fault.day) || fault.day < 0 || fault.day >= days) {
      problems.push(`${where}: day ${fault.day} is outside 0..${days - 1}`);
    }
    if (!isRunFault(fault)) {
      const at = faultTime(fault);
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(at)) problems.push(`${where}: at '${at}' is not HH:MM`);
    }
    if (fault.kind === 'cron-stopped' && fault.minutes !== undefined && !(fault.minutes > 0 && fault.minutes <= 24 * 60)) {
      problems.push(`${where}: minutes must be in 1..1440`);
    }
    if (fault.kind === 'hung-run' && fault.releaseAfterMinutes !== undefined && !(fault.releaseAfterMinutes > 0)) {
      problems.push(`${where}: releaseAfterMinutes must be positive`);
    }
    if (
      fault.kind === 'traceback-run' &&
      fault.error !== undefined &&
      !/^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt): /.test(fault.error)
    ) {
      problems.push(`${where}: error must look like a Python exception line ("XxxError: message")`);
    }
    if (fault.kind === 'positions-unknown-key' && fault.key !== undefined && !/^[a-z_][a-z0-9_]*$/.test(fault.key)) {
      problems.push(`${where}: key must be a snake_case identifier`);
    }
  });
  return problems;
}
