// Schema of rule unit-test files (`rules/tests/*.test.yaml`), in the spirit of `promtool test rules`:
// observations with the instants they were made at go in, the firings expected at a given instant come out.
import { z } from 'zod';

const instant = z.iso
  .datetime({ offset: true, message: 'an ISO time with a zone offset, e.g. 2026-02-23T16:00:05+09:00' })
  .transform((s) => Date.parse(s));

const inputSchema = z.union([
  z.strictObject({ at: instant, log: z.string().min(1), lines: z.string() }),
  z.strictObject({ at: instant, file: z.enum(['positions', 'entries', 'orderLog']), content: z.string().nullable() }),
  z.strictObject({
    at: instant,
    container: z.strictObject({
      name: z.string().min(1),
      status: z.enum(['running', 'restarting', 'exited', 'paused', 'created', 'dead', 'removing', 'missing']),
      restart_count: z.number().int().min(0).default(0),
      image_id: z.string().optional(),
    }),
  }),
  z.strictObject({ at: instant, crontab: z.string() }),
  z.strictObject({ at: instant, container_files: z.record(z.string(), z.boolean()) }),
]);

export const ruleTestFileSchema = z.strictObject({
  /** Rule and profile files, relative to the test file. */
  rule_files: z.array(z.string().min(1)).min(1),
  tests: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        /** When the sidecar started watching (fire times before it are never judged). */
        watch_from: instant,
        input: z.array(inputSchema).default([]),
        eval_at: instant,
        expect_firing: z
          .array(z.strictObject({ rule: z.string().min(1), cause: z.string().optional(), label: z.string().optional() }))
          .default([]),
      }),
    )
    .min(1),
});

export type RuleTestFile = z.output<typeof ruleTestFileSchema>;
export type RuleTestInput = z.output<typeof inputSchema>;
