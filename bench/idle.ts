// Benchmark (not a test): the idle cost of `turtle-sentinel run` watching a deployment.
// Runs the sidecar on a copy of the bundled example deployment for a measured window and reads its
// CPU time and memory from /proc; in the same run, measures a bare idle Node process as the baseline.
//   node --import tsx bench/idle.ts [--seconds 60]
// Targets: RSS under 80 MB, CPU under 0.5 % of one core.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// The same offline-or-Docker sentinel.yaml the daemon tests write, so that the bench measures what they test.
import { sentinelYaml } from '../test/helpers/cli-deployment.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1] ?? 60) || 60;
const CLK_TCK = 100; // Linux USER_HZ

interface Sample {
  cpuTicks: number;
  rssKb: number;
  hwmKb: number;
}

function sample(pid: number): Sample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { cpuTicks, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** Every process of the tree (the tsx loader may run helpers): sum their samples. */
function treeSample(root: number): Sample {
  const pids = [root];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(' ').map(Number));
    } catch {
      /* process gone */
    }
  }
  return pids
    .map((p) => {
      try {
        return sample(p);
      } catch {
        return { cpuTicks: 0, rssKb: 0, hwmKb: 0 };
      }
    })
    .reduce((a, b) => ({ cpuTicks: a.cpuTicks + b.cpuTicks, rssKb: a.rssKb + b.rssKb, hwmKb: a.hwmKb + b.hwmKb }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(
  name: string,
  child: ChildProcess,
  warmupMs: number,
): Promise<{ name: string; cpuPct: number; rssMb: number; hwmMb: number }> {
  await sleep(warmupMs);
  const a = treeSample(child.pid!);
  await sleep(seconds * 1000);
  const b = treeSample(child.pid!);
  child.kill('SIGTERM');
  const cpuPct = ((b.cpuTicks - a.cpuTicks) / CLK_TCK / seconds) * 100;
  return { name, cpuPct, rssMb: b.rssKb / 1024, hwmMb: b.hwmKb / 1024 };
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'sentinel-idle-'));
  cpSync(join(repo, 'examples/deployment'), join(work, 'deployment'), { recursive: true });
  const dockerAvailable = (() => {
    try {
      readFileSync('/var/run/docker.sock');
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code !== 'ENOENT';
    }
  })();
  writeFileSync(
    join(work, 'sentinel.yaml'),
    sentinelYaml({ crontabFromContainer: dockerAvailable, docker: [`  enabled: ${dockerAvailable}`], logLevel: 'warn' }),
  );

  const baseline = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  // The production entry and flags: compiled JavaScript (`npm run build`), as the Dockerfile runs it. The tsx
  // loader used in development keeps a TypeScript compiler in memory and is not what operators run.
  const entry = join(repo, 'dist/main.js');
  if (!existsSync(entry)) throw new Error('dist/main.js missing: run `npm run build` first (npm run bench:idle does)');
  const sentinel = spawn(process.execPath, ['--max-semi-space-size=2', entry, 'run', '--config', join(work, 'sentinel.yaml')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    cwd: work,
  });
  process.stdout.write(`measuring ${seconds}s of idle (docker ${dockerAvailable ? 'on' : 'off'})…\n`);
  const [base, side] = await Promise.all([measure('bare node (baseline)', baseline, 5000), measure('turtle-sentinel run', sentinel, 5000)]);
  const rows = [base, side];
  process.stdout.write(`\n${'process'.padEnd(24)} ${'CPU % of a core'.padStart(16)} ${'RSS MB'.padStart(8)} ${'peak MB'.padStart(8)}\n`);
  for (const r of rows)
    process.stdout.write(
      `${r.name.padEnd(24)} ${r.cpuPct.toFixed(3).padStart(16)} ${r.rssMb.toFixed(1).padStart(8)} ${r.hwmMb.toFixed(1).padStart(8)}\n`,
    );
  process.stdout.write(
    `\nsentinel/baseline RSS ratio: ${(side.rssMb / base.rssMb).toFixed(2)}x; CPU ${side.cpuPct.toFixed(3)} % (target < 0.5 %), RSS ${side.rssMb.toFixed(1)} MB (target < 80 MB)\n`,
  );
  process.exitCode = side.cpuPct < 0.5 && side.rssMb < 80 ? 0 : 1;
}

await main();
