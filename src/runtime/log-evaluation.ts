// Evaluates a whole (possibly huge, old) job log into runs: big sequential reads, the byte selector to
// skip uninteresting lines undecoded, and the same reducer the daemon uses. Used by `check` on old logs
// and by the benchmark.
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createLineSelector } from '../adapters/log-scan.ts';
import type { LineSelector } from '../adapters/line-selector.ts';
import { applyLogLines, emptyRunsState, listOpenRuns, runNeedles, type RunsContext, type RunsState } from '../core/runs.ts';
import type { Instant, LogLine, Run } from '../core/types.ts';

const NEWLINE = 10;
const CR = 13;

export interface LogEvaluationOptions {
  /** Stamped on every line as `observedAt`; lines are backlog (`live: false`), so their time comes from the stamps. */
  observedAt: Instant;
  /** The log file name the jobs refer to (default: the path's base name, e.g. `check_kr.log`). */
  file?: string;
  /** Start from a checkpointed state instead of an empty one. */
  state?: RunsState;
  /** Default: built from the context's profiles and error patterns. */
  selector?: LineSelector;
  /**
   * Read size, default 256 KiB: memory stays at about one chunk whatever the file size. Bigger chunks are
   * not faster (the search is per chunk anyway) but keep more decoded lines alive per batch, which V8 then
   * promotes to its old generation: 4 MiB chunks measured ~50 MB more peak RSS on a 200 MB log.
   */
  chunkBytes?: number;
  /** Longer lines are cut to this many bytes, default 64 KiB. */
  maxLineBytes?: number;
  /** Finished runs returned (the most recent); default 100. Use `onRun` to see every one. */
  keepRuns?: number;
  /** Called for every finished run, oldest first. */
  onRun?: (run: Run) => void;
}

export interface LogEvaluation {
  /** The most recent finished runs (up to keepRuns) then the open run if any, oldest first, as `World.runs` holds them. */
  runs: Run[];
  finishedCount: number;
  state: RunsState;
  bytesRead: number;
  linesSelected: number;
}

export type LogEvaluationResult =
  { ok: true; value: LogEvaluation } | { ok: false; error: { kind: 'not-found' | 'unreadable'; message: string } };

export async function evaluateLogFile(path: string, ctx: RunsContext, options: LogEvaluationOptions): Promise<LogEvaluationResult> {
  const file = options.file ?? basename(path);
  const chunkBytes = Math.max(64 * 1024, options.chunkBytes ?? 256 * 1024);
  const maxLineBytes = Math.max(256, Math.min(options.maxLineBytes ?? 64 * 1024, chunkBytes - 1));
  const keepRuns = Math.max(0, options.keepRuns ?? 100);
  const select = options.selector ?? createLineSelector(runNeedles(ctx.profiles, ctx.errorPatterns));

  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, error: { kind: code === 'ENOENT' ? 'not-found' : 'unreadable', message: `${path}: ${code ?? String(err)}` } };
  }

  let state = options.state ?? emptyRunsState();
  const recent: Run[] = [];
  let finishedCount = 0;
  let bytesRead = 0;
  let linesSelected = 0;
  const buf = Buffer.allocUnsafe(chunkBytes);

  const feed = (lines: LogLine[]) => {
    if (lines.length === 0) return;
    linesSelected += lines.length;
    const applied = applyLogLines(state, lines, ctx);
    state = applied.state;
    for (const run of applied.finished) {
      finishedCount++;
      options.onRun?.(run);
      if (keepRuns > 0) {
        recent.push(run);
        if (recent.length > keepRuns * 2) recent.splice(0, recent.length - keepRuns);
      }
    }
  };
  const decode = (start: number, end: number): string => {
    if (end > start && buf[end - 1] === CR) end--;
    if (end - start <= maxLineBytes) return buf.toString('utf8', start, end);
    let cut = start + maxLineBytes;
    while (cut > start && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut--; // not inside a UTF-8 sequence
    return `${buf.toString('utf8', start, cut)} …[cut ${end - cut} bytes]`;
  };
  const selectLines = (from: number, to: number): LogLine[] =>
    select(buf, from, to).map(([s, e]) => ({
      file,
      text: decode(Math.max(from, s), Math.min(to, e)),
      observedAt: options.observedAt,
      live: false,
    }));

  try {
    let carry = 0; // bytes of an unterminated last line kept at the head of buf
    let skipping = false; // inside a line longer than the buffer, whose head was already taken
    for (;;) {
      const { bytesRead: n } = await handle.read(buf, carry, chunkBytes - carry, null);
      bytesRead += n;
      const total = carry + n;
      if (n === 0) {
        // End of file: an unterminated last line is still a line (the writer may never finish it).
        if (total > 0 && !skipping) feed(selectLines(0, total));
        break;
      }
      let from = 0;
      if (skipping) {
        const nl = buf.indexOf(NEWLINE, carry);
        if (nl === -1 || nl >= total) {
          carry = 0;
          continue;
        }
        skipping = false;
        from = nl + 1;
      }
      const lastNl = buf.lastIndexOf(NEWLINE, total - 1);
      if (lastNl < from) {
        if (total - from < chunkBytes) {
          buf.copyWithin(0, from, total);
          carry = total - from;
          continue;
        }
        // One line fills the whole buffer: take its head as the line and skip to its end.
        feed(selectLines(from, total));
        skipping = true;
        carry = 0;
        continue;
      }
      feed(selectLines(from, lastNl + 1));
      buf.copyWithin(0, lastNl + 1, total);
      carry = total - lastNl - 1;
    }
  } catch (err) {
    return { ok: false, error: { kind: 'unreadable', message: `${path}: ${(err as Error).message}` } };
  } finally {
    await handle.close().catch(() => {});
  }

  return {
    ok: true,
    value: { runs: [...recent.slice(-keepRuns), ...listOpenRuns(state, file)], finishedCount, state, bytesRead, linesSelected },
  };
}
