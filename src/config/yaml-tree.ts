// Walks parsed YAML by data path: where a value, its parent or a key sits in the file, and which path an
// offset of the text belongs to. The positions of every configuration error come from here.
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Pair, ParsedNode } from 'yaml';
import type { PathSegment, Position, YamlSource } from './yaml-errors.ts';
export function hasPath(data: unknown, path: readonly PathSegment[]): boolean {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return false;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return false;
    cur = (cur as Record<PathSegment, unknown>)[seg];
  }
  return cur !== undefined;
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
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
