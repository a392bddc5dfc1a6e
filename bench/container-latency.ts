// Benchmark (not a test): detection latency in the container setup, from the moment a fault is observable
// to the moment the sidecar's Telegram message arrives at the Bot API server (in its own container), per
// criterion, over --trials trials (default 10). Built on test/docker/e2e-stack.ts: the replica project,
// the Bot API container and the sidecar from docker-compose.sentinel.yaml.
//   [flock <the machine's Docker lock>] node --import tsx bench/container-latency.ts [--trials 10] [--only <criterion substring>]
// Observable = the faulty file written and closed: its mtime, read on the host (the kernel's clock, the
// same one every container reads). Arrival = the Bot API's own record of the sendMessage, turned into
// wall-clock time with the server's performance.timeOrigin (GET /clock of its control interface).
// Every trial starts from a fresh sidecar: stopped, its state volume emptied, the replica's files and
// turtle-cron restored, started and healthy again, so each trial is a new detection, not a deduplication.
// Baseline, in the same trials: a minimal watcher container (node fs.watch on the same bind mounts,
// posting to the same Bot API) for the file-based faults.
// Target: p95 < 2 s.
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { TEST_LABEL, removeContainers, requireDocker } from '../test/docker/engine.ts';
import { E2E_BOT_API, E2E_NETWORK, E2E_SENTINEL, E2E_VOLUME_PREFIX, startE2EStack, type E2EStack } from '../test/docker/e2e-stack.ts';
import { LOCAL_NODE_IMAGE } from '../test/docker/node-base.ts';
import { CRON_NAME } from '../test/docker/replica.ts';
import { OPERATOR_CHAT, TEST_TOKEN } from '../test/fakes/telegram-harness.ts';
import type { ChatMessage } from '../test/fakes/bot-api-server.ts';
import { waitFor } from '../test/helpers/wait.ts';

const trialsArg = process.argv.indexOf('--trials');
const TRIALS = trialsArg >= 0 ? Number(process.argv[trialsArg + 1]) || 10 : 10;
const onlyArg = process.argv.indexOf('--only');
const ONLY = onlyArg >= 0 ? process.argv[onlyArg + 1] : undefined;
const RULES = resolve(dirname(fileURLToPath(import.meta.url)), '../rules');
/** The container rule's allowance, shortened from 2m so that a trial takes seconds (see tunedRules). */
const NOT_RUNNING_FOR_MS = 5_000;
const WATCHER = 'ts-bench-fs-watch';
const WATCHER_CHAT = 999;
const WIPER = 'ts-bench-state-wipe';

/**
 * The baseline: what a minimal watcher costs, fs.watch on the directories and one sendMessage per change,
 * naming the file and the mtime it saw so that each message is matched to the write that caused it.
 */
const WATCHER_JS = `
const fs = require('fs'); const http = require('http'); const path = require('path');
const seen = new Map();
function post(text) {
  const body = JSON.stringify({ chat_id: ${WATCHER_CHAT}, text });
  const req = http.request({ host: 'telegram-api', port: 8081, method: 'POST', path: '/bot${TEST_TOKEN}/sendMessage',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  req.on('error', () => {}); req.end(body);
}
for (const dir of ['/w/logs', '/w/data/positions', '/w/data/entries']) {
  fs.watch(dir, (_e, name) => {
    if (!name) return;
    const file = path.join(dir, name);
    let m; try { m = fs.statSync(file).mtimeMs; } catch { return; }
    if (seen.get(file) === m) return;
    seen.set(file, m);
    post(name + ' ' + m);
  });
}
setInterval(() => {}, 1 << 30);
`;

interface Trial {
  latencyMs: number;
  /** Sidecar messages (other than a warning) between the reset and the fault: should be 0, else the trial is not clean. */
  stray: number;
  baselineMs?: number;
  first: string;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

async function main() {
  const engine = await requireDocker();
  if (engine.skip !== false) throw new Error(engine.skip);
  const docker = engine.docker;
  // A killed run's watcher is still on the stack's network, which the stack removes first.
  await removeContainers(docker, [WATCHER, WIPER]);
  process.stdout.write('starting the e2e stack (replica, Bot API container, sidecar from the compose file)…\n');
  // The shipped rules, in the checkout (the only host directory the compose file mounts), with the cron
  // container's allowance cut to 5 s; the sidecar is pointed at them by the config's `rules`.
  const checkoutFiles: Record<string, string> = {};
  for (const f of readdirSync(RULES).filter((n) => n.endsWith('.yaml'))) {
    let text = readFileSync(join(RULES, f), 'utf8');
    if (f === '60-containers.yaml') {
      if (!text.includes('notRunningFor: 2m')) throw new Error('rules/60-containers.yaml no longer says notRunningFor: 2m');
      text = text.replace('notRunningFor: 2m', `notRunningFor: ${NOT_RUNNING_FOR_MS / 1000}s`);
    }
    checkoutFiles[`sentinel/rules/${f}`] = text;
  }
  const stack = await startE2EStack(docker, { checkoutFiles, config: { rules: '/deployment/sentinel/rules' } });
  try {
    await run(docker, stack);
  } finally {
    await removeContainers(docker, [WATCHER, WIPER]).catch(() => undefined);
    await stack.teardown().catch(() => undefined);
  }
}

async function run(docker: Docker, stack: E2EStack) {
  const controlPort = Number((await docker.getContainer(E2E_BOT_API).inspect()).NetworkSettings.Ports['8082/tcp']?.[0]?.HostPort);
  const control = async <T>(path: string): Promise<T> => (await fetch(`http://127.0.0.1:${controlPort}${path}`)).json() as Promise<T>;
  const { timeOrigin } = await control<{ timeOrigin: number }>('/clock');
  const arrival = (m: ChatMessage) => timeOrigin + m.sentAt;
  const messages = () => control<ChatMessage[]>('/messages');

  const root = stack.replica.root;
  const positionsFile = join(stack.replica.dataDir, 'positions/positions.json');
  const checkLog = join(stack.replica.logsDir, 'check_kr.log');
  const positionsGood = readFileSync(positionsFile);
  const entriesFile = join(stack.replica.dataDir, 'entries/entries.json');
  const entriesGood = readFileSync(entriesFile);

  await removeContainers(docker, [WATCHER]);
  const watcher = await docker.createContainer({
    name: WATCHER,
    Image: LOCAL_NODE_IMAGE,
    Cmd: ['node', '-e', WATCHER_JS],
    Labels: { [TEST_LABEL]: 'bench' },
    HostConfig: { Binds: [`${root}:/w:ro`], NetworkMode: E2E_NETWORK },
  });
  await watcher.start();

  /** A fresh sidecar: stopped, state emptied, replica files and turtle-cron restored, started, healthy. */
  const reset = async () => {
    await docker.getContainer(E2E_SENTINEL).stop({ t: 10 });
    writeFileSync(positionsFile, positionsGood);
    writeFileSync(entriesFile, entriesGood);
    // The previous trial's failed runs would otherwise be read again by the fresh sidecar, as a backlog.
    for (const f of readdirSync(stack.replica.logsDir)) rmSync(join(stack.replica.logsDir, f), { force: true, recursive: true });
    const cron = await docker.getContainer(CRON_NAME).inspect();
    if (!cron.State.Running) await docker.getContainer(CRON_NAME).start();
    await removeContainers(docker, [WIPER]);
    const wiper = await docker.createContainer({
      name: WIPER,
      Image: LOCAL_NODE_IMAGE,
      Cmd: ['sh', '-c', 'rm -rf /s/* /s/.[!.]*; true'],
      Labels: { [TEST_LABEL]: 'bench' },
      HostConfig: { Binds: [`${E2E_VOLUME_PREFIX}sentinel-state:/s`] },
    });
    await wiper.start();
    await wiper.wait();
    await wiper.remove();
    await docker.getContainer(E2E_SENTINEL).start();
    await stack.waitHealthy();
    resetDone = Date.now();
  };
  let resetDone = 0;

  /** The first operator-chat message arriving after `t0`, and the watcher's message for (file, mtime). */
  const measure = async (t0: number, rule: string, watched?: { name: string; mtimeMs: number }): Promise<Trial> => {
    // The incident's first message: it names the rule (the one-failure warning starts with ⚠️ and is not it).
    const sidecar = await waitFor(
      `the sidecar's ${rule} incident message`,
      async () =>
        (await messages()).find(
          (m) => m.chatId === OPERATOR_CHAT && arrival(m) >= t0 - 1 && !m.plain.startsWith('⚠️') && m.plain.includes(`${rule}`),
        ),
      { timeoutMs: 180_000, everyMs: 200 },
    );
    const stray = (await messages()).filter(
      (m) => m.chatId === OPERATOR_CHAT && arrival(m) >= resetDone && arrival(m) < t0 && !m.plain.startsWith('⚠️'),
    ).length;
    let baselineMs: number | undefined;
    if (watched) {
      const b = await waitFor(
        'the watcher message',
        async () => (await messages()).find((m) => m.chatId === WATCHER_CHAT && m.text === `${watched.name} ${watched.mtimeMs}`),
        { timeoutMs: 30_000, everyMs: 200 },
      ).catch(() => undefined);
      if (b) baselineMs = arrival(b) - t0;
    }
    return {
      latencyMs: arrival(sidecar) - t0,
      stray,
      ...(baselineMs !== undefined ? { baselineMs } : {}),
      first: sidecar.plain.split('\n')[0]!,
    };
  };

  const criteria: Array<{ name: string; trial: () => Promise<Trial> }> = [
    {
      name: 'repeated exceptions (2 failed check_kr runs)',
      trial: async () => {
        await stack.injectFault('repeated-exceptions', {
          between: async () => {
            // The one-failure warning: the second run is then read live, as a day later in production.
            await stack.telegram.waitForMessage('the one-failure warning', (p) => p.startsWith('⚠️'), { timeoutMs: 60_000 });
          },
        });
        const st = statSync(checkLog);
        return measure(st.mtimeMs, 'check-repeated-failures', { name: 'check_kr.log', mtimeMs: st.mtimeMs });
      },
    },
    {
      name: 'positions.json corrupt (not JSON)',
      trial: async () => {
        writeFileSync(positionsFile, '[{"symbol": "005930", "status": "open"'); // truncated mid-write
        const st = statSync(positionsFile);
        return measure(st.mtimeMs, 'positions-corrupt', { name: 'positions.json', mtimeMs: st.mtimeMs });
      },
    },
    {
      name: 'fill fault (entry shares ≠ total_shares)',
      trial: async () => {
        // One fill recorded with a share more than the position holds: total-shares breaks, positions.json untouched.
        const entries = JSON.parse(entriesGood.toString('utf8')) as Array<{ shares: number }>;
        entries[0]!.shares += 1;
        writeFileSync(entriesFile, JSON.stringify(entries, null, 2) + '\n');
        const st = statSync(entriesFile);
        return measure(st.mtimeMs, 'fill-mismatch', { name: 'entries.json', mtimeMs: st.mtimeMs });
      },
    },
    {
      name: 'cron container stopped (after notRunningFor 5s)',
      trial: async () => {
        await docker.getContainer(CRON_NAME).stop({ t: 1 });
        // Observable as a fault once it has been down for the rule's allowance.
        const finished = Date.parse((await docker.getContainer(CRON_NAME).inspect()).State.FinishedAt);
        return measure(finished + NOT_RUNNING_FOR_MS, 'cron-container-down');
      },
    },
  ];

  const results: Array<{ name: string; trials: Trial[] }> = [];
  for (const c of criteria.filter((x) => ONLY === undefined || x.name.includes(ONLY))) {
    const trials: Trial[] = [];
    for (let i = 0; i < TRIALS; i++) {
      await reset();
      const t = await c.trial();
      trials.push(t);
      process.stdout.write(
        `${c.name} #${i + 1}: ${t.latencyMs.toFixed(0)} ms (watcher ${t.baselineMs?.toFixed(0) ?? '-'} ms, stray ${t.stray}): ${t.first}\n`,
      );
    }
    results.push({ name: c.name, trials });
  }

  const f = (n: number) => (n / 1000).toFixed(3);
  process.stdout.write(
    `\n${'criterion'.padEnd(46)} ${'n'.padStart(3)} ${'p50 s'.padStart(7)} ${'p95 s'.padStart(7)} ${'watcher p50'.padStart(12)} ${'watcher p95'.padStart(12)} ${'p50 ratio'.padStart(10)}\n`,
  );
  let ok = true;
  for (const r of results) {
    const l = r.trials.map((t) => t.latencyMs);
    const b = r.trials.flatMap((t) => (t.baselineMs !== undefined ? [t.baselineMs] : []));
    const p95 = quantile(l, 0.95);
    if (p95 >= 2000) ok = false;
    process.stdout.write(
      `${r.name.padEnd(46)} ${String(l.length).padStart(3)} ${f(quantile(l, 0.5)).padStart(7)} ${f(p95).padStart(7)} ${(b.length ? f(quantile(b, 0.5)) : '-').padStart(12)} ${(b.length ? f(quantile(b, 0.95)) : '-').padStart(12)} ${(b.length ? `${(quantile(l, 0.5) / quantile(b, 0.5)).toFixed(1)}x` : '-').padStart(10)}\n`,
    );
  }
  process.stdout.write(`\ntarget: p95 < 2 s after the fault is observable — ${ok ? 'met' : 'NOT met'} for every criterion measured\n`);
  process.exitCode = ok ? 0 : 1;
}

await main();
