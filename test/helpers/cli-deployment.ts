// A throwaway deployment on disk for driving the CLI as an operator would: a logs directory with
// check_kr.log runs of the last half hour, the example's data files, a crontab file, and a config
// that reads them with Docker and HTTP off.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.ts';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = join(repo, 'bin/turtle-sentinel.js');

export const cli = (args: string[], cwd = repo, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

export interface CliDeploymentOptions {
  /** The last `failingRuns` runs end in a traceback instead of their finish marker. */
  failingRuns?: number;
  /** Content of the crontab file (default: check_positions.py every minute into check_kr.log). */
  crontab?: string;
  /** `telegram.language`; absent = the default (Korean). */
  language?: 'ko' | 'en';
}

/** The KR job at every minute, so that its last fire time is always moments ago. */
export const CRONTAB_EVERY_MINUTE = '* * * * * cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1\n';
/** The KR job once a weekday at 16:00, so that no fire time falls inside a test. */
export const CRONTAB_WEEKDAYS_16 = '0 16 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1\n';

/**
 * A throwaway work directory holding `deployment/` with an empty logs directory, the given crontab
 * file and (unless told otherwise) the example's data files; the config goes beside it.
 */
export function deploymentDir(prefix: string, crontab: string, options: { exampleData?: boolean } = {}) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const root = join(work, 'deployment');
  mkdirSync(join(root, 'logs'), { recursive: true });
  mkdirSync(join(root, 'data/positions'), { recursive: true });
  if (options.exampleData !== false) cpSync(join(repo, 'examples/deployment/data'), join(root, 'data'), { recursive: true });
  writeFileSync(join(root, 'crontab'), crontab);
  return { work, root };
}

export interface SentinelYamlOptions {
  /** `deployment.logTimestampZone: UTC`, for logs whose stamps the test writes in UTC. */
  utcStamps?: boolean;
  /** Read the crontab from the cron container instead of the deployment's crontab file. */
  crontabFromContainer?: boolean;
  /** The lines under `docker:` (default: Docker off). */
  docker?: string[];
  /** The lines under `http:` (default: HTTP off). */
  http?: string[];
  /** `log.level`; absent = the default. */
  logLevel?: 'info' | 'warn';
  /** `telegram.language`; absent = the default (Korean). */
  language?: string;
}

/**
 * The sentinel.yaml of a deployment built by deploymentDir (or a copy of the example): its root in
 * `deployment/`, the crontab from its file, the repository's rules, state in `state/`, Docker and HTTP off
 * unless given.
 */
export function sentinelYaml(options: SentinelYamlOptions = {}): string {
  return [
    'deployment:',
    '  root: deployment',
    ...(options.utcStamps ? ['  logTimestampZone: UTC'] : []),
    '  crontab:',
    `    fromContainer: ${options.crontabFromContainer ?? false}`,
    '    fallbackFile: crontab',
    'docker:',
    ...(options.docker ?? ['  enabled: false']),
    `rules: ${JSON.stringify(join(repo, 'rules'))}`,
    'state:',
    '  dir: state',
    'http:',
    ...(options.http ?? ['  enabled: false']),
    ...(options.logLevel ? ['log:', `  level: ${options.logLevel}`] : []),
    ...(options.language ? ['telegram:', `  language: ${options.language}`] : []),
    '',
  ].join('\n');
}

/** A deployment whose KR job ran at every minute of the last half hour (so `check` is healthy unless told to fail). */
export function cliDeployment(options: CliDeploymentOptions = {}) {
  const { work, root } = deploymentDir('sentinel-cli-', options.crontab ?? CRONTAB_EVERY_MINUTE);
  const stamp = cronStamp;
  // One run per minute, 2 s past it, in UTC stamps as Debian cron writes them; none in the future.
  const now = Date.now();
  const starts: Date[] = [];
  for (let m = 30; m >= 0; m--) {
    const t = new Date(Math.floor((now - m * 60_000) / 60_000) * 60_000 + 2000);
    if (t.getTime() <= now) starts.push(t);
  }
  const failingFrom = starts.length - (options.failingRuns ?? 0);
  const lines = starts.flatMap((t, i) => [
    `${stamp(t)} - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===`,
    `${stamp(t)} - __main__ - INFO - Telegram 채널 활성화`,
    ...(i >= failingFrom
      ? ['Traceback (most recent call last):', '  File "/app/scripts/check_positions.py", line 546, in <module>', "KeyError: 'units'"]
      : [`${stamp(t)} - __main__ - INFO - === 체크 완료 ===`]),
  ]);
  writeFileSync(join(root, 'logs/check_kr.log'), lines.join('\n') + '\n');
  const config = join(work, 'sentinel.yaml');
  writeFileSync(config, sentinelYaml({ utcStamps: true, logLevel: 'info', ...(options.language ? { language: options.language } : {}) }));
  return { work, root, config };
}

/** A log stamp as the job's Python logging writes it, in UTC: `2026-02-23 07:10:02,000`. */
export const cronStamp = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');

/** Two runs of the KR job that die of a traceback, appended now, then a third start: check-repeated-failures fires. */
export function appendFailingRuns(root: string) {
  const stamp = cronStamp(new Date());
  const crash = [
    `${stamp} - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===`,
    'Traceback (most recent call last):',
    '  File "x.py", line 1, in <module>',
    "KeyError: 'units'",
  ];
  appendFileSync(
    join(root, 'logs/check_kr.log'),
    [...crash, ...crash, `${stamp} - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===`].join('\n') + '\n',
  );
}

/** `turtle-sentinel run` as a child of the test, its stdout and stderr gathered into one output. */
export function startDaemon(config: string, cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, 'run', '--config', config], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child,
    output: () => out,
    /** The daemon's JSON log lines so far. */
    logLines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    /** Polls `probe` (over the output) for up to 20 s; a timeout shows the output so far. */
    waitFor: <T>(what: string, probe: () => T | undefined | false) =>
      waitFor(what, probe, { timeoutMs: 20_000, everyMs: 100, seen: () => `output so far:\n${out}` }),
    /** Kills the daemon and waits for it to be gone. */
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      child.kill(signal);
      await exited;
    },
  };
}
