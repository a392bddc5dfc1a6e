// Once with a real clock: `turtle-sentinel run` with both schedules at every second (`* * * * * *`),
// the heartbeat pointed at a ping server on 127.0.0.1 and Telegram at the local Bot API fake. The pings
// arrive (at least two), the digest arrives as a Telegram message, and the ping URL's token never
// appears in the daemon's output. Then the wired runtime with Docker unreachable (a socket path that
// does not exist, no engine involved): the heartbeat is skipped, so the dead-man's switch would fire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBotApiServer } from './fakes/bot-api-server.ts';
import { CRONTAB_WEEKDAYS_16, deploymentDir, repo, sentinelYaml, startDaemon } from './helpers/cli-deployment.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { loadRules } from '../src/config/load-rules.ts';
import { startSentinel } from '../src/runtime/sentinel.ts';
import { createLogger } from '../src/adapters/logger.ts';
import { createNodeCronScheduler } from '../src/adapters/node-cron-scheduler.ts';
import { waitFor } from './helpers/wait.ts';

const TOKEN = '7012345678:AAHq0ZsecretPartOfTheTokenXyz_1234567';
const CHAT = -1001234567890;
const PING_TOKEN = '0e6b2f4c-1a9d-4c3e-b7f8-5d2a9c1e6b40';

test(
  'a real one-second schedule: the daemon pings the heartbeat URL at least twice and sends the digest to Telegram',
  { timeout: 60_000 },
  async () => {
    const pings: string[] = [];
    const pingServer = createServer((req, res) => {
      pings.push(`${req.method} ${req.url}`);
      res.writeHead(200).end('OK');
    });
    await new Promise<void>((resolve) => pingServer.listen(0, '127.0.0.1', resolve));
    const pingUrl = `http://127.0.0.1:${(pingServer.address() as AddressInfo).port}/ping/${PING_TOKEN}`;
    const api = await startBotApiServer({ token: TOKEN });
    const { work } = deploymentDir('sentinel-own-schedules-', CRONTAB_WEEKDAYS_16);
    const config = join(work, 'sentinel.yaml');
    writeFileSync(
      config,
      sentinelYaml({ language: 'en' }).replace(
        'telegram:\n  language: en\n',
        [
          'telegram:',
          '  language: en',
          `  apiRoot: ${api.apiRoot}`,
          'schedules:',
          '  timezone: Asia/Seoul',
          '  digest:',
          '    cron: "* * * * * *"',
          '  heartbeat:',
          '    cron: "* * * * * *"',
          '    timeout: 2s',
          '',
        ].join('\n'),
      ),
    );
    const daemon = startDaemon(config, work, {
      SENTINEL_TELEGRAM_TOKEN: TOKEN,
      SENTINEL_TELEGRAM_CHAT_ID: String(CHAT),
      SENTINEL_HEARTBEAT_URL: pingUrl,
    });
    try {
      await daemon.waitFor('two heartbeat pings', () => pings.length >= 2);
      assert.ok(
        pings.every((p) => p === `GET /ping/${PING_TOKEN}`),
        pings.join('\n'),
      );
      const digest = await waitFor(
        'the digest at the Bot API fake',
        () => api.chat(CHAT).find((m) => m.text.startsWith('📰 <b>Daily digest</b>')),
        { timeoutMs: 20_000, seen: () => daemon.output() },
      );
      const lines = digest.text.split('\n');
      assert.match(lines[0]!, /^📰 <b>Daily digest<\/b> \d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+9$/);
      assert.equal(lines[1], '✅ <b>All quiet.</b>');
      assert.match(lines[2]!, /^0 runs checked since .* \(when watching began\)\.$/);
      assert.ok(lines.includes('<b>Next runs</b>'), digest.text);
      assert.ok(
        lines.some((l) => /^• <code>check_kr\.log<\/code> \d{4}-\d\d-\d\d 16:00:00 GMT\+9$/.test(l)),
        digest.text,
      );
      assert.match(lines.at(-1)!, /automatic actions: armed$/);
      const logged = daemon.logLines();
      assert.ok(logged.some((l) => l.msg === 'heartbeat scheduled' && l.host === new URL(pingUrl).host));
      assert.ok(logged.some((l) => l.msg === 'daily digest scheduled'));
    } finally {
      await daemon.stop();
      await api.close();
      await new Promise<void>((resolve) => pingServer.close(() => resolve()));
    }
    assert.ok(!daemon.output().includes(PING_TOKEN), 'the ping token never appears in the output');
    assert.ok(!daemon.output().includes(TOKEN), 'nor the bot token');
  },
);

test(
  'wired with Docker unreachable: the heartbeat is skipped every second (logged once, naming the source), no ping leaves, the URL is never logged',
  { timeout: 60_000 },
  async () => {
    const pings: string[] = [];
    const pingServer = createServer((req, res) => {
      pings.push(`${req.method} ${req.url}`);
      res.writeHead(200).end('OK');
    });
    await new Promise<void>((resolve) => pingServer.listen(0, '127.0.0.1', resolve));
    const pingUrl = `http://127.0.0.1:${(pingServer.address() as AddressInfo).port}/ping/${PING_TOKEN}`;
    const { work } = deploymentDir('sentinel-heartbeat-skip-', CRONTAB_WEEKDAYS_16);
    const config = join(work, 'sentinel.yaml');
    writeFileSync(
      config,
      sentinelYaml({ docker: ['  enabled: true', `  socketPath: ${JSON.stringify(join(work, 'no-docker.sock'))}`] }) +
        ['schedules:', '  digest:', '    enabled: false', '  heartbeat:', '    cron: "* * * * * *"', ''].join('\n'),
    );
    const loaded = await loadConfig(config);
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
    const rules = await loadRules([join(repo, 'rules')]);
    assert.ok(rules.ok);
    // No scrubbing: only the sidecar's own discretion keeps the URL out of these lines.
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', secrets: [], write: (line) => lines.push(line) });
    const started = await startSentinel({
      config: loaded.config,
      baseDir: loaded.baseDir,
      rules: rules.rules,
      profiles: rules.profiles,
      clock: { now: () => Date.now() },
      notifier: { deliver: async () => {}, close: async () => {} },
      logger,
      scheduler: createNodeCronScheduler(logger),
      env: { SENTINEL_HEARTBEAT_URL: pingUrl },
    });
    assert.ok(started.ok, started.ok ? '' : started.error);
    try {
      const entries = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const skipped = await waitFor('a heartbeat skip', () => entries().find((e) => String(e.msg).startsWith('heartbeat skipped')), {
        timeoutMs: 20_000,
        seen: () => lines.join(''),
      });
      assert.ok((skipped.failing as string[]).includes('docker'), JSON.stringify(skipped));
      // Two more fires pass: still skipped, not logged again, nothing sent.
      const fired = Date.now();
      await waitFor('two more seconds', () => Date.now() - fired > 2_100, { timeoutMs: 5_000 });
      assert.equal(entries().filter((e) => String(e.msg).startsWith('heartbeat skipped')).length, 1);
      assert.deepEqual(pings, []);
      assert.ok(!lines.join('').includes(PING_TOKEN), 'the token is never logged');
    } finally {
      await started.sentinel.stop();
      await new Promise<void>((resolve) => pingServer.close(() => resolve()));
    }
  },
);
