// The record keys of a catalogued release (rules/releases/catalogue.yaml: `positions`, `entries`) as the
// state-file checks use them. The catalogue is the one source of the keys per release; the v3.2.x zod shapes
// of record-shapes.ts still give the value types (no release changed a field's type) and the wording of a
// skipped record (validate_position_schema's list). Without a recognised release, the v3.2.x keys stand.
import type { RecordKeys, Release } from '../config/catalogue-schema.ts';
import type { PositionKeys } from './positions.ts';
import { V32_KNOWN_POSITION_KEYS, V32_REQUIRED_POSITION_KEYS, V32_VALIDATED_POSITION_KEYS } from './record-shapes.ts';

/** What an operator may set on a rule to override the release's keys; an explicit list wins. */
export interface PositionKeyOverrides {
  requiredKeys?: readonly string[] | undefined;
  knownKeys?: readonly string[] | undefined;
  validatedKeys?: readonly string[] | undefined;
  unknownKeys?: 'crash' | 'drop' | undefined;
}

/** The keys a position record is judged by: the overrides, else the release's, else v3.2.x's. */
export function positionKeysInForce(overrides: PositionKeyOverrides, release?: Release): PositionKeys {
  const fromRelease = release?.positions;
  const requiredKeys = overrides.requiredKeys ?? fromRelease?.required ?? V32_REQUIRED_POSITION_KEYS;
  return {
    requiredKeys,
    knownKeys: overrides.knownKeys ?? fromRelease?.known ?? V32_KNOWN_POSITION_KEYS,
    // validate_position_schema checks a subset of the required keys first; a release requiring fewer keys
    // cannot skip a record for a key it does not require.
    validatedKeys: overrides.validatedKeys ?? V32_VALIDATED_POSITION_KEYS.filter((key) => requiredKeys.includes(key)),
    unknownKeys: overrides.unknownKeys ?? fromRelease?.unknownKeys ?? 'crash',
    ...(release ? { release: release.release } : {}),
  };
}

/** One record a release cannot load, and the keys why. */
export interface UnloadableRecord {
  /** `positions.json`, `entries.json`. */
  file: string;
  /** The record's id (`position_id`, `entry_id`), or `#<index>` without one. */
  record: string;
  /** Keys the release does not know and would crash on (`cls(**data)`). */
  unknown: string[];
  /** Keys the release requires and the record lacks. */
  missing: string[];
}

/**
 * The records of `file` that a release with `keys` cannot load: a key it does not know where it crashes on
 * one, a key it requires and the record lacks. Records are compared as found; non-objects are left to the
 * corruption checks.
 */
export function unloadableRecords(file: string, idKey: string, records: readonly unknown[], keys: RecordKeys): UnloadableRecord[] {
  const known = new Set(keys.known);
  const found: UnloadableRecord[] = [];
  records.forEach((record, index) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return;
    const fields = record as Record<string, unknown>;
    const unknown = keys.unknownKeys === 'crash' ? Object.keys(fields).filter((key) => !known.has(key)) : [];
    const missing = keys.required.filter((key) => !Object.hasOwn(fields, key));
    if (unknown.length === 0 && missing.length === 0) return;
    const id = fields[idKey];
    found.push({ file, record: typeof id === 'string' && id !== '' ? id : `#${index}`, unknown, missing });
  });
  return found;
}
