// The English CLI text: every line the command-line tools print. Typed by CliText. Pure.
import { stepDuration } from '../../step-timings.ts';
import type { CliText } from '../../cli-text.ts';

export const cli: CliText = {
  scheduleJudgedSince: (basis, since) => {
    switch (basis) {
      case 'daemon':
        return `scheduled runs judged since ${since}, when the daemon began watching this crontab`;
      case 'lookback':
        return `scheduled runs judged since ${since} (--lookback; the daemon has watched longer)`;
      case 'no-daemon':
        return `scheduled runs judged since ${since}: no daemon state, so nothing was watched before now (a missed run is told by a running daemon)`;
      case 'crontab-changed':
        return `scheduled runs judged since ${since}: the crontab differs from the one the daemon last saw`;
    }
  },
  httpAddressInUse: (host, port) =>
    `cannot start: ${host}:${port} is already in use, so /healthz and /metrics cannot be served; stop what listens there, choose another http.port, or set http.enabled: false`,
  httpCannotListen: (host, port, reason) =>
    `cannot start: cannot listen on ${host}:${port} for /healthz and /metrics (${reason}); fix http.host / http.port, or set http.enabled: false`,
  daemon: (liveness, since) => {
    switch (liveness.state) {
      case 'running':
        return `daemon: running (pid ${liveness.pid}, since ${since})`;
      case 'not-running':
        return liveness.reason === 'gone'
          ? `daemon: NOT RUNNING (pid ${liveness.pid} is gone: it stopped without cleaning up, e.g. killed); what follows is its last saved state`
          : 'daemon: NOT RUNNING; what follows is the last saved state';
      case 'unknown':
        return `daemon: unknown (its pid file was written on host ${liveness.host}, pid ${liveness.pid}); what follows is the last saved state`;
    }
  },
  version: (version, evidence) => `version: ${version} (${evidence})`,
  jobs: (list) => `jobs: ${list}`,
  noJobs: (source) =>
    source === undefined
      ? 'jobs: none (no crontab read)'
      : `jobs: none: the crontab (${source}) has no job lines; the log rules judge the jobs found in the logs`,
  checkTag: { warn: 'WARN', fail: 'FAIL', inconclusive: 'INCONCLUSIVE', error: 'ERROR' },
  checkTagWidth: 12,
  evidenceKind: { log: 'log', json: 'json', container: 'container', note: 'note' },
  outcome: { pass: 'pass', fail: 'fail', inconclusive: 'inconclusive', error: 'error' },
  checkTotal: (verdict, counts) =>
    `${{ firing: 'FIRING', unjudged: 'CANNOT JUDGE', healthy: 'healthy' }[verdict]}: ${counts.map(([k, n]) => `${n} ${k}`).join(', ')}`,
  checkRecovered: 'RECOVERED',
  checkRecoveredNote: '(opened and resolved while unobserved)',

  stateSaved: (at, version) => `state saved ${at}; version ${version}`,
  statusJob: (id, schedule, last, next) => `job ${id} [${schedule}] last: ${last ?? 'none'}; next: ${next ?? '-'}`,
  runEnd: { finished: 'finished', failed: 'failed', open: 'open', superseded: 'superseded' },
  traceback: ' (traceback)',
  statusContainer: (name, status, imageId, restarts) => `container ${name}: ${status} ${imageId} restarts seen: ${restarts}`,
  noOpenIncidents: 'no open incidents',
  statusIncident: (id, phase, rule, cause, since, summary) => `incident ${id} ${phase} ${rule} ${cause} since ${since}: ${summary}`,
  noState: (path) => `${path}: no state yet (has \`turtle-sentinel run\` been started with this config?)`,

  rulesOk: (rules, profiles, files) => `ok: ${rules} rules, ${profiles} profiles in ${files} files`,
  testOk: (file, name) => `ok   ${file}: ${name}`,
  testFailed: (file, name) => `FAIL ${file}: ${name}`,
  testMissing: (what) => `     expected to fire, did not: ${what}`,
  testUnexpected: (what, summary) => `     fired, not expected: ${what}: ${summary}`,
  testTotal: (passed, failed) => `${passed} passed, ${failed} failed`,

  backupFailed: (error) => `backup failed: ${error}`,
  backedUp: (file, backup, sha256, mode, warning) =>
    `${file} → ${backup}  sha256 ${sha256}  mode ${mode}${warning ? `  (${warning})` : ''}`,
  backupAbsent: (file) => `${file}: not present, nothing to copy`,
  logSnapshot: (log, snapshot, bytes) => `${log} → ${snapshot}  ${bytes} bytes`,
  dockerDisabled: 'docker.enabled is false: rollback, verify, halt and resume act through the Docker engine',
  noPlan: (action, reason) => `no ${action}: ${reason}`,
  planHead: (plan) =>
    `plan ${plan.id}: ${plan.action}${plan.strategy ? ` by ${plan.strategy}` : ''}${plan.targetImageId ? ` → ${plan.targetImageId}` : ''}`,
  verifyingAgainst: (basis) => `verifying against ${basis}`,
  verifyTag: { ok: 'ok  ', warn: 'warn', fail: 'FAIL' },
  verifyWarnings: (n) => `${n} warning(s): may be pre-existing (the dashboard crash-loops at v3.2.0 and v3.2.1)`,
  recovered: (incidentId, report) => `recovered ${incidentId}: ${report}`,
  report: (r) => {
    switch (r.kind) {
      case 'deferred':
        return `deferred: ${r.reason} (retry after ${new Date(r.retryAt).toISOString()})`;
      case 'refused':
        return `refused: ${r.reason}`;
      case 'started':
        return `started plan ${r.planId}`;
      case 'step':
        return `  ${r.ok ? 'ok    ' : 'FAILED'} ${r.name}: ${r.detail}${r.ms !== undefined ? ` (${stepDuration('en', r.ms)})` : ''}`;
      case 'finished':
        return `${r.ok ? 'finished' : 'FAILED'}: ${r.detail}`;
      case 'verified':
        return `${r.ok ? 'verified' : 'verification FAILED'}: ${r.detail}${r.preExisting.length ? ` [pre-existing: ${r.preExisting.join('; ')}]` : ''}`;
    }
  },
};
