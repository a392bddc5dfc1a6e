// Reads the guarded system's JSON state files (positions.json, entries.json, order_log.json) the way its
// Python code would, and says in operator terms why a file is unusable. Never throws, whatever the input.
//
// Python's `json` module is the reference, not JavaScript's: it accepts `NaN`/`Infinity` (json.dump
// writes them for float nan/inf), refuses a UTF-8 byte-order mark, gives up on integers of more than
// 4300 digits and on deep nesting, and reports errors as `Expecting value: line 1 column 1 (char 0)`.
// A small parser of that dialect locates the first error (line, column and the JSON path reached)
// because JSON.parse's messages carry neither reliably and echo the whole input. Records are then
// checked against the dataclasses of v3.2.x (reference §1, §6).
import type { Instant, Utf8Error } from './types.ts';
import { pythonUtf8Message } from './utf8.ts';
import type { EntryRecord, JsonDocState, JsonProblem, OrderRecord, PositionRecord } from './world.ts';

// The key lists of v3.2.x, for tests; the daemon takes them from the positions-integrity rule (rules/).

/** Fields of the v3.2.x `Position` dataclass without a default: `Position(**record)` raises without one. */
export const V32_REQUIRED_POSITION_KEYS: readonly string[] = [
  'position_id',
  'symbol',
  'system',
  'direction',
  'entry_date',
  'entry_price',
  'entry_n',
  'units',
  'max_units',
  'shares_per_unit',
  'total_shares',
  'stop_loss',
  'pyramid_level',
  'exit_period',
  'status',
  'last_update',
];

/** Keys `validate_position_schema` checks first (v3.2.x): a record lacking one is skipped, not loaded. */
export const V32_VALIDATED_POSITION_KEYS: readonly string[] = [
  'position_id',
  'symbol',
  'entry_price',
  'status',
  'direction',
  'system',
  'entry_date',
  'entry_n',
  'units',
  'total_shares',
  'stop_loss',
];

/** Fields of the v3.2.x `Position` dataclass: any other key crashes `Position.from_dict` (`cls(**data)`). */
export const V32_KNOWN_POSITION_KEYS: readonly string[] = [
  'position_id',
  'symbol',
  'system',
  'direction',
  'entry_date',
  'entry_price',
  'entry_n',
  'units',
  'max_units',
  'shares_per_unit',
  'total_shares',
  'stop_loss',
  'pyramid_level',
  'exit_period',
  'status',
  'last_update',
  'exit_date',
  'exit_price',
  'exit_reason',
  'pnl',
  'pnl_pct',
  'r_multiple',
];

export interface PositionKeys {
  requiredKeys: readonly string[];
  knownKeys: readonly string[];
  /** Missing one of these, the record is skipped; missing only other required keys, the load crashes. */
  validatedKeys: readonly string[];
}

/** Parse outcome without the file metadata (sha, time) of a JsonDocState. */
export type JsonParse<T> = { ok: true; doc: T } | { ok: false; problems: JsonProblem[] };

/** More problems than this are summarised in one last problem: a 50 000-record file must stay readable. */
export const MAX_PROBLEMS = 50;

// ---------------------------------------------------------------------------------------------
// Entry points (JsonDocState for the core's World)

/**
 * positions.json content → its state for the World; `sha256` is the adapter's hash of the bytes and
 * `invalidUtf8` its finding that they are not UTF-8 (the content then holds U+FFFD in their place).
 */
export function parsePositions(
  content: string,
  keys: PositionKeys,
  observedAt: Instant,
  sha256: string | undefined,
  invalidUtf8?: Utf8Error,
): JsonDocState<PositionRecord[]> {
  return toDocState(validatePositions(content, keys, invalidUtf8), content, observedAt, sha256);
}

export function parseEntries(
  content: string,
  observedAt: Instant,
  sha256: string | undefined,
  invalidUtf8?: Utf8Error,
): JsonDocState<EntryRecord[]> {
  return toDocState(validateEntries(content, invalidUtf8), content, observedAt, sha256);
}

export function parseOrderLog(
  content: string,
  observedAt: Instant,
  sha256: string | undefined,
  invalidUtf8?: Utf8Error,
): JsonDocState<OrderRecord[]> {
  return toDocState(validateOrderLog(content, invalidUtf8), content, observedAt, sha256);
}

function toDocState<T>(parsed: JsonParse<T>, content: string, observedAt: Instant, sha256: string | undefined): JsonDocState<T> {
  // Change detection compares hashes: without the adapter's, a fingerprint of the text stands in
  // (marked as such), so that two different contents never look the same.
  if (parsed.ok) return { status: 'valid', sha256: sha256 ?? contentFingerprint(content), doc: parsed.doc, observedAt };
  return { status: 'corrupt', ...(sha256 !== undefined ? { sha256 } : {}), problems: parsed.problems, observedAt };
}

/** FNV-1a over the UTF-16 code units, two 32-bit lanes: not cryptographic, only a stand-in identity. */
export function contentFingerprint(content: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ content.length;
  for (let i = 0; i < content.length; i += 1) {
    const c = content.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return `fnv1a:${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Record shapes

type FieldKind = 'string' | 'int' | 'number' | 'bool' | readonly string[];

interface FieldSpec {
  kind: FieldKind;
  nullable?: boolean;
  /**
   * NaN/Infinity accepted. Only for the result fields of a close: a price from a missing bar (numpy
   * nan) lands there, the guarded system keeps working, and halting trading for it would be wrong.
   */
  nonFinite?: boolean;
}

interface RecordShape {
  /** `position`, `entry`, `order`: the word used in messages. */
  noun: string;
  file: string;
  idKey: string;
  fields: Record<string, FieldSpec>;
  required: ReadonlySet<string>;
  /** Keys that load; null when extra keys are tolerated. */
  known: ReadonlySet<string> | null;
  unknownKeyMessage: (key: string) => string;
  /** `missing`: every required key the record lacks, in the order of `required`. */
  missingKeyMessage: (key: string, record: Record<string, unknown>, missing: readonly string[]) => string;
}

const POSITION_FIELDS: Record<string, FieldSpec> = {
  position_id: { kind: 'string' },
  symbol: { kind: 'string' },
  system: { kind: 'int' },
  direction: { kind: ['LONG', 'SHORT'] },
  entry_date: { kind: 'string' },
  entry_price: { kind: 'number' },
  entry_n: { kind: 'number' },
  units: { kind: 'int' },
  max_units: { kind: 'int' },
  shares_per_unit: { kind: 'int' },
  total_shares: { kind: 'int' },
  stop_loss: { kind: 'number' },
  pyramid_level: { kind: 'int' },
  exit_period: { kind: 'int' },
  // `partial` is defined by the dataclass's comment but never written; it still loads.
  status: { kind: ['open', 'closed', 'partial'] },
  last_update: { kind: 'string' },
  exit_date: { kind: 'string', nullable: true },
  exit_price: { kind: 'number', nullable: true, nonFinite: true },
  exit_reason: { kind: 'string', nullable: true },
  pnl: { kind: 'number', nullable: true, nonFinite: true },
  pnl_pct: { kind: 'number', nullable: true, nonFinite: true },
  r_multiple: { kind: 'number', nullable: true, nonFinite: true },
};

const ENTRY_FIELDS: Record<string, FieldSpec> = {
  entry_id: { kind: 'string' },
  position_id: { kind: 'string' },
  entry_date: { kind: 'string' },
  entry_price: { kind: 'number' },
  shares: { kind: 'int' },
  pyramid_level: { kind: 'int' },
  n_value: { kind: 'number' },
};

const ORDER_FIELDS: Record<string, FieldSpec> = {
  order_id: { kind: 'string' },
  symbol: { kind: 'string' },
  side: { kind: 'string' },
  quantity: { kind: 'int' },
  price: { kind: 'number', nullable: true },
  order_type: { kind: 'string' },
  status: { kind: 'string' },
  timestamp: { kind: 'string' },
  dry_run: { kind: 'bool' },
  fill_price: { kind: 'number', nullable: true },
  fill_time: { kind: 'string', nullable: true },
  error_message: { kind: 'string', nullable: true },
  reason: { kind: 'string', nullable: true },
};

const ENTRY_SHAPE: RecordShape = {
  noun: 'entry',
  file: 'entries.json',
  idKey: 'entry_id',
  fields: ENTRY_FIELDS,
  // PositionEntry has no defaults: every field must be present.
  required: new Set(Object.keys(ENTRY_FIELDS)),
  known: new Set(Object.keys(ENTRY_FIELDS)),
  unknownKeyMessage: (key) => `unknown key "${key}": PositionEntry of v3.2.x has no such field, so loading entries.json fails`,
  missingKeyMessage: (key) => `missing key "${key}": every PositionEntry field is required`,
};

const ORDER_SHAPE: RecordShape = {
  noun: 'order',
  file: 'order_log.json',
  idKey: 'order_id',
  fields: ORDER_FIELDS,
  // What the fill checks need; the rest is evidence. Later versions add fields, so extra keys are tolerated:
  // the file is only read by the sidecar, never loaded into v3.2.x.
  required: new Set(['order_id', 'symbol', 'side', 'status', 'timestamp']),
  known: null,
  unknownKeyMessage: () => '',
  missingKeyMessage: (key) => `missing key "${key}": every order record written by AutoTrader has it`,
};

function positionShape(keys: PositionKeys): RecordShape {
  return {
    noun: 'position',
    file: 'positions.json',
    idKey: 'position_id',
    fields: POSITION_FIELDS,
    required: new Set(keys.requiredKeys),
    known: new Set(keys.knownKeys),
    unknownKeyMessage: (key) =>
      `unknown key "${key}": v3.2.x crashes loading it (Position.__init__() got an unexpected keyword argument '${key}')`,
    missingKeyMessage: (key, record, missing) =>
      // validate_position_schema runs first: a record it rejects never reaches Position().
      keys.validatedKeys.some((k) => !Object.hasOwn(record, k))
        ? `missing required key "${key}": v3.2.x skips this record (잘못된 포지션 데이터 스킵)`
        : `missing required key "${key}": every load crashes in v3.2.x (TypeError: Position.__init__() ${pythonMissingArguments(missing)})`,
  };
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
  const shape = positionShape(keys);
  const sink = new ProblemSink();
  records.forEach((record, index) => {
    if (isPlainObject(record)) checkKeys(record, `$[${index}]`, shape, sink);
  });
  return sink.list();
}

function validateList<T>(content: string, shape: RecordShape, invalidUtf8: Utf8Error | undefined): JsonParse<T[]> {
  const parsed = parsePythonJson(content, invalidUtf8);
  if (!parsed.ok) return { ok: false, problems: [parsed.problem] };
  const value = parsed.value;
  if (!Array.isArray(value)) {
    return {
      ok: false,
      problems: [
        { path: '$', code: 'shape', message: `${shape.file} must be a JSON list of ${shape.noun} records, found ${describe(value)}` },
      ],
    };
  }
  const sink = new ProblemSink();
  const records: T[] = [];
  value.forEach((element: unknown, index) => {
    const path = `$[${index}]`;
    if (!isPlainObject(element)) {
      sink.add({ path, code: 'shape', message: `expected ${article(shape.noun)} ${shape.noun} object, found ${describe(element)}` });
      return;
    }
    checkKeys(element, path, shape, sink);
    checkTypes(element, path, shape, sink);
    records.push(element as T);
  });
  const problems = sink.list();
  return problems.length > 0 ? { ok: false, problems } : { ok: true, doc: records };
}

function checkKeys(record: Record<string, unknown>, path: string, shape: RecordShape, sink: ProblemSink): void {
  const label = recordLabel(record, shape);
  const missing = [...shape.required].filter((key) => !Object.hasOwn(record, key));
  for (const key of missing) {
    sink.add({ path: childPath(path, key), code: 'missing-key', message: `${label}: ${shape.missingKeyMessage(key, record, missing)}` });
  }
  if (shape.known) {
    for (const key of Object.keys(record)) {
      if (!shape.known.has(key)) {
        sink.add({ path: childPath(path, key), code: 'unknown-key', message: `${label}: ${shape.unknownKeyMessage(key)}` });
      }
    }
  }
}

function checkTypes(record: Record<string, unknown>, path: string, shape: RecordShape, sink: ProblemSink): void {
  const label = recordLabel(record, shape);
  for (const [key, value] of Object.entries(record)) {
    // hasOwn: keys such as `constructor` or `__proto__` must not find Object.prototype's members.
    const spec = Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined;
    if (!spec) continue;
    const wrong = typeError(value, spec);
    if (wrong) sink.add({ path: childPath(path, key), code: 'type', message: `${label}: "${key}" ${wrong}` });
  }
}

/** Why `value` does not fit `spec`, or undefined when it does. */
function typeError(value: unknown, spec: FieldSpec): string | undefined {
  if (value === null) return spec.nullable ? undefined : `must not be null`;
  const kind = spec.kind;
  if (typeof kind !== 'string') {
    if (typeof value === 'string' && kind.includes(value)) return undefined;
    return `must be one of ${kind.map((k) => `"${k}"`).join(', ')}, found ${describe(value)}`;
  }
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : `must be a string, found ${describe(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `must be true or false, found ${describe(value)}`;
    case 'number':
    case 'int': {
      if (typeof value !== 'number') return `must be a number, found ${describe(value)}`;
      if (!Number.isFinite(value)) return spec.nonFinite ? undefined : `must be a finite number, found ${describe(value)}`;
      if (kind === 'int' && !Number.isInteger(value)) return `must be a whole number, found ${describe(value)}`;
      return undefined;
    }
  }
}

function recordLabel(record: Record<string, unknown>, shape: RecordShape): string {
  const id = record[shape.idKey];
  return typeof id === 'string' && id !== '' ? `${shape.noun} ${truncate(id, 80)}` : `${shape.noun} without ${shape.idKey}`;
}

/**
 * Collects problems up to MAX_PROBLEMS; the rest become one summary problem at `$`. Its code is the
 * weightiest among those dropped, so that a rule re-judging key problems with its own key lists
 * (positions-integrity) can tell "only more key problems" from "more problems of any kind".
 */
class ProblemSink {
  private readonly problems: JsonProblem[] = [];
  private dropped = 0;
  private readonly droppedCodes = new Set<JsonProblem['code']>();

  add(problem: JsonProblem): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
    else {
      this.dropped += 1;
      this.droppedCodes.add(problem.code);
    }
  }

  list(): JsonProblem[] {
    if (this.dropped === 0) return [...this.problems];
    const order: JsonProblem['code'][] = ['parse', 'shape', 'type', 'unknown-key', 'missing-key'];
    const code = order.find((c) => this.droppedCodes.has(c)) ?? 'shape';
    return [...this.problems, { path: '$', code, message: `… and ${this.dropped} more problems not listed` }];
  }
}

// ---------------------------------------------------------------------------------------------
// Python-dialect JSON

/**
 * `sys.int_info.default_max_str_digits` (Python ≥ 3.11; v3.2.x runs 3.12): json refuses a longer
 * integer literal with a ValueError, which is not a JSONDecodeError, so safe_load_json returns `[]`.
 * The sign does not count; floats of any length are read (as inf when too large).
 */
export const PYTHON_INT_MAX_DIGITS = 4300;

/**
 * Deepest nesting Python's json reads (levels of lists and objects, the top list being 1) under
 * Python 3.12.0 and 3.12.1, measured: deeper raises RecursionError, again not a JSONDecodeError, so
 * safe_load_json returns `[]`. The limit is the C recursion limit less a few frames: later 3.12 patch
 * releases raised it (the image python:3.12-slim may be either), Python 3.11 stops near 990 less the
 * caller's depth. The lowest 3.12 limit is used: a state file never nests deeper than 3, so a file past
 * it is corrupt whichever release reads it, and the operator learns the loader's reason.
 */
export const PYTHON_JSON_MAX_DEPTH = 1497;

/** What safe_load_json does with a file Python cannot read at all: the `except Exception` branch. */
const READ_AS_EMPTY = 'v3.2.x logs 파일 로드 실패 and reads the file as empty, no restore from a backup';

type PythonJson = { ok: true; value: unknown } | { ok: false; problem: JsonProblem };

/**
 * Parse as Python's `json.loads` would, limits included; the failure carries line, column and the
 * JSON path reached. `invalidUtf8`: the adapter's finding that the bytes are not UTF-8 (Python's open()
 * fails before json sees anything, so it wins over every other problem).
 */
export function parsePythonJson(text: string, invalidUtf8?: Utf8Error): PythonJson {
  if (invalidUtf8) {
    // The JSON path reached where the bad bytes sit: the prefix before them ends in an error (or not).
    const before = scanPythonJson(text.slice(0, invalidUtf8.charOffset));
    const path = before.ok ? '$' : before.error.path;
    return located(text, {
      offset: invalidUtf8.charOffset,
      path,
      message: `not valid UTF-8 (${READ_AS_EMPTY}): ${pythonUtf8Message(invalidUtf8)}`,
    });
  }
  const scanned = scanPythonJson(text);
  return scanned.ok ? scanned : located(text, scanned.error);
}

function located(text: string, error: ScanError): PythonJson {
  const { line, column } = lineColumn(text, error.offset);
  return {
    ok: false,
    problem: { path: error.path, code: 'parse', message: `${error.message}: line ${line} column ${column} (char ${error.offset})` },
  };
}

interface ScanError {
  offset: number;
  /** The whole message but its location. */
  message: string;
  path: string;
}

type Frame = { array: true; index: number; items: unknown[] } | { array: false; key: string | undefined; object: Record<string, unknown> };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
const LITERALS: readonly (readonly [string, unknown])[] = [
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['true', true],
  ['false', false],
  ['null', null],
];
const MAX_PATH_FRAMES = 16;

/**
 * Reads Python-dialect JSON into values with an explicit stack (no recursion: a 10⁶-deep file must not
 * blow the call stack). NaN and ±Infinity become numbers here, so no string is ever reinterpreted.
 */
function scanPythonJson(text: string): { ok: true; value: unknown } | { ok: false; error: ScanError } {
  const n = text.length;
  const stack: Frame[] = [];
  let root: unknown;
  let i = 0;
  const error = (offset: number, message: string): ScanError => ({ offset, message, path: renderPath(stack) });
  const syntax = (offset: number, message: string) => ({ ok: false as const, error: error(offset, `not valid JSON: ${message}`) });
  const limit = (offset: number, message: string) => ({
    ok: false as const,
    error: error(offset, `not readable by Python's json (${READ_AS_EMPTY}): ${message}`),
  });

  if (text.charCodeAt(0) === 0xfeff) return syntax(0, 'Unexpected UTF-8 BOM (decode using utf-8-sig)');

  // Returns the end offset of the string starting at `start` (a quote), or a ScanError.
  const scanString = (start: number): number | ScanError => {
    let j = start + 1;
    for (;;) {
      if (j >= n) return error(start, 'not valid JSON: Unterminated string starting at');
      const c = text.charCodeAt(j);
      if (c === 0x22) return j + 1;
      if (c === 0x5c) {
        const next = text[j + 1];
        if (next === undefined) return error(start, 'not valid JSON: Unterminated string starting at');
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) return error(j, 'not valid JSON: Invalid \\uXXXX escape');
          j += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(next)) return error(j, 'not valid JSON: Invalid \\escape');
        j += 2;
        continue;
      }
      if (c < 0x20) return error(j, 'not valid JSON: Invalid control character at');
      j += 1;
    }
  };
  // The string was checked by scanString: JSON.parse reads its escapes as Python does (lone surrogates too).
  const stringValue = (start: number, end: number): string => {
    const inner = text.slice(start + 1, end - 1);
    return inner.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : inner;
  };

  // Reads `"key" :` into the frame; returns a ScanError or undefined.
  const readKey = (frame: { array: false; key: string | undefined }): ScanError | undefined => {
    frame.key = undefined;
    i = skipWhitespace(text, i);
    if (text.charCodeAt(i) !== 0x22) return error(i, 'not valid JSON: Expecting property name enclosed in double quotes');
    const end = scanString(i);
    if (typeof end !== 'number') return end;
    frame.key = stringValue(i, end);
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) !== 0x3a) return error(i, "not valid JSON: Expecting ':' delimiter");
    i += 1;
    return undefined;
  };

  const complete = (value: unknown) => {
    const top = stack[stack.length - 1];
    if (!top) root = value;
    else if (top.array) top.items.push(value);
    // defineProperty: a `__proto__` key stays an own key (and is reported), not a prototype. A
    // duplicate key keeps its first place and takes the last value, as a Python dict does.
    else Object.defineProperty(top.object, top.key!, { value, writable: true, enumerable: true, configurable: true });
  };

  let expectValue = true;
  for (;;) {
    i = skipWhitespace(text, i);
    if (expectValue) {
      if (i >= n) return syntax(i, 'Expecting value');
      const c = text.charCodeAt(i);
      if (c === 0x7b || c === 0x5b) {
        const isArray = c === 0x5b;
        // Python enters a recursion level for every list or object, empty ones included.
        if (stack.length >= PYTHON_JSON_MAX_DEPTH) {
          return limit(
            i,
            `maximum recursion depth exceeded while decoding a JSON ${isArray ? 'array' : 'object'} from a unicode string (more than ${PYTHON_JSON_MAX_DEPTH} levels of nesting)`,
          );
        }
        i = skipWhitespace(text, i + 1);
        if (text.charCodeAt(i) === (isArray ? 0x5d : 0x7d)) {
          i += 1;
          complete(isArray ? [] : {});
          expectValue = false;
          continue;
        }
        if (isArray) {
          stack.push({ array: true, index: 0, items: [] });
          continue;
        }
        const frame = { array: false as const, key: undefined, object: {} };
        stack.push(frame);
        const failed = readKey(frame);
        if (failed) return { ok: false, error: failed };
        continue;
      }
      if (c === 0x22) {
        const end = scanString(i);
        if (typeof end !== 'number') return { ok: false, error: end };
        complete(stringValue(i, end));
        i = end;
        expectValue = false;
        continue;
      }
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(text);
      if (number) {
        const literal = number[0];
        if (!/[.eE]/.test(literal)) {
          const digits = literal.length - (literal.startsWith('-') ? 1 : 0);
          if (digits > PYTHON_INT_MAX_DIGITS) {
            return limit(
              i,
              `Exceeds the limit (${PYTHON_INT_MAX_DIGITS} digits) for integer string conversion: value has ${digits} digits`,
            );
          }
        }
        complete(Number(literal));
        i += literal.length;
        expectValue = false;
        continue;
      }
      const literal = LITERALS.find(([word]) => text.startsWith(word, i));
      if (literal) {
        complete(literal[1]);
        i += literal[0].length;
        expectValue = false;
        continue;
      }
      return syntax(i, 'Expecting value');
    }
    const top = stack[stack.length - 1];
    if (!top) {
      if (i < n) return syntax(i, 'Extra data');
      return { ok: true, value: root };
    }
    const c = text.charCodeAt(i);
    if (c === 0x2c) {
      i += 1;
      if (top.array) top.index += 1;
      else {
        const failed = readKey(top);
        if (failed) return { ok: false, error: failed };
      }
      expectValue = true;
      continue;
    }
    if (c === (top.array ? 0x5d : 0x7d)) {
      stack.pop();
      i += 1;
      complete(top.array ? top.items : top.object);
      continue;
    }
    return syntax(i, "Expecting ',' delimiter");
  }
}

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i += 1;
    else return i;
  }
}

function renderPath(stack: readonly Frame[]): string {
  let path = '$';
  const shown = stack.length > MAX_PATH_FRAMES ? stack.slice(0, MAX_PATH_FRAMES) : stack;
  for (const frame of shown) {
    if (frame.array) path += `[${frame.index}]`;
    else if (frame.key !== undefined) path = childPath(path, frame.key);
  }
  if (shown.length < stack.length) path += `…(${stack.length - shown.length} levels deeper)`;
  return path;
}

/** Python's `lineno`/`colno`: 1-based, column counted from the last newline before the offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastNewline = -1;
  for (let j = text.indexOf('\n'); j !== -1 && j < offset; j = text.indexOf('\n', j + 1)) {
    line += 1;
    lastNewline = j;
  }
  return { line, column: offset - lastNewline };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** `$[2]` + `units` → `$[2].units`; keys that are not identifiers are quoted: `$[2]["a b"]`. */
export function childPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(truncate(key, 60))}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as an operator would name it in a message. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'object':
      return 'an object';
    case 'string':
      return `the string ${JSON.stringify(truncate(v, 40))}`;
    case 'number':
      return Number.isNaN(v) ? 'NaN' : String(v);
    case 'boolean':
      return String(v);
    default:
      return typeof v;
  }
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a';
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
