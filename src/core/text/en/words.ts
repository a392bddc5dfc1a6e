// English words shared by the English verdict and evidence tables. Pure.
import type { FileUnavailable } from '../../verdict-text.ts';

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
