// A container's CPU and memory as the engine accounts them, read from the Docker API's stats stream
// (GET /containers/{id}/stats?stream=true: one sample a second, each with the previous one's CPU).
// Used by the container benchmarks; the engine's numbers, not /proc of one process, because what an
// operator pays for is the whole container: the daemon, its healthcheck's node and anything it execs.
import type Docker from 'dockerode';

/** One stats sample, reduced to what the benchmarks report. */
export interface StatsSample {
  /** The engine's read time (ns since the epoch would lose precision: ms from Date.parse, µs kept below). */
  readMs: number;
  /** cgroup cpuacct total_usage, ns. */
  cpuNs: number;
  /** cgroup memory usage (includes page cache), bytes. */
  usage: number;
  /** usage − inactive file pages: what `docker stats` prints as MEM USAGE (20.10+), the RSS-like number. */
  workingSet: number;
  /** usage − all page cache (cgroup v1 `total_cache`, v2 `file`): anonymous memory and kernel objects. */
  noCache: number;
  /** Anonymous memory only (cgroup v1 `total_rss`, v2 `anon`). */
  anon: number;
}

type RawStats = {
  read: string;
  cpu_stats: { cpu_usage: { total_usage: number } };
  memory_stats: { usage?: number; stats?: Record<string, number> };
};

/** Date.parse keeps milliseconds only; the engine's read stamps carry nanoseconds. */
function readTimeMs(read: string): number {
  const m = /\.(\d+)Z$/.exec(read);
  const whole = Date.parse(read.replace(/\.\d+Z$/, 'Z'));
  return m ? whole + Number(`0.${m[1]}`) * 1000 : whole;
}

export function reduceStats(raw: RawStats): StatsSample {
  const usage = raw.memory_stats.usage ?? 0;
  const s = raw.memory_stats.stats ?? {};
  // cgroup v1 names carry total_ (the hierarchy's sum); v2 has inactive_file / file / anon.
  const inactiveFile = s.total_inactive_file ?? s.inactive_file ?? 0;
  const cache = s.total_cache ?? s.cache ?? s.file ?? 0;
  const anon = s.total_rss ?? s.rss ?? s.anon ?? 0;
  return {
    readMs: readTimeMs(raw.read),
    cpuNs: raw.cpu_stats.cpu_usage.total_usage,
    usage,
    workingSet: usage - inactiveFile,
    noCache: usage - cache,
    anon,
  };
}

/** Collect the stats stream of a container for `ms` milliseconds (samples come about once a second). */
export async function sampleStats(docker: Docker, container: string, ms: number): Promise<StatsSample[]> {
  const stream = (await docker.getContainer(container).stats({ stream: true })) as unknown as NodeJS.ReadableStream & {
    destroy(): void;
  };
  const samples: StatsSample[] = [];
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) samples.push(reduceStats(JSON.parse(line) as RawStats));
    }
  });
  await new Promise((r) => setTimeout(r, ms));
  stream.destroy();
  return samples;
}

export interface StatsSummary {
  /** Wall time between the first and last sample, s. */
  seconds: number;
  samples: number;
  /** CPU over the whole window, % of one core; and the busiest one-sample interval. */
  cpuPctMean: number;
  cpuPctMax: number;
  /** MB (2^20 bytes): mean and max over the samples. */
  workingSetMean: number;
  workingSetMax: number;
  noCacheMean: number;
  anonMean: number;
  usageMean: number;
}

const MB = 1024 * 1024;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export function summarize(samples: StatsSample[]): StatsSummary {
  if (samples.length < 2) throw new Error(`only ${samples.length} stats samples: the stream gave too little to judge`);
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const pct = (a: StatsSample, b: StatsSample) => ((b.cpuNs - a.cpuNs) / 1e6 / (b.readMs - a.readMs)) * 100;
  const intervals = samples.slice(1).map((s, i) => pct(samples[i]!, s));
  return {
    seconds: (last.readMs - first.readMs) / 1000,
    samples: samples.length,
    cpuPctMean: pct(first, last),
    cpuPctMax: Math.max(...intervals),
    workingSetMean: mean(samples.map((s) => s.workingSet)) / MB,
    workingSetMax: Math.max(...samples.map((s) => s.workingSet)) / MB,
    noCacheMean: mean(samples.map((s) => s.noCache)) / MB,
    anonMean: mean(samples.map((s) => s.anon)) / MB,
    usageMean: mean(samples.map((s) => s.usage)) / MB,
  };
}
