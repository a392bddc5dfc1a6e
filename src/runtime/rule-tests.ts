// `turtle-sentinel rules test`: rule unit tests. Each test feeds observations (log lines, state files,
// container states, crontab) at given instants through the real core and compares the rules that fail
// at `eval_at` with the expected firings. Same core as the daemon: a passing test means the daemon
// would fire the same way on the same observations.
import { readFile } from 'node:fs/promises';
import { sha256Hex } from './sha256.ts';
import { dirname, resolve } from 'node:path';
import { ruleTestFileSchema, type RuleTestInput } from '../config/rule-tests-schema.ts';
import { parseYaml } from '../config/yaml-errors.ts';
import { validateYaml } from '../config/zod-issues.ts';
import { loadRules } from '../config/load-rules.ts';
import { initialState, step, type CoreState } from '../core/step.ts';
import type { Event } from '../core/types.ts';
import { stepContextOf } from './sentinel.ts';
import { configSchema } from '../config/schema.ts';
import type { Language } from '../core/messages.ts';
import { cliText } from '../core/cli-text.ts';
import { summaryIn } from '../core/verdict-text.ts';

export interface RuleTestsResult {
  ok: true;
  passed: number;
  failed: number;
}

function toEvent(input: RuleTestInput): Event {
  if ('log' in input) {
    const lines = input.lines.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return { kind: 'log-lines', lines: lines.map((text) => ({ file: input.log, text, observedAt: input.at, live: true })) };
  }
  if ('file' in input) {
    return {
      kind: 'json-file',
      file: {
        which: input.file,
        observedAt: input.at,
        ...(input.content !== null ? { content: input.content, sha256: sha256Hex(input.content) } : {}),
      },
    };
  }
  if ('container' in input) {
    const c = input.container;
    return {
      kind: 'container',
      container: {
        name: c.name,
        status: c.status,
        restartCount: c.restart_count,
        observedAt: input.at,
        ...(c.image_id ? { imageId: c.image_id } : {}),
      },
    };
  }
  if ('crontab' in input) return { kind: 'crontab', crontab: { text: input.crontab, source: 'container', observedAt: input.at } };
  return { kind: 'container-files', present: input.container_files, observedAt: input.at };
}

export async function runRuleTests(
  files: string[],
  write: (line: string) => void,
  lang: Language,
): Promise<RuleTestsResult | { ok: false; errors: string[] }> {
  const t = cliText(lang);
  let passed = 0;
  let failed = 0;
  const errors: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message}`);
      continue;
    }
    const yaml = parseYaml(text, file);
    if (!yaml.ok) {
      errors.push(...yaml.errors);
      continue;
    }
    const parsed = validateYaml(yaml.source, yaml.data, ruleTestFileSchema);
    if (!parsed.ok) {
      errors.push(...parsed.errors);
      continue;
    }
    const rules = await loadRules(parsed.value.rule_files.map((f) => resolve(dirname(file), f)));
    if (!rules.ok) {
      errors.push(...rules.errors);
      continue;
    }
    const config = configSchema.parse({ deployment: { root: '.' } });
    const ctx = stepContextOf(config, rules.rules, rules.profiles);
    for (const test of parsed.value.tests) {
      let state: CoreState = initialState(test.watch_from);
      const inputs = [...test.input].sort((a, b) => a.at - b.at);
      for (const input of inputs) state = step(state, toEvent(input), ctx).state;
      state = step(state, { kind: 'tick', now: test.eval_at }, ctx).state;
      const firing = Object.values(state.lastVerdicts)
        .flat()
        .filter((v) => v.outcome === 'fail');
      const missing = test.expect_firing.filter(
        (e) =>
          !firing.some(
            (v) => v.ruleId === e.rule && (e.cause === undefined || v.cause === e.cause) && (e.label === undefined || v.label === e.label),
          ),
      );
      const unexpected = firing.filter(
        (v) =>
          !test.expect_firing.some(
            (e) => v.ruleId === e.rule && (e.cause === undefined || v.cause === e.cause) && (e.label === undefined || v.label === e.label),
          ),
      );
      if (missing.length === 0 && unexpected.length === 0) {
        passed += 1;
        write(t.testOk(file, test.name));
      } else {
        failed += 1;
        write(t.testFailed(file, test.name));
        for (const m of missing)
          write(t.testMissing(`${m.rule}${m.cause ? ` cause=${m.cause}` : ''}${m.label ? ` label=${m.label}` : ''}`));
        for (const u of unexpected)
          write(t.testUnexpected(`${u.ruleId} cause=${u.cause}${u.label ? ` label=${u.label}` : ''}`, summaryIn(lang, u)));
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  write(t.testTotal(passed, failed));
  return { ok: true, passed, failed };
}
