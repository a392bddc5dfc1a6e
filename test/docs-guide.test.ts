// Keeps the operator's guides (docs/guide.{en,ko}.md) true of the code: the configuration reference
// against the zod schema walked at run time, the reload column against the reload policy, the rule
// parameters against the rule-kind registry, every `turtle-sentinel …` command and option against the
// CLI's own help, the quoted Telegram texts against the catalogues, and every `rules test` example
// (and the pasted output of the bundled tests) by running it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { configSchema } from '../src/config/schema.ts';
import { RELOAD_POLICY } from '../src/config/reload-policy.ts';
import { ruleParams } from '../src/core/rules/params.ts';
import { runRuleTests } from '../src/runtime/rule-tests.ts';
import { telegram as telegramEn } from '../src/core/text/en/telegram.ts';
import { telegram as telegramKo } from '../src/core/text/ko/telegram.ts';

const REPO = join(import.meta.dirname, '..');
const LANGS = ['en', 'ko'] as const;
type Lang = (typeof LANGS)[number];
const guide = (lang: Lang) => readFileSync(join(REPO, 'docs', `guide.${lang}.md`), 'utf8');

// ---------------------------------------------------------------------------------------------
// The schema, walked at run time

type Schema = z.ZodType;
interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
}
const defOf = (s: Schema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Through defaults, optionals and transforms to the schema that says what the value is. */
function unwrap(schema: Schema): Schema {
  let s = schema;
  for (;;) {
    const d = defOf(s);
    if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(d.type) && d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

/** Every dotted key of an object schema: all of them, and the leaves (keys whose value is not an object). */
function schemaKeys(schema: Schema, prefix = '', into = { all: new Set<string>(), leaves: new Set<string>() }) {
  const d = defOf(unwrap(schema));
  for (const [key, value] of Object.entries(d.shape ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    into.all.add(path);
    if (defOf(unwrap(value)).type === 'object') schemaKeys(value, path, into);
    else into.leaves.add(path);
  }
  return into;
}

/** The lines between `<!-- name:begin -->` and `<!-- name:end -->`, exactly once in the guide. */
function block(text: string, name: string): string {
  const parts = text.split(`<!-- ${name}:begin -->`);
  assert.equal(parts.length, 2, `exactly one <!-- ${name}:begin --> marker`);
  const [inside, ...rest] = parts[1]!.split(`<!-- ${name}:end -->`);
  assert.equal(rest.length, 1, `exactly one <!-- ${name}:end --> marker`);
  return inside!;
}

/** Table rows as their cells, without the header and separator rows. */
function rows(table: string): string[][] {
  return table
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[-| ]+\|$/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    )
    .filter((cells) => cells[0]!.startsWith('`'));
}
const unquote = (cell: string) => cell.replace(/^`|`$/g, '');

/** The reload treatment RELOAD_POLICY gives a dotted key (a section's, or its first-level key's). */
function reloadOf(key: string): string {
  const [section, sub] = key.split('.');
  const policy = RELOAD_POLICY[section as keyof typeof RELOAD_POLICY] as string | Record<string, string>;
  return typeof policy === 'string' ? policy : policy[sub!]!;
}

/** The config keys the guide's reference documents, with their row. */
function documentedConfig(lang: Lang): Map<string, string[]> {
  const table = rows(block(guide(lang), 'config-keys'));
  return new Map(table.map((cells) => [unquote(cells[0]!), cells]));
}

for (const lang of LANGS) {
  test(`guide.${lang}: the configuration reference has every key of the schema and no other`, () => {
    const { all, leaves } = schemaKeys(configSchema);
    const documented = documentedConfig(lang);
    const missing = [...leaves].filter((k) => !documented.has(k));
    assert.deepEqual(missing, [], `keys of sentinel.yaml the guide does not document`);
    const unknown = [...documented.keys()].filter((k) => !all.has(k));
    assert.deepEqual(unknown, [], 'keys the guide documents that the schema does not have');
  });

  test(`guide.${lang}: the reload column says what the reload policy does`, () => {
    const { all } = schemaKeys(configSchema);
    for (const [key, cells] of documentedConfig(lang)) {
      if (!all.has(key)) continue;
      const said = cells[3]!;
      assert.ok(said.startsWith(reloadOf(key)), `${key}: the guide says "${said}", the policy "${reloadOf(key)}"`);
    }
  });

  test(`guide.${lang}: the rule parameters are those of the rule kinds, every one of them`, () => {
    const documented = new Set(rows(block(guide(lang), 'rule-params')).map((cells) => `${unquote(cells[0]!)}.${unquote(cells[1]!)}`));
    const schema = new Set(
      Object.entries(ruleParams).flatMap(([kind, params]) =>
        Object.keys(defOf(unwrap(params as Schema)).shape ?? {}).map((p) => `${kind}.${p}`),
      ),
    );
    assert.deepEqual(
      [...schema].filter((k) => !documented.has(k)),
      [],
      'parameters the guide does not document',
    );
    assert.deepEqual(
      [...documented].filter((k) => !schema.has(k)),
      [],
      'parameters the guide documents that no rule kind has',
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The CLI, as its own help describes it

const helpCache = new Map<string, string>();
function help(path: string[]): string {
  const key = path.join(' ');
  let text = helpCache.get(key);
  if (text === undefined) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/main.ts'), ...path, '--help'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `turtle-sentinel ${key} --help: ${r.stderr}`);
    text = r.stdout;
    helpCache.set(key, text);
  }
  return text;
}

/** The command names of a help text's "Commands:" section. */
function subcommands(path: string[]): Set<string> {
  const section = help(path).split('Commands:')[1] ?? '';
  return new Set([...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((n) => n !== 'help'));
}

/** Every `turtle-sentinel …` invocation written in code (fenced blocks and inline code) of a markdown text. */
function invocations(markdown: string): string[] {
  const code = [
    ...[...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].flatMap((m) => m[1]!.split('\n')),
    ...[...markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!),
  ];
  const found: string[] = [];
  for (const line of code) {
    // `docker exec turtle-sentinel turtle-sentinel status`: the container's name, then the command.
    for (const m of line.matchAll(/(?:^|[\s/])turtle-sentinel((?: (?!turtle-sentinel\b)[a-z][a-z-]*)+)/g)) {
      const rest = line
        .slice(m.index! + m[0].length)
        .split(/\s#|\||;|&&/)[0]!
        .trimEnd();
      found.push(`${m[1]!.trim()}${rest}`);
    }
  }
  return found;
}

const top = subcommands([]);
const GROUPS = new Set(['rules', 'catalogue']);

/** The problems of one invocation (words after `turtle-sentinel`): unknown command or option. */
function checkInvocation(invocation: string): string[] {
  const words = invocation.split(/\s+/).filter((w) => w !== '');
  const command = words[0]!;
  if (!top.has(command)) return [`unknown command: turtle-sentinel ${command}`];
  const path = [command];
  if (GROUPS.has(command)) {
    const sub = words[1];
    if (sub === undefined || sub.startsWith('-') || !subcommands([command]).has(sub))
      return [`unknown command: turtle-sentinel ${command} ${sub ?? ''}`];
    path.push(sub);
  }
  const text = help(path);
  return words
    .filter((w) => /^--?[a-zA-Z]/.test(w))
    .map((w) => w.split('=')[0]!)
    .filter((flag) => !new RegExp(`(^|[\\s,])${flag.replace(/[-]/g, '\\-')}([\\s,]|$)`, 'm').test(text))
    .map((flag) => `turtle-sentinel ${path.join(' ')}: no option ${flag}`);
}

for (const [name, file] of [
  ['guide.en', 'docs/guide.en.md'],
  ['guide.ko', 'docs/guide.ko.md'],
  ['README', 'README.md'],
] as const) {
  test(`${name}: every turtle-sentinel command and option written there exists`, () => {
    const found = invocations(readFileSync(join(REPO, file), 'utf8'));
    assert.ok(found.length >= (name === 'README' ? 5 : 15), `${name}: only ${found.length} commands found; is the parser blind?`);
    assert.deepEqual(found.flatMap(checkInvocation), []);
  });
}

test('the command check itself refuses an unknown command, sub-command and option', () => {
  assert.deepEqual(checkInvocation('rollback --dry-run --strategy git'), []);
  assert.equal(checkInvocation('rolback --dry-run').length, 1);
  assert.equal(checkInvocation('rules tset x.yaml').length, 1);
  assert.equal(checkInvocation('doctor --verbose').length, 1);
  assert.deepEqual(invocations('```sh\ndocker exec turtle-sentinel turtle-sentinel status --json   # comment --nope\n```'), [
    'status --json',
  ]);
});

// ---------------------------------------------------------------------------------------------
// Telegram texts quoted in the guides

/** Catalogue text as an operator reads it: no HTML tags, entities decoded. */
const plain = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/** The guide as an operator reads it: no emphasis or code marks, lines joined as a paragraph joins them. */
const readable = (markdown: string) => markdown.replace(/\*\*/g, '').replace(/`/g, '').replace(/\s+/g, ' ');

for (const [lang, t] of [
  ['en', telegramEn],
  ['ko', telegramKo],
] as const) {
  test(`guide.${lang}: the Telegram texts it quotes are the catalogue's`, () => {
    const text = readable(guide(lang));
    const quoted = [
      t.opened,
      t.resolved,
      t.wouldFire,
      t.warning,
      t.inconclusive,
      t.ruleError,
      t.sourceError('state-files', 3),
      t.versionChanged('v3.2.1', 'v3.2.0'),
      t.releaseUnsure('v3.3.1'),
      t.decisionRequested,
      t.decisionAgain,
      t.againNote,
      t.reminder,
      t.auto,
      t.approved,
      t.approvedNext,
      t.vetoed,
      t.vetoedNext,
      t.expiredVeto,
      t.expiredVetoNext,
      t.expiredRequired,
      t.expiredRequiredNext,
      t.refused,
      ...Object.values(t.refusedReason),
      t.escalation('L1'),
      t.escalation('L2'),
      t.noContact('L1'),
      t.execDeferred,
      t.execRefused,
      t.execStarted,
      t.finishedOk,
      t.finishedFailed,
      t.verifiedOk,
      t.verifiedFailed,
      t.preExisting,
      t.buttons.approve,
      t.buttons.veto,
      t.buttons.details,
      t.buttons.confirm,
      t.buttons.cancel,
      t.press.stale,
      t.press.expired,
      t.notAllowed,
      t.reloadOk(11),
      t.reloadFailed,
    ].map(plain);
    assert.deepEqual(
      quoted.filter((q) => !text.includes(q)),
      [],
      'catalogue texts the guide does not quote exactly',
    );
  });
}

// ---------------------------------------------------------------------------------------------
// `rules test`: the guides' examples run, and the pasted output of the bundled tests is the real one

for (const lang of LANGS) {
  test(`guide.${lang}: every rules-test example passes against the bundled rules`, async () => {
    const examples = [...guide(lang).matchAll(/^```yaml rules-test\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
    assert.ok(examples.length >= 1, 'the guide shows at least one rule test');
    // The examples name their rule files relative to rules/tests/, as a file saved there would.
    const dir = mkdtempSync(join(tmpdir(), 'guide-rules-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    mkdirSync(join(dir, 'rules/tests'), { recursive: true });
    for (const [i, example] of examples.entries()) {
      const file = join(dir, 'rules/tests', `guide-${i}.test.yaml`);
      writeFileSync(file, example);
      const out: string[] = [];
      const result = await runRuleTests([file], (l) => out.push(l), 'en');
      assert.ok(result.ok, `example ${i + 1} does not load: ${'errors' in result ? result.errors.join('; ') : ''}`);
      const cases = (example.match(/^ {2}- name:/gm) ?? []).length;
      assert.equal(result.failed, 0, `example ${i + 1}:\n${out.join('\n')}`);
      assert.equal(result.passed, cases, `example ${i + 1}: every case ran`);
    }
  });

  test(`guide.${lang}: the pasted output of the bundled rule tests is what they print`, async () => {
    const files = readdirSync(join(REPO, 'rules/tests'))
      .filter((f) => f.endsWith('.test.yaml'))
      .sort()
      .map((f) => `rules/tests/${f}`);
    const out: string[] = [];
    const cwd = process.cwd();
    process.chdir(REPO);
    try {
      await runRuleTests(files, (l) => out.push(l), lang);
    } finally {
      process.chdir(cwd);
    }
    assert.ok(guide(lang).includes(out.join('\n')), `guide.${lang} should show:\n${out.join('\n')}`);
  });
}
