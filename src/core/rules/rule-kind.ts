// The shape every rule kind has: a pure evaluation of the world under the rule's parameters.
// Each kind lives in its own file beside this one and is registered in the table in index.ts.
import type { RuleKindName, RuleOf } from '../../config/schema.ts';
import type { Instant, Verdict } from '../types.ts';
import type { World } from '../world.ts';

/**
 * Evaluate one rule. Returns one verdict per cause it looked at (per job, per file, per container…),
 * including `pass` verdicts, so that incidents can resolve when their cause recovers.
 * Must not throw on odd input: a source it cannot judge yields `inconclusive` or `error`.
 */
export type RuleEvaluator<K extends RuleKindName> = (rule: RuleOf<K>, world: World, now: Instant) => Verdict[];

export type RuleTable = { [K in RuleKindName]: RuleEvaluator<K> };
