// The embedded default configuration, used when no sentinel.yaml is given: it watches the bundled
// example deployment so that `npm start` on a fresh machine has something real to look at.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { configSchema } from './schema.ts';

/** The project directory (holds `rules/` and `examples/`); the embedded default resolves paths from here. */
export const PROJECT_DIR = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** Name shown in messages in place of a config file path. */
export const DEFAULT_CONFIG_NAME = '(embedded default config)';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface DefaultConfigOptions {
  /**
   * Whether a Docker engine socket exists on this machine. Decided by the loader, not the schema: a
   * sidecar started on a laptop without Docker must still run, reading the example crontab file.
   */
  dockerAvailable: boolean;
}

/**
 * The default as schema input (the schema fills in the rest). No Telegram section beyond the defaults:
 * the token variable is normally unset on a fresh machine, and without a token the notifier is the console.
 */
export function defaultConfigInput(options: DefaultConfigOptions): z.input<typeof configSchema> {
  return {
    deployment: {
      root: 'examples/deployment',
      logsDir: 'logs',
      dataDir: 'data',
      crontab: {
        // Without Docker there is no container to ask; the bundled v3.2.1 crontab stands in for it.
        fromContainer: options.dockerAvailable,
        fallbackFile: 'crontab',
      },
    },
    docker: { enabled: options.dockerAvailable, socketPath: DEFAULT_DOCKER_SOCKET },
    rules: 'rules',
    state: { dir: 'var/state' },
    http: { enabled: true, host: '127.0.0.1', port: 9464 },
  };
}
