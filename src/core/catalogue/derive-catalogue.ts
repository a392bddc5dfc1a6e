// Derives the release catalogue from the source trees of turtle-trading's releases and the operator's
// annotations: everything that can be read from the code (hashes, crontab jobs, log files, markers,
// dataclass fields, halt levers) is read; what cannot (which lines mean a Telegram message, which
// scripts rewrite positions) comes from the annotations and is checked against each release's code.
// Pure: file contents in, catalogue (or problems) out.
import type { Annotations, ScriptAnnotation } from '../../config/annotations-schema.ts';
import {
  haltStop,
  type Catalogue,
  type CatalogueJobProfile,
  type GuardLine,
  type HaltLever,
  type HaltStop,
  type RecordKeys,
  type Release,
  type ScheduledJob,
} from '../../config/catalogue-schema.ts';
import { parseCrontab } from '../crontab.ts';
import { containerPathOf, readDockerfile } from './dockerfile.ts';
import {
  dataclassFields,
  envVariablesRead,
  importedModules,
  loggedTexts,
  outputFragments,
  ownLogFile,
  unknownKeysOf,
} from './python-source.ts';

/** What the generator read of one release: the files it needs, by repository path. */
export interface ReleaseTree {
  release: string;
  /** Full commit hash the release was read from. */
  commit: string;
  /** Commit date, YYYY-MM-DD. */
  date: string;
  files: ReadonlyMap<string, { blob: string; text: string }>;
}

/** A problem of the generator. `path`, when present, points into the annotations file. */
export interface CatalogueProblem {
  path?: (string | number)[];
  message: string;
}

export type Derived = { ok: true; catalogue: Catalogue } | { ok: false; problems: CatalogueProblem[] };

/** Printed into the catalogue: the command that produced it, without this machine's paths. */
export const GENERATED_BY =
  'turtle-sentinel catalogue build --repo <turtle-trading checkout> --annotations rules/releases/annotations.yaml';

/** Where the guarded system's logs live in the cron container (Dockerfile: WORKDIR /app, `mkdir -p /app/logs`). */
const CONTAINER_LOGS_DIR = '/app/logs';

/** Files whose blob ids tell releases apart, as repository paths, when the release has them. */
const RECOGNITION_FILES = ['scripts/check_positions.py', 'src/position_tracker.py', 'scripts/signal_check.py'];

const POSITION_TRACKER = 'src/position_tracker.py';

/** `v3.10.0` after `v3.9.1`: numeric, not text order. */
export function compareReleases(a: string, b: string): number {
  const pa = a.slice(1).split('.').map(Number);
  const pb = b.slice(1).split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i]! !== pb[i]!) return pa[i]! - pb[i]!;
  return 0;
}

export function isReleaseName(name: string): boolean {
  return /^v\d+\.\d+\.\d+$/.test(name);
}

/** The annotation variant of `script` in force at `release`, with its index in the file. */
function variantAt(annotations: Annotations, script: string, release: string): { variant: ScriptAnnotation; index: number } | undefined {
  const variants = annotations.scripts[script];
  if (!variants) return undefined;
  let found: { variant: ScriptAnnotation; index: number } | undefined;
  variants.forEach((variant, index) => {
    if (compareReleases(variant.since, release) <= 0 && (!found || compareReleases(variant.since, found.variant.since) >= 0))
      found = { variant, index };
  });
  return found;
}

/**
 * Whether a file can write a line containing `needle`: in Python, inside the constant text of one
 * logging or print call (a comment or docstring does not count); in a shell script, anywhere (its
 * echo lines mix text and variables freely).
 */
function writes(path: string, text: string, needle: string): boolean {
  return path.endsWith('.py') ? outputFragments(text).some((f) => f.includes(needle)) : text.includes(needle);
}

/** The script and, transitively, the src modules it imports: where its log lines can come from. */
function logs(tree: ReleaseTree, path: string, needle: string): boolean {
  const file = tree.files.get(path);
  return file !== undefined && writes(path, file.text, needle);
}

function sourcesOf(tree: ReleaseTree, scriptPath: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const queue = [scriptPath];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const file = tree.files.get(path);
    if (!file) continue;
    out.push({ path, text: file.text });
    if (path.endsWith('.py')) queue.push(...importedModules(file.text, path));
  }
  return out;
}

/** Where the crontab runs a script from: `scripts/<name>` when present, else any file of that name. */
function scriptPathOf(tree: ReleaseTree, script: string): string | undefined {
  if (tree.files.has(`scripts/${script}`)) return `scripts/${script}`;
  return [...tree.files.keys()].sort().find((p) => p === script || p.endsWith(`/${script}`));
}

function derivedMarkers(scriptText: string, isPython: boolean): { start?: string; finish?: string } {
  if (!isPython) return {};
  const texts = loggedTexts(scriptText).map((t) => (t.whole ? t.text : t.text.trimEnd()));
  const banner = (t: string) => t.trimStart().startsWith('===');
  const start = texts.find((t) => banner(t) && t.includes('시작'));
  const finish = [...texts].reverse().find((t) => banner(t) && t.includes('완료'));
  return { ...(start ? { start } : {}), ...(finish ? { finish } : {}) };
}

function recordKeys(text: string, className: string): RecordKeys | undefined {
  const fields = dataclassFields(text, className);
  if (!fields || fields.length === 0) return undefined;
  return {
    required: fields.filter((f) => !f.hasDefault).map((f) => f.name),
    known: fields.map((f) => f.name),
    unknownKeys: unknownKeysOf(text, className),
  };
}

interface ReleaseWithoutSuccessor {
  release: Omit<Release, 'verify'> & { verify: Omit<Release['verify'], 'crontabDoesNotRun'> };
  scripts: string[];
}

function deriveOne(
  tree: ReleaseTree,
  annotations: Annotations,
  problems: CatalogueProblem[],
  used: Set<string>,
): ReleaseWithoutSuccessor | undefined {
  const at = tree.release;
  const fail = (message: string) => {
    problems.push({ message: `${at}: ${message}` });
    return undefined;
  };
  const dockerfile = tree.files.get('Dockerfile');
  if (!dockerfile) return fail('the release has no Dockerfile: cannot tell how its cron container is built');
  const image = readDockerfile(dockerfile.text);
  if (!image.command) return fail('the Dockerfile has no CMD: cannot tell what runs the schedule');
  const crontabFile = tree.files.get('crontab');
  const crontabPath = containerPathOf(image.copies, 'crontab');
  if (!crontabFile || !crontabPath) return fail('no `crontab` file COPYed into the image: cannot read the schedule');
  const runsSupercronic = [...(image.entrypoint ?? []), ...image.command].some((arg) => /(^|\/)supercronic$/.test(arg));
  const runner = runsSupercronic ? 'supercronic' : 'debian-cron';

  const crontab = parseCrontab(crontabFile.text, { defaultTimezone: 'UTC', containerLogsDir: CONTAINER_LOGS_DIR });
  for (const p of crontab.problems) fail(`crontab line ${p.line}: ${p.message}`);

  const scripts: string[] = [];
  for (const job of crontab.jobs) if (job.script !== undefined && !scripts.includes(job.script)) scripts.push(job.script);

  const profiles: CatalogueJobProfile[] = [];
  const provides = new Set<HaltStop>();
  const scriptPaths = new Map<string, string>();
  const ownLogs = new Map<string, string>();
  for (const script of scripts) {
    const path = scriptPathOf(tree, script);
    if (!path) {
      fail(`the crontab runs ${script}, which is not in the release`);
      continue;
    }
    scriptPaths.set(script, path);
    const text = tree.files.get(path)!.text;
    const found = variantAt(annotations, script, at);
    if (!found) {
      problems.push({
        path: ['scripts'],
        message: `${at} schedules ${script}, which has no annotation in force (add one with since: ${at} or earlier)`,
      });
      continue;
    }
    used.add(script);
    const { variant, index } = found;
    const sources = sourcesOf(tree, path);
    const occurs = (needle: string) => sources.some((s) => writes(s.path, s.text, needle));
    const check = (needle: string | null | undefined, field: (string | number)[]) => {
      if (typeof needle !== 'string' || occurs(needle)) return;
      problems.push({
        path: ['scripts', script, index, ...field],
        message: `"${needle}" is not logged by ${path} or the src modules it imports at ${at}`,
      });
    };
    check(variant.startMarker, ['startMarker']);
    check(variant.finishMarker, ['finishMarker']);
    check(variant.channelMarker, ['channelMarker']);
    variant.notifyEvents.forEach((event, i) => check(event, ['notifyEvents', i]));
    const derived = derivedMarkers(text, path.endsWith('.py'));
    const start = variant.startMarker === undefined ? derived.start : (variant.startMarker ?? undefined);
    const finish = variant.finishMarker === undefined ? derived.finish : (variant.finishMarker ?? undefined);
    const redirected = crontab.jobs.filter((j) => j.script === script).every((j) => j.logFile !== undefined);
    const ownLog = redirected ? undefined : ownLogFile(text);
    if (ownLog) ownLogs.set(script, ownLog);
    for (const stop of variant.provides) provides.add(stop);
    profiles.push({
      script,
      ...(start ? { startMarker: start } : {}),
      ...(finish ? { finishMarker: finish } : {}),
      ...(variant.channelMarker ? { channelMarker: variant.channelMarker } : {}),
      alwaysSends: variant.alwaysSends,
      notifyEvents: variant.notifyEvents,
      writesPositions: variant.writesPositions,
      ...(ownLog ? { ownLog } : {}),
    });
  }

  const jobs: ScheduledJob[] = crontab.jobs.map((job) => {
    const log = job.logFile ?? (job.script !== undefined ? ownLogs.get(job.script) : undefined);
    return { schedule: job.schedule, ...(job.script !== undefined ? { script: job.script } : {}), ...(log ? { log } : {}) };
  });

  const tracker = tree.files.get(POSITION_TRACKER);
  const positions = tracker ? recordKeys(tracker.text, 'Position') : undefined;
  const entries = tracker ? recordKeys(tracker.text, 'PositionEntry') : undefined;
  if (!positions || !entries) return fail(`${POSITION_TRACKER} has no Position / PositionEntry dataclass: cannot tell the record keys`);

  const halt: HaltLever[] = [{ lever: 'stop-container', stops: haltStop.options.filter((s) => s === 'scheduled-jobs' || provides.has(s)) }];
  const killSwitch = tree.files.get(annotations.killSwitch.source);
  if (killSwitch) {
    const env = envVariablesRead(killSwitch.text)[0];
    if (env === undefined) return fail(`${annotations.killSwitch.source} reads no environment variable: cannot tell the kill switch's env`);
    halt.push({ lever: 'kill-switch', env, stops: annotations.killSwitch.stops });
  }

  const guardLines: GuardLine[] = [];
  for (const needle of annotations.guards)
    for (const source of needle.sources)
      if (logs(tree, source, needle.match)) guardLines.push({ guard: needle.guard, match: needle.match, source });

  const files: Record<string, string> = { [crontabPath]: crontabFile.blob.slice(0, 7) };
  for (const path of RECOGNITION_FILES) {
    const file = tree.files.get(path);
    const inImage = containerPathOf(image.copies, path);
    if (file && inImage) files[inImage] = file.blob.slice(0, 7);
  }

  const logZone = runner === 'debian-cron' ? 'UTC' : (crontab.env.TZ ?? image.env.TZ ?? 'UTC');
  const scriptFiles = scripts.flatMap((s) => {
    const repoPath = scriptPaths.get(s);
    const inImage = repoPath ? containerPathOf(image.copies, repoPath) : undefined;
    return inImage ? [inImage] : [];
  });
  return {
    scripts,
    release: {
      release: at,
      commit: tree.commit.slice(0, 7),
      date: tree.date,
      recognition: {
        files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        runner,
        command: image.command,
        ...(image.entrypoint ? { entrypoint: image.entrypoint } : {}),
        user: image.user,
        ...(image.uid !== undefined ? { uid: image.uid } : {}),
      },
      schedule: { crontabPath, crontabCommand: runner === 'debian-cron', jobs },
      logZone,
      profiles,
      positions,
      entries,
      halt,
      guardLines,
      verify: { crontabRuns: scripts, files: scriptFiles },
    },
  };
}

/** The catalogue of `trees` (oldest first), or every problem found on the way. */
export function deriveCatalogue(trees: readonly ReleaseTree[], annotations: Annotations): Derived {
  const problems: CatalogueProblem[] = [];
  const used = new Set<string>();
  const partials = trees.map((tree) => deriveOne(tree, annotations, problems, used));
  annotations.guards.forEach((needle, i) => {
    const found = trees.some((tree) => needle.sources.some((s) => logs(tree, s, needle.match)));
    if (!found)
      problems.push({
        path: ['guards', i, 'match'],
        message: `"${needle.match}" is not logged by ${needle.sources.join(', ')} at any release (${trees[0]?.release ?? '-'} … ${trees.at(-1)?.release ?? '-'})`,
      });
  });
  for (const script of Object.keys(annotations.scripts).sort())
    if (!used.has(script) && problems.length === 0)
      problems.push({ path: ['scripts', script], message: `no catalogued release schedules ${script}: remove the annotation` });
  if (problems.length > 0 || partials.some((p) => p === undefined)) return { ok: false, problems };
  const releases: Release[] = partials.map((partial, i) => {
    const p = partial!;
    const successor = partials[i + 1];
    const predecessor = i > 0 ? partials[i - 1]!.release.release : undefined;
    const { release, commit, date, ...rest } = p.release;
    return {
      release,
      commit,
      date,
      ...(predecessor ? { predecessor } : {}),
      ...rest,
      verify: {
        crontabRuns: p.release.verify.crontabRuns,
        crontabDoesNotRun: successor ? successor.scripts.filter((s) => !p.scripts.includes(s)) : [],
        files: p.release.verify.files,
      },
    };
  });
  return { ok: true, catalogue: { source: { repository: annotations.repository, generatedBy: GENERATED_BY }, releases } };
}
