// A rollback goes to the running release's catalogued predecessor, and never into a release that cannot
// load the current state files: v3.9.x writes `entry_reason`, v3.8.1's `cls(**data)` crashes on it. The
// plan is blocked, names the reason, the target and the offending records by file, and the incident
// escalates; nothing is backed up, stopped, renamed or recreated, whatever the approval policy. Also: a
// Debian-cron target is recreated as root, and the target's verify spec is the plan's.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlan, planSteps, type ContainerFact, type PlanFacts } from '../src/core/plan.ts';
import { blockedReason, chooseRollbackTarget, loadBlock, targetUser, verifySpecFor } from '../src/core/rollback-target.ts';
import { renderMessage } from '../src/core/verdict-text.ts';
import { sha256Hex } from '../src/runtime/sha256.ts';
import { loadRules } from '../src/config/load-rules.ts';
import { configSchema, type Rule } from '../src/config/schema.ts';
import { rollbackConfigSchema } from '../src/config/rollback-schema.ts';
import { initialState, step, type CoreState, type StepContext } from '../src/core/step.ts';
import type { Effect, Event, Notice } from '../src/core/types.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';
import { createRollbackEngine } from '../src/runtime/rollback/engine.ts';
import { pino } from 'pino';
import { createDockerFake, runningContainer } from './fakes/docker-fake.ts';
import { inForce, renamed, V320, V381, V391 } from './helpers/releases.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE = readFileSync(join(repo, 'test/fixtures/json/good/positions.json'), 'utf8');
const IDS = (JSON.parse(SAMPLE) as { position_id: string }[]).map((r) => r.position_id);
/** positions.json as v3.9.x saves it: `entry_reason` on every record. */
const V39_FILE = JSON.stringify((JSON.parse(SAMPLE) as object[]).map((r) => ({ ...r, entry_reason: null })));
/** A catalogue chain v3.8.1 → v3.9.0 → v3.9.1 (v3.9.0 drops unknown keys like v3.9.1). */
const V390 = renamed(V391, 'v3.9.0', 'v3.8.1', '28f0297');
const CATALOGUE = [V320, V381, V390, V391];
/** v3.9.1 in a catalogue that goes straight back to v3.8.1 (the rollback the trap is about). */
const V391_AFTER_V381 = renamed(V391, 'v3.9.1', 'v3.8.1');

const CRON_ID = 'c'.repeat(64);
const IMAGE = 'sha256:' + '39'.repeat(32);
const BACKUP = 'sha256:' + '38'.repeat(32);

function container(name: string, id: string, user?: string): ContainerFact {
  return {
    name,
    id,
    imageId: IMAGE,
    imageRef: `turtle_trading-${name}`,
    status: 'running',
    config: { ...(user ? { user } : {}), env: [], binds: [], ports: [], restart: 'unless-stopped', networks: [], labels: 0 },
  };
}

function facts(over: Partial<PlanFacts> = {}): PlanFacts {
  return {
    action: 'rollback',
    strategy: 'image-tag',
    cronContainer: 'turtle-cron',
    configured: ['turtle-cron'],
    containers: { 'turtle-cron': container('turtle-cron', CRON_ID, '1000:1000') },
    backup: { reference: 'turtle-trading:pre-v3.9.1-backup', imageId: BACKUP },
    rollbackTag: { reference: 'turtle-trading:rollback' },
    composeSeparator: '-',
    composeImages: {},
    git: { enabled: false },
    verify: verifySpecFor({}, V381),
    failedTargets: [],
    force: false,
    display: { dataDir: 'data', logsDir: 'logs' },
    ...over,
  };
}

describe('the rollback target and whether it can load the current files (pure)', () => {
  it('is the predecessor of the running release, or the release the operator names', () => {
    assert.deepEqual(chooseRollbackTarget(CATALOGUE, V391, undefined), { ok: true, target: V390 });
    assert.deepEqual(chooseRollbackTarget(CATALOGUE, V391, 'v3.8.1'), { ok: true, target: V381 });
    assert.deepEqual(chooseRollbackTarget(CATALOGUE, undefined, undefined), { ok: true });
    assert.deepEqual(chooseRollbackTarget(CATALOGUE, V391, 'v3.1.0'), {
      ok: false,
      reason: 'rollback.targetRelease v3.1.0 is not in the release catalogue',
    });
    assert.deepEqual(chooseRollbackTarget(CATALOGUE, V320, undefined), {
      ok: false,
      reason: 'v3.2.0 is the oldest catalogued release: there is no predecessor to roll back to',
    });
    // V381's predecessor v3.8.0 is not in this catalogue.
    assert.deepEqual(chooseRollbackTarget(CATALOGUE, V381, undefined), {
      ok: false,
      reason: 'the predecessor v3.8.0 of v3.8.1 is not in the release catalogue',
    });
  });

  it('v3.9.1 → v3.8.1 with a v3.9.x positions.json is blocked, naming the reason, the target and every record', () => {
    const release = { target: V381, from: 'v3.9.1', records: { positions: JSON.parse(V39_FILE) as unknown[] } };
    const r = buildPlan(facts({ release }), sha256Hex);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.blocked);
    assert.deepEqual(
      r.blocked.records.map((x) => `${x.file} ${x.record} ${x.unknown.join(',')}`),
      IDS.map((id) => `positions.json ${id} entry_reason`),
    );
    assert.equal(
      r.reason,
      `rollback blocked: the target v3.8.1 (c4cbf46) cannot load the current state files written by v3.9.1: ${IDS.map((id) => `positions.json ${id}: unknown entry_reason`).join('; ')}; nothing was stopped, backed up or recreated`,
    );
    assert.equal(r.reason, blockedReason(r.blocked));
  });

  it('an entry missing a key the target requires blocks too; a target that drops unknown keys does not', () => {
    const entries = [{ entry_id: 'E1', position_id: IDS[0], entry_date: '2026-02-05', entry_price: 521.3, shares: 4, pyramid_level: 0 }];
    const block = loadBlock({ target: V390, records: { positions: JSON.parse(V39_FILE) as unknown[], entries } });
    assert.deepEqual(block?.records, [{ file: 'entries.json', record: 'E1', unknown: [], missing: ['n_value'] }]);
    const fine = buildPlan(facts({ release: { target: V390, records: { positions: JSON.parse(V39_FILE) as unknown[] } } }), sha256Hex);
    assert.equal(fine.ok, true);
    // A supercronic target keeps the container's own user.
    assert.ok(fine.ok && fine.plan.ops.every((op) => op.op !== 'create' || op.user === undefined));
  });

  it('a Debian-cron target is recreated as root, and the plan says so in both languages', () => {
    const release = { target: V320, from: 'v3.2.1', records: { positions: JSON.parse(SAMPLE) as unknown[] } };
    const r = buildPlan(facts({ release, verify: verifySpecFor({}, V320) }), sha256Hex);
    assert.ok(r.ok, !r.ok ? r.reason : '');
    const create = r.plan.ops.find((op) => op.op === 'create');
    assert.ok(create?.op === 'create');
    assert.equal(create.user, 'root');
    const index = r.plan.ops.indexOf(create);
    assert.equal(
      planSteps(r.plan.preview, 'en')[index],
      'create turtle-cron from the configuration of cccccccccccc with image 383838383838 pinned by ID: user root; no env of its own; restart unless-stopped; 0 labels (user root instead of 1000:1000: the target runs Debian cron, which needs root)',
    );
    assert.equal(
      planSteps(r.plan.preview, 'ko')[index],
      'cccccccccccc의 설정으로 turtle-cron 생성, 이미지 383838383838를 ID로 고정: user root; no env of its own; restart unless-stopped; 0 labels (1000:1000 대신 사용자 root: 대상 릴리스는 root가 필요한 Debian cron으로 실행됨)',
    );
    assert.equal(targetUser(V320, 'root'), undefined);
    assert.equal(targetUser(V320, undefined), undefined);
    assert.equal(targetUser(V381, '1000:1000'), undefined);
  });

  it("an image-tag plan reads the target's recognition files from the created cron container before starting it; a git plan does not", () => {
    const release = { target: V390, from: 'v3.9.1', records: { positions: JSON.parse(V39_FILE) as unknown[] } };
    const r = buildPlan(
      facts({
        release,
        configured: ['turtle-cron', 'turtle-dashboard'],
        containers: {
          'turtle-cron': container('turtle-cron', CRON_ID, '1000:1000'),
          'turtle-dashboard': container('turtle-dashboard', 'd'.repeat(64), '1000:1000'),
        },
      }),
      sha256Hex,
    );
    assert.ok(r.ok, !r.ok ? r.reason : '');
    const ops = r.plan.ops.map((op) => ('container' in op ? `${op.op} ${op.container}` : op.op));
    const at = ops.indexOf('release-check turtle-cron');
    assert.deepEqual(ops.slice(at - 1, at + 2), ['create turtle-cron', 'release-check turtle-cron', 'start turtle-cron']);
    assert.ok(at < ops.indexOf('stop turtle-dashboard'), 'checked before the other containers are even stopped');
    assert.equal(ops.filter((o) => o.startsWith('release-check')).length, 1, 'one image, checked once');
    const check = r.plan.ops[at];
    assert.ok(check?.op === 'release-check');
    assert.deepEqual(check.files, V390.recognition.files);
    assert.equal(check.release, 'v3.9.0');
    const paths = Object.keys(V390.recognition.files).join(', ');
    assert.equal(
      planSteps(r.plan.preview, 'en')[at],
      `before starting it, read ${paths} from the created turtle-cron and compare them with v3.9.0's (git blob ids of the release catalogue): if image 383838383838 is not v3.9.0, nothing is started on it and the original containers are restored`,
    );
    assert.equal(
      planSteps(r.plan.preview, 'ko')[at],
      `시작하기 전에 생성된 turtle-cron에서 ${paths}를 읽어 v3.9.0의 것과 비교 (릴리스 카탈로그의 git blob id): 이미지 383838383838의 파일이 v3.9.0의 것과 다르면 그 이미지로는 아무것도 시작하지 않고 원래 컨테이너를 되돌림`,
    );
    // Without a catalogued target there is nothing to compare with: the runbook's verification decides.
    const bare = buildPlan(facts(), sha256Hex);
    assert.ok(bare.ok && bare.plan.ops.every((op) => op.op !== 'release-check'));
  });

  it("the verification is the target's unless configured", () => {
    assert.deepEqual(verifySpecFor({}, V381), V381.verify);
    assert.deepEqual(verifySpecFor({}, undefined), {
      crontabRuns: ['signal_check.py'],
      crontabDoesNotRun: ['check_positions.py'],
      files: ['/app/scripts/signal_check.py'],
    });
    assert.deepEqual(verifySpecFor({ crontabRuns: ['x.py'] }, V381).crontabRuns, ['x.py']);
    const r = buildPlan(facts({ verify: verifySpecFor({}, V381) }), sha256Hex);
    assert.ok(r.ok);
    const verify = r.plan.ops.find((op) => op.op === 'verify');
    assert.deepEqual(verify?.op === 'verify' && verify.spec, V381.verify);
  });
});

// --- Through the real core, the bundled rules and the engine over the Docker fake ---------------

const SEC = 1_000;
const MIN = 60 * SEC;
const KR_FIRE = Date.parse('2026-03-03T16:00:00+09:00');
const stamp = (at: number) => new Date(at).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
const info = (at: number, text: string) => `${stamp(at)} - __main__ - INFO - ${text}`;
const START = '=== 통합 포지션 & 시그널 체크 시작 ===';
const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/app/scripts/check_positions.py", line 546, in <module>',
  "KeyError: 'units'",
];

async function bundledContext(approval: Rule['approval']): Promise<StepContext> {
  const loaded = await loadRules(join(repo, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  const rules = loaded.rules.map((r) => (r.id === 'check-repeated-failures' ? { ...r, approval } : r));
  const config = configSchema.parse({ deployment: { root: '.' }, telegram: { allowedUserIds: [111] } });
  const ctx = stepContextOf(config, rules, loaded.profiles);
  return { ...ctx, policy: { ...ctx.policy, chatId: -100 } };
}

/** A v3.9.1 deployment on the Docker fake, with a v3.9.x positions.json in a real data directory. */
function deployment() {
  const root = mkdtempSync(join(tmpdir(), 'blocked-rollback-'));
  const dataDir = join(root, 'data');
  mkdirSync(join(dataDir, 'positions'), { recursive: true });
  writeFileSync(join(dataDir, 'positions/positions.json'), V39_FILE);
  const docker = createDockerFake();
  docker.containers.set('turtle-cron', {
    doc: runningContainer('turtle-cron', IMAGE, { Config: { Image: 'turtle_trading-turtle-cron', User: '1000:1000' } }),
  });
  docker.containers.set('turtle-dashboard', { doc: runningContainer('turtle-dashboard', IMAGE) });
  docker.images.set(IMAGE, { Id: IMAGE, Config: {} });
  docker.images.set('turtle-trading:pre-v3.2.1-backup', { Id: BACKUP, Config: {} });
  const engine = createRollbackEngine({
    docker,
    config: rollbackConfigSchema.parse({ git: { enabled: false } }),
    deployment: {
      root,
      dataDir,
      logsDir: join(root, 'logs'),
      containers: ['turtle-cron', 'turtle-dashboard'],
      cronContainer: 'turtle-cron',
    },
    stateDir: join(root, 'state'),
    now: () => KR_FIRE,
    logger: pino({ level: 'silent' }),
    // The daemon recognised v3.9.1; its predecessor in this catalogue is v3.8.1 (cls(**data)).
    releaseContext: () => ({ catalogue: [V320, V381, V391_AFTER_V381], running: inForce(V391_AFTER_V381).release }),
  });
  return { root, dataDir, docker, engine };
}

/** Docker calls that change something: none may happen for a blocked rollback. */
const CHANGING = /^(stop|start|rename|remove|create|restart-policy|set-restart|connect|tag|untag|build)\b/;

for (const approval of [
  { policy: 'required' as const, window: 10 * MIN },
  { policy: 'veto-window' as const, window: 10 * MIN },
  { policy: 'auto' as const, window: 0 },
]) {
  test(`policy ${approval.policy}: the blocked rollback escalates with the records, and nothing is stopped, backed up or recreated`, async (t) => {
    const ctx = await bundledContext(approval);
    const { root, dataDir, docker, engine } = deployment();
    t.after(() => rmSync(root, { recursive: true, force: true }));
    let state: CoreState = initialState(KR_FIRE - 10 * MIN);
    const effects: Effect[] = [];
    const send = async (event: Event) => {
      const r = step(state, event, ctx);
      state = r.state;
      effects.push(...r.effects);
      // The event loop's part: ask the engine for plans, hand it executions.
      for (const e of r.effects) {
        if (e.kind === 'plan') {
          await send({ kind: 'plan-ready', incidentId: e.incidentId, result: await engine.plan(e.action), nonce: 'n-1', at: state.now });
        }
        if (e.kind === 'execute') await engine.execute(e.incidentId, e.action, e.planId, () => {});
      }
    };
    await send({ kind: 'startup', at: KR_FIRE - 10 * MIN, seed: 's-' });
    await send({
      kind: 'crontab',
      crontab: {
        text: readFileSync(join(repo, 'test/fixtures/crontab-v3.2.1'), 'utf8'),
        source: 'container',
        observedAt: KR_FIRE - 10 * MIN,
      },
    });
    await send({
      kind: 'container',
      container: {
        name: 'turtle-cron',
        status: 'running',
        restartCount: 0,
        startedAt: KR_FIRE - 86_400_000,
        observedAt: KR_FIRE - 10 * MIN,
      },
    });
    // Two crashed runs of check_kr in a row: the bundled rule asks for a rollback.
    for (const at of [KR_FIRE + 2 * SEC, KR_FIRE + 40 * MIN]) {
      const lines = [info(at, START), ...TRACEBACK].map((text) => ({ file: 'check_kr.log', text, observedAt: at, live: true }));
      await send({ kind: 'log-lines', lines });
    }
    for (let now = KR_FIRE + 41 * MIN; now <= KR_FIRE + 80 * MIN; now += MIN) await send({ kind: 'tick', now });

    const escalations = effects.flatMap((e) =>
      e.kind === 'notify' && e.notice.kind === 'escalation' && e.notice.reason?.key === 'escalation.blocked'
        ? [e.notice as Extract<Notice, { kind: 'escalation' }>]
        : [],
    );
    assert.equal(escalations.length, 1);
    const reason = escalations[0]!.reason!;
    const records = IDS.slice(0, 4);
    assert.equal(
      renderMessage(reason, 'en'),
      `rollback blocked: the target v3.8.1 (c4cbf46) cannot load the current state files written by v3.9.1: ${records.map((id) => `positions.json ${id}: unknown entry_reason`).join('; ')}. Nothing was stopped, backed up or recreated; a person must decide`,
    );
    assert.equal(
      renderMessage(reason, 'ko'),
      `롤백 차단: 대상 v3.8.1 (c4cbf46)은 v3.9.1이 쓴 현재 상태 파일을 읽을 수 없습니다: ${records.map((id) => `positions.json ${id}: 모르는 키 entry_reason`).join('; ')}. 아무것도 정지·백업·재생성하지 않았습니다; 사람이 결정해야 합니다`,
    );
    assert.deepEqual(
      effects.filter((e) => e.kind === 'execute'),
      [],
    );
    assert.deepEqual(
      docker.calls.filter((c) => CHANGING.test(c)),
      [],
    );
    // Nothing backed up: no pre-rollback copy beside positions.json, no backups directory.
    assert.deepEqual(readdirSync(join(dataDir, 'positions')), ['positions.json']);
    assert.equal(readFileSync(join(dataDir, 'positions/positions.json'), 'utf8'), V39_FILE);
  });
}

test('the engine refuses to execute a blocked rollback whatever plan id it is handed', async (t) => {
  const { root, dataDir, docker, engine } = deployment();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const planned = await engine.plan('rollback');
  assert.equal(planned.ok, false);
  assert.ok(!planned.ok && planned.blocked?.target === 'v3.8.1');
  const reports: string[] = [];
  await engine.execute('inc-1', 'rollback', 'a'.repeat(16), (r) => reports.push(r.kind === 'refused' ? r.reason : r.kind));
  assert.equal(reports.length, 1);
  assert.match(
    reports[0]!,
    /^rollback blocked: the target v3\.8\.1 \(c4cbf46\) cannot load the current state files written by v3\.9\.1: .*; nothing was changed$/,
  );
  assert.deepEqual(
    docker.calls.filter((c) => CHANGING.test(c)),
    [],
  );
  assert.deepEqual(readdirSync(join(dataDir, 'positions')), ['positions.json']);
});
