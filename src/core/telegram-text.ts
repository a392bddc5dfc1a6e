// Every text an operator reads in Telegram, in Korean (default) and English: HTML parse mode with log
// text escaped, cut to Telegram's 4096-character limit without breaking the markup, and the inline
// buttons whose callback data binds a press to one incident and one plan (nonce). Pure.
import { formatInstant, seenLateLine, type Language } from './messages.ts';
import { formatDuration } from './schedule.ts';
import { stepTimingLines } from './step-timings.ts';
import { closedBecauseText, refusalDetailText, sharedDecisionText } from './decision-text.ts';
import { planSteps } from './plan.ts';
import { appliedText, restartRequiredText } from './reload-text.ts';
import { summaryIn, versionEvidenceIn, warningIn } from './verdict-text.ts';
import { evidenceIn } from './evidence-text.ts';
import type {
  Action,
  Evidence,
  ExecutionReport,
  Incident,
  IncidentPhase,
  Instant,
  Notice,
  OperatorIdentity,
  Severity,
  Verdict,
} from './types.ts';

export type { Language } from './messages.ts';

/** Telegram's limit for a message's text (counted after entity parsing; raw HTML is never shorter). */
export const MESSAGE_LIMIT = 4096;
/** Room left free in messages that carry buttons, for the footer added when their buttons are closed. */
export const FOOTER_RESERVE = 200;
/** Telegram's limit for `callback_data`, in bytes. */
export const CALLBACK_DATA_LIMIT = 64;
/** A single log line longer than this is clipped before anything else, so one line cannot crowd out the rest. */
const LINE_CLIP = 600;
/** Free text from the core (summaries, details, reasons) is clipped to this before it is escaped. */
const FIELD_CLIP = 900;

export interface InlineButton {
  text: string;
  callback_data: string;
}
export type InlineKeyboard = InlineButton[][];

/** One outgoing message: HTML text and, optionally, inline buttons. */
export interface TelegramMessage {
  html: string;
  keyboard?: InlineKeyboard;
}

// ---------------------------------------------------------------------------------------------
// HTML

/** Escape text for Telegram's HTML parse mode (`<`, `>` and `&` are the only characters it requires). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapedLength(ch: string): number {
  return ch === '&' ? 5 : ch === '<' || ch === '>' ? 4 : ch.length;
}

/**
 * The longest prefix of `raw` whose escaped form fits in `max` characters (with `…` appended when cut),
 * escaped. Cuts between code points, so neither an entity nor a surrogate pair is ever split.
 */
export function clipEscaped(raw: string, max: number): string {
  let total = 0;
  for (const ch of raw) total += escapedLength(ch);
  if (total <= max) return escapeHtml(raw);
  if (max < 1) return '';
  let used = 0;
  let out = '';
  for (const ch of raw) {
    const len = escapedLength(ch);
    if (used + len > max - 1) break;
    out += ch;
    used += len;
  }
  return escapeHtml(out) + '…';
}

/** Plain text clipped to `max` code units (for callback answers, which are not parsed as HTML). */
function clipPlain(raw: string, max: number): string {
  if (raw.length <= max) return raw;
  let out = '';
  for (const ch of raw) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out + '…';
}

const code = (raw: string) => `<code>${clipEscaped(raw, 200)}</code>`;
const field = (raw: string) => clipEscaped(raw, FIELD_CLIP);

// ---------------------------------------------------------------------------------------------
// Fitting a message into the limit

/**
 * A message is a sequence of blocks joined by newlines. `html` blocks are kept whole (they are built
 * from clipped fields, so they are bounded); `lines` blocks hold text lines that are dropped from the
 * end (with a "+N more" line) until the whole message fits. Lines are raw text (escaped and clipped
 * here) unless `isHtml`, when each line is already balanced HTML and is kept or dropped whole. Tags
 * are only ever added around whole blocks or lines, so a cut can never leave one open.
 */
export type Block =
  { kind: 'html'; html: string } | { kind: 'lines'; lines: string[]; pre: boolean; more: (hidden: number) => string; isHtml?: boolean };

export const html = (text: string): Block => ({ kind: 'html', html: text });

function renderLines(lines: string[], pre: boolean): string {
  const body = lines.join('\n');
  return pre ? `<pre>${body}</pre>` : body;
}

/** Join blocks into one message of at most `limit` characters. */
export function fitBlocks(blocks: Block[], limit: number = MESSAGE_LIMIT): string {
  const fixed = blocks.reduce((n, b) => n + (b.kind === 'html' ? b.html.length : 0), 0) + Math.max(0, blocks.length - 1);
  let budget = limit - fixed;
  const parts: string[] = [];
  for (const block of blocks) {
    if (block.kind === 'html') {
      parts.push(block.html);
      continue;
    }
    const text = fitLines(block, budget);
    parts.push(text);
    budget -= text.length;
  }
  const joined = parts.filter((p, i) => p !== '' || blocks[i]?.kind === 'html').join('\n');
  // Defensive: html blocks are bounded by construction, but an absurd input must still not produce an
  // over-long message. Cut at a line boundary that is outside any <pre>.
  return joined.length <= limit ? joined : hardCut(joined, limit);
}

/** The longest head of a lines block that fits in `budget` with its "+N more" line ('' if nothing fits). */
function fitLines(block: Extract<Block, { kind: 'lines' }>, budget: number): string {
  const lines = block.isHtml ? block.lines : block.lines.map((l) => clipEscaped(l, LINE_CLIP));
  const wrap = block.pre ? 11 : 0; // <pre></pre>
  // rendered(k) = wrap + sum of the first k line lengths + (k - 1) newlines
  const prefix = [0];
  for (const line of lines) prefix.push(prefix[prefix.length - 1]! + line.length);
  const rendered = (k: number) => wrap + prefix[k]! + (k - 1);
  if (lines.length === 0) return '';
  if (rendered(lines.length) <= budget) return renderLines(lines, block.pre);
  for (let kept = lines.length - 1; kept >= 1; kept--) {
    const more = block.more(lines.length - kept);
    if (rendered(kept) + 1 + more.length <= budget) return renderLines(lines.slice(0, kept), block.pre) + '\n' + more;
  }
  const more = block.more(lines.length - 1);
  if (!block.isHtml) {
    // Not even one whole line fits: show the start of the first one.
    const first = clipEscaped(block.lines[0]!, Math.min(LINE_CLIP, budget - wrap - 1 - more.length));
    if (first.length > 0) return renderLines([first], block.pre) + '\n' + more;
  }
  const all = block.more(lines.length);
  return all.length <= budget ? all : '';
}

function hardCut(text: string, limit: number): string {
  const count = (s: string, tag: string) => s.split(tag).length - 1;
  // Tags other than <pre> never span lines here, so a line boundary outside <pre> is a safe cut.
  let cut = text.lastIndexOf('\n', limit - 2);
  while (cut > 0) {
    const prefix = text.slice(0, cut);
    if (count(prefix, '<pre>') === count(prefix, '</pre>')) return prefix + '\n…';
    cut = text.lastIndexOf('\n', cut - 1);
  }
  return '…';
}

// ---------------------------------------------------------------------------------------------
// Words

const T = {
  ko: {
    severity: { info: '정보', warning: '경고', critical: '심각' } satisfies Record<Severity, string>,
    action: {
      notify: '알림',
      escalate: '에스컬레이션',
      halt: '거래 중단 (cron 컨테이너 정지)',
      rollback: '롤백',
      resume: '거래 재개 (cron 컨테이너 시작)',
    } satisfies Record<Action | 'resume', string>,
    phase: {
      detected: '감지됨',
      'awaiting-decision': '결정 대기',
      approved: '승인됨',
      vetoed: '거부됨',
      expired: '기한 만료',
      running: '실행 중',
      verified: '검증됨 (다음 실행 관찰 중)',
      failed: '실패',
      resolved: '해소됨',
      escalated: '에스컬레이션됨',
    } satisfies Record<IncidentPhase, string>,
    manual: { rollback: '수동 롤백', halt: '거래 중단 (cron 컨테이너 정지)', resume: '거래 재개 (cron 컨테이너 시작)' },
    rule: '규칙',
    label: '유형',
    action_: '조치',
    evidence: '근거',
    more: (n: number) => `… 외 ${n}줄 (🔎 세부 정보)`,
    moreSteps: (n: number) => `… 외 ${n}단계 (🔎 세부 정보)`,
    opened: '🚨 <b>인시던트 열림</b>',
    resolved: '✅ <b>인시던트 해소</b>',
    wouldFire: '🧪 <b>dry-run: 실제였다면 발동했을 규칙</b>',
    warning: '⚠️ <b>경고</b>',
    inconclusive: '❓ <b>판단 불가 (확인 필요)</b>',
    since: '시작',
    ruleError: '🛠 <b>규칙 평가 오류</b>',
    sourceError: (source: string, count: number) => `🛠 <b>소스 읽기 오류</b>: ${code(source)} (연속 ${count}회)`,
    versionChanged: (from: string, to: string) => `🔁 <b>배포 버전 변경</b>: ${escapeHtml(from)} → ${escapeHtml(to)}`,
    decisionRequested: '🗳 <b>결정 요청</b>',
    decisionAgain: '🗳 <b>결정 요청 (재공지)</b>',
    againNote: '↻ 재시작 후 다시 알립니다. 이전 버튼은 더 이상 유효하지 않습니다.',
    reminder: '⏰ <b>결정 알림</b>',
    plan: (id: string, strategy?: string) => `계획 ${code(id)}${strategy ? ` (${escapeHtml(strategy)})` : ''}:`,
    noPlan: '계획: 아직 준비되지 않았습니다.',
    targetImage: '대상 이미지',
    vetoWindow: (at: string) => `⏳ ${at} 까지 거부하지 않으면 실행됩니다. 지금 실행하려면 승인을 누르세요.`,
    required: (at: string) => `⏳ 승인이 필요합니다. 기한: ${at} (기한이 지나면 에스컬레이션)`,
    auto: '⚙️ 자동 실행 정책: 승인 없이 실행됩니다.',
    deferred: (at: string) => `⏸ 작업이 실행 중입니다. 끝나거나 ${at} 이 될 때까지 실행을 미룹니다.`,
    approved: '✅ <b>승인됨</b>',
    approvedNext: '계획을 실행합니다.',
    vetoed: '⛔ <b>거부됨</b>',
    vetoedNext: '실행하지 않습니다.',
    expiredVeto: '⌛ <b>거부 기한 만료</b>',
    expiredVetoNext: '거부가 없어 계획을 실행합니다.',
    expiredRequired: '⌛ <b>승인 기한 만료</b>',
    expiredRequiredNext: '승인이 없어 실행하지 않습니다.',
    reason: '사유',
    refused: '🚫 <b>요청 거부</b>',
    refusedWhy: '이유',
    refusedReason: {
      'not-allowed': '허용 목록에 없는 사용자입니다.',
      'unknown-incident': '알 수 없는 인시던트입니다.',
      stale: '오래된 버튼입니다 (계획이 바뀌었거나 이미 결정되었습니다).',
      expired: '만료된 요청입니다.',
      'not-awaiting': '결정을 기다리는 인시던트가 아닙니다.',
      blocked: '안전 장치가 막았습니다.',
    } satisfies Record<Extract<Notice, { kind: 'decision-refused' }>['reason'], string>,
    escalation: (level: string) => `📣 <b>에스컬레이션 ${level}</b>`,
    contact: '연락',
    broker: '증권사',
    noContact: (level: string) => `연락처가 설정되지 않았습니다 (escalation.contacts.${level.toLowerCase()}).`,
    execDeferred: '⏸ <b>실행 보류</b>',
    retryAt: '다시 시도',
    execRefused: '🚫 <b>실행 거부</b>',
    execStarted: '▶️ <b>실행 시작</b>',
    planWord: '계획',
    stepOk: (name: string) => `✔️ 단계 ${code(name)}`,
    stepFailed: (name: string) => `❌ 단계 ${code(name)} 실패`,
    finishedOk: '✅ <b>실행 완료</b>',
    finishedFailed: '❌ <b>실행 실패</b>',
    image: '이미지',
    verifiedOk: '🔍 <b>검증 통과</b>',
    verifiedFailed: '🔍 <b>검증 실패</b>',
    preExisting: '이전부터 있던 문제',
    buttons: { approve: '✅ 승인', veto: '⛔ 거부', details: '🔎 세부 정보', confirm: '✅ 확인', cancel: '✖️ 취소' },
    footer: {
      approved: (who: string) => `— 승인됨: ${who}`,
      vetoed: (who: string) => `— 거부됨: ${who}`,
      expired: '— 기한 만료',
      superseded: '— 새 알림으로 대체되었습니다',
      confirmed: (who: string) => `— 확인됨: ${who}`,
      cancelled: '— 취소됨',
      confirmExpired: '— 확인 시간 초과',
    },
    details: (id: string, part: number, parts: number) => `🔎 <b>세부 정보</b> ${escapeHtml(id)}${parts > 1 ? ` (${part}/${parts})` : ''}`,
    detailsOpened: '열림',
    detailsPhase: '상태',
    detailsHistory: '경과',
    detailsOmitted: (n: number) => `… 외 ${n}줄 생략`,
    unknownIncident: (id: string) => `알 수 없는 인시던트입니다: ${escapeHtml(id)}`,
    cli: 'CLI',
    reloadOk: (n: number) => `🔄 규칙을 다시 읽었습니다: 규칙 ${n}개`,
    reloadFailed: '⚠️ 새 규칙을 읽지 못했습니다. 이전 규칙을 그대로 씁니다:',
    reloadUnavailable: '⚠️ 이 실행에서는 /reload 를 쓸 수 없습니다.',
    reloading: '🔄 규칙을 다시 읽는 중입니다…',
  },
  en: {
    severity: { info: 'info', warning: 'warning', critical: 'critical' } satisfies Record<Severity, string>,
    action: {
      notify: 'notify',
      escalate: 'escalate',
      halt: 'halt trading (stop the cron container)',
      rollback: 'rollback',
      resume: 'resume trading (start the cron container)',
    } satisfies Record<Action | 'resume', string>,
    phase: {
      detected: 'detected',
      'awaiting-decision': 'awaiting decision',
      approved: 'approved',
      vetoed: 'vetoed',
      expired: 'expired',
      running: 'running',
      verified: 'verified (watching the next runs)',
      failed: 'failed',
      resolved: 'resolved',
      escalated: 'escalated',
    } satisfies Record<IncidentPhase, string>,
    manual: {
      rollback: 'manual rollback',
      halt: 'halt trading (stop the cron container)',
      resume: 'resume trading (start the cron container)',
    },
    rule: 'rule',
    label: 'case',
    action_: 'action',
    evidence: 'evidence',
    more: (n: number) => `… ${n} more line${n === 1 ? '' : 's'} (🔎 Details)`,
    moreSteps: (n: number) => `… ${n} more step${n === 1 ? '' : 's'} (🔎 Details)`,
    opened: '🚨 <b>Incident opened</b>',
    resolved: '✅ <b>Incident resolved</b>',
    wouldFire: '🧪 <b>dry-run: this rule would have fired</b>',
    warning: '⚠️ <b>Warning</b>',
    inconclusive: '❓ <b>Inconclusive (please check)</b>',
    since: 'since',
    ruleError: '🛠 <b>Rule evaluation error</b>',
    sourceError: (source: string, count: number) => `🛠 <b>Source read error</b>: ${code(source)} (${count} in a row)`,
    versionChanged: (from: string, to: string) => `🔁 <b>Deployed version changed</b>: ${escapeHtml(from)} → ${escapeHtml(to)}`,
    decisionRequested: '🗳 <b>Decision needed</b>',
    decisionAgain: '🗳 <b>Decision needed (again)</b>',
    againNote: '↻ Announced again after a restart. Earlier buttons are no longer valid.',
    reminder: '⏰ <b>Decision reminder</b>',
    plan: (id: string, strategy?: string) => `plan ${code(id)}${strategy ? ` (${escapeHtml(strategy)})` : ''}:`,
    noPlan: 'plan: not ready yet.',
    targetImage: 'target image',
    vetoWindow: (at: string) => `⏳ Runs at ${at} unless vetoed. Approve to run it now.`,
    required: (at: string) => `⏳ Approval required by ${at} (escalates after that).`,
    auto: '⚙️ Automatic policy: runs without approval.',
    deferred: (at: string) => `⏸ A job is running: acting waits until it ends or until ${at}.`,
    approved: '✅ <b>Approved</b>',
    approvedNext: 'The plan runs now.',
    vetoed: '⛔ <b>Vetoed</b>',
    vetoedNext: 'Nothing runs.',
    expiredVeto: '⌛ <b>Veto window over</b>',
    expiredVetoNext: 'No veto came: the plan runs now.',
    expiredRequired: '⌛ <b>Approval deadline passed</b>',
    expiredRequiredNext: 'No approval came: nothing runs.',
    reason: 'reason',
    refused: '🚫 <b>Request refused</b>',
    refusedWhy: 'why',
    refusedReason: {
      'not-allowed': 'the user is not on the allow-list.',
      'unknown-incident': 'unknown incident.',
      stale: 'stale button (the plan changed or a decision was already made).',
      expired: 'the request has expired.',
      'not-awaiting': 'the incident is not awaiting a decision.',
      blocked: 'blocked by a safety gate.',
    } satisfies Record<Extract<Notice, { kind: 'decision-refused' }>['reason'], string>,
    escalation: (level: string) => `📣 <b>Escalation ${level}</b>`,
    contact: 'contact',
    broker: 'broker',
    noContact: (level: string) => `No contact configured (escalation.contacts.${level.toLowerCase()}).`,
    execDeferred: '⏸ <b>Execution deferred</b>',
    retryAt: 'retry at',
    execRefused: '🚫 <b>Execution refused</b>',
    execStarted: '▶️ <b>Execution started</b>',
    planWord: 'plan',
    stepOk: (name: string) => `✔️ step ${code(name)}`,
    stepFailed: (name: string) => `❌ step ${code(name)} failed`,
    finishedOk: '✅ <b>Execution finished</b>',
    finishedFailed: '❌ <b>Execution failed</b>',
    image: 'image',
    verifiedOk: '🔍 <b>Verification passed</b>',
    verifiedFailed: '🔍 <b>Verification failed</b>',
    preExisting: 'already failing before',
    buttons: { approve: '✅ Approve', veto: '⛔ Veto', details: '🔎 Details', confirm: '✅ Confirm', cancel: '✖️ Cancel' },
    footer: {
      approved: (who: string) => `— approved by ${who}`,
      vetoed: (who: string) => `— vetoed by ${who}`,
      expired: '— deadline passed',
      superseded: '— replaced by a newer message',
      confirmed: (who: string) => `— confirmed by ${who}`,
      cancelled: '— cancelled',
      confirmExpired: '— confirmation timed out',
    },
    details: (id: string, part: number, parts: number) => `🔎 <b>Details</b> ${escapeHtml(id)}${parts > 1 ? ` (${part}/${parts})` : ''}`,
    detailsOpened: 'opened',
    detailsPhase: 'phase',
    detailsHistory: 'history',
    detailsOmitted: (n: number) => `… ${n} more line${n === 1 ? '' : 's'} omitted`,
    unknownIncident: (id: string) => `Unknown incident: ${escapeHtml(id)}`,
    cli: 'CLI',
    reloadOk: (n: number) => `🔄 Rules reloaded: ${n} rule${n === 1 ? '' : 's'}`,
    reloadFailed: '⚠️ The new rules do not load; the last good rules stay in force:',
    reloadUnavailable: '⚠️ /reload is not available in this run.',
    reloading: '🔄 Reloading the rules…',
  },
} as const;

export function severityWord(lang: Language, severity: Severity): string {
  return T[lang].severity[severity];
}
export function phaseWord(lang: Language, phase: IncidentPhase): string {
  return T[lang].phase[phase];
}
export function actionWord(lang: Language, action: Action): string {
  return T[lang].action[action];
}

/** `운영자 (111)`, `111`, or `CLI`: who did something, escaped. */
export function whoText(lang: Language, by: OperatorIdentity | undefined): string {
  if (!by) return '?';
  if (by.channel === 'cli') return by.name ? `${escapeHtml(clipPlain(by.name, 64))} (${T[lang].cli})` : T[lang].cli;
  const id = by.userId !== undefined ? String(by.userId) : '?';
  return by.name ? `${escapeHtml(clipPlain(by.name, 64))} (${id})` : id;
}

// ---------------------------------------------------------------------------------------------
// Callback data: `<op>:<incidentId>:<nonce>` for decisions, `c:<action>:<nonce>` / `x:<nonce>` for confirmations

/** What an incident id may look like in a button or a command (short, so callback data stays in 64 bytes). */
export const INCIDENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,23}$/;
/** Nonces the core issues must match this (22 characters of base64url = 128 random bits fits). */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{4,32}$/;
const ID = INCIDENT_ID_PATTERN;
const NONCE = NONCE_PATTERN;
const MANUAL_CODES = { rollback: 'r', halt: 'h', resume: 's' } as const;
type ManualAction = keyof typeof MANUAL_CODES;

export type CallbackAction =
  | { kind: 'decision'; op: 'approve' | 'veto' | 'details'; incidentId: string; nonce: string }
  | { kind: 'confirm'; action: ManualAction; nonce: string }
  | { kind: 'cancel'; nonce: string };

const OP_CODES = { approve: 'a', veto: 'v', details: 'd' } as const;

/** Callback data for a button, or an error when the ids do not fit Telegram's 64-byte limit. */
export function encodeCallbackData(action: CallbackAction): { ok: true; data: string } | { ok: false; error: string } {
  let data: string;
  switch (action.kind) {
    case 'decision':
      if (!ID.test(action.incidentId))
        return { ok: false, error: `incident id not usable in a button: ${JSON.stringify(action.incidentId)}` };
      if (!NONCE.test(action.nonce)) return { ok: false, error: 'nonce not usable in a button (4-32 characters of [A-Za-z0-9_-])' };
      data = `${OP_CODES[action.op]}:${action.incidentId}:${action.nonce}`;
      break;
    case 'confirm':
      if (!NONCE.test(action.nonce)) return { ok: false, error: 'nonce not usable in a button' };
      data = `c:${MANUAL_CODES[action.action]}:${action.nonce}`;
      break;
    case 'cancel':
      if (!NONCE.test(action.nonce)) return { ok: false, error: 'nonce not usable in a button' };
      data = `x:${action.nonce}`;
      break;
  }
  // The patterns keep data ASCII, so characters are bytes; the check stays in case they are widened.
  if (new TextEncoder().encode(data).length > CALLBACK_DATA_LIMIT)
    return { ok: false, error: `callback data longer than ${CALLBACK_DATA_LIMIT} bytes` };
  return { ok: true, data };
}

/** Parse a press's callback data; anything that is not exactly what we send is `malformed`. */
export function parseCallbackData(data: string | undefined): { ok: true; action: CallbackAction } | { ok: false; error: 'malformed' } {
  if (typeof data !== 'string' || data.length > CALLBACK_DATA_LIMIT) return { ok: false, error: 'malformed' };
  const parts = data.split(':');
  const [op, a, b] = parts;
  if (parts.length === 3 && (op === 'a' || op === 'v' || op === 'd') && ID.test(a!) && NONCE.test(b!)) {
    const name = op === 'a' ? 'approve' : op === 'v' ? 'veto' : 'details';
    return { ok: true, action: { kind: 'decision', op: name, incidentId: a!, nonce: b! } };
  }
  if (parts.length === 3 && op === 'c' && NONCE.test(b!)) {
    const action = (Object.keys(MANUAL_CODES) as ManualAction[]).find((k) => MANUAL_CODES[k] === a);
    if (action) return { ok: true, action: { kind: 'confirm', action, nonce: b! } };
  }
  if (parts.length === 2 && op === 'x' && NONCE.test(a!)) return { ok: true, action: { kind: 'cancel', nonce: a! } };
  return { ok: false, error: 'malformed' };
}

function decisionKeyboard(lang: Language, incident: Incident): InlineKeyboard | undefined {
  const nonce = incident.decision?.nonce;
  if (nonce === undefined) return undefined;
  const b = T[lang].buttons;
  const row: InlineButton[] = [];
  const ops: ['approve' | 'veto' | 'details', string][] = [
    ['approve', b.approve],
    ['veto', b.veto],
    ['details', b.details],
  ];
  for (const [op, text] of ops) {
    const data = encodeCallbackData({ kind: 'decision', op, incidentId: incident.id, nonce });
    // Without valid data there is no safe button: the operator still has /approve and /veto.
    if (!data.ok) return undefined;
    row.push({ text, callback_data: data.data });
  }
  return [row];
}

// ---------------------------------------------------------------------------------------------
// Notices

function evidenceLine(lang: Language, e: Evidence, tz: string): string {
  const where = e.file ?? e.path;
  const when = e.at !== undefined ? `[${formatInstant(e.at, tz)}] ` : '';
  return `${when}${where ? `${where}: ` : ''}${evidenceIn(lang, e)}`;
}

function evidenceBlocks(lang: Language, evidence: Evidence[], tz: string): Block[] {
  if (evidence.length === 0) return [];
  const t = T[lang];
  // Multi-line evidence (a traceback excerpt) becomes several lines, each cut on its own.
  const lines = evidence.flatMap((e) => evidenceLine(lang, e, tz).split('\n'));
  return [html(`${t.evidence}:`), { kind: 'lines', lines, pre: true, more: (n) => escapeHtml(t.more(n)) }];
}

function ruleLine(lang: Language, ruleId: string, label?: string, severity?: Severity): string {
  const t = T[lang];
  return `${t.rule}: ${code(ruleId)}${label ? ` (${t.label}: ${escapeHtml(clipPlain(label, 100))})` : ''}${severity ? ` [${t.severity[severity]}]` : ''}`;
}

function incidentTitle(title: string, incident: Incident, lang: Language, withSeverity: boolean): string {
  return `${title} ${escapeHtml(incident.id)}${withSeverity ? ` [${T[lang].severity[incident.severity]}]` : ''}`;
}

function incidentAction(incident: Incident, lang: Language): string {
  return incident.plan ? T[lang].action[incident.plan.action] : T[lang].action[incident.action];
}

function deadlineLines(lang: Language, incident: Incident, tz: string): string[] {
  const t = T[lang];
  const d = incident.decision;
  if (!d) return [];
  const lines: string[] = [];
  if (d.policy === 'veto-window') lines.push(t.vetoWindow(formatInstant(d.deadline, tz)));
  else if (d.policy === 'required') lines.push(t.required(formatInstant(d.deadline, tz)));
  else lines.push(t.auto);
  if (d.deferredUntil !== undefined) lines.push(t.deferred(formatInstant(d.deferredUntil, tz)));
  return lines;
}

function planBlocks(lang: Language, incident: Incident): Block[] {
  const t = T[lang];
  const plan = incident.plan;
  if (!plan) return [html(t.noPlan)];
  const blocks: Block[] = [html(t.plan(plan.id, plan.strategy))];
  blocks.push({
    kind: 'lines',
    lines: planSteps(plan, lang).map((s, i) => `${i + 1}. ${s}`),
    pre: true,
    more: (n) => escapeHtml(t.moreSteps(n)),
  });
  if (plan.targetImageId) blocks.push(html(`${t.targetImage}: ${code(plan.targetImageId)}`));
  return blocks;
}

function decisionMessage(lang: Language, incident: Incident, tz: string, title: string, extra: string[]): TelegramMessage {
  const blocks: Block[] = [
    html(`${title} ${escapeHtml(incident.id)}: ${escapeHtml(incidentAction(incident, lang))}`),
    html(ruleLine(lang, incident.ruleId, incident.label, incident.severity)),
    html(field(summaryIn(lang, incident))),
    ...extra.map(html),
    ...planBlocks(lang, incident),
    ...deadlineLines(lang, incident, tz).map(html),
    ...evidenceBlocks(lang, incident.evidence, tz),
  ];
  const keyboard = incident.decision && incident.decision.policy !== 'auto' ? decisionKeyboard(lang, incident) : undefined;
  // Messages with buttons keep room for the footer that replaces the buttons once decided.
  const text = fitBlocks(blocks, keyboard ? MESSAGE_LIMIT - FOOTER_RESERVE : MESSAGE_LIMIT);
  return keyboard ? { html: text, keyboard } : { html: text };
}

function verdictMessage(lang: Language, title: string, verdict: Verdict, tz: string, text: string, extra: string[] = []): TelegramMessage {
  return {
    html: fitBlocks([
      html(title),
      html(ruleLine(lang, verdict.ruleId, verdict.label)),
      html(field(text)),
      ...extra.map(html),
      ...evidenceBlocks(lang, verdict.evidence, tz),
    ]),
  };
}

export interface RenderOptions {
  timeZone: string;
  /** Escalation contacts (runbook §5.2), from `escalation.contacts`. */
  contacts?: {
    l1?: Contact | undefined;
    l2?: Contact | undefined;
    broker?: Contact | undefined;
  };
}
export interface Contact {
  name: string;
  telegram?: string | undefined;
  phone?: string | undefined;
}

function contactText(c: Contact): string {
  return [escapeHtml(clipPlain(c.name, 80)), c.telegram ? escapeHtml(c.telegram) : '', c.phone ? escapeHtml(clipPlain(c.phone, 40)) : '']
    .filter((s) => s !== '')
    .join(' ');
}

/** The message for a notice. Every notice kind renders; buttons only where a decision is pending. */
export function renderTelegramNotice(notice: Notice, lang: Language, options: RenderOptions): TelegramMessage {
  const message = renderNoticeMessage(notice, lang, options);
  if (!notice.late) return message;
  // Notices about lines read late say so first; a message already at the limit keeps its evidence instead.
  const late = `<i>${escapeHtml(seenLateLine(lang))}</i>\n`;
  return late.length + message.html.length <= MESSAGE_LIMIT ? { ...message, html: late + message.html } : message;
}

function renderNoticeMessage(notice: Notice, lang: Language, options: RenderOptions): TelegramMessage {
  const t = T[lang];
  const tz = options.timeZone;
  switch (notice.kind) {
    case 'incident-opened': {
      const i = notice.incident;
      return {
        html: fitBlocks([
          html(incidentTitle(t.opened, i, lang, true)),
          html(ruleLine(lang, i.ruleId, i.label)),
          html(field(summaryIn(lang, i))),
          html(`${t.action_}: ${escapeHtml(t.action[i.action])}`),
          ...(i.decisionOf ? [html(field(sharedDecisionText(lang, i.decisionOf)))] : []),
          ...evidenceBlocks(lang, i.evidence, tz),
        ]),
      };
    }
    case 'incident-resolved': {
      const i = notice.incident;
      const why = notice.why ? [html(field(closedBecauseText(lang, notice.why)))] : [];
      return {
        html: fitBlocks([
          html(incidentTitle(t.resolved, i, lang, false)),
          html(ruleLine(lang, i.ruleId, i.label)),
          html(field(summaryIn(lang, i))),
          ...why,
        ]),
      };
    }
    case 'would-fire':
      return verdictMessage(lang, t.wouldFire, notice.verdict, tz, summaryIn(lang, notice.verdict));
    case 'warning':
      return verdictMessage(lang, t.warning, notice.verdict, tz, warningIn(lang, notice.verdict) ?? summaryIn(lang, notice.verdict));
    case 'inconclusive':
      return verdictMessage(lang, t.inconclusive, notice.verdict, tz, summaryIn(lang, notice.verdict), [
        `${t.since}: ${formatInstant(notice.since, tz)}`,
      ]);
    case 'rule-error':
      return verdictMessage(lang, t.ruleError, notice.verdict, tz, summaryIn(lang, notice.verdict));
    case 'source-error':
      return {
        html: fitBlocks([
          html(t.sourceError(notice.source, notice.count)),
          { kind: 'lines', lines: notice.message.split('\n'), pre: true, more: (n) => escapeHtml(t.more(n)) },
        ]),
      };
    case 'version-changed':
      return {
        html: fitBlocks([
          html(t.versionChanged(notice.from.version, notice.to.version)),
          { kind: 'lines', lines: versionEvidenceIn(lang, notice.to), pre: true, more: (n) => escapeHtml(t.more(n)) },
        ]),
      };
    case 'decision-requested':
      return decisionMessage(
        lang,
        notice.incident,
        tz,
        notice.again ? t.decisionAgain : t.decisionRequested,
        notice.again ? [t.againNote] : [],
      );
    case 'decision-reminder':
      return decisionMessage(lang, notice.incident, tz, t.reminder, []);
    case 'decision-recorded': {
      const i = notice.incident;
      const head = (title: string) => `${title} ${escapeHtml(i.id)}: ${escapeHtml(incidentAction(i, lang))}`;
      const who = notice.by ? ` — ${whoText(lang, notice.by)}` : '';
      const reason = notice.reason ? [`${t.reason}: ${field(notice.reason)}`] : [];
      switch (notice.decision) {
        case 'approved':
          return { html: [head(t.approved) + who, t.approvedNext].join('\n') };
        case 'vetoed':
          return { html: [head(t.vetoed) + who, ...reason, t.vetoedNext].join('\n') };
        case 'expired':
          return i.decision?.policy === 'veto-window'
            ? { html: [head(t.expiredVeto), t.expiredVetoNext].join('\n') }
            : { html: [head(t.expiredRequired), ...reason, t.expiredRequiredNext].join('\n') };
      }
    }
    case 'decision-refused': {
      const title = `${t.refused}${notice.incidentId ? ` ${escapeHtml(notice.incidentId)}` : ''} — ${whoText(lang, notice.by)}`;
      const lines = [title, `${t.refusedWhy}: ${t.refusedReason[notice.reason]}`];
      const detail = notice.detailMessage ? refusalDetailText(lang, notice.detailMessage) : notice.detail;
      if (detail) lines.push(field(detail));
      return { html: lines.join('\n') };
    }
    case 'escalation': {
      const i = notice.incident;
      const level = notice.level;
      const contact = level === 'L1' ? options.contacts?.l1 : options.contacts?.l2;
      const contactLine = contact ? `${t.contact}: ${contactText(contact)}` : t.noContact(level);
      const broker = level === 'L2' && options.contacts?.broker ? [`${t.broker}: ${contactText(options.contacts.broker)}`] : [];
      return {
        html: fitBlocks([
          html(incidentTitle(t.escalation(level), i, lang, true)),
          html(field(summaryIn(lang, { summary: notice.why, ...(notice.reason ? { message: notice.reason } : {}) }))),
          html(ruleLine(lang, i.ruleId, i.label)),
          html(field(summaryIn(lang, i))),
          html(contactLine),
          ...broker.map(html),
          ...evidenceBlocks(lang, i.evidence, tz),
        ]),
      };
    }
    case 'execution-update':
      return { html: executionText(lang, notice.incident, notice.report, tz) };
  }
}

function executionText(lang: Language, incident: Incident, report: ExecutionReport, tz: string): string {
  const t = T[lang];
  const id = escapeHtml(incident.id);
  switch (report.kind) {
    case 'deferred':
      return `${t.execDeferred} ${id}: ${field(report.reason)}\n${t.retryAt}: ${formatInstant(report.retryAt, tz)}`;
    case 'refused':
      return `${t.execRefused} ${id}: ${field(report.reason)}`;
    case 'started':
      return `${t.execStarted} ${id}: ${escapeHtml(incidentAction(incident, lang))} (${t.planWord} ${code(report.planId)})`;
    case 'step':
      return `${report.ok ? t.stepOk(report.name) : t.stepFailed(report.name)} (${id}): ${field(report.detail)}`;
    case 'finished': {
      const lines = [`${report.ok ? t.finishedOk : t.finishedFailed} ${id}: ${field(report.detail)}`];
      if (report.targetImageId) lines.push(`${t.image}: ${code(report.targetImageId)}`);
      return [...lines, ...stepTimingLines(lang, report.steps, code)].join('\n');
    }
    case 'verified': {
      const lines = [`${report.ok ? t.verifiedOk : t.verifiedFailed} ${id}: ${field(report.detail)}`];
      if (report.preExisting.length > 0) lines.push(`${t.preExisting}: ${field(report.preExisting.join(', '))}`);
      return [...lines, ...stepTimingLines(lang, report.steps, code)].join('\n');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Footers: what replaces a message's buttons once they are no longer valid

export type FooterKind =
  | { kind: 'approved'; by?: OperatorIdentity }
  | { kind: 'vetoed'; by?: OperatorIdentity }
  | { kind: 'expired' }
  | { kind: 'superseded' }
  | { kind: 'confirmed'; by?: OperatorIdentity }
  | { kind: 'cancelled' }
  | { kind: 'confirm-expired' };

/** One line (HTML, at most FOOTER_RESERVE - 2 characters) appended to a message whose buttons are closed. */
export function footerText(lang: Language, footer: FooterKind): string {
  const f = T[lang].footer;
  let text: string;
  switch (footer.kind) {
    case 'approved':
      text = f.approved(whoText(lang, footer.by));
      break;
    case 'vetoed':
      text = f.vetoed(whoText(lang, footer.by));
      break;
    case 'expired':
      text = f.expired;
      break;
    case 'superseded':
      text = f.superseded;
      break;
    case 'confirmed':
      text = f.confirmed(whoText(lang, footer.by));
      break;
    case 'cancelled':
      text = f.cancelled;
      break;
    case 'confirm-expired':
      text = f.confirmExpired;
      break;
  }
  return `<i>${text}</i>`;
}

// ---------------------------------------------------------------------------------------------
// Details (on demand): everything about one incident, split over as many messages as it needs

const DETAILS_MAX_MESSAGES = 4;

export function renderIncidentDetails(incident: Incident, lang: Language, timeZone: string): string[] {
  const t = T[lang];
  const head = [
    `${t.rule}: ${code(incident.ruleId)}${incident.label ? ` (${t.label}: ${escapeHtml(clipPlain(incident.label, 100))})` : ''} [${t.severity[incident.severity]}]`,
    `${t.detailsPhase}: ${t.phase[incident.phase]}; ${t.detailsOpened}: ${formatInstant(incident.openedAt, timeZone)}`,
    field(summaryIn(lang, incident)),
  ];
  const lines: string[] = [];
  if (incident.plan) {
    lines.push(`${t.planWord} ${incident.plan.id}${incident.plan.strategy ? ` (${incident.plan.strategy})` : ''}:`);
    planSteps(incident.plan, lang).forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
    if (incident.plan.targetImageId) lines.push(`  ${t.targetImage}: ${incident.plan.targetImageId}`);
  }
  lines.push(`${t.evidence}:`);
  for (const e of incident.evidence)
    lines.push(
      ...evidenceLine(lang, e, timeZone)
        .split('\n')
        .map((l) => `  ${l}`),
    );
  lines.push(`${t.detailsHistory}:`);
  for (const h of incident.history) lines.push(`  ${formatInstant(h.at, timeZone)} ${t.phase[h.phase]}: ${h.note}`);

  // Greedy packing into messages; each message is its own balanced <pre>.
  const escaped = lines.map((l) => clipEscaped(l, LINE_CLIP));
  const titleRoom = 80;
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = head.join('\n').length + titleRoom;
  for (const line of escaped) {
    if (size + line.length + 1 > MESSAGE_LIMIT - 11 - 60 && current.length > 0) {
      chunks.push(current);
      current = [];
      size = titleRoom;
    }
    current.push(line);
    size += line.length + 1;
  }
  if (current.length > 0) chunks.push(current);
  let omitted = 0;
  if (chunks.length > DETAILS_MAX_MESSAGES) {
    omitted = chunks.slice(DETAILS_MAX_MESSAGES).reduce((n, c) => n + c.length, 0);
    chunks.length = DETAILS_MAX_MESSAGES;
  }
  return chunks.map((chunk, index) => {
    const parts = [t.details(incident.id, index + 1, chunks.length)];
    if (index === 0) parts.push(...head);
    parts.push(`<pre>${chunk.join('\n')}</pre>`);
    if (omitted > 0 && index === chunks.length - 1) parts.push(escapeHtml(t.detailsOmitted(omitted)));
    return parts.join('\n');
  });
}

export function unknownIncidentText(lang: Language, incidentId: string): string {
  return T[lang].unknownIncident(incidentId);
}

// ---------------------------------------------------------------------------------------------
// Answers to button presses (callback answers: plain text, at most 200 characters)

export type PressAnswer =
  | 'approve-received'
  | 'veto-received'
  | 'details-sent'
  | 'stale'
  | 'expired'
  | 'not-allowed'
  | 'foreign-chat'
  | 'malformed'
  | 'confirmed'
  | 'cancelled'
  | 'confirm-expired'
  | 'confirm-not-yours'
  | 'unavailable';

const PRESS: Record<Language, Record<PressAnswer, string>> = {
  ko: {
    'approve-received': '승인 요청을 받았습니다. 결과는 채팅으로 알려 드립니다.',
    'veto-received': '거부 요청을 받았습니다. 결과는 채팅으로 알려 드립니다.',
    'details-sent': '세부 정보를 보냅니다.',
    stale: '이 버튼은 더 이상 유효하지 않습니다. 최신 알림의 버튼을 쓰세요.',
    expired: '이 버튼은 만료되었습니다. /approve 또는 /veto 명령을 쓰세요.',
    'not-allowed': '죄송합니다. 이 작업을 할 권한이 없습니다. 요청은 기록되었습니다.',
    'foreign-chat': '죄송합니다. 이 봇은 설정된 운영 채팅에서만 동작합니다.',
    malformed: '알 수 없는 버튼입니다.',
    confirmed: '요청을 보냈습니다. 결과는 채팅으로 알려 드립니다.',
    cancelled: '취소했습니다.',
    'confirm-expired': '확인 시간이 지났습니다. 명령을 다시 보내 주세요.',
    'confirm-not-yours': '명령을 보낸 사람만 확인할 수 있습니다.',
    unavailable: '지금은 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.',
  },
  en: {
    'approve-received': 'Approval received; the result follows in the chat.',
    'veto-received': 'Veto received; the result follows in the chat.',
    'details-sent': 'Sending the details.',
    stale: 'This button is no longer valid; use the buttons of the latest message.',
    expired: 'This button has expired; use /approve or /veto instead.',
    'not-allowed': 'Sorry, you are not allowed to do this. The attempt has been recorded.',
    'foreign-chat': 'Sorry, this bot only works in its configured operator chat.',
    malformed: 'Unknown button.',
    confirmed: 'Request sent; the result follows in the chat.',
    cancelled: 'Cancelled.',
    'confirm-expired': 'This confirmation has expired; please send the command again.',
    'confirm-not-yours': 'Only the operator who sent the command can confirm it.',
    unavailable: 'Cannot handle this right now; please try again shortly.',
  },
};

export function pressAnswerText(lang: Language, answer: PressAnswer): string {
  return PRESS[lang][answer];
}

// ---------------------------------------------------------------------------------------------
// Answers to commands

export type ManualActionName = ManualAction;

/** The confirmation prompt for /rollback, /halt, /resume, with its Confirm / Cancel buttons. */
export function confirmPrompt(lang: Language, action: ManualAction, nonce: string, ttlMs: number): TelegramMessage | undefined {
  const confirm = encodeCallbackData({ kind: 'confirm', action, nonce });
  const cancel = encodeCallbackData({ kind: 'cancel', nonce });
  if (!confirm.ok || !cancel.ok) return undefined;
  const b = T[lang].buttons;
  const ttl = formatDuration(ttlMs);
  const body =
    lang === 'ko'
      ? {
          rollback: `⚠️ <b>수동 롤백</b>을 요청할까요?\n런북 절차(백업 → 롤백 → 검증)가 안전 장치를 거쳐 실행됩니다. ${ttl} 안에 확인해 주세요.`,
          halt: `⚠️ <b>거래 중단</b>(cron 컨테이너 정지)을 요청할까요?\n안전 장치를 거쳐 실행됩니다. ${ttl} 안에 확인해 주세요.`,
          resume: `⚠️ <b>거래 재개</b>(cron 컨테이너 시작)를 요청할까요?\n안전 장치를 거쳐 실행됩니다. ${ttl} 안에 확인해 주세요.`,
        }
      : {
          rollback: `⚠️ Request a <b>manual rollback</b>?\nThe runbook procedure (backup → rollback → verify) runs through the safety gates. Confirm within ${ttl}.`,
          halt: `⚠️ Request a <b>trading halt</b> (stop the cron container)?\nIt runs through the safety gates. Confirm within ${ttl}.`,
          resume: `⚠️ Request <b>resuming trading</b> (start the cron container)?\nIt runs through the safety gates. Confirm within ${ttl}.`,
        };
  return {
    html: body[action],
    keyboard: [
      [
        { text: b.confirm, callback_data: confirm.data },
        { text: b.cancel, callback_data: cancel.data },
      ],
    ],
  };
}

export type CommandAck =
  | { kind: 'approve'; incidentId: string }
  | { kind: 'veto'; incidentId: string; reason?: string }
  | { kind: 'manual-action'; action: ManualAction }
  | { kind: 'arm' }
  | { kind: 'silence'; ruleId: string; until: Instant }
  | { kind: 'unsilence'; ruleId: string };

/** "Received" answers to commands the core decides on; the core's own notice follows with the outcome. */
export function commandAckText(lang: Language, ack: CommandAck, timeZone: string): string {
  const ko = lang === 'ko';
  switch (ack.kind) {
    case 'approve':
      return ko ? `📨 ${escapeHtml(ack.incidentId)} 승인 요청을 접수했습니다.` : `📨 Approval of ${escapeHtml(ack.incidentId)} received.`;
    case 'veto': {
      const reason = ack.reason ? `\n${T[lang].reason}: ${field(ack.reason)}` : '';
      return (
        (ko ? `📨 ${escapeHtml(ack.incidentId)} 거부 요청을 접수했습니다.` : `📨 Veto of ${escapeHtml(ack.incidentId)} received.`) + reason
      );
    }
    case 'manual-action':
      return ko
        ? `📨 ${T.ko.manual[ack.action]} 요청을 접수했습니다. 안전 장치를 거쳐 실행됩니다.`
        : `📨 Request received: ${T.en.manual[ack.action]}. It still goes through the safety gates.`;
    case 'arm':
      return ko ? '📨 자동 조치 재활성화(/arm) 요청을 접수했습니다.' : '📨 Re-arm request received.';
    case 'silence':
      return ko
        ? `🔕 ${code(ack.ruleId)} 규칙 알림을 ${formatInstant(ack.until, timeZone)} 까지 끕니다 (요청 접수).`
        : `🔕 Silencing ${code(ack.ruleId)} until ${formatInstant(ack.until, timeZone)} (request received).`;
    case 'unsilence':
      return ko ? `🔔 ${code(ack.ruleId)} 규칙 알림을 다시 켭니다 (요청 접수).` : `🔔 Unsilencing ${code(ack.ruleId)} (request received).`;
  }
}

export type CommandName =
  | 'status'
  | 'incidents'
  | 'approve'
  | 'veto'
  | 'rollback'
  | 'halt'
  | 'resume'
  | 'arm'
  | 'silence'
  | 'unsilence'
  | 'rules'
  | 'reload'
  | 'help';

export type UsageProblem =
  | { kind: 'missing-argument' }
  | { kind: 'extra-arguments' }
  | { kind: 'bad-incident-id'; value: string }
  | { kind: 'bad-duration'; value: string }
  | { kind: 'unknown-rule'; value: string };

const SYNTAX: Record<Language, Record<CommandName, string>> = {
  ko: {
    status: '/status',
    incidents: '/incidents',
    approve: '/approve <인시던트>',
    veto: '/veto <인시던트> [사유]',
    rollback: '/rollback',
    halt: '/halt',
    resume: '/resume',
    arm: '/arm',
    silence: '/silence <규칙> <기간>',
    unsilence: '/unsilence <규칙>',
    rules: '/rules',
    reload: '/reload',
    help: '/help',
  },
  en: {
    status: '/status',
    incidents: '/incidents',
    approve: '/approve <incident>',
    veto: '/veto <incident> [reason]',
    rollback: '/rollback',
    halt: '/halt',
    resume: '/resume',
    arm: '/arm',
    silence: '/silence <rule> <duration>',
    unsilence: '/unsilence <rule>',
    rules: '/rules',
    reload: '/reload',
    help: '/help',
  },
};

const HELP: Record<Language, Record<CommandName, string>> = {
  ko: {
    status: '작업·컨테이너·인시던트 상태',
    incidents: '열린 인시던트와 최근 종료된 인시던트',
    approve: '결정을 기다리는 계획 승인',
    veto: '계획 거부',
    rollback: '수동 롤백 (확인 필요)',
    halt: '거래 중단: cron 컨테이너 정지 (확인 필요)',
    resume: '거래 재개: cron 컨테이너 시작 (확인 필요)',
    arm: '롤백 후 해제된 자동 조치를 다시 활성화',
    silence: '규칙 알림 끄기 (예: /silence telegram-alerts-missing 2h)',
    unsilence: '규칙 알림 다시 켜기',
    rules: '규칙 목록',
    reload: '규칙 파일 다시 읽기',
    help: '이 도움말',
  },
  en: {
    status: 'jobs, containers and incidents',
    incidents: 'open and recently closed incidents',
    approve: 'approve a plan awaiting a decision',
    veto: 'veto a plan',
    rollback: 'manual rollback (asks for confirmation)',
    halt: 'halt trading: stop the cron container (asks for confirmation)',
    resume: 'resume trading: start the cron container (asks for confirmation)',
    arm: 're-arm the automatic path after a rollback',
    silence: 'silence a rule (e.g. /silence telegram-alerts-missing 2h)',
    unsilence: 'unsilence a rule',
    rules: 'list the rules',
    reload: 're-read the rule files',
    help: 'this help',
  },
};

const COMMAND_ORDER: CommandName[] = [
  'status',
  'incidents',
  'approve',
  'veto',
  'rollback',
  'halt',
  'resume',
  'arm',
  'silence',
  'unsilence',
  'rules',
  'reload',
  'help',
];

export function helpText(lang: Language): string {
  const title = lang === 'ko' ? '🛡 <b>turtle-sentinel 명령</b>' : '🛡 <b>turtle-sentinel commands</b>';
  return [title, ...COMMAND_ORDER.map((c) => `${escapeHtml(SYNTAX[lang][c])} — ${HELP[lang][c]}`)].join('\n');
}

/** A short usage answer for a command with bad or missing arguments. */
export function usageText(lang: Language, command: CommandName, problem: UsageProblem): string {
  const ko = lang === 'ko';
  let what: string;
  switch (problem.kind) {
    case 'missing-argument':
      what = ko ? '인수가 부족합니다.' : 'Missing argument.';
      break;
    case 'extra-arguments':
      what = ko ? '인수가 너무 많습니다.' : 'Too many arguments.';
      break;
    case 'bad-incident-id':
      what = ko ? `인시던트 ID가 올바르지 않습니다: ${code(problem.value)}` : `Not an incident id: ${code(problem.value)}`;
      break;
    case 'bad-duration':
      what = ko
        ? `기간은 30m, 2h, 1d 처럼 쓰고 30일 이하여야 합니다: ${code(problem.value)}`
        : `A duration looks like 30m, 2h or 1d, at most 30 days: ${code(problem.value)}`;
      break;
    case 'unknown-rule':
      what = ko
        ? `알 수 없는 규칙입니다: ${code(problem.value)} (/rules 로 목록 보기)`
        : `Unknown rule: ${code(problem.value)} (see /rules)`;
      break;
  }
  return `⚠️ ${what}\n${ko ? '사용법' : 'Usage'}: <code>${escapeHtml(SYNTAX[lang][command])}</code>`;
}

export function unknownCommandText(lang: Language, name: string): string {
  const shown = code(`/${clipPlain(name, 40)}`);
  return lang === 'ko'
    ? `⚠️ 알 수 없는 명령입니다: ${shown}\n/help 로 명령 목록을 볼 수 있습니다.`
    : `⚠️ Unknown command: ${shown}\nSend /help for the list of commands.`;
}

export function notAllowedText(lang: Language): string {
  return lang === 'ko'
    ? '🚫 죄송합니다. 이 명령을 쓸 권한이 없습니다. 요청은 기록되었습니다.'
    : '🚫 Sorry, you are not allowed to use this command. The attempt has been recorded.';
}

export function foreignChatText(lang: Language): string {
  return lang === 'ko'
    ? '죄송합니다. 이 봇은 설정된 운영 채팅에서만 동작합니다.'
    : 'Sorry, this bot only works in its configured operator chat.';
}

export type ReloadOutcome =
  { ok: true; rules: number; applied?: readonly string[]; restartRequired?: readonly string[] } | { ok: false; errors: string[] };

export function reloadText(lang: Language, outcome: ReloadOutcome | 'reloading' | 'unavailable'): string {
  const t = T[lang];
  if (outcome === 'reloading') return t.reloading;
  if (outcome === 'unavailable') return t.reloadUnavailable;
  if (outcome.ok) {
    const key = (k: string) => code(k);
    const applied = appliedText(lang, outcome.applied ?? [], key);
    const restart = restartRequiredText(lang, outcome.restartRequired ?? [], key);
    return [t.reloadOk(outcome.rules), ...(applied ? [applied] : []), ...(restart ? [restart] : [])].join('\n');
  }
  return fitBlocks([html(t.reloadFailed), { kind: 'lines', lines: outcome.errors, pre: true, more: (n) => escapeHtml(t.more(n)) }]);
}

// ---------------------------------------------------------------------------------------------
// Plain text, for the fallback when Telegram refuses our markup

/** HTML → the text Telegram would show (tags dropped, entities decoded). */
export function htmlToPlain(text: string): string {
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
