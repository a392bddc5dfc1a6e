// Telegram command text → what it asks for: an operator command for the core, a read-only query, a
// manual action that needs a confirmation press first, or a short usage answer. Pure.
import {
  COMMAND_ORDER,
  INCIDENT_ID_PATTERN,
  type CommandAck,
  type CommandName,
  type ManualActionName,
  type UsageProblem,
} from './telegram-commands.ts';
import type { Instant, OperatorCommand } from './types.ts';

export type Query = 'status' | 'incidents' | 'rules' | 'help';

export type ParsedCommand =
  /** Not a command, or a command addressed to another bot: no answer (group chats have other traffic). */
  | { kind: 'ignore' }
  /** For the core; `ack` is what the operator is told at once (the core's notice follows). */
  | { kind: 'operator'; command: OperatorCommand; ack: CommandAck }
  /** `/rollback`, `/halt`, `/resume`: answered with a confirmation prompt, sent to the core only when confirmed. */
  | { kind: 'confirm'; action: ManualActionName }
  | { kind: 'query'; query: Query }
  | { kind: 'reload' }
  | { kind: 'usage'; command: CommandName; problem: UsageProblem }
  | { kind: 'unknown'; name: string };

export interface ParseOptions {
  /** The bot's username (without `@`): `/status@otherbot` is ignored. Unknown → every suffix accepted. */
  botUsername?: string | undefined;
  now: Instant;
  /** Rule ids in force: `/silence` of an unknown rule is a usage error rather than a silent no-op. */
  ruleIds?: readonly string[];
  /** Incident ids the state knows: `/approve inc-1` and `/approve 1` resolve against them. */
  incidentIds?: readonly string[];
}

/** Longest silence an operator can ask for: a forgotten silence must not hide a criterion for months. */
export const MAX_SILENCE_MS = 30 * 86_400_000;
const MAX_REASON = 300;
const DURATION = /^(\d{1,6})(m|h|d)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const RULE_ID = /^[a-z0-9][a-z0-9-]*$/;

export function parseCommand(text: string, options: ParseOptions): ParsedCommand {
  const trimmed = text.trim();
  const head = /^\/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)/.exec(trimmed);
  if (!head) return { kind: 'ignore' };
  const name = head[1]!.toLowerCase();
  const addressee = head[2];
  if (addressee !== undefined && options.botUsername !== undefined && addressee.toLowerCase() !== options.botUsername.toLowerCase()) {
    return { kind: 'ignore' };
  }
  const rest = trimmed.slice(head[0].length).trim();
  const args = rest === '' ? [] : rest.split(/\s+/);
  if (name === 'start') return { kind: 'query', query: 'help' };
  if (!(COMMAND_ORDER as readonly string[]).includes(name)) return { kind: 'unknown', name };
  const command = name as CommandName;
  const usage = (problem: UsageProblem): ParsedCommand => ({ kind: 'usage', command, problem });

  switch (command) {
    // Read-only questions tolerate stray words: answering is harmless.
    case 'status':
    case 'incidents':
    case 'rules':
    case 'help':
      return { kind: 'query', query: command };
    case 'reload':
      return { kind: 'reload' };
    // Actions take no arguments: `/rollback v3.2.0` must not look as if it chose a target.
    case 'rollback':
    case 'halt':
    case 'resume':
      return args.length > 0 ? usage({ kind: 'extra-arguments' }) : { kind: 'confirm', action: command };
    case 'arm':
      return args.length > 0 ? usage({ kind: 'extra-arguments' }) : { kind: 'operator', command: { kind: 'arm' }, ack: { kind: 'arm' } };
    case 'approve': {
      if (args.length === 0) return usage({ kind: 'missing-argument' });
      if (args.length > 1) return usage({ kind: 'extra-arguments' });
      const id = resolveIncidentId(args[0]!, options.incidentIds);
      if (id === undefined) return usage({ kind: 'bad-incident-id', value: args[0]! });
      return { kind: 'operator', command: { kind: 'approve', incidentId: id }, ack: { kind: 'approve', incidentId: id } };
    }
    case 'veto': {
      if (args.length === 0) return usage({ kind: 'missing-argument' });
      const id = resolveIncidentId(args[0]!, options.incidentIds);
      if (id === undefined) return usage({ kind: 'bad-incident-id', value: args[0]! });
      const reason = clip(rest.slice(args[0]!.length).trim(), MAX_REASON);
      const withReason = reason !== '' ? { reason } : {};
      return {
        kind: 'operator',
        command: { kind: 'veto', incidentId: id, ...withReason },
        ack: { kind: 'veto', incidentId: id, ...withReason },
      };
    }
    case 'silence': {
      if (args.length < 2) return usage({ kind: 'missing-argument' });
      if (args.length > 2) return usage({ kind: 'extra-arguments' });
      const ruleId = args[0]!;
      const known = checkRule(ruleId, options.ruleIds);
      if (known) return usage(known);
      const ms = parseSilenceDuration(args[1]!);
      if (ms === undefined) return usage({ kind: 'bad-duration', value: args[1]! });
      const until = options.now + ms;
      return { kind: 'operator', command: { kind: 'silence', ruleId, until }, ack: { kind: 'silence', ruleId, until } };
    }
    case 'unsilence': {
      if (args.length === 0) return usage({ kind: 'missing-argument' });
      if (args.length > 1) return usage({ kind: 'extra-arguments' });
      const ruleId = args[0]!;
      const known = checkRule(ruleId, options.ruleIds);
      if (known) return usage(known);
      return { kind: 'operator', command: { kind: 'unsilence', ruleId }, ack: { kind: 'unsilence', ruleId } };
    }
  }
}

/** `30m`, `2h`, `1d` → milliseconds, within (0, 30 days]; anything else is undefined. */
export function parseSilenceDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]!;
  return ms > 0 && ms <= MAX_SILENCE_MS ? ms : undefined;
}

function checkRule(ruleId: string, known: readonly string[] | undefined): UsageProblem | undefined {
  if (!RULE_ID.test(ruleId)) return { kind: 'unknown-rule', value: ruleId };
  if (known !== undefined && !known.includes(ruleId)) return { kind: 'unknown-rule', value: ruleId };
  return undefined;
}

/**
 * An incident id as typed on a phone: exact, any case, or just its number (`/approve 7` → `INC-0007`).
 * Undefined when it cannot be an id at all; an id nobody knows is left for the core to refuse.
 */
export function resolveIncidentId(raw: string, known: readonly string[] | undefined): string | undefined {
  if (!INCIDENT_ID_PATTERN.test(raw)) return undefined;
  if (known) {
    if (known.includes(raw)) return raw;
    const folded = known.find((id) => id.toLowerCase() === raw.toLowerCase());
    if (folded) return folded;
    if (/^\d+$/.test(raw)) {
      const byNumber = known.find((id) => /^[A-Za-z]+-0*(\d+)$/.exec(id)?.[1] === String(Number(raw)));
      if (byNumber) return byNumber;
    }
  }
  if (/^\d{1,9}$/.test(raw)) return `INC-${String(Number(raw)).padStart(4, '0')}`;
  if (/^inc-\d+$/i.test(raw)) return raw.toUpperCase();
  return raw;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

// ---------------------------------------------------------------------------------------------
// Confirmation of manual actions

/** A `/rollback` (or `/halt`, `/resume`) waiting for its Confirm press. */
export interface PendingConfirmation {
  action: ManualActionName;
  nonce: string;
  userId: number;
  chatId: number;
  expiresAt: Instant;
}

export type ConfirmationVerdict = 'ok' | 'unknown' | 'expired' | 'not-yours' | 'mismatch';

/**
 * Judge a Confirm press. Only the operator who asked may confirm ("are you sure?" is personal), only
 * before the prompt expires, only for the action it was asked for; a nonce is good for one press
 * (the caller forgets it on `ok`), so a replayed press is `unknown`.
 */
export function judgeConfirmation(
  pending: PendingConfirmation | undefined,
  press: { action?: ManualActionName; userId: number; chatId: number; now: Instant },
): ConfirmationVerdict {
  if (!pending) return 'unknown';
  if (press.now > pending.expiresAt) return 'expired';
  if (press.userId !== pending.userId || press.chatId !== pending.chatId) return 'not-yours';
  if (press.action !== undefined && press.action !== pending.action) return 'mismatch';
  return 'ok';
}
