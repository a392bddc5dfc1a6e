// The heartbeat against a local HTTP server standing in for a Healthchecks-style dead-man's switch:
// a GET per fire while healthy; skipped (and said why, once per streak) while not, so the switch fires;
// one attempt per fire with a timeout; failures logged once per streak; the URL's token never logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../src/adapters/logger.ts';
import { createHeartbeat } from '../src/adapters/heartbeat.ts';
import type { HealthBody } from '../src/core/health.ts';
import { secretsOf } from '../src/runtime/wiring.ts';
import { configSchema } from '../src/config/schema.ts';

const TOKEN = '5f0c3e7a-94b2-4d1e-8a6f-2c9d1b7e4a30';
const HEALTHY: HealthBody = { ok: true, sources: ['logs'], failing: [] };
const DOCKER_DOWN: HealthBody = {
  ok: false,
  sources: ['docker', 'logs'],
  failing: [{ source: 'docker', error: 'connect ENOENT /var/run/docker.sock', consecutiveErrors: 3 }],
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A ping endpoint on 127.0.0.1 recording every request; its answer is whatever `handler` does. */
async function pingServer(handler: Handler = (_req, res) => res.writeHead(200).end('OK')) {
  const requests: { method: string; url: string }[] = [];
  let current = handler;
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    current(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ping/${TOKEN}?rid=${TOKEN.slice(0, 8)}`,
    host: `127.0.0.1:${port}`,
    requests,
    answer: (h: Handler) => void (current = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A logger that scrubs nothing, so that only the adapter's own discretion keeps the URL out. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', secrets: [], write: (line) => lines.push(line) });
  return { logger, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('healthy: one GET to the ping URL per fire; the log shows the host, never the path or the token', async () => {
  const server = await pingServer();
  const log = capturedLogger();
  try {
    const heartbeat = createHeartbeat({ url: server.url, timeoutMs: 2_000, health: () => HEALTHY, logger: log.logger, now: () => 1_000 });
    assert.equal(await heartbeat.beat(), 'sent');
    assert.equal(await heartbeat.beat(), 'sent');
    assert.deepEqual(server.requests, [
      { method: 'GET', url: `/ping/${TOKEN}?rid=${TOKEN.slice(0, 8)}` },
      { method: 'GET', url: `/ping/${TOKEN}?rid=${TOKEN.slice(0, 8)}` },
    ]);
    assert.deepEqual(heartbeat.stats(), { sent: 2, failed: 0, skipped: 0, lastSentAt: 1_000 });
    assert.ok(log.lines.length > 0, 'the pings were logged (at debug)');
    assert.ok(
      log.entries().every((e) => e.host === server.host),
      'every line names the host',
    );
    assert.ok(!log.lines.join('').includes(TOKEN.slice(0, 8)), log.lines.join(''));
  } finally {
    await server.close();
  }
});

test("unhealthy: no ping (the dead-man's switch is left to fire), the reason logged once per streak; healthy again: pings resume", async () => {
  const server = await pingServer();
  const log = capturedLogger();
  let health = DOCKER_DOWN;
  try {
    const heartbeat = createHeartbeat({ url: server.url, timeoutMs: 2_000, health: () => health, logger: log.logger, now: () => 5 });
    for (let i = 0; i < 3; i++) assert.equal(await heartbeat.beat(), 'skipped');
    assert.deepEqual(server.requests, [], 'nothing reached the switch');
    const skips = log.entries().filter((e) => String(e.msg).startsWith('heartbeat skipped'));
    assert.equal(skips.length, 1, 'one line for the streak of three');
    assert.deepEqual(skips[0]!.failing, ['docker']);
    assert.equal(skips[0]!.msg, "heartbeat skipped: the sidecar is not healthy, so the dead-man's switch is left to fire");

    health = HEALTHY;
    assert.equal(await heartbeat.beat(), 'sent');
    assert.equal(server.requests.length, 1);
    assert.ok(log.entries().some((e) => e.msg === 'heartbeat resumed: the sidecar is healthy again' && e.skipped === 3));
    assert.deepEqual(heartbeat.stats(), { sent: 1, failed: 0, skipped: 3, lastSentAt: 5 });
    assert.ok(!log.lines.join('').includes(TOKEN), 'the token is never logged');
  } finally {
    await server.close();
  }
});

test('failures: an HTTP 500, a server that never answers (timeout) and a refused connection; one attempt each, logged once per streak, no URL', async () => {
  const server = await pingServer((_req, res) => res.writeHead(500).end('down'));
  const log = capturedLogger();
  try {
    const heartbeat = createHeartbeat({ url: server.url, timeoutMs: 300, health: () => HEALTHY, logger: log.logger, now: () => 9 });
    assert.equal(await heartbeat.beat(), 'failed');
    assert.equal(await heartbeat.beat(), 'failed');
    assert.equal(server.requests.length, 2, 'one request per fire: no retries');
    server.answer(() => undefined); // never answers
    assert.equal(await heartbeat.beat(), 'failed');
    const failures = log.entries().filter((e) => e.msg === 'heartbeat ping failed');
    assert.deepEqual(
      failures.map((e) => [e.error, e.failures]),
      [
        ['answered HTTP 500', 1],
        ['no answer within 300 ms', 3],
      ],
      'the second 500 is the same streak and error: not logged again',
    );
    server.answer((_req, res) => res.writeHead(200).end('OK'));
    assert.equal(await heartbeat.beat(), 'sent');
    assert.ok(log.entries().some((e) => e.msg === 'heartbeat ping answered again' && e.after === 3));
  } finally {
    await server.close();
  }
  // The server is gone: the port refuses.
  const refused = capturedLogger();
  const heartbeat = createHeartbeat({ url: server.url, timeoutMs: 1_000, health: () => HEALTHY, logger: refused.logger, now: () => 9 });
  assert.equal(await heartbeat.beat(), 'failed');
  assert.deepEqual(
    refused.entries().map((e) => e.error),
    ['connection failed (ECONNREFUSED)'],
  );
  for (const line of [...log.lines, ...refused.lines]) assert.ok(!line.includes(TOKEN) && !line.includes('/ping/'), line);
});

test('a fire while the previous ping still waits for its answer does not send a second one', async () => {
  let release: () => void = () => undefined;
  const server = await pingServer((_req, res) => {
    release = () => res.writeHead(200).end('OK');
  });
  const log = capturedLogger();
  try {
    const heartbeat = createHeartbeat({ url: server.url, timeoutMs: 5_000, health: () => HEALTHY, logger: log.logger, now: () => 1 });
    const first = heartbeat.beat();
    // Wait until the request is at the server, then fire again.
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(await heartbeat.beat(), 'busy');
    release();
    assert.equal(await first, 'sent');
    assert.equal(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

test("the daemon's logger scrubs the heartbeat URL and its token path too (a second line of defence for text the adapter does not write)", () => {
  const config = configSchema.parse({ deployment: { root: '.' } });
  const url = `https://hc-ping.example/ping/${TOKEN}`;
  const secrets = secretsOf(config, { SENTINEL_HEARTBEAT_URL: url });
  assert.deepEqual(secrets, [url, `/ping/${TOKEN}`]);
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', secrets, write: (line) => lines.push(line) });
  logger.error({ err: `fetch failed: GET ${url}` }, `careless: /ping/${TOKEN}`);
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes(TOKEN), lines[0]);
  assert.match(lines[0]!, /\[REDACTED\]/);
});
