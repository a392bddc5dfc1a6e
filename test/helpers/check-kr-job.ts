// The KR check job as the crontab of v3.2.x declares it: one Job value for the tests that judge its
// runs, so that a new Job field is filled in once.
import type { Job } from '../../src/core/types.ts';

/** check_positions.py for the KR market, 16:00 Seoul on weekdays, logging to check_kr.log. */
export const CHECK_KR_JOB: Job = {
  id: 'check_kr.log',
  schedule: '0 16 * * 1-5',
  timezone: 'Asia/Seoul',
  command: 'python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1',
  script: 'check_positions.py',
  logFile: 'check_kr.log',
  line: 0,
};
