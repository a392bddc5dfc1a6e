// Wires the real adapters (log tailer, JSON file watcher, Docker observer, ticks) to the event loop
// for `turtle-sentinel run`. Holds no decisions of its own: everything decided is in the core.
import { configPaths } from '../config/load-config.ts';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config, Rule, Profile } from '../config/schema.ts';
import { logNeedles, positionKeysOf } from '../core/rules/index.ts';
import type { CoreState, StepContext } from '../core/step.ts';
import { listOpenRuns } from '../core/runs.ts';
import { crashOf, openRunKey } from '../core/run-fate.ts';
import type { Event } from '../core/types.ts';
import { startLogTailer, type LogTailer } from '../adapters/log-tail.ts';
import { createLineSelector } from '../adapters/log-scan.ts';
import { runNeedles } from '../core/runs.ts';
import { startJsonFileWatcher } from '../adapters/json-files.ts';
import type { DockerObserver } from '../adapters/docker-observer.ts';
import { openEventLoop, type EventLoop } from './event-loop.ts';
import { startHttp, type HttpServer } from '../adapters/http.ts';
import type { ActionPort } from '../ports/action.ts';
import type { Clock } from '../ports/clock.ts';
import type { DockerPort } from '../ports/docker.ts';
import type { Notifier } from '../ports/notifier.ts';
import { cliText } from '../core/cli-text.ts';
import { sha256Hex } from './sha256.ts';
import type { Release } from '../config/catalogue-schema.ts';
import { loadCatalogue } from '../config/load-catalogue.ts';
import { catalogueNeedles } from '../core/catalogue.ts';
import { recognitionPaths } from '../core/release-recognition.ts';
import { healthOf } from '../core/health.ts';
import { nextDeadline } from '../core/step-evaluation.ts';
import type { Scheduler } from '../ports/scheduler.ts';
import { startOwnSchedules, type OwnSchedules } from './own-schedules.ts';

/** How long after a deadline the wake tick runs, and the shortest wait for one. */
const WAKE_SLACK_MS = 10;
const WAKE_MIN_MS = 50;

export interface SentinelOptions {
  config: Config;
  /** Directory that relative paths of the config resolve from. */
  baseDir: string;
  rules: Rule[];
  profiles: Record<string, Profile>;
  clock: Clock;
  notifier: Notifier;
  logger: Logger;
  /** Evaluate deadlines this often (the core decides what is due; this only moves its clock). */
  tickMs?: number;
  /** The operator chat (Telegram), bound into the decision policy. */
  operatorChatId?: number;
  /** The rollback engine; without one, plans are answered "unavailable" and escalate. */
  actions?: ActionPort;
  /** Fires the sidecar's own schedules (`schedules:`: digest, heartbeat); without one they are off. */
  scheduler?: Scheduler;
  /** Where the heartbeat URL is read (`schedules.heartbeat.urlEnv`); process.env in the daemon. */
  env?: Record<string, string | undefined>;
  /** The Docker port to observe through when Docker is enabled; default: the engine at `docker.socketPath`. */
  docker?: DockerPort;
}

export interface Sentinel {
  loop: EventLoop;
  /** The port /healthz and /metrics are served on (the one bound when the config says 0), if HTTP is on. */
  httpPort?: number;
  /**
   * Switch to new rules and the config to run on (its live keys changed, see config/reload-policy.ts):
   * the rules, profiles, policy and log zone go into the core's context, and are re-evaluated.
   */
  reload(config: Config, rules: Rule[], profiles: Record<string, Profile>): Promise<void>;
  /** Read whatever is new right now (used by tests and after a reload). */
  poke(): Promise<void>;
  /** What the timer does every `tickMs`: move the core's clock, look at the job processes when needed, re-read the crontab file. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** `operatorChatId`: the chat the operator decides from (from the environment); presses from any other chat are refused. */
export function stepContextOf(
  config: Config,
  rules: Rule[],
  profiles: Record<string, Profile>,
  operatorChatId?: number,
  catalogue?: readonly Release[],
): StepContext {
  return {
    rules,
    profiles,
    deployment: {
      timezone: config.deployment.timezone,
      containerLogsDir: config.deployment.containerLogsDir,
      logTimestampZone: config.deployment.logTimestampZone,
      cronContainer: config.deployment.cronContainer,
      ...(config.deployment.release !== undefined ? { release: config.deployment.release } : {}),
    },
    ...(catalogue && catalogue.length > 0 ? { catalogue } : {}),
    positionsKeys: positionKeysOf(rules),
    hash: sha256Hex,
    policy: {
      allowedUserIds: config.telegram.allowedUserIds,
      ...(operatorChatId !== undefined ? { chatId: operatorChatId } : {}),
      remindBefore: config.telegram.remindBefore,
      buttonExpiry: config.telegram.buttonExpiry,
      manualCheckWindow: config.escalation.manualCheckWindow,
      disarmAfterRollback: config.safety.disarmAfterRollback,
      cooldown: config.safety.cooldown,
      maxRollbacksPerDay: config.safety.maxRollbacksPerDay,
      jobRunningDeadline: config.safety.jobRunningDeadline,
      timezone: config.deployment.timezone,
    },
  };
}

/** The Docker observer's options from the config: shared by the daemon and `check`. */
export function dockerObserverOptions(
  config: Config,
  now: () => number,
  emit: (event: Event) => void,
  recognition: { catalogue?: readonly Release[]; fallbackFile?: string } = {},
) {
  return {
    recognitionPaths: recognitionPaths(recognition.catalogue ?? []),
    ...(recognition.fallbackFile !== undefined ? { fallbackFile: recognition.fallbackFile } : {}),
    socketPath: config.docker.socketPath,
    containers: config.deployment.containers,
    cronContainer: config.deployment.cronContainer,
    crontabCommand: config.deployment.crontab.command,
    fingerprintFiles: config.deployment.fingerprintFiles,
    crontabRefreshMs: config.deployment.crontab.refresh,
    now,
    emit,
  };
}

/** A fresh look at the cron container's processes is needed: an action is approved, or a run is open. */
function needsProcessLook(state: CoreState): boolean {
  if (state.incidents.incidents.some((i) => i.phase === 'approved')) return true;
  // Once a run is known to have crashed (a traceback, or its process gone long enough), looking again tells nothing new.
  return listOpenRuns(state.runsState).some(
    (run) => crashOf({ ...run, processGoneSince: state.processGone[openRunKey(run)] }, state.now) === undefined,
  );
}

export async function startSentinel(options: SentinelOptions): Promise<{ ok: true; sentinel: Sentinel } | { ok: false; error: string }> {
  const { logger, clock } = options;
  let config = options.config;
  const paths = configPaths(config, options.baseDir);
  let profiles = options.profiles;
  let rules = options.rules;
  // The release catalogue: recognition of the running release by content (SPEC §3.2).
  let catalogue: Release[] | undefined;
  if (paths.catalogue) {
    const loaded = await loadCatalogue(paths.catalogue);
    if (!loaded.ok) return { ok: false, error: loaded.errors.join('\n') };
    catalogue = loaded.catalogue.releases;
  }
  // Set once the loop and its tick exist (below); steps applied before that need no wake.
  let armWake = (): void => {};
  let stopped = false;
  const opened = await openEventLoop({
    stateDir: paths.stateDir,
    clock,
    notifier: options.notifier,
    logger,
    context: stepContextOf(config, rules, profiles, options.operatorChatId, catalogue),
    ...(options.actions ? { actions: options.actions } : {}),
    onApplied: () => armWake(),
  });
  if (!opened.ok) return opened;
  const loop = opened.loop;
  logger.info({ restored: opened.restored, stateDir: paths.stateDir, root: paths.root }, 'sentinel state opened');

  const emit = (event: Event) => {
    void loop.submit(event);
  };
  const sourceError = (source: string) => (message: string) => {
    logger.warn({ source, message }, 'source error');
    emit({ kind: 'source-error', source, message, observedAt: clock.now() });
  };

  // The crontab from a file, when the container cannot be asked (no Docker, or configured so).
  const crontabFromFile = async () => {
    if (!paths.crontabFallback) return;
    try {
      const text = await readFile(paths.crontabFallback, 'utf8');
      emit({ kind: 'crontab', crontab: { text, source: 'file', observedAt: clock.now() } });
    } catch (err) {
      sourceError('crontab-file')(`${paths.crontabFallback}: ${(err as Error).message}`);
    }
  };

  let docker: DockerObserver | undefined;
  const crontabFromContainer = config.docker.enabled && config.deployment.crontab.fromContainer;
  if (config.docker.enabled) {
    // With `fromContainer: false` the observer still watches the containers; the schedule comes from the file.
    const dockerEmit = crontabFromContainer ? emit : (event: Event) => event.kind !== 'crontab' && emit(event);
    // dockerode is loaded only when Docker is enabled (it and its dependencies are ~15 MB of memory).
    const { startDockerObserver } = await import('../adapters/docker-observer.ts');
    docker = await startDockerObserver({
      ...dockerObserverOptions(config, () => clock.now(), dockerEmit, {
        ...(catalogue ? { catalogue } : {}),
        ...(paths.crontabFallback ? { fallbackFile: paths.crontabFallback } : {}),
      }),
      ...(options.docker ? { docker: options.docker } : {}),
    });
  }
  // The crontab before the logs, so that the backlog is attributed to its jobs (and timed by their
  // schedule) as it is read, as `check` does.
  if (!crontabFromContainer) await crontabFromFile();

  const selector = () =>
    createLineSelector(runNeedles(profiles, [...logNeedles(loop.context().rules), ...catalogueNeedles(catalogue ?? [])]));
  let currentSelector = selector();
  let tailer: LogTailer | undefined;
  tailer = await startLogTailer({
    dir: paths.logsDir,
    cursors: loop.cursors,
    now: () => clock.now(),
    select: (buf, from, to) => currentSelector(buf, from, to),
    onBatch: (batch) => loop.submit({ kind: 'log-lines', lines: batch.lines }, batch.cursors),
    onError: sourceError('logs'),
    onOk: () => emit({ kind: 'source-ok', source: 'logs', observedAt: clock.now() }),
  });

  const jsonWatcher = await startJsonFileWatcher({
    files: paths.stateFiles,
    now: () => clock.now(),
    emit,
    onError: sourceError('state-files'),
  });

  const tickMs = options.tickMs ?? 30_000;
  // The core's clock moves on every tick: lagging several ticks behind, the loop is wedged (not healthy).
  const stalledAfterMs = Math.max(4 * tickMs, 5 * 60_000);
  const health = () => healthOf(loop.state(), { now: clock.now(), stalledAfterMs });

  // After the backlog was read, so that a digest caught up at start counts the runs read in it.
  const own: OwnSchedules | undefined = options.scheduler
    ? startOwnSchedules({
        scheduler: options.scheduler,
        schedules: config.schedules,
        env: options.env ?? {},
        clock,
        logger,
        submit: (event) => loop.submit(event),
        health,
      })
    : undefined;

  let http: HttpServer | undefined;
  if (config.http.enabled) {
    try {
      http = await startHttp({
        host: config.http.host,
        port: config.http.port,
        state: () => loop.state(),
        now: () => clock.now(),
        stalledAfterMs,
        ...(own ? { heartbeat: () => own.heartbeatStats() } : {}),
      });
      logger.info({ host: config.http.host, port: http.port }, 'http listening (/healthz, /metrics)');
    } catch (err) {
      // A daemon whose health endpoint is not there looks dead to whatever probes it (or, worse, another
      // process answers on the port): refuse to start and say which address, rather than run unseen.
      own?.stop();
      await tailer?.close();
      await jsonWatcher.close();
      await docker?.close();
      await loop.close();
      const code = (err as NodeJS.ErrnoException).code;
      const { host, port } = config.http;
      return {
        ok: false,
        error:
          code === 'EADDRINUSE'
            ? cliText(config.telegram.language).httpAddressInUse(host, port)
            : cliText(config.telegram.language).httpCannotListen(host, port, code ?? (err as Error).message),
      };
    }
  }

  const tick = async () => {
    const ticked = loop.submit({ kind: 'tick', now: clock.now() });
    // Before anything may act, the core must know whether a job is mid-run in the cron container; and
    // while a run is open, whether its process is still there tells a crashed run from a hung one.
    const looked = docker && needsProcessLook(loop.state()) ? docker.listJobProcesses() : undefined;
    await Promise.all([ticked, looked, crontabFromContainer ? undefined : crontabFromFile()]);
  };
  const timer = setInterval(() => void tick(), tickMs);

  // A deadline of a time-judged rule (a missed run's grace, a stopped container's allowance) is judged
  // when it passes, not up to a whole tick later: one timer for the core's next deadline when that
  // comes before the next tick, set again after every step (bench/container-latency.ts: a missed run
  // was reported 0–30 s after its grace ended, with the 30 s tick alone).
  let wakeTimer: NodeJS.Timeout | undefined;
  let wakeAt: number | undefined;
  armWake = () => {
    if (stopped) return;
    const at = nextDeadline(loop.state(), loop.context());
    const now = clock.now();
    if (at === undefined || at - now >= tickMs) {
      clearTimeout(wakeTimer);
      wakeTimer = undefined;
      wakeAt = undefined;
      return;
    }
    if (wakeTimer !== undefined && wakeAt === at) return;
    clearTimeout(wakeTimer);
    wakeAt = at;
    // A few ms past the deadline (a timer may fire a little early by the wall clock), and never a busy
    // loop under a clock that does not move (tests).
    wakeTimer = setTimeout(
      () => {
        wakeTimer = undefined;
        wakeAt = undefined;
        void tick();
      },
      Math.max(at - now + WAKE_SLACK_MS, WAKE_MIN_MS),
    );
    wakeTimer.unref();
  };
  armWake();

  const sentinel: Sentinel = {
    loop,
    ...(http ? { httpPort: http.port } : {}),
    async reload(nextConfig, nextRules, nextProfiles) {
      config = nextConfig;
      rules = nextRules;
      profiles = nextProfiles;
      currentSelector = selector();
      own?.reconfigure(config.schedules);
      await loop.replaceContext(stepContextOf(config, rules, profiles, options.operatorChatId, catalogue));
    },
    async poke() {
      await tailer?.poke();
      await jsonWatcher.poke();
    },
    tick,
    async stop() {
      own?.stop();
      clearInterval(timer);
      stopped = true;
      clearTimeout(wakeTimer);
      await http?.close();
      await tailer?.close();
      await jsonWatcher.close();
      await docker?.close();
      await loop.close();
    },
  };
  return { ok: true, sentinel };
}
