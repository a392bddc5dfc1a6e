// Catalogue entries for tests, built from what a test knows (its replica's own files): a valid
// Release through the real schema, with the fields recognition does not read left at plain defaults.
import { releaseSchema, type Release } from '../../src/config/catalogue-schema.ts';

export interface EntryFacts {
  release: string;
  files: Record<string, string>;
  runner: Release['recognition']['runner'];
  user?: string;
  uid?: number;
  command?: string[];
  crontabPath?: string;
  predecessor?: string;
}

export function releaseEntry(facts: EntryFacts): Release {
  const supercronic = facts.runner === 'supercronic';
  return releaseSchema.parse({
    release: facts.release,
    commit: '0000000',
    date: '2026-03-01',
    ...(facts.predecessor ? { predecessor: facts.predecessor } : {}),
    recognition: {
      files: facts.files,
      runner: facts.runner,
      command: facts.command ?? (supercronic ? ['supercronic', '/app/crontab'] : ['cron', '-f']),
      user: facts.user ?? (supercronic ? 'turtle' : 'root'),
      ...(facts.uid !== undefined ? { uid: facts.uid } : supercronic ? { uid: 1000 } : {}),
    },
    schedule: {
      crontabPath: facts.crontabPath ?? (supercronic ? '/app/crontab' : '/etc/cron.d/turtle-cron'),
      crontabCommand: !supercronic,
      jobs: [],
    },
    logZone: supercronic ? 'Asia/Seoul' : 'UTC',
    profiles: [],
    positions: { required: [], known: [], unknownKeys: 'crash' },
    entries: { required: [], known: [], unknownKeys: 'crash' },
    halt: [{ lever: 'stop-container', stops: ['scheduled-jobs'] }],
    guardLines: [],
    verify: { crontabRuns: [], crontabDoesNotRun: [], files: [] },
  });
}
