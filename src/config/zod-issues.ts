// zod issues over parsed YAML → positioned `file:line:col: path: message` lines an operator can act on.
import type { z } from 'zod';
import { formatError, lowerFirst, type PathSegment, type Position, type Validated, type YamlSource } from './yaml-errors.ts';
import { hasPath, keyPosition, parentPosition, valueAt, valuePosition } from './yaml-tree.ts';
import { closest, isDurationSchema, knownKeysAt, schemaAt } from './schema-hints.ts';

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

/** A key an operator could have meant: anything else (a line of some other file) is not quoted back. */
const KEY_NAME = /^[\w.-]{1,64}$/;
