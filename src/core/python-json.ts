// Python's `json` module as the reference reader of the guarded system's state files, not JavaScript's:
// it accepts `NaN`/`Infinity` (json.dump writes them for float nan/inf), refuses a UTF-8 byte-order mark,
// gives up on integers of more than 4300 digits and on deep nesting, and reports errors as
// `Expecting value: line 1 column 1 (char 0)`. This small parser of that dialect locates the first error
// (line, column and the JSON path reached) because JSON.parse's messages carry neither reliably and echo
// the whole input. Never throws, whatever the input.
import type { Utf8Error } from './types.ts';
import { pythonUtf8Message } from './utf8.ts';
import type { JsonProblem } from './world.ts';
import { childPath } from './json-words.ts';

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
