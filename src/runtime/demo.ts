// `turtle-sentinel demo`: on a copy of the bundled example, inject each rollback criterion's fault in
// turn and show what the product does with it: the incident as the operator reads it, the decision it
// proposes and the dry-run plan. It runs the daemon's own path (embedded default config pointed at the
// copy, rules/, log tailer, JSON reader, event loop, core, rollback planner) with two stand-ins, both
// said aloud: a clock moved in the daemon's ticks instead of waiting, and an in-memory Docker port
// holding a described deployment instead of an engine. It reaches no Docker, no Telegram, no network.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PROJECT_DIR } from '../config/defaults.ts';
import { configPaths, loadDefaultConfig, rulesPathsOf } from '../config/load-config.ts';
import { loadRules } from '../config/load-rules.ts';
import type { Config } from '../config/schema.ts';
import { createLogger } from '../adapters/logger.ts';
import { formatInstant, renderNotice, type Language } from '../core/messages.ts';
import { consoleText } from '../core/text/catalogue.ts';
import { criterionTag, demoText } from '../core/demo-text.ts';
import type { Incident, Notice, PlanAnswer } from '../core/types.ts';
import type { ActionPort } from '../ports/action.ts';
import { startSentinel } from './sentinel.ts';
import { wireRollbackEngine } from './wiring.ts';
import { planLines } from './cli-rollback.ts';
import { simulatedDeployment } from './demo-deployment.ts';
import { SCENARIOS, scenarioWorld, type Scenario } from './demo-scenarios.ts';

/** The daemon's tick (sentinel.ts): the demo moves its clock in the same steps. */
const TICK_MS = 30_000;
const EXAMPLE_DIR = join(PROJECT_DIR, 'examples/deployment');

export interface DemoOptions {
  /** Absent: the product's default language (telegram.language of the embedded default). */
  lang?: Language;
  write: (line: string) => void;
  /** Warnings and errors of the sidecar's own logger (stderr). */
  writeLog: (line: string) => void;
  /** Wall-clock milliseconds, only to report how long the demo took. */
  elapsed: () => number;
}

export interface ScenarioOutcome {
  scenario: Scenario;
  detected: boolean;
  incident?: Incident;
}

export type DemoResult = { ok: true; outcomes: ScenarioOutcome[]; allDetected: boolean } | { ok: false; errors: string[] };

/**
 * Runs every scenario on its own fresh copy and state, under one temporary directory that is removed
 * at the end, on failure and on Ctrl-C alike.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const base = loadDefaultConfig();
  if (!base.ok) return { ok: false, errors: base.errors };
  const rules = await loadRules(rulesPathsOf(base.config, base.baseDir));
  if (!rules.ok) return { ok: false, errors: rules.errors };
  const lang = options.lang ?? base.config.telegram.language;
  const t = demoText(lang);
  const write = options.write;

  const work = mkdtempSync(join(tmpdir(), 'turtle-sentinel-demo-'));
  const removeWork = () => rmSync(work, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    removeWork();
    process.stderr.write(`${t.interrupted}\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    write(t.title);
    write(t.language(options.lang === undefined || options.lang === base.config.telegram.language));
    write(t.offline(work));
    write(t.simulated);
    for (const line of simulatedDeployment(join(work, '…', 'deployment')).describe()) write(`  ${line}`);
    write(t.clock);
    const logger = createLogger({ level: 'warn', secrets: [], write: (line) => options.writeLog(line.trimEnd()) });
    const outcomes: ScenarioOutcome[] = [];
    for (const [index, scenario] of SCENARIOS.entries()) {
      write('');
      const dir = join(work, `${index + 1}-${scenario.id}`);
      try {
        outcomes.push(
          await runScenario(scenario, {
            dir,
            config: demoConfig(base.config, dir, lang),
            baseDir: base.baseDir,
            rules,
            lang,
            write,
            logger,
          }),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    write('');
    write(t.summary);
    for (const o of outcomes)
      write(t.summaryLine(criterionTag(o.scenario.criterion), t.name[o.scenario.id], o.detected, o.scenario.expectRule, o.incident?.id));
    const detected = outcomes.filter((o) => o.detected).length;
    write(t.total(detected, outcomes.length, (options.elapsed() / 1000).toFixed(1)));
    return { ok: true, outcomes, allDetected: detected === outcomes.length };
  } finally {
    removeWork();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    write(t.removed(work));
  }
}

/**
 * The embedded default, pointed at the copy: its deployment root, a state directory of its own, no
 * HTTP listener (several scenarios run one after another), and Docker on, because the in-memory
 * port stands in for the engine (the socket in the config is never opened). The schedule still comes
 * from the copy's crontab file, as in the embedded default.
 */
function demoConfig(config: Config, dir: string, lang: Language): Config {
  return {
    ...config,
    deployment: { ...config.deployment, root: join(dir, 'deployment') },
    docker: { ...config.docker, enabled: true },
    state: { ...config.state, dir: join(dir, 'state') },
    http: { ...config.http, enabled: false },
    telegram: { ...config.telegram, language: lang },
    // The simulated deployment has no git checkout: git is never run, and the plan is the image-tag one
    // its backup tag allows (the strategy `auto` picks when the tag exists, as here).
    rollback: { ...config.rollback, git: { ...config.rollback.git, enabled: false } },
  };
}

interface ScenarioEnv {
  dir: string;
  config: Config;
  baseDir: string;
  rules: Extract<Awaited<ReturnType<typeof loadRules>>, { ok: true }>;
  lang: Language;
  write: (line: string) => void;
  logger: Logger;
}

async function runScenario(scenario: Scenario, env: ScenarioEnv): Promise<ScenarioOutcome> {
  const { config, lang, write } = env;
  const t = demoText(lang);
  const zone = config.deployment.timezone;
  const paths = configPaths(config, env.baseDir);
  cpSync(EXAMPLE_DIR, paths.root, { recursive: true });
  const deployment = simulatedDeployment(paths.root);
  const world = scenarioWorld(paths.root, deployment);
  scenario.history?.(world);

  let now = scenario.watchFrom;
  const clock = { now: () => now };
  const wired = wireRollbackEngine(config, paths, env.logger, clock, undefined, deployment.docker);
  if (!wired.ok) throw new Error(wired.error);
  const engine = wired.engine;
  // Plans are the engine's own; executing is where the demo stops: it records what would run.
  const inflight = new Set<Promise<PlanAnswer>>();
  const executions: { incidentId: string; action: string; planId: string }[] = [];
  const actions: ActionPort = {
    plan(action) {
      const answer = engine.plan(action);
      inflight.add(answer);
      void answer.finally(() => inflight.delete(answer));
      return answer;
    },
    async execute(incidentId, action, planId) {
      executions.push({ incidentId, action, planId });
    },
  };
  const notices: Notice[] = [];
  const started = await startSentinel({
    config,
    baseDir: env.baseDir,
    rules: env.rules.rules,
    profiles: env.rules.profiles,
    clock,
    notifier: { deliver: async (_key, notice) => void notices.push(notice), close: async () => {} },
    logger: env.logger,
    // The demo ticks itself, in the daemon's steps; the timer must never fire on its own.
    tickMs: 24 * 3_600_000,
    actions,
    docker: deployment.docker,
  });
  if (!started.ok) throw new Error(started.error);
  const sentinel = started.sentinel;
  try {
    const settle = async () => {
      // A plan is asked for outside the event queue and reported back into it: wait for both.
      for (;;) {
        const pending = [...inflight];
        await Promise.all(pending);
        await sentinel.loop.submit({ kind: 'tick', now });
        if (pending.length === 0 && inflight.size === 0) return;
      }
    };
    const advanceTo = async (target: number) => {
      while (now < target) {
        now = Math.min(target, now + TICK_MS);
        await sentinel.poke();
        await sentinel.tick();
        await settle();
      }
    };
    await sentinel.poke();
    await settle();
    const before = notices.length;
    const openBefore = new Set(sentinel.loop.state().incidents.incidents.map((i) => i.id));
    for (const fault of scenario.faults) {
      await advanceTo(fault.at);
      fault.write(world);
      await sentinel.poke();
      await settle();
    }
    await advanceTo(scenario.until);

    write(t.header(criterionTag(scenario.criterion), t.name[scenario.id], t.injecting[scenario.id]));
    write(
      t.timeline(formatInstant(scenario.watchFrom, zone), formatInstant(scenario.faults[0]!.at, zone), formatInstant(scenario.until, zone)),
    );
    // The example's own history (its crashed run, say) is part of the picture, told briefly.
    if (before > 0) {
      write(t.history);
      for (const notice of notices.slice(0, before)) {
        write(`  · ${renderNotice(notice, lang, zone).split('\n').slice(0, 3).join(' — ')}`);
      }
    }
    write(t.operatorReads);
    const after = notices.slice(before);
    if (after.length === 0) write(t.nothingNotified);
    for (const notice of after) {
      write('');
      for (const line of renderNotice(notice, lang, zone).split('\n')) write(`  │ ${line}`);
    }
    write('');

    const incident = sentinel.loop
      .state()
      .incidents.incidents.find(
        (i) =>
          i.ruleId === scenario.expectRule &&
          !openBefore.has(i.id) &&
          (scenario.expectLabel === undefined || i.label === scenario.expectLabel),
      );
    if (!incident) {
      write(t.notDetected(scenario.expectRule));
      return { scenario, detected: false };
    }
    // Whether the operator was shown this incident's plan step by step (a decision request lists it; an auto halt's record does not).
    const announced = after.flatMap((n) =>
      n.kind === 'decision-requested' && n.incident.id === incident.id && n.incident.plan ? [n.incident.plan.id] : [],
    );
    await showDecision(incident, announced, executions, engine.plan.bind(engine), lang, zone, write);
    return { scenario, detected: true, incident };
  } finally {
    await sentinel.stop();
  }
}

async function showDecision(
  incident: Incident,
  announcedPlans: string[],
  executions: { incidentId: string; planId: string }[],
  plan: ActionPort['plan'],
  lang: Language,
  zone: string,
  write: (line: string) => void,
): Promise<void> {
  const t = demoText(lang);
  const actionWord = consoleText(lang).action_[incident.action];
  const decision = incident.decision;
  const proposesPlan = incident.action === 'rollback' || incident.action === 'halt';
  const how = !proposesPlan
    ? t.policy.none
    : decision?.policy === 'auto'
      ? t.policy.auto
      : decision?.policy === 'required'
        ? t.policy.required(formatInstant(decision.deadline, zone))
        : decision
          ? t.policy['veto-window'](formatInstant(decision.deadline, zone))
          : t.policy.none;
  write(t.proposed(actionWord, how));
  const action = incident.action === 'halt' ? 'halt' : 'rollback';
  if (!proposesPlan) write(t.escalateOnly);
  write(t.dryRun(action === 'halt' ? 'turtle-sentinel halt' : 'turtle-sentinel rollback --dry-run'));
  const answer = await plan(action);
  if (!answer.ok) {
    write(t.noPlan(answer.reason));
    return;
  }
  const [head, ...steps] = planLines(answer.plan, lang);
  write(`  ${head}`);
  // The decision above already lists this very plan (same id, same steps): say so rather than print it twice.
  const sameAsDecision = proposesPlan && announcedPlans.includes(answer.plan.id);
  if (sameAsDecision) write(t.samePlan(answer.plan.id, steps.length));
  else for (const line of steps) write(`  ${line}`);
  const executed = executions.find((e) => e.incidentId === incident.id);
  if (executed) write(t.autoExecuted(executed.planId));
}
