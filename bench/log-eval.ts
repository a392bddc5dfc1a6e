// Log benchmark (not a test): how long evaluating a ≥ 200 MB check_kr.log takes against `grep -cE` with
// the same needles, and the peak RSS of the evaluation. Targets: ≤ 3× grep, peak RSS < 100 MB.
// Usage: npm run bench:logs [-- <path>]   (default: <tmpdir>/turtle-sentinel-bench/check_kr.log)
//
// The evaluation runs in a child process per repetition, so that its peak RSS
// (`process.resourceUsage().maxRSS`) is its own and not the parent's, which generated the file. It is
// measured twice: under tsx, as `npm start` runs the sidecar (tsx's loader thread alone costs ~40 MB of
// RSS on Node 20), and as plain JavaScript bundled by esbuild (installed with tsx), which is what the
// evaluation itself costs. Each child also reports its RSS before evaluating, so the table shows both.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Profile, RuleOf } from '../src/config/schema.ts';
import { runNeedles } from '../src/core/runs.ts';
import { evaluateRepeatedFailures } from '../src/core/rules/repeated-failures.ts';
import { evaluateTelegramDelivery } from '../src/core/rules/telegram-delivery.ts';
import type { Job, Verdict } from '../src/core/types.ts';
import type { World } from '../src/core/world.ts';
import { evaluateLogFile } from '../src/runtime/log-evaluation.ts';
import { generateLog } from './generate-log.ts';

const MIN_BYTES = 200 * 1024 * 1024;
const REPS = 3;
const ERROR_PATTERNS = [' - CRITICAL - '];

// Written out rather than parsed with zod in the child: loading zod under tsx costs ~15 MB of RSS that
// has nothing to do with evaluating a log. The parent checks them against the schemas (checkLiterals).
/** The v3.2.1 check_positions.py profile as reference §2/§3 describe it. */
const PROFILES: Record<string, Profile> = {
  'check_positions.py': {
    script: 'check_positions.py',
    startMarker: '=== 통합 포지션 & 시그널 체크 시작 ===',
    finishMarker: '=== 체크 완료 ===',
    channelMarker: 'Telegram 채널 활성화',
    alwaysSends: false,
    notifyEvents: ['스톱로스 발동:', '청산 시그널:', 'Inverse ETF 강제 청산:', '피라미딩 기회:', '신규 시그널:'],
    writesPositions: true,
  },
};
/** The schema defaults of both rules (checked in checkLiterals). */
const FAILURE_PARAMS: RuleOf<'repeated-failures'>['params'] = {
  jobs: [],
  consecutive: 2,
  errorPatterns: ERROR_PATTERNS,
  missingFinishFails: true,
};
const TELEGRAM_PARAMS: RuleOf<'telegram-delivery'>['params'] = {
  jobs: [],
  consecutive: 2,
  quietRunsResetStreak: false,
  cases: ['send-failed', 'event-without-success', 'report-without-success'],
};

async function checkLiterals(): Promise<void> {
  const { profileSchema } = await import('../src/config/schema.ts');
  const { ruleParams } = await import('../src/core/rules/params.ts');
  const { 'repeated-failures': repeatedFailuresParams, 'telegram-delivery': telegramDeliveryParams } = ruleParams;
  const same = (a: unknown, b: unknown, what: string) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`bench ${what} differs from what the schema gives: ${JSON.stringify(b)}`);
  };
  same(PROFILES['check_positions.py'], profileSchema.parse(PROFILES['check_positions.py']), 'profile');
  same(FAILURE_PARAMS, repeatedFailuresParams.parse({}), 'repeated-failures params');
  same(TELEGRAM_PARAMS, telegramDeliveryParams.parse({}), 'telegram-delivery params');
}
const JOB: Job = {
  id: 'check_kr.log',
  schedule: '0 16 * * 1-5',
  timezone: 'Asia/Seoul',
  command: 'cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1',
  script: 'check_positions.py',
  logFile: 'check_kr.log',
  line: 0,
};

interface ChildResult {
  evalMs: number;
  /** Peak RSS after loading the modules, before evaluating. */
  loadedRssMb: number;
  maxRssMb: number;
  finishedRuns: number;
  linesSelected: number;
  verdicts: string[];
}

/** Child mode: evaluate once and print the measurements as JSON. */
async function child(path: string): Promise<void> {
  const loadedRssMb = process.resourceUsage().maxRSS / 1024;
  const started = performance.now();
  const result = await evaluateLogFile(
    path,
    {
      jobsByLogFile: { [JOB.logFile!]: JOB },
      profiles: PROFILES,
      errorPatterns: ERROR_PATTERNS,
      logTimestampZone: 'auto',
    },
    { observedAt: Date.UTC(2200, 0, 1), keepRuns: 20 },
  );
  if (!result.ok) throw new Error(result.error.message);
  const world: World = {
    now: Date.UTC(2200, 0, 1),
    watchStartedAt: 0,
    jobs: [JOB],
    jobsSince: 0,
    crontabKnown: true,
    profiles: PROFILES,
    runs: { [JOB.id]: result.value.runs },
    version: { version: 'v3.2.1', evidence: [] },
    containers: {},
    positionsChanges: [],
    healLines: [],
    closeLines: [],
    sources: {},
  };
  const base = { severity: 'critical', action: 'rollback', mode: 'enforce', approval: { policy: 'veto-window', window: 600_000 } } as const;
  const failures: RuleOf<'repeated-failures'> = { ...base, id: 'repeated-failures', kind: 'repeated-failures', params: FAILURE_PARAMS };
  const telegram: RuleOf<'telegram-delivery'> = { ...base, id: 'telegram', kind: 'telegram-delivery', params: TELEGRAM_PARAMS };
  const verdicts: Verdict[] = [
    ...evaluateRepeatedFailures(failures, world, world.now),
    ...evaluateTelegramDelivery(telegram, world, world.now),
  ];
  const evalMs = performance.now() - started;
  const out: ChildResult = {
    evalMs,
    loadedRssMb,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    finishedRuns: result.value.finishedCount,
    linesSelected: result.value.linesSelected,
    verdicts: verdicts.map((v) => `${v.ruleId}: ${v.outcome}${v.label ? ` (${v.label})` : ''}${v.warning ? ' [warning]' : ''}`),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** `grep -E` alternation of the same needles: ERE metacharacters escaped. */
function grepPattern(needles: string[]): string {
  return needles.map((n) => n.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&')).join('|');
}

function timeGrep(path: string, pattern: string, env: NodeJS.ProcessEnv): { ms: number; count: string } {
  const started = performance.now();
  const r = spawnSync('grep', ['-cE', pattern, path], { env, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (r.error || (r.status !== 0 && r.status !== 1)) throw new Error(`grep failed: ${r.error?.message ?? r.stderr}`);
  return { ms, count: r.stdout.trim() };
}

async function main(): Promise<void> {
  await checkLiterals();
  const path = process.argv[2] ?? join(tmpdir(), 'turtle-sentinel-bench', 'check_kr.log');
  if (!existsSync(path) || statSync(path).size < MIN_BYTES) {
    mkdirSync(join(path, '..'), { recursive: true });
    process.stdout.write(`generating ${path} … `);
    const summary = await generateLog(path, MIN_BYTES);
    process.stdout.write(`${(summary.bytes / 1048576).toFixed(0)} MB, ${summary.runs} runs ${JSON.stringify(summary.byKind)}\n`);
  }
  const size = statSync(path).size;
  const needles = runNeedles(PROFILES, ERROR_PATTERNS);
  const pattern = grepPattern(needles);

  // grep in the environment's locale (UTF-8 here) and in the C locale (byte matching, grep's fastest mode).
  const grepRuns: Record<string, { ms: number[]; count: string }> = {};
  for (const [label, env] of [
    ['grep -cE (locale ' + (process.env.LC_ALL ?? process.env.LANG ?? 'default') + ')', process.env],
    ['grep -cE (LC_ALL=C)', { ...process.env, LC_ALL: 'C' }],
  ] as const) {
    const ms: number[] = [];
    let count = '';
    for (let i = 0; i < REPS; i++) {
      const r = timeGrep(path, pattern, env);
      ms.push(r.ms);
      count = r.count;
    }
    grepRuns[label] = { ms, count };
  }

  const self = fileURLToPath(import.meta.url);
  const modes: { name: string; args: string[] }[] = [{ name: 'under tsx', args: ['--import', 'tsx', self] }];
  const bundle = await bundleChild(self, join(path, '..', 'log-eval-child.mjs'));
  if (bundle) modes.push({ name: 'plain JS', args: [bundle] });
  else console.log('(esbuild not found: the plain-JS measurement is skipped)');

  const measured = modes.map((mode) => {
    const children: (ChildResult & { wallMs: number })[] = [];
    for (let i = 0; i < REPS; i++) {
      const started = performance.now();
      const r = spawnSync(process.execPath, [...mode.args, '--child', path], { encoding: 'utf8', maxBuffer: 1 << 20 });
      const wallMs = performance.now() - started;
      if (r.status !== 0) throw new Error(`evaluation child (${mode.name}) failed: ${r.stderr}`);
      children.push({ ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult), wallMs });
    }
    return { mode: mode.name, children };
  });

  const [grepLocaleLabel, grepCLabel] = Object.keys(grepRuns) as [string, string];
  const grepMs = median(grepRuns[grepLocaleLabel]!.ms);
  const grepCMs = median(grepRuns[grepCLabel]!.ms);
  const grepBest = Math.min(grepMs, grepCMs);
  const row = (name: string, ms: number, extra = '') => `${name.padEnd(48)} ${(ms / 1000).toFixed(3).padStart(8)} s  ${extra}`;
  console.log(`\nfile: ${path} (${(size / 1048576).toFixed(1)} MB), ${needles.length} needles, median of ${REPS}`);
  console.log(row(grepLocaleLabel, grepMs, `${grepRuns[grepLocaleLabel]!.count} matching lines`));
  console.log(row(grepCLabel, grepCMs, `${grepRuns[grepCLabel]!.count} matching lines`));
  for (const { mode, children } of measured) {
    const evalMs = median(children.map((c) => c.evalMs));
    const wallMs = median(children.map((c) => c.wallMs));
    const first = children[0]!;
    console.log(
      row(
        `sentinel evaluateLogFile + 2 rules (${mode})`,
        evalMs,
        `${first.linesSelected} lines decoded, ${first.finishedRuns} runs; ${(evalMs / grepBest).toFixed(2)}× grep`,
      ),
    );
    console.log(row(`  same child process, wall incl. start-up`, wallMs, `${(wallMs / grepBest).toFixed(2)}× grep`));
    console.log(
      `  peak RSS ${Math.max(...children.map((c) => c.maxRssMb)).toFixed(1)} MB ` +
        `(${Math.max(...children.map((c) => c.loadedRssMb)).toFixed(1)} MB after loading, before evaluating)`,
    );
  }
  console.log(`targets: evaluation ≤ 3× grep (the faster grep is the reference), peak RSS < 100 MB`);
  console.log(`verdicts: ${measured[0]!.children[0]!.verdicts.join('; ')}`);
}

/** Bundles this file into plain JavaScript with esbuild (tsx's own dependency), or undefined when it is absent. */
async function bundleChild(entry: string, outfile: string): Promise<string | undefined> {
  const name = 'esbuild'; // not a declared dependency: resolved at run time only
  let esbuild: { build(options: Record<string, unknown>): Promise<unknown> };
  try {
    esbuild = (await import(name)) as typeof esbuild;
  } catch {
    return undefined;
  }
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === '--child') await child(process.argv[3]!);
  else await main();
}
