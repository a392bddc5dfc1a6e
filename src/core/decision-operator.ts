// Operator commands (approve, veto, manual actions, arm, silence): who may give them, and what each
// does to the decisions; a command that cannot be carried out is refused with its reason.
import { refusalDetailText, type RefusalDetail } from './decision-text.ts';
import type { Incident, Notice, OperatorCommand, OperatorIdentity } from './types.ts';
import type { Builder } from './decision-builder.ts';
import { approve, decisionOwner, hardBlock } from './decision.ts';

function refuse(
  b: Builder,
  by: OperatorIdentity,
  reason: Extract<Notice, { kind: 'decision-refused' }>['reason'],
  detailMessage: RefusalDetail,
  incidentId?: string,
): void {
  const detail = refusalDetailText('en', detailMessage);
  b.journal.push({
    at: b.now,
    type: 'operator-refused',
    incidentId: incidentId ?? '-',
    ruleId: '-',
    cause: reason,
    summary: `${describeOperator(by)}: ${detail}`,
  });
  b.notify(`refused|${b.now}|${by.userId ?? by.channel}|${incidentId ?? '-'}|${reason}`, {
    kind: 'decision-refused',
    ...(incidentId ? { incidentId } : {}),
    by,
    reason,
    detail,
    detailMessage,
  });
}

export function describeOperator(by: OperatorIdentity): string {
  return by.channel === 'cli' ? 'local CLI' : `telegram user ${by.userId ?? '?'}${by.name ? ` (${by.name})` : ''}`;
}

function allowed(b: Builder, by: OperatorIdentity): boolean {
  if (by.channel === 'cli') return true;
  if (by.userId === undefined || !b.policy.allowedUserIds.includes(by.userId)) return false;
  if (b.policy.chatId !== undefined && by.chatId !== b.policy.chatId) return false;
  return true;
}

/** Manual incidents (`/rollback`, `/halt`, `/resume`) get ids of their own. */
export function onOperator(
  b: Builder,
  command: OperatorCommand,
  by: OperatorIdentity,
  openManual: (action: 'rollback' | 'halt' | 'resume') => Incident,
): void {
  if (!allowed(b, by)) {
    refuse(b, by, 'not-allowed', { key: 'not-allowed', command: command.kind }, 'incidentId' in command ? command.incidentId : undefined);
    return;
  }
  switch (command.kind) {
    case 'approve':
    case 'veto': {
      const named = b.find(command.incidentId);
      if (!named) return refuse(b, by, 'unknown-incident', { key: 'unknown-incident', incidentId: command.incidentId }, command.incidentId);
      const incident = decisionOwner(b, named);
      const d = incident.decision;
      if (incident.phase !== 'awaiting-decision' || !d)
        return refuse(b, by, 'not-awaiting', { key: 'not-awaiting', incidentId: incident.id, phase: incident.phase }, incident.id);
      if (command.nonce !== undefined) {
        if (command.nonce !== d.nonce) return refuse(b, by, 'stale', { key: 'stale', incidentId: incident.id }, incident.id);
        if (b.now - d.announcedAt > b.policy.buttonExpiry)
          return refuse(b, by, 'expired', { key: 'expired', incidentId: incident.id, command: command.kind }, incident.id);
      }
      if (command.kind === 'veto') {
        incident.decision = { ...d, decidedBy: by, decidedAt: b.now, ...(command.reason ? { reason: command.reason } : {}) };
        b.transition(incident, 'vetoed', `vetoed by ${describeOperator(by)}${command.reason ? `: ${command.reason}` : ''}`);
        b.notify(`decided|${incident.id}|vetoed|${b.now}`, {
          kind: 'decision-recorded',
          incident: { ...incident },
          decision: 'vetoed',
          by,
          ...(command.reason ? { reason: command.reason } : {}),
        });
        return;
      }
      const block = hardBlock(b);
      if (block) return refuse(b, by, 'blocked', block, incident.id);
      approve(b, incident, by, `approved by ${describeOperator(by)}`);
      return;
    }
    case 'manual-action': {
      const block = hardBlock(b);
      if (block && command.action !== 'resume') return refuse(b, by, 'blocked', block);
      const incident = openManual(command.action);
      b.incidents.push(incident);
      b.record(incident, 'incident-opened', `${command.action} asked by ${describeOperator(by)}`);
      incident.planRequested = true;
      b.effects.push({ kind: 'plan', incidentId: incident.id, action: command.action });
      return;
    }
    case 'arm':
      b.safety.armed = true;
      b.journal.push({
        at: b.now,
        type: 'operator-command',
        incidentId: '-',
        ruleId: '-',
        cause: 'arm',
        summary: `re-armed by ${describeOperator(by)}`,
      });
      return;
    case 'silence':
      b.safety.silenced[command.ruleId] = command.until;
      b.journal.push({
        at: b.now,
        type: 'operator-command',
        incidentId: '-',
        ruleId: command.ruleId,
        cause: 'silence',
        summary: `silenced until ${new Date(command.until).toISOString()} by ${describeOperator(by)}`,
      });
      return;
    case 'unsilence':
      delete b.safety.silenced[command.ruleId];
      b.journal.push({
        at: b.now,
        type: 'operator-command',
        incidentId: '-',
        ruleId: command.ruleId,
        cause: 'unsilence',
        summary: `unsilenced by ${describeOperator(by)}`,
      });
      return;
  }
}
