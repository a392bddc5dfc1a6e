// The words of `turtle-sentinel demo`, one table per language with the same shape (a missing entry
// fails to compile). Names, rule ids, plan ids and commands stay as they are in every language. Pure.
import type { Language } from './text/catalogue.ts';
import { demo as ko } from './text/ko/demo.ts';
import { demo as en } from './text/en/demo.ts';

/** The scenarios the demo runs, by id (runtime/demo-scenarios.ts). */
export type DemoScenarioId = 'missed' | 'hung' | 'exceptions' | 'telegram' | 'positions' | 'fills' | 'container';

export interface DemoText {
  title: string;
  /** `isDefault`: the language is the product's default (telegram.language), not chosen with --lang. */
  language: (isDefault: boolean) => string;
  offline: (copyDir: string) => string;
  simulated: string;
  clock: string;
  name: Record<DemoScenarioId, string>;
  injecting: Record<DemoScenarioId, string>;
  header: (tag: string, name: string, injecting: string) => string;
  timeline: (watchFrom: string, injectAt: string, until: string) => string;
  history: string;
  operatorReads: string;
  nothingNotified: string;
  proposed: (action: string, how: string) => string;
  policy: { auto: string; 'veto-window': (deadline: string) => string; required: (deadline: string) => string; none: string };
  dryRun: (command: string) => string;
  samePlan: (planId: string, steps: number) => string;
  autoExecuted: (planId: string) => string;
  escalateOnly: string;
  noPlan: (reason: string) => string;
  notDetected: (ruleId: string) => string;
  summary: string;
  summaryLine: (tag: string, name: string, detected: boolean, ruleId: string, incidentId: string | undefined) => string;
  total: (detected: number, all: number, seconds: string) => string;
  removed: (dir: string) => string;
  interrupted: string;
}

export function demoText(lang: Language): DemoText {
  return lang === 'ko' ? ko : en;
}

/** `1/5` for a runbook criterion, `+` for the container state, which is not one of the five. */
export function criterionTag(criterion: number): string {
  return criterion === 0 ? '+' : `${criterion}/5`;
}
