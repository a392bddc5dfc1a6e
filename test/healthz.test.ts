// /healthz as a probe sees it: 503 with a JSON body naming each failing source (a log path that is a
// directory, positions.json over the size cap, Docker unreachable while enabled), 200 once all read again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, cpSync, mkdirSync, openSync, ftruncateSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/load-config.ts';
import { loadRules } from '../src/config/load-rules.ts';
import { startSentinel } from '../src/runtime/sentinel.ts';
import type { HealthBody } from '../src/adapters/http.ts';
import { CRONTAB_WEEKDAYS_16, deploymentDir, repo, sentinelYaml } from './helpers/cli-deployment.ts';

async function sentinelOn(options: { docker: boolean }) {
  const { work, root } = deploymentDir('sentinel-healthz-', CRONTAB_WEEKDAYS_16);
  const config = join(work, 'sentinel.yaml');
  writeFileSync(
    config,
    sentinelYaml({
      docker: [`  enabled: ${options.docker}`, `  socketPath: ${JSON.stringify(join(work, 'no-docker.sock'))}`],
      http: ['  enabled: true', '  host: 127.0.0.1', '  port: 0'],
    }),
  );
  const loaded = await loadConfig(config);
  assert.ok(loaded.ok);
  const rules = await loadRules([join(repo, 'rules')]);
  assert.ok(rules.ok);
  const started = await startSentinel({
    config: loaded.config,
    baseDir: loaded.baseDir,
    rules: rules.rules,
    profiles: rules.profiles,
    clock: { now: () => Date.now() },
    notifier: { deliver: async () => {}, close: async () => {} },
    logger: pino({ level: 'silent' }),
    tickMs: 60_000,
  });
  assert.ok(started.ok, started.ok ? '' : started.error);
  const { sentinel } = started;
  const health = async () => {
    await sentinel.poke();
    await sentinel.loop.submit({ kind: 'tick', now: Date.now() });
    const res = await fetch(`http://127.0.0.1:${sentinel.httpPort}/healthz`);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as HealthBody };
  };
  return { root, sentinel, health };
}

test(
  '/healthz: 503 naming a log path that is a directory and an oversized positions.json; 200 once they read again',
  { timeout: 30_000 },
  async () => {
    const { root, sentinel, health } = await sentinelOn({ docker: false });
    try {
      const healthy = await health();
      assert.equal(healthy.status, 200);
      assert.equal(healthy.type, 'application/json');
      assert.deepEqual(healthy.body, { ok: true, sources: [], failing: [] });

      mkdirSync(join(root, 'logs/check_kr.log'));
      const positions = join(root, 'data/positions/positions.json');
      const fd = openSync(positions, 'r+');
      ftruncateSync(fd, 17 * 1024 * 1024); // sparse: over the 16 MiB cap in an instant
      closeSync(fd);
      const sick = await health();
      assert.equal(sick.status, 503);
      assert.equal(sick.body.ok, false);
      assert.deepEqual(
        sick.body.failing.map((f) => [f.source, f.error]),
        [
          ['logs', `log tail: ${join(root, 'logs/check_kr.log')} is a directory, not a log file: it cannot be read`],
          ['state-files', `${positions}: ${17 * 1024 * 1024} bytes, more than the ${16 * 1024 * 1024} a state file may have`],
        ],
      );

      rmSync(join(root, 'logs/check_kr.log'), { recursive: true });
      writeFileSync(join(root, 'logs/check_kr.log'), '');
      cpSync(join(repo, 'examples/deployment/data/positions/positions.json'), positions);
      const well = await health();
      assert.equal(well.status, 200, JSON.stringify(well.body));
      assert.deepEqual(well.body, { ok: true, sources: ['logs', 'state-files'], failing: [] });
    } finally {
      await sentinel.stop();
    }
  },
);

test('/healthz: 503 naming Docker when it is enabled and unreachable', { timeout: 30_000 }, async () => {
  const { sentinel, health } = await sentinelOn({ docker: true });
  try {
    const sick = await health();
    assert.equal(sick.status, 503);
    assert.deepEqual(
      sick.body.failing.map((f) => f.source),
      ['docker'],
    );
    assert.match(sick.body.failing[0]!.error, /no-docker\.sock/);
  } finally {
    await sentinel.stop();
  }
});
