// The words of `turtle-sentinel doctor`, one table per language with the same shape (a missing entry
// fails to compile), and the renderer that lays the findings out as lines. Pure.
import type { Language } from './text/catalogue.ts';
import type { DoctorFinding, DoctorLevel, DoctorReport } from './doctor.ts';
import { doctor as en } from './text/en/doctor.ts';
import { doctor as ko } from './text/ko/doctor.ts';

/** One sentence per finding, typed by the finding's own data. */
export type DoctorText = { [K in DoctorFinding['key']]: (f: Extract<DoctorFinding, { key: K }>) => string } & {
  tag: Record<DoctorLevel, string>;
  changesHead: string;
  verdict: Record<DoctorReport['exitCode'], string>;
};

const TEXT: Record<Language, DoctorText> = { ko, en };

export function doctorText(lang: Language): DoctorText {
  return TEXT[lang];
}

/** The report as the CLI prints it: one tagged line per finding, the config lines to change, the verdict. */
export function renderDoctorReport(report: DoctorReport, lang: Language): string[] {
  const t = TEXT[lang];
  const width = Math.max(...Object.values(t.tag).map((s) => s.length));
  const lines = report.findings.map(({ level, finding }) => `${t.tag[level].padEnd(width)} ${say(t, finding)}`);
  if (report.changes.length > 0) lines.push(t.changesHead, ...report.changes.map((c) => `  ${c.line}`));
  lines.push(t.verdict[report.exitCode]);
  return lines;
}

function say<K extends DoctorFinding['key']>(t: DoctorText, finding: Extract<DoctorFinding, { key: K }>): string {
  return (t[finding.key] as (f: typeof finding) => string)(finding);
}
