// English words of `turtle-sentinel doctor`. Typed by DoctorText. Pure.
import type { DoctorText } from '../../doctor-text.ts';

const list = (items: readonly string[]) => items.join(', ');
const short = (blob: string | null) => (blob === null ? 'absent' : blob.slice(0, 7));

export const doctor: DoctorText = {
  tag: { ok: 'OK', warn: 'WARN', fail: 'FAIL' },
  'catalogue-off': () =>
    'catalogue: the daemon does not use the release catalogue (deployment.catalogue is unset): it tells only v3.2.0 from v3.2.1; doctor read the bundled one',
  'docker-disabled': () =>
    'docker: disabled in sentinel.yaml (docker.enabled: false): the release cannot be recognised from the cron container',
  'cron-missing': (f) =>
    `cron container: ${f.container} does not exist: the release cannot be recognised and the schedule comes only from a configured file`,
  'docker-unreachable': (f) =>
    `docker: unreachable (${f.reason}): the release cannot be recognised and the schedule comes only from a configured file`,
  'release-exact': (f) =>
    `release: ${f.release} (${f.commit}), recognised by content: ${list(f.files.map((x) => `${x.path} ${short(x.blob)}`))}; ${f.runner}, user ${f.user}` +
    (f.identical.length > 0 ? ` (identical in these files to ${list(f.identical)})` : ''),
  'release-closest': (f) =>
    (f.matched === 0
      ? `release: not recognised: no catalogued release has any of these files (${list(f.mismatched.map((m) => `${m.path} ${short(m.found)}`))}); by runner and user the nearest is ${f.release}`
      : `release: not recognised; the closest catalogued release is ${f.release} (${f.matched} of ${f.total} files match: ` +
        `${list(f.mismatched.map((m) => `${m.path} is ${short(m.found)}, ${f.release} has ${short(m.expected)}`))})`) +
    (f.confirmed ? '; confirmed by deployment.release' : '; not confirmed'),
  'release-pin-differs': (f) =>
    f.certainty === 'exact'
      ? `release: deployment.release pins ${f.pinned}, but the cron container is ${f.recognised} by content: the rules and the rollback target follow the pin (${f.pinned}); correct or remove it if ${f.recognised} was deployed since`
      : `release: deployment.release pins ${f.pinned}; by content the cron container is closest to ${f.recognised}: the rules and the rollback target follow the pin (${f.pinned}); check that it is still true`,
  'release-none': () => 'release: not recognised: no catalogued release matches the cron container',
  schedule: (f) => {
    switch (f.source) {
      case 'crontab-command':
        return `schedule: ${f.jobs} jobs from \`crontab -l\` in the cron container`;
      case 'command-file':
        return `schedule: ${f.jobs} jobs from ${f.path}, the file the container's command names (\`crontab -l\` is not available)`;
      case 'configured-file':
        return `schedule: ${f.jobs} jobs from the configured file ${f.path}`;
    }
  },
  'schedule-none': (f) =>
    `schedule: none could be read${f.problems.length > 0 ? ` (${f.problems.join('; ')})` : ''}: missed and hung runs cannot be detected`,
  profiles: (f) =>
    `profiles: ${f.profiled} of ${f.jobs} scheduled scripts have start/finish markers` +
    (f.unprofiled.length > 0 ? `; without: ${list(f.unprofiled.map((u) => (u.log ? `${u.script} (${u.log})` : u.script)))}` : ''),
  'rules-unsure': (f) => `rules ${list(f.rules)}: dry-run until the release is confirmed (${f.release} is only the closest match)`,
  'rule-blind-schedule': (f) => `rules ${list(f.rules)}: blind: without a schedule no run is expected, so none is missed`,
  'rule-blind-markers': (f) =>
    `rule ${f.rule}: blind to ${list(f.scripts)}: no start marker in their logs and no runner lines to tell a run happened`,
  'rule-noisy-keys': (f) =>
    `rule ${f.rule}: its params.knownKeys lack ${list(f.missing)} of ${f.release}: every valid positions.json would look corrupt`,
  'log-zone': (f) =>
    `log stamps: deployment.logTimestampZone is ${f.configured} but ${f.release} logs in ${f.releaseZone}: backlog runs would be timed wrongly`,
  target: (f) =>
    `rollback target: ${f.release} (${f.commit}), ${f.source === 'predecessor' ? 'the predecessor of the running release' : 'as configured'}; runs as ${f.user}`,
  'target-blocked': (f) =>
    `rollback to ${f.release} is blocked: it cannot load ${list(f.blocks.map((b) => `${b.file} (${list(b.keys)} in ${list(b.records)})`))}`,
  'target-user': (f) =>
    `rollback to ${f.release}: its Debian cron needs ${f.needs}, but the cron container runs as ${f.runsAs}: the plan recreates it as ${f.needs}`,
  'target-none': (f) => {
    switch (f.why) {
      case 'oldest':
        return `rollback target: none (${f.name} is the oldest catalogued release)`;
      case 'no-release':
        return 'rollback target: none until the running release is known';
      case 'unknown-target':
        return `rollback target: ${f.name} is not in the catalogue`;
    }
  },
  changesHead: 'change in sentinel.yaml:',
  verdict: { 0: 'ready', 1: 'ready, with warnings', 2: 'NOT WATCHABLE' },
};
