// Turns YAML text into data and every problem with it into `file:line:col: path: message` lines.
// Pure: text in, values and error strings out. Positions come from `yaml`'s parseDocument + LineCounter;
// zod issues are mapped back to the node at their path so an operator can jump straight to the mistake.
import { Document, LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import type { Pair, ParsedNode } from 'yaml';
import type { z } from 'zod';

export interface YamlSource {
  /** Name printed in error messages (the path as the operator gave it). */
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export type ParsedYaml = { ok: true; source: YamlSource; data: unknown } | { ok: false; errors: string[] };
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export interface Position {
  line: number;
  col: number;
}

export type PathSegment = string | number;

/** The path as printed: `rules.0.params.grace`; the document itself is `(root)`. */
export function formatPath(path: readonly PathSegment[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

export function formatError(file: string, pos: Position, path: readonly PathSegment[], message: string): string {
  return `${file}:${pos.line}:${pos.col}: ${formatPath(path)}: ${message}`;
}

// ---------------------------------------------------------------------------------------------
// Bytes → text

/**
 * Decode a file as UTF-8, refusing binary content: a NUL byte or an invalid UTF-8 sequence means the
 * operator pointed us at the wrong file, and YAML would happily parse such bytes as one long string.
 */
export function decodeText(bytes: Uint8Array, file: string): { ok: true; text: string } | { ok: false; errors: string[] } {
  const nul = bytes.indexOf(0);
  let bad = nul;
  if (bad < 0) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      bad = firstInvalidUtf8(bytes);
    }
  }
  if (bad >= 0) {
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad));
    const pos = positionInText(before, before.length);
    const what = nul >= 0 ? 'a NUL byte' : 'bytes that are not UTF-8';
    return { ok: false, errors: [formatError(file, pos, [], `not a YAML text file: ${what} at byte ${bad}`)] };
  }
  let text = new TextDecoder('utf-8').decode(bytes);
  // A byte-order mark is legal but would shift every column of the first line by one.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  const strict = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  // The first bad byte is where decoding the prefix starts to fail (up to 3 bytes of an unfinished sequence).
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    let ok = false;
    for (let cut = mid + 1; cut <= Math.min(bytes.length, mid + 4) && !ok; cut++) {
      try {
        strict.decode(bytes.subarray(0, cut));
        ok = true;
      } catch {
        /* try a longer prefix: the sequence may merely be cut */
      }
    }
    if (ok) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function positionInText(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

// ---------------------------------------------------------------------------------------------
// Secrets

/** Something shaped like a Telegram bot token (`<bot id>:<35-char secret>`). */
const BOT_TOKEN = /\d{6,}:[A-Za-z0-9_-]{30,}/g;

/**
 * Refuse files that carry a bot token anywhere (values, keys, comments): secrets belong in the
 * environment. The message names the place but never repeats the token.
 */
export function findBotTokens(text: string, file: string, hint: string): string[] {
  const errors: string[] = [];
  let source: YamlSource | undefined;
  for (const match of text.matchAll(BOT_TOKEN)) {
    const offset = match.index ?? 0;
    const pos = positionInText(text, offset);
    if (!source) {
      const lineCounter = new LineCounter();
      source = { file, text, doc: parseDocument(text, { lineCounter, prettyErrors: false }), lineCounter };
    }
    // The token may be a key on the path itself: never print it, not even there.
    const path = pathAtOffset(source, offset).map((seg) =>
      typeof seg === 'string' && new RegExp(BOT_TOKEN.source).test(seg) ? '<token>' : seg,
    );
    errors.push(formatError(file, pos, path, `this looks like a Telegram bot token; refusing to load it. ${hint}`));
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Text → data

// The library's wording, rephrased for an operator where it speaks in grammar terms.
const SYNTAX_MESSAGES: Record<string, string> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document (a second `---`); keep everything in one document',
  TAB_AS_INDENT: 'tabs are not allowed for indentation in YAML; indent with spaces',
  DUPLICATE_KEY: 'duplicate key: this key is already set earlier in the same map',
  BLOCK_AS_IMPLICIT_KEY:
    'this value runs into the next line as if that line continued it: check the indentation of the line below (keys of one map start in the same column)',
  MULTILINE_IMPLICIT_KEY: 'a key runs over more than one line: check the indentation here (keys of one map start in the same column)',
};

/** Parse one YAML document. Syntax errors, warnings (unknown tags) and dangling aliases are all errors. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const source: YamlSource = { file, text, doc, lineCounter };
  let unclosedAt = Infinity;
  const found = [...doc.errors, ...doc.warnings].map((err) => {
    let offset = err.pos[0];
    let message = SYNTAX_MESSAGES[err.code] ?? lowerFirst(err.message.split('\n')[0]!);
    if (err.code === 'MISSING_CHAR') {
      // The library reports an unclosed quote where the file ends; the mistake is where the quote opens.
      const opened = unclosedQuoteBefore(doc, offset);
      if (opened !== undefined) {
        offset = opened;
        message = 'this quoted string is never closed: add the closing quote';
      }
    }
    const flow = /^Flow (sequence|map) in block collection/.exec(err.message);
    if (err.code === 'BAD_INDENT' && flow) {
      // Reported at the next less-indented line, often several lines (comments) below the mistake,
      // which is the bracket that was opened and never closed.
      const opened = unclosedFlowBefore(doc, offset);
      if (opened !== undefined) {
        offset = opened;
        message =
          flow[1] === 'sequence' ? 'this [ list is never closed: add the closing ]' : 'this { map is never closed: add the closing }';
        // Everything after an unclosed bracket is read as its content: the errors further down are its echoes.
        unclosedAt = Math.min(unclosedAt, opened);
        return { offset, message, cause: true };
      }
    }
    return { offset, message, cause: false };
  });
  const problems: { offset: number; message: string }[] = found.filter((p) => p.cause || p.offset <= unclosedAt);
  // An alias to an anchor that does not exist makes toJS() throw: report it instead.
  visit(doc, {
    Alias(_key, node) {
      if (!node.resolve(doc)) {
        const offset = node.range?.[0] ?? 0;
        problems.push({ offset, message: `alias *${node.source} refers to no anchor &${node.source} defined before it` });
      }
    },
  });
  if (problems.length > 0) return { ok: false, errors: syntaxErrorLines(source, problems) };
  try {
    return { ok: true, source, data: doc.toJS({ maxAliasCount: 1000 }) };
  } catch (err) {
    // e.g. an alias bomb exceeding maxAliasCount: the library's own message is precise enough.
    return {
      ok: false,
      errors: [formatError(file, { line: 1, col: 1 }, [], `cannot read the YAML: ${err instanceof Error ? err.message : String(err)}`)],
    };
  }
}

/** One line per position (the library often reports one mistake twice, in other words), in file order. */
function syntaxErrorLines(source: YamlSource, problems: { offset: number; message: string }[]): string[] {
  const byOffset = new Map<number, string>();
  for (const p of problems) if (!byOffset.has(p.offset)) byOffset.set(p.offset, p.message);
  return [...byOffset.entries()]
    .sort(([a], [b]) => a - b)
    .map(([offset, message]) =>
      formatError(source.file, source.lineCounter.linePos(offset), plainPrefix(pathAtOffset(source, offset)), message),
    );
}

/**
 * In a document that failed to parse, a misindented line can turn into a key like `cron-schedule
 * action`; such a segment says nothing to the operator, so the path stops before it.
 */
function plainPrefix(path: PathSegment[]): PathSegment[] {
  const end = path.findIndex((seg) => typeof seg === 'string' && !/^[\w.-]+$/.test(seg));
  return end < 0 ? path : path.slice(0, end);
}

function unclosedQuoteBefore(doc: Document.Parsed, offset: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      const range = node.range;
      if (!range) return;
      if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && range[0] < offset && range[1] >= offset) found = range[0];
    },
  });
  return found;
}

/** The innermost flow collection (`[…` or `{…`) that runs up to `offset` without its closing bracket. */
function unclosedFlowBefore(doc: Document.Parsed, offset: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Collection(_key, node) {
      const range = node.range;
      if (!range || !node.flow) return;
      if (range[0] < offset && range[1] >= offset && (found === undefined || range[0] > found)) found = range[0];
    },
  });
  return found;
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}

// ---------------------------------------------------------------------------------------------
// Data → typed value, with zod issues mapped to positions

/** Validate parsed YAML data with a zod schema; every issue becomes one positioned error line. */
export function validateYaml<S extends z.ZodType>(source: YamlSource, data: unknown, schema: S): Validated<z.output<S>> {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: formatIssues(source, data, schema, result.error.issues) };
}

type Issue = z.core.$ZodIssue;

export function formatIssues(source: YamlSource, data: unknown, schema: z.ZodType, issues: readonly Issue[]): string[] {
  const lines: { pos: Position; text: string }[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path, data);
      for (const key of issue.keys) {
        const pos = keyPosition(source, path, key);
        if (!KEY_NAME.test(key)) {
          lines.push({
            pos,
            text: formatError(
              source.file,
              pos,
              path,
              `a line that is not a key: value of this file (not repeated here: it may hold secrets); is this the right file?`,
            ),
          });
          continue;
        }
        const suggestion = closest(key, known);
        const hint = suggestion ? ` (did you mean "${suggestion}"?)` : known.length > 0 ? ` (allowed here: ${known.join(', ')})` : '';
        lines.push({ pos, text: formatError(source.file, pos, [...path, key], `unknown key "${key}"${hint}`) });
      }
      continue;
    }
    const present = hasPath(data, path);
    const pos = present ? valuePosition(source, path) : parentPosition(source, path);
    lines.push({ pos, text: formatError(source.file, pos, path, describeIssue(issue, path, data, schema, present)) });
  }
  lines.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
  return [...new Set(lines.map((l) => l.text))];
}

function describeIssue(issue: Issue, path: PathSegment[], data: unknown, schema: z.ZodType, present: boolean): string {
  const last = path[path.length - 1];
  if (!present && last !== undefined) {
    if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
      return `missing required key "${String(last)}" (one of ${issue.options.map((o) => `"${String(o)}"`).join(', ')})`;
    }
    const expected = issue.code === 'invalid_type' ? ` (${typeName(issue.expected)})` : '';
    return `missing required key "${String(last)}"${expected}`;
  }
  const value = valueAt(data, path);
  if (typeof last === 'string' && /Env$/.test(last) && issue.code === 'invalid_format') {
    // A value here is most often the secret itself pasted in place of the variable's name: never echo it.
    return 'expected the NAME of an environment variable (capital letters, digits and _, e.g. SENTINEL_TELEGRAM_TOKEN), not its value';
  }
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.expected === 'string' && typeof value === 'number' && isDurationSchema(schemaAt(schema, path, data))) {
        return `expected a duration with a unit, got the bare number ${value}: write e.g. ${value}m (or 90s, 2h, 1d)`;
      }
      return `expected ${typeName(issue.expected)}, got ${describeValue(value)}`;
    }
    case 'invalid_union': {
      if ('options' in issue && Array.isArray(issue.options) && issue.options.length > 0) {
        const options = issue.options.map((o) => String(o));
        const suggestion = typeof value === 'string' ? closest(value, options) : undefined;
        const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
        return `unknown ${String(last ?? 'value')} ${describeValue(value)}${hint}; expected one of ${options.map((o) => `"${o}"`).join(', ')}`;
      }
      const alternatives = issue.errors
        .map((branch) =>
          branch.filter((i) => i.path.length === 0).map((i) => (i.code === 'invalid_type' ? typeName(i.expected) : i.message)),
        )
        .filter((msgs) => msgs.length > 0)
        .map((msgs) => msgs.join(' and '));
      return alternatives.length > 0 ? `expected ${alternatives.join(' or ')}, got ${describeValue(value)}` : issue.message;
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => String(v));
      const suggestion = typeof value === 'string' ? closest(value, options) : undefined;
      const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
      return `${describeValue(value)} is not allowed here${hint}; expected one of ${options.map((o) => `"${o}"`).join(', ')}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return `must not be empty`;
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}, got ${describeValue(value)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}, got ${describeValue(value)}`;
    case 'invalid_format':
      // The schema's own regex messages ("expected a duration such as 90s…") are written for operators;
      // zod's generic ones ("Invalid string: must match pattern …") only need their capital lowered.
      return `${issue.message.startsWith('Invalid') ? lowerFirst(issue.message) : issue.message}, got ${describeValue(value)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a map of key: value lines',
  array: 'a list of "- " items',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** A short, safe rendering of the offending value: long strings are cut, maps and lists are named. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number') return `the number ${value}`;
  return `${typeof value} ${String(value)}`;
}

// ---------------------------------------------------------------------------------------------
// Data and YAML tree walking

function hasPath(data: unknown, path: readonly PathSegment[]): boolean {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return false;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return false;
    cur = (cur as Record<PathSegment, unknown>)[seg];
  }
  return cur !== undefined;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PathSegment, unknown>)[seg];
  }
  return cur;
}

interface Located {
  /** The value node at the end of the walk (possibly null for `key:` with nothing after it). */
  node: unknown;
  /** The key node under which `node` sits, when it sits under one. */
  key?: unknown;
  /** How many segments of the path were found. */
  depth: number;
}

function resolveAlias(source: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(source.doc) : node;
}

function locate(source: YamlSource, path: readonly PathSegment[]): Located {
  let node: unknown = resolveAlias(source, source.doc.contents);
  let key: unknown;
  let depth = 0;
  for (const seg of path) {
    let next: { node: unknown; key?: unknown } | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (pair) next = { node: resolveAlias(source, pair.value), key: pair.key };
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item !== undefined) next = { node: resolveAlias(source, item) };
    }
    if (!next) break;
    node = next.node;
    key = next.key;
    depth++;
  }
  return { node, key, depth };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function startOf(source: YamlSource, node: unknown): Position | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (!range) return undefined;
  return source.lineCounter.linePos(range[0]);
}

/** A null scalar written as nothing (`key:`) has no useful position of its own: use its key. */
function isEmptyScalar(node: unknown): boolean {
  return (
    node === null || node === undefined || (isScalar(node) && node.value === null && (node.source === '' || node.source === undefined))
  );
}

function documentStart(source: YamlSource): Position {
  const contents = source.doc.contents;
  return (contents && !isEmptyScalar(contents) ? startOf(source, contents) : undefined) ?? { line: 1, col: 1 };
}

/** Where the value at `path` is written (or its key, when the value is written as nothing). */
export function valuePosition(source: YamlSource, path: readonly PathSegment[]): Position {
  const found = locate(source, path);
  if (found.depth < path.length) return parentPosition(source, path);
  if (!isEmptyScalar(found.node)) return startOf(source, found.node) ?? startOf(source, found.key) ?? documentStart(source);
  return startOf(source, found.key) ?? documentStart(source);
}

/** For a missing key: the map that should have held it (the first key of that map). */
export function parentPosition(source: YamlSource, path: readonly PathSegment[]): Position {
  const found = locate(source, path.slice(0, -1));
  if (!isEmptyScalar(found.node)) return startOf(source, found.node) ?? startOf(source, found.key) ?? documentStart(source);
  return startOf(source, found.key) ?? documentStart(source);
}

/** For an unknown key: the key itself. */
export function keyPosition(source: YamlSource, mapPath: readonly PathSegment[], key: string): Position {
  const found = locate(source, mapPath);
  if (isMap(found.node)) {
    const pair = found.node.items.find((p) => keyText(p.key) === key);
    const pos = pair ? startOf(source, pair.key) : undefined;
    if (pos) return pos;
  }
  return valuePosition(source, mapPath);
}

/** The path of the deepest node whose text contains `offset` (for syntax errors and secrets). */
export function pathAtOffset(source: YamlSource, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  let node: unknown = source.doc.contents;
  const contains = (n: unknown): boolean => {
    const range = (n as { range?: [number, number, number] } | null)?.range;
    return !!range && range[0] <= offset && offset < Math.max(range[2], range[1]);
  };
  for (let guard = 0; guard < 1000; guard++) {
    if (isMap(node)) {
      const pair: Pair<unknown, unknown> | undefined = node.items.find((p) => {
        if (!isPair(p)) return false;
        const k = p.key as ParsedNode | null;
        const v = p.value as ParsedNode | null;
        const start = k?.range?.[0] ?? v?.range?.[0];
        const end = v?.range?.[2] ?? k?.range?.[2];
        return start !== undefined && end !== undefined && start <= offset && offset < Math.max(end, start + 1);
      });
      const name = pair ? keyText(pair.key) : undefined;
      if (!pair || name === undefined) break;
      path.push(name);
      node = pair.value;
      continue;
    }
    if (isSeq(node)) {
      const index = node.items.findIndex(contains);
      if (index < 0) break;
      path.push(index);
      node = node.items[index];
      continue;
    }
    break;
  }
  return path;
}

// ---------------------------------------------------------------------------------------------
// Schema introspection, only for hints ("did you mean", "needs a unit"): failure here costs a hint, never an error.

interface SchemaDef {
  type?: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  options?: unknown[];
  discriminator?: string;
}

function defOf(schema: unknown): SchemaDef | undefined {
  const def = (schema as { _zod?: { def?: unknown } } | null)?._zod?.def;
  return def && typeof def === 'object' ? (def as SchemaDef) : undefined;
}

/** Strip wrappers (default, prefault, optional, nullable, pipe input) down to the shape that validates input. */
function unwrap(schema: unknown): unknown {
  let cur = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(cur);
    if (!def) return cur;
    if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional' || def.type === 'nullable' || def.type === 'readonly')
      cur = def.innerType;
    else if (def.type === 'pipe') cur = def.in;
    else return cur;
  }
  return cur;
}

function schemaAt(schema: unknown, path: readonly PathSegment[], data: unknown): unknown {
  let cur: unknown = schema;
  let value: unknown = data;
  for (const seg of path) {
    cur = pickUnionBranch(unwrap(cur), value);
    const def = defOf(cur);
    if (!def) return undefined;
    if (def.type === 'object' && def.shape) cur = def.shape[String(seg)];
    else if (def.type === 'array') cur = def.element;
    else return undefined;
    value = value !== null && typeof value === 'object' ? (value as Record<PathSegment, unknown>)[seg] : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** In a discriminated union, follow the branch the data names; in a plain union, the first object branch. */
function pickUnionBranch(schema: unknown, value: unknown): unknown {
  const def = defOf(schema);
  if (def?.type !== 'union' || !def.options) return schema;
  if (def.discriminator && value !== null && typeof value === 'object') {
    const wanted = (value as Record<string, unknown>)[def.discriminator];
    const branch = def.options.find((o) => {
      const lit = defOf(unwrap(defOf(o)?.shape?.[def.discriminator!]));
      return Array.isArray((lit as { values?: unknown[] } | undefined)?.values) && (lit as { values: unknown[] }).values.includes(wanted);
    });
    if (branch) return branch;
  }
  return def.options.find((o) => defOf(unwrap(o))?.type === (Array.isArray(value) ? 'array' : 'object')) ?? schema;
}

function knownKeysAt(schema: unknown, path: readonly PathSegment[], data: unknown): string[] {
  const at = pickUnionBranch(unwrap(schemaAt(schema, path, data)), valueAt(data, path));
  const def = defOf(unwrap(at));
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** A duration field accepts `10m` and refuses words: tested on the schema itself, so no list to keep in sync. */
function isDurationSchema(schema: unknown): boolean {
  const s = schema as { safeParse?: (v: unknown) => { success: boolean } } | undefined;
  if (typeof s?.safeParse !== 'function') return false;
  return s.safeParse('10m').success && !s.safeParse('ten minutes').success;
}

// ---------------------------------------------------------------------------------------------
// "Did you mean"

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === word.toLowerCase()) return candidate;
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/**
 * Bytes or text → parsed YAML, the way every configuration file is read: BOM dropped, invalid UTF-8
 * refused, bot tokens refused before parsing (so no later message can quote one), then YAML.
 */
export function readYamlContent(content: Uint8Array | string, file: string, tokenHint: string): ParsedYaml {
  let text: string;
  if (typeof content === 'string') {
    text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  } else {
    const decoded = decodeText(content, file);
    if (!decoded.ok) return decoded;
    text = decoded.text;
  }
  const secrets = findBotTokens(text, file, tokenHint);
  if (secrets.length > 0) return { ok: false, errors: secrets };
  const parsed = parseYaml(text, file);
  // A whole file that reads as one plain scalar is some other file (an .env, a script, a log): say so
  // without quoting it, since such a file may hold passwords or keys.
  if (parsed.ok && parsed.data !== null && typeof parsed.data !== 'object') {
    return { ok: false, errors: [formatError(file, { line: 1, col: 1 }, [], NOT_YAML_MAP)] };
  }
  return parsed;
}

const NOT_YAML_MAP =
  'not a YAML file of key: value lines: it reads as plain text (not repeated here: it may hold secrets); is this the right file?';

/** A key an operator could have meant: anything else (a line of some other file) is not quoted back. */
const KEY_NAME = /^[\w.-]{1,64}$/;
