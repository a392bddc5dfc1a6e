// Loads rules/*.yaml (job profiles and rules) from files or directories, validates each file with
// positioned errors, then checks across files: one id per rule, one profile per script.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RULE_ACTIONS, rulesFileSchema, type Rule, type RulesFile } from './schema.ts';
import { traitsOf } from '../core/rules/index.ts';
import type { JobProfile } from '../core/types.ts';
import { describeFsError } from './load-config.ts';
import { formatError, readYamlContent, type PathSegment, type Position, type YamlSource } from './yaml-errors.ts';
import { validateYaml } from './zod-issues.ts';
import { valuePosition } from './yaml-tree.ts';
import { closest } from './schema-hints.ts';

export type LoadRulesResult =
  | {
      ok: true;
      rules: Rule[];
      /** Profiles by script name (`check_positions.py`). */
      profiles: Record<string, JobProfile>;
      /** The files read, absolute, in load order. */
      files: string[];
    }
  | { ok: false; errors: string[] };

export type ParsedRulesFile = { ok: true; file: string; content: RulesFile; source: YamlSource } | { ok: false; errors: string[] };

const TOKEN_HINT = 'Rule files never hold secrets: remove it (and revoke the token if it was real).';

/** A rule file is `*.yaml` (or `*.yml`); dot-files are editor droppings (`.#x.yaml` lock links, swap files). */
export function isRuleFileName(name: string): boolean {
  return !name.startsWith('.') && /\.ya?ml$/.test(name);
}

/**
 * Load every rule file named by `input`: a directory contributes all its `*.yaml` files in name
 * order, a file contributes itself. Never throws.
 */
export async function loadRules(input: string | readonly string[]): Promise<LoadRulesResult> {
  const errors: string[] = [];
  const targets: { display: string; absolute: string }[] = [];
  for (const given of typeof input === 'string' ? [input] : input) {
    const expanded = await expand(given);
    if (!expanded.ok) errors.push(...expanded.errors);
    else targets.push(...expanded.files);
  }
  const seen = new Set<string>();
  const parsedFiles: Extract<ParsedRulesFile, { ok: true }>[] = [];
  const files: string[] = [];
  for (const target of targets) {
    if (seen.has(target.absolute)) continue;
    seen.add(target.absolute);
    files.push(target.absolute);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(target.absolute);
    } catch (err) {
      errors.push(`${target.display}: cannot read the rules file: ${describeFsError(err)}`);
      continue;
    }
    const parsed = parseRulesFile(bytes, target.display);
    if (parsed.ok) parsedFiles.push(parsed);
    else errors.push(...parsed.errors);
  }
  errors.push(...crossFileChecks(parsedFiles));
  if (errors.length > 0) return { ok: false, errors };
  const rules = parsedFiles.flatMap((f) => f.content.rules);
  const profiles: Record<string, JobProfile> = {};
  for (const f of parsedFiles) for (const p of f.content.profiles) profiles[p.script] = p;
  return { ok: true, rules, profiles, files };
}

async function expand(
  given: string,
): Promise<{ ok: true; files: { display: string; absolute: string }[] } | { ok: false; errors: string[] }> {
  const absolute = resolve(given);
  let info;
  try {
    info = await stat(absolute);
  } catch (err) {
    return { ok: false, errors: [`${given}: cannot read the rules path: ${describeFsError(err)}`] };
  }
  if (!info.isDirectory()) return { ok: true, files: [{ display: given, absolute }] };
  let names: string[];
  try {
    names = await readdir(absolute);
  } catch (err) {
    return { ok: false, errors: [`${given}: cannot list the rules directory: ${describeFsError(err)}`] };
  }
  const files: { display: string; absolute: string }[] = [];
  // Plain code-unit order, not locale order: the same on every machine, and `10-` sorts before `20-`.
  for (const name of names.filter(isRuleFileName).sort()) {
    const path = join(absolute, name);
    try {
      if (!(await stat(path)).isFile()) continue;
    } catch {
      continue; // vanished between readdir and stat (an editor's rename): the next reload sees it
    }
    files.push({ display: join(given, name), absolute: path });
  }
  if (files.length === 0) {
    // Most likely the wrong directory: loading zero rules would silently watch nothing.
    return { ok: false, errors: [`${given}: no *.yaml rule files in this directory`] };
  }
  return { ok: true, files };
}

/** Validate one rules file's content; the name is only used in messages. Empty files are allowed. */
export function parseRulesFile(content: Uint8Array | string, file: string): ParsedRulesFile {
  const parsed = readYamlContent(content, file, TOKEN_HINT);
  if (!parsed.ok) return parsed;
  const validated = validateYaml(parsed.source, normalize(parsed.data), rulesFileSchema);
  if (!validated.ok) return validated;
  const errors = fileChecks.flatMap((check) => check(validated.value, parsed.source));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, file, content: validated.value, source: parsed.source };
}

/**
 * An empty file (or one with only comments) is an empty rule set, and `rules:` with every item
 * commented out is an empty list: both are what an operator means when disabling everything in a file.
 */
function normalize(data: unknown): unknown {
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) return data;
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const key of ['profiles', 'rules']) if (out[key] === null) delete out[key];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks within one file and across files

type FileCheck = (content: RulesFile, source: YamlSource) => string[];

/** A kind that never takes some actions (its `neverActs` trait, e.g. source-health) refuses a rule asking for one. */
const actionsTheKindAllows: FileCheck = (content, source) =>
  content.rules.flatMap((rule, i) => {
    const never = traitsOf(rule).neverActs;
    if (!never?.actions.includes(rule.action)) return [];
    const allowed = RULE_ACTIONS.filter((a) => !never.actions.includes(a)).join(' or ');
    return [
      formatError(
        source.file,
        valuePosition(source, ['rules', i, 'action']),
        ['rules', i, 'action'],
        `a ${rule.kind} rule may only ${allowed}, not ${rule.action}: ${never.why}`,
      ),
    ];
  });

const fileChecks: FileCheck[] = [actionsTheKindAllows];

interface Definition {
  file: string;
  pos: Position;
  path: PathSegment[];
}

function crossFileChecks(files: Extract<ParsedRulesFile, { ok: true }>[]): string[] {
  const errors: string[] = [];
  const ruleIds = new Map<string, Definition>();
  const scripts = new Map<string, Definition>();
  for (const f of files) {
    const ids = f.content.rules.map((rule) => rule.id);
    errors.push(
      ...secondDefinitions(f, ['rules', 'id'], ids, ruleIds, (id, first) => `duplicate rule id "${id}": also defined at ${first}`),
    );
    const profiled = f.content.profiles.map((profile) => profile.script);
    errors.push(
      ...secondDefinitions(
        f,
        ['profiles', 'script'],
        profiled,
        scripts,
        (script, first) => `a second profile for "${script}": the first is at ${first}; one script has one profile`,
      ),
    );
  }
  errors.push(...jobSelectorsResolve(files, [...scripts.keys()]));
  return errors;
}

/**
 * Names that must be unique across every rules file (`[list, key]` locates each in its file): the first
 * definition is remembered in `seen`, each later one is an error pointing back at it.
 */
function secondDefinitions(
  f: Extract<ParsedRulesFile, { ok: true }>,
  [list, key]: ['rules' | 'profiles', string],
  names: string[],
  seen: Map<string, Definition>,
  clash: (name: string, first: string) => string,
): string[] {
  const errors: string[] = [];
  names.forEach((name, i) => {
    const path = [list, i, key];
    const here = { file: f.file, pos: valuePosition(f.source, path), path };
    const first = seen.get(name);
    if (first) errors.push(formatError(f.file, here.pos, path, clash(name, `${first.file}:${first.pos.line}:${first.pos.col}`)));
    else seen.set(name, here);
  });
  return errors;
}

/**
 * A rule's `jobs` names log files (`check_kr.log`, known only once the crontab is read) or scripts.
 * A script without a profile has no markers, so no rule could ever see its runs: a typo such as
 * `check_position.py` would silently select nothing.
 */
function jobSelectorsResolve(files: Extract<ParsedRulesFile, { ok: true }>[], scripts: string[]): string[] {
  const errors: string[] = [];
  for (const f of files) {
    f.content.rules.forEach((rule, i) => {
      const jobs = 'jobs' in rule.params ? rule.params.jobs : [];
      jobs.forEach((job, j) => {
        if (job.endsWith('.log') || scripts.includes(job)) return;
        const path = ['rules', i, 'params', 'jobs', j];
        const suggestion = closest(job, scripts);
        const known = scripts.length > 0 ? `profiled scripts: ${scripts.join(', ')}` : 'no profiles are loaded';
        errors.push(
          formatError(
            f.file,
            valuePosition(f.source, path),
            path,
            `"${job}" is neither a log file name (x.log) nor a script with a profile${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; ${known}`,
          ),
        );
      });
    });
  }
  return errors;
}
