// `turtle-sentinel demo` as a user runs it: a child process of src/main.ts, with no Docker engine
// (DOCKER_HOST points at a socket that does not exist) and no Telegram token. It must detect every
// criterion's fault, say so in the operator's words, print the dry-run plan, and leave the bundled
// example byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(repo, 'examples/deployment');

/** SHA-256 over every file's relative path and bytes, in a stable order. */
function treeHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else
        hash
          .update(`${relative(dir, path)}\0`)
          .update(readFileSync(path))
          .update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex');
}

function runDemo(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
  delete env.SENTINEL_TELEGRAM_TOKEN;
  delete env.SENTINEL_TELEGRAM_CHAT_ID;
  delete env.SENTINEL_CONFIG;
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'demo', ...args], { cwd: repo, env, encoding: 'utf8' });
}

const CASES = {
  en: {
    args: ['--lang', 'en'],
    language: "language: en (--lang en; the product's default is ko",
    headers: [
      '━━ 1/5 missed cron run — injecting:',
      '━━ 1/5 hung cron run — injecting:',
      '━━ 2/5 repeated exceptions — injecting:',
      '━━ 3/5 Telegram alerts not received — injecting:',
      '━━ 4/5 positions.json corrupted — injecting:',
      '━━ 5/5 fill matching fault — injecting:',
      '━━ + cron container stopped — injecting:',
    ],
    essentials: [
      'rule: cron-missed-or-hung (case: missed)',
      'no run started within 10m of its scheduled time',
      'rule: cron-missed-or-hung (case: hung)',
      'has not finished after 30m',
      'rule: check-repeated-failures',
      '2 consecutive failed runs',
      'rule: telegram-alerts-missing (case: send-failed)',
      'rule: positions-corrupt (case: corrupt)',
      'positions.json is corrupt',
      'rule: fill-mismatch (case: order-duplicate-fill)',
      'KIS#0000123999 was recovered as FILLED by 2 orders',
      'rule: cron-container-down (case: not-running)',
    ],
    dryRun: 'Dry run — turtle-sentinel rollback --dry-run (simulated — no Docker):',
    halt: 'Dry run — turtle-sentinel halt (simulated — no Docker):',
    planHead: /plan [0-9a-f]{16}: rollback by image-tag → sha256:5320/,
    total: '7 of 7 detected',
  },
  ko: {
    args: [],
    language: '언어: ko (제품 기본값',
    headers: [
      '━━ 1/5 cron 실행 누락 — 주입:',
      '━━ 1/5 cron 실행 무응답 — 주입:',
      '━━ 2/5 반복 예외 — 주입:',
      '━━ 3/5 Telegram 알림 미수신 — 주입:',
      '━━ 4/5 positions.json 손상 — 주입:',
      '━━ 5/5 fill 매칭 오류 — 주입:',
      '━━ + cron 컨테이너 정지 — 주입:',
    ],
    essentials: [
      'cron-missed-or-hung',
      'check-repeated-failures',
      'telegram-alerts-missing',
      'positions-corrupt',
      'fill-mismatch',
      'KIS#0000123999',
      'cron-container-down',
    ],
    dryRun: '드라이런 — turtle-sentinel rollback --dry-run (시뮬레이션 — Docker 없음):',
    halt: '드라이런 — turtle-sentinel halt (시뮬레이션 — Docker 없음):',
    planHead: /계획 [0-9a-f]{16}: \S+ \(image-tag 방식\) → sha256:5320/,
    total: '7건 중 7건 감지',
  },
} as const;

for (const [lang, c] of Object.entries(CASES)) {
  test(`demo (${lang}): every criterion detected without Docker or Telegram, plan shown, example untouched`, { timeout: 120_000 }, () => {
    const before = treeHash(example);
    const r = runDemo([...c.args]);
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    const out = r.stdout;
    assert.ok(out.includes(c.language), 'says which language and that ko is the default');
    let at = -1;
    for (const header of c.headers) {
      const i = out.indexOf(header);
      assert.ok(i > at, `header in order: ${header}`);
      at = i;
    }
    for (const text of c.essentials) assert.ok(out.includes(text), `incident text: ${text}`);
    assert.ok(out.includes(c.dryRun), 'the rollback dry-run section');
    assert.match(out, c.planHead, 'the plan head rollback --dry-run prints');
    assert.ok(out.includes(c.halt), 'the halt plan of positions-corrupt');
    assert.ok(out.includes(c.total), 'the summary');
    assert.equal(before, treeHash(example), 'examples/deployment is byte-identical');
    // The copy is gone too.
    const copy = /turtle-sentinel-demo-[A-Za-z0-9]+/.exec(out)?.[0];
    assert.ok(copy, 'names its copy');
    assert.equal(existsSync(join(tmpdir(), copy)), false, 'the copy is removed');
    assert.doesNotMatch(r.stderr, /ECONNREFUSED|ENOENT|docker\.sock/, 'never reached for a Docker engine');
  });
}

test('demo: an unknown language is a usage error (exit 2)', () => {
  const r = runDemo(['--lang', 'fr']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--lang must be ko or en/);
});
