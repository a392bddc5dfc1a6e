// supercronic's own output (`docker logs turtle-cron`, v3.4.0+), read as a second witness of the jobs:
// logrus text lines such as
//   time="2026-03-05T09:00:00+09:00" level=info msg=starting iteration=0 job.command="…" job.position=7 job.schedule="…"
// Start, success, `error running command: exit status N`, `not starting: job is still running since …`,
// and the jobs' un-redirected output relayed with `channel=stderr|stdout`. Pure.
import type { Instant } from './types.ts';

/** The job a line is about, as supercronic names it: its command, its line index in the crontab, its schedule. */
export interface SupercronicJob {
  command: string;
  position: number;
  schedule: string;
}

interface Common {
  /** The line's own stamp (`time=`, with its offset); absent when it has none. */
  at?: Instant;
  level: string;
}

export type SupercronicLine =
  | (Common & { kind: 'started'; job: SupercronicJob; iteration: number })
  | (Common & { kind: 'succeeded'; job: SupercronicJob; iteration: number })
  /** `error running command: exit status 1` (or another error starting the command). */
  | (Common & { kind: 'failed'; job: SupercronicJob; iteration: number; error: string; exitStatus?: number })
  /** `not starting: job is still running since <t0> (<elapsed> elapsed)`: the previous run hangs. */
  | (Common & { kind: 'still-running'; job: SupercronicJob; iteration: number; since: string })
  /** A line the job printed on a stream that was not redirected (`>>`), relayed by supercronic. */
  | (Common & { kind: 'output'; job: SupercronicJob; iteration: number; channel: 'stdout' | 'stderr'; text: string })
  /** supercronic about itself (`read crontab: /app/crontab`, warnings, errors). */
  | (Common & { kind: 'runner'; message: string });

/** The `key=value` fields of a logrus text line; values may be quoted Go strings. Undefined when the line is not one. */
export function logrusFields(line: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line[i] === ' ') i++;
    if (i >= n) break;
    const eq = line.indexOf('=', i);
    if (eq < 0) return undefined;
    const key = line.slice(i, eq);
    if (!/^[A-Za-z_][\w.]*$/.test(key)) return undefined;
    i = eq + 1;
    let value = '';
    if (line[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = line[i]!;
        if (c === '\\' && i + 1 < n) {
          const e = line[i + 1]!;
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) return undefined;
    } else {
      const end = line.indexOf(' ', i);
      value = line.slice(i, end < 0 ? n : end);
      i = end < 0 ? n : end;
    }
    fields[key] = value;
  }
  return 'level' in fields && 'msg' in fields ? fields : undefined;
}

const EXIT_STATUS = /exit status (\d+)/;
const STILL_RUNNING = /^not starting: job is still running since (.+?)(?: \(.*elapsed\))?$/;

/** One line of supercronic's output, or undefined when it is not supercronic's (e.g. an entrypoint's echo). */
export function parseSupercronicLine(line: string): SupercronicLine | undefined {
  const f = logrusFields(line.trim());
  if (!f) return undefined;
  const parsed = f.time !== undefined ? Date.parse(f.time) : NaN;
  const common: Common = { level: f.level!, ...(Number.isFinite(parsed) ? { at: parsed } : {}) };
  const msg = f.msg!;
  if (f['job.command'] === undefined) return { ...common, kind: 'runner', message: msg };
  const job: SupercronicJob = {
    command: f['job.command'],
    position: Number(f['job.position'] ?? -1),
    schedule: f['job.schedule'] ?? '',
  };
  const iteration = Number(f.iteration ?? 0);
  if (f.channel === 'stdout' || f.channel === 'stderr') return { ...common, kind: 'output', job, iteration, channel: f.channel, text: msg };
  if (msg === 'starting') return { ...common, kind: 'started', job, iteration };
  if (msg === 'job succeeded') return { ...common, kind: 'succeeded', job, iteration };
  const still = STILL_RUNNING.exec(msg);
  if (still) return { ...common, kind: 'still-running', job, iteration, since: still[1]! };
  if (f.level === 'error') {
    const status = EXIT_STATUS.exec(msg);
    return { ...common, kind: 'failed', job, iteration, error: msg, ...(status ? { exitStatus: Number(status[1]) } : {}) };
  }
  return { ...common, kind: 'runner', message: msg };
}
