// loadRules against real files: the bundled rule set (what it says, and that its markers match real
// log lines), directory loading order and filtering, empty files, lists of paths, cross-file checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../src/config/load-rules.ts';
import type { Rule, RuleOf } from '../src/config/schema.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RULES = join(ROOT, 'rules');
const SAMPLES = fileURLToPath(new URL('./fixtures/config/samples/', import.meta.url));

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-rules-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function bundled() {
  const loaded = await loadRules(RULES);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  return loaded;
}

function rule<K extends Rule['kind']>(rules: Rule[], id: string, kind: K): RuleOf<K> {
  const found = rules.find((r) => r.id === id);
  assert.ok(found, `rule ${id} missing`);
  assert.equal(found.kind, kind);
  return found as RuleOf<K>;
}

test('the bundled rules load in file-name order and cover the five runbook criteria plus containers and the sidecar', async () => {
  const { rules, files } = await bundled();
  assert.deepEqual(
    files.map((f) => f.slice(RULES.length + 1)),
    [
      '10-cron.yaml',
      '20-failures.yaml',
      '25-guards.yaml',
      '30-telegram.yaml',
      '40-positions.yaml',
      '50-fills.yaml',
      '60-containers.yaml',
      '90-sidecar.yaml',
      'profiles.yaml',
    ],
  );
  assert.deepEqual(
    rules.map((r) => `${r.id}:${r.kind}:${r.action}`),
    [
      'cron-missed-or-hung:cron-schedule:rollback',
      'check-repeated-failures:repeated-failures:rollback',
      'daily-report-failures:repeated-failures:escalate',
      'guard-tripped:guard-tripped:escalate',
      'telegram-alerts-missing:telegram-delivery:rollback',
      'telegram-channel-not-configured:telegram-delivery:escalate',
      'positions-corrupt:positions-integrity:halt',
      'positions-unexpected-change:positions-integrity:escalate',
      'fill-mismatch:fill-integrity:escalate',
      'cron-container-down:container-state:rollback',
      'sidecar-source-health:source-health:notify',
    ],
  );
  assert.ok(rules.every((r) => r.mode === 'enforce'));
});

test('the bundled knobs carry the runbook defaults', async () => {
  const { rules } = await bundled();
  const cron = rule(rules, 'cron-missed-or-hung', 'cron-schedule');
  assert.deepEqual(cron.params, { jobs: [], grace: 10 * 60_000, maxRunTime: 30 * 60_000, earlyTolerance: 2 * 60_000 });
  assert.deepEqual(cron.approval, { policy: 'veto-window', window: 10 * 60_000 });

  const failures = rule(rules, 'check-repeated-failures', 'repeated-failures');
  assert.equal(failures.params.consecutive, 2);
  assert.deepEqual(failures.params.errorPatterns, [' - CRITICAL - ']);
  assert.deepEqual(failures.params.jobs, ['check_positions.py', 'signal_check.py']);

  const sends = rule(rules, 'telegram-alerts-missing', 'telegram-delivery');
  assert.deepEqual(sends.params.cases, ['send-failed', 'event-without-success']);
  assert.equal(sends.params.consecutive, 2);
  // "Channel not configured" cannot be cured by a rollback: it has its own rule, which escalates.
  const channel = rule(rules, 'telegram-channel-not-configured', 'telegram-delivery');
  // A daily report with neither a success nor a failure line attempted no send: the same missing token.
  assert.deepEqual(channel.params.cases, ['channel-not-configured', 'report-without-success']);

  const corrupt = rule(rules, 'positions-corrupt', 'positions-integrity');
  assert.deepEqual(corrupt.params.checks, ['corrupt', 'healed']);
  assert.equal(corrupt.approval.policy, 'auto'); // runbook §5.1: stop trading at once
  assert.deepEqual(rule(rules, 'positions-unexpected-change', 'positions-integrity').params.checks, ['unexpected-change']);

  const fills = rule(rules, 'fill-mismatch', 'fill-integrity');
  assert.equal(fills.params.maxUnits, 4);
  assert.equal(fills.params.pyramidSpacingN, 0.5);

  const containers = rule(rules, 'cron-container-down', 'container-state');
  assert.deepEqual(containers.params.containers, ['turtle-cron']); // the dashboard is broken at both versions

  assert.equal(rule(rules, 'sidecar-source-health', 'source-health').action, 'notify');
});

test('profiles: check_positions.py (v3.2.1), signal_check.py (v3.2.0) and daily_report.py', async () => {
  const { profiles } = await bundled();
  assert.deepEqual(Object.keys(profiles).sort(), ['check_positions.py', 'daily_report.py', 'signal_check.py']);
  assert.deepEqual(profiles['check_positions.py'], {
    script: 'check_positions.py',
    startMarker: '=== 통합 포지션 & 시그널 체크 시작 ===',
    finishMarker: '=== 체크 완료 ===',
    channelMarker: 'Telegram 채널 활성화',
    alwaysSends: false,
    notifyEvents: ['스톱로스 발동', '청산 시그널', 'Inverse ETF 강제 청산', '피라미딩 기회', '신규 시그널:'],
    writesPositions: true,
  });
  assert.deepEqual(profiles['signal_check.py'], {
    script: 'signal_check.py',
    startMarker: '=== 터틀 트레이딩 시그널 체크 시작 ===',
    finishMarker: '=== 시그널 체크 완료 ===',
    channelMarker: 'Telegram 채널 추가',
    alwaysSends: false,
    notifyEvents: ['발견된 시그널'],
    writesPositions: false,
  });
  assert.deepEqual(profiles['daily_report.py'], {
    script: 'daily_report.py',
    startMarker: '=== 일일 리포트 생성 시작 ===',
    finishMarker: '=== 일일 리포트 완료 ===',
    alwaysSends: true,
    notifyEvents: [],
    writesPositions: false,
  });
});

/** Split a log into runs at start markers, the way the profiles are meant to be read. */
function runsOf(text: string, start: string): string[][] {
  const runs: string[][] = [];
  for (const line of text.split('\n')) {
    if (line.includes(start)) runs.push([]);
    runs.at(-1)?.push(line);
  }
  return runs;
}

test('profile markers match the real log lines: v3.2.1 check_kr.log from the example deployment', async () => {
  const { profiles } = await bundled();
  const p = profiles['check_positions.py']!;
  const log = await readFile(join(ROOT, 'examples', 'deployment', 'logs', 'check_kr.log'), 'utf8');
  const runs = runsOf(log, p.startMarker);
  assert.equal(runs.length, 3);
  const finished = runs.map((r) => r.some((l) => l.includes(p.finishMarker)));
  assert.deepEqual(finished, [true, true, false]); // the third run ends in a traceback
  assert.deepEqual(
    runs.map((r) => r.some((l) => l.includes(p.channelMarker!))),
    [true, true, true],
  );
  const events = runs.map((r) => r.filter((l) => p.notifyEvents.some((e) => l.includes(e))));
  // Run 1: a pyramid chance, answered by one successful send. Run 2 is quiet: `신규 시그널 없음` and a
  // risk-limit skip are not events. Run 3 dies before any event.
  assert.equal(events[0]!.length, 1);
  assert.match(events[0]![0]!, /피라미딩 기회: 005930\.KS$/);
  assert.deepEqual(events[1], []);
  assert.deepEqual(events[2], []);
  assert.ok(
    runs[1]!.some((l) => l.endsWith('신규 시그널 없음')),
    'the quiet-run line is in the sample',
  );
  // A finish marker is never mistaken for a start and vice versa.
  assert.ok(!p.finishMarker.includes(p.startMarker) && !p.startMarker.includes(p.finishMarker));
});

test('profile markers match the real log lines: v3.2.0 signal_kr.log and the daily report', async () => {
  const { profiles } = await bundled();
  const s = profiles['signal_check.py']!;
  const signalLog = await readFile(join(SAMPLES, 'signal_kr.log'), 'utf8');
  const runs = runsOf(signalLog, s.startMarker);
  assert.equal(runs.length, 2);
  assert.deepEqual(
    runs.map((r) => r.some((l) => l.includes(s.finishMarker))),
    [true, true],
  );
  assert.deepEqual(
    runs.map((r) => r.some((l) => l.includes(s.channelMarker!))),
    [true, true],
  );
  // Only the second run found signals (`발견된 시그널: 2개`); the first logged `오늘 발생한 시그널 없음`.
  assert.deepEqual(
    runs.map((r) => r.filter((l) => s.notifyEvents.some((e) => l.includes(e))).length),
    [0, 1],
  );
  // The v3.2.1 finish marker must not close a v3.2.0 run, nor the other way round.
  const c = profiles['check_positions.py']!;
  assert.ok(!signalLog.includes(c.finishMarker) && !signalLog.includes(c.startMarker));

  const d = profiles['daily_report.py']!;
  // Written in the format of reference §2 (daily_report.py, verified line order), stamped in UTC as cron jobs are.
  const report = await readFile(join(SAMPLES, 'daily_report.log'), 'utf8');
  const reportRuns = runsOf(report, d.startMarker);
  assert.equal(reportRuns.length, 1);
  assert.ok(reportRuns[0]!.some((l) => l.includes(d.finishMarker)));
  assert.ok(reportRuns[0]!.some((l) => l.includes('Telegram 전송 성공: 일일 리포트')));
});

test('a directory loads *.yaml and *.yml in name order and skips dot-files, editor leftovers and subdirectories', async (t) => {
  const dir = await tempDir(t);
  const write = (name: string, text: string) => writeFile(join(dir, name), text);
  await write('20-b.yml', 'rules:\n  - id: second\n    kind: source-health\n');
  await write('10-a.yaml', 'rules:\n  - id: first\n    kind: source-health\n');
  await write('30-c.yaml', 'rules:\n  - id: third\n    kind: source-health\n');
  await write('README.md', 'not rules\n');
  await write('30-c.yaml~', 'garbage: [\n');
  await write('.30-c.yaml.swp', 'garbage: [\n');
  await write('.hidden.yaml', 'garbage: [\n');
  await symlink('nowhere@12345', join(dir, '.#30-c.yaml')); // an emacs lock link: a dangling symlink
  await mkdir(join(dir, 'old.yaml'));
  await writeFile(join(dir, 'old.yaml', 'x.yaml'), 'garbage: [\n');
  const loaded = await loadRules(dir);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  assert.deepEqual(
    loaded.rules.map((r) => r.id),
    ['first', 'second', 'third'],
  );
  assert.deepEqual(loaded.files, [join(dir, '10-a.yaml'), join(dir, '20-b.yml'), join(dir, '30-c.yaml')]);
});

test('empty files, comment-only files and a `rules:` with every item commented out are empty rule sets', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, '10-empty.yaml'), '');
  await writeFile(join(dir, '20-blank.yaml'), '\n   \n');
  await writeFile(join(dir, '30-comments.yaml'), '# nothing enabled here\n');
  await writeFile(join(dir, '40-null-rules.yaml'), 'rules:\n#  - id: disabled\n#    kind: source-health\nprofiles:\n');
  await writeFile(join(dir, '50-one.yaml'), 'rules:\n  - id: only\n    kind: source-health\n');
  const loaded = await loadRules(dir);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  assert.deepEqual(
    loaded.rules.map((r) => r.id),
    ['only'],
  );
  assert.equal(loaded.files.length, 5);
  assert.deepEqual(loaded.profiles, {});
});

test('a list of paths mixes files and directories; a file named twice is read once', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'more'));
  await writeFile(join(dir, 'base.yaml'), 'rules:\n  - id: base\n    kind: source-health\n');
  await writeFile(join(dir, 'more', 'x.yaml'), 'rules:\n  - id: extra\n    kind: container-state\n');
  const loaded = await loadRules([join(dir, 'base.yaml'), join(dir, 'more'), join(dir, 'base.yaml')]);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  assert.deepEqual(
    loaded.rules.map((r) => r.id),
    ['base', 'extra'],
  );
  assert.deepEqual(loaded.files, [join(dir, 'base.yaml'), join(dir, 'more', 'x.yaml')]);
});

test('errors from several files are all reported together, each naming its file', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'a.yaml'), 'rules:\n  - id: a\n    kind: cron-schedule\n    params:\n      grace: 5\n');
  await writeFile(join(dir, 'b.yaml'), 'rules: [\n');
  await writeFile(join(dir, 'c.yaml'), 'rules:\n  - id: fine\n    kind: source-health\n');
  const loaded = await loadRules(dir);
  assert.equal(loaded.ok, false);
  const errors = loaded.ok ? [] : loaded.errors.map((e) => e.replace(`${dir}/`, ''));
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.equal(
    errors[0],
    'a.yaml:5:14: rules.0.params.grace: expected a duration with a unit, got the bare number 5: write e.g. 5m (or 90s, 2h, 1d)',
  );
  assert.match(errors[1]!, /^b\.yaml:\d+:\d+: \S+: /);
});

test('the same rule id in two files names both places; the rule set is refused', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, '10-a.yaml'), 'rules:\n  - id: twice\n    kind: source-health\n');
  await writeFile(join(dir, '20-b.yaml'), '\n\nrules:\n  - kind: container-state\n    id: twice\n');
  const loaded = await loadRules(dir);
  assert.deepEqual(loaded, {
    ok: false,
    errors: [`${join(dir, '20-b.yaml')}:5:9: rules.0.id: duplicate rule id "twice": also defined at ${join(dir, '10-a.yaml')}:2:9`],
  });
});

test('missing paths and directories without rule files are errors, not empty rule sets', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'notes.txt'), 'x');
  assert.deepEqual(await loadRules(dir), { ok: false, errors: [`${dir}: no *.yaml rule files in this directory`] });
  const missing = join(dir, 'nope');
  assert.deepEqual(await loadRules([missing]), {
    ok: false,
    errors: [`${missing}: cannot read the rules path: no such file or directory`],
  });
});

test('errorPatterns are plain substrings: empty, blank and regex-looking entries are refused at their position', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'failures.yaml');
  await writeFile(
    file,
    [
      'rules:',
      '  - id: failures',
      '    kind: repeated-failures',
      '    params:',
      '      errorPatterns:',
      '        - " - CRITICAL - "',
      '        - "CRITICAL [ESCALATION]"',
      '        - ""',
      '        - "   "',
      '        - "ERROR.*failed"',
      '        - "^Traceback"',
      '        - "[0-9]+ errors"',
      '',
    ].join('\n'),
  );
  const loaded = await loadRules(file);
  assert.equal(loaded.ok, false);
  const regex = 'errorPatterns are plain substrings, matched character for character: write the literal text of a failing line';
  assert.deepEqual(loaded.ok ? [] : loaded.errors.map((e) => e.replace(dir + '/', '')), [
    'failures.yaml:8:11: rules.0.params.errorPatterns.2: must not be empty or only spaces: every line would contain it, so every run would fail',
    'failures.yaml:9:11: rules.0.params.errorPatterns.3: must not be empty or only spaces: every line would contain it, so every run would fail',
    `failures.yaml:10:11: rules.0.params.errorPatterns.4: looks like a regular expression (.* .+ .?); ${regex}`,
    `failures.yaml:11:11: rules.0.params.errorPatterns.5: looks like a regular expression (^ or $ anchors); ${regex}`,
    `failures.yaml:12:11: rules.0.params.errorPatterns.6: looks like a regular expression (a [a-z] range); ${regex}`,
  ]);
});

test('a rules path pointing at a file of another kind says so without echoing its content (it may hold secrets)', async (t) => {
  const dir = await tempDir(t);
  const notYaml = 'If we are not careful this text is a secret';
  const cases: [string, string, string][] = [
    [
      '.env',
      'DB_PASSWORD=hunter2-not-for-logs\nAPI_KEY=abcdef0123456789\n',
      '.env:1:1: (root): not a YAML file of key: value lines: it reads as plain text (not repeated here: it may hold secrets); is this the right file?',
    ],
    [
      'deploy.sh',
      `#!/bin/sh\necho ${notYaml}\nexit 0\n`,
      'deploy.sh:1:1: (root): not a YAML file of key: value lines: it reads as plain text (not repeated here: it may hold secrets); is this the right file?',
    ],
    [
      'exports',
      'export PASSWORD=hunter2: really\n',
      'exports:1:1: (root): a line that is not a key: value of this file (not repeated here: it may hold secrets); is this the right file?',
    ],
  ];
  for (const [name, content, expected] of cases) {
    await writeFile(join(dir, name), content);
    const loaded = await loadRules(join(dir, name));
    assert.equal(loaded.ok, false);
    const errors = loaded.ok ? [] : loaded.errors.map((e) => e.replace(dir + '/', ''));
    assert.deepEqual(errors, [expected]);
    for (const secret of ['hunter2', 'abcdef0123456789', 'careful'])
      assert.ok(!errors.join('\n').includes(secret), `${name}: ${secret} echoed`);
  }
});
