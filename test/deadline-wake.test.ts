// The daemon judges a time-judged rule when its deadline passes, not at its next periodic tick: a
// missed run is reported right after its grace ends although the tick is an hour away (bench/
// container-latency.ts measured 0–30 s after the grace with the 30 s tick alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRules } from '../src/config/load-rules.ts';
import { fileDeployment } from './helpers/file-deployment.ts';
import { createLogger } from '../src/adapters/logger.ts';
import { systemClock } from '../src/adapters/clock.ts';
import type { Notice, Verdict } from '../src/core/types.ts';
import { startSentinel } from '../src/runtime/sentinel.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HOUR = 3_600_000;
const GRACE_MS = 1_000;

test('a missed run is reported within 1 s of its grace ending, with the periodic tick an hour away', { timeout: 30_000 }, async () => {
  // Every 2 s (a six-field line), a job that never runs.
  const { work, config } = fileDeployment(
    'sentinel-wake-',
    '*/2 * * * * * cd /app && python scripts/check_positions.py >> /app/logs/fast.log 2>&1\n',
  );
  try {
    const loaded = await loadRules(join(repo, 'rules'));
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
    const rules = loaded.rules.map((r) =>
      r.kind === 'cron-schedule' ? { ...r, params: { ...r.params, grace: GRACE_MS, jobs: ['fast.log'] } } : r,
    );
    const notices: { notice: Notice; at: number }[] = [];
    const started = await startSentinel({
      config,
      baseDir: work,
      rules,
      profiles: loaded.profiles,
      clock: systemClock,
      notifier: { deliver: async (_key, notice) => void notices.push({ notice, at: Date.now() }), close: async () => {} },
      logger: createLogger({ level: 'silent', secrets: [] }),
      tickMs: HOUR,
    });
    assert.ok(started.ok, started.ok ? '' : started.error);
    const sentinel = started.sentinel;
    try {
      // Without a known release the rule may run as dry-run ("would have fired"): either notice will do.
      const verdictOf = (n: Notice): Pick<Verdict, 'ruleId' | 'label' | 'evidence'> | undefined =>
        n.kind === 'would-fire' ? n.verdict : n.kind === 'incident-opened' ? n.incident : undefined;
      const missed = () => notices.find((n) => verdictOf(n.notice)?.ruleId === 'cron-missed-or-hung');
      const deadline = Date.now() + 15_000;
      while (!missed() && Date.now() < deadline) await sleep(20);
      const seen = missed();
      assert.ok(seen, `no cron-missed-or-hung notice within 15 s; got ${notices.map((n) => n.notice.kind).join(', ') || 'none'}`);
      const verdict = verdictOf(seen.notice)!;
      assert.equal(verdict.label, 'missed');
      // The evidence names the fire time judged; the fault is observable at that time + grace.
      const fire = verdict.evidence[0]!.at!;
      const latency = seen.at - (fire + GRACE_MS);
      assert.ok(latency >= 0 && latency <= 1_000, `reported ${latency} ms after the grace ended`);
    } finally {
      await sentinel.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
