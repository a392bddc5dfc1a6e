// "Is a job running", decided in the core from a process list and the crontab: which processes are
// jobs, and that our own crontab probe is not one. No Docker: the decision, not the engine.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jobProcessMatcher, jobProcesses } from '../src/core/job-processes.ts';
import { crontabOf } from './docker/replica.ts';

describe('jobProcessMatcher (which processes are jobs)', () => {
  const match = jobProcessMatcher(crontabOf('v3.2.1'));
  it('takes the shell cron spawns, the python process and a non-python job step', () => {
    assert.ok(match('/bin/sh -c cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1'));
    assert.ok(match('python scripts/daily_report.py'));
    assert.ok(match('/bin/sh scripts/check_positions.py'));
    assert.ok(match('find /app/data/cache -type f -mtime +7 -delete'));
  });
  it('leaves out the daemon, the main loop and unrelated tools', () => {
    for (const cmd of [
      'cron -f',
      'crond -f -l 8 -c /var/spool/cron/crontabs',
      '/bin/sh /usr/local/bin/replica-main',
      'sleep 3600',
      'find / -name core',
      'python3',
    ]) {
      assert.equal(match(cmd), false, cmd);
    }
  });
  it('without a crontab, still recognises any .py script', () => {
    const bare = jobProcessMatcher(undefined);
    assert.ok(bare('python /app/scripts/auto_trade.py --live'));
    assert.equal(bare('find /app/data/cache -type f -mtime +7 -delete'), false);
  });
});

describe('jobProcesses (the job processes among a process list)', () => {
  it('keeps the jobs, drops the daemon and our own crontab probe', () => {
    const processes = ['crond -f', 'crontab -l', 'python scripts/daily_report.py', 'sleep 3600'];
    assert.deepEqual(jobProcesses(processes, crontabOf('v3.2.1'), ['crontab', '-l']), ['python scripts/daily_report.py']);
  });
  it('an empty process list has no job', () => {
    assert.deepEqual(jobProcesses([], crontabOf('v3.2.1'), ['crontab', '-l']), []);
  });
});
