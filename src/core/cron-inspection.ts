// What one look into the cron container tells about the deployed release: the shape shared by the
// daemon's observer, `doctor` and recognition (release-recognition.ts). Gathered in the runtime
// (runtime/cron-inspection.ts) through the Docker port; judged here, in the core, as data.
import type { ContainerStatus } from './types.ts';

/** Where the schedule was read from, in the order they are tried (SPEC §3.3). */
export type CrontabSource =
  /** `crontab -l` in the cron container (Debian cron, v3.2.x … v3.3.x). */
  | { kind: 'crontab-command'; text: string }
  /** The file named in the container's command (`supercronic /app/crontab`, v3.4.0+). */
  | { kind: 'command-file'; path: string; text: string }
  /** The configured fallback file on the host (deployment.crontab.fallbackFile). */
  | { kind: 'configured-file'; path: string; text: string };

export interface CronInspection {
  container: string;
  status: ContainerStatus;
  /** Image ID the container runs (`sha256:…`); absent when the container is missing. */
  imageId?: string;
  /** `Config.Entrypoint` + `Config.Cmd` as inspect shows them. */
  entrypoint: string[];
  command: string[];
  /** `Config.User`; empty means root. */
  user: string;
  /** Docker's health status when the container has a healthcheck. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  /**
   * Git blob ids (full, 40 hex) of files read from the container, by absolute container path; `null`
   * when the path is absent or unreadable there (the reason in `problems`).
   */
  files: Record<string, string | null>;
  /** The schedule and where it came from; absent when no source could be read. */
  crontab?: CrontabSource;
  /** Why a source or a file could not be read, in English, one line each (for logs and doctor). */
  problems: string[];
}
