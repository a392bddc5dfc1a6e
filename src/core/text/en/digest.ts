// The English daily digest; typed by the Korean one, so a missing key fails to compile. Pure.
import type { DigestText } from '../catalogue.ts';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const digest: DigestText = {
  title: (at: string) => `📰 <b>Daily digest</b> ${at}`,
  allQuiet: '✅ <b>All quiet.</b>',
  notQuiet: (open: number, failing: number) =>
    `⚠️ <b>Not quiet:</b> ${[open > 0 ? `${plural(open, 'open incident', 'open incidents')}` : '', failing > 0 ? `${plural(failing, 'source', 'sources')} not read` : ''].filter((s) => s !== '').join(', ')}.`,
  runsChecked: (runs: number, failed: number, since: string, fromWatchStart: boolean) =>
    `${plural(runs, 'run', 'runs')} checked since ${since}${fromWatchStart ? ' (when watching began)' : ''}${runs === 0 ? '' : failed === 0 ? ', none failed' : `, ${failed} failed`}.`,
  jobRuns: (job: string, runs: number, failed: number) =>
    `• ${job}: ${plural(runs, 'run', 'runs')}${failed > 0 ? ` (${failed} failed)` : ''}`,
  nextRuns: '<b>Next runs</b>',
  noJobs: 'No scheduled job known yet (the crontab has not been read).',
  openIncidents: '<b>Open incidents</b>',
  failingSources: '<b>Sources not read</b>',
  sourceLine: (source: string, error: string, count: number) => `• ${source}: ${error} (${count} in a row)`,
  release: 'release',
  version: 'version',
  late: (due: string) => `⏱ Due at ${due}; sent late (the sidecar was not running then).`,
  more: (n: number) => `… ${n} more line${n === 1 ? '' : 's'}`,
};
