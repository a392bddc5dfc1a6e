// English words shared by the English verdict and evidence tables. Pure.
import type { FileUnavailable } from '../../verdict-text.ts';
import type { StopWord } from '../../halt-levers.ts';

export function enUnavailable(u: FileUnavailable): string {
  switch (u.state) {
    case 'unread':
      return `${u.file} has not been read yet`;
    case 'absent':
      return `${u.file} does not exist`;
    case 'corrupt':
      return `${u.file} is corrupt (${u.path}: ${u.detail})`;
  }
}

/** What a halt stops, per catalogue stop word (halt-levers.ts). */
export const EN_STOPS: Record<StopWord, string> = {
  'scheduled-jobs': 'every scheduled job',
  exits: 'exits',
  'stop-loss-alerts': 'intraday stop-loss alerts',
  'new-entries': 'new entries',
};

/** `a`, `a and b`, `a, b and c`. */
export function enList(parts: string[]): string {
  return parts.length <= 2 ? parts.join(' and ') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
