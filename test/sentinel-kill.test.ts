// Restart safety of the whole daemon: `turtle-sentinel run` is killed with SIGKILL again and again
// while a job appends to its log; after the last restart every line was evaluated exactly once (the
// per-file line count and the runs rebuilt from markers agree with what was written), and the one
// failing run opened exactly one incident.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CRONTAB_WEEKDAYS_16, bin, deploymentDir, sentinelYaml } from './helpers/cli-deployment.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const START = '=== 통합 포지션 & 시그널 체크 시작 ===';
const FINISH = '=== 체크 완료 ===';

function stamp(run: number, i: number): string {
  const day = String(1 + run).padStart(2, '0');
  const ms = String(i).padStart(3, '0');
  return `2026-03-${day} 07:00:${String(Math.floor(i / 1000)).padStart(2, '0')},${ms}`;
}

/** One run: start, channel line, `lines` pyramid-chance lines (each one selected by the tailer), finish. */
function runLines(run: number, lines: number, failing: boolean): string[] {
  const out = [`${stamp(run, 0)} - __main__ - INFO - ${START}`, `${stamp(run, 1)} - __main__ - INFO - Telegram 채널 활성화`];
  for (let i = 0; i < lines; i++) {
    out.push(`${stamp(run, 2 + i)} - __main__ - INFO - 피라미딩 기회: SYM${run}_${i}`);
    out.push(`${stamp(run, 2 + i)} - src.notifier - INFO - Telegram 전송 성공: 매매 시그널: SYM${run}_${i}`);
  }
  if (failing) {
    out.push('Traceback (most recent call last):', '  File "/app/scripts/check_positions.py", line 546, in <module>', "KeyError: 'units'");
  } else {
    out.push(`${stamp(run, 900)} - __main__ - INFO - ${FINISH}`);
  }
  return out;
}

function startSentinel(configPath: string, cwd: string): ChildProcess {
  return spawn(process.execPath, [bin, 'run', '--config', configPath], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

test('SIGKILL at random moments while lines are appended: no line missed or evaluated twice', { timeout: 180_000 }, async (t) => {
  const { work, root } = deploymentDir('sentinel-kill-', CRONTAB_WEEKDAYS_16, { exampleData: false });
  const configPath = join(work, 'sentinel.yaml');
  writeFileSync(configPath, sentinelYaml({ logLevel: 'warn' }));
  const log = join(root, 'logs/check_kr.log');

  // 12 runs of 2 + 2×60 + 1 lines; run 7 fails with a traceback (its segment ends at the next start).
  const runs = Array.from({ length: 12 }, (_, r) => runLines(r, 150, r === 7));
  const all = runs.flat();
  let child = startSentinel(configPath, work);
  // Whatever fails below, the daemon must not outlive the test: a live child keeps the runner (and CI) waiting.
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  let kills = 0;
  let written = 0;
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const checkpoint = join(work, 'state/checkpoint.json');
  const evaluatedSoFar = () => {
    try {
      return (
        (JSON.parse(readFileSync(checkpoint, 'utf8')) as { core: { linesEvaluated: Record<string, number> } }).core.linesEvaluated[
          'check_kr.log'
        ] ?? 0
      );
    } catch {
      return 0;
    }
  };
  let progressAtSpawn = -1;
  while (written < all.length) {
    const burst = 1 + Math.floor(random() * 40);
    appendFileSync(
      log,
      all
        .slice(written, written + burst)
        .map((l) => l + '\n')
        .join(''),
    );
    written = Math.min(all.length, written + burst);
    // Paced so that a daemon (re)starting on a loaded machine still has work left to be killed in:
    // the writes span about ten seconds, whatever the daemon's speed.
    await sleep(Math.floor(random() * 100));
    // Kill only once this instance has made durable progress, so that kills land mid-work rather
    // than during start-up; the moment within the work is random.
    if (evaluatedSoFar() > progressAtSpawn && random() < 0.15) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills += 1;
      progressAtSpawn = evaluatedSoFar();
      child = startSentinel(configPath, work);
      child.stderr?.on('data', (d) => (stderr += d));
    }
  }
  assert.ok(kills >= 3, `the test must actually kill the daemon several times (killed ${kills})`);

  // Let the last instance catch up, then stop it gracefully so its final checkpoint is written.
  const expectedLines = all.length;
  const deadline = Date.now() + 60_000;
  let core:
    | {
        linesEvaluated: Record<string, number>;
        finishedRuns: Record<string, { end: string; startStamp: string; tracebacks: unknown[] }[]>;
        incidents: { incidents: { ruleId: string; cause: string }[] };
      }
    | undefined;
  while (Date.now() < deadline) {
    if (existsSync(checkpoint)) {
      core = (JSON.parse(readFileSync(checkpoint, 'utf8')) as { core: typeof core }).core;
      if ((core?.linesEvaluated['check_kr.log'] ?? 0) >= expectedLines) break;
    }
    await sleep(200);
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  core = (JSON.parse(readFileSync(checkpoint, 'utf8')) as { core: typeof core }).core;
  assert.ok(core, `no checkpoint; stderr: ${stderr}`);

  assert.equal(core.linesEvaluated['check_kr.log'], expectedLines, 'every written line evaluated exactly once');
  const finished = core.finishedRuns['check_kr.log'] ?? [];
  // The last run stays open until its finish marker: here it has one, so all 12 runs are finished.
  assert.deepEqual(
    finished.map((r) => r.startStamp),
    runs.map((_, r) => stamp(r, 0)),
    'one run per start marker, none duplicated or lost',
  );
  assert.deepEqual(
    finished.map((r) => r.tracebacks.length > 0),
    runs.map((_, r) => r === 7),
  );
  const failureIncidents = core.incidents.incidents.filter((i) => i.cause === 'check_kr.log');
  assert.ok(failureIncidents.length <= 1, `at most one incident per cause, got ${JSON.stringify(failureIncidents)}`);
});
