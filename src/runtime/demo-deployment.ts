// The deployment `turtle-sentinel demo` plans against: turtle-trading v3.2.1 as its compose file and
// deploy script leave it (turtle-trading.md §4–§5), held in the in-memory Docker port. Nothing here
// reaches a Docker engine: the demo says "simulated — no Docker" wherever these facts show.
import { createInMemoryDocker, type InMemoryDocker } from '../adapters/in-memory-docker.ts';
import type { ContainerDoc } from '../ports/docker.ts';

/** The image IDs of the simulation: made up, recognisable as such, and stable so the plan id is too. */
export const SIMULATED_IMAGES = {
  current: { id: `sha256:${'5321'.repeat(16)}`, release: 'v3.2.1' },
  previous: { id: `sha256:${'5320'.repeat(16)}`, release: 'v3.2.0' },
} as const;

/** Compose's project: the checkout's directory name (turtle-trading.md §4: images `<project>-<service>`). */
const PROJECT = 'turtle_trading';
const NETWORK = `${PROJECT}_turtle-network`;
export const BACKUP_TAG = 'turtle-trading:pre-v3.2.1-backup';

export interface SimulatedDeployment {
  docker: InMemoryDocker;
  /** One line per fact, for the operator to read what the plan is made from. */
  describe(): string[];
  /** turtle-cron's job process runs (a scheduled script) or not, as `docker top` would show it. */
  setJobRunning(script: string | undefined): void;
  /** turtle-cron exits (exit code 137, as after `docker kill` or an OOM) and the engine says so. */
  stopCron(): void;
}

/**
 * turtle-cron on the v3.2.1 image compose built, turtle-dashboard crash-looping on the same image
 * (app.py missing at v3.2.x: turtle-trading.md §0.8), and the deploy script's backup tag on the
 * previous image: the image-tag rollback of runbook §2. `root` is the host directory bound as /app's data and logs.
 */
export function simulatedDeployment(root: string): SimulatedDeployment {
  const docker = createInMemoryDocker({ endpoint: 'simulated://no-docker' });
  const current = SIMULATED_IMAGES.current.id;
  const previous = SIMULATED_IMAGES.previous.id;
  const imageConfig = {
    Env: ['PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin', 'PYTHONPATH=/app'],
    Cmd: ['cron', '-f'],
    WorkingDir: '/app',
  };
  for (const [id, tags] of [
    [current, [`${PROJECT}-turtle-cron:latest`, `${PROJECT}-turtle-dashboard:latest`]],
    [previous, [BACKUP_TAG]],
  ] as const) {
    const doc = { Id: id, RepoTags: [...tags], Config: imageConfig };
    docker.images.set(id, doc);
    for (const tag of tags) docker.images.set(tag, doc);
  }
  // Compose v2 names the images it builds `<project>-<service>`; inspect answers to the name without `:latest` too.
  docker.images.set(`${PROJECT}-turtle-cron`, docker.images.get(current)!);
  docker.images.set(`${PROJECT}-turtle-dashboard`, docker.images.get(current)!);

  const container = (service: string, over: Partial<ContainerDoc>): ContainerDoc => ({
    Id: `${service === 'turtle-cron' ? 'c0' : 'd0'}${'5321'.repeat(15)}`,
    Name: `/${service}`,
    Image: current,
    RestartCount: 0,
    State: { Status: 'running', Running: true, Restarting: false, StartedAt: '2026-02-21T00:12:40Z', ExitCode: 0 },
    Config: {
      ...imageConfig,
      Env: [...imageConfig.Env, 'TZ=Asia/Seoul'],
      Image: `${PROJECT}-${service}`,
      Labels: {
        'com.docker.compose.project': PROJECT,
        'com.docker.compose.service': service,
        'com.docker.compose.container-number': '1',
      },
    },
    HostConfig: {
      Binds: [`${root}/data:/app/data:rw`, `${root}/logs:/app/logs:rw`],
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      NetworkMode: NETWORK,
    },
    NetworkSettings: { Networks: { [NETWORK]: { Aliases: [service] } } },
    ...over,
  });
  docker.containers.set('turtle-cron', {
    doc: container('turtle-cron', {}),
    processes: ['cron -f'],
    files: ['/app/scripts/check_positions.py', '/app/scripts/daily_report.py', '/app/crontab'],
  });
  const dashboard = container('turtle-dashboard', {
    RestartCount: 41,
    State: { Status: 'restarting', Running: true, Restarting: true, StartedAt: '2026-02-26T06:49:58Z', ExitCode: 2 },
  });
  dashboard.Config.Cmd = ['streamlit', 'run', 'app.py', '--server.port=8501', '--server.address=0.0.0.0'];
  dashboard.HostConfig.PortBindings = { '8501/tcp': [{ HostIp: '', HostPort: '8501' }] };
  docker.containers.set('turtle-dashboard', { doc: dashboard });

  const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
  return {
    docker,
    describe: () => [
      `turtle-cron       ${PROJECT}-turtle-cron (${SIMULATED_IMAGES.current.release}, image ${short(current)}), running, cron -f`,
      `turtle-dashboard  ${PROJECT}-turtle-dashboard (${SIMULATED_IMAGES.current.release}, image ${short(current)}), restarting (app.py missing at v3.2.x)`,
      `${BACKUP_TAG} → ${SIMULATED_IMAGES.previous.release}, image ${short(previous)} (tagged by deploy-v3.2.1.sh)`,
    ],
    setJobRunning(script) {
      docker.containers.get('turtle-cron')!.processes = script
        ? ['cron -f', `/bin/sh -c cd /app && python scripts/${script}`, `python scripts/${script}`]
        : ['cron -f'];
    },
    stopCron() {
      const cron = docker.containers.get('turtle-cron')!;
      cron.doc.State = { Status: 'exited', Running: false, Restarting: false, StartedAt: cron.doc.State.StartedAt!, ExitCode: 137 };
      docker.emitEvent({
        Type: 'container',
        Action: 'die',
        id: cron.doc.Id,
        Actor: { ID: cron.doc.Id, Attributes: { name: 'turtle-cron', exitCode: '137' } },
      });
    },
  };
}
