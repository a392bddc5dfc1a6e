// The English answers to /status, /incidents and /rules; typed by the Korean ones. Pure.
import type { StatusText } from '../catalogue.ts';

export const status: StatusText = {
  status: '📊 <b>Status</b>',
  version: 'version',
  releaseClosest: (confirmed: boolean) =>
    confirmed ? ' (closest release, confirmed by the operator)' : ' (closest release, unconfirmed: /arm to confirm)',
  crontabFrom: (kind: 'crontab-command' | 'command-file' | 'configured-file', path?: string) =>
    `schedule from: ${kind === 'crontab-command' ? '<code>crontab -l</code>' : kind === 'command-file' ? `the file the container's command names, <code>${path ?? ''}</code>` : `the configured file <code>${path ?? ''}</code>`}`,
  armed: 'automatic actions',
  armedYes: 'armed',
  armedNo: 'disarmed (/arm to re-arm)',
  inFlight: 'executing now',
  jobs: '<b>Jobs</b>',
  noJobs: 'The crontab has not been read yet.',
  lastRun: 'last run',
  none: 'none',
  next: 'next expected',
  outcome: { ok: 'succeeded', failed: 'failed', running: 'running', superseded: 'no finish marker before the next start' },
  containers: '<b>Containers</b>',
  noContainers: 'No container observed.',
  container: (status: string, image: string, restarts: number) =>
    `${status}, image ${image} (${restarts} restart${restarts === 1 ? '' : 's'})`,
  containerStatus: {
    running: 'running',
    restarting: 'restarting',
    exited: 'exited',
    paused: 'paused',
    created: 'created',
    dead: 'dead',
    removing: 'removing',
    missing: 'missing',
  },
  openIncidents: '<b>Open incidents</b>',
  noOpen: 'No open incidents.',
  silences: '<b>Silenced</b>',
  until: (at: string) => `until ${at}`,
  incidents: '📋 <b>Incidents</b>',
  recent: '<b>Recently closed</b>',
  opened: 'opened',
  deadline: 'decision by',
  policy: { required: 'approval required', 'veto-window': 'veto window', auto: 'automatic' },
  rules: (n: number) => `📜 <b>Rules</b> (${n})`,
  noRules: 'No rules.',
  approval: 'approval',
  silencedUntil: (at: string) => `🔕 silenced until ${at}`,
  more: (n: number) => `… ${n} more line${n === 1 ? '' : 's'}`,
};
