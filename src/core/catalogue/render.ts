// The catalogue as YAML text: the same catalogue always gives the same bytes (key order as the schema
// declares it, no line folding, lists of names on one line), so `catalogue check` and code review see
// only real changes. Pure.
import { Document, isScalar, isSeq, visit } from 'yaml';
import type { Catalogue } from '../../config/catalogue-schema.ts';

const HEADER = [
  '# GENERATED FILE: do not edit by hand.',
  '# The release catalogue of turtle-trading: what the sentinel knows about each release (SPEC §3).',
  '# Printed by `turtle-sentinel catalogue build --repo <turtle-trading checkout>` from the release tags',
  '# and rules/releases/annotations.yaml; `turtle-sentinel catalogue check --repo <checkout>` tells',
  '# whether this file still matches. To change an entry, change the annotations and build again.',
];

export function renderCatalogue(catalogue: Catalogue): string {
  // No anchors: two releases with equal lists get two copies, so each entry reads on its own.
  const doc = new Document(catalogue, { aliasDuplicateObjects: false });
  // Lists of plain values (keys, scripts, commands) read best on one line.
  visit(doc, {
    Seq(_, node) {
      if (isSeq(node) && node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return `${HEADER.join('\n')}\n${doc.toString({
    lineWidth: 0,
    flowCollectionPadding: false,
    // Every value quoted: markers such as `=== 체크 완료 ===` and `[CostAnalyzer]` read as the exact text they are.
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'PLAIN',
  })}`;
}
