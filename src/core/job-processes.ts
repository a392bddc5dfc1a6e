// "Is a job running": decided once, from the cron container's process list and its crontab. The
// observer (for the job-processes event) and the rollback (before stopping cron) both ask here.
import { parseCrontab } from './crontab.ts';

/**
 * A process is a job process when it runs a `.py` script, or when it is one of the crontab's
 * commands (the `/bin/sh -c <command>` cron spawns, or one of its `&&`-separated steps).
 */
export function jobProcessMatcher(crontabText: string | undefined): (command: string) => boolean {
  const commands =
    crontabText === undefined
      ? []
      : parseCrontab(crontabText, { defaultTimezone: 'UTC', containerLogsDir: '/' }).jobs.map((j) => j.command);
  const steps = commands.flatMap((c) =>
    c
      .split(/(?<!\\)%/)[0]!
      .replace(/\s*\d?>>?\s*\S+/g, ' ')
      .replace(/\s*2>&1/g, ' ')
      .split(/&&|\|\||;|\|/)
      .map((s) => s.trim().replace(/\s+/g, ' '))
      .filter((s) => s !== '' && !/^cd\s/.test(s)),
  );
  return (command: string) => {
    const normalised = command.trim().replace(/\s+/g, ' ');
    if (/(^|[\s/])[\w.-]+\.py(\s|$)/.test(normalised)) return true;
    if (commands.some((c) => normalised.includes(c.replace(/\s+/g, ' ')))) return true;
    return steps.some((s) => normalised === s || normalised.endsWith(` ${s}`) || normalised.endsWith(`/${s}`));
  };
}

/**
 * The job processes among a container's process list. Our own crontab probe (`crontab -l`, run to
 * learn which commands are jobs) may show up in the list for a moment; it is not a job.
 */
export function jobProcesses(processes: string[], crontabText: string | undefined, crontabCommand: string[]): string[] {
  const isJob = jobProcessMatcher(crontabText);
  const probe = crontabCommand.join(' ');
  return processes.filter((p) => isJob(p) && !(probe !== '' && p.trim().replace(/\s+/g, ' ').endsWith(probe)));
}
