// `turtle-sentinel catalogue build|check`: reads the release tags of a turtle-trading checkout (bare or
// not) through git plumbing, derives the release catalogue (core/catalogue) and prints it, or compares
// it with the committed rules/releases/catalogue.yaml. Read-only: nothing in the checkout changes.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { annotationsPathOf, cataloguePathOf, loadCatalogue } from '../config/load-catalogue.ts';
import { formatProblem, loadAnnotations } from '../config/load-annotations.ts';
import type { Annotations } from '../config/annotations-schema.ts';
import type { Catalogue } from '../config/catalogue-schema.ts';
import { compareReleases, deriveCatalogue, isReleaseName, type ReleaseTree } from '../core/catalogue/derive-catalogue.ts';
import { renderCatalogue } from '../core/catalogue/render.ts';
import { catalogueDifferences } from '../core/catalogue/compare.ts';

const EXIT_SAME = 0;
const EXIT_DIFFERENT = 1;
const EXIT_USAGE = 2;

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** Run git in `repo`; stdout as bytes. `input` is written to its stdin. */
function git(repo: string, args: string[], input?: string): Promise<Result<Buffer>> {
  return new Promise((resolve) => {
    // safe.directory: a mirror or checkout owned by another user would otherwise be refused.
    const child = spawn('git', ['-C', repo, '-c', `safe.directory=*`, '-c', 'core.quotepath=off', ...args], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ ok: false, error: e.code === 'ENOENT' ? 'the git command was not found' : `git: ${e.message}` }),
    );
    child.on('close', (code) => {
      if (code === 0) resolve({ ok: true, value: Buffer.concat(out) });
      else {
        const message = Buffer.concat(err).toString('utf8').trim().split('\n')[0] || 'no message';
        resolve({ ok: false, error: `git ${args.slice(0, 2).join(' ')} failed in ${repo} (exit ${code}): ${message}` });
      }
    });
    child.stdin.on('error', () => undefined); // git exiting early closes the pipe; its exit status tells
    child.stdin.end(input ?? '');
  });
}

/** The files the generator reads: how the image is built, the schedule, the scripts and the modules. */
function wanted(path: string): boolean {
  return path === 'Dockerfile' || path === 'crontab' || path.startsWith('scripts/') || path.startsWith('src/');
}

/** Contents of blobs by id, through one `git cat-file --batch`. */
async function readBlobs(repo: string, ids: string[]): Promise<Result<Map<string, string>>> {
  const unique = [...new Set(ids)];
  const ran = await git(repo, ['cat-file', '--batch'], unique.map((id) => `${id}\n`).join(''));
  if (!ran.ok) return ran;
  const out = new Map<string, string>();
  const bytes = ran.value;
  let at = 0;
  for (const id of unique) {
    const newline = bytes.indexOf(0x0a, at);
    const header = bytes.subarray(at, newline).toString('utf8');
    const m = /^([0-9a-f]+) blob (\d+)$/.exec(header);
    if (!m) return { ok: false, error: `git cat-file: unexpected answer for ${id}: ${header}` };
    const size = Number(m[2]);
    out.set(id, bytes.subarray(newline + 1, newline + 1 + size).toString('utf8'));
    at = newline + 1 + size + 1;
  }
  return { ok: true, value: out };
}

/** The releases to catalogue: tags vMAJOR.MINOR.PATCH from `annotations.first` on, oldest first. */
async function releasesOf(repo: string, annotations: Annotations): Promise<Result<string[]>> {
  const tags = await git(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/tags']);
  if (!tags.ok) return tags;
  const names = new Set(
    tags.value
      .toString('utf8')
      .split('\n')
      .map((t) => t.trim())
      .filter(isReleaseName),
  );
  for (const name of Object.keys(annotations.refs)) names.add(name);
  const releases = [...names].filter((n) => compareReleases(n, annotations.first) >= 0).sort(compareReleases);
  if (releases.length === 0) return { ok: false, error: `${repo}: no release tag from ${annotations.first} on (tags vMAJOR.MINOR.PATCH)` };
  return { ok: true, value: releases };
}

export async function readReleaseTrees(repo: string, annotations: Annotations): Promise<Result<ReleaseTree[]>> {
  const releases = await releasesOf(repo, annotations);
  if (!releases.ok) return releases;
  const trees: ReleaseTree[] = [];
  for (const release of releases.value) {
    const ref = annotations.refs[release] ?? `refs/tags/${release}`;
    const commit = await git(repo, ['rev-parse', '--verify', `${ref}^{commit}`]);
    if (!commit.ok) return { ok: false, error: `${release}: cannot resolve ${ref}: ${commit.error}` };
    const hash = commit.value.toString('utf8').trim();
    const date = await git(repo, ['log', '-1', '--format=%cs', hash]);
    if (!date.ok) return date;
    const listing = await git(repo, ['ls-tree', '-r', '-z', hash]);
    if (!listing.ok) return listing;
    const entries: { path: string; blob: string }[] = [];
    for (const record of listing.value.toString('utf8').split('\0')) {
      const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(record);
      if (m && wanted(m[2]!)) entries.push({ blob: m[1]!, path: m[2]! });
    }
    const contents = await readBlobs(
      repo,
      entries.map((e) => e.blob),
    );
    if (!contents.ok) return contents;
    const files = new Map(entries.map((e) => [e.path, { blob: e.blob, text: contents.value.get(e.blob)! }]));
    trees.push({ release, commit: hash, date: date.value.toString('utf8').trim(), files });
  }
  return { ok: true, value: trees };
}

export type Built = { ok: true; catalogue: Catalogue; text: string } | { ok: false; errors: string[] };

/** Derive the catalogue of `repo` with the annotations in `annotationsFile`. */
export async function buildCatalogue(repo: string, annotationsFile: string): Promise<Built> {
  const loaded = await loadAnnotations(annotationsFile);
  if (!loaded.ok) return loaded;
  const trees = await readReleaseTrees(repo, loaded.annotations);
  if (!trees.ok) return { ok: false, errors: [trees.error] };
  const derived = deriveCatalogue(trees.value, loaded.annotations);
  if (!derived.ok) return { ok: false, errors: derived.problems.map((p) => formatProblem(loaded.source, p)) };
  return { ok: true, catalogue: derived.catalogue, text: renderCatalogue(derived.catalogue) };
}

export type Checked = { ok: true; differences: string[] } | { ok: false; errors: string[] };

/** Compare the committed catalogue with what the repository gives today. */
export async function checkCatalogue(repo: string, annotationsFile: string, catalogueFile: string): Promise<Checked> {
  const committed = await loadCatalogue(catalogueFile);
  if (!committed.ok) return committed;
  const built = await buildCatalogue(repo, annotationsFile);
  if (!built.ok) return built;
  return { ok: true, differences: catalogueDifferences(committed.catalogue, built.catalogue) };
}

function fail(errors: string[]): never {
  for (const e of errors) process.stderr.write(e + '\n');
  process.exit(EXIT_USAGE);
}

export function registerCatalogueCommands(program: Command): void {
  const catalogue = program.command('catalogue').description('the release catalogue (rules/releases/catalogue.yaml)');
  catalogue
    .command('build')
    .description('derive the release catalogue from the release tags of a turtle-trading checkout and print it')
    .requiredOption('--repo <checkout>', 'a turtle-trading git checkout or bare mirror')
    // Defaults resolved at run time, not shown as a path of this machine in --help.
    .option('--annotations <file>', "the hand-written release knowledge (default: the sidecar's rules/releases/annotations.yaml)")
    .option('--out <file>', 'write the catalogue here instead of printing it')
    .action(async (opts: { repo: string; annotations?: string; out?: string }) => {
      const built = await buildCatalogue(opts.repo, opts.annotations ?? annotationsPathOf());
      if (!built.ok) fail(built.errors);
      if (opts.out !== undefined) await writeFile(opts.out, built.text);
      else process.stdout.write(built.text);
      process.exit(EXIT_SAME);
    });
  catalogue
    .command('check')
    .description('compare the committed catalogue with the checkout: one line per difference (exit 1 when any)')
    .requiredOption('--repo <checkout>', 'a turtle-trading git checkout or bare mirror')
    // Defaults resolved at run time, not shown as a path of this machine in --help.
    .option('--annotations <file>', "the hand-written release knowledge (default: the sidecar's rules/releases/annotations.yaml)")
    .option('--catalogue <file>', "the committed catalogue (default: the sidecar's rules/releases/catalogue.yaml)")
    .action(async (opts: { repo: string; annotations?: string; catalogue?: string }) => {
      const checked = await checkCatalogue(opts.repo, opts.annotations ?? annotationsPathOf(), opts.catalogue ?? cataloguePathOf());
      if (!checked.ok) fail(checked.errors);
      for (const line of checked.differences) process.stdout.write(line + '\n');
      process.exit(checked.differences.length > 0 ? EXIT_DIFFERENT : EXIT_SAME);
    });
}
