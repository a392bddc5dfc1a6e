// What the catalogue tests (verdict-text, evidence-text) share: the loop that pins every text of a
// catalogue in Korean and English, the traceback their cases quote, the incident they render, and the
// checkpoint round trip an incident survives. One place, so that both catalogues are pinned alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Language } from '../../src/core/text/catalogue.ts';
import { restoreState } from '../../src/core/step.ts';
import type { VerdictMessage } from '../../src/core/verdict-text.ts';
import type { Incident } from '../../src/core/types.ts';
import { incident, T0 } from '../fakes/telegram-fixtures.ts';

/** One pinned case of a catalogue key: its params and the exact text in each language. */
export interface TextCase<P> {
  params: P;
  ko: string;
  en: string;
}

/**
 * One test per key of `cases`: every case renders to its exact Korean and English text, and what the
 * logs, the journal and --json keep (`kept`) is the English rendering next to the message.
 */
export function pinEveryText<M extends { key: string; params: unknown }>(
  title: (key: M['key']) => string,
  cases: { [K in M['key']]: TextCase<unknown>[] },
  render: (message: M, lang: Language) => string,
  kept: (message: M, en: string) => { actual: unknown; expected: unknown },
): void {
  for (const key of Object.keys(cases) as M['key'][]) {
    test(title(key), () => {
      for (const c of cases[key]) {
        const message = { key, params: c.params } as M;
        assert.equal(render(message, 'ko'), c.ko);
        assert.equal(render(message, 'en'), c.en);
        const { actual, expected } = kept(message, c.en);
        assert.deepEqual(actual, expected);
      }
    });
  }
}

/** The traceback the cases quote. */
export const KR = "KeyError: 'units'";

/** check_kr.log failed twice in a row with KR: the summary of the incident below. */
export const STREAK: VerdictMessage = {
  key: 'failures.streak',
  params: { jobId: 'check_kr.log', count: 2, threshold: 2, latest: { kind: 'traceback', text: KR } },
};

/** 2026-02-23 07:00:02 UTC (16:00:02 in Seoul): when the incident below opened. */
export const OPENED_AT = T0;

/** INC-0001, just detected: check_kr.log's failure streak (STREAK) proposes a rollback, on one log line of evidence. */
export function streakIncident(over: Partial<Incident> = {}): Incident {
  return incident({
    ruleId: 'check-repeated-failures',
    evidence: [{ kind: 'log', file: 'check_kr.log', at: OPENED_AT, text: `run started 2026-02-23 07:00:02: ${KR}` }],
    history: [],
    ...over,
  });
}

/** The console notice that opens streakIncident(), in each language, down to its evidence heading. */
export const OPENED_NOTICE_HEAD: Record<Language, string[]> = {
  ko: [
    '🚨 인시던트 열림 INC-0001 [심각]',
    '규칙: check-repeated-failures',
    `check_kr.log: 성공 없이 2회 연속 실행 실패 (기준 2회). 최근 오류: ${KR}`,
    '조치: 롤백',
    '근거:',
  ],
  en: [
    '🚨 Incident opened INC-0001 [critical]',
    'rule: check-repeated-failures',
    `check_kr.log: 2 consecutive failed runs with no successful run between them (threshold 2); latest: ${KR}`,
    'action: rollback',
    'evidence:',
  ],
};

/** `incident` as a checkpoint written with it and read back gives it. */
export function throughCheckpoint(incident: Incident): Incident {
  const saved = JSON.stringify({ ...restoreState({ now: 0 } as never), incidents: { incidents: [incident], nextSeq: 2 } });
  return restoreState(JSON.parse(saved)).incidents.incidents[0]!;
}
