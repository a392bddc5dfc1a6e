// loadConfig / loadDefaultConfig against real files: defaults, relative paths, the embedded default,
// secrets from the environment only, and the cross-field checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configPaths, loadConfig, loadDefaultConfig, resolveFromConfig, rulesPathsOf, telegramFromEnv } from '../src/config/load-config.ts';
import { PROJECT_DIR } from '../src/config/defaults.ts';
import { loadRules } from '../src/config/load-rules.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a minimal config gets the documented defaults, and relative paths resolve from the config file', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'etc'));
  const file = join(dir, 'etc', 'sentinel.yaml');
  await writeFile(file, 'deployment:\n  root: ../turtle_trading\n  crontab:\n    fallbackFile: crontab\n');
  const loaded = await loadConfig(file);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  assert.equal(loaded.origin, 'file');
  assert.equal(loaded.baseDir, join(dir, 'etc'));
  assert.equal(loaded.path, file);
  const c = loaded.config;
  assert.equal(c.deployment.timezone, 'Asia/Seoul');
  assert.equal(c.deployment.cronContainer, 'turtle-cron');
  assert.deepEqual(c.deployment.containers, ['turtle-cron', 'turtle-dashboard']);
  assert.equal(c.deployment.crontab.refresh, 5 * 60_000);
  assert.equal(c.docker.enabled, true);
  assert.equal(c.telegram.tokenEnv, 'SENTINEL_TELEGRAM_TOKEN');
  assert.equal(c.http.host, '127.0.0.1');
  const paths = configPaths(c, loaded.baseDir);
  assert.deepEqual(paths, {
    root: join(dir, 'turtle_trading'),
    logsDir: join(dir, 'turtle_trading', 'logs'),
    dataDir: join(dir, 'turtle_trading', 'data'),
    crontabFallback: join(dir, 'turtle_trading', 'crontab'),
    stateDir: join(dir, 'etc', 'var', 'state'),
    rules: [join(dir, 'etc', 'rules')],
    stateFiles: [
      { which: 'positions', path: join(dir, 'turtle_trading', 'data', 'positions', 'positions.json') },
      { which: 'entries', path: join(dir, 'turtle_trading', 'data', 'entries', 'entries.json') },
      { which: 'orderLog', path: join(dir, 'turtle_trading', 'data', 'trades', 'order_log.json') },
    ],
  });
  assert.equal(resolveFromConfig(loaded.baseDir, '/abs/elsewhere'), '/abs/elsewhere');
});

test('a config given by a relative path still resolves from its own directory, not from the working directory', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'sentinel.yaml');
  await writeFile(file, 'deployment:\n  root: deploy\nrules: [rules/a.yaml, more-rules]\n');
  const loaded = await loadConfig(relative(process.cwd(), file));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  assert.equal(loaded.baseDir, dir);
  assert.deepEqual(rulesPathsOf(loaded.config, loaded.baseDir), [join(dir, 'rules', 'a.yaml'), join(dir, 'more-rules')]);
  assert.equal(configPaths(loaded.config, loaded.baseDir).root, join(dir, 'deploy'));
});

test('sentinel.example.yaml at the top of the project is valid and documents every section', async () => {
  const file = join(ROOT, 'sentinel.example.yaml');
  const loaded = await loadConfig(file);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  const text = await readFile(file, 'utf8');
  for (const section of ['deployment:', 'docker:', 'rules:', 'state:', 'telegram:', 'http:', 'log:', 'schedules:']) {
    assert.match(text, new RegExp(`^${section}`, 'm'), section);
  }
  assert.equal(loaded.config.deployment.crontab.refresh, 300_000);
  assert.equal(loaded.config.telegram.tokenEnv, 'SENTINEL_TELEGRAM_TOKEN');
});

test('no config path means the embedded default, watching the bundled example deployment', async () => {
  const loaded = await loadConfig(undefined);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  assert.equal(loaded.origin, 'embedded-default');
  assert.equal(loaded.path, undefined);
  assert.equal(resolve(loaded.baseDir), resolve(ROOT));
  const paths = configPaths(loaded.config, loaded.baseDir);
  assert.equal(paths.root, join(ROOT, 'examples', 'deployment'));
  // The example deployment is real: the files the sidecar reads are there.
  for (const f of [
    join(paths.logsDir, 'check_kr.log'),
    join(paths.dataDir, 'positions', 'positions.json'),
    join(paths.dataDir, 'entries', 'entries.json'),
    paths.crontabFallback!,
  ]) {
    assert.ok(existsSync(f), f);
  }
  // Docker stays off: the example's files and this host's containers are not one deployment.
  assert.equal(loaded.config.docker.enabled, false);
  // Its rules are the bundled ones, and they load.
  const rules = await loadRules(paths.rules);
  assert.ok(rules.ok, rules.ok ? '' : rules.errors.join('\n'));
  assert.ok(rules.rules.length > 0);
});

test('the embedded default never uses Docker, even where a socket exists: the crontab comes from the example file', () => {
  const asked: string[] = [];
  const withSocket = loadDefaultConfig({ exists: (p) => (asked.push(p), true) });
  assert.deepEqual(asked, [], 'the socket is not even looked at');
  assert.ok(withSocket.ok);
  assert.equal(withSocket.config.docker.enabled, false);
  assert.equal(withSocket.config.deployment.crontab.fromContainer, false);
  assert.equal(configPaths(withSocket.config, withSocket.baseDir).crontabFallback, join(PROJECT_DIR, 'examples', 'deployment', 'crontab'));
  const withDocker = withSocket;
  // No token in the config, ever: the notifier is the console unless the named variable is set.
  assert.deepEqual(telegramFromEnv(withDocker.config.telegram, {}), { kind: 'off' });
});

test('the example crontab is the v3.2.1 schedule: check_positions at 16:00 Mon–Fri and 07:00 Tue–Sat, the report at 08:00', async () => {
  const text = await readFile(join(ROOT, 'examples', 'deployment', 'crontab'), 'utf8');
  const jobs = text.split('\n').filter((l) => /^[\d*]/.test(l));
  assert.deepEqual(jobs, [
    '0 16 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1',
    '0 7 * * 2-6 cd /app && python scripts/check_positions.py >> /app/logs/check_us.log 2>&1',
    '0 8 * * * cd /app && python scripts/daily_report.py >> /app/logs/daily_report.log 2>&1',
    '0 3 * * 0 find /app/data/cache -type f -mtime +7 -delete >> /app/logs/cleanup.log 2>&1',
  ]);
  assert.ok(text.endsWith('\n'), 'cron ignores a last line without a newline');
  assert.doesNotMatch(text, /signal_check\.py/);
});

test('the example positions.json is in the real format: a JSON list, indent 2, no trailing newline', async () => {
  const text = await readFile(join(ROOT, 'examples', 'deployment', 'data', 'positions', 'positions.json'), 'utf8');
  const doc = JSON.parse(text) as { status: string }[];
  assert.ok(Array.isArray(doc));
  assert.equal(doc.filter((p) => p.status === 'open').length, 3);
  assert.equal(doc.filter((p) => p.status === 'closed').length, 1);
  assert.ok(!text.endsWith('\n'));
  assert.ok(text.startsWith('[\n  {\n    "position_id"'));
});

test('secrets come only from the environment variables the config names', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'sentinel.yaml');
  await writeFile(file, 'deployment:\n  root: .\ntelegram:\n  tokenEnv: MY_SENTINEL_BOT\n  chatIdEnv: MY_SENTINEL_CHAT\n');
  const loaded = await loadConfig(file);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  const token = '123456:abcdefghijklmnopqrstuvwxyz';
  assert.deepEqual(
    telegramFromEnv(loaded.config.telegram, { MY_SENTINEL_BOT: ` ${token} `, MY_SENTINEL_CHAT: '-100', TELEGRAM_BOT_TOKEN: 'theirs' }),
    { kind: 'on', token, chatId: -100 },
  );
  assert.deepEqual(telegramFromEnv(loaded.config.telegram, { TELEGRAM_BOT_TOKEN: 'theirs', MY_SENTINEL_BOT: '' }), { kind: 'off' });
});

test('unreadable config paths are errors naming the path, not exceptions', async (t) => {
  const dir = await tempDir(t);
  const missing = join(dir, 'nope.yaml');
  assert.deepEqual(await loadConfig(missing), {
    ok: false,
    errors: [`${missing}: cannot read the config file: no such file or directory`],
  });
  assert.deepEqual(await loadConfig(dir), { ok: false, errors: [`${dir}: cannot read the config file: is a directory, not a file`] });
});

test('positions stay exact with a byte-order mark and with CRLF line endings', async (t) => {
  const dir = await tempDir(t);
  const bom = join(dir, 'bom.yaml');
  await writeFile(bom, '\ufeffbogus: 1\ndeployment:\n  root: .\n');
  const crlf = join(dir, 'crlf.yaml');
  await writeFile(crlf, 'deployment:\r\n  root: .\r\n  bogus: 1\r\n');
  assert.deepEqual(await loadConfig(bom), {
    ok: false,
    errors: [
      `${bom}:1:1: bogus: unknown key "bogus" (allowed here: deployment, docker, rules, state, telegram, escalation, rollback, safety, http, log, schedules)`,
    ],
  });
  const r = await loadConfig(crlf);
  assert.equal(r.ok, false);
  assert.match(
    r.ok ? '' : r.errors[0]!,
    new RegExp(`^${crlf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:3: deployment\\.bogus: unknown key`),
  );
});

test('cross-field check: with Docker disabled and no fallback file there is no crontab to read', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'sentinel.yaml');
  await writeFile(file, 'deployment:\n  root: .\ndocker:\n  enabled: false\n');
  assert.deepEqual(await loadConfig(file), {
    ok: false,
    errors: [
      `${file}:2:3: deployment.crontab: no way to read the crontab: Docker is disabled or crontab.fromContainer is false, and no crontab.fallbackFile is set`,
    ],
  });
  await writeFile(file, 'deployment:\n  root: .\n  crontab:\n    fallbackFile: crontab\ndocker:\n  enabled: false\n');
  assert.equal((await loadConfig(file)).ok, true);
});

test('a config path pointing at an .env file says so without echoing its content', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, '.env'), 'TELEGRAM_CHAT_ID=12345\nDB_PASSWORD=hunter2-not-for-logs\n');
  const loaded = await loadConfig(join(dir, '.env'));
  assert.equal(loaded.ok, false);
  assert.deepEqual(loaded.ok ? [] : loaded.errors, [
    `${join(dir, '.env')}:1:1: (root): not a YAML file of key: value lines: it reads as plain text (not repeated here: it may hold secrets); is this the right file?`,
  ]);
});
