// Loads rules/releases/annotations.yaml with positioned errors (`file:line:col: path: message`), and
// places the generator's problems (a needle a release does not log) at the annotation they are about.
import { readFile } from 'node:fs/promises';
import { annotationsSchema, type Annotations } from './annotations-schema.ts';
import { describeFsError } from './load-config.ts';
import { formatError, readYamlContent, type YamlSource } from './yaml-errors.ts';
import { valuePosition } from './yaml-tree.ts';
import { validateYaml } from './zod-issues.ts';
import type { CatalogueProblem } from '../core/catalogue/derive-catalogue.ts';

export type LoadedAnnotations = { ok: true; annotations: Annotations; source: YamlSource } | { ok: false; errors: string[] };

const TOKEN_HINT = 'The annotations never hold secrets: remove it (and revoke the token if it was real).';

export function parseAnnotations(content: Uint8Array | string, file: string): LoadedAnnotations {
  const parsed = readYamlContent(content, file, TOKEN_HINT);
  if (!parsed.ok) return parsed;
  const validated = validateYaml(parsed.source, parsed.data, annotationsSchema);
  if (!validated.ok) return validated;
  return { ok: true, annotations: validated.value, source: parsed.source };
}

export async function loadAnnotations(file: string): Promise<LoadedAnnotations> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return { ok: false, errors: [`${file}: cannot read the release annotations: ${describeFsError(err)}`] };
  }
  return parseAnnotations(bytes, file);
}

/** A generator problem as an operator reads it: at its annotation when it has one, else as it is. */
export function formatProblem(source: YamlSource, problem: CatalogueProblem): string {
  if (!problem.path) return `${source.file}: ${problem.message}`;
  return formatError(source.file, valuePosition(source, problem.path), problem.path, problem.message);
}
