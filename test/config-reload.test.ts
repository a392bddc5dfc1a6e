// Reloading sentinel.yaml in a running daemon: every key of the config is either applied at once or
// reported as waiting for a restart, by name — in the log, in /status and in `turtle-sentinel status`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { configSchema, type Config } from '../src/config/schema.ts';
import { RELOAD_POLICY, planReload } from '../src/config/reload-policy.ts';
import { initialState } from '../src/core/step.ts';
import { renderStatus } from '../src/core/status-text.ts';
import { notAllowedText, reloadText } from '../src/core/telegram-replies.ts';
import { createLogger } from '../src/adapters/logger.ts';
import { createReloader, readRestartRequired } from '../src/runtime/reload.ts';
import { OPERATOR, STRANGER, startTelegramHarness } from './fakes/telegram-harness.ts';
import { CRONTAB_EVERY_MINUTE, appendFailingRuns, cli, deploymentDir, repo, sentinelYaml, startDaemon } from './helpers/cli-deployment.ts';

const BASE_INPUT = { deployment: { root: '.' } };
const base: Config = configSchema.parse(BASE_INPUT);

/**
 * One edit per top-level key of the schema, and what the running daemon must do with it. A key
 * added to the schema without an entry here (and a decision in RELOAD_POLICY) fails the first test.
 */
const EDITS: Record<string, { edit: Record<string, unknown>; applied: string[]; restartRequired: string[] }> = {
  deployment: {
    edit: { deployment: { root: '.', timezone: 'UTC', logTimestampZone: 'Asia/Seoul' } },
    applied: ['deployment.logTimestampZone'],
    restartRequired: ['deployment.timezone'],
  },
  docker: {
    edit: { docker: { enabled: false }, deployment: { root: '.', crontab: { fallbackFile: 'crontab' } } },
    applied: [],
    restartRequired: ['deployment.crontab.fallbackFile', 'docker.enabled'],
  },
  rules: { edit: { rules: ['rules/a.yaml'] }, applied: [], restartRequired: ['rules'] },
  state: { edit: { state: { dir: 'elsewhere' } }, applied: [], restartRequired: ['state.dir'] },
  telegram: {
    edit: {
      telegram: {
        language: 'en',
        allowedUserIds: [7],
        remindBefore: '5m',
        buttonExpiry: '2h',
        tokenEnv: 'OTHER_TOKEN',
        apiRoot: 'http://127.0.0.1:1/',
      },
    },
    applied: ['telegram.allowedUserIds', 'telegram.language', 'telegram.remindBefore', 'telegram.buttonExpiry'],
    restartRequired: ['telegram.tokenEnv', 'telegram.apiRoot'],
  },
  escalation: {
    edit: { escalation: { contacts: { l1: { name: 'on-call operator', telegram: '@on_call' } }, manualCheckWindow: '1h' } },
    applied: ['escalation.contacts.l1', 'escalation.manualCheckWindow'],
    restartRequired: [],
  },
  rollback: { edit: { rollback: { stopTimeout: '5s' } }, applied: [], restartRequired: ['rollback.stopTimeout'] },
  safety: {
    edit: { safety: { cooldown: '1h', maxRollbacksPerDay: 2 } },
    applied: ['safety.cooldown', 'safety.maxRollbacksPerDay'],
    restartRequired: [],
  },
  http: { edit: { http: { port: 9999 } }, applied: [], restartRequired: ['http.port'] },
  log: { edit: { log: { level: 'debug' } }, applied: ['log.level'], restartRequired: [] },
  schedules: {
    edit: { schedules: { timezone: 'UTC', digest: { cron: '30 7 * * *' }, heartbeat: { urlEnv: 'OTHER_PING_URL', timeout: '3s' } } },
    applied: ['schedules.timezone', 'schedules.digest.cron', 'schedules.heartbeat.urlEnv', 'schedules.heartbeat.timeout'],
    restartRequired: [],
  },
};

test('every top-level key of the config schema has a reload decision and a test edit', () => {
  const keys = Object.keys(configSchema.shape).sort();
  assert.deepEqual(Object.keys(RELOAD_POLICY).sort(), keys, 'RELOAD_POLICY decides every key of the schema');
  assert.deepEqual(Object.keys(EDITS).sort(), keys, 'this test edits every key of the schema');
  // Sections decided key by key name every key of their schema.
  for (const [key, policy] of Object.entries(RELOAD_POLICY)) {
    if (typeof policy === 'string') continue;
    const section = configSchema.shape[key as keyof typeof configSchema.shape];
    const shape = (section instanceof z.ZodObject ? section : (section as unknown as { def: { innerType: z.ZodObject } }).def.innerType)
      .shape;
    assert.deepEqual(Object.keys(policy).sort(), Object.keys(shape).sort(), key);
  }
});

for (const [key, expected] of Object.entries(EDITS)) {
  test(`reload: an edit of ${key} is ${expected.applied.length ? 'applied' : ''}${expected.applied.length && expected.restartRequired.length ? ' / ' : ''}${expected.restartRequired.length ? 'reported as restart required' : ''}`, () => {
    const next = configSchema.parse({ ...BASE_INPUT, ...expected.edit });
    const plan = planReload(base, next);
    assert.deepEqual(plan.applied.sort(), [...expected.applied].sort());
    assert.deepEqual(plan.restartRequired.sort(), [...expected.restartRequired].sort());
    // Applied keys take the new value; the others keep what the daemon started with.
    const value = (c: Config, path: string) =>
      path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], c);
    for (const path of expected.applied) assert.deepEqual(value(plan.effective, path), value(next, path), path);
    for (const path of expected.restartRequired) assert.deepEqual(value(plan.effective, path), value(base, path), path);
    // Reverting the edit: nothing waits any more.
    const back = planReload(plan.effective, base);
    assert.deepEqual(back.restartRequired, []);
    assert.deepEqual(back.effective, base);
  });
}

test('the reloader: live keys reach the logger and the core context; the others are recorded for `status` until a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-reloader-'));
  const configPath = join(dir, 'sentinel.yaml');
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir);
  const yaml = (extra: string[]) =>
    ['deployment:', '  root: .', '  crontab:', '    fallbackFile: crontab', 'docker:', '  enabled: false', ...extra, ''].join('\n');
  writeFileSync(configPath, yaml([]));
  const running = configSchema.parse({ deployment: { root: '.', crontab: { fallbackFile: 'crontab' } }, docker: { enabled: false } });
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', secrets: [], write: (line) => lines.push(line) });
  const switched: Config[] = [];
  const reloader = createReloader({
    configPath,
    rulesPaths: [join(repo, 'rules')],
    running,
    stateDir,
    logger,
    sentinel: { reload: async (config) => void switched.push(config) },
  });

  writeFileSync(configPath, yaml(['  socketPath: /elsewhere.sock', 'safety:', '  cooldown: 1h', 'log:', '  level: debug']));
  const result = await reloader.reloadNow();
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  assert.deepEqual(result.applied, ['safety.cooldown', 'log.level']);
  assert.deepEqual(result.restartRequired, ['docker.socketPath']);
  assert.equal(logger.level, 'debug');
  assert.equal(switched.at(-1)!.safety.cooldown, 3_600_000, 'the core runs on the new cooldown');
  assert.equal(switched.at(-1)!.docker.socketPath, running.docker.socketPath, 'and on the socket it started with');
  assert.deepEqual(reloader.restartRequired(), ['docker.socketPath']);
  assert.deepEqual(readRestartRequired(stateDir), ['docker.socketPath']);
  const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    logged.map((l) => l.msg),
    ['configuration reloaded', 'configuration reloaded; restart required to apply: docker.socketPath'],
  );
  assert.equal(logged[1]!.level, 40);

  // The edit undone: nothing waits any more.
  writeFileSync(configPath, yaml(['safety:', '  cooldown: 1h']));
  const undone = await reloader.reloadNow();
  assert.ok(undone.ok);
  assert.deepEqual(undone.restartRequired, []);
  assert.deepEqual(readRestartRequired(stateDir), []);

  // A restart runs on the file as it is: a new reloader clears what an earlier process recorded.
  writeFileSync(configPath, yaml(['http:', '  port: 9999']));
  assert.deepEqual((await reloader.reloadNow()).ok && readRestartRequired(stateDir), ['http.port']);
  createReloader({ configPath, rulesPaths: [join(repo, 'rules')], running, stateDir, logger, sentinel: { reload: async () => {} } });
  assert.deepEqual(readRestartRequired(stateDir), []);
});

test('/status and /reload name the keys waiting for a restart (exact text)', () => {
  const T0 = Date.parse('2026-03-03T01:00:00Z');
  const en = renderStatus(initialState(T0), 'en', 'Asia/Seoul', T0, ['http.port', 'telegram.tokenEnv']).split('\n');
  assert.deepEqual(en.slice(0, 3), [
    '📊 <b>Status</b> 2026-03-03 10:00:00 GMT+9',
    '⚠️ restart required to apply: <code>http.port</code>, <code>telegram.tokenEnv</code>',
    'version: unknown',
  ]);
  const ko = renderStatus(initialState(T0), 'ko', 'Asia/Seoul', T0, ['http.port']).split('\n');
  assert.deepEqual(ko.slice(0, 3), [
    '📊 <b>상태</b> 2026-03-03 10:00:00 GMT+9',
    '⚠️ 재시작해야 적용되는 설정: <code>http.port</code>',
    '버전: unknown',
  ]);
  assert.equal(renderStatus(initialState(T0), 'en', 'Asia/Seoul', T0).split('\n')[1], 'version: unknown', 'nothing when nothing waits');
  const reply = reloadText('en', { ok: true, rules: 7, applied: ['telegram.language'], restartRequired: ['http.port'] }).split('\n');
  assert.deepEqual(reply.slice(1), ['applied now: <code>telegram.language</code>', '⚠️ restart required to apply: <code>http.port</code>']);
});

test('Telegram: a reloaded language, allow-list and contacts reach the running bot and notifier', { timeout: 30_000 }, async () => {
  const h = await startTelegramHarness({ language: 'en', allowedUserIds: [OPERATOR.id] });
  try {
    await h.say(STRANGER, '/status');
    await h.waitForChat(1);
    assert.equal(h.chat().at(-1)!.text, notAllowedText('en'));
    // What the daemon's reloader passes on after `telegram.language: ko` and a new allow-list entry.
    h.channel.reconfigure({
      language: 'ko',
      allowedUserIds: [OPERATOR.id, STRANGER.id],
      contacts: { l1: { name: 'on-call operator', telegram: '@on_call' } },
      buttonExpiryMs: 3_600_000,
    });
    await h.say(STRANGER, '/status');
    await h.waitForChat(2);
    assert.match(h.chat().at(-1)!.text, /^📊 <b>상태<\/b> /);
    const incident = {
      id: 'INC-0001',
      ruleId: 'cron-down',
      cause: 'turtle-cron',
      severity: 'critical',
      action: 'halt',
      phase: 'escalated',
      openedAt: 0,
      updatedAt: 0,
      summary: 'turtle-cron is not running',
      evidence: [],
      joins: 0,
      history: [],
    } as const;
    await h.notifier.deliver('esc-1', {
      kind: 'escalation',
      incident: { ...incident, evidence: [], history: [] },
      why: 'trading halted',
      level: 'L1',
    });
    await h.waitForChat(3);
    const escalation = h.chat().at(-1)!.text;
    assert.match(escalation, /^📣 <b>에스컬레이션 L1<\/b>/);
    assert.match(escalation, /@on_call/);
  } finally {
    await h.close();
  }
});

/** A deployment on files only (no Docker, no HTTP), its config, and the `run` daemon's output. */
function deployment() {
  const { work, root } = deploymentDir('sentinel-reload-', CRONTAB_EVERY_MINUTE);
  writeFileSync(join(root, 'logs/check_kr.log'), '');
  const config = join(work, 'sentinel.yaml');
  const yaml = (language: string, port: number) =>
    sentinelYaml({ utcStamps: true, language, http: ['  enabled: false', `  port: ${port}`], logLevel: 'info' });
  writeFileSync(config, yaml('ko', 9464));
  return { work, root, config, yaml };
}

test(
  'run: a language edit is applied at once; an HTTP port edit is reported as restart required (log, status)',
  { timeout: 60_000 },
  async () => {
    const d = deployment();
    const daemon = startDaemon(d.config, d.work, { SENTINEL_TELEGRAM_TOKEN: '' });
    const waitFor = <T>(what: string, probe: () => T | undefined) => daemon.waitFor(what, probe);
    const lines = daemon.logLines;
    try {
      await waitFor('start', () => lines().find((l) => l.msg === 'turtle-sentinel running'));
      writeFileSync(d.config, d.yaml('en', 9465));
      const reloaded = await waitFor('the reload', () => lines().find((l) => l.msg === 'configuration reloaded'));
      assert.deepEqual(reloaded.applied, ['telegram.language']);
      const warned = await waitFor('the restart warning', () => lines().find((l) => Array.isArray(l.restartRequired)));
      assert.equal(warned.msg, 'configuration reloaded; restart required to apply: http.port');
      assert.deepEqual(warned.restartRequired, ['http.port']);

      // The language is in force: the next notice is in English.
      appendFailingRuns(d.root);
      const notice = await waitFor('the incident notice', () => lines().find((l) => l.notice === 'incident-opened'));
      assert.match(String(notice.text), /^🚨 Incident opened INC-0001/);

      const status = cli(['status', '--config', d.config], d.work);
      assert.equal(status.status, 0, status.stderr);
      const statusLines = status.stdout.split('\n');
      assert.match(statusLines[0]!, /^daemon: running \(pid \d+, since /);
      assert.equal(statusLines[2], '⚠️ restart required to apply: http.port');
      assert.equal(statusLines[3], 'automatic actions: armed');
    } finally {
      await daemon.stop();
    }
    // A restart runs on the file as it is: nothing waits any more.
    const again = startDaemon(d.config, d.work, { SENTINEL_TELEGRAM_TOKEN: '' });
    try {
      await again.waitFor('the restart', () => again.output().includes('turtle-sentinel running'));
      const status = cli(['status', '--config', d.config], d.work);
      assert.doesNotMatch(status.stdout, /restart required/);
    } finally {
      await again.stop();
    }
    assert.ok(readFileSync(join(d.work, 'state/checkpoint.json'), 'utf8').length > 0);
  },
);
