// Editing a rule does not close and reopen its incidents (SPEC §4); removing a rule, or turning it
// off, closes the incidents nobody has acted on yet, saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../src/config/load-rules.ts';
import { configSchema, type Rule } from '../src/config/schema.ts';
import { evaluateAll } from '../src/core/step-evaluation.ts';
import { initialState, step, type CoreState, type StepContext } from '../src/core/step.ts';
import type { Effect, Event, Notice } from '../src/core/types.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const T0 = Date.parse('2026-03-03T10:00:00+09:00');
const MIN = 60_000;

async function contextWith(edit: (rules: Rule[]) => Rule[]): Promise<StepContext> {
  const loaded = await loadRules(join(repo, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  // Only the rule under test: the crontab-less world would make the cron rule noisy.
  const rules = edit(loaded.rules.filter((r) => r.id === 'check-repeated-failures'));
  return stepContextOf(configSchema.parse({ deployment: { root: '.' } }), rules, loaded.profiles);
}
const withPatterns = (patterns: string[]) => (rules: Rule[]) =>
  rules.map((r) => (r.kind === 'repeated-failures' ? { ...r, params: { ...r.params, errorPatterns: patterns } } : r));

const stamp = (at: number) => new Date(at).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
/** A run of check_kr that logs a CRITICAL line (an error pattern), then finishes. */
function criticalRun(at: number): Event {
  return {
    kind: 'log-lines',
    lines: [
      `${stamp(at)} - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===`,
      `${stamp(at)} - __main__ - INFO - Telegram 채널 활성화`,
      `${stamp(at)} - src.data_fetcher - CRITICAL - 데이터 소스 전체 실패: 005930.KS`,
      `${stamp(at)} - __main__ - INFO - === 체크 완료 ===`,
    ].map((text) => ({ file: 'check_kr.log', text, observedAt: at, live: true })),
  };
}

class Daemon {
  state: CoreState = initialState(T0);
  effects: Effect[] = [];
  constructor(public ctx: StepContext) {}
  send(event: Event) {
    const r = step(this.state, event, this.ctx);
    this.state = r.state;
    this.effects.push(...r.effects);
  }
  /** What the event loop does on a rules reload: the new context, then one evaluation. */
  reload(ctx: StepContext, at: number) {
    this.ctx = ctx;
    const r = evaluateAll({ ...this.state, now: at }, ctx);
    this.state = r.state;
    this.effects.push(...r.effects);
  }
  notices(kind: Notice['kind']): Notice[] {
    return this.effects.flatMap((e) => (e.kind === 'notify' && e.notice.kind === kind ? [e.notice] : []));
  }
}

test('an edit of errorPatterns keeps the open incident; restoring the file joins it instead of opening another', async () => {
  const original = await contextWith((r) => r);
  const d = new Daemon(original);
  d.send(criticalRun(T0));
  d.send(criticalRun(T0 + 5 * MIN));
  const opened = d.notices('incident-opened');
  assert.equal(opened.length, 1, 'two CRITICAL runs fire');
  const id = (opened[0] as Extract<Notice, { kind: 'incident-opened' }>).incident.id;

  // The operator narrows the patterns to tracebacks' ERROR lines only and saves.
  d.reload(await contextWith(withPatterns([' - ERROR - '])), T0 + 6 * MIN);
  assert.equal(d.notices('incident-resolved').length, 0, 'an edit does not close the incident');
  assert.equal(d.state.incidents.incidents.find((i) => i.id === id)?.phase, 'detected');
  d.send({ kind: 'tick', now: T0 + 7 * MIN });
  assert.equal(d.notices('incident-resolved').length, 0, 'nor does the next evaluation');

  // Restoring the file: the same incident, no new one, no new escalation.
  d.reload(original, T0 + 8 * MIN);
  assert.equal(d.notices('incident-opened').length, 1);
  assert.equal(d.state.incidents.incidents.filter((i) => i.phase === 'detected').length, 1);

  // Recovery (a good run) still closes it.
  const good = T0 + 10 * MIN;
  d.send({
    kind: 'log-lines',
    lines: [
      `${stamp(good)} - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===`,
      `${stamp(good)} - __main__ - INFO - Telegram 채널 활성화`,
      `${stamp(good)} - __main__ - INFO - === 체크 완료 ===`,
    ].map((text) => ({ file: 'check_kr.log', text, observedAt: good, live: true })),
  });
  assert.equal(d.notices('incident-resolved').length, 1);
});

test('an edit made while the incident stays open: recovery under the rule it fired under closes it', async () => {
  const d = new Daemon(await contextWith((r) => r));
  d.send(criticalRun(T0));
  d.send(criticalRun(T0 + 5 * MIN));
  d.reload(
    await contextWith((rules) =>
      rules.map((r) => (r.kind === 'repeated-failures' ? { ...r, params: { ...r.params, consecutive: 3 } } : r)),
    ),
    T0 + 6 * MIN,
  );
  assert.equal(d.notices('incident-resolved').length, 0);
  const good = T0 + 10 * MIN;
  d.send({
    kind: 'log-lines',
    lines: [
      `${stamp(good)} - __main__ - INFO - === 통합 포지션 & 시그널 체크 시작 ===`,
      `${stamp(good)} - __main__ - INFO - === 체크 완료 ===`,
    ].map((text) => ({ file: 'check_kr.log', text, observedAt: good, live: true })),
  });
  assert.equal(d.notices('incident-resolved').length, 1);
});

for (const [what, edit, why] of [
  [
    'removing the rule',
    (rules: Rule[]) => rules.filter((r) => r.id !== 'check-repeated-failures'),
    'rule check-repeated-failures was removed from the rules files',
  ],
  [
    'turning the rule off',
    (rules: Rule[]) => rules.map((r) => ({ ...r, mode: 'off' as const })),
    'rule check-repeated-failures was set to off',
  ],
] as const) {
  test(`${what} closes its open incidents with a message that says so`, async () => {
    const d = new Daemon(await contextWith((r) => r));
    d.send(criticalRun(T0));
    d.send(criticalRun(T0 + 5 * MIN));
    d.reload(await contextWith(edit), T0 + 6 * MIN);
    const resolved = d.notices('incident-resolved') as Extract<Notice, { kind: 'incident-resolved' }>[];
    assert.equal(resolved.length, 1);
    assert.equal(resolved[0]!.why, why);
    assert.match(resolved[0]!.incident.history.at(-1)!.note, new RegExp(`closed: ${why}`));
    d.send({ kind: 'tick', now: T0 + 7 * MIN });
    assert.equal(d.notices('incident-resolved').length, 1, 'said once');
  });
}
