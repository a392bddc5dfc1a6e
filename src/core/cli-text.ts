// Every line the command-line tools print for an operator (`check`, `status`, `rules validate|test`,
// `backup`, `rollback`, `verify`, `halt`, `resume`), in Korean (default) or English, as chosen by
// `telegram.language`. One catalogue per language with the same shape: a missing entry fails to
// compile. Names, paths, log lines and the engine's own details are data and pass through. Pure.
import type { Language } from './text/catalogue.ts';
import type { ContainerStatus, Evidence, ExecutionReport, IncidentPhase, Outcome, PlanPreview, RunEnd } from './types.ts';
import { cli as en } from './text/en/cli.ts';
import { cli as ko } from './text/ko/cli.ts';

type CheckTag = Exclude<Outcome, 'pass'> | 'warn';

/** Since when `check` judges scheduled runs, and why from then (see runtime/check.ts `watchedSince`). */
export type WatchBasis = 'daemon' | 'lookback' | 'no-daemon' | 'crontab-changed';

/** Whether the daemon runs, as its pid file and the process table tell (adapters/daemon-pid.ts). */
export type DaemonLiveness =
  | { state: 'running'; pid: number; startedAt: number }
  | { state: 'not-running'; reason: 'never-started-or-stopped' | 'gone'; pid?: number; startedAt?: number }
  /** Written on another host (a container's state dir mounted on the host): its pid means nothing here. */
  | { state: 'unknown'; pid: number; host: string; startedAt: number };

export interface CliText {
  // check
  version: (version: string, evidence: string) => string;
  jobs: (list: string) => string;
  /** No job in the crontab: `undefined` when no crontab was read at all. */
  noJobs: (crontabSource: 'container' | 'file' | undefined) => string;
  checkTag: Record<CheckTag, string>;
  /** Width the check lines pad their tag to, so the rule ids line up (Korean tags are wider per character). */
  checkTagWidth: number;
  /** Shown before an evidence line that names no file or JSON path. */
  evidenceKind: Record<Evidence['kind'], string>;
  outcome: Record<Outcome, string>;
  checkTotal: (verdict: 'firing' | 'unjudged' | 'healthy', counts: [Outcome, number][]) => string;
  scheduleJudgedSince: (basis: WatchBasis, since: string) => string;
  // run
  httpAddressInUse: (host: string, port: number) => string;
  httpCannotListen: (host: string, port: number, reason: string) => string;
  /** First line of `status`: whether the daemon runs. `since` is already formatted. */
  daemon: (liveness: DaemonLiveness, since: string) => string;
  /** A streak the lookback opened and closed again (the daemon reports it opened and resolved, late). */
  checkRecovered: string;
  checkRecoveredNote: string;
  // status
  stateSaved: (at: string, version: string) => string;
  statusJob: (id: string, schedule: string, last: string | undefined, next: string | undefined) => string;
  runEnd: Record<RunEnd, string>;
  traceback: string;
  statusContainer: (name: string, status: ContainerStatus, imageId: string, restarts: number) => string;
  noOpenIncidents: string;
  statusIncident: (id: string, phase: IncidentPhase, rule: string, cause: string, since: string, summary: string) => string;
  noState: (path: string) => string;
  // rules validate / rules test
  rulesOk: (rules: number, profiles: number, files: number) => string;
  testOk: (file: string, name: string) => string;
  testFailed: (file: string, name: string) => string;
  testMissing: (what: string) => string;
  testUnexpected: (what: string, summary: string) => string;
  testTotal: (passed: number, failed: number) => string;
  // backup / rollback / verify / halt / resume
  backupFailed: (error: string) => string;
  backedUp: (file: string, backup: string, sha256: string, mode: string, warning: string | undefined) => string;
  backupAbsent: (file: string) => string;
  logSnapshot: (log: string, snapshot: string, bytes: number) => string;
  dockerDisabled: string;
  noPlan: (action: PlanPreview['action'], reason: string) => string;
  planHead: (plan: PlanPreview) => string;
  verifyingAgainst: (basis: string) => string;
  verifyTag: { ok: string; warn: string; fail: string };
  verifyWarnings: (n: number) => string;
  recovered: (incidentId: string, report: string) => string;
  report: (r: ExecutionReport) => string;
}

const CLI: Record<Language, CliText> = { ko, en };

/** The CLI's words in the given language. */
export function cliText(lang: Language): CliText {
  return CLI[lang];
}
