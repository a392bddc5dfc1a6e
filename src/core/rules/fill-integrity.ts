// Runbook criterion "fill mismatch / pyramiding malfunction" (SPEC §2.5): the invariants of
// invariants.ts over positions.json, entries.json and order_log.json, one verdict per check.
// A check whose input file is unusable is inconclusive: never a failure on a guess.
import type { Evidence, Verdict } from '../types.ts';
import type { JsonDocState } from '../world.ts';
import type { JsonFileKind } from '../types.ts';
import { CHECK_INPUTS, runInvariant, type FillCheck, type Finding, type InvariantData } from '../invariants.ts';
import { NO_NEEDLES, PLAIN_TRAITS, type RuleEvaluator, type RuleKind } from './rule-kind.ts';
import { say, type FileUnavailable } from '../verdict-text.ts';
import { note } from '../evidence-text.ts';
import { z } from 'zod';

export const fillIntegrityParams = z
  .strictObject({
    maxUnits: z.number().int().min(1).default(4),
    /** Minimum pyramid spacing in multiples of entry N. */
    pyramidSpacingN: z.number().positive().default(0.5),
    /** Float tolerance for price and share comparisons. */
    tolerance: z.number().nonnegative().default(1e-6),
    checks: z
      .array(
        z.enum([
          'units-range',
          'units-level',
          'total-shares',
          'entry-ids',
          'pyramid-spacing',
          'stop-loss',
          'one-open-per-symbol-system',
          'closed-exit-fields',
          'order-duplicate-fill',
          'order-fill-before-order',
        ]),
      )
      .min(1)
      .default([
        'units-range',
        'units-level',
        'total-shares',
        'entry-ids',
        'pyramid-spacing',
        'one-open-per-symbol-system',
        'closed-exit-fields',
        'order-duplicate-fill',
        'order-fill-before-order',
      ]),
  })
  .prefault({});

export const FILE_NAMES: Record<JsonFileKind, string> = {
  positions: 'positions.json',
  entries: 'entries.json',
  orderLog: 'order_log.json',
};

const MAX_EVIDENCE = 30;

type Availability = { ok: true; records: readonly unknown[] } | { ok: false; unavailable: FileUnavailable };

/**
 * Whether a file can be checked. An absent order_log.json is an empty one: auto_trade.py is manual, and at
 * v3.2.x it writes inside the container's site-packages, not the bind mount (reference §6), so on most
 * deployments the file never exists and "no orders logged" is the truth, not a guess. An absent
 * positions.json or entries.json leaves nothing to compare against: inconclusive.
 */
function availability(which: JsonFileKind, state: JsonDocState<readonly unknown[]> | undefined): Availability {
  const file = FILE_NAMES[which];
  if (!state) return { ok: false, unavailable: { file, state: 'unread' } };
  switch (state.status) {
    case 'valid':
      return { ok: true, records: state.doc };
    case 'absent':
      return which === 'orderLog' ? { ok: true, records: [] } : { ok: false, unavailable: { file, state: 'absent' } };
    case 'corrupt':
      return {
        ok: false,
        unavailable: { file, state: 'corrupt', path: state.problems[0]?.path ?? '$', detail: state.problems[0]?.message ?? 'unreadable' },
      };
  }
}

export const evaluateFillIntegrity: RuleEvaluator<'fill-integrity'> = (rule, world) => {
  const files: Record<JsonFileKind, Availability> = {
    positions: availability('positions', world.positions),
    entries: availability('entries', world.entries),
    orderLog: availability('orderLog', world.orderLog),
  };
  const data: InvariantData = {
    ...(files.positions.ok ? { positions: files.positions.records as InvariantData['positions'] } : {}),
    ...(files.entries.ok ? { entries: files.entries.records as InvariantData['entries'] } : {}),
    ...(files.orderLog.ok ? { orderLog: files.orderLog.records as InvariantData['orderLog'] } : {}),
  };
  return [...new Set(rule.params.checks)].map((check) => verdictFor(rule.id, check, files, data, rule.params));
};

function verdictFor(
  ruleId: string,
  check: FillCheck,
  files: Record<JsonFileKind, Availability>,
  data: InvariantData,
  params: Parameters<typeof runInvariant>[2],
): Verdict {
  const base = { ruleId, cause: check };
  const missing = CHECK_INPUTS[check].map((which) => files[which]).filter((a): a is Extract<Availability, { ok: false }> => !a.ok);
  if (missing.length > 0) {
    return {
      ...base,
      outcome: 'inconclusive',
      ...say({ key: 'fill.cannot-check', params: { check, unavailable: missing.map((m) => m.unavailable) } }),
      evidence: missing.map((m): Evidence => ({
        kind: 'note',
        ...note({ key: 'fill.unavailable', params: { unavailable: m.unavailable } }),
      })),
    };
  }
  const findings = runInvariant(check, data, params) ?? [];
  if (findings.length === 0) {
    return {
      ...base,
      outcome: 'pass',
      ...say({ key: 'fill.clean', params: { check, files: CHECK_INPUTS[check].map((w) => FILE_NAMES[w]) } }),
      evidence: [],
    };
  }
  return {
    ...base,
    outcome: 'fail',
    label: check,
    ...say({ key: 'fill.violations', params: { check, count: findings.length, first: findings[0]!.message } }),
    evidence: evidenceOf(findings),
  };
}

function evidenceOf(findings: readonly Finding[]): Evidence[] {
  const items = findings.map((f): Evidence => ({
    kind: 'json',
    file: FILE_NAMES[f.file],
    path: f.path,
    text: `${f.message} [${f.evidence}]`,
  }));
  if (items.length <= MAX_EVIDENCE) return items;
  // Every offending path stays visible, the overflow compactly in one note.
  const rest = findings.slice(MAX_EVIDENCE).map((f) => `${FILE_NAMES[f.file]} ${f.path}`);
  return [
    ...items.slice(0, MAX_EVIDENCE),
    { kind: 'note', ...note({ key: 'fill.more-violations', params: { count: rest.length, at: rest } }) },
  ];
}

/** A fill mismatch is checked by a human before anything escalates (runbook §5). */
export const fillIntegrityKind: RuleKind<'fill-integrity'> = {
  params: fillIntegrityParams,
  evaluate: evaluateFillIntegrity,
  logNeedles: NO_NEEDLES,
  traits: { ...PLAIN_TRAITS, manualCheckFirst: true },
};
