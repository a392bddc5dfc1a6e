// Shared vocabulary of the pure core: what the adapters observe, what the rules conclude, what the
// runtime must do. No I/O and no clock here: every instant arrives as data (epoch milliseconds).

/** Epoch milliseconds. The core never reads a clock; it is handed instants. */
export type Instant = number;

// ---------------------------------------------------------------------------------------------
// Observations (adapter → core)

/** One complete line of a job log, stamped with when the sidecar read it. */
export interface LogLine {
  /** Log file name relative to the logs directory, e.g. `check_kr.log`. */
  file: string;
  /** Decoded text without the line terminator (invalid UTF-8 replaced by U+FFFD, long lines cut). */
  text: string;
  /** When the tailer read the line. For catch-up reads this is later than when it was written. */
  observedAt: Instant;
  /** True when read within moments of being appended (live), false for backlog read at start-up. */
  live: boolean;
}

export type ContainerStatus = 'running' | 'restarting' | 'exited' | 'paused' | 'created' | 'dead' | 'removing' | 'missing';

export interface ContainerObservation {
  name: string;
  status: ContainerStatus;
  /** Image ID the container runs (`sha256:…`), absent when the container is missing. */
  imageId?: string;
  /** The image reference the container was created from (`Config.Image`). */
  imageRef?: string;
  restartCount: number;
  startedAt?: Instant;
  observedAt: Instant;
}

/** The crontab deployed in the cron container (or a configured fallback file). */
export interface CrontabObservation {
  text: string;
  source: 'container' | 'file';
  observedAt: Instant;
}

/** Raw content of a watched JSON state file; parsing and judging happen in the core. */
export interface JsonFileObservation {
  which: JsonFileKind;
  /** File content as read (UTF-8 decoded), or absent when the file does not exist. */
  content?: string;
  /** SHA-256 hex of the bytes read. */
  sha256?: string;
  observedAt: Instant;
}

export type JsonFileKind = 'positions' | 'entries' | 'orderLog';

export type Event =
  | { kind: 'log-lines'; lines: LogLine[] }
  | { kind: 'container'; container: ContainerObservation }
  | { kind: 'crontab'; crontab: CrontabObservation }
  | { kind: 'container-files'; present: Record<string, boolean>; observedAt: Instant }
  | { kind: 'job-processes'; commands: string[]; observedAt: Instant }
  | { kind: 'json-file'; file: JsonFileObservation }
  | { kind: 'source-error'; source: string; message: string; observedAt: Instant }
  | { kind: 'source-ok'; source: string; observedAt: Instant }
  | { kind: 'tick'; now: Instant };

// ---------------------------------------------------------------------------------------------
// Jobs, runs and versions

/** A scheduled job as read from the deployed crontab. */
export interface Job {
  /** Stable id: the log file when the command redirects to one, else the script name. */
  id: string;
  /** Cron expression as written (5 fields, or 6 with leading seconds, or an @macro). */
  schedule: string;
  timezone: string;
  command: string;
  /** Script file name (`check_positions.py`), when the command runs one. */
  script?: string;
  /** Log file name relative to the logs directory (`check_kr.log`), when the command redirects. */
  logFile?: string;
  /** 0-based line index in the crontab, for error messages. */
  line: number;
}

/** Markers a job's script writes, selected by script name; the type comes from the zod schema. */
export type { Profile as JobProfile } from '../config/schema.ts';

export type RunEnd = 'finished' | 'failed' | 'open' | 'superseded';

export interface TracebackEvidence {
  /** The final `XxxError: msg` line. */
  error: string;
  /** The first lines of the traceback, for the operator. */
  excerpt: string[];
}

/** One execution of a job, as reconstructed from its log segment. */
export interface Run {
  jobId: string;
  script: string;
  /** Best estimate of the true start time (observation time or offset-corrected log time). */
  startedAt: Instant;
  /** Start line's raw log timestamp text (naive, zone unknown), for evidence. */
  startStamp: string;
  finishedAt?: Instant;
  /** `open`: start seen, no finish yet. `superseded`: a new start came before a finish. */
  end: RunEnd;
  tracebacks: TracebackEvidence[];
  /** Lines that matched a configured error pattern (` - CRITICAL - ` …). */
  errorLines: string[];
  telegram: {
    channelActive: boolean;
    successes: string[];
    failures: string[];
    notifyEvents: string[];
  };
  /** `포지션 청산: <id>` lines seen in the run: ids of positions it closed. */
  closedPositions: string[];
  /** Silent repair by the guarded system (`JSON 파일 손상`, `백업에서 복원`). */
  healLines: string[];
}

export type VersionName = 'v3.2.0' | 'v3.2.1' | 'unknown';

export interface VersionFingerprint {
  version: VersionName;
  /** Human-readable reasons, e.g. `crontab runs signal_check.py`. */
  evidence: string[];
}

// ---------------------------------------------------------------------------------------------
// Verdicts and incidents

export type Outcome = 'pass' | 'fail' | 'inconclusive' | 'error';
export type RuleMode = 'enforce' | 'dry-run' | 'off';
export type Severity = 'info' | 'warning' | 'critical';
export type Action = 'notify' | 'escalate' | 'halt' | 'rollback';

export interface Evidence {
  /** `log` lines carry file + line text + when; `json` carries path + value; `note` is free text. */
  kind: 'log' | 'json' | 'container' | 'note';
  text: string;
  file?: string;
  path?: string;
  at?: Instant;
}

export interface Verdict {
  ruleId: string;
  outcome: Outcome;
  /** Identifies the cause within a rule (job id, file, JSON path…): one incident per rule+cause. */
  cause: string;
  /** One line for the operator. */
  summary: string;
  /** A sub-case label the operator must see, e.g. `channel-not-configured`. */
  label?: string;
  /** Pass with a warning (e.g. one failed run): notified once, opens no incident. */
  warning?: string;
  evidence: Evidence[];
}

export type IncidentPhase =
  | 'detected'
  | 'awaiting-decision'
  | 'approved'
  | 'vetoed'
  | 'expired'
  | 'running'
  | 'verified'
  | 'failed'
  | 'resolved'
  | 'escalated';

export interface Incident {
  id: string;
  ruleId: string;
  cause: string;
  severity: Severity;
  action: Action;
  phase: IncidentPhase;
  openedAt: Instant;
  updatedAt: Instant;
  summary: string;
  label?: string;
  evidence: Evidence[];
  /** How many times a firing joined this incident after it opened. */
  joins: number;
  history: { at: Instant; phase: IncidentPhase; note: string }[];
}

// ---------------------------------------------------------------------------------------------
// Effects (core → runtime)

export type Notice =
  | { kind: 'incident-opened'; incident: Incident }
  | { kind: 'incident-resolved'; incident: Incident }
  | { kind: 'would-fire'; verdict: Verdict }
  | { kind: 'warning'; verdict: Verdict }
  | { kind: 'inconclusive'; verdict: Verdict; since: Instant }
  | { kind: 'rule-error'; verdict: Verdict }
  | { kind: 'source-error'; source: string; message: string; count: number }
  | { kind: 'version-changed'; from: VersionFingerprint; to: VersionFingerprint };

export type Effect = { kind: 'notify'; key: string; notice: Notice };
