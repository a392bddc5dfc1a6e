// Turns YAML text into data and every problem with it into `file:line:col: path: message` lines.
// Pure: text in, values and error strings out. Positions come from `yaml`'s parseDocument + LineCounter;
// zod issues are mapped back to the node at their path (zod-issues.ts) so an operator can jump to the mistake.
import { Document, LineCounter, parseDocument, visit } from 'yaml';
import { pathAtOffset } from './yaml-tree.ts';

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

export function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
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
