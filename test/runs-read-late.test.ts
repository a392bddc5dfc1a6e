// Runs read late are judged as if read live (SPEC §2.2): the same log content appended line by line, in
// one write, in any chunks, or read as a backlog at start-up gives the same notices; a streak that already
// recovered is opened and resolved, marked late. Lines outside a run are judged when read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../src/config/load-rules.ts';
import { configSchema } from '../src/config/schema.ts';
import { initialState, step, type CoreState, type StepContext } from '../src/core/step.ts';
import type { Event, LogLine, Notice } from '../src/core/types.ts';
import { renderNotice } from '../src/core/messages.ts';
import { renderTelegramNotice } from '../src/core/telegram-text.ts';
import { stepContextOf } from '../src/runtime/sentinel.ts';
import { createRng, simulate, type Fault } from './sim/turtle-sim.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CRONTAB = readFileSync(join(repo, 'test/fixtures/crontab-v3.2.1'), 'utf8');
const START = '=== 통합 포지션 & 시그널 체크 시작 ===';
const FINISH = '=== 체크 완료 ===';
/** Mon 2026-03-02 16:00:00 KST, the KR job's fire time. */
const FIRE = Date.UTC(2026, 2, 2, 7, 0, 0);

async function bundled(kinds?: readonly string[]): Promise<StepContext> {
  const loaded = await loadRules(join(repo, 'rules'));
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.join('\n'));
  let rules = loaded.rules;
  if (kinds) {
    // Only the rules that judge log content: the schedule and file rules judge time and files, which a
    // replay of log lines alone cannot reproduce the same way in every chunking.
    rules = rules
      .filter((r) => kinds.includes(r.kind))
      .map((r) =>
        r.kind === 'positions-integrity' ? { ...r, params: { ...r.params, checks: r.params.checks.filter((c) => c === 'healed') } } : r,
      )
      .filter((r) => r.kind !== 'positions-integrity' || r.params.checks.length > 0);
  }
  return stepContextOf(configSchema.parse({ deployment: { root: '.' } }), rules, loaded.profiles);
}

const stamp = (at: number) => new Date(at).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');

/** fail (traceback), fail (traceback), good: three runs of check_kr.log, UTC stamps as Debian cron writes them. */
function failFailGood(): { text: string; at: number }[] {
  const out: { text: string; at: number }[] = [];
  let at = FIRE + 2_000;
  const add = (text: string) => {
    out.push({ text, at });
    at += 100;
  };
  for (const outcome of ['fail', 'fail', 'good'] as const) {
    add(`${stamp(at)} - __main__ - INFO - ${START}`);
    add(`${stamp(at)} - __main__ - INFO - Telegram 채널 활성화`);
    if (outcome === 'fail') {
      add('Traceback (most recent call last):');
      add('  File "/app/scripts/check_positions.py", line 546, in <module>');
      add("KeyError: 'units'");
    } else {
      add(`${stamp(at)} - __main__ - INFO - ${FINISH}`);
    }
  }
  return out;
}

function startState(ctx: StepContext, at: number): CoreState {
  let state = initialState(at);
  state = step(state, { kind: 'crontab', crontab: { text: CRONTAB, source: 'container', observedAt: at } }, ctx).state;
  return state;
}

function notices(state: CoreState, events: Event[], ctx: StepContext): { state: CoreState; notices: Notice[] } {
  const out: Notice[] = [];
  for (const e of events) {
    const r = step(state, e, ctx);
    state = r.state;
    for (const effect of r.effects) if (effect.kind === 'notify') out.push(effect.notice);
  }
  return { state, notices: out };
}

const ruleOf = (n: Notice) => ('verdict' in n ? n.verdict.ruleId : 'incident' in n ? n.incident.ruleId : '-');
const causeOf = (n: Notice) => ('verdict' in n ? n.verdict.cause : 'incident' in n ? n.incident.cause : '-');
const describe = (list: Notice[]) => list.map((n) => `${n.kind} ${ruleOf(n)} ${causeOf(n)}`);
/** The notices about log content: a read hours later also gives the time-driven ones (inconclusive sources…). */
const aboutRuns = (list: Notice[]) => describe(list.filter((n) => ruleOf(n) === 'check-repeated-failures'));

test('fail, fail, good in one write: the streak is opened and resolved, marked late, as when read 0.5 s apart', async () => {
  const ctx = await bundled();
  const lines = failFailGood();
  const file = 'check_kr.log';

  const live = notices(
    startState(ctx, FIRE - 60_000),
    lines.map((l, i): Event => ({ kind: 'log-lines', lines: [{ file, text: l.text, observedAt: FIRE + 2_000 + i * 500, live: true }] })),
    ctx,
  );
  const expected = [
    'warning check-repeated-failures check_kr.log',
    'incident-opened check-repeated-failures check_kr.log',
    'incident-resolved check-repeated-failures check_kr.log',
  ];
  assert.deepEqual(describe(live.notices), expected);
  assert.ok(
    live.notices.every((n) => n.late === undefined),
    'read live: nothing is late',
  );

  const oneWrite = notices(
    startState(ctx, FIRE - 60_000),
    [{ kind: 'log-lines', lines: lines.map((l) => ({ file, text: l.text, observedAt: FIRE + 4_000, live: true })) }],
    ctx,
  );
  assert.deepEqual(describe(oneWrite.notices), expected);
  assert.ok(
    oneWrite.notices.every((n) => n.late === true),
    JSON.stringify(oneWrite.notices.map((n) => n.late)),
  );
  // Nothing is left to decide: the incident was over before it was seen, so no plan was asked for.
  const incident = oneWrite.state.incidents.incidents.find((i) => i.ruleId === 'check-repeated-failures');
  assert.equal(incident?.phase, 'resolved');
  assert.equal(incident?.planRequested, undefined);

  // The sidecar was down: the same lines read at start-up from a checkpoint taken before they were written.
  const before = startState(ctx, FIRE - 60_000);
  const backlog = notices(
    before,
    [{ kind: 'log-lines', lines: lines.map((l) => ({ file, text: l.text, observedAt: FIRE + 3 * 3_600_000, live: false })) }],
    ctx,
  );
  assert.deepEqual(aboutRuns(backlog.notices), expected);
  assert.deepEqual(backlog.notices.filter((n) => n.kind === 'incident-opened').length, 1);
  assert.ok(backlog.notices.filter((n) => ruleOf(n) === 'check-repeated-failures').every((n) => n.late === true));
  // Dated when seen (the read), with the runs' own times (from their stamps) in the evidence.
  const opened = backlog.notices.find((n) => n.kind === 'incident-opened');
  assert.ok(opened && opened.kind === 'incident-opened');
  assert.equal(opened.incident.openedAt, FIRE + 3 * 3_600_000);
  assert.ok(
    opened.incident.evidence.every((e) => e.at! >= FIRE && e.at! < FIRE + 60_000),
    JSON.stringify(opened.incident.evidence),
  );
});

test('fail, fail read together and not recovered: the incident stays open and its decision is asked once', async () => {
  const ctx = await bundled();
  const lines = failFailGood().slice(0, 10); // two failed runs, the third not started
  const r = step(
    startState(ctx, FIRE - 60_000),
    { kind: 'log-lines', lines: lines.map((l) => ({ file: 'check_kr.log', text: l.text, observedAt: FIRE + 4_000, live: true })) },
    ctx,
  );
  const kinds = r.effects.map((e) => (e.kind === 'notify' ? `${e.notice.kind}${e.notice.late ? ' (late)' : ''}` : e.kind));
  assert.deepEqual(kinds, ['warning (late)', 'incident-opened (late)', 'plan']);
  assert.equal(r.state.incidents.incidents.find((i) => i.ruleId === 'check-repeated-failures')?.planRequested, true);
});

test('each failed run read live in one read of its own: the incident is news, not a backlog', async () => {
  // A run's lines usually arrive in one read. The second run's start closes the first (already judged by
  // its traceback): that changes no verdict, so the incident its traceback opens is not marked late.
  const ctx = await bundled();
  const lines = failFailGood().slice(0, 10);
  const events = [lines.slice(0, 5), lines.slice(5)].map((run, i): Event => ({
    kind: 'log-lines',
    lines: run.map((l) => ({ file: 'check_kr.log', text: l.text, observedAt: FIRE + 4_000 + i * 60_000, live: true })),
  }));
  const r = notices(startState(ctx, FIRE - 60_000), events, ctx);
  assert.deepEqual(
    r.notices.map((n) => `${n.kind}${n.late ? ' (late)' : ''}`),
    ['warning', 'incident-opened'],
  );
});

test('a repair line between runs is judged when read, with its own time and file', async () => {
  const ctx = await bundled();
  const lines = failFailGood().slice(-3); // one good run
  let state = startState(ctx, FIRE - 60_000);
  state = step(
    state,
    {
      kind: 'log-lines',
      lines: lines.map((l, i) => ({ file: 'check_kr.log', text: l.text, observedAt: FIRE + 2_000 + i * 100, live: true })),
    },
    ctx,
  ).state;
  // Written by another reader (daily_report.py at 08:00 KST) an hour later, outside any check run.
  const repairAt = FIRE + 3_600_000;
  const repair = [
    `${stamp(repairAt - 9 * 3_600_000 + 23 * 3_600_000)} - src.utils - CRITICAL - JSON 파일 손상: data/positions/positions.json - Expecting value: line 1 column 1 (char 0)`,
  ];
  const r = step(
    state,
    { kind: 'log-lines', lines: repair.map((text) => ({ file: 'check_kr.log', text, observedAt: repairAt, live: true })) },
    ctx,
  );
  const opened = r.effects.flatMap((e) => (e.kind === 'notify' && e.notice.kind === 'incident-opened' ? [e.notice.incident] : []));
  assert.deepEqual(
    opened.map((i) => `${i.ruleId} ${i.label}`),
    ['positions-corrupt healed'],
  );
  assert.deepEqual(
    r.state.healLines.map((h) => [h.file, h.at]),
    [['check_kr.log', repairAt]],
  );
  assert.deepEqual(
    opened[0]!.evidence.map((e) => [e.file, e.at]),
    [['check_kr.log', repairAt]],
  );
  // The repair is in no run: the next start marker will not carry it.
  assert.ok(r.state.finishedRuns['check_kr.log']!.every((run) => run.healLines.length === 0));
});

test('a repair line in a file no job writes is still judged when read', async () => {
  const ctx = await bundled();
  const state = startState(ctx, FIRE - 60_000);
  const at = FIRE + 600_000;
  const text = `${stamp(at)} - src.utils - INFO - 백업에서 복원: data/positions/backups/positions_20260301.json`;
  const r = step(state, { kind: 'log-lines', lines: [{ file: 'manual.log', text, observedAt: at, live: true }] }, ctx);
  assert.deepEqual(r.state.healLines, [{ file: 'manual.log', text, at }]);
  assert.ok(r.effects.some((e) => e.kind === 'notify' && e.notice.kind === 'incident-opened' && e.notice.incident.label === 'healed'));
});

// ---------------------------------------------------------------------------------------------
// Property: random chunkings of simulated logs give the notices of the line-by-line reading.

const LOG_RULES = ['repeated-failures', 'telegram-delivery', 'positions-integrity'] as const;
const RUN_FAULTS = ['traceback-run', 'critical-line', 'telegram-send-failure', 'channel-not-configured', 'event-without-success'] as const;

/** A week of simulated logs with random faults; the lines in the order the sidecar would read them. */
function generatedLog(seed: number): { crontab: Event; lines: LogLine[] } {
  const rng = createRng(seed);
  for (let attempt = 0; ; attempt++) {
    const faults: Fault[] = [];
    const count = rng.int(2, 6);
    for (let i = 0; i < count; i++) {
      const kind = rng.pick(RUN_FAULTS);
      faults.push({ kind, day: rng.int(0, 8), job: rng.pick(['kr', 'us'] as const) } as Fault);
    }
    if (rng.chance(0.5)) faults.push({ kind: 'positions-healed', day: rng.int(0, 8), job: 'report' });
    try {
      const timeline = simulate({
        start: '2026-03-02',
        days: 9,
        seed: seed * 31 + attempt,
        logStampZone: rng.chance(0.5) ? 'UTC' : 'Asia/Seoul',
        faults,
      });
      const crontab = timeline.events.find((e) => e.kind === 'crontab')!;
      const lines = timeline.events.flatMap((e) => (e.kind === 'log-lines' ? e.lines : []));
      return { crontab, lines };
    } catch (err) {
      if (attempt > 20) throw err; // a fault on a day its job does not run: draw again
    }
  }
}

function replayNotices(ctx: StepContext, crontab: Event, batches: LogLine[][]): string[] {
  const at = crontab.kind === 'crontab' ? crontab.crontab.observedAt : 0;
  const state = step(initialState(at), crontab, ctx).state;
  return describe(
    notices(
      state,
      batches.map((lines): Event => ({ kind: 'log-lines', lines })),
      ctx,
    ).notices,
  );
}

/**
 * Cut `lines` into consecutive reads at random places. A read whose lines were written within a few
 * seconds is a live read, observed when its last line was; a longer one is a catch-up read (the sidecar
 * was busy or down), observed later and timed by the stamps.
 */
function randomChunks(lines: LogLine[], rng: ReturnType<typeof createRng>, meanChunk: number): LogLine[][] {
  const chunks: LogLine[][] = [];
  let i = 0;
  while (i < lines.length) {
    const n = Math.max(1, Math.floor(rng.next() * 2 * meanChunk));
    const chunk = lines.slice(i, i + n);
    const first = chunk[0]!.observedAt;
    const last = chunk.at(-1)!.observedAt;
    const live = last - first <= 5_000;
    const observedAt = live ? last : last + rng.int(1, 600) * 1_000;
    chunks.push(chunk.map((l) => ({ ...l, observedAt, live })));
    i += n;
  }
  return chunks;
}

/** Notice kinds per rule and cause, in order: files read one after the other interleave differently. */
function perCause(list: string[]): Record<string, string[]> {
  const by: Record<string, string[]> = {};
  for (const n of list) {
    const [kind, rule, cause] = n.split(' ');
    (by[`${rule} ${cause}`] ??= []).push(kind!);
  }
  return by;
}

test('property: any chunking of a simulated week, and its backlog read at start-up, give the line-by-line notices', async () => {
  const ctx = await bundled(LOG_RULES);
  let cases = 0;
  let withIncidents = 0;
  let lateResolved = 0;
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const { crontab, lines } = generatedLog(seed);
    const reference = perCause(
      replayNotices(
        ctx,
        crontab,
        lines.map((l) => [l]),
      ),
    );
    if (Object.values(reference).some((kinds) => kinds.includes('incident-opened'))) withIncidents++;
    const rng = createRng(seed * 7919);
    for (let k = 0; k < 10; k++) {
      const mean = rng.pick([2, 5, 20, 100, 1_000]);
      assert.deepEqual(
        perCause(replayNotices(ctx, crontab, randomChunks(lines, rng, mean))),
        reference,
        `seed ${seed}, reads of ~${mean} lines`,
      );
      cases++;
    }
    // A backlog read at start-up, in one read or file after file (as the tailer reads them), timed by the stamps only.
    const end = lines.at(-1)!.observedAt + 3_600_000;
    const asBacklog = (list: LogLine[]) => list.map((l) => ({ ...l, observedAt: end, live: false }));
    const files = [...new Set(lines.map((l) => l.file))].sort();
    const fileByFile = replayNotices(
      ctx,
      crontab,
      files.map((f) => asBacklog(lines.filter((l) => l.file === f))),
    );
    assert.deepEqual(perCause(fileByFile), reference, `seed ${seed}, backlog file by file`);
    assert.deepEqual(perCause(replayNotices(ctx, crontab, [asBacklog(lines)])), reference, `seed ${seed}, backlog in one read`);
    if (Object.values(perCause(fileByFile)).some((kinds) => kinds.includes('incident-resolved'))) lateResolved++;
    cases += 2;
  }
  assert.ok(cases >= 90, `${cases} cases`);
  assert.ok(withIncidents >= 3, `the generated logs must open incidents to be worth comparing (${withIncidents})`);
  assert.ok(lateResolved >= 1, 'some backlog held a streak that had already recovered');
});

test('a notice about lines read late says so, in both languages (console and Telegram)', async () => {
  const ctx = await bundled();
  const r = step(
    startState(ctx, FIRE - 60_000),
    { kind: 'log-lines', lines: failFailGood().map((l) => ({ file: 'check_kr.log', text: l.text, observedAt: FIRE + 4_000, live: true })) },
    ctx,
  );
  const resolved = r.effects.flatMap((e) => (e.kind === 'notify' && e.notice.kind === 'incident-resolved' ? [e.notice] : []))[0]!;
  assert.equal(resolved.late, true);
  const en = renderNotice(resolved, 'en', 'Asia/Seoul').split('\n');
  const ko = renderNotice(resolved, 'ko', 'Asia/Seoul').split('\n');
  assert.equal(en.at(-1), '⏱ Seen late: logged while unobserved (a backlog, or several runs read at once).');
  assert.equal(ko.at(-1), '⏱ 늦게 확인됨: 관찰되지 않는 동안 기록된 로그입니다 (밀린 로그, 또는 한 번에 읽은 여러 실행).');
  assert.equal(
    renderTelegramNotice(resolved, 'en', { timeZone: 'Asia/Seoul' }).html.split('\n')[0],
    '<i>⏱ Seen late: logged while unobserved (a backlog, or several runs read at once).</i>',
  );
  assert.equal(
    renderTelegramNotice(resolved, 'ko', { timeZone: 'Asia/Seoul' }).html.split('\n')[0],
    '<i>⏱ 늦게 확인됨: 관찰되지 않는 동안 기록된 로그입니다 (밀린 로그, 또는 한 번에 읽은 여러 실행).</i>',
  );
  // The same notice read live carries no such line.
  const { late: _late, ...live } = resolved;
  assert.ok(!renderNotice(live, 'en', 'Asia/Seoul').includes('Seen late'));
  assert.ok(!renderTelegramNotice(live, 'en', { timeZone: 'Asia/Seoul' }).html.includes('Seen late'));
});

test('a first start reads the history of the logs: streaks that recovered long before are not news', async () => {
  const ctx = await bundled();
  const lines = failFailGood();
  const read = (watchStart: number) =>
    aboutRuns(
      notices(
        startState(ctx, watchStart),
        [
          {
            kind: 'log-lines',
            lines: lines.map((l) => ({ file: 'check_kr.log', text: l.text, observedAt: watchStart + 1_000, live: false })),
          },
        ],
        ctx,
      ).notices,
    );
  // Started three days after the streak: only the state after the whole read counts (the last run was good).
  assert.deepEqual(read(FIRE + 3 * 24 * 3_600_000), []);
  // Started the same evening: the streak of today is reported, opened and resolved.
  assert.deepEqual(read(FIRE + 3 * 3_600_000), [
    'warning check-repeated-failures check_kr.log',
    'incident-opened check-repeated-failures check_kr.log',
    'incident-resolved check-repeated-failures check_kr.log',
  ]);
});
