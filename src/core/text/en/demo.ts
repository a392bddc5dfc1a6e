// English words of `turtle-sentinel demo`. Typed by DemoText. Pure.
import type { DemoText } from '../../demo-text.ts';

export const demo: DemoText = {
  title: "turtle-sentinel demo: each rollback criterion's fault injected in turn into a copy of the bundled example (examples/deployment)",
  language: (isDefault) => (isDefault ? 'language: en' : "language: en (--lang en; the product's default is ko, telegram.language)"),
  offline: (copyDir) =>
    `Nothing leaves this machine: no Docker, no Telegram, no network. The example is copied to ${copyDir} (fresh for every scenario) and removed at the end.`,
  simulated: 'The deployment the plans are made for (simulated — no Docker):',
  clock:
    "Time is simulated: the clock moves in the daemon's 30 s ticks, so a grace period ends without waiting. Everything else is the product's own path: the embedded default config pointed at the copy, rules/, the log tailer and JSON reader, the core, the rollback planner.",
  name: {
    missed: 'missed cron run',
    hung: 'hung cron run',
    exceptions: 'repeated exceptions',
    telegram: 'Telegram alerts not received',
    positions: 'positions.json corrupted',
    fills: 'fill matching fault',
    container: 'cron container stopped',
  },
  injecting: {
    missed: 'check_positions.py never starts at 16:00 KST (no start marker in check_kr.log)',
    hung: 'check_positions.py starts at 16:00 KST and is still running at 16:31, with no finish marker',
    exceptions: "the 16:00 KST run dies in a traceback (TypeError … 'entry_reason'), like the example's own last run the day before",
    telegram:
      "two runs in a row (Thursday's, already in the log, and Friday's) log a pyramid alert whose send fails 3 times (Telegram 오류 (모든 재시도 소진))",
    positions: 'positions.json replaced by a write cut short: it ends in the middle of a record',
    fills: 'data/trades/order_log.json gets a second FILLED record recovered from the same KIS order (KIS#0000123999)',
    container: 'turtle-cron exits (exit code 137) and stays down (simulated — no Docker)',
  },
  header: (tag, name, injecting) => `━━ ${tag} ${name} — injecting: ${injecting}`,
  timeline: (watchFrom, injectAt, until) => `watching from ${watchFrom}; fault at ${injectAt}; clock moved on to ${until}`,
  history: "Before the fault, at start-up, the example's own history gave:",
  operatorReads: 'What the operator reads (the console notifier; Telegram gets the same words with Approve / Veto buttons):',
  nothingNotified: '  (nothing was notified)',
  proposed: (action, how) => `Proposed decision: ${action} — ${how}`,
  policy: {
    auto: 'at once (approval policy auto)',
    'veto-window': (deadline) => `runs at ${deadline} unless vetoed; Approve runs it at once (veto window)`,
    required: (deadline) => `waits for an explicit Approve until ${deadline}`,
    none: 'no automatic action: a human decides',
  },
  dryRun: (command) => `Dry run — ${command} (simulated — no Docker):`,
  samePlan: (planId, steps) =>
    `     1–${steps}: the ${steps} steps listed in the decision above (the same plan ${planId}): approving it runs exactly these`,
  autoExecuted: (planId) => `  policy auto: the daemon would execute plan ${planId} now; the demo executes nothing`,
  escalateOnly:
    'No plan is proposed: this rule escalates to a human (a rollback cannot cure it by itself). Were the operator to choose /rollback after checking, it would be:',
  noPlan: (reason) => `  no plan: ${reason}`,
  notDetected: (ruleId) => `NOT DETECTED: no incident of ${ruleId} was opened`,
  summary: '━━ summary',
  summaryLine: (tag, name, detected, ruleId, incidentId) =>
    `${tag.padEnd(4)}${name.padEnd(30)} detected: ${detected ? `yes (${ruleId}, ${incidentId})` : `NO (${ruleId})`}`,
  total: (detected, all, seconds) => `${detected} of ${all} detected, in ${seconds} s`,
  removed: (dir) => `removed ${dir}`,
  interrupted: 'interrupted: the copy is removed',
};
