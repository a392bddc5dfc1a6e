// Invariants over positions.json, entries.json and order_log.json (reference §6, SPEC §2.5). No code
// path of the guarded system can break them, so a violation means a human or tool error — or the
// phantom fill of `_find_matching_fill()` showing up in order_log.json. Pure: records in, findings out.
import type { RuleOf } from '../config/schema.ts';
import type { JsonFileKind } from './types.ts';
import type { EntryRecord, OrderRecord, PositionRecord } from './world.ts';

export type FillParams = RuleOf<'fill-integrity'>['params'];
export type FillCheck = FillParams['checks'][number];

export interface Finding {
  check: FillCheck;
  /** Which file the path points into. */
  file: JsonFileKind;
  /** JSON path in that file, e.g. `$[2].units`. */
  path: string;
  /** One sentence an operator understands. */
  message: string;
  /** The values the judgement was made on, e.g. `units=5, max_units=4`. */
  evidence: string;
}

export interface InvariantData {
  positions?: readonly PositionRecord[];
  entries?: readonly EntryRecord[];
  orderLog?: readonly OrderRecord[];
}

/** Which files each check reads: the rule is inconclusive for a check when one of them is unusable. */
export const CHECK_INPUTS: Record<FillCheck, readonly JsonFileKind[]> = {
  'units-range': ['positions'],
  'units-level': ['positions'],
  'total-shares': ['positions', 'entries'],
  'entry-ids': ['positions', 'entries'],
  'pyramid-spacing': ['positions', 'entries'],
  'stop-loss': ['positions'],
  'one-open-per-symbol-system': ['positions'],
  'closed-exit-fields': ['positions'],
  'order-duplicate-fill': ['orderLog'],
  'order-fill-before-order': ['orderLog'],
};

/** Marker of an order flipped to FILLED by `_reconfirm_order` (reference §6). */
export const RECOVERED_FILL = /\[재확인으로 FILLED 복구\]\s*KIS#\s*([0-9A-Za-z-]+)/;

/** The fields `close_position` fills; a closed record without them was closed by hand or by a tool. */
export const EXIT_FIELDS = ['exit_date', 'exit_price', 'exit_reason', 'pnl', 'r_multiple'] as const;

type Tolerance = Pick<FillParams, 'maxUnits' | 'pyramidSpacingN' | 'tolerance'>;

/** Run one check. Returns null when a file it needs is missing from `data` (the caller says why). */
export function runInvariant(check: FillCheck, data: InvariantData, params: Tolerance): Finding[] | null {
  const positions = data.positions;
  const entries = data.entries;
  const orders = data.orderLog;
  switch (check) {
    case 'units-range':
      return positions ? unitsRange(positions, params) : null;
    case 'units-level':
      return positions ? unitsLevel(positions) : null;
    case 'total-shares':
      return positions && entries ? totalShares(positions, entries, params) : null;
    case 'entry-ids':
      return positions && entries ? entryIds(positions, entries) : null;
    case 'pyramid-spacing':
      return positions && entries ? pyramidSpacing(positions, entries, params) : null;
    case 'stop-loss':
      return positions ? stopLoss(positions, params) : null;
    case 'one-open-per-symbol-system':
      return positions ? oneOpenPerSymbolSystem(positions) : null;
    case 'closed-exit-fields':
      return positions ? closedExitFields(positions) : null;
    case 'order-duplicate-fill':
      return orders ? duplicateFill(orders) : null;
    case 'order-fill-before-order':
      return orders ? fillBeforeOrder(orders) : null;
  }
}

// ---------------------------------------------------------------------------------------------
// positions.json

function unitsRange(positions: readonly PositionRecord[], params: Tolerance): Finding[] {
  const findings: Finding[] = [];
  positions.forEach((p, i) => {
    const own = isNumber(p.max_units) ? p.max_units : undefined;
    // The record's own cap, but never above the configured one (open_position hard-codes 4).
    const limit = own !== undefined ? Math.min(own, params.maxUnits) : params.maxUnits;
    const units = p.units;
    if (isNumber(units) && Number.isInteger(units) && units >= 1 && units <= limit) return;
    findings.push({
      check: 'units-range',
      file: 'positions',
      path: `$[${i}].units`,
      message: `${name(p)}: units ${show(units)} is outside 1..${limit}`,
      evidence: `units=${show(units)}, max_units=${show(p.max_units)}, configured maxUnits=${params.maxUnits}`,
    });
  });
  return findings;
}

function unitsLevel(positions: readonly PositionRecord[]): Finding[] {
  const findings: Finding[] = [];
  positions.forEach((p, i) => {
    if (!isNumber(p.units) || !isNumber(p.pyramid_level)) return;
    if (p.units === p.pyramid_level + 1) return;
    findings.push({
      check: 'units-level',
      file: 'positions',
      path: `$[${i}].units`,
      message: `${name(p)}: units ${show(p.units)} should be pyramid_level + 1 = ${show(p.pyramid_level + 1)}`,
      evidence: `units=${show(p.units)}, pyramid_level=${show(p.pyramid_level)}`,
    });
  });
  return findings;
}

function totalShares(positions: readonly PositionRecord[], entries: readonly EntryRecord[], params: Tolerance): Finding[] {
  const byPosition = groupEntries(entries);
  const findings: Finding[] = [];
  positions.forEach((p, i) => {
    if (!isNumber(p.total_shares)) return;
    const own = byPosition.get(p.position_id) ?? [];
    const sum = own.reduce((acc, { entry }) => acc + (isNumber(entry.shares) ? entry.shares : 0), 0);
    if (approxEqual(p.total_shares, sum, params.tolerance)) return;
    const detail =
      own.length === 0
        ? 'no entries for it in entries.json'
        : own.map(({ entry }) => `${entry.entry_id}: ${show(entry.shares)}`).join(', ');
    findings.push({
      check: 'total-shares',
      file: 'positions',
      path: `$[${i}].total_shares`,
      message: `${name(p)}: total_shares ${show(p.total_shares)} differs from the ${show(sum)} shares of its ${own.length} entries`,
      evidence: detail,
    });
  });
  return findings;
}

function entryIds(positions: readonly PositionRecord[], entries: readonly EntryRecord[]): Finding[] {
  const findings: Finding[] = [];
  const firstIndex = new Map<string, number>();
  entries.forEach((e, j) => {
    const seen = firstIndex.get(e.entry_id);
    if (seen !== undefined) {
      findings.push({
        check: 'entry-ids',
        file: 'entries',
        path: `$[${j}].entry_id`,
        message: `entry_id ${e.entry_id} appears twice`,
        evidence: `also at $[${seen}]`,
      });
    } else firstIndex.set(e.entry_id, j);
    const expected = `${e.position_id}_${show(e.pyramid_level)}`;
    if (e.entry_id !== expected) {
      findings.push({
        check: 'entry-ids',
        file: 'entries',
        path: `$[${j}].entry_id`,
        message: `entry_id ${e.entry_id} should be ${expected} (<position_id>_<pyramid_level>)`,
        evidence: `position_id=${e.position_id}, pyramid_level=${show(e.pyramid_level)}`,
      });
    }
  });
  const levelOf = new Map(positions.map((p) => [p.position_id, p.pyramid_level] as const));
  for (const [positionId, own] of groupEntries(entries)) {
    const levels = [...new Set(own.map(({ entry }) => entry.pyramid_level))].sort((a, b) => a - b);
    const top = levelOf.get(positionId);
    // Contiguous from 0 up to the position's own pyramid_level when the position is known.
    const expectedTop = isNumber(top) ? top : levels.length - 1;
    const contiguous = levels.length === expectedTop + 1 && levels.every((level, k) => level === k);
    if (contiguous) continue;
    findings.push({
      check: 'entry-ids',
      file: 'entries',
      path: `$[${own[0]!.index}]`,
      message: `entries of ${positionId} have levels ${levels.map(show).join(', ')}, expected 0..${expectedTop}`,
      evidence: own.map(({ entry, index }) => `$[${index}] ${entry.entry_id}`).join(', '),
    });
  }
  return findings;
}

function pyramidSpacing(positions: readonly PositionRecord[], entries: readonly EntryRecord[], params: Tolerance): Finding[] {
  const byPosition = groupEntries(entries);
  const findings: Finding[] = [];
  for (const p of positions) {
    const own = [...(byPosition.get(p.position_id) ?? [])].sort((a, b) => a.entry.pyramid_level - b.entry.pyramid_level);
    if (own.length < 2 || !isNumber(p.entry_n)) continue;
    const sign = p.direction === 'LONG' ? 1 : p.direction === 'SHORT' ? -1 : 0;
    if (sign === 0) continue;
    const minStep = params.pyramidSpacingN * p.entry_n;
    for (let k = 1; k < own.length; k += 1) {
      const prev = own[k - 1]!;
      const cur = own[k]!;
      const step = sign * (cur.entry.entry_price - prev.entry.entry_price);
      const slack = params.tolerance * Math.max(1, Math.abs(cur.entry.entry_price), Math.abs(prev.entry.entry_price));
      // Strictly in the trade's direction, and at least the spacing; the slack absorbs float artefacts.
      if (step > 0 && step >= minStep - slack) continue;
      const word = sign > 0 ? 'above' : 'below';
      findings.push({
        check: 'pyramid-spacing',
        file: 'entries',
        path: `$[${cur.index}].entry_price`,
        message:
          step > 0
            ? `${p.position_id} (${p.direction}): level ${show(cur.entry.pyramid_level)} at ${show(cur.entry.entry_price)} is only ` +
              `${round(step)} ${word} level ${show(prev.entry.pyramid_level)} at ${show(prev.entry.entry_price)}; pyramiding needs ` +
              `≥ ${params.pyramidSpacingN} N = ${round(minStep)}`
            : `${p.position_id} (${p.direction}): level ${show(cur.entry.pyramid_level)} at ${show(cur.entry.entry_price)} is not ` +
              `${word} level ${show(prev.entry.pyramid_level)} at ${show(prev.entry.entry_price)}; ${p.direction} pyramid prices must ` +
              `${sign > 0 ? 'rise' : 'fall'} by ≥ ${params.pyramidSpacingN} N = ${round(minStep)}`,
        evidence: `entry_n=${show(p.entry_n)}, step=${round(step)}`,
      });
    }
  }
  return findings;
}

function stopLoss(positions: readonly PositionRecord[], params: Tolerance): Finding[] {
  const findings: Finding[] = [];
  positions.forEach((p, i) => {
    if (!isNumber(p.entry_price) || !isNumber(p.entry_n) || !isNumber(p.stop_loss)) return;
    const sign = p.direction === 'LONG' ? -1 : p.direction === 'SHORT' ? 1 : 0;
    if (sign === 0) return;
    const expected = p.entry_price + sign * 2 * p.entry_n;
    if (approxEqual(p.stop_loss, expected, params.tolerance)) return;
    findings.push({
      check: 'stop-loss',
      file: 'positions',
      path: `$[${i}].stop_loss`,
      message: `${name(p)}: stop_loss ${show(p.stop_loss)} is not entry_price ${sign < 0 ? '−' : '+'} 2·entry_n = ${round(expected)}`,
      evidence: `entry_price=${show(p.entry_price)}, entry_n=${show(p.entry_n)}, direction=${p.direction}`,
    });
  });
  return findings;
}

function oneOpenPerSymbolSystem(positions: readonly PositionRecord[]): Finding[] {
  const groups = new Map<string, number[]>();
  positions.forEach((p, i) => {
    if (p.status !== 'open') return;
    const key = `${p.symbol}\u0000${show(p.system)}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const findings: Finding[] = [];
  for (const indices of groups.values()) {
    if (indices.length < 2) continue;
    const first = positions[indices[0]!]!;
    for (const i of indices.slice(1)) {
      findings.push({
        check: 'one-open-per-symbol-system',
        file: 'positions',
        path: `$[${i}]`,
        message: `${first.symbol} has ${indices.length} open positions in System ${show(first.system)}; check_positions allows one`,
        evidence: indices.map((k) => `$[${k}] ${positions[k]!.position_id}`).join(', '),
      });
    }
  }
  return findings;
}

function closedExitFields(positions: readonly PositionRecord[]): Finding[] {
  const findings: Finding[] = [];
  positions.forEach((p, i) => {
    if (p.status !== 'closed') return;
    for (const field of EXIT_FIELDS) {
      const value = p[field];
      if (value !== null && value !== undefined) continue;
      findings.push({
        check: 'closed-exit-fields',
        file: 'positions',
        path: `$[${i}].${field}`,
        message: `${name(p)} is closed but ${field} is ${value === null ? 'null' : 'missing'}: close_position always sets it`,
        evidence: EXIT_FIELDS.map((f) => `${f}=${show(p[f])}`).join(', '),
      });
    }
  });
  return findings;
}

// ---------------------------------------------------------------------------------------------
// order_log.json

function isFilled(order: OrderRecord): boolean {
  return typeof order.status === 'string' && order.status.toLowerCase() === 'filled';
}

/** KIS order numbers are zero-padded (`0000123456`); compare them without the padding. */
function normalizeOrderNumber(odno: string): string {
  const trimmed = odno.trim().replace(/^0+(?=.)/, '');
  return trimmed;
}

function duplicateFill(orders: readonly OrderRecord[]): Finding[] {
  const recovered = new Map<string, { index: number; odno: string }[]>();
  orders.forEach((o, j) => {
    if (!isFilled(o) || typeof o.error_message !== 'string') return;
    const match = RECOVERED_FILL.exec(o.error_message);
    if (!match) return;
    const key = normalizeOrderNumber(match[1]!);
    recovered.set(key, [...(recovered.get(key) ?? []), { index: j, odno: match[1]! }]);
  });
  const findings: Finding[] = [];
  for (const [key, claims] of recovered) {
    if (claims.length > 1) {
      for (const claim of claims.slice(1)) {
        findings.push({
          check: 'order-duplicate-fill',
          file: 'orderLog',
          path: `$[${claim.index}].error_message`,
          message: `KIS#${claim.odno} was recovered as FILLED by ${claims.length} orders: one broker fill matched twice (phantom fill)`,
          evidence: claims.map((c) => `$[${c.index}] ${orders[c.index]!.order_id}`).join(', '),
        });
      }
    }
    const owners = orders
      .map((o, j) => ({ o, j }))
      .filter(
        ({ o, j }) => typeof o.order_id === 'string' && normalizeOrderNumber(o.order_id) === key && !claims.some((c) => c.index === j),
      );
    for (const owner of owners) {
      const claim = claims[0]!;
      findings.push({
        check: 'order-duplicate-fill',
        file: 'orderLog',
        path: `$[${claim.index}].error_message`,
        message: `${orders[claim.index]!.order_id} was recovered as FILLED by KIS#${claim.odno}, which is the broker number of order $[${owner.j}]`,
        evidence: `$[${claim.index}] ${orders[claim.index]!.order_id} ↔ $[${owner.j}] order_id=${owner.o.order_id} (${owner.o.status})`,
      });
    }
  }
  return findings;
}

/** HHMMSS of a local ISO timestamp (`_extract_hhmmss` of #29), or undefined when malformed. */
export function orderHhmmss(timestamp: string): string | undefined {
  const match = /^\d{4}-\d{2}-\d{2}[T ](\d{2}):(\d{2}):(\d{2})/.exec(timestamp);
  return match ? `${match[1]}${match[2]}${match[3]}` : undefined;
}

function fillBeforeOrder(orders: readonly OrderRecord[]): Finding[] {
  const findings: Finding[] = [];
  orders.forEach((o, j) => {
    if (!isFilled(o) || typeof o.fill_time !== 'string' || typeof o.timestamp !== 'string') return;
    const fill = o.fill_time.trim();
    const ordered = orderHhmmss(o.timestamp);
    // A missing or malformed time falls back to the pre-#29 behaviour in the guarded code: nothing to judge.
    if (!/^\d{6}$/.test(fill) || ordered === undefined) return;
    if (fill >= ordered) return;
    findings.push({
      check: 'order-fill-before-order',
      file: 'orderLog',
      path: `$[${j}].fill_time`,
      message: `${o.order_id}: fill_time ${fill} is earlier than the order time ${ordered}: the fill belongs to an earlier order`,
      evidence: `timestamp=${o.timestamp}, fill_time=${o.fill_time}, error_message=${o.error_message ?? 'null'}`,
    });
  });
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function groupEntries(entries: readonly EntryRecord[]): Map<string, { entry: EntryRecord; index: number }[]> {
  const groups = new Map<string, { entry: EntryRecord; index: number }[]>();
  entries.forEach((entry, index) => {
    const list = groups.get(entry.position_id);
    if (list) list.push({ entry, index });
    else groups.set(entry.position_id, [{ entry, index }]);
  });
  return groups;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && !Number.isNaN(value);
}

/** Equal up to `tolerance`, relative to the magnitude (prices in KRW are 10⁵, in USD 10²). */
function approxEqual(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

function name(p: PositionRecord): string {
  return typeof p.position_id === 'string' ? p.position_id : 'position without id';
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** Enough digits for an operator, without float artefacts (502.09999999999997 → 502.1). */
function round(value: number): string {
  return String(Number(value.toPrecision(10)));
}
