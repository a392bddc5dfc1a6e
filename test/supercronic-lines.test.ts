// supercronic's logrus lines (reference §4, samples/supercronic.log): every line of the sample is read,
// and each kind the run model uses is told apart with its job, iteration and instant.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { logrusFields, parseSupercronicLine } from '../src/core/supercronic-lines.ts';

const SAMPLE = readFileSync(new URL('./fixtures/supercronic.log', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l !== '');
const MONITOR = {
  command: 'cd /app && python scripts/monitor_positions.py',
  position: 7,
  schedule: '*/5 9-14 * * 1-5',
};

describe('supercronic lines', () => {
  it('every line of the reference sample is supercronic’s, and the kinds add up', () => {
    const kinds = SAMPLE.map((l) => parseSupercronicLine(l)?.kind ?? 'unread');
    const count = (k: string) => kinds.filter((x) => x === k).length;
    assert.equal(count('unread'), 0);
    assert.deepEqual(
      {
        runner: count('runner'),
        started: count('started'),
        succeeded: count('succeeded'),
        failed: count('failed'),
        output: count('output'),
      },
      { runner: 3, started: 10, succeeded: 6, failed: 4, output: 8 },
    );
  });

  it('a start: the job, its position and schedule, the iteration, the instant with its offset', () => {
    assert.deepEqual(parseSupercronicLine(SAMPLE[3]!), {
      kind: 'started',
      level: 'info',
      at: Date.parse('2026-03-05T00:00:00Z'),
      job: MONITOR,
      iteration: 0,
    });
  });

  it('relayed output keeps the job’s own line (quotes and all) and its channel', () => {
    const line = parseSupercronicLine(SAMPLE[5]!);
    assert.equal(line?.kind, 'output');
    assert.ok(line?.kind === 'output');
    assert.equal(line.channel, 'stderr');
    assert.equal(line.text, '2026-03-05 09:00:02,318 - __main__ - INFO - === 포지션 장중 모니터링 시작 ===');
    assert.deepEqual(line.job, MONITOR);
  });

  it('success, and a failure by exit status even without a traceback', () => {
    assert.equal(parseSupercronicLine(SAMPLE[8]!)?.kind, 'succeeded');
    const failed = parseSupercronicLine(SAMPLE[12]!);
    assert.ok(failed?.kind === 'failed');
    assert.equal(failed.exitStatus, 1);
    assert.equal(failed.error, 'error running command: exit status 1');
    assert.equal(failed.job.command, 'cd /app && python scripts/health_check.py >> /app/logs/health_check.log 2>&1');
  });

  it('`not starting: job is still running since …` is a hung previous run', () => {
    const line = parseSupercronicLine(
      'time="2026-03-05T09:05:00+09:00" level=warning msg="not starting: job is still running since 2026-03-05 09:00:00 +0900 KST (5m0s elapsed)" iteration=0 job.command="cd /app && python scripts/monitor_positions.py" job.position=7 job.schedule="*/5 9-14 * * 1-5"',
    );
    assert.ok(line?.kind === 'still-running');
    assert.equal(line.since, '2026-03-05 09:00:00 +0900 KST');
    assert.equal(line.level, 'warning');
  });

  it('escaped quotes and backslashes in a quoted value; lines that are not logrus are not supercronic’s', () => {
    assert.deepEqual(logrusFields('level=info msg="say \\"hi\\" C:\\\\x" k=v'), { level: 'info', msg: 'say "hi" C:\\x', k: 'v' });
    assert.equal(parseSupercronicLine('FATAL: /app/data is not writable by turtle'), undefined);
    assert.equal(parseSupercronicLine('level=info msg="unterminated'), undefined);
    assert.equal(parseSupercronicLine(''), undefined);
  });
});
