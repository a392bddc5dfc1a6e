// The Telegram command vocabulary and the callback-data codec: what the parser reads and what a button
// press carries. Shared by the command parser, the bot adapter and the renderers; holds no operator text. Pure.
import type { Instant } from './types.ts';

/** Telegram's limit for `callback_data`, in bytes. */
export const CALLBACK_DATA_LIMIT = 64;

// Callback data: `<op>:<incidentId>:<nonce>` for decisions, `c:<action>:<nonce>` / `x:<nonce>` for confirmations

/** What an incident id may look like in a button or a command (short, so callback data stays in 64 bytes). */
export const INCIDENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,23}$/;
/** Nonces the core issues must match this (22 characters of base64url = 128 random bits fits). */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{4,32}$/;
const ID = INCIDENT_ID_PATTERN;
const NONCE = NONCE_PATTERN;
const MANUAL_CODES = { rollback: 'r', halt: 'h', resume: 's' } as const;
/** The manual actions an operator asks for by command and confirms by button. */
export type ManualActionName = keyof typeof MANUAL_CODES;
type ManualAction = ManualActionName;

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

export type CommandAck =
  | { kind: 'approve'; incidentId: string }
  | { kind: 'veto'; incidentId: string; reason?: string }
  | { kind: 'manual-action'; action: ManualAction }
  | { kind: 'arm' }
  | { kind: 'silence'; ruleId: string; until: Instant }
  | { kind: 'unsilence'; ruleId: string };

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

/** The order /help lists the commands in. */
export const COMMAND_ORDER: readonly CommandName[] = [
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

/** What a button press is answered with (a short plain-text callback answer). */
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
