// Log lines → runs: a reducer that cuts each job log into runs (start marker → finish marker, or → the
// next start marker) and collects per run what the rules judge: tracebacks, error-pattern lines,
// Telegram evidence, position closes and the guarded system's silent JSON repairs.
//
// The state is plain JSON (it is checkpointed with the tailer cursors) and bounded: every list kept per
// run is capped, so a runaway log cannot grow the checkpoint. Lines may arrive one at a time or in any
// batching: the result is the same, because everything a line needs from its predecessors (the open run,
// a traceback being read, the file's clock) lives in the state.
import { emptyLogClock, lineInstant, naiveInstant, startOffset, type LogClock, type StartHints } from './log-clock.ts';
import { previousFire } from './schedule.ts';
import { parseLogLine, type ParsedLogLine } from './log-line.ts';
import type { Instant, Job, JobProfile, LogLine, Run, TracebackEvidence } from './types.ts';

/** Fixed strings the guarded system logs (reference §1–§3); the markers come from the job profiles. */
export const TRACEBACK_HEADER = 'Traceback (most recent call last):';
export const TELEGRAM_SUCCESS = 'Telegram 전송 성공';
export const TELEGRAM_FAILURE = 'Telegram 오류 (모든 재시도 소진)';
export const POSITION_CLOSED = '포지션 청산: ';
export const HEAL_MARKERS = ['JSON 파일 손상', '백업에서 복원'] as const;
/** The tz-aware market-status line, read by log-clock.ts to learn the stamp offset. */
export const MARKET_STATUS = '한국거래소 (KRX): ';

/** Caps that keep the checkpointed state small whatever the log contains. */
const MAX_LINES_PER_LIST = 20;
const MAX_TRACEBACKS_PER_RUN = 5;
const MAX_LINE_CHARS = 500;
const EXCERPT_HEAD = 4;
const EXCERPT_TAIL = 6;
const MAX_PREAMBLE = 20;
/**
 * Lines written without a run open (v3.2.0 logs its deprecation WARNING before its start marker; an import
 * error dies before it) belong to the run that starts, or the crash that follows, within this long.
 */
const PREAMBLE_WINDOW = 2 * 60_000;

export interface RunsContext {
  /** The deployed crontab's jobs by the log file they append to. */
  jobsByLogFile: Record<string, Job>;
  /** Profiles by script name. */
  profiles: Record<string, JobProfile>;
  /** Substrings that put a line into `errorLines` (the union of the repeated-failures rules' patterns). */
  errorPatterns: string[];
  /** `auto` or an IANA zone: the zone of naive stamps when nothing better is known (log-clock.ts). */
  logTimestampZone: string;
  /**
   * Substrings of lines that mean a guard tripped (the running release's `guardLines`): kept in the run's
   * `guardLines`, so that the guard rule sees them and the failure rules can tell them from faults.
   */
  guardPatterns?: readonly string[];
}

export interface RunsState {
  schema: 1;
  files: Record<string, FileRunsState>;
}

export interface FileRunsState {
  clock: LogClock;
  /**
   * When no crontab job names this file, the script whose start marker was seen in it (the job id is then
   * the file name), so that back-log read before the crontab is known is not thrown away.
   */
  inferredScript?: string;
  open: OpenRun | null;
  traceback: PendingTraceback | null;
  preamble: PreambleLine[];
}

export interface OpenRun {
  run: Run;
  /** Naive stamp of the start line, to re-time the start when the offset is learned later in the run. */
  startNaiveMs: number | null;
  startLive: boolean;
}

/** A traceback whose final `XxxError: msg` line has not been read yet. */
export interface PendingTraceback {
  head: string[];
  tail: string[];
  lineCount: number;
  at: Instant;
  /** Whether it started inside the open run (else it becomes a failed run of its own). */
  inRun: boolean;
}

interface PreambleLine {
  text: string;
  message: string;
  at: Instant;
}

export interface RunsResult {
  state: RunsState;
  /** Runs that ended with these lines, in the order they ended. */
  finished: Run[];
  /**
   * Silent repairs and position closes, each once, as its line is read, with the line's own time and file:
   * inside a run or not, attributed to a job or not (a repair is a repair whoever logged it).
   */
  marks: LogMark[];
  /** How many of the given lines (from `from`) were applied: all of them unless stopped at a boundary. */
  consumed: number;
  /** With `stopAtBoundaryFrom`: the instant of the line that ended the batch at a run boundary. */
  boundaryAt?: Instant;
}

/** A line the rules need when it is read, not when its run ends. */
export interface LogMark {
  kind: 'heal' | 'close';
  file: string;
  text: string;
  /** For `close`: the position id after `포지션 청산: `. */
  positionId?: string;
  at: Instant;
}

export interface ApplyOptions {
  /**
   * Stop after the first line, timed at or after this instant, that changes what the rules judge: a run
   * ended, an open run gained a traceback or an error line, a repair or close line was read. The caller
   * evaluates the rules there and feeds the rest, so that lines read together are judged as they would
   * have been read one by one. Boundaries before the instant (old history) do not stop the batch.
   */
  stopAtBoundaryFrom?: Instant;
  /** Index of the first line to apply (default 0): the caller feeds the rest of a batch without copying it. */
  from?: number;
}

/** How a run ended, as /status and the daily digest tell it (a traceback or an error line fails a run that finished). */
export function runOutcome(run: Run): 'ok' | 'failed' | 'running' | 'superseded' {
  if (run.end === 'open') return 'running';
  if (run.end === 'failed' || run.tracebacks.length > 0 || run.errorLines.length > 0) return 'failed';
  if (run.end === 'superseded') return 'superseded';
  return 'ok';
}

export function emptyRunsState(): RunsState {
  return { schema: 1, files: {} };
}

/**
 * The byte strings worth looking at in a log, for the fast line selector (adapters/log-scan.ts): every
 * line that can change a run contains one of them. Needles that contain another needle are dropped, as
 * the shorter one already finds their lines.
 */
export function runNeedles(profiles: Record<string, JobProfile> | readonly JobProfile[], errorPatterns: readonly string[]): string[] {
  const list = Array.isArray(profiles) ? (profiles as readonly JobProfile[]) : Object.values(profiles);
  const all = new Set<string>([TRACEBACK_HEADER, TELEGRAM_SUCCESS, TELEGRAM_FAILURE, POSITION_CLOSED, ...HEAL_MARKERS, MARKET_STATUS]);
  for (const p of list) {
    all.add(p.startMarker);
    all.add(p.finishMarker);
    if (p.channelMarker) all.add(p.channelMarker);
    for (const e of p.notifyEvents) all.add(e);
  }
  for (const e of errorPatterns) all.add(e);
  const needles = [...all].filter((n) => n.length > 0);
  return needles.filter((n) => !needles.some((other) => other !== n && n.includes(other))).sort();
}

/** Runs that started and have not ended yet (for "hung" and for evidence), one per log file at most. */
export function listOpenRuns(state: RunsState, onlyFile?: string): Run[] {
  const runs: Run[] = [];
  for (const file of Object.keys(state.files).sort()) {
    if (onlyFile !== undefined && file !== onlyFile) continue;
    const fs = state.files[file]!;
    if (!fs.open) continue;
    // A traceback counts once its final `XxxError: msg` line is read (moments after its header: Python
    // prints it at once). Showing it earlier, as "still being written", made the verdict depend on where a
    // read happened to cut the lines: one failed run gave two warnings when its traceback was split.
    runs.push(fs.open.run);
  }
  return runs;
}

/** Feed lines (in file order per file; files may interleave) into the state. Pure; never throws on odd input. */
export function applyLogLines(state: RunsState, lines: readonly LogLine[], ctx: RunsContext, options: ApplyOptions = {}): RunsResult {
  const finished: Run[] = [];
  const marks: LogMark[] = [];
  const files: Record<string, FileRunsState> = { ...state.files };
  // Copy-on-write per file: the caller's state object (a checkpoint) is never mutated.
  const copied = new Set<string>();
  const stopFrom = options.stopAtBoundaryFrom;
  let consumed = 0;
  for (let i = options.from ?? 0; i < lines.length; i++) {
    const line = lines[i]!;
    consumed++;
    if (!line || typeof line.text !== 'string' || typeof line.file !== 'string') continue;
    let fs = files[line.file];
    if (!fs) {
      fs = { clock: emptyLogClock(), open: null, traceback: null, preamble: [] };
      files[line.file] = fs;
      copied.add(line.file);
    } else if (!copied.has(line.file)) {
      fs = structuredClone(fs);
      files[line.file] = fs;
      copied.add(line.file);
    }
    const openRun = fs.open?.run;
    const failuresBefore = openRun ? openRun.tracebacks.length + openRun.errorLines.length : 0;
    const ended = finished.length;
    const marked = marks.length;
    applyLine(fs, line, ctx, finished, marks);
    if (stopFrom === undefined) continue;
    const failuresAfter = openRun && fs.open?.run === openRun ? openRun.tracebacks.length + openRun.errorLines.length : failuresBefore;
    if (finished.length > ended || marks.length > marked || failuresAfter > failuresBefore) {
      const boundaryAt = line.live ? line.observedAt : (fs.clock.lastAt ?? line.observedAt);
      if (boundaryAt >= stopFrom) return { state: { schema: 1, files }, finished, marks, consumed, boundaryAt };
    }
  }
  return { state: { schema: 1, files }, finished, marks, consumed };
}

interface JobIdentity {
  jobId: string;
  script: string;
  profile: JobProfile;
}

function identify(fs: FileRunsState, file: string, ctx: RunsContext, parsed: ParsedLogLine | null, text: string): JobIdentity | undefined {
  const job = ctx.jobsByLogFile[file];
  if (job) {
    const profile = job.script ? ctx.profiles[job.script] : undefined;
    return profile && job.script ? { jobId: job.id, script: job.script, profile } : undefined;
  }
  if (!fs.inferredScript) {
    const message = parsed?.message ?? text;
    const match = Object.entries(ctx.profiles).find(([, p]) => message.includes(p.startMarker));
    if (!match) return undefined;
    fs.inferredScript = match[0];
  }
  const profile = ctx.profiles[fs.inferredScript];
  return profile ? { jobId: file, script: fs.inferredScript, profile } : undefined;
}

function applyLine(fs: FileRunsState, line: LogLine, ctx: RunsContext, finished: Run[], marks: LogMark[]): void {
  const text = line.text;
  const parsed = parseLogLine(text);
  const id = identify(fs, line.file, ctx, parsed, text);
  if (!id) {
    // No job of ours writes this file, but a repair logged here (a reader run by hand, another job) is
    // still the guarded system healing positions.json: time it by the file's own clock and report it.
    if (parsed === null) return;
    const time = lineInstant(fs.clock, line, parsed, ctx.logTimestampZone);
    fs.clock = time.clock;
    markLine(marks, line.file, text, parsed.message, time.at);
    return;
  }

  if (fs.traceback) {
    if (parsed === null) {
      if (isTracebackBody(text)) {
        addTracebackLine(fs.traceback, text);
        return;
      }
      if (text.startsWith(TRACEBACK_HEADER)) {
        // A chained exception ("During handling of the above exception…" is not selected): a new traceback.
        endTraceback(fs, id, '', ctx, finished);
      } else {
        endTraceback(fs, id, clip(text), ctx, finished);
        return;
      }
    } else {
      // A stamped line before the final error line: the traceback was cut off (or interleaved).
      endTraceback(fs, id, '', ctx, finished);
    }
  }

  const before = fs.clock.offsetMs;
  const starts = parsed !== null ? parsed.message.includes(id.profile.startMarker) : printedMarker(text, id.profile.startMarker);
  if (starts && parsed !== null && !line.live)
    fs.clock = startOffset(fs.clock, line, parsed, startHints(ctx.jobsByLogFile[line.file], ctx));
  const time = lineInstant(fs.clock, line, parsed, ctx.logTimestampZone);
  fs.clock = time.clock;
  if (fs.clock.offsetMs !== before) retimeOpenRun(fs, ctx);
  const at = time.at;

  if (parsed === null && text.startsWith(TRACEBACK_HEADER)) {
    fs.traceback = { head: [clip(text)], tail: [], lineCount: 1, at, inRun: fs.open !== null };
    return;
  }

  const message = parsed?.message ?? text;
  markLine(marks, line.file, text, message, at);
  // Markers count on a well-formed logging line, or as the very beginning of an unstamped line: the
  // Python jobs log them through `logging`, while backup_data.sh echoes and health_check.py prints
  // theirs (release catalogue). The marker's text inside a traceback body or mid-line proves nothing.
  if (starts) {
    if (fs.open) {
      fs.open.run.end = 'superseded';
      finished.push(fs.open.run);
    }
    fs.open = {
      run: newRun(id, at, parsed?.stamp ?? ''),
      startNaiveMs: parsed?.naiveMs ?? null,
      startLive: line.live,
    };
    for (const p of takePreamble(fs, at)) collect(fs.open.run, p.text, p.message, id.profile, ctx);
    return;
  }
  if (parsed !== null ? message.includes(id.profile.finishMarker) : printedMarker(text, id.profile.finishMarker)) {
    if (fs.open) {
      const run = fs.open.run;
      run.end = run.tracebacks.length > 0 ? 'failed' : 'finished';
      run.finishedAt = at;
      finished.push(run);
      fs.open = null;
    }
    return;
  }
  if (fs.open) {
    collect(fs.open.run, text, message, id.profile, ctx);
  } else if (isInteresting(text, message, id.profile, ctx)) {
    fs.preamble = [...fs.preamble.filter((p) => p.at >= at - PREAMBLE_WINDOW), { text: clip(text), message: clip(message), at }].slice(
      -MAX_PREAMBLE,
    );
  }
}

/**
 * A marker a script prints or echoes: the line begins with it once terminal colour codes (`echo -e
 * "${GREEN}…"`, which land in the log as escape bytes) and leading spaces are removed.
 */
function printedMarker(text: string, marker: string): boolean {
  return text
    .replace(/\x1b\[[0-9;]*m/g, '')
    .trimStart()
    .startsWith(marker);
}

/** Cron starts a job at its fire time; the interpreter and imports take seconds, a loaded host minutes. */
const START_DELAY_MAX = 10 * 60_000;
const START_EARLY_MAX = 60_000;

function startHints(job: Job | undefined, ctx: RunsContext): StartHints {
  const zones = [ctx.logTimestampZone];
  if (!job) return { zones };
  return {
    zones,
    handZone: job.timezone,
    onSchedule: (at) => {
      const fire = previousFire(job, at + START_EARLY_MAX);
      return fire !== undefined && at - fire >= -START_EARLY_MAX && at - fire <= START_DELAY_MAX;
    },
  };
}

function markLine(marks: LogMark[], file: string, text: string, message: string, at: Instant): void {
  if (HEAL_MARKERS.some((h) => message.includes(h))) marks.push({ kind: 'heal', file, text: clip(text), at });
  const positionId = closedPositionId(message);
  if (positionId) marks.push({ kind: 'close', file, text: clip(text), positionId: clip(positionId), at });
}

/** The id a `포지션 청산: <id>` line names (its first word after the marker), if the line is one. */
function closedPositionId(message: string): string | undefined {
  const closeAt = message.indexOf(POSITION_CLOSED);
  if (closeAt < 0) return undefined;
  return message
    .slice(closeAt + POSITION_CLOSED.length)
    .trim()
    .split(/\s+/)[0];
}

function newRun(id: JobIdentity, at: Instant, stamp: string): Run {
  return {
    jobId: id.jobId,
    script: id.script,
    startedAt: at,
    startStamp: stamp,
    end: 'open',
    tracebacks: [],
    errorLines: [],
    telegram: { channelActive: false, successes: [], failures: [], notifyEvents: [] },
    closedPositions: [],
    healLines: [],
  };
}

/** Preamble lines close enough before `at` to belong to what happens at `at`; the preamble is emptied. */
function takePreamble(fs: FileRunsState, at: Instant): PreambleLine[] {
  const taken = fs.preamble.filter((p) => p.at >= at - PREAMBLE_WINDOW && p.at <= at);
  fs.preamble = [];
  return taken;
}

/** The start was stamped before the offset was known (backlog): now that it is, say when the run really began. */
function retimeOpenRun(fs: FileRunsState, ctx: RunsContext): void {
  const open = fs.open;
  if (!open || open.startLive || open.startNaiveMs === null) return;
  open.run.startedAt = naiveInstant(fs.clock, open.startNaiveMs, ctx.logTimestampZone);
}

function isInteresting(text: string, message: string, profile: JobProfile, ctx: RunsContext): boolean {
  return (
    ctx.errorPatterns.some((p) => p.length > 0 && text.includes(p)) ||
    isGuardLine(text, ctx) ||
    HEAL_MARKERS.some((h) => message.includes(h)) ||
    message.includes(TELEGRAM_SUCCESS) ||
    message.includes(TELEGRAM_FAILURE) ||
    message.includes(POSITION_CLOSED) ||
    (profile.channelMarker !== undefined && message.includes(profile.channelMarker)) ||
    profile.notifyEvents.some((e) => message.includes(e))
  );
}

/** Everything a non-marker line can tell about its run. One line may count in several lists. */
function collect(run: Run, text: string, message: string, profile: JobProfile, ctx: RunsContext): void {
  if (ctx.errorPatterns.some((p) => p.length > 0 && text.includes(p))) pushCapped(run.errorLines, clip(text));
  if (HEAL_MARKERS.some((h) => message.includes(h))) pushCapped(run.healLines, clip(text));
  if (isGuardLine(text, ctx)) pushCapped((run.guardLines ??= []), clip(text));
  if (profile.channelMarker !== undefined && message.includes(profile.channelMarker)) run.telegram.channelActive = true;
  if (message.includes(TELEGRAM_SUCCESS)) pushCapped(run.telegram.successes, clip(message));
  if (message.includes(TELEGRAM_FAILURE)) pushCapped(run.telegram.failures, clip(message));
  if (profile.notifyEvents.some((e) => message.includes(e))) pushCapped(run.telegram.notifyEvents, clip(message));
  const positionId = closedPositionId(message);
  if (positionId && !run.closedPositions.includes(positionId)) pushCapped(run.closedPositions, clip(positionId));
}

function isGuardLine(text: string, ctx: RunsContext): boolean {
  return (ctx.guardPatterns ?? []).some((p) => p.length > 0 && text.includes(p));
}

/** Traceback frames and source lines are indented; Python prints no blank line inside one traceback. */
function isTracebackBody(text: string): boolean {
  return text.length === 0 || text[0] === ' ' || text[0] === '\t';
}

function addTracebackLine(tb: PendingTraceback, text: string): void {
  tb.lineCount++;
  if (tb.head.length < EXCERPT_HEAD) tb.head.push(clip(text));
  else tb.tail = [...tb.tail, clip(text)].slice(-EXCERPT_TAIL);
}

function tracebackEvidence(tb: PendingTraceback, error: string): TracebackEvidence {
  const shown = tb.head.length + tb.tail.length;
  const gap = tb.lineCount > shown ? [`  … (${tb.lineCount - shown} more lines)`] : [];
  return { error, excerpt: [...tb.head, ...gap, ...tb.tail] };
}

/** The traceback is complete: it fails the open run it began in, or is a failed run of its own (a crash before any start). */
function endTraceback(fs: FileRunsState, id: JobIdentity, errorLine: string, ctx: RunsContext, finished: Run[]): void {
  const tb = fs.traceback!;
  fs.traceback = null;
  const evidence = tracebackEvidence(tb, errorLine || '(traceback without its final error line)');
  if (tb.inRun && fs.open) {
    if (fs.open.run.tracebacks.length < MAX_TRACEBACKS_PER_RUN) fs.open.run.tracebacks.push(evidence);
    return;
  }
  const run = newRun(id, tb.at, '');
  for (const p of takePreamble(fs, tb.at)) collect(run, p.text, p.message, id.profile, ctx);
  run.tracebacks.push(evidence);
  run.end = 'failed';
  run.finishedAt = tb.at;
  finished.push(run);
}

function pushCapped(list: string[], value: string): void {
  if (list.length < MAX_LINES_PER_LIST) list.push(value);
}

function clip(text: string): string {
  return text.length <= MAX_LINE_CHARS ? text : `${text.slice(0, MAX_LINE_CHARS)} …[cut]`;
}
