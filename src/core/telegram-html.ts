// Telegram's HTML medium: escaping, clipping, fitting blocks of text into the 4096-character limit
// without breaking the markup, and the inline-button shapes. Knows no words of any language. Pure.

/** Telegram's limit for a message's text (counted after entity parsing; raw HTML is never shorter). */
export const MESSAGE_LIMIT = 4096;
/** Room left free in messages that carry buttons, for the footer added when their buttons are closed. */
export const FOOTER_RESERVE = 200;
/** A single log line longer than this is clipped before anything else, so one line cannot crowd out the rest. */
export const LINE_CLIP = 600;
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
/** Plain text clipped to `max` code units (for callback answers, which are not parsed as HTML). */
export function clipPlain(raw: string, max: number): string {
  if (raw.length <= max) return raw;
  let out = '';
  for (const ch of raw) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out + '…';
}

export const code = (raw: string) => `<code>${clipEscaped(raw, 200)}</code>`;
export const field = (raw: string) => clipEscaped(raw, FIELD_CLIP);

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
