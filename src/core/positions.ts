// Reads the guarded system's JSON state files (positions.json, entries.json, order_log.json) the way its
// Python code would, and says in operator terms why a file is unusable. Never throws, whatever the input.
//
// Python's `json` module is the reference, not JavaScript's: it accepts `NaN`/`Infinity` (json.dump
// writes them for float nan/inf), refuses a UTF-8 byte-order mark, and reports errors as
// `Expecting value: line 1 column 1 (char 0)`. A small scanner of that dialect locates the first error
// (line, column and the JSON path reached) because JSON.parse's messages carry neither reliably and
// echo the whole input. Records are then checked against the dataclasses of v3.2.x (reference §1, §6).
import type { Instant } from './types.ts';
import type { EntryRecord, JsonDocState, JsonProblem, OrderRecord, PositionRecord } from './world.ts';

/** Keys `validate_position_schema` requires (v3.2.x); a record lacking one is skipped by the guarded system. */
export const V32_REQUIRED_POSITION_KEYS: readonly string[] = [
  'position_id', 'symbol', 'entry_price', 'status', 'direction', 'system', 'entry_date', 'entry_n', 'units', 'total_shares', 'stop_loss',
];

/** Fields of the v3.2.x `Position` dataclass: any other key crashes `Position.from_dict` (`cls(**data)`). */
export const V32_KNOWN_POSITION_KEYS: readonly string[] = [
  'position_id', 'symbol', 'system', 'direction', 'entry_date', 'entry_price', 'entry_n', 'units', 'max_units',
  'shares_per_unit', 'total_shares', 'stop_loss', 'pyramid_level', 'exit_period', 'status', 'last_update',
  'exit_date', 'exit_price', 'exit_reason', 'pnl', 'pnl_pct', 'r_multiple',
];

export interface PositionKeys {
  requiredKeys: readonly string[];
  knownKeys: readonly string[];
}

/** Parse outcome without the file metadata (sha, time) of a JsonDocState. */
export type JsonParse<T> = { ok: true; doc: T } | { ok: false; problems: JsonProblem[] };

/** More problems than this are summarised in one last problem: a 50 000-record file must stay readable. */
export const MAX_PROBLEMS = 50;

// ---------------------------------------------------------------------------------------------
// Entry points (JsonDocState for the core's World)

/** positions.json content → its state for the World; `sha256` is the adapter's hash of the bytes. */
export function parsePositions(
  content: string,
  keys: PositionKeys,
  observedAt: Instant,
  sha256: string | undefined,
): JsonDocState<PositionRecord[]> {
  return toDocState(validatePositions(content, keys), content, observedAt, sha256);
}

export function parseEntries(content: string, observedAt: Instant, sha256: string | undefined): JsonDocState<EntryRecord[]> {
  return toDocState(validateEntries(content), content, observedAt, sha256);
}

export function parseOrderLog(content: string, observedAt: Instant, sha256: string | undefined): JsonDocState<OrderRecord[]> {
  return toDocState(validateOrderLog(content), content, observedAt, sha256);
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
  missingKeyMessage: (key: string) => string;
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
    missingKeyMessage: (key) => `missing required key "${key}": v3.2.x skips this record (잘못된 포지션 데이터 스킵)`,
  };
}

// ---------------------------------------------------------------------------------------------
// Validation (content → records or problems)

export function validatePositions(content: string, keys: PositionKeys): JsonParse<PositionRecord[]> {
  return validateList<PositionRecord>(content, positionShape(keys));
}

export function validateEntries(content: string): JsonParse<EntryRecord[]> {
  return validateList<EntryRecord>(content, ENTRY_SHAPE);
}

export function validateOrderLog(content: string): JsonParse<OrderRecord[]> {
  return validateList<OrderRecord>(content, ORDER_SHAPE);
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

function validateList<T>(content: string, shape: RecordShape): JsonParse<T[]> {
  const parsed = parsePythonJson(content);
  if (!parsed.ok) return { ok: false, problems: [parsed.problem] };
  const value = parsed.value;
  if (!Array.isArray(value)) {
    return {
      ok: false,
      problems: [{ path: '$', code: 'shape', message: `${shape.file} must be a JSON list of ${shape.noun} records, found ${describe(value)}` }],
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
    // fromEntries defines own properties: a `__proto__` key stays a key (and is reported), not a prototype.
    const record = Object.fromEntries(Object.entries(element).map(([key, raw]) => [key, restoreSpecial(raw)])) as Record<string, unknown>;
    checkKeys(record, path, shape, sink);
    checkTypes(record, path, shape, sink);
    records.push(record as T);
  });
  const problems = sink.list();
  return problems.length > 0 ? { ok: false, problems } : { ok: true, doc: records };
}

function checkKeys(record: Record<string, unknown>, path: string, shape: RecordShape, sink: ProblemSink): void {
  const label = recordLabel(record, shape);
  for (const key of shape.required) {
    if (!Object.hasOwn(record, key)) {
      sink.add({ path: childPath(path, key), code: 'missing-key', message: `${label}: ${shape.missingKeyMessage(key)}` });
    }
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

/** Python reads `NaN`, `Infinity` and `-Infinity`; they are carried through JSON.parse as marked strings. */
const SPECIAL_PREFIX = '\u0000py:';
const SPECIAL_VALUES: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

function restoreSpecial(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith(SPECIAL_PREFIX)) {
    const token = value.slice(SPECIAL_PREFIX.length);
    if (Object.hasOwn(SPECIAL_VALUES, token)) return SPECIAL_VALUES[token];
  }
  return value;
}

type PythonJson = { ok: true; value: unknown } | { ok: false; problem: JsonProblem };

/** Parse as Python's `json.loads` would; the failure carries line, column and the JSON path reached. */
export function parsePythonJson(text: string): PythonJson {
  // Fast path: well-formed JSON without NaN tokens. U+FFFD means the adapter met bytes that are not UTF-8
  // (Python's open() would raise UnicodeDecodeError), so such text always goes through the scanner.
  if (!text.includes('\uFFFD')) {
    try {
      return { ok: true, value: restoreSpecial(JSON.parse(text)) };
    } catch {
      // fall through to the scanner for a located, Python-worded message
    }
  }
  const scanned = scanPythonJson(text);
  if (!scanned.ok) {
    const { offset, message, path } = scanned.error;
    const { line, column } = lineColumn(text, offset);
    return {
      ok: false,
      problem: { path, code: 'parse', message: `not valid JSON: ${message}: line ${line} column ${column} (char ${offset})` },
    };
  }
  try {
    return { ok: true, value: JSON.parse(scanned.text, (_key, value: unknown) => restoreSpecial(value)) };
  } catch (err) {
    // Only a pathologically deep document gets here (the reviver recurses; Python's json gives up far
    // earlier, at its recursion limit). Never echo V8's message: it quotes the whole input.
    const message = err instanceof RangeError ? 'nested too deeply to read' : 'unreadable';
    return { ok: false, problem: { path: '$', code: 'parse', message: `not valid JSON: ${message}` } };
  }
}

interface ScanError {
  offset: number;
  message: string;
  path: string;
}

type Frame = { array: true; index: number } | { array: false; key: string | undefined };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;
const MAX_PATH_FRAMES = 16;

/**
 * Validates Python-dialect JSON with an explicit stack (no recursion: a 10⁶-deep file must not blow
 * the call stack) and returns text that JSON.parse accepts, with NaN tokens replaced by marked strings.
 */
function scanPythonJson(text: string): { ok: true; text: string } | { ok: false; error: ScanError } {
  const n = text.length;
  const stack: Frame[] = [];
  const specials: { start: number; end: number; token: string }[] = [];
  let i = 0;
  const fail = (offset: number, message: string) => ({ ok: false as const, error: { offset, message, path: renderPath(stack) } });

  if (text.charCodeAt(0) === 0xfeff) return fail(0, 'Unexpected UTF-8 BOM (decode using utf-8-sig)');

  // Returns the end offset of the string starting at `start` (a quote), or a ScanError.
  const scanString = (start: number): number | ScanError => {
    let j = start + 1;
    for (;;) {
      if (j >= n) return { offset: start, message: 'Unterminated string starting at', path: renderPath(stack) };
      const c = text.charCodeAt(j);
      if (c === 0x22) return j + 1;
      if (c === 0x5c) {
        const next = text[j + 1];
        if (next === undefined) return { offset: start, message: 'Unterminated string starting at', path: renderPath(stack) };
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) return { offset: j, message: 'Invalid \\uXXXX escape', path: renderPath(stack) };
          j += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(next)) return { offset: j, message: 'Invalid \\escape', path: renderPath(stack) };
        j += 2;
        continue;
      }
      if (c < 0x20) return { offset: j, message: 'Invalid control character at', path: renderPath(stack) };
      if (c === 0xfffd) return { offset: j, message: 'Bytes that are not valid UTF-8 (decoded as U+FFFD) at', path: renderPath(stack) };
      j += 1;
    }
  };

  // Reads `"key" :` into the frame; returns a ScanError or undefined.
  const readKey = (frame: { array: false; key: string | undefined }): ScanError | undefined => {
    frame.key = undefined;
    i = skipWhitespace(text, i);
    if (text.charCodeAt(i) !== 0x22) return { offset: i, message: 'Expecting property name enclosed in double quotes', path: renderPath(stack) };
    const end = scanString(i);
    if (typeof end !== 'number') return end;
    frame.key = JSON.parse(text.slice(i, end)) as string;
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) !== 0x3a) return { offset: i, message: "Expecting ':' delimiter", path: renderPath(stack) };
    i += 1;
    return undefined;
  };

  let expectValue = true;
  for (;;) {
    i = skipWhitespace(text, i);
    if (expectValue) {
      if (i >= n) return fail(i, 'Expecting value');
      const c = text.charCodeAt(i);
      if (c === 0x7b) {
        i = skipWhitespace(text, i + 1);
        if (text.charCodeAt(i) === 0x7d) {
          i += 1;
          expectValue = false;
          continue;
        }
        const frame = { array: false as const, key: undefined };
        stack.push(frame);
        const error = readKey(frame);
        if (error) return { ok: false, error };
        continue;
      }
      if (c === 0x5b) {
        i = skipWhitespace(text, i + 1);
        if (text.charCodeAt(i) === 0x5d) {
          i += 1;
          expectValue = false;
          continue;
        }
        stack.push({ array: true, index: 0 });
        continue;
      }
      if (c === 0x22) {
        const end = scanString(i);
        if (typeof end !== 'number') return { ok: false, error: end };
        i = end;
        expectValue = false;
        continue;
      }
      const special = ['-Infinity', 'NaN', 'Infinity'].find((token) => text.startsWith(token, i));
      if (special) {
        specials.push({ start: i, end: i + special.length, token: special });
        i += special.length;
        expectValue = false;
        continue;
      }
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(text);
      if (number) {
        i += number[0].length;
        expectValue = false;
        continue;
      }
      const literal = LITERALS.find((word) => text.startsWith(word, i));
      if (literal) {
        i += literal.length;
        expectValue = false;
        continue;
      }
      return fail(i, 'Expecting value');
    }
    const top = stack[stack.length - 1];
    if (!top) {
      if (i < n) return fail(i, 'Extra data');
      break;
    }
    const c = text.charCodeAt(i);
    if (c === 0x2c) {
      i += 1;
      if (top.array) top.index += 1;
      else {
        const error = readKey(top);
        if (error) return { ok: false, error };
      }
      expectValue = true;
      continue;
    }
    if (c === (top.array ? 0x5d : 0x7d)) {
      stack.pop();
      i += 1;
      continue;
    }
    return fail(i, "Expecting ',' delimiter");
  }

  if (specials.length === 0) return { ok: true, text };
  let out = '';
  let from = 0;
  for (const s of specials) {
    out += text.slice(from, s.start) + JSON.stringify(SPECIAL_PREFIX + s.token);
    from = s.end;
  }
  return { ok: true, text: out + text.slice(from) };
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
export function describe(value: unknown): string {
  const v = restoreSpecial(value);
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
