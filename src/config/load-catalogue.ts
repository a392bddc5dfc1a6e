// Loads rules/releases/catalogue.yaml (the release catalogue, SPEC §3) with positioned errors, and
// checks what the schema cannot: release names are unique, listed oldest first, and every predecessor
// is an older catalogued release. rules/releases/ is a subdirectory on purpose: the rules loader reads
// only top-level *.yaml, so the catalogue is never mistaken for a rule file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { catalogueSchema, type Catalogue } from './catalogue-schema.ts';
import { PROJECT_DIR } from './defaults.ts';
import { describeFsError } from './load-config.ts';
import { formatError, readYamlContent, type YamlSource } from './yaml-errors.ts';
import { valuePosition } from './yaml-tree.ts';
import { validateYaml } from './zod-issues.ts';
import { compareReleases } from '../core/catalogue/derive-catalogue.ts';

export type LoadedCatalogue = { ok: true; catalogue: Catalogue; source: YamlSource } | { ok: false; errors: string[] };

/** The catalogue beside a rules directory: `<rules dir>/releases/catalogue.yaml`. */
export function cataloguePathOf(rulesDir: string = join(PROJECT_DIR, 'rules')): string {
  return join(rulesDir, 'releases', 'catalogue.yaml');
}

/** The annotations beside a rules directory: `<rules dir>/releases/annotations.yaml`. */
export function annotationsPathOf(rulesDir: string = join(PROJECT_DIR, 'rules')): string {
  return join(rulesDir, 'releases', 'annotations.yaml');
}

const TOKEN_HINT = 'The catalogue never holds secrets: remove it (and revoke the token if it was real).';

export function parseCatalogue(content: Uint8Array | string, file: string): LoadedCatalogue {
  const parsed = readYamlContent(content, file, TOKEN_HINT);
  if (!parsed.ok) return parsed;
  const validated = validateYaml(parsed.source, parsed.data, catalogueSchema);
  if (!validated.ok) return validated;
  const errors = crossChecks(validated.value, parsed.source);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, catalogue: validated.value, source: parsed.source };
}

export async function loadCatalogue(file: string = cataloguePathOf()): Promise<LoadedCatalogue> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return { ok: false, errors: [`${file}: cannot read the release catalogue: ${describeFsError(err)}`] };
  }
  return parseCatalogue(bytes, file);
}

function crossChecks(catalogue: Catalogue, source: YamlSource): string[] {
  const errors: string[] = [];
  const at = (path: (string | number)[], message: string) =>
    errors.push(formatError(source.file, valuePosition(source, path), path, message));
  const seen = new Map<string, number>();
  catalogue.releases.forEach((release, i) => {
    const first = seen.get(release.release);
    if (first !== undefined)
      at(['releases', i, 'release'], `${release.release} is listed twice (also releases.${first}); one entry per release`);
    else seen.set(release.release, i);
    const previous = catalogue.releases[i - 1];
    if (previous && first === undefined && compareReleases(previous.release, release.release) > 0)
      at(['releases', i, 'release'], `${release.release} comes after ${previous.release}: releases are listed oldest first`);
    if (release.predecessor !== undefined) {
      const target = catalogue.releases.findIndex((r) => r.release === release.predecessor);
      if (target < 0)
        at(['releases', i, 'predecessor'], `predecessor ${release.predecessor} is not in the catalogue: a rollback needs its entry`);
      else if (compareReleases(release.predecessor, release.release) >= 0)
        at(['releases', i, 'predecessor'], `predecessor ${release.predecessor} is not older than ${release.release}`);
    }
  });
  return errors;
}
