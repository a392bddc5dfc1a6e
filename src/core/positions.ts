// Reads the guarded system's JSON state files (positions.json, entries.json, order_log.json) as its
// Python code would (python-json.ts), checks the records against the release's schemas
// (record-shapes.ts) and says in operator terms why a file is unusable. Never throws, whatever the input.
import type { Instant, Utf8Error } from './types.ts';
import type { HashText } from './hash.ts';
import type { EntryRecord, JsonDocState, JsonProblem, OrderRecord, PositionRecord } from './world.ts';
import { RECORD_SHAPES, knownKeys, requiredKeys } from './record-shapes.ts';
import { keyProblems, validateList, type JsonParse, type RecordShape } from './record-check.ts';

// The key lists keep their names here: the positions-integrity rule and the tests import them from this file.

const V32 = RECORD_SHAPES['v3.2'];

export interface PositionKeys {
  requiredKeys: readonly string[];
  knownKeys: readonly string[];
  /** Missing one of these, the record is skipped; missing only other required keys, the load crashes. */
  validatedKeys: readonly string[];
  /**
   * What the release's loader does with a key it does not know: `crash` (`cls(**data)`, up to v3.8.1) or
   * `drop` (v3.9.0+ filters them: `entry_reason` in a v3.9.x file is normal). Default `crash`.
   */
  unknownKeys?: 'crash' | 'drop';
  /** The release whose loader the keys describe (`v3.8.1`), for the words; default `v3.2.x`. */
  release?: string;
}

// ---------------------------------------------------------------------------------------------
// Entry points (JsonDocState for the core's World)

/**
 * The adapter's SHA-256 of the bytes, or, when it gave none (a test, a replay), the runtime's hash
 * function for the text: the core hashes nothing itself.
 */
export type ContentHash = string | HashText;

/**
 * positions.json content → its state for the World; `sha256` is the adapter's hash of the bytes (or the
 * function to hash the text with) and `invalidUtf8` its finding that they are not UTF-8 (the content then holds U+FFFD in their place).
 */
export function parsePositions(
  content: string,
  keys: PositionKeys,
  observedAt: Instant,
  sha256: ContentHash,
  invalidUtf8?: Utf8Error,
): JsonDocState<PositionRecord[]> {
  return toDocState(validatePositions(content, keys, invalidUtf8), content, observedAt, sha256);
}

export function parseEntries(
  content: string,
  observedAt: Instant,
  sha256: ContentHash,
  invalidUtf8?: Utf8Error,
): JsonDocState<EntryRecord[]> {
  return toDocState(validateEntries(content, invalidUtf8), content, observedAt, sha256);
}

export function parseOrderLog(
  content: string,
  observedAt: Instant,
  sha256: ContentHash,
  invalidUtf8?: Utf8Error,
): JsonDocState<OrderRecord[]> {
  return toDocState(validateOrderLog(content, invalidUtf8), content, observedAt, sha256);
}

function toDocState<T>(parsed: JsonParse<T>, content: string, observedAt: Instant, sha256: ContentHash): JsonDocState<T> {
  // Change detection compares hashes: without the adapter's, the runtime's hash of the text stands in, so
  // that two different contents never look the same; a corrupt file claims only the adapter's hash.
  if (parsed.ok) return { status: 'valid', sha256: typeof sha256 === 'string' ? sha256 : sha256(content), doc: parsed.doc, observedAt };
  return { status: 'corrupt', ...(typeof sha256 === 'string' ? { sha256 } : {}), problems: parsed.problems, observedAt };
}

// ---------------------------------------------------------------------------------------------
// Record shapes with their words

/** A v3.2.x record checked key by key: schema and key sets follow from its noun. */
function v32Shape(noun: 'entry' | 'order', file: string, words: Pick<RecordShape, 'unknownKeyMessage' | 'missingKeyMessage'>): RecordShape {
  const schema = V32[noun];
  return {
    noun,
    file,
    idKey: `${noun}_id`,
    schema,
    required: new Set(requiredKeys(schema)),
    known: V32.strictKeys[noun] ? new Set(knownKeys(schema)) : null,
    ...words,
  };
}

const ENTRY_SHAPE = v32Shape('entry', 'entries.json', {
  unknownKeyMessage: (key) => `unknown key "${key}": PositionEntry of v3.2.x has no such field, so loading entries.json fails`,
  missingKeyMessage: (key) => `missing key "${key}": every PositionEntry field is required`,
});

// Orders are never loaded into v3.2.x, so keys of later versions are not a problem (not strict).
const ORDER_SHAPE = v32Shape('order', 'order_log.json', {
  unknownKeyMessage: (key) => `unknown key "${key}"`,
  missingKeyMessage: (key) => `missing key "${key}": every order record written by AutoTrader has it`,
});

function positionShape(keys: PositionKeys): RecordShape {
  const release = keys.release ?? 'v3.2.x';
  return {
    noun: 'position',
    file: 'positions.json',
    idKey: 'position_id',
    schema: V32.position,
    required: new Set(keys.requiredKeys),
    // A release that drops unknown keys loads any extra key: only the required ones can break it.
    known: keys.unknownKeys === 'drop' ? null : new Set(keys.knownKeys),
    unknownKeyMessage: (key) => unknownPositionKeyMessage(key, release),
    missingKeyMessage: (key, record, missing) =>
      // validate_position_schema runs first: a record it rejects never reaches Position().
      keys.validatedKeys.some((k) => !Object.hasOwn(record, k))
        ? `missing required key "${key}": ${release} skips this record (잘못된 포지션 데이터 스킵)`
        : `missing required key "${key}": every load crashes in ${release} (TypeError: Position.__init__() ${pythonMissingArguments(missing)})`,
  };
}

/** Why a key the release does not know breaks its loader (`cls(**data)`). */
export function unknownPositionKeyMessage(key: string, release: string): string {
  return `unknown key "${key}": ${release} crashes loading it (Position.__init__() got an unexpected keyword argument '${key}')`;
}

/** CPython's wording for missing arguments: `missing 2 required positional arguments: 'a' and 'b'`. */
function pythonMissingArguments(names: readonly string[]): string {
  const quoted = names.map((name) => `'${name}'`);
  const list = quoted.length <= 2 ? quoted.join(' and ') : `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
  return `missing ${names.length} required positional argument${names.length === 1 ? '' : 's'}: ${list}`;
}

// ---------------------------------------------------------------------------------------------
// Validation (content → records or problems)

export function validatePositions(content: string, keys: PositionKeys, invalidUtf8?: Utf8Error): JsonParse<PositionRecord[]> {
  return validateList<PositionRecord>(content, positionShape(keys), invalidUtf8);
}

export function validateEntries(content: string, invalidUtf8?: Utf8Error): JsonParse<EntryRecord[]> {
  return validateList<EntryRecord>(content, ENTRY_SHAPE, invalidUtf8);
}

export function validateOrderLog(content: string, invalidUtf8?: Utf8Error): JsonParse<OrderRecord[]> {
  return validateList<OrderRecord>(content, ORDER_SHAPE, invalidUtf8);
}

/**
 * Key checks alone, over records already parsed: lets a rule apply its own `requiredKeys`/`knownKeys`
 * when the file was parsed with another rule's lists.
 */
export function positionKeyProblems(records: readonly unknown[], keys: PositionKeys): JsonProblem[] {
  return keyProblems(records, positionShape(keys));
}
