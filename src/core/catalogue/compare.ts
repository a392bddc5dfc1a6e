// The differences between the committed catalogue and the one derived from the repository, one line
// per field: `v3.9.1 profiles.check_positions.py.startMarker: "a" → "b"`. Lists of records are keyed by
// what names them (a profile by script, a halt lever by lever, a guard line by its text), so one
// added profile is one line, not a shift of every later index. Pure.
import type { Catalogue, Release } from '../../config/catalogue-schema.ts';

const ABSENT = '(none)';

/** Name of a record inside a list, or undefined to key by index. */
function keyOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const record = item as Record<string, unknown>;
  for (const key of ['script', 'lever', 'match']) if (typeof record[key] === 'string') return record[key] as string;
  return undefined;
}

/** Field path → value as JSON, for every leaf. Lists of plain values are one leaf. */
function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) {
      out.set(prefix, JSON.stringify(value));
      return;
    }
    value.forEach((item, i) => flatten(item, `${prefix}.${keyOf(item) ?? i}`, out));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix === '' ? key : `${prefix}.${key}`, out);
    return;
  }
  out.set(prefix, JSON.stringify(value));
}

function releaseDifferences(committed: Release | undefined, derived: Release | undefined, name: string): string[] {
  if (!committed) return [`${name} release: ${ABSENT} → present`];
  if (!derived) return [`${name} release: present → ${ABSENT}`];
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(committed, '', a);
  flatten(derived, '', b);
  const fields = [...new Set([...a.keys(), ...b.keys()])];
  return fields.filter((f) => a.get(f) !== b.get(f)).map((f) => `${name} ${f}: ${a.get(f) ?? ABSENT} → ${b.get(f) ?? ABSENT}`);
}

export function catalogueDifferences(committed: Catalogue, derived: Catalogue): string[] {
  const lines: string[] = [];
  const source = releaseDifferences(
    { source: committed.source } as unknown as Release,
    { source: derived.source } as unknown as Release,
    '(catalogue)',
  );
  lines.push(...source);
  const names: string[] = [];
  for (const r of [...committed.releases, ...derived.releases]) if (!names.includes(r.release)) names.push(r.release);
  for (const name of names)
    lines.push(
      ...releaseDifferences(
        committed.releases.find((r) => r.release === name),
        derived.releases.find((r) => r.release === name),
        name,
      ),
    );
  return lines;
}
