// How a JSON value or a place in a JSON document is named in an operator message.

/** `$[2]` + `units` → `$[2].units`; keys that are not identifiers are quoted: `$[2]["a b"]`. */
export function childPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(truncate(key, 60))}]`;
}

/** A value as an operator would name it in a message. */
export function describe(v: unknown): string {
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

export function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a';
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
