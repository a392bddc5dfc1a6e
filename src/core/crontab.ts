// Parse a deployed crontab (`crontab -l` output) into jobs: schedule, zone, script and log file.
import { CRON_MACROS, scheduleProblem } from './schedule.ts';
import { isValidTimezone } from './wall-clock.ts';
import type { Job } from './types.ts';

export interface CrontabOptions {
  /** Zone the cron daemon matches times in (its own TZ); a `CRON_TZ=` line overrides it. */
  defaultTimezone: string;
  /** Where the guarded system's logs live inside the cron container, e.g. `/app/logs`. */
  containerLogsDir: string;
}

export interface CrontabProblem {
  /** 1-based line number, as an operator counts lines in an editor; 0 when not about one line. */
  line: number;
  message: string;
}

export interface ParsedCrontab {
  jobs: Job[];
  problems: CrontabProblem[];
  /** Schedule zone in effect at the end of the file (the default unless `CRON_TZ=` changed it). */
  timezone: string;
  /** Variables the crontab sets (the last assignment of a name wins, as in cron). */
  env: Record<string, string>;
}

const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/**
 * Parse crontab text. Never throws: a line it cannot understand becomes a problem and is skipped,
 * so one typo does not blind the sidecar to every other job. Several lines that append to one log
 * share a job id on purpose: their runs land in one file and cannot be told apart there.
 */
export function parseCrontab(text: string, options: CrontabOptions): ParsedCrontab {
  const jobs: Job[] = [];
  const problems: CrontabProblem[] = [];
  const env: Record<string, string> = {};
  let timezone = options.defaultTimezone;
  if (!isValidTimezone(timezone)) {
    problems.push({ line: 0, message: `default timezone "${timezone}" is not a known IANA zone; using UTC` });
    timezone = 'UTC';
  }

  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!;
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;

    const envMatch = ENV_LINE.exec(line);
    if (envMatch) {
      const name = envMatch[1]!;
      const value = unquote(envMatch[2]!.trim());
      env[name] = value;
      if (name === 'CRON_TZ') {
        // CRON_TZ (cronie, supercronic) is the one variable that changes the zone the schedule is
        // matched in, for the lines that follow it.
        if (isValidTimezone(value)) timezone = value;
        else problems.push({ line: lineNo, message: `CRON_TZ="${value}" is not a known IANA zone; keeping ${timezone}` });
      }
      // TZ= deliberately does not: Debian cron passes crontab variables to the jobs' environment only
      // and matches times in the daemon's own zone (its TZ / /etc/localtime). Supercronic does the same
      // with TZ=. So `TZ=Asia/Seoul` in a crontab changes job log stamps, not when jobs fire.
      continue;
    }

    const parsed = parseJobLine(line);
    if (!parsed.ok) {
      problems.push({ line: lineNo, message: parsed.message });
      continue;
    }
    const problem = scheduleProblem(parsed.schedule);
    if (problem !== undefined) {
      problems.push({ line: lineNo, message: problem });
      continue;
    }
    const extracted = extractFromCommand(parsed.command, options.containerLogsDir);
    const id = extracted.logFile ?? extracted.script ?? `line-${lineNo}`;
    jobs.push({
      id,
      schedule: parsed.schedule,
      timezone,
      command: parsed.command,
      ...(extracted.script !== undefined ? { script: extracted.script } : {}),
      ...(extracted.logFile !== undefined ? { logFile: extracted.logFile } : {}),
      line: index,
    });
  }
  return { jobs, problems, timezone, env };
}

type JobLine = { ok: true; schedule: string; command: string } | { ok: false; message: string };

function parseJobLine(line: string): JobLine {
  const tokens = line.split(/\s+/);
  const first = tokens[0]!;
  if (first.startsWith('@')) {
    // Case-sensitive, as in cron: `@Daily` is not a macro there either.
    const macro = first;
    if (!Object.hasOwn(CRON_MACROS, macro)) return { ok: false, message: `unknown schedule macro "${first}"` };
    const command = line.slice(first.length).trim();
    if (command === '') return { ok: false, message: `"${first}" has no command` };
    return { ok: true, schedule: macro, command };
  }
  if (tokens.length < 6) return { ok: false, message: `not a cron line (expected 5 time fields and a command): "${clip(line)}"` };
  // Six fields when the sixth token is itself a valid time field: then the line has a leading
  // seconds field (supercronic, and fast test schedules). Debian cron has no seconds field, but a
  // command never starts with something like `1-5` or `*`, so the reading is unambiguous in practice.
  const sixFieldsValid = FIELD_ORDER_6.every((spec, i) => fieldProblem(tokens[i]!, spec) === undefined);
  if (sixFieldsValid && tokens.length === 6) return { ok: false, message: `six time fields but no command: "${clip(line)}"` };
  const fieldCount = sixFieldsValid ? 6 : 5;
  if (!sixFieldsValid) {
    for (let i = 0; i < 5; i++) {
      const why = fieldProblem(tokens[i]!, FIELD_ORDER_5[i]!);
      if (why !== undefined) return { ok: false, message: `${FIELD_ORDER_5[i]!.name} field "${tokens[i]}": ${why}` };
    }
    const sixth = tokens[5]!;
    if (looksLikeCronField(sixth) && tokens.length >= 7) {
      // The sixth token looks like a time field, yet the six-field reading fails: report that
      // reading's error rather than schedule a command called "1-9".
      const bad = FIELD_ORDER_6.findIndex((spec, i) => fieldProblem(tokens[i]!, spec) !== undefined);
      const spec = FIELD_ORDER_6[bad]!;
      return { ok: false, message: `read as a 6-field line, ${spec.name} field "${tokens[bad]}": ${fieldProblem(tokens[bad]!, spec)}` };
    }
  }
  const schedule = tokens.slice(0, fieldCount).join(' ');
  const command = stripFields(line, fieldCount);
  if (command === '') return { ok: false, message: `no command after the schedule: "${clip(line)}"` };
  return { ok: true, schedule, command };
}

/** The command as written: the line with its first `count` whitespace-separated fields removed. */
function stripFields(line: string, count: number): string {
  let rest = line;
  for (let i = 0; i < count; i++) rest = rest.replace(/^\S+\s*/, '');
  return rest.trim();
}

// ---------------------------------------------------------------------------------------------
// Field syntax of Debian (Vixie) cron: numbers, names, `*`, ranges, steps on `*` and ranges, lists.
// Extensions croner knows but Debian cron does not (L, W, #, ?, +) are refused, because a crontab
// that uses them does not run the way croner would compute it.

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTHS };
// 7 is Sunday as well as 0, as in Vixie cron.
const DAY_OF_WEEK: FieldSpec = { name: 'day-of-week', min: 0, max: 7, names: DAYS };

const FIELD_ORDER_5 = [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK] as const;
const FIELD_ORDER_6 = [SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK] as const;

/** Why a field is not valid for this position, or undefined when it is. */
export function fieldProblem(field: string, spec: FieldSpec): string | undefined {
  if (field === '') return 'empty';
  for (const item of field.split(',')) {
    const why = itemProblem(item, spec);
    if (why !== undefined) return why;
  }
  return undefined;
}

function itemProblem(item: string, spec: FieldSpec): string | undefined {
  if (item === '') return 'empty list item';
  const [rangePart, stepPart, extra] = item.split('/');
  if (extra !== undefined) return `"${item}" has more than one "/"`;
  if (stepPart !== undefined) {
    if (!/^\d+$/.test(stepPart) || Number(stepPart) === 0) return `step "${stepPart}" must be a positive number`;
  }
  if (rangePart === '*') return undefined;
  const bounds = rangePart!.split('-');
  if (bounds.length > 2) return `"${rangePart}" is not a range`;
  const values: number[] = [];
  for (const bound of bounds) {
    const value = valueOf(bound, spec);
    if (value === undefined) return `"${bound}" is not a ${spec.name} (${spec.min}-${spec.max}${spec.names ? ' or a name' : ''})`;
    values.push(value);
  }
  if (values.length === 1 && stepPart !== undefined) return `a step needs "*" or a range before it, not "${rangePart}"`;
  if (values.length === 2 && values[0]! > values[1]!) return `range "${rangePart}" runs backwards`;
  return undefined;
}

function valueOf(text: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const index = spec.names?.indexOf(text.toLowerCase() as never) ?? -1;
  if (index < 0) return undefined;
  return spec === MONTH ? index + 1 : index;
}

function looksLikeCronField(token: string): boolean {
  return /^[\d*][\d*,/-]*$/.test(token);
}

// ---------------------------------------------------------------------------------------------
// What the command runs and where it writes

export interface CommandFacts {
  /** Base name of the script it runs (`check_positions.py`). */
  script?: string;
  /** Log file relative to the container logs directory, when stdout is appended or written there. */
  logFile?: string;
}

/**
 * Find the script and the log file of a cron command such as
 * `cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1`.
 */
export function extractFromCommand(command: string, containerLogsDir: string): CommandFacts {
  // In cron, an unescaped % ends the command (the rest is stdin), so only the part before it runs.
  const runs = command.split(/(?<!\\)%/)[0]!;
  const facts: CommandFacts = {};

  const cwd = /^\s*cd\s+("[^"]*"|'[^']*'|\S+)\s*(?:&&|;)/.exec(runs);
  const workDir = cwd ? unquote(cwd[1]!) : undefined;

  // Stdout redirections: `>> f`, `> f`, `1>> f`, `&>> f`; never `2>` (stderr only) or `>&1` (a dup).
  const redirect = /(?:^|[\s;&|])(?:1|&)?>>?\s*(?!&)("[^"]*"|'[^']*'|[^\s;&|<>]+)/g;
  const targets: string[] = [];
  let m: RegExpExecArray | null;
  while ((m = redirect.exec(runs)) !== null) targets.push(unquote(m[1]!));
  for (const target of targets) {
    const absolute = target.startsWith('/') ? target : workDir ? joinPath(workDir, target) : undefined;
    if (absolute === undefined) continue;
    const relative = relativeUnder(absolute, containerLogsDir);
    if (relative !== undefined) {
      facts.logFile = relative;
      break;
    }
  }

  const withoutTargets = targets.reduce((rest, t) => rest.split(t).join(' '), runs);
  const script =
    /(?:^|[\s'"=])([^\s'";&|<>]*?([\w.-]+\.py))(?=$|[\s'";&|<>])/.exec(withoutTargets) ??
    /(?:^|[\s'"=])([^\s'";&|<>]*?([\w.-]+\.sh))(?=$|[\s'";&|<>])/.exec(withoutTargets);
  if (script) facts.script = script[2]!;
  return facts;
}

/** Lexically join and normalise a POSIX path (no file system: this is the pure core). */
function joinPath(base: string, rel: string): string {
  const parts: string[] = [];
  for (const part of `${base}/${rel}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function relativeUnder(path: string, dir: string): string | undefined {
  const normalised = joinPath('/', path);
  const base = joinPath('/', dir);
  const prefix = base === '/' ? '/' : `${base}/`;
  if (!normalised.startsWith(prefix)) return undefined;
  const rest = normalised.slice(prefix.length);
  return rest === '' ? undefined : rest;
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) return value.slice(1, -1);
  return value;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
