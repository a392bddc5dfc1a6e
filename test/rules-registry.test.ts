// The registry of rule kinds: every kind of the schema has a module, and the per-kind facts the step,
// the decisions and the loaders branch on come from there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleParams } from '../src/core/rules/params.ts';
import { logNeedles, positionKeysOf, runFailurePatterns, traitsOf } from '../src/core/rules/index.ts';
import { V32_KNOWN_POSITION_KEYS, V32_REQUIRED_POSITION_KEYS, V32_VALIDATED_POSITION_KEYS } from '../src/core/record-shapes.ts';
import { ruleOf } from './helpers/world.ts';

const KINDS = Object.keys(ruleParams) as (keyof typeof ruleParams)[];

test('every kind parses with its defaults and has traits', () => {
  for (const kind of KINDS) {
    const rule = ruleOf(kind);
    assert.equal(rule.kind, kind);
    assert.equal(typeof traitsOf(rule).judgedAtRunBoundaries, 'boolean', kind);
  }
});

test('the traits the step and the decisions act on', () => {
  const boundary = KINDS.filter((kind) => traitsOf({ kind }).judgedAtRunBoundaries);
  assert.deepEqual(boundary.sort(), ['guard-tripped', 'positions-integrity', 'repeated-failures', 'telegram-delivery']);
  const manual = KINDS.filter((kind) => traitsOf({ kind }).manualCheckFirst);
  assert.deepEqual(manual.sort(), ['fill-integrity', 'telegram-delivery']);
  const restricted = KINDS.filter((kind) => traitsOf({ kind }).neverActs !== undefined);
  assert.deepEqual(restricted, ['source-health', 'guard-tripped']);
  assert.deepEqual(traitsOf({ kind: 'source-health' }).neverActs?.actions, ['rollback', 'halt']);
  // A tripped guard is by design: a rollback cures nothing (rules/25-guards.yaml).
  assert.deepEqual(traitsOf({ kind: 'guard-tripped' }).neverActs?.actions, ['rollback', 'halt']);
});

test('log needles and run failure patterns are the errorPatterns of the rules, once each', () => {
  const rules = [
    ruleOf('repeated-failures', { errorPatterns: [' - CRITICAL - ', 'boom'] }, { id: 'a' }),
    ruleOf('repeated-failures', { errorPatterns: ['boom'] }, { id: 'b' }),
    ruleOf('telegram-delivery'),
    ruleOf('cron-schedule'),
  ];
  assert.deepEqual(logNeedles(rules), [' - CRITICAL - ', 'boom']);
  assert.deepEqual(runFailurePatterns(rules), [' - CRITICAL - ', 'boom']);
  assert.deepEqual(logNeedles([ruleOf('cron-schedule')]), []);
});

test('position keys come from a positions-integrity rule, else from the v3.2.x defaults', () => {
  assert.deepEqual(positionKeysOf([]), {
    requiredKeys: V32_REQUIRED_POSITION_KEYS,
    knownKeys: V32_KNOWN_POSITION_KEYS,
    validatedKeys: V32_VALIDATED_POSITION_KEYS,
    unknownKeys: 'crash',
  });
  const edited = ruleOf('positions-integrity', { requiredKeys: ['position_id'] });
  assert.deepEqual(positionKeysOf([ruleOf('cron-schedule'), edited]).requiredKeys, ['position_id']);
});
