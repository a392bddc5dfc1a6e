// The deployed version is judged by the crontab and the files in the cron container. During the
// sidecar's own rollback those are briefly unreadable (the containers are being recreated): the core
// holds its judgement while its execution runs, and reports the version once it has settled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configSchema } from '../src/config/schema.ts';
import { initialState, step, type CoreState, type StepContext } from '../src/core/step.ts';
import type { Event, ExecutionReport, Notice, OperatorIdentity } from '../src/core/types.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';

const T0 = Date.parse('2026-03-03T01:00:00Z');
const SEC = 1000;
const OPERATOR: OperatorIdentity = { channel: 'telegram', userId: 111, chatId: -100 };
const CRONTAB = {
  'v3.2.0': readFileSync(new URL('./fixtures/crontab-v3.2.0', import.meta.url), 'utf8'),
  'v3.2.1': readFileSync(new URL('./fixtures/crontab-v3.2.1', import.meta.url), 'utf8'),
};
const SIGNAL_CHECK = '/app/scripts/signal_check.py';

function context(): StepContext {
  const config = configSchema.parse({ deployment: { root: '.' }, telegram: { allowedUserIds: [111] } });
  const ctx = stepContextOf(config, [], {});
  return { ...ctx, policy: { ...ctx.policy, chatId: -100 } };
}

class Core {
  state: CoreState = initialState(T0);
  notices: Notice[] = [];
  now = T0;
  readonly ctx = context();
  constructor() {
    this.send({ kind: 'startup', at: T0, seed: 'seed-' });
  }
  send(event: Event): void {
    const r = step(this.state, event, this.ctx);
    this.state = r.state;
    for (const e of r.effects) if (e.kind === 'notify') this.notices.push(e.notice);
  }
  later(seconds = 1): number {
    this.now += seconds * SEC;
    return this.now;
  }
  /** What the Docker observer reports: the crontab (empty while the container is being replaced) and signal_check.py. */
  observe(crontab: string, signalCheckPresent: boolean | undefined): void {
    this.send({ kind: 'crontab', crontab: { text: crontab, source: 'container', observedAt: this.later() } });
    this.send({
      kind: 'container-files',
      present: signalCheckPresent === undefined ? {} : { [SIGNAL_CHECK]: signalCheckPresent },
      observedAt: this.later(),
    });
  }
  /** An operator's `/rollback`, confirmed: the plan comes back and the engine starts it. */
  startRollback(): string {
    this.send({ kind: 'operator', command: { kind: 'manual-action', action: 'rollback' }, by: OPERATOR, at: this.later() });
    const incident = this.state.incidents.incidents.at(-1)!;
    this.send({
      kind: 'plan-ready',
      incidentId: incident.id,
      result: { ok: true, plan: { id: 'plan-1', action: 'rollback', steps: ['recreate turtle-cron'] } },
      nonce: 'n1',
      at: this.later(),
    });
    this.report(incident.id, { kind: 'started', planId: 'plan-1' });
    assert.equal(this.state.incidents.incidents.find((i) => i.id === incident.id)?.phase, 'running');
    return incident.id;
  }
  report(incidentId: string, report: ExecutionReport): void {
    this.send({ kind: 'execution', incidentId, report, at: this.later() });
  }
  versionNotices(): string[] {
    return this.notices.flatMap((n) => (n.kind === 'version-changed' ? [`${n.from.version} → ${n.to.version}`] : []));
  }
}

function deployedAt(version: 'v3.2.0' | 'v3.2.1'): Core {
  const core = new Core();
  core.observe(CRONTAB[version], version === 'v3.2.0');
  assert.equal(core.state.fingerprint.version, version);
  return core;
}

test('outside an execution, a version change is reported at once (also to unknown)', () => {
  const core = deployedAt('v3.2.1');
  core.observe('', undefined);
  assert.deepEqual(core.versionNotices(), ['v3.2.1 → unknown']);
});

test("during the sidecar's own rollback the missing crontab is not reported; the settled version is, once", () => {
  const core = deployedAt('v3.2.1');
  const id = core.startRollback();
  core.observe('', undefined); // turtle-cron is being recreated
  assert.equal(core.state.fingerprint.version, 'unknown', 'the observation itself is kept');
  core.observe(CRONTAB['v3.2.0'], true);
  core.report(id, { kind: 'finished', ok: true, detail: 'the containers run the target image; verifying' });
  assert.deepEqual(core.versionNotices(), [], 'nothing while the rollback runs');
  core.report(id, { kind: 'verified', ok: true, detail: 'verified', preExisting: [] });
  assert.deepEqual(core.versionNotices(), ['v3.2.1 → v3.2.0']);
  const notice = core.notices.find((n) => n.kind === 'version-changed');
  assert.equal(notice?.kind === 'version-changed' && notice.from.version, 'v3.2.1', 'judged against the version before the rollback');
  core.observe(CRONTAB['v3.2.0'], true);
  assert.deepEqual(core.versionNotices(), ['v3.2.1 → v3.2.0'], 'reported once');
});

test('a rollback that fails and restores the original: no version notice at all', () => {
  const core = deployedAt('v3.2.1');
  const id = core.startRollback();
  core.observe('', undefined);
  core.observe(CRONTAB['v3.2.1'], false);
  core.report(id, { kind: 'finished', ok: false, detail: 'start turtle-cron failed; the original containers were restored' });
  core.observe(CRONTAB['v3.2.1'], false);
  assert.deepEqual(core.versionNotices(), []);
});

test('still unknown when the execution ends: reported once the version is known again', () => {
  const core = deployedAt('v3.2.1');
  const id = core.startRollback();
  core.observe('', undefined);
  core.report(id, { kind: 'finished', ok: true, detail: 'verifying' });
  core.report(id, { kind: 'verified', ok: true, detail: 'verified', preExisting: [] });
  assert.deepEqual(core.versionNotices(), [], 'not settled yet');
  // The crontab comes back before the files are looked at again: the two disagree for a moment.
  core.send({ kind: 'crontab', crontab: { text: CRONTAB['v3.2.0'], source: 'container', observedAt: core.later() } });
  assert.equal(core.state.fingerprint.version, 'unknown');
  assert.deepEqual(core.versionNotices(), []);
  core.send({ kind: 'container-files', present: { [SIGNAL_CHECK]: true }, observedAt: core.later() });
  assert.deepEqual(core.versionNotices(), ['v3.2.1 → v3.2.0']);
});

test('still unknown ten minutes after the execution: reported as unknown', () => {
  const core = deployedAt('v3.2.1');
  const id = core.startRollback();
  core.observe('', undefined);
  core.report(id, { kind: 'finished', ok: false, detail: 'start turtle-cron failed; restoring the original failed too' });
  core.send({ kind: 'tick', now: core.later(9 * 60) });
  assert.deepEqual(core.versionNotices(), []);
  core.send({ kind: 'tick', now: core.later(60) });
  assert.deepEqual(core.versionNotices(), ['v3.2.1 → unknown']);
  core.send({ kind: 'tick', now: core.later(60) });
  assert.deepEqual(core.versionNotices(), ['v3.2.1 → unknown'], 'once');
});
