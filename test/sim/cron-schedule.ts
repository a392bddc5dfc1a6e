// The schedule of a supercronic-era release, read from its real crontab text the way supercronic reads
// it: environment lines skipped, each remaining line five fields and a command, numbered in order
// (supercronic's `job.position`). Only the field syntax these crontabs use is understood (`*`, `*/n`,
// `a-b`, lists); anything else throws, so a new crontab cannot be simulated by accident.
import type { CronLine, JobKey, SimJob } from './calendar.ts';

const ENV_LINE = /^[A-Za-z_][A-Za-z0-9_]*=/;

function field(text: string, lo: number, hi: number): number[] | undefined {
  if (text === '*') return undefined;
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const step = /^\*\/(\d+)$/.exec(part);
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (step) for (let v = lo; v <= hi; v += Number(step[1])) out.add(v);
    else if (range) for (let v = Number(range[1]); v <= Number(range[2]); v++) out.add(v);
    else if (/^\d+$/.test(part)) out.add(Number(part));
    else throw new Error(`cron field '${text}' uses syntax the simulator does not know`);
  }
  const values = [...out].sort((a, b) => a - b);
  if (values.some((v) => v < lo || v > hi)) throw new Error(`cron field '${text}' out of ${lo}..${hi}`);
  return values;
}

const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/** The crontab's job lines, numbered as supercronic numbers them. */
export function parseCrontab(text: string): CronLine[] {
  const lines: CronLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || ENV_LINE.test(line)) continue;
    const parts = line.split(/\s+/);
    if (parts.length < 6) throw new Error(`not a crontab job line: ${line}`);
    const [min, hour, dom, month, dow] = parts as [string, string, string, string, string];
    if (month !== '*') throw new Error(`month field '${month}' is not simulated`);
    const monthDays = field(dom, 1, 31);
    lines.push({
      position: lines.length,
      schedule: [min, hour, dom, month, dow].join(' '),
      command: line.slice(line.indexOf(parts[5]!, [min, hour, dom, month, dow].join(' ').length)),
      minutes: field(min, 0, 59) ?? range(0, 59),
      hours: field(hour, 0, 23) ?? range(0, 23),
      ...(monthDays ? { monthDays } : {}),
    });
  }
  return lines;
}

/** Which simulated job a command is: by the script it runs and the file its output goes to. */
function jobOf(command: string): { key: JobKey; script: string; logFile: string } {
  const script = /scripts\/([\w.]+\.(?:py|sh))/.exec(command)?.[1] ?? 'find';
  const redirect = /(?:^|\s)>>\s*\/app\/logs\/([\w.]+)/.exec(command)?.[1];
  const byScript: Record<string, JobKey> = {
    'daily_report.py': 'report',
    'collect_daily_ohlcv.py': 'ohlcv',
    'backup_data.sh': 'backup',
    'health_check.py': 'health',
    'monitor_positions.py': 'monitor',
    'check_risk_limits.py': 'risk',
    'fetch_universe_charts.py': 'charts',
    'weekly_report.py': 'weekly',
    'monthly_report.py': 'monthly',
  };
  let key: JobKey | undefined;
  if (script === 'check_positions.py') key = redirect === 'check_us.log' ? 'us' : 'kr';
  else if (script === 'find') {
    const target = /^find (\S+)/.exec(command)?.[1];
    key = target === '/app/data/cache' ? 'cleanup' : target === '/app/logs' ? 'log-cleanup' : 'data-cleanup';
  } else key = byScript[script];
  if (key === undefined) throw new Error(`no simulated job runs ${script}: ${command}`);
  // monitor_positions.py has no `>>`: its own TimedRotatingFileHandler writes logs/monitor.log
  const logFile = redirect ?? (key === 'monitor' ? 'monitor.log' : '');
  if (logFile === '') throw new Error(`job without a log file: ${command}`);
  return { key, script, logFile };
}

/** The simulated jobs of a crontab: one per job line, in crontab order. */
export function jobsOfCrontab(text: string): SimJob[] {
  return parseCrontab(text).map((cron) => {
    const { key, script, logFile } = jobOf(cron.command);
    const dow = cron.schedule.split(' ')[4]!;
    return {
      key,
      script,
      logFile,
      hour: cron.hours[0]!,
      minute: cron.minutes[0]!,
      weekdays: field(dow, 0, 6) ?? range(0, 6),
      ...(script === 'find' ? {} : { processCommand: `${script.endsWith('.sh') ? 'bash' : 'python'} scripts/${script}` }),
      cron,
    };
  });
}
