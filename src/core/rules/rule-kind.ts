// The shape every rule kind has: its params schema, a pure evaluation of the world under those params,
// the log text it needs read, and the traits the step and the decisions branch on. Each kind lives in
// its own file beside this one and is registered in index.ts; nothing else names a kind.
import type { RuleKindName, RuleOf } from '../../config/schema.ts';
import type { Instant, Verdict } from '../types.ts';
import type { World } from '../world.ts';
import type { PositionKeys } from '../positions.ts';
import type { Release } from '../../config/catalogue-schema.ts';
import type { ruleParams } from './params.ts';

/**
 * Evaluate one rule. Returns one verdict per cause it looked at (per job, per file, per container…),
 * including `pass` verdicts, so that incidents can resolve when their cause recovers.
 * Must not throw on odd input: a source it cannot judge yields `inconclusive` or `error`.
 */
export type RuleEvaluator<K extends RuleKindName> = (rule: RuleOf<K>, world: World, now: Instant) => Verdict[];

export type RuleParams<K extends RuleKindName> = RuleOf<K>['params'];

/** The per-kind facts that the step, the decisions and the loaders act on. */
export interface RuleTraits {
  /**
   * Judges the content of runs and log lines, so a run boundary can change its verdicts: judged at every
   * boundary of a read (SPEC §2.2), and its notices of a backlog are marked late.
   */
  judgedAtRunBoundaries: boolean;
  /** A human checks first (runbook §5: Telegram alerts missing, fill mismatch): escalation waits the manual-check window. */
  manualCheckFirst: boolean;
  /**
   * Its verdict depends on which release runs (schedule, markers, keys, log zone): while the release
   * is recognised only as the closest catalogued one and not confirmed, it runs as dry-run.
   */
  dependsOnRelease?: boolean;
  /** Actions a rule of this kind may never take, and why (refused when the rules are loaded). */
  neverActs?: { actions: readonly RuleOf<RuleKindName>['action'][]; why: string };
}

export interface RuleKind<K extends RuleKindName> {
  params: (typeof ruleParams)[K];
  evaluate: RuleEvaluator<K>;
  /** Plain substrings a log line must contain to be worth reading for this rule (beyond the profiles' markers). */
  logNeedles(params: RuleParams<K>): readonly string[];
  /** Plain substrings that make a run failed when one of its lines contains one (each is also a log needle). */
  runFailurePatterns?(params: RuleParams<K>): readonly string[];
  /** The position record keys this rule's params define (over the running release's), when the kind defines them. */
  positionKeys?(params: RuleParams<K>, release?: Release): PositionKeys;
  /**
   * For kinds that judge time: the first instant after `now` at which the verdict may change with no new
   * observation (a grace period or an allowance running out), so that the runtime looks again then
   * rather than at its next periodic tick. Undefined: no such instant is pending.
   */
  nextChange?: (rule: RuleOf<K>, world: World, now: Instant) => Instant | undefined;
  traits: RuleTraits;
}

/** The traits of most kinds: judged on the state at hand, acted on at once, any action allowed. */
export const PLAIN_TRAITS: RuleTraits = { judgedAtRunBoundaries: false, manualCheckFirst: false };

/** For kinds that need no log lines of their own. */
export const NO_NEEDLES = (): readonly string[] => [];
