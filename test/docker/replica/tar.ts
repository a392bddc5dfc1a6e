// A minimal in-memory ustar writer: enough for a Docker build context (files, directories, symlinks).
export interface TarEntry {
  /** Path inside the archive, `/`-separated, no leading slash. Directories may end with `/`. */
  path: string;
  type?: 'file' | 'dir' | 'symlink';
  content?: Buffer | string;
  /** Symlink target. */
  target?: string;
  mode?: number;
}

const BLOCK = 512;

export function tar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const body = type === 'file' ? toBuffer(entry.content ?? '') : Buffer.alloc(0);
    blocks.push(header(entry, type, body.length));
    if (body.length > 0) {
      blocks.push(body);
      const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
      if (pad) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(BLOCK * 2)); // end of archive
  return Buffer.concat(blocks);
}

function toBuffer(content: Buffer | string): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

function header(entry: TarEntry, type: 'file' | 'dir' | 'symlink', size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let path = entry.path.replace(/^\/+/, '');
  if (type === 'dir' && !path.endsWith('/')) path += '/';
  let prefix = '';
  if (Buffer.byteLength(path) > 100) {
    // ustar splits long names at a slash: up to 155 bytes of prefix, 100 of name.
    const cut = path.lastIndexOf('/', path.length - 2);
    prefix = path.slice(0, cut);
    path = path.slice(cut + 1);
    if (Buffer.byteLength(path) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`tar: path too long: ${entry.path}`);
  }
  h.write(path, 0, 100, 'utf8');
  octal(h, 100, 8, entry.mode ?? (type === 'dir' ? 0o755 : 0o644));
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, 1_700_000_000); // fixed mtime: identical contexts give identical (cacheable) builds
  h.write('        ', 148, 8, 'ascii'); // checksum placeholder: spaces while summing
  h.write(type === 'dir' ? '5' : type === 'symlink' ? '2' : '0', 156, 1, 'ascii');
  if (type === 'symlink') h.write(entry.target ?? '', 157, 100, 'utf8');
  h.write('ustar\u0000', 257, 6, 'binary');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  if (prefix) h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'binary');
  return h;
}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}
