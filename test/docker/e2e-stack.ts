// The whole deployment in containers, for end-to-end tests and benchmarks: a replica turtle-trading
// project (turtle-cron and turtle-dashboard on the current release's image, the predecessor's image
// under the backup tag), a Telegram Bot API server in a container of its own, and the sidecar's image
// started from docker-compose.sentinel.yaml with an env file and a config, as an operator would start it.
// Helpers act as the operator and as the outside world: inject a fault into the replica, read the chat,
// press a button, scrape /metrics and /healthz through the published port, `docker restart` the sidecar,
// and tear everything down (`teardown()`; startE2EStack tears down what it made if it fails half-way).
//
// Why the sidecar does not run on the shipped config unchanged: deploy/sentinel.yaml allows nobody to
// decide (`allowedUserIds: []`) and talks to api.telegram.org, so an operator edits both (README: "or
// SENTINEL_CONFIG_FILE=your copy"); the test does the same, from the shipped file, with its rules and
// image paths. And the shipped catalogue cannot recognise the replica: its job scripts are stand-ins
// whose git blob ids are no real release's, so recognition would only find a "closest" entry (the
// newest Debian-cron release, v3.3.x: a wrong rollback target) and keep the release-dependent rules in
// dry-run. The test therefore mounts what an operator makes for a build the catalogue does not know:
// the shipped v3.2.0 and v3.2.1 entries, unchanged but for `recognition.files`, which carry the
// replica's own blob ids (as `git hash-object` gives them). It sits in the checkout the compose file
// mounts (/deployment/sentinel/catalogue.yaml): the compose file mounts no other host directory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import ts from 'typescript';
import { parse, stringify } from 'yaml';
import type { HealthBody } from '../../src/adapters/http.ts';
import type { ChatMessage, CallbackAnswer, FakeUser } from '../fakes/bot-api-server.ts';
import { OPERATOR, OPERATOR_CHAT, TEST_TOKEN } from '../fakes/telegram-harness.ts';
import { waitFor } from '../helpers/wait.ts';
import { createServiceContainer, loadCompose } from './compose.ts';
import { TEST_LABEL, removeContainers, removeTestObjects } from './engine.ts';
import { buildFromContext } from './image-build.ts';
import { LOCAL_NODE_IMAGE, buildLocalNodeImage } from './node-base.ts';
import { BACKUP_TAG, buildReplicaImage, crontabOf, createReplicaDeployment, type ReplicaDeployment } from './replica.ts';
import { writeStateFiles } from './rollback-kit.ts';
import * as scripts from './replica/scripts.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Names of the stack's own: no real turtle-sentinel container, volume, image or network is touched. */
export const E2E_SENTINEL = 'ts-e2e-sentinel';
export const E2E_IMAGE = 'ts-e2e-sentinel:test';
export const E2E_VOLUME_PREFIX = 'ts-e2e-';
/** The network compose would create for the sidecar's project (`turtle-sentinel_default`), under a test name. */
export const E2E_NETWORK = 'ts-e2e-sentinel_default';
export const E2E_BOT_API = 'ts-e2e-telegram-api';
/** The Bot API's name on that network: the sidecar's telegram.apiRoot. */
export const BOT_API_HOST = 'telegram-api';
const BOT_API_PORT = 8081;
const CONTROL_PORT = 8082;
/** Where the replica-recognising catalogue sits in the checkout, and so inside the sidecar's container. */
const CATALOGUE_IN_CHECKOUT = 'sentinel/catalogue.yaml';
/** The turtle-trading bot's variables in the replica's env_file: its runs log the channel activation line. */
const REPLICA_ENV = ['TELEGRAM_BOT_TOKEN=123456:not-a-real-token', 'TELEGRAM_CHAT_ID=42'];

export interface StackOptions {
  /** The operator's language (default: the shipped config's). */
  language?: 'ko' | 'en';
  /** The compose healthcheck interval (SENTINEL_HEALTHCHECK_INTERVAL); default 2s to keep tests short. */
  healthcheckInterval?: string;
  /** Changes to the adapted config, merged over it (deep, objects only). */
  config?: Record<string, unknown>;
  /**
   * Files to put in the checkout before the sidecar starts, by path relative to it (the sidecar sees them
   * under /deployment): e.g. a tuned rules directory that `config.rules` points at.
   */
  checkoutFiles?: Record<string, string>;
}

export interface Exec {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface StackTelegram {
  /** Every message the sidecar's bot sent to the operator chat, as the chat shows it now. */
  chat(): Promise<ChatMessage[]>;
  /** The first message (in order) after `after` messages whose plain text satisfies `test`. */
  waitForMessage(
    what: string,
    test: (plain: string, message: ChatMessage) => boolean,
    options?: { after?: number; timeoutMs?: number },
  ): Promise<ChatMessage>;
  /** Press the button labelled `label` on the latest message that has it, as `user` (the allowed operator by default); the answer shown. */
  press(label: string, options?: { user?: FakeUser; messageId?: number }): Promise<CallbackAnswer>;
  /** Send a text (a command) to the chat as `user`. */
  say(text: string, options?: { user?: FakeUser }): Promise<void>;
  /** Method and status of every Bot API call the sidecar made. */
  requests(): Promise<{ method: string; status: number }[]>;
}

export interface E2EStack {
  docker: Docker;
  replica: ReplicaDeployment;
  telegram: StackTelegram;
  /** The catalogue mounted for the sidecar (see the header), for assertions. */
  cataloguePath: string;
  /** The host port /healthz and /metrics are published on (127.0.0.1; changes on restart). */
  hostPort(): number;
  healthz(): Promise<{ status: number; body: HealthBody } | undefined>;
  metrics(): Promise<string>;
  /** Docker's health status of the sidecar's container. */
  health(): Promise<string | undefined>;
  /** Wait until the sidecar's container is healthy. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Run a command in the sidecar's container (e.g. `turtle-sentinel status --json`). */
  execSentinel(cmd: string[]): Promise<Exec>;
  /** The sidecar container's last log lines (for failure messages). */
  sentinelLogs(tail?: number): Promise<string>;
  /**
   * A fault in the replica. `repeated-exceptions`: `check_positions.py` run twice in turtle-cron as cron
   * runs it (its crontab line, output appended to logs/check_kr.log), each run dying of a traceback: the
   * check rule proposes a rollback. `between` runs after the first failed run (e.g. wait for the sidecar's
   * one-failure warning, so that the second run is read live rather than both in one read).
   */
  injectFault(kind: 'repeated-exceptions', options?: { between?: () => Promise<void> }): Promise<void>;
  /** `docker restart` of the sidecar's container; resolves once it is healthy again (and the port re-read). */
  restartSentinel(): Promise<void>;
  /** Remove every container, volume, network and temp dir the stack made. Safe to call twice. */
  teardown(): Promise<void>;
}

async function execIn(docker: Docker, container: string, cmd: string[], env: string[] = []): Promise<Exec> {
  const e = await docker.getContainer(container).exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = (await e.start({ hijack: true, stdin: false })) as unknown as NodeJS.ReadableStream;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const collect = (into: Buffer[]) => new PassThrough().on('data', (c: Buffer) => into.push(c));
  docker.modem.demuxStream(stream, collect(out), collect(err));
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  (stream as unknown as { destroy(): void }).destroy();
  const info = await waitFor('the exec to report its exit code', async () => {
    const i = await e.inspect();
    return !i.Running && i.ExitCode !== null ? i : undefined;
  });
  return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/**
 * fetch with a deadline held by a ref'd timer: AbortSignal.timeout's timer is unref'd, and while a
 * connection to a published port hangs (the program in the container not listening yet) nothing else
 * keeps the test's event loop alive: node:test then cancels the test as "still pending".
 */
async function fetchWithin(url: string, init: RequestInit, ms: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`${url}: no answer within ${ms} ms`)), ms);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

const short = (content: string | Buffer): string =>
  execFileSync('git', ['hash-object', '--stdin'], { input: content }).toString('utf8').trim().slice(0, 7);

/** The shipped catalogue's v3.2.0 and v3.2.1 entries, recognised by the replica's files (see the header). */
export function replicaCatalogue(): string {
  const shipped = parse(readFileSync(join(REPO, 'rules/releases/catalogue.yaml'), 'utf8')) as {
    source: unknown;
    releases: Array<{ release: string; recognition: { files: Record<string, string> } }>;
  };
  const files: Record<string, Record<string, string>> = {
    'v3.2.0': {
      '/etc/cron.d/turtle-cron': short(crontabOf('v3.2.0')),
      '/app/scripts/check_positions.py': short(scripts.CHECK_POSITIONS),
      '/app/scripts/signal_check.py': short(scripts.SIGNAL_CHECK),
    },
    'v3.2.1': {
      '/etc/cron.d/turtle-cron': short(crontabOf('v3.2.1')),
      '/app/scripts/check_positions.py': short(scripts.CHECK_POSITIONS),
    },
  };
  const releases = shipped.releases
    .filter((r) => r.release in files)
    .map((r) => ({ ...r, recognition: { ...r.recognition, files: files[r.release]! } }));
  if (releases.length !== 2) throw new Error('the shipped catalogue no longer has v3.2.0 and v3.2.1');
  return (
    "# The shipped catalogue's v3.2.0 and v3.2.1, recognised by the replica's stand-in files (test/docker/e2e-stack.ts).\n" +
    stringify({ source: shipped.source, releases })
  );
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** deploy/sentinel.yaml as an operator adapts it for this deployment (see the header). */
export function adaptedConfig(options: StackOptions = {}): string {
  const shipped = parse(readFileSync(join(REPO, 'deploy/sentinel.yaml'), 'utf8')) as Record<string, unknown>;
  const adapted = merge(shipped, {
    deployment: { catalogue: `/deployment/${CATALOGUE_IN_CHECKOUT}` },
    telegram: {
      apiRoot: `http://${BOT_API_HOST}:${BOT_API_PORT}`,
      allowedUserIds: [OPERATOR.id],
      ...(options.language ? { language: options.language } : {}),
    },
    ...(options.config ?? {}),
  });
  return '# deploy/sentinel.yaml, adapted by test/docker/e2e-stack.ts: Bot API, operator, catalogue.\n' + stringify(adapted);
}

/**
 * The Bot API server's program as plain JavaScript for the node of the local base image (Node 20 runs
 * no TypeScript): its two files transpiled by the TypeScript compiler, nothing bundled, nothing installed.
 */
function transpileBotApi(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ts-e2e-bot-api-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  for (const file of ['docker/bot-api-main.ts', 'fakes/bot-api-server.ts']) {
    const source = readFileSync(join(REPO, 'test', file), 'utf8');
    const out = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        rewriteRelativeImportExtensions: true,
        verbatimModuleSyntax: false,
      },
    });
    const target = join(dir, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  return dir;
}

async function removeVolume(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

async function removeNetwork(docker: Docker, name: string): Promise<void> {
  try {
    const net = await docker.getNetwork(name).inspect();
    if (!(TEST_LABEL in (net.Labels ?? {}))) throw new Error(`refusing to remove network ${name}: not created by the test kit`);
    // The network is ours; an endpoint left on it (a crashed run, another user of the stack that joined
    // a container of its own) would make the removal fail, so every endpoint is cut first.
    for (const id of Object.keys(net.Containers ?? {}))
      await docker
        .getNetwork(name)
        .disconnect({ Container: id, Force: true })
        .catch(() => undefined);
    await docker.getNetwork(name).remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

async function publishedPort(docker: Docker, container: string, port: number): Promise<number> {
  const ports = (await docker.getContainer(container).inspect()).NetworkSettings.Ports[`${port}/tcp`];
  const hostPort = Number(ports?.[0]?.HostPort);
  if (!(hostPort > 0)) throw new Error(`${container}: port ${port} is not published`);
  return hostPort;
}

/** Leftovers of a crashed run: the stack's own containers, volume and network. */
async function removeStackObjects(docker: Docker): Promise<void> {
  await removeContainers(docker, [E2E_SENTINEL, E2E_BOT_API]);
  await removeVolume(docker, `${E2E_VOLUME_PREFIX}sentinel-state`);
  await removeNetwork(docker, E2E_NETWORK);
}

export async function startE2EStack(docker: Docker, options: StackOptions = {}): Promise<E2EStack> {
  const cleanups: Array<() => Promise<void>> = [];
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    const errors: unknown[] = [];
    for (const step of cleanups.reverse()) await step().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw new AggregateError(errors, 'e2e stack teardown');
  };
  try {
    await removeStackObjects(docker);
    cleanups.push(async () => {
      await removeStackObjects(docker);
      // What the rollback made from the replica's containers (they carry its label), and the replica's network.
      await removeTestObjects(docker);
    });
    const work = mkdtempSync(join(tmpdir(), 'ts-e2e-'));
    cleanups.push(async () => rmSync(work, { recursive: true, force: true }));

    // (a) turtle-trading's project: v3.2.0's image saved under the backup tag (runbook §2), v3.2.1 under
    // compose's image names and running, with the state files of a trading day.
    await buildReplicaImage(docker, 'v3.2.0', { tags: [BACKUP_TAG] });
    const replica = await createReplicaDeployment(docker, { version: 'v3.2.1', dashboard: 'running', env: REPLICA_ENV });
    cleanups.push(() => replica.cleanup());
    writeStateFiles(replica.dataDir);
    mkdirSync(join(replica.root, dirname(CATALOGUE_IN_CHECKOUT)), { recursive: true });
    const cataloguePath = join(replica.root, CATALOGUE_IN_CHECKOUT);
    writeFileSync(cataloguePath, replicaCatalogue());
    for (const [path, content] of Object.entries(options.checkoutFiles ?? {})) {
      mkdirSync(dirname(join(replica.root, path)), { recursive: true });
      writeFileSync(join(replica.root, path), content);
    }

    // The sidecar project's network: the Bot API joins it, as api.telegram.org would be reachable.
    await docker.createNetwork({
      Name: E2E_NETWORK,
      Driver: 'bridge',
      Labels: { 'com.docker.compose.project': 'turtle-sentinel', 'com.docker.compose.network': 'default', [TEST_LABEL]: 'e2e' },
    });

    // (b) the Bot API server, in the local node base image, its transpiled program mounted read-only.
    const nodeImage = await buildLocalNodeImage(docker);
    const botDir = transpileBotApi();
    cleanups.push(async () => rmSync(botDir, { recursive: true, force: true }));
    const bot = await docker.createContainer({
      name: E2E_BOT_API,
      Image: LOCAL_NODE_IMAGE,
      Cmd: ['node', '/opt/bot-api/docker/bot-api-main.js'],
      Env: [`BOT_API_TOKEN=${TEST_TOKEN}`, `BOT_API_PORT=${BOT_API_PORT}`, `CONTROL_PORT=${CONTROL_PORT}`],
      Labels: { [TEST_LABEL]: 'bot-api' },
      ExposedPorts: { [`${CONTROL_PORT}/tcp`]: {} },
      HostConfig: {
        Binds: [`${botDir}:/opt/bot-api:ro`],
        // The control interface on the host's loopback only; the Bot API itself is not published at all.
        PortBindings: { [`${CONTROL_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
        NetworkMode: E2E_NETWORK,
      },
      NetworkingConfig: { EndpointsConfig: { [E2E_NETWORK]: { Aliases: [BOT_API_HOST] } } },
    });
    await bot.start();
    const control = `http://127.0.0.1:${await publishedPort(docker, E2E_BOT_API, CONTROL_PORT)}`;
    const get = async <T>(path: string): Promise<T> => {
      const res = await fetchWithin(`${control}${path}`, {}, 15_000);
      if (!res.ok) throw new Error(`bot api control ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const post = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetchWithin(
        `${control}${path}`,
        { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
        15_000,
      );
      if (!res.ok) throw new Error(`bot api control ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    await waitFor(
      'the Bot API control interface to answer',
      async () => {
        try {
          await get('/requests');
          return true;
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000, everyMs: 100 },
    );

    const chat = async () => (await get<ChatMessage[]>('/messages')).filter((m) => m.chatId === OPERATOR_CHAT);
    const telegram: StackTelegram = {
      chat,
      async waitForMessage(what, test, waitOptions = {}) {
        let seen: ChatMessage[] = [];
        return waitFor(
          what,
          async () => {
            seen = await chat();
            return seen.slice(waitOptions.after ?? 0).find((m) => test(m.plain, m));
          },
          { timeoutMs: waitOptions.timeoutMs ?? 120_000, everyMs: 250, seen: () => seen.map((m) => m.plain).join('\n---\n') },
        );
      },
      async press(label, pressOptions = {}) {
        const messages = await chat();
        const target =
          pressOptions.messageId !== undefined
            ? messages.find((m) => m.messageId === pressOptions.messageId)
            : [...messages].reverse().find((m) => m.keyboard?.flat().some((b) => b.text === label));
        const button = target?.keyboard?.flat().find((b) => b.text === label);
        if (!target || !button) throw new Error(`no message in the chat has a button labelled ${JSON.stringify(label)}`);
        const { callbackQueryId } = await post<{ callbackQueryId: string }>('/press', {
          from: pressOptions.user ?? OPERATOR,
          chatId: OPERATOR_CHAT,
          data: button.callback_data,
          messageId: target.messageId,
        });
        return get<CallbackAnswer>(`/answer?id=${encodeURIComponent(callbackQueryId)}&timeoutMs=10000`);
      },
      async say(text, sayOptions = {}) {
        await post('/say', { from: sayOptions.user ?? OPERATOR, chatId: OPERATOR_CHAT, text });
      },
      requests: () => get('/requests'),
    };

    // (c) the sidecar: its image built from the compose file's build section on the local node base,
    // its container created from the compose file with the env file and the adapted config.
    const envFile = join(work, 'sentinel.env');
    writeFileSync(envFile, `SENTINEL_TELEGRAM_TOKEN=${TEST_TOKEN}\nSENTINEL_TELEGRAM_CHAT_ID=${OPERATOR_CHAT}\n`);
    const configFile = join(work, 'sentinel.yaml');
    writeFileSync(configFile, adaptedConfig(options));
    const project = loadCompose(join(REPO, 'docker-compose.sentinel.yaml'), {
      NODE_IMAGE: nodeImage,
      TURTLE_TRADING_DIR: replica.root,
      SENTINEL_ENV_FILE: envFile,
      SENTINEL_CONFIG_FILE: configFile,
      DOCKER_SOCKET: '/var/run/docker.sock',
      SENTINEL_HEALTHCHECK_INTERVAL: options.healthcheckInterval ?? '2s',
    });
    const service = project.services[0]!;
    if (!service.build) throw new Error('the compose file no longer builds the image');
    await buildFromContext(docker, service.build.context, {
      t: E2E_IMAGE,
      buildargs: service.build.args,
      labels: { [TEST_LABEL]: 'sentinel-image' },
    });
    await (
      await createServiceContainer(docker, project, service, {
        image: E2E_IMAGE,
        containerName: E2E_SENTINEL,
        volumePrefix: E2E_VOLUME_PREFIX,
        anyHostPort: true,
        network: E2E_NETWORK,
      })
    ).start();
    let hostPort = await publishedPort(docker, E2E_SENTINEL, 9464);

    const health = async () => (await docker.getContainer(E2E_SENTINEL).inspect()).State.Health?.Status;
    const sentinelLogs = async (tail = 40) =>
      ((await docker.getContainer(E2E_SENTINEL).logs({ stdout: true, stderr: true, tail })) as unknown as Buffer).toString('utf8');
    const waitHealthy = async (timeoutMs = 120_000) => {
      let last: string | undefined;
      await waitFor(
        'the sidecar container to be healthy',
        async () => {
          last = await health();
          return last === 'healthy';
        },
        { timeoutMs, everyMs: 250, seen: () => `health ${last}` },
      );
    };

    const stack: E2EStack = {
      docker,
      replica,
      telegram,
      cataloguePath,
      hostPort: () => hostPort,
      async healthz() {
        try {
          const res = await fetchWithin(`http://127.0.0.1:${hostPort}/healthz`, {}, 3_000);
          return { status: res.status, body: (await res.json()) as HealthBody };
        } catch {
          return undefined;
        }
      },
      async metrics() {
        const res = await fetchWithin(`http://127.0.0.1:${hostPort}/metrics`, {}, 5_000);
        if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
        return res.text();
      },
      health,
      waitHealthy,
      execSentinel: (cmd) => execIn(docker, E2E_SENTINEL, cmd),
      sentinelLogs,
      async injectFault(kind, faultOptions = {}) {
        if (kind !== 'repeated-exceptions') throw new Error(`unknown fault ${String(kind)}`);
        // The crontab's own command line for the KR check, run as cron would run it; REPLICA_MODE makes
        // the stand-in die of the v3.2.1 traceback (TypeError in Position.__init__).
        const line = crontabOf('v3.2.1')
          .split('\n')
          .find((l) => l.includes('check_positions.py') && l.includes('check_kr.log'));
        if (!line) throw new Error('the v3.2.1 crontab has no check_kr line');
        const command = line.replace(/^(\S+\s+){5}/, '');
        const failingRun = async () => {
          const result = await replica.exec(['sh', '-c', command], { env: ['REPLICA_MODE=traceback'] });
          if (result.exitCode !== 1) throw new Error(`the failing run exited ${result.exitCode}: ${result.stderr}`);
        };
        await failingRun();
        await faultOptions.between?.();
        await failingRun();
      },
      async restartSentinel() {
        await docker.getContainer(E2E_SENTINEL).restart({ t: 10 });
        hostPort = await publishedPort(docker, E2E_SENTINEL, 9464);
        await waitHealthy();
      },
      teardown,
    };
    await waitHealthy();
    return stack;
  } catch (err) {
    await teardown().catch(() => undefined);
    throw err;
  }
}
