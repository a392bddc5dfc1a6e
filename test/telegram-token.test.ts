// The bot token never leaves the process: a whole Telegram session (alerts, presses, commands, an
// outage of every kind, a careless error carrying the token) runs in a child process, and everything
// it wrote — stdout, stderr, every file in its state dir — and everything it sent is scanned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { telegramFromEnv } from '../src/config/load-config.ts';
import { startBotApiServer } from './fakes/bot-api-server.ts';
import { OPERATOR, OPERATOR_CHAT, STRANGER, TEST_TOKEN } from './fakes/telegram-harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const SECRET = TEST_TOKEN.slice(TEST_TOKEN.indexOf(':') + 1);

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a whole session with outages leaks the token nowhere', { timeout: 30_000 }, async () => {
  const server = await startBotApiServer({ token: TEST_TOKEN });
  const stateDir = await mkdtemp(join(tmpdir(), 'sentinel-token-'));
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fakes', 'telegram-session-child.ts'), server.apiRoot, stateDir], {
    env: { ...process.env, SENTINEL_TELEGRAM_TOKEN: TEST_TOKEN, SENTINEL_TELEGRAM_CHAT_ID: String(OPERATOR_CHAT), DEBUG: 'telegraf:*' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const until = async (predicate: () => boolean, what: string, ms = 10_000) => {
      const started = Date.now();
      while (!predicate()) {
        if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        await sleep(20);
      }
    };
    await until(() => stdout.includes('"child":"ready"'), 'the child to start');

    // Telegram goes away in every way it can, while the child keeps queuing notices.
    await server.outage('refuse');
    await sleep(400);
    await server.restore();
    await server.outage('502');
    await sleep(300);
    await server.restore();
    await server.outage('hang');
    await sleep(400);
    await server.restore();
    await server.outage('reset');
    await sleep(300);
    await server.restore();
    server.rateLimit({ retryAfter: 1, count: 1, methods: ['sendMessage', 'getUpdates'] });

    server.injectCallback({ from: STRANGER, chatId: OPERATOR_CHAT, data: 'a:INC-0001:n0nce-AAAA1111' });
    server.injectCallback({ from: OPERATOR, chatId: OPERATOR_CHAT, data: 'not:valid' });
    server.injectCallback({ from: OPERATOR, chatId: OPERATOR_CHAT, data: 'a:INC-0001:n0nce-AAAA1111' });
    server.injectMessage({ from: OPERATOR, chatId: OPERATOR_CHAT, text: '/status' });
    server.injectMessage({ from: OPERATOR, chatId: OPERATOR_CHAT, text: '/reload' });
    server.injectMessage({ from: OPERATOR, chatId: -1, text: '/rollback' });

    const chat = () => server.chat(OPERATOR_CHAT).map((m) => m.plain);
    await until(() => chat().filter((t) => t.startsWith('🛠 Source read error')).length === 10, 'the ten notices queued during the outages');
    await until(() => chat().some((t) => t.startsWith('✅ Approved INC-0001')), 'the approval to be recorded');
    await until(() => chat().some((t) => t.startsWith('⚠️ The new rules do not load')), 'the /reload answer');
    // In order, each once.
    const ticks = chat()
      .filter((t) => t.startsWith('🛠 Source read error'))
      .map((t) => t.split('\n')[0]);
    assert.deepEqual(
      ticks,
      Array.from({ length: 10 }, (_, i) => `🛠 Source read error: tick-${i + 1} (${i + 1} in a row)`),
    );

    child.kill('SIGTERM');
    assert.equal(await exited, 0, `child exit\nstderr:\n${stderr}`);

    // The session really went through failures that carry URLs (so the scan below means something).
    assert.match(stdout, /ECONNREFUSED|ECONNRESET|socket hang up/);
    assert.match(stdout, /502/);
    assert.match(stdout, /timed out/);
    assert.match(stdout, /retry after 1000 ms/);
    assert.match(stdout, /not on the allow-list/);
    assert.match(stderr, /telegraf:client HTTP call/, "telegraf's own debug output was on, and is scanned too");
    const reloadAnswer = server.chat(OPERATOR_CHAT).find((m) => m.plain.startsWith('⚠️ The new rules do not load'))!;
    assert.match(reloadAnswer.plain, /\/bot\[REDACTED\]\/getMe/);

    const written: [string, string][] = [
      ['stdout', stdout],
      ['stderr', stderr],
      ...(await Promise.all((await filesUnder(stateDir)).map(async (f): Promise<[string, string]> => [f, await readFile(f, 'utf8')]))),
      ['messages sent', JSON.stringify(server.messages)],
      ['callback answers', JSON.stringify(server.answers)],
    ];
    assert.ok(
      written.some(([name]) => name.endsWith('outbox.jsonl')),
      'the outbox was scanned',
    );
    for (const [name, content] of written) {
      assert.ok(!content.includes(SECRET), `${name} contains the bot token`);
      assert.ok(!content.includes(encodeURIComponent(TEST_TOKEN)), `${name} contains the URL-encoded bot token`);
    }
  } finally {
    child.kill('SIGKILL');
    await server.close();
    await rm(stateDir, { recursive: true, force: true });
  }
});

test('configuration from the environment names variables, never values', () => {
  const names = { tokenEnv: 'SENTINEL_TELEGRAM_TOKEN', chatIdEnv: 'SENTINEL_TELEGRAM_CHAT_ID' };
  assert.deepEqual(telegramFromEnv(names, {}), { kind: 'off' });
  assert.deepEqual(telegramFromEnv(names, { SENTINEL_TELEGRAM_TOKEN: TEST_TOKEN, SENTINEL_TELEGRAM_CHAT_ID: '-100123' }), {
    kind: 'on',
    token: TEST_TOKEN,
    chatId: -100123,
  });
  const missingChat = telegramFromEnv(names, { SENTINEL_TELEGRAM_TOKEN: TEST_TOKEN });
  assert.deepEqual(missingChat, {
    kind: 'error',
    error: 'SENTINEL_TELEGRAM_TOKEN is set but SENTINEL_TELEGRAM_CHAT_ID is not: set the operator chat id',
  });
  const badChat = telegramFromEnv(names, { SENTINEL_TELEGRAM_TOKEN: TEST_TOKEN, SENTINEL_TELEGRAM_CHAT_ID: 'ops' });
  assert.deepEqual(badChat, { kind: 'error', error: 'SENTINEL_TELEGRAM_CHAT_ID must be a numeric chat id' });
  const badToken = telegramFromEnv(names, { SENTINEL_TELEGRAM_TOKEN: `x${SECRET}` });
  assert.equal(badToken.kind, 'error');
  assert.ok(badToken.kind === 'error' && !badToken.error.includes(SECRET));
});
