// The pure plan builder: which strategy, which refusal, the exact operations in order, and a plan id
// that is a content hash (same facts → same id; any fact that changes an operation → another id).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPlan as buildPlanWith,
  canonicalJson,
  planSteps,
  composeImageName,
  type ContainerFact,
  type PlanFacts,
} from '../src/core/plan.ts';
import { sha256Hex } from '../src/runtime/sha256.ts';

/** Plans hashed as the engine hashes them. */
const buildPlan = (f: PlanFacts) => buildPlanWith(f, sha256Hex);

const V321 = 'sha256:' + '21'.repeat(32);
const V320 = 'sha256:' + '20'.repeat(32);
const CRON_ID = 'c'.repeat(64);
const DASH_ID = 'd'.repeat(64);
const COMMIT = '238760b' + '0'.repeat(33);
const TREE = 'e'.repeat(40);

function container(name: string, id: string, over: Partial<ContainerFact> = {}): ContainerFact {
  return {
    name,
    id,
    imageId: V321,
    imageRef: `turtle_trading-${name}`,
    status: 'running',
    composeProject: 'turtle_trading',
    composeService: name,
    config: {
      env: ['TELEGRAM_BOT_TOKEN'],
      binds: ['/srv/tt/data:/app/data', '/srv/tt/logs:/app/logs'],
      ports: [],
      restart: 'unless-stopped',
      networks: [{ name: 'turtle_trading_turtle-network', aliases: [name] }],
      labels: 7,
    },
    ...over,
  };
}

function facts(over: Partial<PlanFacts> = {}): PlanFacts {
  return {
    action: 'rollback',
    strategy: 'auto',
    cronContainer: 'turtle-cron',
    configured: ['turtle-cron', 'turtle-dashboard'],
    containers: {
      'turtle-cron': container('turtle-cron', CRON_ID),
      'turtle-dashboard': container('turtle-dashboard', DASH_ID, { status: 'restarting' }),
    },
    backup: { reference: 'turtle-trading:pre-v3.2.1-backup', imageId: V320 },
    rollbackTag: { reference: 'turtle-trading:rollback-v3.2.0' },
    composeSeparator: '-',
    composeImages: { 'turtle_trading-turtle-cron': V321, 'turtle_trading-turtle-dashboard': V321 },
    git: {
      enabled: true,
      facts: {
        repo: '/srv/tt',
        head: 'f'.repeat(40),
        branch: 'main',
        dirty: [],
        requested: '238760b',
        target: { commit: COMMIT, tree: TREE },
        branchName: 'rollback/v3.2.1-to-v3.2.0',
        dockerfile: 'Dockerfile',
      },
    },
    verify: { crontabRuns: ['signal_check.py'], crontabDoesNotRun: ['check_positions.py'], files: ['/app/scripts/signal_check.py'] },
    failedTargets: [],
    force: false,
    display: { dataDir: 'data', logsDir: 'logs' },
    ...over,
  };
}

describe('plan: content hash', () => {
  it('plan ids stay those of earlier releases (they are journaled and approved by id)', () => {
    const ids = [facts(), facts({ action: 'halt' }), facts({ strategy: 'git' })].map((f) => {
      const r = buildPlan(f);
      return r.ok ? r.plan.id : r.reason;
    });
    assert.deepEqual(ids, ['f446ebd019d21288', '5b7cb9ecf6a31835', 'da288b2d3199f8cb']);
  });

  it('sha256Hex hashes the UTF-8 bytes of a string', () => {
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256Hex('=== 시그널 체크 완료 ==='), sha256Hex(new TextEncoder().encode('=== 시그널 체크 완료 ===')));
  });

  it('canonical JSON ignores key order', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });

  it('the same facts give the same id; a changed container, image or target gives another', () => {
    const a = buildPlan(facts());
    const b = buildPlan(facts());
    assert.ok(a.ok && b.ok);
    assert.equal(a.plan.id, b.plan.id);
    assert.match(a.plan.id, /^[0-9a-f]{16}$/);
    const recreated = buildPlan(facts({ containers: { ...facts().containers, 'turtle-cron': container('turtle-cron', 'a'.repeat(64)) } }));
    const otherBackup = buildPlan(
      facts({ backup: { reference: 'turtle-trading:pre-v3.2.1-backup', imageId: 'sha256:' + '99'.repeat(32) } }),
    );
    const otherEnv = buildPlan(
      facts({
        containers: {
          ...facts().containers,
          'turtle-cron': container('turtle-cron', CRON_ID, { config: { ...container('x', CRON_ID).config, env: [] } }),
        },
      }),
    );
    for (const other of [recreated, otherBackup, otherEnv]) {
      assert.ok(other.ok);
      assert.notEqual(other.plan.id, a.plan.id);
    }
  });
});

describe('plan: image-tag strategy', () => {
  it('recreates the cron container first, then the others, tags compose names, verifies, removes the old ones last', () => {
    const r = buildPlan(facts());
    assert.ok(r.ok);
    assert.equal(r.plan.strategy, 'image-tag');
    assert.equal(r.plan.preview.targetImageId, V320);
    assert.equal(r.plan.target, `image:${V320}`);
    assert.deepEqual(
      r.plan.ops.map((o) => ('container' in o ? `${o.op} ${o.container}` : o.op)),
      [
        'preflight turtle-cron',
        'backup',
        'stop turtle-cron',
        'rename turtle-cron',
        'create turtle-cron',
        'start turtle-cron',
        'stop turtle-dashboard',
        'rename turtle-dashboard',
        'create turtle-dashboard',
        'start turtle-dashboard',
        'tag',
        'verify',
        'remove-old',
      ],
    );
    assert.equal(r.plan.preview.steps.length, r.plan.ops.length);
    assert.equal(
      r.plan.preview.steps[3],
      'rename turtle-cron to turtle-cron-pre-rollback-cccccccccccc (kept, stopped, until verification passes)',
    );
    assert.match(
      r.plan.preview.steps[4]!,
      /^create turtle-cron from the configuration of cccccccccccc with image 202020202020 pinned by ID: env TELEGRAM_BOT_TOKEN; binds \/srv\/tt\/data:\/app\/data, \/srv\/tt\/logs:\/app\/logs; restart unless-stopped; networks turtle_trading_turtle-network \[turtle-cron\]; 7 labels$/,
    );
    assert.equal(
      r.plan.preview.steps[10],
      'tag image 202020202020 as turtle_trading-turtle-cron (now 212121212121), turtle_trading-turtle-dashboard (now 212121212121), so that a plain compose recreate runs it too',
    );
    assert.match(r.plan.preview.steps[1]!, /positions\.json\.pre-rollback-<YYYYmmdd_HHMMSS>/);
    // The Korean lines describe the same operations, one for one; names and IDs are the same data.
    const ko = planSteps(r.plan.preview, 'ko');
    assert.equal(ko.length, r.plan.ops.length);
    assert.equal(ko[3], 'turtle-cron의 이름을 turtle-cron-pre-rollback-cccccccccccc로 변경 (검증을 통과할 때까지 정지 상태로 보관)');
    assert.equal(
      ko[10],
      '이미지 202020202020에 turtle_trading-turtle-cron (현재 212121212121), turtle_trading-turtle-dashboard (현재 212121212121) 태그 지정: compose로 다시 만들어도 이 이미지가 실행되도록',
    );
    assert.deepEqual(planSteps(r.plan.preview, 'en'), r.plan.preview.steps);
    assert.deepEqual(
      planSteps({ steps: r.plan.preview.steps }, 'ko'),
      r.plan.preview.steps,
      'a plan made before Korean lines existed shows English',
    );
    // Values of environment variables (secrets) never appear in a plan.
    assert.ok(!JSON.stringify(r.plan).includes('=secret'));
  });

  it('compose v1 separator gives <project>_<service>', () => {
    assert.equal(composeImageName({ composeProject: 'turtle_trading', composeService: 'turtle-cron' }, '_'), 'turtle_trading_turtle-cron');
    assert.equal(composeImageName({}, '-'), undefined);
  });

  it('refuses when the backup tag names the image already running (deploy script run twice)', () => {
    const r = buildPlan(facts({ backup: { reference: 'turtle-trading:pre-v3.2.1-backup', imageId: V321 } }));
    assert.ok(!r.ok);
    assert.match(r.reason, /already run turtle-trading:pre-v3\.2\.1-backup/);
  });

  it('refuses a missing backup tag when image-tag is asked for, and suggests git', () => {
    const r = buildPlan(facts({ strategy: 'image-tag', backup: { reference: 'turtle-trading:pre-v3.2.1-backup' } }));
    assert.deepEqual(r, {
      ok: false,
      reason: 'backup tag turtle-trading:pre-v3.2.1-backup does not exist: use the git strategy (rollback --strategy git)',
    });
  });
});

describe('plan: git strategy and refusals', () => {
  it('falls back to git without a backup tag: build before any change, checkout after the containers', () => {
    const r = buildPlan(facts({ backup: { reference: 'turtle-trading:pre-v3.2.1-backup' } }));
    assert.ok(r.ok);
    assert.equal(r.plan.strategy, 'git');
    assert.equal(r.plan.target, `commit:${COMMIT}`);
    assert.equal(r.plan.preview.targetImageId, undefined);
    const ops = r.plan.ops.map((o) => o.op);
    assert.deepEqual(ops.slice(0, 3), ['preflight', 'build', 'backup']);
    assert.deepEqual(ops.slice(-4), ['tag', 'git-checkout', 'verify', 'remove-old']);
    assert.match(
      r.plan.preview.steps[1]!,
      /^build the image of commit 238760b00000 \(tree eeeeeeeeeeee\) of \/srv\/tt through the Docker API \(Dockerfile\) and tag it turtle-trading:rollback-v3\.2\.0/,
    );
    assert.match(
      r.plan.preview.steps.at(-3)!,
      /^create branch rollback\/v3\.2\.1-to-v3\.2\.0 at 238760b00000 and check it out in \/srv\/tt \(was main\)$/,
    );
  });

  it('missing backup tag with git disabled', () => {
    const r = buildPlan(facts({ backup: { reference: 'turtle-trading:pre-v3.2.1-backup' }, git: { enabled: false } }));
    assert.deepEqual(r, {
      ok: false,
      reason: 'backup tag turtle-trading:pre-v3.2.1-backup does not exist, and the git strategy is disabled (rollback.git.enabled: false)',
    });
  });

  it('dirty tree, unknown commit, a branch elsewhere', () => {
    const git = facts().git.facts!;
    const dirty = buildPlan(
      facts({ strategy: 'git', git: { enabled: true, facts: { ...git, dirty: [' M crontab', ' M scripts/check_positions.py'] } } }),
    );
    assert.ok(!dirty.ok);
    assert.match(dirty.reason, /has uncommitted changes \( M crontab,  M scripts\/check_positions\.py\)/);
    const { target: _t, ...noTarget } = git;
    const unknown = buildPlan(facts({ strategy: 'git', git: { enabled: true, facts: noTarget } }));
    assert.deepEqual(unknown, { ok: false, reason: 'commit 238760b does not exist in /srv/tt' });
    const elsewhere = buildPlan(facts({ strategy: 'git', git: { enabled: true, facts: { ...git, branchAt: 'a'.repeat(40) } } }));
    assert.ok(!elsewhere.ok);
    assert.match(elsewhere.reason, /branch rollback\/v3\.2\.1-to-v3\.2\.0 already exists at aaaaaaaaaaaa/);
  });

  it('a configured container that does not exist', () => {
    const r = buildPlan(facts({ configured: ['turtle-cron', 'turtle-dashboard', 'turtle-ghost'] }));
    assert.ok(!r.ok);
    assert.match(r.reason, /^configured container turtle-ghost not found/);
  });

  it('a target that failed verification is refused unless forced', () => {
    const failedTargets = [{ target: `image:${V320}`, at: 0, detail: 'crontab still runs check_positions.py' }];
    const refused = buildPlan(facts({ strategy: 'image-tag', failedTargets }));
    assert.ok(!refused.ok);
    assert.match(
      refused.reason,
      /image 202020202020 failed verification before \(crontab still runs check_positions\.py\); it is never retried automatically/,
    );
    const forced = buildPlan(facts({ strategy: 'image-tag', failedTargets, force: true }));
    assert.ok(forced.ok);
    assert.equal(forced.plan.id, (buildPlan(facts()) as { plan: { id: string } }).plan.id, 'forcing does not change the plan itself');
  });

  it('auto: a backup image that failed before gives way to the git strategy, which builds the target commit', () => {
    const failedTargets = [{ target: `image:${V320}`, at: 0, detail: 'image 202020202020 is not v3.2.0' }];
    const r = buildPlan(facts({ failedTargets }));
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.plan.strategy, 'git');
    assert.equal(r.plan.target, `commit:${COMMIT}`);
    const noGit = buildPlan(facts({ failedTargets, git: { enabled: false } }));
    assert.deepEqual(noGit, {
      ok: false,
      reason:
        'image 202020202020 of backup tag turtle-trading:pre-v3.2.1-backup failed verification before (image 202020202020 is not v3.2.0); it is never retried automatically: an operator can force it from the CLI (rollback --force), and the git strategy is disabled (rollback.git.enabled: false)',
    });
    const forced = buildPlan(facts({ failedTargets, force: true }));
    assert.ok(forced.ok);
    assert.equal(forced.plan.strategy, 'image-tag', 'forced: the operator chose to try the backup image again');
  });
});

describe('plan: halt and resume', () => {
  it('halt stops only the cron container, after the job check; refused when already stopped', () => {
    const r = buildPlan(facts({ action: 'halt' }));
    assert.ok(r.ok);
    assert.deepEqual(r.plan.preview.steps, [
      'check that no job runs in turtle-cron (otherwise defer)',
      'stop turtle-cron (container cccccccccccc): the scheduled jobs stop; nothing else is touched',
    ]);
    assert.deepEqual(planSteps(r.plan.preview, 'ko'), [
      'turtle-cron에서 실행 중인 작업이 없는지 확인 (있으면 보류)',
      'turtle-cron (컨테이너 cccccccccccc) 정지: 예약된 작업이 멈춤; 다른 것은 건드리지 않음',
    ]);
    const stopped = { ...facts().containers, 'turtle-cron': container('turtle-cron', CRON_ID, { status: 'exited' }) };
    assert.deepEqual(buildPlan(facts({ action: 'halt', containers: stopped })), {
      ok: false,
      reason: 'turtle-cron is already stopped (exited): nothing to halt',
    });
    const resume = buildPlan(facts({ action: 'resume', containers: stopped }));
    assert.ok(resume.ok);
    assert.deepEqual(resume.plan.preview.steps, ['start turtle-cron (container cccccccccccc)']);
    assert.deepEqual(buildPlan(facts({ action: 'resume' })), { ok: false, reason: 'turtle-cron is already running: nothing to resume' });
  });
});
