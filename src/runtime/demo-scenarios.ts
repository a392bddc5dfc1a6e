// The faults `turtle-sentinel demo` injects, one per runbook criterion (and the guarded container's
// state), written in turtle-trading's own formats: the log lines check_positions.py writes
// (turtle-trading.md §2, examples/deployment/logs/check_kr.log), positions.json and order_log.json.
import { appendFileSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SimulatedDeployment } from './demo-deployment.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Korea has no daylight saving time: KST is UTC+9 all year. */
const KST = 9 * HOUR;

/** An instant from a KST wall clock, `2026-02-26 16:00:02`. */
export function kst(wall: string): number {
  return Date.parse(`${wall.replace(' ', 'T')}Z`) - KST;
}

/** Python logging's asctime of an instant in KST (the example's stamps): `2026-02-26 16:00:02,114`. */
function stamp(at: number): string {
  return new Date(at + KST).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
}

/** What a scenario can do to the copy of the example deployment and the simulated containers. */
export interface ScenarioWorld {
  root: string;
  deployment: SimulatedDeployment;
  /** Append lines of check_kr.log, each stamped `at` plus its offset (ms), as the job writes them. */
  logLines(at: number, lines: [offsetMs: number, logger: string, level: string, message: string][]): void;
  /** Append raw lines (a traceback's lines have no stamp). */
  logRaw(lines: string[]): void;
  /** Replace a data file as turtle-trading does (a temporary file renamed over it). */
  replaceData(relative: string, content: string): void;
  readData(relative: string): string;
}

export type ScenarioId = 'missed' | 'hung' | 'exceptions' | 'telegram' | 'positions' | 'fills' | 'container';

export interface Scenario {
  id: ScenarioId;
  /** Which runbook criterion (1–5) it shows; 0 for the guarded container's state, which is not one of the five. */
  criterion: number;
  /** The rule that must open an incident for the scenario to count as detected. */
  expectRule: string;
  /** And the incident's label, when the rule has several (a missed run vs a hung one). */
  expectLabel?: string;
  /** When the sidecar starts watching (KST); scheduled runs are judged only from then on. */
  watchFrom: number;
  /** Written before the sidecar starts: the deployment's history, read as a backlog. */
  history?: (w: ScenarioWorld) => void;
  /**
   * The fault, in the writes the guarded system would make, each at its instant (the clock is moved
   * there first, in the daemon's 30 s ticks, and what was written is read at once, as live lines are).
   */
  faults: { at: number; write: (w: ScenarioWorld) => void }[];
  /** Moved to after the injection, in the daemon's 30 s ticks: the time a criterion needs (grace, maxRunTime). */
  until: number;
}

const MAIN = '__main__';
const START = '=== 통합 포지션 & 시그널 체크 시작 ===';
const FINISH = '=== 체크 완료 ===';

/** The head of a check_positions.py run at 16:00 KST, as v3.2.1 logs it. */
function runHead(): [number, string, string, string][] {
  return [
    [2_114, MAIN, 'INFO', START],
    [2_115, MAIN, 'INFO', '한국거래소 (KRX): 장후 (16:00, 마감 15:30)'],
    [2_115, MAIN, 'INFO', 'NYSE/NASDAQ: 장전 (02:00, 개장 09:30)'],
    [2_117, MAIN, 'INFO', 'Telegram 채널 활성화'],
    [2_129, MAIN, 'INFO', '상관그룹 설정 로드: 18개 심볼'],
  ];
}

/**
 * A run whose pyramid alert never reaches Telegram: three attempts fail, the run still finishes. `head`
 * is what it logs in its first seconds, `tail` the rest (the retries take seconds), `all` both at once.
 */
function runWithFailedAlert(w: ScenarioWorld, at: number, part: 'head' | 'tail' | 'all'): void {
  const failure = 'Cannot connect to host api.telegram.org:443 ssl:default [Temporary failure in name resolution]';
  const head: [number, string, string, string][] = [
    ...runHead(),
    [2_133, MAIN, 'INFO', '오픈 포지션: 3개'],
    [2_134, MAIN, 'INFO', '체크: 005930.KS (System 1)'],
  ];
  const tail: [number, string, string, string][] = [
    [4_236, MAIN, 'INFO', '피라미딩 기회: 005930.KS'],
    [5_240, 'src.utils', 'WARNING', `Retry 1/2: _send_with_retry - ${failure}`],
    [7_244, 'src.utils', 'WARNING', `Retry 2/2: _send_with_retry - ${failure}`],
    [9_248, 'src.notifier', 'ERROR', `Telegram 오류 (모든 재시도 소진): ${failure}`],
    [9_250, MAIN, 'INFO', '신규 시그널 없음'],
    [9_251, MAIN, 'INFO', FINISH],
  ];
  w.logLines(at, part === 'head' ? head : part === 'tail' ? tail : [...head, ...tail]);
}

/** The traceback the example's last run died in (a v3.9 `entry_reason` key read by v3.2.1's Position). */
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
  '  File "/app/scripts/check_positions.py", line 310, in main',
  '    await _run_checks()',
  '  File "/app/scripts/check_positions.py", line 345, in _run_checks',
  '    open_positions = tracker.get_open_positions()',
  '                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/app/src/position_tracker.py", line 293, in get_open_positions',
  '    positions = self._load_positions()',
  '                ^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/app/src/position_tracker.py", line 129, in _load_positions',
  '    valid_positions.append(Position.from_dict(p))',
  '                           ^^^^^^^^^^^^^^^^^^^^^',
  '  File "/app/src/position_tracker.py", line 71, in from_dict',
  '    return cls(**data)',
  '           ^^^^^^^^^^^',
  "TypeError: Position.__init__() got an unexpected keyword argument 'entry_reason'",
];

/** A phantom fill: KIS order 0000123999 recovered a second time into another FILLED record (the v3.2.1 fault). */
const ORDER_LOG = [
  {
    order_id: '0000123456',
    symbol: '005930',
    side: 'buy',
    quantity: 5,
    price: 99825.0,
    order_type: 'LIMIT',
    status: 'filled',
    timestamp: '2026-02-24T10:04:12.551203',
    dry_run: false,
    fill_price: 99900.0,
    fill_time: '100431',
    error_message: null,
    reason: 'pyramid 2',
  },
  {
    order_id: 'LIVE_20260224100412_0002',
    symbol: '005930',
    side: 'buy',
    quantity: 5,
    price: 101250.0,
    order_type: 'LIMIT',
    status: 'filled',
    timestamp: '2026-02-24T10:05:40.118002',
    dry_run: false,
    fill_price: 101250.0,
    fill_time: '100602',
    error_message: '[재확인으로 FILLED 복구] KIS#0000123999 | 원래 예외: ReadTimeout',
    reason: 'pyramid 3',
  },
  {
    order_id: 'LIVE_20260224100610_0003',
    symbol: '005930',
    side: 'buy',
    quantity: 5,
    price: 101250.0,
    order_type: 'LIMIT',
    status: 'filled',
    timestamp: '2026-02-24T10:06:10.000001',
    dry_run: false,
    fill_price: 101250.0,
    fill_time: '100602',
    error_message: '[재확인으로 FILLED 복구] KIS#0000123999 | 원래 예외: ReadTimeout',
    reason: 'pyramid 4',
  },
];

// Thursday 2026-02-26, the day after the example's last run; check_positions.py is due at 16:00 KST.
const THU = '2026-02-26';

export const SCENARIOS: Scenario[] = [
  {
    id: 'missed',
    criterion: 1,
    expectRule: 'cron-missed-or-hung',
    expectLabel: 'missed',
    watchFrom: kst(`${THU} 15:50:00`),
    // Nothing is written: the 16:00 run never starts. The grace (10 min) ends at 16:10.
    faults: [{ at: kst(`${THU} 16:00:00`), write: () => {} }],
    until: kst(`${THU} 16:11:00`),
  },
  {
    id: 'hung',
    criterion: 1,
    expectRule: 'cron-missed-or-hung',
    expectLabel: 'hung',
    watchFrom: kst(`${THU} 15:50:00`),
    faults: [
      {
        at: kst(`${THU} 16:00:03`),
        write: (w) => {
          w.deployment.setJobRunning('check_positions.py');
          w.logLines(kst(`${THU} 16:00:00`), [
            ...runHead(),
            [2_133, MAIN, 'INFO', '오픈 포지션: 3개'],
            [2_134, MAIN, 'INFO', '체크: TSLA (System 2)'],
          ]);
        },
      },
    ],
    // maxRunTime is 30 min: still alive at 16:30:30, with no finish marker.
    until: kst(`${THU} 16:31:00`),
  },
  {
    id: 'exceptions',
    criterion: 2,
    expectRule: 'check-repeated-failures',
    watchFrom: kst(`${THU} 15:50:00`),
    // The example's last run (02-25) already died in this traceback: today's is the second in a row.
    faults: [
      { at: kst(`${THU} 16:00:03`), write: (w) => w.logLines(kst(`${THU} 16:00:00`), runHead()) },
      { at: kst(`${THU} 16:00:04`), write: (w) => w.logRaw(TRACEBACK) },
    ],
    until: kst(`${THU} 16:02:00`),
  },
  {
    id: 'telegram',
    criterion: 3,
    expectRule: 'telegram-alerts-missing',
    // Friday: Thursday's run (history) and today's both fail to send their alert.
    watchFrom: kst('2026-02-27 15:50:00'),
    history: (w) => runWithFailedAlert(w, kst(`${THU} 16:00:00`), 'all'),
    faults: [
      { at: kst('2026-02-27 16:00:03'), write: (w) => runWithFailedAlert(w, kst('2026-02-27 16:00:00'), 'head') },
      { at: kst('2026-02-27 16:00:10'), write: (w) => runWithFailedAlert(w, kst('2026-02-27 16:00:00'), 'tail') },
    ],
    until: kst('2026-02-27 16:02:00'),
  },
  {
    id: 'positions',
    criterion: 4,
    expectRule: 'positions-corrupt',
    watchFrom: kst(`${THU} 15:50:00`),
    // A write cut short: the file ends in the middle of a record.
    faults: [
      {
        at: kst(`${THU} 15:52:00`),
        write: (w) => {
          const text = w.readData('positions/positions.json');
          w.replaceData('positions/positions.json', text.slice(0, Math.floor(text.length / 2)));
        },
      },
    ],
    until: kst(`${THU} 15:53:00`),
  },
  {
    id: 'fills',
    criterion: 5,
    expectRule: 'fill-mismatch',
    watchFrom: kst(`${THU} 15:50:00`),
    faults: [{ at: kst(`${THU} 15:52:00`), write: (w) => w.replaceData('trades/order_log.json', JSON.stringify(ORDER_LOG, null, 2)) }],
    until: kst(`${THU} 15:53:00`),
  },
  {
    id: 'container',
    criterion: 0,
    expectRule: 'cron-container-down',
    watchFrom: kst(`${THU} 15:50:00`),
    faults: [{ at: kst(`${THU} 15:52:00`), write: (w) => w.deployment.stopCron() }],
    // notRunningFor is 2 min.
    until: kst(`${THU} 15:55:00`),
  },
];

/** The file operations of a scenario world over a deployment copy at `root`. */
export function scenarioWorld(root: string, deployment: SimulatedDeployment): ScenarioWorld {
  const log = join(root, 'logs/check_kr.log');
  return {
    root,
    deployment,
    logLines(at, lines) {
      appendFileSync(
        log,
        lines.map(([offset, logger, level, message]) => `${stamp(at + offset)} - ${logger} - ${level} - ${message}\n`).join(''),
      );
    },
    logRaw(lines) {
      appendFileSync(log, lines.map((l) => `${l}\n`).join(''));
    },
    replaceData(relative, content) {
      const path = join(root, 'data', relative);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.tmp`, content);
      renameSync(`${path}.tmp`, path);
    },
    readData: (relative) => readFileSync(join(root, 'data', relative), 'utf8'),
  };
}
