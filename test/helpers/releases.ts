// Release catalogue entries for tests, written from the facts in the reference notes on releases after v3.2.1 and the
// turtle-trading tags themselves (`git show TAG:src/position_tracker.py`, `TAG:Dockerfile`), and parsed through
// the real catalogue schema. The generated rules/releases/catalogue.yaml is another engineer's work; these
// three entries are the ones the state rules are judged against: the runbook's target v3.2.0 (Debian cron as
// root, `cls(**data)`), v3.8.1 (supercronic as uid 1000, still `cls(**data)`, cost budget and kill switch)
// and v3.9.1 (`entry_reason`, unknown keys dropped).
import { releaseSchema, type Release } from '../../src/config/catalogue-schema.ts';
import type { ReleaseInForce } from '../../src/core/types.ts';

/** Fields of the `Position` dataclass without a default, in their order (unchanged v3.2.0 … v3.9.1). */
export const POSITION_REQUIRED = [
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
];
const POSITION_OPTIONAL_V32 = ['exit_date', 'exit_price', 'exit_reason', 'pnl', 'pnl_pct', 'r_multiple'];
const ENTRY_FIELDS = ['entry_id', 'position_id', 'entry_date', 'entry_price', 'shares', 'pyramid_level', 'n_value'];

const V32_POSITIONS = { required: POSITION_REQUIRED, known: [...POSITION_REQUIRED, ...POSITION_OPTIONAL_V32], unknownKeys: 'crash' };
const ENTRIES = { required: ENTRY_FIELDS, known: ENTRY_FIELDS, unknownKeys: 'crash' };

const STOP_CONTAINER_V32 = { lever: 'stop-container', stops: ['scheduled-jobs'] };
const STOP_CONTAINER_V36 = { lever: 'stop-container', stops: ['scheduled-jobs', 'exits', 'stop-loss-alerts'] };
const KILL_SWITCH = { lever: 'kill-switch', env: 'TRADING_ENABLED', stops: ['new-entries'] };

const GUARD_LINES_V381 = [
  { guard: 'kill-switch', match: '킬 스위치 활성 중', source: 'scripts/check_positions.py' },
  { guard: 'kill-switch', match: '킬 스위치 활성화: ', source: 'src/kill_switch.py' },
  { guard: 'cost-budget', match: '[CostAnalyzer] ', source: 'scripts/check_positions.py' },
];

const SUPERCRONIC = (files: Record<string, string>) => ({
  files,
  runner: 'supercronic',
  command: ['supercronic', '/app/crontab'],
  user: 'turtle',
  uid: 1000,
});

const V391_VERIFY = {
  crontabRuns: ['check_positions.py', 'monitor_positions.py', 'collect_daily_ohlcv.py'],
  crontabDoesNotRun: ['signal_check.py'],
  files: ['/app/scripts/check_positions.py', '/app/src/kill_switch.py'],
};

export const V320: Release = releaseSchema.parse({
  release: 'v3.2.0',
  commit: '238760b',
  date: '2026-02-21',
  recognition: { files: {}, runner: 'debian-cron', command: ['cron', '-f'], user: 'root' },
  schedule: { crontabPath: '/etc/cron.d/turtle-cron', crontabCommand: true, jobs: [] },
  logZone: 'UTC',
  profiles: [],
  positions: V32_POSITIONS,
  entries: ENTRIES,
  halt: [STOP_CONTAINER_V32],
  guardLines: [],
  verify: { crontabRuns: ['signal_check.py'], crontabDoesNotRun: ['check_positions.py'], files: ['/app/scripts/signal_check.py'] },
});

export const V381: Release = releaseSchema.parse({
  release: 'v3.8.1',
  commit: 'c4cbf46',
  date: '2026-03-06',
  predecessor: 'v3.8.0',
  recognition: SUPERCRONIC({ '/app/src/position_tracker.py': '686c4cd' }),
  schedule: { crontabPath: '/app/crontab', crontabCommand: false, jobs: [] },
  logZone: 'Asia/Seoul',
  profiles: [],
  positions: V32_POSITIONS,
  entries: ENTRIES,
  halt: [STOP_CONTAINER_V36, KILL_SWITCH],
  guardLines: GUARD_LINES_V381,
  verify: {
    crontabRuns: ['check_positions.py', 'monitor_positions.py', 'collect_daily_ohlcv.py'],
    crontabDoesNotRun: ['signal_check.py'],
    files: ['/app/scripts/check_positions.py', '/app/src/kill_switch.py'],
  },
});

export const V391: Release = releaseSchema.parse({
  release: 'v3.9.1',
  commit: 'fb222c4',
  date: '2026-03-12',
  predecessor: 'v3.9.0',
  recognition: SUPERCRONIC({ '/app/src/position_tracker.py': '105c791' }),
  schedule: { crontabPath: '/app/crontab', crontabCommand: false, jobs: [] },
  logZone: 'Asia/Seoul',
  profiles: [],
  positions: { required: POSITION_REQUIRED, known: [...POSITION_REQUIRED, ...POSITION_OPTIONAL_V32, 'entry_reason'], unknownKeys: 'drop' },
  entries: ENTRIES,
  halt: [STOP_CONTAINER_V36, KILL_SWITCH],
  guardLines: GUARD_LINES_V381,
  verify: V391_VERIFY,
});

/** A release with another name and predecessor, the rest as `base` (a catalogue chain for tests). */
export function renamed(base: Release, release: string, predecessor?: string, commit = base.commit): Release {
  const { predecessor: _dropped, ...rest } = base;
  return releaseSchema.parse({ ...rest, release, commit, ...(predecessor ? { predecessor } : {}) });
}

/** The running release as recognition would put it into the World: an exact match. */
export function inForce(release: Release): ReleaseInForce {
  return { release, certainty: 'exact', confirmed: false };
}
