// Operator-facing lines of the daemon's start-up and of `status`, in one table so that they can be
// translated in one place (the texts are pinned by exact-string tests).
import type { DaemonLiveness } from '../adapters/daemon-pid.ts';
import type { WatchBasis } from './check.ts';

export const cliText = {
  scheduleJudgedSince: (basis: WatchBasis, since: string) => {
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
  httpAddressInUse: (host: string, port: number) =>
    `cannot start: ${host}:${port} is already in use, so /healthz and /metrics cannot be served; ` +
    `stop what listens there, choose another http.port, or set http.enabled: false`,
  httpCannotListen: (host: string, port: number, reason: string) =>
    `cannot start: cannot listen on ${host}:${port} for /healthz and /metrics (${reason}); ` +
    `fix http.host / http.port, or set http.enabled: false`,
  daemon: (liveness: DaemonLiveness, formatTime: (at: number) => string): string => {
    switch (liveness.state) {
      case 'running':
        return `daemon: running (pid ${liveness.pid}, since ${formatTime(liveness.startedAt)})`;
      case 'not-running':
        return liveness.reason === 'gone'
          ? `daemon: NOT RUNNING (pid ${liveness.pid} is gone: it stopped without cleaning up, e.g. killed); what follows is its last saved state`
          : 'daemon: NOT RUNNING; what follows is the last saved state';
      case 'unknown':
        return `daemon: unknown (its pid file was written on host ${liveness.host}, pid ${liveness.pid}); what follows is the last saved state`;
    }
  },
} as const;
