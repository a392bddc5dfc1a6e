// Runbook criterion "positions.json corrupted or changed unexpectedly" (SPEC §2.4): a file the running
// release (v3.2.x until one is recognised) cannot load, the guarded system's own silent restore from a backup, and changes no allowed writer explains.
import type { RuleOf } from '../../config/schema.ts';
import type { Evidence, Instant, Verdict } from '../types.ts';
import type { JsonProblem, PositionsChange, World } from '../world.ts';
import { positionKeyProblems, unknownPositionKeyMessage, type PositionKeys } from '../positions.ts';
import { positionKeysInForce } from '../release-records.ts';
import { judgeChange } from '../positions-change.ts';
import { NO_NEEDLES, PLAIN_TRAITS, type RuleEvaluator, type RuleKind } from './rule-kind.ts';
import { say } from '../verdict-text.ts';
import { note } from '../evidence-text.ts';
import { z } from 'zod';
import { duration } from '../../config/duration.ts';

export const positionsIntegrityParams = z
  .strictObject({
    checks: z
      .array(z.enum(['corrupt', 'healed', 'unexpected-change']))
      .min(1)
      .default(['corrupt', 'healed', 'unexpected-change']),
    /**
     * Keys a record must have. Absent: the running release's (catalogue `positions.required`: the fields
     * of its `Position` dataclass without a default), else v3.2.x's. `Position(**record)` raises without one.
     */
    requiredKeys: z.array(z.string()).optional(),
    /**
     * Keys `validate_position_schema` checks before building a record (v3.2.x): a record lacking one is
     * skipped with a warning instead of crashing the load. Only the wording of a missing key depends on it.
     */
    validatedKeys: z.array(z.string()).optional(),
    /** Every key the release can load. Absent: the running release's (catalogue `positions.known`), else v3.2.x's. */
    knownKeys: z.array(z.string()).optional(),
    /**
     * What the release does with another key: `crash` (`cls(**data)`, up to v3.8.1: corruption) or `drop`
     * (v3.9.0+ filters it: normal). Absent: the running release's (catalogue `positions.unknownKeys`), else crash.
     */
    unknownKeys: z.enum(['crash', 'drop']).optional(),
    /** A close counts as explained when a `포지션 청산` line for it was seen within this window. */
    closeExplainWindow: duration.prefault('45m'),
  })
  .prefault({});

type Rule = RuleOf<'positions-integrity'>;

export const CAUSE_CORRUPT = 'positions.json:corrupt';
export const CAUSE_HEALED = 'positions.json:healed';
export const changeCause = (change: PositionsChange) => `positions.json:change:${change.toSha256.slice(0, 12)}`;

/**
 * Heals and changes are events, not states: one seen within this long fails; older ones are history.
 * Without the bound, a heal in a month-old backlog read at start-up would halt trading, and a heal an
 * operator already dealt with would fail for as long as the line is remembered.
 */
export const EVENT_WINDOW_MS = 24 * 3_600_000;

/** Evidence items shown per verdict: the rest is summarised, an operator reads the first few. */
const MAX_EVIDENCE = 20;

export const evaluatePositionsIntegrity: RuleEvaluator<'positions-integrity'> = (rule, world, now) => {
  const verdicts: Verdict[] = [];
  const checks = new Set(rule.params.checks);
  if (checks.has('corrupt')) verdicts.push(corruptVerdict(rule, world));
  if (checks.has('healed')) verdicts.push(healedVerdict(rule, world, now));
  if (checks.has('unexpected-change')) verdicts.push(...changeVerdicts(rule, world, now));
  return verdicts;
};

function corruptVerdict(rule: Rule, world: World): Verdict {
  const base = { ruleId: rule.id, cause: CAUSE_CORRUPT };
  const state = world.positions;
  if (!state) {
    return { ...base, outcome: 'inconclusive', ...say({ key: 'positions.unread', params: {} }), evidence: [] };
  }
  if (state.status === 'absent') {
    return {
      ...base,
      outcome: 'inconclusive',
      ...say({ key: 'positions.absent', params: {} }),
      evidence: [{ kind: 'note', ...note({ key: 'positions.file-absent', params: {} }), at: state.observedAt }],
    };
  }
  // The file may have been parsed with other key lists (another rule's, or before the release was
  // recognised): judge by this rule's own, which default to the running release's.
  const keys = positionKeysInForce(rule.params, world.release?.release);
  const problems = state.status === 'valid' ? positionKeyProblems(state.doc, keys) : rejudged(state.problems, keys);
  if (problems.length === 0) {
    return {
      ...base,
      outcome: 'pass',
      ...say({ key: 'positions.loads', params: keys.release ? { release: keys.release } : {} }),
      evidence: [],
    };
  }
  return {
    ...base,
    outcome: 'fail',
    label: 'corrupt',
    ...say({ key: 'positions.corrupt', params: { path: problems[0]!.path, problem: problems[0]!.message, more: problems.length - 1 } }),
    evidence: capped(
      problems.map((p): Evidence => ({
        kind: 'json',
        file: 'positions.json',
        path: p.path,
        text: `${p.code}: ${p.message}`,
        at: state.observedAt,
      })),
    ),
  };
}

/**
 * A key problem found with other key lists may not be one under this rule's lists. Parse, shape and
 * type problems always stand. The parser's "… and N more" summary sits at `$`; with a key code it
 * stands for more key problems only, which count when some listed key problem still counts.
 */
function rejudged(problems: readonly JsonProblem[], keys: PositionKeys): JsonProblem[] {
  const isKeyCode = (p: JsonProblem) => p.code === 'unknown-key' || p.code === 'missing-key';
  const isSummary = (p: JsonProblem) => isKeyCode(p) && p.path === '$';
  const kept = problems.filter((p) => {
    if (isSummary(p) || !isKeyCode(p)) return true;
    const key = lastKey(p.path);
    if (key === undefined) return true;
    return p.code === 'unknown-key' ? keys.unknownKeys !== 'drop' && !keys.knownKeys.includes(key) : keys.requiredKeys.includes(key);
  });
  if (!kept.some((p) => !isSummary(p))) return [];
  // An unknown key crashes the release in force: say which release (the loader may have said v3.2.x).
  return keys.release === undefined
    ? kept
    : kept.map((p) => (p.code === 'unknown-key' && !isSummary(p) ? renamedRelease(p, keys.release!) : p));
}

/** An unknown-key problem worded for `release`: `position X: unknown key "k": v3.8.1 crashes loading it (…)`. */
function renamedRelease(problem: JsonProblem, release: string): JsonProblem {
  const key = lastKey(problem.path);
  const at = problem.message.indexOf(': unknown key "');
  if (key === undefined || at < 0) return problem;
  return { ...problem, message: `${problem.message.slice(0, at)}: ${unknownPositionKeyMessage(key, release)}` };
}

/** `$[3].market` → `market`, `$[3]["a b"]` → `a b`. */
function lastKey(path: string): string | undefined {
  const dotted = /\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(path);
  if (dotted) return dotted[1];
  const quoted = /\[("(?:[^"\\]|\\.)*")\]$/.exec(path);
  if (!quoted) return undefined;
  try {
    return JSON.parse(quoted[1]!) as string;
  } catch {
    return undefined;
  }
}

function healedVerdict(rule: Rule, world: World, now: Instant): Verdict {
  const base = { ruleId: rule.id, cause: CAUSE_HEALED };
  const recent = world.healLines.filter((h) => h.at >= now - EVENT_WINDOW_MS);
  if (recent.length === 0) {
    return { ...base, outcome: 'pass', ...say({ key: 'positions.no-heal', params: {} }), evidence: [] };
  }
  const last = recent[recent.length - 1]!;
  return {
    ...base,
    outcome: 'fail',
    label: 'healed',
    ...say({ key: 'positions.healed', params: { file: last.file, line: last.text } }),
    evidence: capped(recent.map((h): Evidence => ({ kind: 'log', file: h.file, text: h.text, at: h.at }))),
  };
}

function changeVerdicts(rule: Rule, world: World, now: Instant): Verdict[] {
  return world.positionsChanges
    .filter((change) => change.at >= now - EVENT_WINDOW_MS)
    .map((change): Verdict => {
      const judgement = judgeChange(change, world, rule.params, now);
      const evidence = capped([
        ...judgement.notes.map((message): Evidence => ({ kind: 'note', ...note(message), at: change.at })),
        { kind: 'note', text: `sha256 ${change.fromSha256.slice(0, 12)} → ${change.toSha256.slice(0, 12)}`, at: change.at },
        ...change.vanishedOpen.map((id): Evidence => ({
          kind: 'json',
          file: 'positions.json',
          path: byIdPath(id, 'status'),
          ...note({ key: 'positions.vanished-open', params: {} }),
          at: change.at,
        })),
        ...change.sizeChanges.map((s): Evidence => ({
          kind: 'json',
          file: 'positions.json',
          path: byIdPath(s.positionId, s.field),
          text: `${String(s.before)} → ${String(s.after)}`,
          at: change.at,
        })),
      ]);
      const base = { ruleId: rule.id, cause: changeCause(change), evidence };
      switch (judgement.status) {
        case 'unexplained':
          return {
            ...base,
            outcome: 'fail',
            label: 'unexpected-change',
            ...say({ key: 'positions.change-unexpected', params: { reasons: judgement.reasons, notes: judgement.notes } }),
          };
        case 'pending':
          return {
            ...base,
            outcome: 'pass',
            ...say({ key: 'positions.change-pending', params: { reasons: judgement.reasons, notes: judgement.notes } }),
          };
        case 'explained':
          return {
            ...base,
            outcome: 'pass',
            ...say({ key: 'positions.change-explained', params: { reasons: judgement.reasons, notes: judgement.notes } }),
          };
      }
    });
}

/** JSONPath filter for a record by id: the index may differ between the two versions. */
function byIdPath(positionId: string, field: string): string {
  return `$[?(@.position_id==${JSON.stringify(positionId)})].${field}`;
}

function capped(evidence: Evidence[]): Evidence[] {
  if (evidence.length <= MAX_EVIDENCE) return evidence;
  return [
    ...evidence.slice(0, MAX_EVIDENCE),
    { kind: 'note', ...note({ key: 'evidence.more', params: { count: evidence.length - MAX_EVIDENCE } }) },
  ];
}

/** Judges heal and close lines as runs are read; its params also define the record keys the loader checks. */
export const positionsIntegrityKind: RuleKind<'positions-integrity'> = {
  params: positionsIntegrityParams,
  evaluate: evaluatePositionsIntegrity,
  logNeedles: NO_NEEDLES,
  // The loader reads with the running release's keys once it is known (v3.2.x's before), and corrupt()
  // re-judges a file read before the release was recognised.
  positionKeys: (params, release) => positionKeysInForce(params, release),
  traits: { ...PLAIN_TRAITS, judgedAtRunBoundaries: true, dependsOnRelease: true },
};
