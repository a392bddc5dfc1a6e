// Tests of the version fingerprint (reference §7 table) over the real crontabs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCrontab } from '../src/core/crontab.ts';
import { fingerprintVersion } from '../src/core/fingerprint.ts';

const jobsOf = (name: string) =>
  parseCrontab(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'), {
    defaultTimezone: 'Asia/Seoul',
    containerLogsDir: '/app/logs',
  }).jobs;
const V320 = jobsOf('crontab-v3.2.0');
const V321 = jobsOf('crontab-v3.2.1');
const SIGNAL = '/app/scripts/signal_check.py';
const CHECK = '/app/scripts/check_positions.py';

describe('fingerprintVersion', () => {
  it('v3.2.0: signal_check.py ×2 in the crontab and the file present', () => {
    const fp = fingerprintVersion({ jobs: V320, files: { [SIGNAL]: true, [CHECK]: true } });
    assert.equal(fp.version, 'v3.2.0');
    assert.ok(fp.evidence.includes('crontab runs signal_check.py ×2'));
    assert.ok(fp.evidence.includes(`${SIGNAL} present`));
  });

  it('v3.2.1: check_positions.py ×2 and signal_check.py absent', () => {
    const fp = fingerprintVersion({ jobs: V321, files: { [SIGNAL]: false, [CHECK]: true } });
    assert.equal(fp.version, 'v3.2.1');
    assert.ok(fp.evidence.includes('crontab runs check_positions.py ×2'));
    assert.ok(fp.evidence.includes(`${SIGNAL} absent`));
  });

  it('unknown when the crontab and the files disagree (half-done rollback)', () => {
    const fp = fingerprintVersion({ jobs: V320, files: { [SIGNAL]: false } });
    assert.equal(fp.version, 'unknown');
    assert.match(fp.evidence[0]!, /conflicting evidence: crontab says v3\.2\.0, files says v3\.2\.1/);
  });

  it('unknown when nothing corroborates the crontab', () => {
    const fp = fingerprintVersion({ jobs: V321, files: {} });
    assert.equal(fp.version, 'unknown');
    assert.match(fp.evidence.join('\n'), /only the crontab says v3\.2\.1/);
    assert.match(fp.evidence.join('\n'), /signal_check\.py not checked/);
  });

  it('unknown when the crontab has not been read, whatever the files say', () => {
    const fp = fingerprintVersion({ jobs: [], files: { [SIGNAL]: true } });
    assert.equal(fp.version, 'unknown');
    assert.match(fp.evidence.join('\n'), /crontab not read/);
  });

  it('unknown when the crontab runs both scripts', () => {
    const mixed = [...V321, ...V320.filter((j) => j.script === 'signal_check.py')];
    const fp = fingerprintVersion({ jobs: mixed, files: { [SIGNAL]: true } });
    assert.equal(fp.version, 'unknown');
    assert.match(fp.evidence.join('\n'), /signal_check\.py ×2 and check_positions\.py ×2: matches neither/);
  });

  it('a known image ID corroborates, and a contradicting one makes it unknown', () => {
    const known = { 'sha256:aaa111': 'v3.2.1', 'sha256:bbb222': 'v3.2.0' } as const;
    const ok = fingerprintVersion({ jobs: V321, files: {}, imageId: 'sha256:aaa111', knownImages: known });
    assert.equal(ok.version, 'v3.2.1');
    assert.ok(ok.evidence.includes('image aaa111 is known as v3.2.1'));
    const bad = fingerprintVersion({ jobs: V321, files: { [SIGNAL]: false }, imageId: 'sha256:bbb222', knownImages: known });
    assert.equal(bad.version, 'unknown');
    assert.match(bad.evidence[0]!, /image says v3\.2\.0/);
    const stranger = fingerprintVersion({ jobs: V321, files: { [SIGNAL]: false }, imageId: 'sha256:ccc333', knownImages: known });
    assert.equal(stranger.version, 'v3.2.1');
    assert.ok(stranger.evidence.includes('image ccc333 is not a known version'));
  });

  it('mentions scripts that no v3.2.x crontab runs (a newer crontab)', () => {
    const head = parseCrontab(
      [
        '0 16 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1',
        '0 7 * * 2-6 cd /app && python scripts/check_positions.py >> /app/logs/check_us.log 2>&1',
        '*/5 9-14 * * 1-5 cd /app && python scripts/monitor_positions.py',
      ].join('\n'),
      { defaultTimezone: 'Asia/Seoul', containerLogsDir: '/app/logs' },
    ).jobs;
    const fp = fingerprintVersion({ jobs: head, files: { [SIGNAL]: false } });
    assert.ok(fp.evidence.includes('crontab also runs scripts no v3.2.x crontab has: monitor_positions.py'));
  });
});
