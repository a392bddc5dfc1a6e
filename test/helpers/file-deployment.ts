// A deployment the daemon watches from files alone (no Docker, no HTTP): a temp root with logs/, a
// configured crontab file and the shipped rules, as several daemon tests need it.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, type Config } from '../../src/config/schema.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function fileDeployment(prefix: string, crontab: string): { work: string; logs: string; config: Config } {
  const work = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(work, 'deployment/logs'), { recursive: true });
  writeFileSync(join(work, 'deployment/crontab'), crontab);
  const config = configSchema.parse({
    deployment: { root: 'deployment', crontab: { fromContainer: false, fallbackFile: 'crontab' } },
    docker: { enabled: false },
    http: { enabled: false },
    state: { dir: 'state' },
    rules: join(repo, 'rules'),
  });
  return { work, logs: join(work, 'deployment/logs'), config };
}
