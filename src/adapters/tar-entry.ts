// The first entry of a tar archive, as the engine's archive endpoint returns one path: enough of the
// ustar/PAX format to take out a file's bytes or a link's target, without a tar library.

export type TarEntry =
  | { type: 'file'; name: string; content: Buffer }
  | { type: 'symlink'; name: string; linkName: string }
  | { type: 'directory' | 'other'; name: string };

const BLOCK = 512;

/** The first real entry (PAX and GNU long-name headers are read for the name, then skipped); undefined for an empty archive. */
export function firstTarEntry(archive: Buffer): TarEntry | undefined {
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156]!);
    const body = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      const pax = paxRecords(body);
      longName = pax.path ?? longName;
      longLink = pax.linkpath ?? longLink;
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L' || type === 'K') {
      const value = cString(body);
      if (type === 'L') longName = value;
      else longLink = value;
      continue;
    }
    const name = longName ?? cString(header.subarray(0, 100));
    if (type === '0' || type === '\0' || type === '7') return { type: 'file', name, content: Buffer.from(body) };
    if (type === '2') return { type: 'symlink', name, linkName: longLink ?? cString(header.subarray(157, 257)) };
    return { type: type === '5' ? 'directory' : 'other', name };
  }
  return undefined;
}

function parseOctal(field: Buffer): number {
  const text = cString(field).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(field: Buffer): string {
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString('utf8');
}

/** PAX records are `<len> <key>=<value>\n`. */
function paxRecords(body: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const length = parseInt(body.subarray(at, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = body.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}
