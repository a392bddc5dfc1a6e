// End to end, all in containers: the sidecar's image started from docker-compose.sentinel.yaml beside a
// replica turtle-trading project and a Telegram Bot API server in a container (test/docker/e2e-stack.ts).
// The check job fails twice in a row; the operator reads the alert in the chat (criterion, evidence,
// plan), a stranger's Approve is refused, the operator's is taken; the sidecar rolls turtle-cron and
// turtle-dashboard back to v3.2.0's image through the Docker API and verifies; the reports arrive in the
// chat; /metrics shows the verified rollback; and after `docker restart` of the sidecar's container the
// incident and the rollback are still known, with no second alert and no second rollback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireDocker } from './docker/engine.ts';
import { E2E_SENTINEL, startE2EStack, type E2EStack } from './docker/e2e-stack.ts';
import { BACKUP_TAG, CRON_IMAGE, CRON_NAME, DASHBOARD_IMAGE, DASHBOARD_NAME, COMPOSE_PROJECT } from './docker/replica.ts';
import { OPERATOR, STRANGER } from './fakes/telegram-harness.ts';
import type { ChatMessage } from './fakes/bot-api-server.ts';

const engine = await requireDocker();

const APPROVE = '✅ 승인';
const TRACEBACK = "TypeError: Position.__init__() got an unexpected keyword argument 'market'";
const lines = (m: ChatMessage) => m.plain.split('\n');

describe('end to end in containers: fault → alert → Approve → rollback → report → metrics → restart', { skip: engine.skip }, () => {
  const docker = engine.docker!;
  let stack: E2EStack;
  /** v3.2.0's image (the backup tag) and the containers as they ran before the rollback. */
  let v320: string;
  let v321: string;
  let cronBefore: string;
  let dashboardBefore: string;
  let positionsBefore: Buffer;
  let decision: ChatMessage;

  const imageId = async (ref: string) => (await docker.getImage(ref).inspect()).Id;
  const inspect = (name: string) => docker.getContainer(name).inspect();

  before(
    async () => {
      stack = await startE2EStack(docker);
      v320 = await imageId(BACKUP_TAG);
      v321 = await imageId(CRON_IMAGE);
      cronBefore = (await inspect(CRON_NAME)).Id;
      dashboardBefore = (await inspect(DASHBOARD_NAME)).Id;
      positionsBefore = readFileSync(join(stack.replica.dataDir, 'positions/positions.json'));
    },
    { timeout: 15 * 60_000 },
  );

  after(async () => {
    await stack?.teardown();
  });

  it('starts quiet: healthy, nothing sent, the daemon running', { timeout: 120_000 }, async () => {
    assert.notEqual(v320, v321);
    assert.equal((await stack.healthz())?.status, 200);
    assert.deepEqual(await stack.telegram.chat(), [], 'no alert before the fault');
    const status = await stack.execSentinel(['turtle-sentinel', 'status']);
    assert.equal(status.exitCode, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /^데몬: 실행 중 \(pid \d+, /);
  });

  it('the fault raises the alert: criterion, evidence, the plan to v3.2.0 and the buttons', { timeout: 240_000 }, async () => {
    await stack.injectFault('repeated-exceptions', {
      // One failed run only warns; the second is then read live, as in production a day later.
      between: async () => {
        const warning = await stack.telegram.waitForMessage('the one-failure warning', (p) => p.startsWith('⚠️ 경고'));
        assert.deepEqual(lines(warning).slice(0, 3), [
          '⚠️ 경고',
          '규칙: check-repeated-failures',
          `check_kr.log: 마지막 실행 실패 (${TRACEBACK}). 2회 연속 실패하면 규칙이 발동합니다`,
        ]);
      },
    });
    const opened = await stack.telegram.waitForMessage('the incident', (p) => p.includes('인시던트 열림'));
    assert.deepEqual(lines(opened).slice(0, 4), [
      '🚨 인시던트 열림 INC-0001 [심각]',
      '규칙: check-repeated-failures',
      `check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: ${TRACEBACK}`,
      '조치: 롤백',
    ]);
    decision = await stack.telegram.waitForMessage('the decision request', (_p, m) => m.keyboard !== undefined);
    const text = lines(decision);
    assert.equal(text[0], '🗳 결정 요청 INC-0001: 롤백');
    assert.equal(text[1], '규칙: check-repeated-failures [심각]');
    assert.equal(text[2], `check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: ${TRACEBACK}`);
    assert.match(text[3]!, /^계획 [0-9a-f]{16} \(image-tag\):$/);
    // The plan names the containers as they run now and v3.2.0's image by ID (runbook §3: not by tag).
    const plan = decision.plain;
    assert.ok(plan.includes(`3. turtle-cron (컨테이너 ${cronBefore.slice(0, 12)}) 정지, 재시작 정책을 "no"로 설정`), plan);
    assert.ok(plan.includes(`5. ${cronBefore.slice(0, 12)}의 설정으로 turtle-cron 생성, 이미지 ${v320.slice(7, 19)}를 ID로 고정`), plan);
    assert.ok(plan.includes('crontab이 signal_check.py, daily_report.py를 실행하고 check_positions.py는 실행하지 않음'), plan);
    assert.ok(text.includes(`대상 이미지: ${v320}`), plan);
    assert.ok(
      text.some((l) =>
        /^⏳ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+9 까지 거부하지 않으면 실행됩니다\. 지금 실행하려면 승인을 누르세요\.$/.test(l),
      ),
      plan,
    );
    // The evidence: both failed runs, each with its start and its traceback.
    const evidence = text.slice(text.indexOf('근거:') + 1);
    assert.equal(evidence.length, 2, plan);
    for (const l of evidence) assert.match(l, new RegExp(`check_kr\\.log: .+에 시작한 실행: ${TRACEBACK.replace(/[()]/g, '\\$&')}$`));
    assert.deepEqual(
      decision.keyboard?.flat().map((b) => b.text),
      [APPROVE, '⛔ 거부', '🔎 세부 정보'],
    );
    // Read live, not as a backlog: no "seen late" banner on anything said so far.
    for (const m of await stack.telegram.chat()) assert.ok(!m.plain.includes('늦게 확인됨'), m.plain);
  });

  it("a stranger's Approve is refused and changes nothing", { timeout: 60_000 }, async () => {
    const answer = await stack.telegram.press(APPROVE, { user: STRANGER, messageId: decision.messageId });
    assert.equal(answer.text, '죄송합니다. 이 작업을 할 권한이 없습니다. 요청은 기록되었습니다.');
    const still = (await stack.telegram.chat()).find((m) => m.messageId === decision.messageId)!;
    assert.ok(still.keyboard, 'the buttons are still there');
    assert.equal((await inspect(CRON_NAME)).Id, cronBefore, 'turtle-cron untouched');
  });

  it('Approve runs the rollback: turtle-cron and turtle-dashboard on v3.2.0, verified, reported', { timeout: 300_000 }, async () => {
    const answer = await stack.telegram.press(APPROVE, { user: OPERATOR, messageId: decision.messageId });
    assert.equal(answer.text, '승인 요청을 받았습니다. 결과는 채팅으로 알려 드립니다.');
    const verified = await stack.telegram.waitForMessage('the verification report', (p) => p.startsWith('🔍 검증'));
    assert.match(lines(verified)[0]!, /^🔍 검증 통과 INC-0001: 확인 (\d+)개 중 \1개 통과$/);
    assert.equal(lines(verified)[1], '단계별 소요 시간:');
    assert.match(lines(verified).at(-1)!, /^합계 /);
    for (const step of ['backup', 'stop turtle-cron', 'create turtle-cron', 'start turtle-cron', 'verify', 'remove-old'])
      assert.ok(
        lines(verified).some((l) => l.startsWith(`  ✔️ ${step} `)),
        `${step} in ${verified.plain}`,
      );

    const chat = await stack.telegram.chat();
    const plainOf = (prefix: string) => chat.find((m) => m.plain.startsWith(prefix))?.plain;
    assert.equal(plainOf('✅ 승인됨'), '✅ 승인됨 INC-0001: 롤백 — @ops_oncall (111)\n계획을 실행합니다.');
    assert.match(plainOf('▶️ 실행 시작') ?? '', /^▶️ 실행 시작 INC-0001: 롤백 \(계획 [0-9a-f]{16}\)$/);
    assert.equal(
      plainOf('✅ 실행 완료'),
      `✅ 실행 완료 INC-0001: 컨테이너가 이미지 ${v320.slice(7, 19)}로 실행 중입니다. 검증합니다.\n이미지: ${v320}`,
    );
    // The decision message lost its buttons and says who approved it.
    const decided = chat.find((m) => m.messageId === decision.messageId)!;
    assert.equal(decided.keyboard, undefined);
    assert.equal(lines(decided).at(-1), '— 승인됨: @ops_oncall (111)');

    // Through the Docker API: both containers recreated from v3.2.0's image, compose's names and
    // labels kept, compose's image tags moved, the originals removed after the verification.
    for (const [name, before] of [
      [CRON_NAME, cronBefore],
      [DASHBOARD_NAME, dashboardBefore],
    ] as const) {
      const info = await inspect(name);
      assert.equal(info.Image, v320, `${name} runs v3.2.0's image`);
      assert.notEqual(info.Id, before, `${name} was recreated`);
      assert.equal(info.State.Running, true);
      assert.equal(info.Config.Labels['com.docker.compose.project'], COMPOSE_PROJECT);
    }
    assert.equal(await imageId(CRON_IMAGE), v320);
    assert.equal(await imageId(DASHBOARD_IMAGE), v320);
    const leftovers = await docker.listContainers({ all: true, filters: { name: ['pre-rollback'] } });
    assert.deepEqual(
      leftovers.map((c) => c.Names[0]),
      [],
    );
    const crontab = await stack.replica.exec(['crontab', '-l']);
    assert.ok(crontab.stdout.includes('signal_check.py') && !crontab.stdout.includes('check_positions.py'), crontab.stdout);
    // positions.json backed up byte for byte and never written.
    assert.deepEqual(readFileSync(join(stack.replica.dataDir, 'positions/positions.json')), positionsBefore);
    const backups = readdirSync(join(stack.replica.dataDir, 'positions/backups')).filter((f) =>
      f.startsWith('positions.json.pre-rollback-'),
    );
    assert.equal(backups.length, 1, backups.join(', '));
    assert.deepEqual(readFileSync(join(stack.replica.dataDir, 'positions/backups', backups[0]!)), positionsBefore);

    // The sidecar recognises the release now running, by content.
    const changed = await stack.telegram.waitForMessage('the version change', (p) => p.startsWith('🔁'));
    assert.deepEqual(lines(changed), [
      '🔁 배포 버전 변경: v3.2.1 → v3.2.0',
      'cron 컨테이너가 v3.2.0와 일치: 카탈로그의 파일 3개, cron 실행기, 사용자 모두 일치',
    ]);
  });

  it('/metrics shows the verified rollback', { timeout: 60_000 }, async () => {
    const metrics = await stack.metrics();
    const has = (line: string) => assert.ok(metrics.split('\n').includes(line), `${line}\nin\n${metrics}`);
    has('sentinel_incidents{rule="check-repeated-failures",action="rollback",phase="verified"} 1');
    has('sentinel_rollbacks_started_total 1');
    has('sentinel_automatic_actions_armed 0');
    has('sentinel_rule_verdicts{rule="check-repeated-failures",outcome="fail"} 0');
    const started = /^sentinel_last_rollback_start_timestamp_seconds (\S+)$/m.exec(metrics);
    assert.ok(started && Number(started[1]) * 1000 > Date.now() - 30 * 60_000, metrics);
  });

  it('keeps the incident and the rollback over `docker restart`: no second alert, no second rollback', { timeout: 300_000 }, async () => {
    const chatBefore = await stack.telegram.chat();
    const metricsBefore = await stack.metrics();
    const cronAfterRollback = (await inspect(CRON_NAME)).Id;
    const startedBefore = (await inspect(E2E_SENTINEL)).State.StartedAt;

    await stack.restartSentinel();
    assert.notEqual((await inspect(E2E_SENTINEL)).State.StartedAt, startedBefore, 'the container restarted');
    assert.equal((await inspect(E2E_SENTINEL)).RestartCount, 0, 'restarted by the operator, not by a crash');

    // A barrier, not a pause: the outbox keeps order, so anything the restarted daemon said on its own
    // (a re-announced decision, a second alert, an execution report) arrives before its answer to /status.
    await stack.telegram.say('/status');
    const reply = await stack.telegram.waitForMessage('the answer to /status', (p) => p.includes('INC-0001'), { after: chatBefore.length });
    const said = (await stack.telegram.chat()).slice(chatBefore.length);
    assert.deepEqual(
      said.map((m) => m.messageId),
      [reply.messageId],
      `only the /status answer after the restart:\n${said.map((m) => m.plain).join('\n---\n')}`,
    );
    assert.ok(reply.plain.includes('검증됨'), reply.plain);

    const status = await stack.execSentinel(['turtle-sentinel', 'status']);
    assert.equal(status.exitCode, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /^인시던트 INC-0001 검증됨 check-repeated-failures check_kr\.log /m);
    assert.match(status.stdout, /버전 v3\.2\.0/);
    assert.equal((await inspect(CRON_NAME)).Id, cronAfterRollback, 'no second rollback');
    const metricsAfter = await stack.metrics();
    for (const line of [
      'sentinel_incidents{rule="check-repeated-failures",action="rollback",phase="verified"} 1',
      'sentinel_rollbacks_started_total 1',
      'sentinel_automatic_actions_armed 0',
    ]) {
      assert.ok(metricsBefore.split('\n').includes(line) && metricsAfter.split('\n').includes(line), `${line} before and after`);
    }
  });
});
