// Hot reload with real files in a temp dir: in-place edits, editor-style save by rename, invalid
// versions (the caller keeps the last good one and learns why), fixes, new and deleted rule files,
// a rules directory deleted and recreated, debouncing, and close().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rename, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchConfig, type ConfigWatcher } from '../src/adapters/config-watch.ts';
import { loadConfig, rulesPathsOf } from '../src/config/load-config.ts';
import { loadRules } from '../src/config/load-rules.ts';
import type { Config, Rule } from '../src/config/schema.ts';

type Loaded = { ok: true; config: Config; rules: Rule[] } | { ok: false; errors: string[] };
type Reported = { kind: 'reload'; result: Extract<Loaded, { ok: true }> } | { kind: 'invalid'; errors: string[] };

const CONFIG = 'deployment:\n  root: .\n  crontab:\n    fallbackFile: crontab\ndocker:\n  enabled: false\nrules: rules\n';
const PROFILES =
  'profiles:\n  - script: check_positions.py\n    startMarker: "=== 통합 포지션 & 시그널 체크 시작 ==="\n    finishMarker: "=== 체크 완료 ==="\n';
const failuresRule = (consecutive: number | string, id = 'failures') =>
  `rules:\n  - id: ${id}\n    kind: repeated-failures\n    params:\n      consecutive: ${consecutive}\n`;

/** A deployment dir with sentinel.yaml and rules/, a real loader, and a queue of what the watcher reported. */
async function fixture(
  t: { after: (fn: () => Promise<void>) => void },
  options: { debounceMs?: number; load?: () => Promise<Loaded> } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-watch-'));
  const configPath = join(dir, 'sentinel.yaml');
  const rulesDir = join(dir, 'rules');
  await writeFile(configPath, CONFIG);
  await mkdir(rulesDir);
  await writeFile(join(rulesDir, 'profiles.yaml'), PROFILES);
  await writeFile(join(rulesDir, '10-failures.yaml'), failuresRule(2));

  const load = async (): Promise<Loaded> => {
    const c = await loadConfig(configPath);
    if (!c.ok) return c;
    const r = await loadRules(rulesPathsOf(c.config, c.baseDir));
    if (!r.ok) return r;
    return { ok: true, config: c.config, rules: r.rules };
  };

  const initial = await load();
  assert.ok(initial.ok, initial.ok ? '' : initial.errors.join('\n'));
  // What a caller does: keep the last good version, replace it only on reload.
  const state = { current: initial, reported: [] as Reported[] };
  const waiters: (() => void)[] = [];
  const push = (r: Reported) => {
    state.reported.push(r);
    waiters.splice(0).forEach((w) => w());
  };
  const watcher: ConfigWatcher = watchConfig({
    configPath,
    rulesPaths: [rulesDir],
    load: options.load ?? load,
    onReload: (result) => {
      state.current = result;
      push({ kind: 'reload', result });
    },
    onInvalid: (errors) => push({ kind: 'invalid', errors }),
    onError: (err) => assert.fail(`watcher error: ${String(err)}`),
    debounceMs: options.debounceMs ?? 80,
  });
  t.after(async () => {
    await watcher.close();
    await rm(dir, { recursive: true, force: true });
  });
  await watcher.ready;

  let seen = 0;
  /** The next report after the ones already consumed (fails after `ms`). */
  const next = async (ms = 5000): Promise<Reported> => {
    const deadline = Date.now() + ms;
    while (state.reported.length <= seen) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`no reload reported within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return state.reported[seen++]!;
  };
  /** Assert that nothing more is reported for `ms`. */
  const quiet = async (ms: number) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    assert.deepEqual(state.reported.slice(seen), [], 'unexpected report');
  };
  return { dir, configPath, rulesDir, watcher, state, next, quiet };
}

function consecutiveOf(result: { rules: Rule[] }, id = 'failures'): number | undefined {
  const r = result.rules.find((x) => x.id === id);
  return r?.kind === 'repeated-failures' ? r.params.consecutive : undefined;
}

test('valid edit → reload; invalid edit → refused with the reason while the last good version stays; editor rename and fixes are picked up', async (t) => {
  const f = await fixture(t);
  const file = join(f.rulesDir, '10-failures.yaml');

  // 1. An in-place valid edit.
  await writeFile(file, failuresRule(3));
  const first = await f.next();
  assert.equal(first.kind, 'reload');
  assert.equal(consecutiveOf(f.state.current as { rules: Rule[] }), 3);

  // 2. An invalid edit: reported with file:line:col, and the caller still runs the previous version.
  await writeFile(file, failuresRule(-1));
  const invalid = await f.next();
  assert.equal(invalid.kind, 'invalid');
  assert.deepEqual(invalid.kind === 'invalid' ? invalid.errors : [], [
    `${file}:5:20: rules.0.params.consecutive: must be at least 1, got the number -1`,
  ]);
  assert.equal(consecutiveOf(f.state.current as { rules: Rule[] }), 3);

  // 3. Save the way editors do: write a temporary file beside it, then rename over the original.
  const tmp = join(f.rulesDir, '.10-failures.yaml.swp');
  await writeFile(tmp, failuresRule(4));
  await rename(tmp, file);
  const renamed = await f.next();
  assert.equal(renamed.kind, 'reload');
  assert.equal(consecutiveOf(f.state.current as { rules: Rule[] }), 4);

  // 4. The config file itself: broken (by rename), then fixed (by rename).
  const cfgTmp = join(f.dir, 'sentinel.yaml.tmp');
  await writeFile(cfgTmp, `${CONFIG}bogus: 1\n`);
  await rename(cfgTmp, f.configPath);
  const badConfig = await f.next();
  assert.equal(badConfig.kind, 'invalid');
  assert.deepEqual(badConfig.kind === 'invalid' ? badConfig.errors.map((e) => e.replace(/ \(allowed here.*$/, '')) : [], [
    `${f.configPath}:8:1: bogus: unknown key "bogus"`,
  ]);
  assert.equal(consecutiveOf(f.state.current as { rules: Rule[] }), 4);
  await writeFile(cfgTmp, CONFIG.replace('root: .', 'root: ./deploy'));
  await rename(cfgTmp, f.configPath);
  const fixed = await f.next();
  assert.equal(fixed.kind, 'reload');
  assert.equal(fixed.kind === 'reload' ? fixed.result.config.deployment.root : '', './deploy');

  // 5. A new rule file in the directory, then its removal.
  await writeFile(join(f.rulesDir, '20-more.yaml'), failuresRule(5, 'more'));
  const added = await f.next();
  assert.equal(added.kind, 'reload');
  assert.equal(consecutiveOf(f.state.current as { rules: Rule[] }, 'more'), 5);
  await unlink(join(f.rulesDir, '20-more.yaml'));
  const removed = await f.next();
  assert.equal(removed.kind, 'reload');
  assert.equal(consecutiveOf(f.state.current as { rules: Rule[] }, 'more'), undefined);
});

test('a burst of writes is one reload, a touch without a change is none, and reload() forces one', async (t) => {
  const f = await fixture(t, { debounceMs: 150 });
  const file = join(f.rulesDir, '10-failures.yaml');
  for (let i = 3; i <= 7; i++) {
    await writeFile(file, failuresRule(i));
    await new Promise((r) => setTimeout(r, 10));
  }
  const burst = await f.next();
  assert.equal(burst.kind, 'reload');
  assert.equal(consecutiveOf(f.state.current as { rules: Rule[] }), 7);
  await f.quiet(400);

  const later = new Date(Date.now() + 5000);
  await utimes(file, later, later);
  await writeFile(file, failuresRule(7)); // same bytes again
  await f.quiet(500);

  await f.watcher.reload();
  const forced = await f.next(100);
  assert.equal(forced.kind, 'reload');
});

test('the rules directory deleted and recreated is still watched (its parent is)', async (t) => {
  const f = await fixture(t);
  await rm(f.rulesDir, { recursive: true });
  const gone = await f.next();
  assert.equal(gone.kind, 'invalid');
  assert.match(gone.kind === 'invalid' ? gone.errors[0]! : '', /rules: cannot read the rules path: no such file or directory$/);
  assert.equal(consecutiveOf(f.state.current as { rules: Rule[] }), 2);

  await mkdir(f.rulesDir);
  await writeFile(join(f.rulesDir, 'profiles.yaml'), PROFILES);
  await writeFile(join(f.rulesDir, '10-failures.yaml'), failuresRule(6));
  // Several events arrive while the directory fills: wait for the version that has the rule.
  for (;;) {
    const r = await f.next();
    if (r.kind === 'reload' && consecutiveOf(r.result) === 6) break;
  }
  // And later edits inside the recreated directory are seen too.
  await writeFile(join(f.rulesDir, '10-failures.yaml'), failuresRule(8));
  const after = await f.next();
  assert.equal(after.kind, 'reload');
  assert.equal(consecutiveOf(f.state.current as { rules: Rule[] }), 8);
});

test('files the watcher does not own are ignored: other files beside the config, editor leftovers in rules/', async (t) => {
  const f = await fixture(t);
  await writeFile(join(f.dir, 'notes.txt'), 'hello');
  await writeFile(join(f.rulesDir, 'README.md'), 'hello');
  await writeFile(join(f.rulesDir, '.10-failures.yaml.swp'), 'garbage: [');
  await writeFile(join(f.rulesDir, '10-failures.yaml~'), 'garbage: [');
  await f.quiet(500);
  // The watcher is alive all along: a real change is still reported.
  await writeFile(join(f.rulesDir, '10-failures.yaml'), failuresRule(9));
  assert.equal((await f.next()).kind, 'reload');
  assert.equal(consecutiveOf(f.state.current as { rules: Rule[] }), 9);
});

test('a loader that throws is reported as invalid, and the watcher keeps working', async (t) => {
  let calls = 0;
  const f = await fixture(t, {
    load: async () => {
      calls++;
      if (calls === 1) throw new Error('disk on fire');
      return { ok: true, config: {} as Config, rules: [] };
    },
  });
  await writeFile(join(f.rulesDir, '10-failures.yaml'), failuresRule(3));
  assert.deepEqual(await f.next(), { kind: 'invalid', errors: ['reload failed: disk on fire'] });
  await writeFile(join(f.rulesDir, '10-failures.yaml'), failuresRule(4));
  assert.equal((await f.next()).kind, 'reload');
});

test('after close() nothing more is reported', async (t) => {
  const f = await fixture(t);
  await f.watcher.close();
  await writeFile(join(f.rulesDir, '10-failures.yaml'), failuresRule(3));
  await writeFile(f.configPath, `${CONFIG}bogus: 1\n`);
  await f.quiet(400);
});

test('without a config file (embedded default) a single rules file is watched, through editor renames', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sentinel-watch-file-'));
  const file = join(dir, 'my-rules.yaml');
  await writeFile(file, PROFILES);
  const reports: string[] = [];
  let wake: (() => void) | undefined;
  const watcher = watchConfig({
    rulesPaths: [file],
    load: async () => {
      const r = await loadRules([file]);
      return r.ok ? { ok: true as const, ids: r.rules.map((x) => x.id) } : r;
    },
    onReload: (result) => {
      reports.push(`reload:${result.ids.join(',')}`);
      wake?.();
    },
    onInvalid: (errors) => {
      reports.push(`invalid:${errors.length}`);
      wake?.();
    },
    debounceMs: 80,
  });
  t.after(async () => {
    await watcher.close();
    await rm(dir, { recursive: true, force: true });
  });
  await watcher.ready;
  const waitFor = async (count: number) => {
    const deadline = Date.now() + 5000;
    while (reports.length < count && Date.now() < deadline) await new Promise<void>((r) => ((wake = r), setTimeout(r, 100)));
    assert.ok(reports.length >= count, `only ${reports.join(' ')}`);
  };
  await writeFile(`${file}.new`, `${PROFILES}${failuresRule(2, 'one')}`);
  await rename(`${file}.new`, file);
  await waitFor(1);
  await writeFile(`${file}.new`, 'rules: [');
  await rename(`${file}.new`, file);
  await waitFor(2);
  await writeFile(join(dir, 'unrelated.yaml'), failuresRule(2, 'other'));
  await writeFile(`${file}.new`, `${PROFILES}${failuresRule(2, 'two')}`);
  await rename(`${file}.new`, file);
  await waitFor(3);
  assert.deepEqual(reports, ['reload:one', 'invalid:1', 'reload:two']);
});
