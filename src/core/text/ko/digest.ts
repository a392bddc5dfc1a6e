// The Korean daily digest (Telegram HTML fragments; the console shows the same text without tags). Its
// shape is the catalogue type every language must fill. Arguments arrive escaped. Pure.

export const digest = {
  title: (at: string) => `📰 <b>일일 요약</b> ${at}`,
  allQuiet: '✅ <b>이상 없음.</b>',
  notQuiet: (open: number, failing: number) =>
    `⚠️ <b>확인 필요:</b> ${[open > 0 ? `열린 인시던트 ${open}건` : '', failing > 0 ? `읽지 못하는 소스 ${failing}개` : ''].filter((s) => s !== '').join(', ')}.`,
  runsChecked: (runs: number, failed: number, since: string, fromWatchStart: boolean) =>
    `${since}${fromWatchStart ? ' (감시 시작)' : ''} 이후 실행 ${runs}건 확인${runs === 0 ? '' : failed === 0 ? ', 실패 없음' : `, 실패 ${failed}건`}.`,
  jobRuns: (job: string, runs: number, failed: number) => `• ${job}: ${runs}건${failed > 0 ? ` (실패 ${failed}건)` : ''}`,
  nextRuns: '<b>다음 실행</b>',
  noJobs: '알려진 예약 작업이 없습니다 (crontab을 아직 읽지 못함).',
  openIncidents: '<b>열린 인시던트</b>',
  failingSources: '<b>읽지 못하는 소스</b>',
  sourceLine: (source: string, error: string, count: number) => `• ${source}: ${error} (연속 ${count}회)`,
  release: '릴리스',
  version: '버전',
  late: (due: string) => `⏱ ${due} 예정분을 늦게 보냅니다 (그 시각에 sidecar가 실행 중이 아니었음).`,
  more: (n: number) => `… 외 ${n}줄`,
};
