// The sidecar's HTTP face, on loopback by default: /healthz for liveness and /metrics in the
// Prometheus text format. Metrics are read from the core state on each scrape, never kept twice.
import { createServer, type Server } from 'node:http';
import { Registry, Counter, Gauge } from 'prom-client';
import type { CoreState } from '../core/step.ts';
import { isOpen } from '../core/incident.ts';

export interface HttpOptions {
  host: string;
  port: number;
  state: () => CoreState;
  now: () => number;
}

export interface HttpServer {
  /** The port actually bound (useful with port 0 in tests). */
  port: number;
  close(): Promise<void>;
}

const OUTCOMES = ['pass', 'fail', 'inconclusive', 'error'] as const;

export interface HealthBody {
  ok: boolean;
  /** Every source heard from, failing or not: a probe can see what is watched. */
  sources: string[];
  /** The sources whose last read failed (logs, state files, Docker, the crontab), with the error. */
  failing: { source: string; error: string; lastErrorAt?: string; consecutiveErrors: number }[];
}

/**
 * Healthy while no source is failing: a sidecar that cannot read what it guards is not healthy, even
 * though it runs (a probe or an orchestrator must see it). Rules firing are not ill health: see /metrics.
 */
export function healthOf(state: CoreState): HealthBody {
  const failing = Object.entries(state.sources)
    .filter(([, h]) => h.consecutiveErrors > 0)
    .map(([source, h]) => ({
      source,
      error: h.lastError ?? 'unknown error',
      ...(h.lastErrorAt !== undefined ? { lastErrorAt: new Date(h.lastErrorAt).toISOString() } : {}),
      consecutiveErrors: h.consecutiveErrors,
    }));
  return { ok: failing.length === 0, sources: Object.keys(state.sources).sort(), failing };
}

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

  const refresh = () => {
    const s = options.state();
    registry.resetMetrics();
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

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      const body = healthOf(options.state());
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
