// Shared vocabulary of the pure core: what the adapters observe, what the rules conclude, what the
// runtime must do. No I/O and no clock here: every instant arrives as data (epoch milliseconds).
import type { VerdictMessage } from './verdict-text.ts';
import type { EvidenceMessage } from './evidence-text.ts';

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
  /** Docker's health status, when the container has a healthcheck (turtle-cron from v3.4.0: `pgrep -x supercronic`). */
  health?: 'starting' | 'healthy' | 'unhealthy';
  observedAt: Instant;
}

/** The crontab deployed in the cron container (or a configured fallback file). */
export interface CrontabObservation {
  text: string;
  source: 'container' | 'file';
  /** Which source of the chain gave it (`crontab -l`, the file the command names, the configured file), for evidence and status. */
  via?: { kind: CrontabSource['kind']; path?: string };
  observedAt: Instant;
}

/** Raw content of a watched JSON state file; parsing and judging happen in the core. */
export interface JsonFileObservation {
  which: JsonFileKind;
  /** File content as read (UTF-8 decoded), or absent when the file does not exist. */
  content?: string;
  /** SHA-256 hex of the bytes read. */
  sha256?: string;
  /**
   * Set when the bytes are not UTF-8 (`content` then holds U+FFFD in their place): the guarded system's
   * open() fails on them, while a U+FFFD written as UTF-8 is a character like any other.
   */
  invalidUtf8?: Utf8Error;
  observedAt: Instant;
}

/** The first byte sequence that is not UTF-8, as Python's decoder reports it (UnicodeDecodeError). */
export interface Utf8Error {
  /** Byte offset of the bad sequence (Python's `start`). */
  start: number;
  /** Byte offset just past it (Python's `end`). */
  end: number;
  /** The byte at `start`: Python names it when the bad sequence is one byte long. */
  byte: number;
  /** `invalid start byte`, `invalid continuation byte` or `unexpected end of data`. */
  reason: string;
  /** Where the bad sequence begins in the decoded `content` (UTF-16 code units). */
  charOffset: number;
}

export type JsonFileKind = 'positions' | 'entries' | 'orderLog';

export type Event =
  | { kind: 'log-lines'; lines: LogLine[] }
  | { kind: 'container'; container: ContainerObservation }
  | { kind: 'crontab'; crontab: CrontabObservation }
  | { kind: 'container-files'; present: Record<string, boolean>; observedAt: Instant }
  | { kind: 'job-processes'; commands: string[]; observedAt: Instant }
  /** One look into the cron container (runtime/cron-inspection.ts): what recognition of the release reads. */
  | { kind: 'cron-inspection'; inspection: CronInspection; observedAt: Instant }
  /** Lines of the cron runner's own output (`docker logs` of the cron container: supercronic from v3.4.0). */
  | { kind: 'runner-lines'; lines: { text: string; at?: Instant }[]; observedAt: Instant }
  | { kind: 'json-file'; file: JsonFileObservation }
  | { kind: 'source-error'; source: string; message: string; observedAt: Instant }
  | { kind: 'source-ok'; source: string; observedAt: Instant }
  | { kind: 'tick'; now: Instant }
  | { kind: 'operator'; command: OperatorCommand; by: OperatorIdentity; at: Instant }
  | { kind: 'execution'; incidentId: string; report: ExecutionReport; at: Instant }
  /** The engine's answer to a `plan` effect: the exact plan (or why there is none), with a fresh random nonce. */
  | {
      kind: 'plan-ready';
      incidentId: string;
      result: PlanAnswer;
      nonce: string;
      at: Instant;
    }
  /** The daemon (re)started: pending decisions are re-announced, never executed blindly. `seed` is fresh randomness for new nonces. */
  | { kind: 'startup'; at: Instant; seed: string }
  /** The sidecar's own digest schedule fired for `scheduledFor` (or, at start, its last fire time, to catch up). */
  | { kind: 'digest-due'; scheduledFor: Instant; at: Instant };

// ---------------------------------------------------------------------------------------------
// Operator decisions and plan execution (Telegram and the CLI produce these; the engine reports back)

/** Who asked: a Telegram user (checked against the allow-list) or the local CLI operator. */
export interface OperatorIdentity {
  channel: 'telegram' | 'cli';
  userId?: number;
  chatId?: number;
  name?: string;
}

export type OperatorCommand =
  /** A button press or `/approve <id>`: `nonce` binds it to one incident and one plan. */
  | { kind: 'approve'; incidentId: string; nonce?: string }
  | { kind: 'veto'; incidentId: string; nonce?: string; reason?: string }
  /** `/rollback` after its confirmation, `/halt`, `/resume`: manual actions, still through the safety gates. */
  | { kind: 'manual-action'; action: 'rollback' | 'halt' | 'resume'; nonce?: string }
  | { kind: 'arm' }
  | { kind: 'silence'; ruleId: string; until: Instant }
  | { kind: 'unsilence'; ruleId: string };

/** What an operator approves: the exact operations, images and names, as `rollback --dry-run` prints them. */
export interface PlanPreview {
  /** Content hash of the plan: an approval is bound to this plan and no other. */
  id: string;
  action: 'rollback' | 'halt' | 'resume';
  strategy?: 'image-tag' | 'git';
  /** One line per operation, in order (English: also what the journal and `--json` carry). */
  steps: string[];
  /** The same lines in Korean; absent in plans made before it existed (then `steps` is shown). */
  stepsKo?: string[];
  /** Image ID the containers will run afterwards (rollback). */
  targetImageId?: string;
}

export interface IncidentDecision {
  policy: 'required' | 'veto-window' | 'auto';
  /** Random, bound to this incident and plan; a button press must carry it. A new one on every re-announce. */
  nonce: string;
  /** When the buttons carrying this nonce were sent; presses older than the button expiry are refused. */
  announcedAt: Instant;
  /** veto-window: runs at this instant unless vetoed. required: reminder before, escalation at. */
  deadline: Instant;
  remindAt?: Instant;
  reminded: boolean;
  /** A job is mid-run in the cron container: acting waits until it ends or this instant passes. */
  deferredUntil?: Instant;
  /** The operator was told once that a running job defers the action. */
  deferralAnnounced?: boolean;
  decidedBy?: OperatorIdentity;
  decidedAt?: Instant;
  reason?: string;
}

/** What the rollback engine says about an execution it was asked to run. */
export type ExecutionReport =
  | { kind: 'deferred'; reason: string; retryAt: Instant; words?: ExecutionWords }
  | { kind: 'refused'; reason: string }
  | { kind: 'started'; planId: string }
  /** `ms`: how long the step took (absent for a step finished before a restart). */
  | { kind: 'step'; name: string; ok: boolean; detail: string; ms?: number }
  /** `steps`: on the report that ends an execution, every step this process ran, with its duration (SPEC §5.5). */
  | { kind: 'finished'; ok: boolean; detail: string; targetImageId?: string; steps?: StepTiming[]; words?: ExecutionWords }
  | { kind: 'verified'; ok: boolean; detail: string; preExisting: string[]; steps?: StepTiming[]; words?: ExecutionWords };

/**
 * A successful rollback's report lines as typed words, rendered in the operator's language; `detail`
 * stays the English line for the journal and the logs (and is shown where no words are given).
 */
export type ExecutionWords =
  | { key: 'running-target'; image?: string; afterRestart: boolean }
  | { key: 'checks-pass'; passed: number; total: number; afterRestart: boolean }
  /** The image's files are not the target release's (plan step `release-check`): it was never started. */
  | {
      key: 'not-target-release';
      image?: string;
      release: string;
      differ: MismatchedFile[];
      /** The original containers are back (else `restoreDetail` says what is not). */
      restored: boolean;
      restoreDetail?: string;
      afterRestart: boolean;
    }
  /** A scheduled job runs in the cron container: acting waits (runbook: never cut a job off). */
  | { key: 'job-running'; container: string; jobs: string[]; afterRestart: boolean };

/** A recognition file whose git blob id is not the catalogue's for a release. */
export interface MismatchedFile {
  path: string;
  /** The first characters of the blob id read (as many as the catalogue gives), or null when absent. */
  found: string | null;
  expected: string;
}

export type NotTargetReleaseWords = Extract<ExecutionWords, { key: 'not-target-release' }>;

/** One step of an execution as the report summarises it. */
export interface StepTiming {
  name: string;
  ok: boolean;
  ms: number;
}

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
import type { Rule } from '../config/schema.ts';
import type { Release } from '../config/catalogue-schema.ts';
import type { CronInspection, CrontabSource } from './cron-inspection.ts';
import type { PlanBlock } from './rollback-target.ts';
import type { Digest } from './digest.ts';

/** The engine's answer to a plan request; `blocked` when the target cannot load the current state files. */
export type PlanAnswer = { ok: true; plan: PlanPreview } | { ok: false; reason: string; blocked?: PlanBlock };
import type { RefusalDetail } from './decision-text.ts';

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
  /**
   * Lines of the running release's guard lines (catalogue `guardLines`: kill switch on, cost budget tripped):
   * a guard that tripped by design, never a failure of the run. Absent in runs read before guards were known.
   */
  guardLines?: string[];
  /**
   * Open runs only: since when looks at the cron container found no process of this script (absent
   * while it was seen alive or never looked at). See run-fate.ts for what it decides.
   */
  processGoneSince?: Instant;
  /** What the cron runner (supercronic) said of this run: its exit status, or that it was still running at its next fire time. */
  runner?: { exitStatus?: number; error?: string; stillRunningAt?: Instant };
  /** `runner`: only the runner's lines witness this run (its script logged nothing of it, or not yet). */
  witnessedBy?: 'runner';
}

/** A catalogued release name (`v3.9.1`), or `unknown`; with no catalogue, the v3.2.x fingerprint's names. */
export type VersionName = string;

/** The release catalogue entry the sidecar judges the deployment by (rules/releases/catalogue.yaml). */
export interface ReleaseInForce {
  /** The recognised release, or the closest catalogued one when nothing matched exactly. */
  release: Release;
  /** `exact`: every recognition file matched the entry; `closest`: the best partial match, said aloud. */
  certainty: 'exact' | 'closest';
  /** An operator confirmed a closest match (`/arm`, or `deployment.release` in sentinel.yaml). */
  confirmed: boolean;
}

export interface VersionFingerprint {
  version: VersionName;
  /** Human-readable reasons in English, e.g. `crontab runs signal_check.py`. */
  evidence: string[];
  /** The same reasons as typed messages, for the operator's language (absent in older checkpoints). */
  reasons?: VerdictMessage[];
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
  /** In English, for the logs, the journal and --json. */
  text: string;
  /** The framing words as a typed note, rendered for the operator in the configured language (absent for
   *  plain log lines and JSON values, and in older checkpoints: then `text` is shown). */
  message?: EvidenceMessage;
  file?: string;
  path?: string;
  at?: Instant;
}

export interface Verdict {
  ruleId: string;
  outcome: Outcome;
  /** Identifies the cause within a rule (job id, file, JSON path…): one incident per rule+cause. */
  cause: string;
  /** One line, in English, for the logs and the journal. */
  summary: string;
  /** The same line as a typed message, rendered for the operator in the configured language. */
  message?: VerdictMessage;
  /** A sub-case label the operator must see, e.g. `channel-not-configured`. */
  label?: string;
  /** Pass with a warning (e.g. one failed run): notified once, opens no incident. */
  warning?: string;
  /** The verdict of the version of the rule an incident fired under, kept because an edit made it pass. */
  keptAcrossEdit?: boolean;
  /** The warning as a typed message (see `message`). */
  warningMessage?: VerdictMessage;
  evidence: Evidence[];
}

export type IncidentPhase =
  'detected' | 'awaiting-decision' | 'approved' | 'vetoed' | 'expired' | 'running' | 'verified' | 'failed' | 'resolved' | 'escalated';

export interface Incident {
  id: string;
  ruleId: string;
  cause: string;
  severity: Severity;
  /** The rule's action; `resume` only for an operator's manual resume. */
  action: Action | 'resume';
  phase: IncidentPhase;
  openedAt: Instant;
  updatedAt: Instant;
  summary: string;
  /** The verdict's typed message; absent in checkpoints written before messages existed (then `summary` is shown). */
  message?: VerdictMessage;
  label?: string;
  evidence: Evidence[];
  /** For rollback and halt: the plan the operator is asked to approve, once the engine has made it. */
  plan?: PlanPreview;
  /** A plan was asked of the engine and not answered yet. */
  planRequested?: boolean;
  decision?: IncidentDecision;
  /** When the operator contacts are to be told (runbook §5), and when they were. */
  escalateAt?: Instant;
  escalatedAt?: Instant;
  /** The rollback passed its immediate checks: the incident watches the next scheduled runs. */
  verifiedAt?: Instant;
  /**
   * Closed by a decision or a failure (vetoed, failed, escalated) while its cause still fires: the
   * cause stays with this incident until the rule passes for it, so a veto is not undone by the very
   * next evaluation opening a new incident (and a new veto window) for the same fault.
   */
  holdsCause?: boolean;
  /**
   * Another open incident proposes the same action and holds the one decision for both (SPEC §4: one
   * approval message, one veto that stops it, one execution). This incident follows its phases.
   */
  decisionOf?: string;
  /**
   * The rule as it was when it last fired for this cause. A later edit of its parameters that makes the
   * cause pass does not close the incident while this version still fails (SPEC §4: editing a rule does
   * not close and reopen its incidents); recovery does.
   */
  firedUnder?: Rule;
  /** How many times a firing joined this incident after it opened. */
  joins: number;
  history: { at: Instant; phase: IncidentPhase; note: string }[];
}

// ---------------------------------------------------------------------------------------------
// Effects (core → runtime)

/**
 * `late`: the notice is about log lines that were not read as they were written (a backlog after the
 * sidecar was down, or several runs in one read): what it reports happened while unobserved, and may
 * already be over (an incident opened and resolved in the same read).
 */
export type Notice = NoticeOf & { late?: true };

type NoticeOf =
  | { kind: 'incident-opened'; incident: Incident }
  /** `why` when it was closed by something other than its cause recovering (its rule removed, say). */
  | { kind: 'incident-resolved'; incident: Incident; why?: string }
  | { kind: 'would-fire'; verdict: Verdict }
  | { kind: 'warning'; verdict: Verdict }
  | { kind: 'inconclusive'; verdict: Verdict; since: Instant }
  | { kind: 'rule-error'; verdict: Verdict }
  | { kind: 'source-error'; source: string; message: string; count: number }
  | { kind: 'version-changed'; from: VersionFingerprint; to: VersionFingerprint }
  /** The running release was recognised only as the closest catalogued one: release-dependent rules stay dry-run until confirmed. */
  | { kind: 'release-unsure'; release: string; reasons: VerdictMessage[] }
  /** An incident whose plan awaits a decision (first announcement, or again after a restart). */
  | { kind: 'decision-requested'; incident: Incident; again: boolean }
  | { kind: 'decision-reminder'; incident: Incident }
  | { kind: 'decision-recorded'; incident: Incident; decision: 'approved' | 'vetoed' | 'expired'; by?: OperatorIdentity; reason?: string }
  | {
      kind: 'decision-refused';
      incidentId?: string;
      by: OperatorIdentity;
      reason: 'not-allowed' | 'unknown-incident' | 'stale' | 'expired' | 'not-awaiting' | 'blocked';
      detail: string;
      detailMessage?: RefusalDetail;
    }
  /** `why` in English (journal, logs); `reason` the same as a typed message, rendered in the operator's language. */
  | { kind: 'escalation'; incident: Incident; why: string; reason?: VerdictMessage; level: 'L1' | 'L2' }
  | { kind: 'execution-update'; incident: Incident; report: ExecutionReport }
  /** The daily digest (core/digest.ts): all quiet, or what is open; runs checked, next runs. */
  | { kind: 'digest'; digest: Digest };

export type Effect =
  | { kind: 'notify'; key: string; notice: Notice }
  /** Ask the engine for the exact plan of an action (answered by a `plan-ready` event). */
  | { kind: 'plan'; incidentId: string; action: 'rollback' | 'halt' | 'resume' }
  /** Run the approved plan now (the engine is idempotent by incident id and journals every step). */
  | { kind: 'execute'; incidentId: string; action: 'rollback' | 'halt' | 'resume'; planId: string };
