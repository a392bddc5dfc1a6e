// The CLI as an operator runs it: exit codes (0 healthy, 1 firing, 2 configuration error), error
// lines with file positions, rule unit tests, `status` from a daemon's state, and hot reload in `run`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendFailingRuns, cli, cliDeployment, repo, startDaemon } from './helpers/cli-deployment.ts';

/** The CLI's throwaway deployment; `failing`: its last three runs end in a traceback. */
const deployment = (options: { failing?: boolean; language?: 'ko' | 'en' } = {}) =>
  cliDeployment({ ...(options.failing ? { failingRuns: 3 } : {}), ...(options.language ? { language: options.language } : {}) });

test('check: exit 0 on a healthy deployment, 1 when a rule fires, with the verdict printed', () => {
  const healthy = deployment();
  const ok = cli(['check', '--config', healthy.config, '--lookback', '20m']);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^정상: /m, 'Korean by default');

  const broken = deployment({ failing: true });
  const firing = cli(['check', '--config', broken.config, '--lookback', '20m']);
  assert.equal(firing.status, 1, firing.stdout + firing.stderr);
  assert.match(
    firing.stdout,
    /^발동\s+check-repeated-failures check_kr\.log: check_kr\.log: 성공 없이 \d+회 연속 실행 실패 \(기준 2회\)\. 최근 오류: KeyError: 'units'$/m,
  );
  const english = cli(['check', '--config', deployment({ failing: true, language: 'en' }).config, '--lookback', '20m']);
  assert.equal(english.status, 1, english.stdout + english.stderr);
  assert.match(english.stdout, /^FAIL\s+check-repeated-failures check_kr\.log: check_kr\.log: \d+ consecutive failed runs/m);
  assert.match(english.stdout, /^FIRING: /m);
  const json = cli(['check', '--config', broken.config, '--lookback', '20m', '--json']);
  const parsed = JSON.parse(json.stdout) as { firing: boolean; verdicts: { ruleId: string; outcome: string }[] };
  assert.equal(parsed.firing, true);
  assert.ok(parsed.verdicts.some((v) => v.ruleId === 'check-repeated-failures' && v.outcome === 'fail'));
});

test('configuration errors exit 2 with file:line:col: path: message', () => {
  const d = deployment();
  writeFileSync(d.config, 'deployment:\n  root: deployment\n  grace: 10m\n');
  const r = cli(['check', '--config', d.config]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /sentinel\.yaml:3:3: deployment\.grace: /);

  const rulesDir = join(d.work, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'a.yaml'), 'rules:\n  - id: x\n    kind: cron-schedule\n    params:\n      grace: 10\n');
  const v = cli(['rules', 'validate', '--rules', rulesDir]);
  assert.equal(v.status, 2);
  assert.match(v.stderr, /a\.yaml:5:14: rules\.0\.params\.grace: /);
  const missing = cli(['check', '--config', join(d.work, 'nope.yaml')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.yaml: cannot read the config file/);
});

test('rules validate and rules test pass on the bundled rules; a failing rule test exits 1', () => {
  const v = cli(['rules', 'validate']);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /^정상: 파일 \d+개에 규칙 \d+개, 프로필 3개$/m);
  const t = cli(['rules', 'test', 'rules/tests/criteria.test.yaml']);
  assert.equal(t.status, 0, t.stdout + t.stderr);
  assert.match(t.stdout, /^통과 5건, 실패 0건$/m);

  const dir = mkdtempSync(join(tmpdir(), 'sentinel-ruletest-'));
  const file = join(dir, 'wrong.test.yaml');
  writeFileSync(
    file,
    [
      `rule_files: [${JSON.stringify(join(repo, 'rules/profiles.yaml'))}, ${JSON.stringify(join(repo, 'rules/10-cron.yaml'))}]`,
      'tests:',
      '  - name: expects a firing that does not happen',
      '    watch_from: 2026-02-23T15:00:00+09:00',
      '    eval_at: 2026-02-23T15:01:00+09:00',
      '    expect_firing:',
      '      - { rule: cron-missed-or-hung }',
      '',
    ].join('\n'),
  );
  const f = cli(['rules', 'test', file]);
  assert.equal(f.status, 1);
  assert.match(f.stdout, /^실패 .*expects a firing that does not happen$/m);
  assert.match(f.stdout, /^ {5}발동해야 했지만 발동하지 않음: cron-missed-or-hung$/m);
});

test('run: notices on stdout, status from its state, hot reload keeps the last good rules', { timeout: 60_000 }, async () => {
  const d = deployment();
  const rulesDir = join(d.work, 'rules');
  cpSync(join(repo, 'rules'), rulesDir, { recursive: true });
  writeFileSync(d.config, readFileSync(d.config, 'utf8').replace(/^rules: .*$/m, 'rules: rules'));
  const daemon = startDaemon(d.config, d.work);
  const waitFor = (re: RegExp, what: string) => daemon.waitFor(what, () => re.test(daemon.output()));
  try {
    await waitFor(/turtle-sentinel running/, 'start');
    // Two failing runs appended live → one incident, printed by the console notifier.
    appendFailingRuns(d.root);
    await waitFor(/"notice":"incident-opened"[^\n]*check-repeated-failures/, 'the incident notice');
    // The console notifier speaks the configured language (Korean by default), summary included.
    assert.match(
      daemon.output(),
      /"text":"🚨 인시던트 열림 INC-0001 \[심각\]\\n규칙: check-repeated-failures\\ncheck_kr\.log: 성공 없이 2회 연속 실행 실패 \(기준 2회\)\. 최근 오류: KeyError: 'units'\\n조치: 롤백\\n/,
    );

    // An invalid rules edit is refused with its position; the daemon keeps running on the old rules.
    writeFileSync(
      join(rulesDir, '20-failures.yaml'),
      'rules:\n  - id: check-repeated-failures\n    kind: repeated-failures\n    params:\n      consecutive: two\n',
    );
    await waitFor(/keeping the last good version/, 'the refused reload');
    assert.match(daemon.output(), /20-failures\.yaml:5:20: rules\.0\.params\.consecutive/);

    const status = cli(['status', '--config', d.config]);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^인시던트 INC-0001 감지됨 check-repeated-failures check_kr\.log /m);
  } finally {
    await daemon.stop();
  }
  assert.ok(existsSync(join(d.work, 'state/journal.jsonl')));
  assert.match(readFileSync(join(d.work, 'state/journal.jsonl'), 'utf8'), /"type":"incident-opened"/);
});

test('usage errors exit 2 (never 1, which means firing) for every command; --version prints the package version', () => {
  const usage: string[][] = [
    ['check', '--bogus'],
    ['no-such-command'],
    ['rules'],
    ['rules', 'test'],
    ['rules', 'validate', '--bogus'],
    ['status', '--bogus'],
    ['run', '--bogus'],
    ['backup', '--bogus'],
    ['rollback', '--bogus'],
    ['verify', '--bogus'],
    ['halt', '--bogus'],
    ['resume', '--bogus'],
    ['check', '--lookback'],
    [],
  ];
  for (const args of usage) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  assert.match(cli(['check', '--bogus']).stderr, /^error: unknown option '--bogus'$/m);

  const version = cli(['--version']);
  assert.equal(version.status, 0, version.stderr);
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout, `${pkg.version}\n`);
  assert.equal(cli(['--help']).status, 0);
  assert.equal(cli(['check', '--help']).status, 0);
});

test(
  'run refuses to start when the HTTP port is taken (exit 2, naming host:port); status tells a running daemon from a SIGKILLed one',
  { timeout: 90_000 },
  async () => {
    const { createServer } = await import('node:net');
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    try {
      const d = deployment({ language: 'en' });
      const base = readFileSync(d.config, 'utf8');
      writeFileSync(d.config, base.replace('http:\n  enabled: false', `http:\n  enabled: true\n  host: 127.0.0.1\n  port: ${port}`));
      const refused = cli(['run', '--config', d.config], d.work);
      assert.equal(refused.status, 2, refused.stdout + refused.stderr);
      assert.equal(
        refused.stderr,
        `cannot start: 127.0.0.1:${port} is already in use, so /healthz and /metrics cannot be served; stop what listens there, choose another http.port, or set http.enabled: false\n`,
      );

      // With HTTP disabled the same taken port does not matter.
      writeFileSync(d.config, base);
      const daemon = startDaemon(d.config, d.work);
      try {
        await daemon.waitFor('the daemon to start', () => /turtle-sentinel running/.test(daemon.output()));
        const running = cli(['status', '--config', d.config], d.work);
        assert.equal(running.status, 0, running.stderr);
        assert.match(
          running.stdout.split('\n')[0]!,
          new RegExp(`^daemon: running \\(pid ${daemon.child.pid}, since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d GMT\\+9\\)$`),
        );
      } finally {
        await daemon.stop('SIGKILL');
      }
      const dead = cli(['status', '--config', d.config], d.work);
      assert.equal(dead.status, 1, dead.stdout + dead.stderr);
      assert.equal(
        dead.stdout.split('\n')[0],
        `daemon: NOT RUNNING (pid ${daemon.child.pid} is gone: it stopped without cleaning up, e.g. killed); what follows is its last saved state`,
      );
      const json = JSON.parse(cli(['status', '--config', d.config, '--json'], d.work).stdout) as { daemon: { state: string } };
      assert.equal(json.daemon.state, 'not-running');
    } finally {
      holder.close();
    }
  },
);
