// An empty or unreadable crontab is never "healthy" (SPEC §2.1): `check` says why and exits 1 or 2,
// and the log rules still judge the jobs found in the logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, cliDeployment } from './helpers/cli-deployment.ts';

const NOT_A_SCHEDULE: Record<string, string> = {
  empty: '',
  'variables only': 'SHELL=/bin/bash\n',
  'comments and variables': '# 터틀 트레이딩 시스템 Cron 설정\nSHELL=/bin/bash\nPATH=/usr/local/bin:/usr/bin:/bin\n\n# nothing scheduled\n',
  'not a crontab': '{"jobs": ["check_positions.py"]}\n',
};

for (const [name, crontab] of Object.entries(NOT_A_SCHEDULE)) {
  test(`check on a crontab that is ${name}: cannot judge (exit 2), said why, never "healthy"`, () => {
    const d = cliDeployment({ crontab, language: 'en' });
    const r = cli(['check', '--config', d.config, '--lookback', '20m']);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^ERROR\s+cron-missed-or-hung crontab: the configured crontab file has no job lines, so no scheduled run can be expected or checked/m,
    );
    assert.match(r.stdout, /^jobs: none: the crontab \(file\) has no job lines/m);
    assert.match(r.stdout, /^CANNOT JUDGE: /m);
    assert.doesNotMatch(r.stdout, /^healthy/m);
  });

  test(`check on a crontab that is ${name}: two failed runs in the log still fire (exit 1)`, () => {
    const d = cliDeployment({ crontab, failingRuns: 2, language: 'en' });
    const r = cli(['check', '--config', d.config, '--lookback', '20m']);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL\s+check-repeated-failures check_kr\.log: check_kr\.log: 2 consecutive failed runs/m);
    assert.match(r.stdout, /^ERROR\s+cron-missed-or-hung crontab: /m);
  });
}
