// Runs every rule test of rules/tests/*.test.yaml in process (as `turtle-sentinel rules test` does),
// so that the rule behaviour written there as YAML cases is checked with the unit tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runRuleTests } from '../src/runtime/rule-tests.ts';

const dir = fileURLToPath(new URL('../rules/tests/', import.meta.url));
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.test.yaml'))
  .sort();

test('rules/tests holds rule test files', () => {
  assert.ok(files.includes('criteria.test.yaml') && files.includes('behaviour.test.yaml'), files.join(', '));
});

for (const name of files) {
  test(`every case of rules/tests/${name} passes`, async () => {
    const cases = readFileSync(dir + name, 'utf8').match(/^ {2}- name: /gm)?.length ?? 0;
    const out: string[] = [];
    const result = await runRuleTests([dir + name], (line) => out.push(line), 'en');
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.failed, 0, out.join('\n'));
    assert.equal(result.passed, cases, out.join('\n'));
  });
}
