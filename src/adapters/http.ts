// The sidecar's HTTP face, on loopback by default: /healthz for liveness and /metrics in the
// Prometheus text format. Metrics are read from the core state on each scrape, never kept twice.
import { createServer, type Server } from 'node:http';
import { Registry, Gauge, Counter } from 'prom-client';
import type { HeartbeatStats } from './heartbeat.ts';
import type { CoreState } from '../core/step.ts';
import { isOpen } from '../core/incident.ts';
import { healthOf, type HealthOptions } from '../core/health.ts';

export interface HttpOptions {
  host: string;
  port: number;
  state: () => CoreState;
  now: () => number;
  /** When the core's clock lags the wall clock by more than this, /healthz says the loop is wedged. */
  stalledAfterMs?: number;
  /** The heartbeat's counters (absent or undefined while it is off). */
  heartbeat?: () => HeartbeatStats | undefined;
}

export interface HttpServer {
  /** The port actually bound (useful with port 0 in tests). */
  port: number;
  close(): Promise<void>;
}

const OUTCOMES = ['pass', 'fail', 'inconclusive', 'error'] as const;

export type { HealthBody } from '../core/health.ts';

export async function startHttp(options: HttpOptions): Promise<HttpServer> {
  const registry = new Registry();
  const lines = new Gauge({
    name: 'sentinel_log_lines_evaluated',
    help: 'Log lines handed to the core since the state began, by file',
    labelNames: ['file'],
    registers: [registry],
  });
  const verdicts = new Gauge({
    name: 'sentinel_rule_verdicts',
    help: 'Verdicts of the last evaluation, by rule and outcome',
    labelNames: ['rule', 'outcome'],
    registers: [registry],
  });
  const incidents = new Gauge({
    name: 'sentinel_incidents_open',
    help: 'Open incidents, by rule',
    labelNames: ['rule'],
    registers: [registry],
  });
  // What the sidecar did, not only what it saw: an incident's phase says whether a rollback was asked
  // for, approved, run and verified, and the rollback count survives the incident being pruned.
  const incidentPhases = new Gauge({
    name: 'sentinel_incidents',
    help: 'Incidents the sidecar keeps (open, and closed ones for a while), by rule, action and phase',
    labelNames: ['rule', 'action', 'phase'],
    registers: [registry],
  });
  const rollbacks = new Counter({
    name: 'sentinel_rollbacks_started_total',
    help: 'Rollbacks the sidecar started since its state began (what the daily cap counts)',
    registers: [registry],
  });
  const lastRollback = new Gauge({
    name: 'sentinel_last_rollback_start_timestamp_seconds',
    help: 'When the last rollback started, in Unix seconds (0 before the first)',
    registers: [registry],
  });
  const armed = new Gauge({
    name: 'sentinel_automatic_actions_armed',
    help: '1 while the sidecar may act on its own; 0 after a rollback until an operator re-arms it (/arm)',
    registers: [registry],
  });
  const sourceErrors = new Gauge({
    name: 'sentinel_source_consecutive_errors',
    help: 'Consecutive read errors, by source',
    labelNames: ['source'],
    registers: [registry],
  });
  const lastEvent = new Gauge({
    name: 'sentinel_core_clock_lag_seconds',
    help: 'How far the core clock is behind the wall clock',
    registers: [registry],
  });

  const digestSent = new Gauge({
    name: 'sentinel_digest_last_sent_timestamp_seconds',
    help: 'When the last daily digest was handed to the notifier (absent before the first)',
    registers: [registry],
  });
  const heartbeats = new Counter({
    name: 'sentinel_heartbeat_pings_total',
    help: 'Heartbeat fires since the daemon started, by outcome (sent: answered 2xx; skipped: the sidecar was not healthy)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const heartbeatSent = new Gauge({
    name: 'sentinel_heartbeat_last_sent_timestamp_seconds',
    help: 'When the last heartbeat ping was answered with 2xx',
    registers: [registry],
  });

  const refresh = () => {
    const s = options.state();
    registry.resetMetrics();
    if (s.digest) digestSent.set(s.digest.sentAt / 1000);
    const beat = options.heartbeat?.();
    if (beat) {
      heartbeats.inc({ outcome: 'sent' }, beat.sent);
      heartbeats.inc({ outcome: 'failed' }, beat.failed);
      heartbeats.inc({ outcome: 'skipped' }, beat.skipped);
      if (beat.lastSentAt !== undefined) heartbeatSent.set(beat.lastSentAt / 1000);
    }
    for (const [file, n] of Object.entries(s.linesEvaluated)) lines.set({ file }, n);
    for (const [rule, list] of Object.entries(s.lastVerdicts)) {
      for (const outcome of OUTCOMES) verdicts.set({ rule, outcome }, list.filter((v) => v.outcome === outcome).length);
    }
    for (const i of s.incidents.incidents.filter(isOpen)) incidents.inc({ rule: i.ruleId });
    for (const i of s.incidents.incidents) incidentPhases.inc({ rule: i.ruleId, action: i.action, phase: i.phase });
    rollbacks.inc(Object.values(s.safety.rollbacksByDay).reduce((a, n) => a + n, 0));
    if (s.safety.lastRollbackAt !== undefined) lastRollback.set(s.safety.lastRollbackAt / 1000);
    armed.set(s.safety.armed ? 1 : 0);
    for (const [source, h] of Object.entries(s.sources)) sourceErrors.set({ source }, h.consecutiveErrors);
    lastEvent.set(Math.max(0, (options.now() - s.now) / 1000));
  };

  const healthOptions = (): HealthOptions | undefined =>
    options.stalledAfterMs !== undefined ? { now: options.now(), stalledAfterMs: options.stalledAfterMs } : undefined;

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      const body = healthOf(options.state(), healthOptions());
      res.writeHead(body.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (path === '/metrics') {
      refresh();
      registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
