// Checks parsed state-file records against a record schema (record-shapes.ts) and words each problem
// for the operator: keys missing or unknown, then fields whose value the schema refuses.
import type { z } from 'zod';
import type { Utf8Error } from './types.ts';
import type { JsonProblem } from './world.ts';
import { parsePythonJson } from './python-json.ts';
import type { RecordSchema } from './record-shapes.ts';
import { article, childPath, describe, truncate } from './json-words.ts';

/** Parse outcome without the file metadata (sha, time) of a JsonDocState. */
export type JsonParse<T> = { ok: true; doc: T } | { ok: false; problems: JsonProblem[] };

/** More problems than this are summarised in one last problem: a 50 000-record file must stay readable. */
export const MAX_PROBLEMS = 50;

/** A record schema with the words of one file: what its records are called, and why a key matters. */
export interface RecordShape {
  /** `position`, `entry`, `order`: the word used in messages. */
  noun: string;
  file: string;
  idKey: string;
  schema: RecordSchema;
  required: ReadonlySet<string>;
  /** Keys that load; null when extra keys are tolerated. */
  known: ReadonlySet<string> | null;
  unknownKeyMessage: (key: string) => string;
  /** `missing`: every required key the record lacks, in the order of `required`. */
  missingKeyMessage: (key: string, record: Record<string, unknown>, missing: readonly string[]) => string;
}

/** A JSON list of records of `shape`, or every problem found (up to MAX_PROBLEMS). */
export function validateList<T>(content: string, shape: RecordShape, invalidUtf8: Utf8Error | undefined): JsonParse<T[]> {
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

/** Key checks alone, over records already parsed (a rule applying its own key lists). */
export function keyProblems(records: readonly unknown[], shape: RecordShape): JsonProblem[] {
  const sink = new ProblemSink();
  records.forEach((record, index) => {
    if (isPlainObject(record)) checkKeys(record, `$[${index}]`, shape, sink);
  });
  return sink.list();
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
  const fields = shape.schema.shape;
  for (const [key, value] of Object.entries(record)) {
    // hasOwn: keys such as `constructor` or `__proto__` must not find Object.prototype's members.
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!field) continue;
    const result = field.safeParse(value);
    if (result.success) continue;
    sink.add({ path: childPath(path, key), code: 'type', message: `${label}: "${key}" ${typeWording(value, result.error.issues[0]!)}` });
  }
}

/** Why the schema refused `value`, in the words the operator (and the tests) know. */
function typeWording(value: unknown, issue: z.core.$ZodIssue): string {
  const found = `found ${describe(value)}`;
  if (value === null) return `must not be null`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((k) => `"${String(k)}"`).join(', ')}, ${found}`;
  if (issue.code === 'custom' && issue.params?.['wording'] === 'whole') return `must be a whole number, ${found}`;
  if (issue.code === 'invalid_type' && issue.expected === 'string') return `must be a string, ${found}`;
  if (issue.code === 'invalid_type' && issue.expected === 'boolean') return `must be true or false, ${found}`;
  // z.number() refuses NaN and ±Infinity as it refuses a string: tell them apart.
  return typeof value === 'number' ? `must be a finite number, ${found}` : `must be a number, ${found}`;
}

function recordLabel(record: Record<string, unknown>, shape: RecordShape): string {
  const id = record[shape.idKey];
  return typeof id === 'string' && id !== '' ? `${shape.noun} ${truncate(id, 80)}` : `${shape.noun} without ${shape.idKey}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
