// Reads zod schemas for hints only ("did you mean", "needs a unit"): failure here costs a hint, never an error.
import type { PathSegment } from './yaml-errors.ts';
import { valueAt } from './yaml-tree.ts';

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

export function schemaAt(schema: unknown, path: readonly PathSegment[], data: unknown): unknown {
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

export function knownKeysAt(schema: unknown, path: readonly PathSegment[], data: unknown): string[] {
  const at = pickUnionBranch(unwrap(schemaAt(schema, path, data)), valueAt(data, path));
  const def = defOf(unwrap(at));
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** A duration field accepts `10m` and refuses words: tested on the schema itself, so no list to keep in sync. */
export function isDurationSchema(schema: unknown): boolean {
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
