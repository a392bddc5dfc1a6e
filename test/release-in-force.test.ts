// The release in force, through the core's step with the bundled rules: a release recognised only as
// the closest is said once, its release-dependent rules report "would have fired" and never act until
// the operator confirms it (`/arm`, or deployment.release in sentinel.yaml); an exact recognition acts
// at once. And supercronic's lines as a second witness of runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../src/config/load-rules.ts';
import { configSchema } from '../src/config/schema.ts';
import type { CronInspection } from '../src/core/cron-inspection.ts';
import { renderNotice } from '../src/core/messages.ts';
import { renderStatus } from '../src/core/status-text.ts';
import { initialState, step, type CoreState, type StepContext } from '../src/core/step.ts';
import type { Event, Notice, OperatorIdentity, Verdict } from '../src/core/types.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';
import { releaseEntry } from './helpers/release-entry.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SEC = 1_000;
const MIN = 60 * SEC;
const OPERATOR: OperatorIdentity = { channel: 'telegram', userId: 111, chatId: -100 };
/** Tuesday 2026-03-03 16:00 KST: check_positions.py fires for the KR market. */
const KR_FIRE = Date.parse('2026-03-03T16:00:00+09:00');
const CRONTAB = readFileSync(join(repo, 'test/fixtures/crontab-supercronic'), 'utf8');
const CHECK = '/app/scripts/check_positions.py';
const full = (short: string) => short.padEnd(40, '0');
const CATALOGUE = [
  releaseEntry({ release: 'v3.9.0', runner: 'supercronic', files: { '/app/crontab': 'c60150c', [CHECK]: '180d426' } }),
  releaseEntry({ release: 'v3.9.1', runner: 'supercronic', files: { '/app/crontab': 'c60150c', [CHECK]: 'd565213' } }),
];

function inspection(checkBlob: string): CronInspection {
  return {
    container: 'turtle-cron',
    status: 'running',
    imageId: 'sha256:feed',
    entrypoint: ['/app/entrypoint.sh'],
    command: ['supercronic', '/app/crontab'],
    user: '1000',
    files: { '/app/crontab': full('c60150c'), [CHECK]: full(checkBlob) },
    crontab: { kind: 'command-file', path: '/app/crontab', text: CRONTAB },
    problems: [],
  };
}

async function context(deployment: Record<string, unknown> = {}): Promise<StepContext> {
  const loaded = await loadRules(join(repo, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  const config = configSchema.parse({ deployment: { root: '.', ...deployment }, telegram: { allowedUserIds: [111] } });
  const ctx = stepContextOf(config, loaded.rules, loaded.profiles, undefined, CATALOGUE);
  return { ...ctx, policy: { ...ctx.policy, chatId: -100 } };
}

class Core {
  state: CoreState;
  notices: Notice[] = [];
  journal: string[] = [];
  constructor(
    readonly ctx: StepContext,
    public now: number,
  ) {
    this.state = initialState(now);
    this.send({ kind: 'startup', at: now, seed: 's-' });
  }
  send(event: Event): void {
    const r = step(this.state, event, this.ctx);
    this.state = r.state;
    for (const e of r.effects) if (e.kind === 'notify') this.notices.push(e.notice);
    this.journal.push(...r.journal.map((j) => j.summary));
  }
  /** What the observer emits for one look into the cron container. */
  look(checkBlob: string): void {
    this.send({ kind: 'cron-inspection', inspection: inspection(checkBlob), observedAt: this.now });
    this.send({
      kind: 'crontab',
      crontab: { text: CRONTAB, source: 'container', via: { kind: 'command-file', path: '/app/crontab' }, observedAt: this.now },
    });
    this.send({
      kind: 'container',
      container: { name: 'turtle-cron', status: 'running', restartCount: 0, startedAt: this.now - 3_600 * SEC, observedAt: this.now },
    });
  }
  tick(at: number): void {
    this.now = at;
    this.send({ kind: 'tick', now: at });
  }
  kinds(kind: Notice['kind']): Notice[] {
    return this.notices.filter((n) => n.kind === kind);
  }
  incidentsOf(ruleId: string) {
    return this.state.incidents.incidents.filter((i) => i.ruleId === ruleId);
  }
  verdicts(ruleId: string): Verdict[] {
    return this.state.lastVerdicts[ruleId] ?? [];
  }
}

describe('release in force (core step, bundled rules)', () => {
  it('closest: said once, release-dependent rules in dry-run until /arm confirms it', async () => {
    const core = new Core(await context(), KR_FIRE - 30 * MIN);
    core.look('1234567');
    core.look('1234567');
    assert.equal(core.state.release?.release.release, 'v3.9.1');
    assert.equal(core.state.release?.certainty, 'closest');
    const unsure = core.kinds('release-unsure');
    assert.equal(unsure.length, 1, 'one notice, not one per look');
    assert.equal(
      renderNotice(unsure[0]!, 'en', 'Asia/Seoul'),
      [
        '❔ Release recognised only as the closest catalogued one: v3.9.1',
        '  - no catalogued release matches exactly; the closest is v3.9.1 (1 of 2 files match)',
        '  - /app/scripts/check_positions.py differs: d565213 expected, 1234567 found',
        '  - rules that depend on the release run as dry-run until v3.9.1 is confirmed (/arm, or deployment.release: v3.9.1 in sentinel.yaml)',
      ].join('\n'),
    );
    assert.match(
      renderNotice(unsure[0]!, 'ko', 'Asia/Seoul'),
      /^❔ 릴리스를 정확히 식별하지 못해 가장 가까운 카탈로그 항목으로 판단: v3.9.1\n/,
    );

    const status = renderStatus(core.state, 'en', 'Asia/Seoul', core.now).split('\n');
    assert.ok(status.includes('version: v3.9.1 (closest release, unconfirmed: /arm to confirm)'), status.join('\n'));
    assert.ok(status.includes("schedule from: the file the container's command names, <code>/app/crontab</code>"), status.join('\n'));

    // 16:00 passes with no start of check_positions.py: the rule fails, but only says it would have fired.
    core.tick(KR_FIRE + 15 * MIN);
    assert.ok(core.verdicts('cron-missed-or-hung').some((v) => v.outcome === 'fail' && v.cause.includes('check_kr.log')));
    assert.equal(core.incidentsOf('cron-missed-or-hung').length, 0, 'no incident while the release is unsure');
    assert.equal(core.kinds('would-fire').length, 1);

    core.send({ kind: 'operator', command: { kind: 'arm' }, by: OPERATOR, at: core.now });
    assert.equal(core.state.release?.confirmed, true);
    assert.ok(
      renderStatus(core.state, 'en', 'Asia/Seoul', core.now).includes('version: v3.9.1 (closest release, confirmed by the operator)'),
    );
    core.tick(KR_FIRE + 16 * MIN);
    assert.equal(core.incidentsOf('cron-missed-or-hung').length, 1, 'confirmed: the missed run opens its incident');
    // The version the notices and status show is the release, never a version string.
    assert.equal(core.state.fingerprint.version, 'v3.9.1');
  });

  it('closest confirmed by deployment.release in sentinel.yaml: acts, and says nothing of being unsure', async () => {
    const core = new Core(await context({ release: 'v3.9.1' }), KR_FIRE - 30 * MIN);
    core.look('1234567');
    assert.equal(core.state.release?.confirmed, true);
    assert.equal(core.kinds('release-unsure').length, 0);
    core.tick(KR_FIRE + 15 * MIN);
    assert.equal(core.incidentsOf('cron-missed-or-hung').length, 1);
  });

  it('exact: acts at once; a change of release is one version notice', async () => {
    const core = new Core(await context(), KR_FIRE - 30 * MIN);
    core.look('d565213');
    assert.deepEqual([core.state.release?.release.release, core.state.release?.certainty], ['v3.9.1', 'exact']);
    assert.equal(core.kinds('release-unsure').length, 0);
    core.tick(KR_FIRE + 15 * MIN);
    assert.equal(core.incidentsOf('cron-missed-or-hung').length, 1);
    core.look('180d426');
    core.look('180d426');
    const changed = core.kinds('version-changed');
    assert.equal(changed.length, 1);
    assert.match(renderNotice(changed[0]!, 'en', 'Asia/Seoul'), /^🔁 Deployed version changed: v3\.9\.1 → v3\.9\.0\n/);
  });

  it('rules that do not depend on the release act while it is unsure (container state)', async () => {
    const core = new Core(await context(), KR_FIRE - 30 * MIN);
    core.look('1234567');
    core.send({
      kind: 'container',
      container: { name: 'turtle-cron', status: 'exited', restartCount: 0, observedAt: core.now },
    });
    core.tick(KR_FIRE - 10 * MIN);
    const fired = core.state.incidents.incidents.filter((i) => i.ruleId !== 'cron-missed-or-hung');
    assert.ok(
      fired.some((i) => i.cause.includes('turtle-cron')),
      JSON.stringify(core.state.incidents.incidents.map((i) => i.ruleId)),
    );
  });
});

describe('supercronic as a second witness (core step)', () => {
  const command = 'cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1';
  const line = (at: number, rest: string) =>
    `time="${new Date(at + 9 * 3_600 * SEC).toISOString().slice(0, 19)}+09:00" ${rest} iteration=0 job.command="${command}" job.position=0 job.schedule="0 16 * * 1-5"`;

  it('a start seen only by supercronic is a start (no false missed run); exit status 1 is a failed run', async () => {
    const core = new Core(await context({ release: 'v3.9.1' }), KR_FIRE - 30 * MIN);
    core.look('d565213');
    core.send({ kind: 'runner-lines', lines: [{ text: line(KR_FIRE, 'level=info msg=starting') }], observedAt: KR_FIRE + SEC });
    core.tick(KR_FIRE + 15 * MIN);
    const cron = core.verdicts('cron-missed-or-hung').find((v) => v.cause.includes('check_kr.log'));
    assert.equal(cron?.message?.key, 'cron.on-time', JSON.stringify(cron));
    assert.equal(core.incidentsOf('cron-missed-or-hung').length, 0);

    core.send({
      kind: 'runner-lines',
      lines: [{ text: line(KR_FIRE + 20 * MIN, 'level=error msg="error running command: exit status 1"') }],
      observedAt: KR_FIRE + 20 * MIN,
    });
    core.tick(KR_FIRE + 21 * MIN);
    const runs = core.state.runnerRuns?.['check_kr.log'] ?? [];
    assert.deepEqual(
      runs.map((r) => [r.end, r.exitStatus]),
      [['failed', 1]],
    );
    const failures = core.verdicts('check-repeated-failures').find((v) => v.cause.includes('check_kr.log'));
    assert.equal(failures?.warningMessage?.key, 'failures.below-warning', JSON.stringify(failures));
    assert.deepEqual(failures?.warningMessage?.key === 'failures.below-warning' ? failures.warningMessage.params.latest : undefined, {
      kind: 'exit-status',
      text: 'error running command: exit status 1',
    });
  });

  it('`not starting: job is still running` makes the open run a hung run', async () => {
    const core = new Core(await context({ release: 'v3.9.1' }), KR_FIRE - 30 * MIN);
    core.look('d565213');
    core.send({ kind: 'runner-lines', lines: [{ text: line(KR_FIRE, 'level=info msg=starting') }], observedAt: KR_FIRE + SEC });
    core.send({
      kind: 'runner-lines',
      lines: [
        {
          text: line(
            KR_FIRE + 2 * MIN,
            'level=warning msg="not starting: job is still running since 2026-03-03 16:00:00 +0900 KST (2m0s elapsed)"',
          ),
        },
      ],
      observedAt: KR_FIRE + 2 * MIN,
    });
    core.tick(KR_FIRE + 3 * MIN);
    const cron = core.verdicts('cron-missed-or-hung').find((v) => v.cause.includes('check_kr.log'));
    assert.equal(cron?.outcome, 'fail', JSON.stringify(cron));
    assert.equal(cron?.message?.key, 'cron.hung');
  });
});
