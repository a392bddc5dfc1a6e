// Reads the few facts the catalogue needs from turtle-trading's Python sources, without running them:
// the constant text of logging calls, dataclass fields, how `from_dict` treats unknown keys, which src
// modules a script imports, the log file a script opens itself, the env variable a module reads.
// Line-oriented on purpose: the sources are plain, formatted by ruff, and a reading that fails shows
// up as a difference in `catalogue check` or an error, never as a silent guess.

/** The constant text a logging call starts with: for an f-string, up to its first placeholder. */
export interface LoggedText {
  text: string;
  /** False when a placeholder cut the text short (the line logged continues with a value). */
  whole: boolean;
  /** 0-based offset of the call in the source. */
  offset: number;
}

const LOG_CALL = /\b(?:logger|logging|log)\.(?:debug|info|warning|warn|error|critical|exception)\(\s*/g;

interface Literal {
  /** Constant text up to the first placeholder. */
  text: string;
  whole: boolean;
  /** Every run of constant text between placeholders, across implicitly concatenated literals. */
  pieces: string[];
}

/** The string literal (or implicitly concatenated literals) starting at `at`, as constant text. */
function literalAt(source: string, at: number): Literal | undefined {
  let i = at;
  const pieces: string[] = [];
  let current = '';
  let cut = false;
  let found = false;
  for (;;) {
    const m = /^([rRbBfFuU]{0,2})("""|'''|"|')/.exec(source.slice(i, i + 6));
    if (!m) break;
    const prefix = m[1]!.toLowerCase();
    const quote = m[2]!;
    if (prefix.includes('b')) return undefined;
    const start = i + m[0].length;
    const end = findClosing(source, start, quote, prefix.includes('r'));
    if (end < 0) return undefined;
    found = true;
    const body = source.slice(start, end);
    const value = prefix.includes('r') ? body : unescapePython(body);
    if (prefix.includes('f')) {
      for (const segment of fStringSegments(value)) {
        if (segment === PLACEHOLDER) {
          pieces.push(current);
          current = '';
          cut = true;
        } else current += segment;
      }
    } else current += value;
    i = end + quote.length;
    // Implicit concatenation: whitespace, newlines and comments between literals.
    const gap = /^(?:\s|#[^\n]*)*/.exec(source.slice(i))![0];
    i += gap.length;
  }
  if (!found) return undefined;
  pieces.push(current);
  return { text: pieces[0]!, whole: !cut, pieces: pieces.filter((p) => p !== '') };
}

const PLACEHOLDER = Symbol('placeholder');

/** An f-string body as constant text and placeholders (`{x}`, `{x:{w}}`); `{{` and `}}` are literal braces. */
function fStringSegments(value: string): (string | typeof PLACEHOLDER)[] {
  const out: (string | typeof PLACEHOLDER)[] = [];
  let text = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if ((c === '{' || c === '}') && value[i + 1] === c) {
      text += c;
      i++;
    } else if (c === '{') {
      out.push(text, PLACEHOLDER);
      text = '';
      let depth = 1;
      while (depth > 0 && ++i < value.length) {
        if (value[i] === '{') depth++;
        else if (value[i] === '}') depth--;
      }
    } else text += c;
  }
  out.push(text);
  return out;
}

function findClosing(source: string, from: number, quote: string, raw: boolean): number {
  for (let i = from; i < source.length; i++) {
    if (source[i] === '\\' && !raw) {
      i++;
      continue;
    }
    if (source.startsWith(quote, i)) return i;
    if (quote.length === 1 && source[i] === '\n') return -1;
  }
  return -1;
}

function unescapePython(body: string): string {
  return body.replace(/\\(n|t|\\|'|"|\n)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === '\n' ? '' : c));
}

/** Every logging call whose first argument starts with a string literal, in source order. */
export function loggedTexts(source: string): LoggedText[] {
  const out: LoggedText[] = [];
  for (const m of source.matchAll(LOG_CALL)) {
    const literal = literalAt(source, m.index + m[0].length);
    if (literal && literal.text.trim() !== '') out.push({ text: literal.text, whole: literal.whole, offset: m.index });
  }
  return out;
}

const OUTPUT_CALL = new RegExp(`${LOG_CALL.source}|\\bprint\\(\\s*`, 'g');

/**
 * Every run of constant text a logging or print call can write (between placeholders): what a plain
 * substring of one of its log lines can be. A needle found only in a comment or a docstring is not here.
 */
export function outputFragments(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(OUTPUT_CALL)) out.push(...(literalAt(source, m.index + m[0].length)?.pieces ?? []));
  return out;
}

export interface DataclassField {
  name: string;
  hasDefault: boolean;
}

/** The body lines of `class <name>` (indented lines up to the next top-level statement), or undefined. */
function classBody(source: string, name: string): string[] | undefined {
  const lines = source.split(/\r?\n/);
  const start = lines.findIndex((l) => new RegExp(`^class\\s+${name}\\b`).test(l));
  if (start < 0) return undefined;
  const body: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() !== '' && !/^\s/.test(line)) break;
    body.push(line);
  }
  return body;
}

/**
 * The fields of `@dataclass class <name>` in declaration order: annotated names at the class body's
 * own indentation, outside docstrings and method bodies. `ClassVar` annotations are not fields.
 */
export function dataclassFields(source: string, name: string): DataclassField[] | undefined {
  const body = classBody(source, name);
  if (!body) return undefined;
  const firstCode = body.find((l) => l.trim() !== '');
  if (!firstCode) return [];
  const indent = /^\s*/.exec(firstCode)![0];
  const fields: DataclassField[] = [];
  let inDocstring: string | undefined;
  for (const line of body) {
    const trimmed = line.trim();
    if (inDocstring) {
      if (trimmed.includes(inDocstring)) inDocstring = undefined;
      continue;
    }
    const doc = /^("""|''')/.exec(trimmed);
    if (doc) {
      // A docstring that does not close on its own line runs until the line that does.
      if (trimmed.indexOf(doc[1]!, 3) < 0) inDocstring = doc[1];
      continue;
    }
    if (!line.startsWith(indent) || /^\s/.test(line.slice(indent.length))) continue;
    const m = /^([A-Za-z_]\w*)\s*:\s*([^=#]+?)\s*(=\s*(.*?))?\s*(#.*)?$/.exec(trimmed);
    if (!m) continue;
    if (/^(typing\.)?ClassVar\b/.test(m[2]!)) continue;
    const value = m[4];
    const hasDefault = value !== undefined && (!/^field\(/.test(value) || /\bdefault(_factory)?\s*=/.test(value));
    fields.push({ name: m[1]!, hasDefault });
  }
  return fields;
}

/**
 * What `<name>.from_dict` does with a key the dataclass does not have: `drop` when it filters the
 * record to the known fields first, `crash` when it passes the record on (`cls(**data)`), or when
 * there is no from_dict at all (the loaders then call `<name>(**record)`).
 */
export function unknownKeysOf(source: string, name: string): 'crash' | 'drop' {
  const body = classBody(source, name);
  if (!body) return 'crash';
  const start = body.findIndex((l) => /^\s*def\s+from_dict\b/.test(l));
  if (start < 0) return 'crash';
  const indent = /^\s*/.exec(body[start]!)![0].length;
  const method: string[] = [];
  for (let i = start + 1; i < body.length; i++) {
    const line = body[i]!;
    if (line.trim() !== '' && /^\s*/.exec(line)![0].length <= indent) break;
    method.push(line);
  }
  const text = method.join('\n');
  return /\bif\s+\w+\s+in\s+\w+/.test(text) && /\bfields\(\s*cls\s*\)|__dataclass_fields__/.test(text) ? 'drop' : 'crash';
}

/** Repository paths of the src modules a file imports (`from src.x import`, `from .x import`, `import src.x`). */
export function importedModules(source: string, ownPath: string): string[] {
  const out = new Set<string>();
  const ownDir = ownPath.includes('/') ? ownPath.slice(0, ownPath.lastIndexOf('/')) : '';
  for (const m of source.matchAll(/^\s*from\s+(\.+)?([\w.]*)\s+import\b/gm)) {
    const dots = m[1]?.length ?? 0;
    const dotted = m[2]!;
    if (dots === 0) {
      if (dotted.startsWith('src.')) out.add(`${dotted.replace(/\./g, '/')}.py`);
    } else {
      const base = ownDir.split('/').slice(0, Math.max(0, ownDir.split('/').length - (dots - 1)));
      if (dotted !== '') out.add(`${[...base, ...dotted.split('.')].join('/')}.py`);
    }
  }
  for (const m of source.matchAll(/^\s*import\s+(src\.[\w.]+)/gm)) out.add(`${m[1]!.replace(/\./g, '/')}.py`);
  return [...out].sort();
}

/**
 * The log file a script opens itself (TimedRotatingFileHandler / RotatingFileHandler / FileHandler,
 * or basicConfig(filename=…)): its base name, e.g. `monitor.log`.
 */
export function ownLogFile(source: string): string | undefined {
  const handler = /\b(?:Timed)?(?:Rotating)?FileHandler\(\s*([^,)]*)/.exec(source);
  const argument = handler?.[1] ?? /\bbasicConfig\([^)]*\bfilename\s*=\s*([^,)]*)/.exec(source)?.[1];
  if (argument === undefined) return undefined;
  // `log_dir / "monitor.log"`, `"logs/x.log"`: the base name is what the logs directory holds.
  const name = /["'](?:[^"']*\/)?([\w.-]+\.log)["']/.exec(argument);
  return name?.[1];
}

/** The environment variables a module reads (`os.environ.get("X")`, `os.getenv("X")`, `os.environ["X"]`), in order. */
export function envVariablesRead(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/\bos\.(?:environ\.get|getenv)\(\s*["'](\w+)["']|\bos\.environ\[\s*["'](\w+)["']\s*\]/g)) {
    const name = (m[1] ?? m[2])!;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
