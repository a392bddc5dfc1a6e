// A throwaway deployment on disk for driving the CLI as an operator would: a logs directory with
// check_kr.log runs of the last half hour, the example's data files, a crontab file, and a config
// that reads them with Docker and HTTP off.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** A deployment whose KR job ran at every minute of the last half hour (so `check` is healthy unless told to fail). */
export function cliDeployment(options: CliDeploymentOptions = {}) {
  const work = mkdtempSync(join(tmpdir(), 'sentinel-cli-'));
  const root = join(work, 'deployment');
  mkdirSync(join(root, 'logs'), { recursive: true });
  mkdirSync(join(root, 'data/positions'), { recursive: true });
  cpSync(join(repo, 'examples/deployment/data'), join(root, 'data'), { recursive: true });
  // Every minute, so that the last fire time is always moments ago.
  writeFileSync(
    join(root, 'crontab'),
    options.crontab ?? '* * * * * cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1\n',
  );
  const stamp = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
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
  writeFileSync(
    config,
    [
      'deployment:',
      '  root: deployment',
      '  logTimestampZone: UTC',
      '  crontab:',
      '    fromContainer: false',
      '    fallbackFile: crontab',
      'docker:',
      '  enabled: false',
      `rules: ${JSON.stringify(join(repo, 'rules'))}`,
      'state:',
      '  dir: state',
      'http:',
      '  enabled: false',
      'log:',
      '  level: info',
      ...(options.language ? ['telegram:', `  language: ${options.language}`] : []),
      '',
    ].join('\n'),
  );
  return { work, root, config };
}
