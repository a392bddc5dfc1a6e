// Malformed sentinel.yaml and rules files: each must give a clear `file:line:col: path: message` error
// at the right place, never a crash. Fixtures live in test/fixtures/config/bad/ (real files, read by
// the real loaders); files holding a bot-shaped token are written to a temp dir at run time instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load-config.ts';
import { loadRules } from '../src/config/load-rules.ts';

const BAD = fileURLToPath(new URL('./fixtures/config/bad/', import.meta.url));

/** Load a fixture with the loader its name says, and strip the fixture directory from messages. */
async function errorsOf(name: string): Promise<string[]> {
  const path = join(BAD, name);
  const result = name.startsWith('config-') ? await loadConfig(path) : await loadRules(path);
  assert.equal(result.ok, false, `${name} should be refused`);
  return result.ok ? [] : result.errors.map((e) => e.replaceAll(BAD, ''));
}

const LINE = /^(?<file>[^:\s][^:]*):(?<line>\d+):(?<col>\d+): (?<path>\S+): (?<message>.+)$/;

/** Split an error line into its parts, failing the test when it is not `file:line:col: path: message`. */
function partsOf(line: string): { file: string; line: number; col: number; path: string; message: string } {
  const g = LINE.exec(line)?.groups;
  assert.ok(g, `not file:line:col: path: message → ${line}`);
  return { file: g['file']!, line: Number(g['line']), col: Number(g['col']), path: g['path']!, message: g['message']! };
}

// Exact expected lines. Positions were checked by hand against the fixture text (1-based line:col).
const EXACT: Record<string, string[]> = {
  'config-syntax-unclosed-quote.yaml': [
    'config-syntax-unclosed-quote.yaml:2:9: deployment.root: this quoted string is never closed: add the closing quote',
  ],
  'config-tab-indent.yaml': ['config-tab-indent.yaml:3:1: (root): tabs are not allowed for indentation in YAML; indent with spaces'],
  'config-unknown-top-key.yaml': [
    'config-unknown-top-key.yaml:2:1: deployment: missing required key "deployment" (a map of key: value lines)',
    'config-unknown-top-key.yaml:2:1: depoyment: unknown key "depoyment" (did you mean "deployment"?)',
  ],
  'config-unknown-deployment-key.yaml': [
    'config-unknown-deployment-key.yaml:3:3: deployment.logDir: unknown key "logDir" (did you mean "logsDir"?)',
  ],
  'config-unknown-crontab-key.yaml': [
    'config-unknown-crontab-key.yaml:5:5: deployment.crontab.fallback_file: unknown key "fallback_file" (did you mean "fallbackFile"?)',
  ],
  'config-unknown-telegram-key.yaml': [
    'config-unknown-telegram-key.yaml:4:3: telegram.token: unknown key "token" (allowed here: tokenEnv, chatIdEnv, apiRoot, allowedUserIds, language, remindBefore, buttonExpiry)',
  ],
  'config-unknown-http-key.yaml': ['config-unknown-http-key.yaml:4:3: http.bind: unknown key "bind" (allowed here: enabled, host, port)'],
  'config-wrong-type-port.yaml': ['config-wrong-type-port.yaml:4:9: http.port: expected a number, got "9464"'],
  'config-wrong-type-bool.yaml': ['config-wrong-type-bool.yaml:4:12: docker.enabled: expected true or false, got "yes please"'],
  'config-bad-duration-number.yaml': [
    'config-bad-duration-number.yaml:4:14: deployment.crontab.refresh: expected a duration with a unit, got the bare number 10: write e.g. 10m (or 90s, 2h, 1d)',
  ],
  'config-bad-duration-words.yaml': [
    'config-bad-duration-words.yaml:4:14: deployment.crontab.refresh: expected a duration such as 90s, 10m, 2h or 1d, got "10 minutes"',
  ],
  'config-unknown-timezone.yaml': ['config-unknown-timezone.yaml:3:13: deployment.timezone: unknown IANA timezone'],
  'config-negative-port.yaml': ['config-negative-port.yaml:4:9: http.port: must be at least 0, got the number -1'],
  'config-duplicate-key.yaml': [
    'config-duplicate-key.yaml:4:3: deployment.root: duplicate key: this key is already set earlier in the same map',
  ],
  'config-empty.yaml': ['config-empty.yaml:1:1: (root): the file is empty: a config needs at least deployment.root'],
  'config-whitespace.yaml': ['config-whitespace.yaml:1:1: (root): the file is empty: a config needs at least deployment.root'],
  'config-list-instead-of-map.yaml': ['config-list-instead-of-map.yaml:2:3: deployment: expected a map of key: value lines, got a list'],
  'config-binary.yaml': ['config-binary.yaml:1:4: (root): not a YAML text file: a NUL byte at byte 3'],
  'config-invalid-utf8.yaml': ['config-invalid-utf8.yaml:2:12: (root): not a YAML text file: bytes that are not UTF-8 at byte 23'],
  'config-multi-doc.yaml': [
    'config-multi-doc.yaml:3:1: (root): the file holds more than one YAML document (a second `---`); keep everything in one document',
  ],
  'config-missing-root.yaml': ['config-missing-root.yaml:2:3: deployment.root: missing required key "root" (a string)'],
  'config-cron-container-not-listed.yaml': [
    'config-cron-container-not-listed.yaml:3:18: deployment.cronContainer: "my-cron" is not in deployment.containers (turtle-cron, turtle-dashboard); the sidecar only observes and recreates listed containers',
  ],
  'config-shared-bot-token-env.yaml': [
    "config-shared-bot-token-env.yaml:4:13: telegram.tokenEnv: TELEGRAM_BOT_TOKEN is turtle-trading's own bot; the sidecar needs a bot of its own (one token cannot be long-polled by two programs): use e.g. SENTINEL_TELEGRAM_TOKEN",
  ],
  'config-secret-in-env-name.yaml': [
    'config-secret-in-env-name.yaml:4:13: telegram.tokenEnv: expected the NAME of an environment variable (capital letters, digits and _, e.g. SENTINEL_TELEGRAM_TOKEN), not its value',
  ],
  'config-unresolved-alias.yaml': [
    'config-unresolved-alias.yaml:3:9: docker: alias *docker_defaults refers to no anchor &docker_defaults defined before it',
  ],
  'config-empty-list.yaml': ['config-empty-list.yaml:3:15: deployment.containers: needs at least 1 item(s)'],
  'config-bad-enum.yaml': [
    'config-bad-enum.yaml:4:10: log.level: "verbose" is not allowed here; expected one of "trace", "debug", "info", "warn", "error"',
  ],
  'rules-unknown-kind.yaml': [
    'rules-unknown-kind.yaml:3:11: rules.0.kind: unknown kind "cron-schedul" (did you mean "cron-schedule"?); expected one of "cron-schedule", "repeated-failures", "telegram-delivery", "positions-integrity", "fill-integrity", "container-state", "source-health", "guard-tripped"',
  ],
  'rules-missing-kind.yaml': [
    'rules-missing-kind.yaml:2:5: rules.0.kind: missing required key "kind" (one of "cron-schedule", "repeated-failures", "telegram-delivery", "positions-integrity", "fill-integrity", "container-state", "source-health", "guard-tripped")',
  ],
  'rules-unknown-rule-key.yaml': ['rules-unknown-rule-key.yaml:4:5: rules.0.serverity: unknown key "serverity" (did you mean "severity"?)'],
  'rules-unknown-params-key.yaml': ['rules-unknown-params-key.yaml:5:7: rules.0.params.grase: unknown key "grase" (did you mean "grace"?)'],
  'rules-unknown-approval-key.yaml': [
    'rules-unknown-approval-key.yaml:7:7: rules.0.approval.windw: unknown key "windw" (did you mean "window"?)',
  ],
  'rules-unknown-profile-key.yaml': [
    'rules-unknown-profile-key.yaml:2:5: profiles.0.finishMarker: missing required key "finishMarker" (a string)',
    'rules-unknown-profile-key.yaml:4:5: profiles.0.finishMark: unknown key "finishMark" (did you mean "finishMarker"?)',
  ],
  'rules-bad-duration-number.yaml': [
    'rules-bad-duration-number.yaml:5:14: rules.0.params.grace: expected a duration with a unit, got the bare number 10: write e.g. 10m (or 90s, 2h, 1d)',
  ],
  'rules-bad-duration-words.yaml': [
    'rules-bad-duration-words.yaml:5:19: rules.0.params.maxRunTime: expected a duration such as 90s, 10m, 2h or 1d, got "30 minutes"',
  ],
  'rules-negative-number.yaml': ['rules-negative-number.yaml:5:20: rules.0.params.consecutive: must be at least 1, got the number -2'],
  'rules-wrong-type-number.yaml': ['rules-wrong-type-number.yaml:5:20: rules.0.params.consecutive: expected a number, got "two"'],
  'rules-bad-action.yaml': [
    'rules-bad-action.yaml:4:13: rules.0.action: "restart" is not allowed here; expected one of "notify", "escalate", "halt", "rollback"',
  ],
  'rules-bad-mode.yaml': [
    'rules-bad-mode.yaml:4:11: rules.0.mode: "dryrun" is not allowed here (did you mean "dry-run"?); expected one of "enforce", "dry-run", "off"',
  ],
  'rules-bad-enum-in-list.yaml': [
    'rules-bad-enum-in-list.yaml:5:28: rules.0.params.cases.1: "channel-not-configurd" is not allowed here (did you mean "channel-not-configured"?); expected one of "send-failed", "event-without-success", "report-without-success", "channel-not-configured"',
  ],
  'rules-map-instead-of-list.yaml': ['rules-map-instead-of-list.yaml:2:3: rules: expected a list of "- " items, got a map'],
  'rules-top-level-list.yaml': ['rules-top-level-list.yaml:1:1: (root): expected a map of key: value lines, got a list'],
  'rules-bad-id.yaml': ['rules-bad-id.yaml:2:9: rules.0.id: rule ids are lower-case words joined by dashes, got "Cron_Missed"'],
  'rules-source-health-rollback.yaml': [
    'rules-source-health-rollback.yaml:4:13: rules.0.action: a source-health rule may only notify or escalate, not rollback: a source the sidecar cannot read says nothing about the deployment',
  ],
  'rules-empty-list.yaml': ['rules-empty-list.yaml:5:14: rules.0.params.cases: needs at least 1 item(s)'],
  'rules-duplicate-key.yaml': [
    'rules-duplicate-key.yaml:4:5: rules.0.kind: duplicate key: this key is already set earlier in the same map',
  ],
  'rules-duplicate-id-same-file.yaml': [
    'rules-duplicate-id-same-file.yaml:4:9: rules.1.id: duplicate rule id "cron-missed": also defined at rules-duplicate-id-same-file.yaml:2:9',
  ],
  'rules-unknown-job.yaml': [
    'rules-unknown-job.yaml:9:28: rules.0.params.jobs.1: "check_position.py" is neither a log file name (x.log) nor a script with a profile (did you mean "check_positions.py"?); profiled scripts: check_positions.py',
  ],
  'rules-dup-ids': [
    'rules-dup-ids/20-b.yaml:5:9: rules.1.id: duplicate rule id "cron-missed": also defined at rules-dup-ids/10-a.yaml:2:9',
  ],
  // Line 26 of a real rules file opens a [ it never closes; the library notices only at line 30.
  'rules-unclosed-flow-list.yaml': [
    'rules-unclosed-flow-list.yaml:26:15: rules.0.severity: this [ list is never closed: add the closing ]',
  ],
  'rules-dup-profiles': [
    'rules-dup-profiles/x-override.yaml:5:13: profiles.1.script: a second profile for "check_positions.py": the first is at rules-dup-profiles/profiles.yaml:2:13; one script has one profile',
  ],
};

for (const [name, expected] of Object.entries(EXACT)) {
  test(`bad input ${name}: exact position and message`, async () => {
    assert.deepEqual(await errorsOf(name), expected);
  });
}

test('the misindented rules line is reported on the line where the map breaks, with a readable path', async () => {
  const errors = await errorsOf('rules-syntax-bad-indent.yaml');
  assert.equal(errors.length, 1);
  const m = partsOf(errors[0]!);
  assert.equal(`${m.line}:${m.col}`, '3:11');
  assert.equal(m.path, 'rules.0.kind');
  assert.match(m.message, /indentation/);
});

test('an alias bomb is refused instead of expanded', async () => {
  const errors = await errorsOf('config-alias-bomb.yaml');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^config-alias-bomb\.yaml:1:1: \(root\): cannot read the YAML: .*alias/i);
});

test('every fixture in the corpus is refused with file:line:col: path: message lines, and none throws', async () => {
  const names = (await readdir(BAD)).sort();
  assert.ok(names.length >= 25, `corpus has ${names.length} entries`);
  for (const name of names) {
    const errors = await errorsOf(name);
    assert.ok(errors.length > 0, `${name}: no error`);
    for (const line of errors) {
      const m = partsOf(line);
      assert.ok(m.file.startsWith(name), `${name}: error names another file → ${line}`);
      assert.ok(m.line >= 1 && m.col >= 1, line);
    }
  }
  // Every fixture must be covered by an exact expectation or a dedicated test above.
  const covered = new Set([...Object.keys(EXACT), 'rules-syntax-bad-indent.yaml', 'config-alias-bomb.yaml']);
  assert.deepEqual(
    names.filter((n) => !covered.has(n)),
    [],
  );
});

// ---------------------------------------------------------------------------------------------
// Embedded tokens: written at run time so no token-shaped string is committed to the repository.

const TOKEN = ['7012345678', 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ'].join(':');
const SECRET_PART = TOKEN.split(':')[1]!;

test('a bot token anywhere in a config or rules file is refused without printing it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const files: Record<string, { text: string; at: string; path: string; rules?: boolean }> = {
    'as-value.yaml': { text: `deployment:\n  root: x\ntelegram:\n  tokenEnv: ${TOKEN}\n`, at: '4:13', path: 'telegram.tokenEnv' },
    'in-comment.yaml': { text: `deployment:\n  root: x\n# old token: ${TOKEN}\n`, at: '3:14', path: '(root)' },
    'as-key.yaml': { text: `deployment:\n  root: x\n"${TOKEN}": 1\n`, at: '3:2', path: '<token>' },
    'in-broken-yaml.yaml': {
      text: `deployment:\n  root: "x\n  apiRoot: https://api.telegram.org/bot${TOKEN}/\n`,
      at: '3:40',
      path: 'deployment.root',
    },
    'rules.yaml': {
      text: `rules:\n  - id: a\n    kind: source-health\n    description: bot ${TOKEN}\n`,
      at: '4:22',
      path: 'rules.0.description',
      rules: true,
    },
  };
  for (const [name, spec] of Object.entries(files)) {
    const file = join(dir, name);
    await writeFile(file, spec.text);
    const result = spec.rules ? await loadRules(file) : await loadConfig(file);
    assert.equal(result.ok, false, name);
    if (result.ok) continue;
    assert.equal(result.errors.length, 1, `${name}: ${result.errors.join('\n')}`);
    const line = result.errors[0]!;
    assert.ok(!line.includes(SECRET_PART) && !line.includes(TOKEN), `${name}: the token leaked into ${line}`);
    assert.ok(line.startsWith(`${file}:${spec.at}: ${spec.path}: `), `${name}: ${line}`);
    assert.match(line, /looks like a Telegram bot token/);
  }
});

test('a rules directory in which one file holds a token names that file only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-token-dir-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'rules'));
  await writeFile(join(dir, 'rules', '10-ok.yaml'), 'rules:\n  - id: ok\n    kind: source-health\n');
  await writeFile(join(dir, 'rules', '20-leak.yaml'), `# ${TOKEN}\n`);
  const result = await loadRules(join(dir, 'rules'));
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(
    result.errors.map((e) => e.replace(/this looks like.*$/, '…')),
    [`${join(dir, 'rules', '20-leak.yaml')}:1:3: (root): …`],
  );
});
