// The Telegram renderer of answers to operators: button-press answers, confirmation prompts, command
// acknowledgements, /help, usage and refusal answers, and /reload's outcome. Pure.
import { formatInstant } from './messages.ts';
import { formatDuration } from './schedule.ts';
import { appliedText, restartRequiredText } from './reload-text.ts';
import { telegramText, type Language } from './text/catalogue.ts';
import {
  COMMAND_ORDER,
  encodeCallbackData,
  type CommandAck,
  type CommandName,
  type ManualActionName,
  type PressAnswer,
  type UsageProblem,
} from './telegram-commands.ts';
import { clipPlain, code, escapeHtml, field, fitBlocks, html, type TelegramMessage } from './telegram-html.ts';

export function unknownIncidentText(lang: Language, incidentId: string): string {
  return telegramText(lang).unknownIncident(incidentId);
}

/** Callback answers: plain text, at most 200 characters. */
export function pressAnswerText(lang: Language, answer: PressAnswer): string {
  return telegramText(lang).press[answer];
}

/** The confirmation prompt for /rollback, /halt, /resume, with its Confirm / Cancel buttons. */
export function confirmPrompt(lang: Language, action: ManualActionName, nonce: string, ttlMs: number): TelegramMessage | undefined {
  const confirm = encodeCallbackData({ kind: 'confirm', action, nonce });
  const cancel = encodeCallbackData({ kind: 'cancel', nonce });
  if (!confirm.ok || !cancel.ok) return undefined;
  const t = telegramText(lang);
  return {
    html: t.confirmPrompt[action](formatDuration(ttlMs)),
    keyboard: [
      [
        { text: t.buttons.confirm, callback_data: confirm.data },
        { text: t.buttons.cancel, callback_data: cancel.data },
      ],
    ],
  };
}

/** "Received" answers to commands the core decides on; the core's own notice follows with the outcome. */
export function commandAckText(lang: Language, ack: CommandAck, timeZone: string): string {
  const t = telegramText(lang);
  switch (ack.kind) {
    case 'approve':
      return t.ack.approve(escapeHtml(ack.incidentId));
    case 'veto':
      return t.ack.veto(escapeHtml(ack.incidentId)) + (ack.reason ? `\n${t.reason}: ${field(ack.reason)}` : '');
    case 'manual-action':
      return t.ack.manual(t.manual[ack.action]);
    case 'arm':
      return t.ack.arm;
    case 'silence':
      return t.ack.silence(code(ack.ruleId), formatInstant(ack.until, timeZone));
    case 'unsilence':
      return t.ack.unsilence(code(ack.ruleId));
  }
}

export function helpText(lang: Language): string {
  const t = telegramText(lang);
  return [t.helpTitle, ...COMMAND_ORDER.map((c) => `${escapeHtml(t.syntax[c])} — ${t.help[c]}`)].join('\n');
}

/** A short usage answer for a command with bad or missing arguments. */
export function usageText(lang: Language, command: CommandName, problem: UsageProblem): string {
  const t = telegramText(lang);
  const what = t.usage[problem.kind]('value' in problem ? code(problem.value) : '');
  return `⚠️ ${what}\n${t.usage.label}: <code>${escapeHtml(t.syntax[command])}</code>`;
}

export function unknownCommandText(lang: Language, name: string): string {
  return telegramText(lang).unknownCommand(code(`/${clipPlain(name, 40)}`));
}

export function notAllowedText(lang: Language): string {
  return telegramText(lang).notAllowed;
}

/** A command from a chat other than the operator chat: the same words as a press from there. */
export function foreignChatText(lang: Language): string {
  return telegramText(lang).press['foreign-chat'];
}

export type ReloadOutcome =
  { ok: true; rules: number; applied?: readonly string[]; restartRequired?: readonly string[] } | { ok: false; errors: string[] };

export function reloadText(lang: Language, outcome: ReloadOutcome | 'reloading' | 'unavailable'): string {
  const t = telegramText(lang);

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
