// Reads the release catalogue (rules/releases/catalogue.yaml) through its one schema. Errors are values
// with the file and the first problems, so `run` and `doctor` can say what to fix.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { catalogueSchema, type Catalogue } from './catalogue-schema.ts';

export type CatalogueLoad = { ok: true; catalogue: Catalogue } | { ok: false; error: string };

export async function loadCatalogue(path: string): Promise<CatalogueLoad> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, error: `${path}: ${err instanceof Error ? err.message : String(err)}` };
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { ok: false, error: `${path}: not YAML: ${err instanceof Error ? err.message : String(err)}` };
  }
  const parsed = catalogueSchema.safeParse(doc);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return { ok: false, error: `${path}: not a release catalogue: ${problems.join('; ')}` };
  }
  return { ok: true, catalogue: parsed.data };
}
