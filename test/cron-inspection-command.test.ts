// The crontab file a container's command names (the second schedule source, SPEC §3.3): supercronic
// as CMD, behind an entrypoint, inside a `sh -c` string, with flags; and commands that name none.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crontabFileOfCommand } from '../src/runtime/cron-inspection.ts';

describe('crontabFileOfCommand', () => {
  it('finds the file wherever supercronic is started from', () => {
    assert.equal(crontabFileOfCommand(['supercronic', '/app/crontab']), '/app/crontab');
    assert.equal(crontabFileOfCommand(['/app/entrypoint.sh', 'supercronic', '/app/crontab']), '/app/crontab');
    assert.equal(crontabFileOfCommand(['/usr/local/bin/supercronic', '-passthrough-logs', '-json', '/etc/crontab']), '/etc/crontab');
    assert.equal(crontabFileOfCommand(['/bin/sh', '-c', 'exec supercronic -inotify "/app/crontab"']), '/app/crontab');
  });
  it('names none for Debian cron or a command without supercronic', () => {
    assert.equal(crontabFileOfCommand(['cron', '-f']), undefined);
    assert.equal(crontabFileOfCommand(['/bin/sh', '/usr/local/bin/replica-main']), undefined);
    assert.equal(crontabFileOfCommand(['supercronic']), undefined);
    assert.equal(crontabFileOfCommand([]), undefined);
  });
});
