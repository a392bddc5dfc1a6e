// What a release's Dockerfile says about the cron container's image: its command, entrypoint, user
// and where each repository file lands in the image. Pure: text in, facts out. Only the instructions
// the catalogue needs are read; build-time details (RUN apt-get, ARG) are ignored.

export interface DockerfileCopy {
  /** Source as written, relative to the build context (`scripts/`, `crontab`). */
  from: string;
  /** Absolute destination in the image (WORKDIR applied). */
  to: string;
}

export interface DockerfileFacts {
  /** CMD, JSON form as written; shell form becomes `/bin/sh -c …`, as docker runs it. */
  command?: string[];
  entrypoint?: string[];
  /** USER as written, or `root` when the Dockerfile sets none. */
  user: string;
  /** The uid `useradd --uid N <user>` gives the USER (0 for root). */
  uid?: number;
  copies: DockerfileCopy[];
  /** Variables set by ENV, last assignment wins. */
  env: Record<string, string>;
}

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): { keyword: string; args: string }[] {
  const out: { keyword: string; args: string }[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    // Comment lines inside a continued instruction are skipped by docker as well.
    if (pending !== '' && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole === '') continue;
    const m = /^(\S+)\s*(.*)$/.exec(whole)!;
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]! });
  }
  return out;
}

function execForm(args: string): string[] {
  if (args.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(args);
      if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return parsed as string[];
    } catch {
      /* not JSON: docker reads it as shell form too */
    }
  }
  return ['/bin/sh', '-c', args];
}

function joinPosix(base: string, rel: string): string {
  const parts: string[] = [];
  for (const part of (rel.startsWith('/') ? rel : `${base}/${rel}`).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** The uids `useradd --uid N name` assigns, by user name. */
function usersCreated(run: string): Map<string, number> {
  const users = new Map<string, number>();
  const takesValue = new Set(['-u', '--uid', '-g', '--gid', '-s', '--shell', '-d', '--home-dir', '-G', '--groups', '-c', '--comment']);
  for (const command of run.split(/&&|\|\||;/)) {
    const tokens = command.trim().split(/\s+/);
    if (tokens[0] !== 'useradd') continue;
    let uid: number | undefined;
    let name: string | undefined;
    for (let i = 1; i < tokens.length; i++) {
      const token = tokens[i]!;
      const eq = /^(--uid)=(\d+)$/.exec(token);
      if (eq) uid = Number(eq[2]);
      else if (takesValue.has(token)) {
        if (token === '-u' || token === '--uid') uid = Number(tokens[i + 1]);
        i++;
      } else if (!token.startsWith('-')) name = token;
    }
    if (name !== undefined && uid !== undefined && Number.isInteger(uid)) users.set(name, uid);
  }
  return users;
}

export function readDockerfile(text: string): DockerfileFacts {
  let workdir = '/';
  let user: string | undefined;
  let command: string[] | undefined;
  let entrypoint: string[] | undefined;
  const copies: DockerfileCopy[] = [];
  const env: Record<string, string> = {};
  const uids = new Map<string, number>([['root', 0]]);
  for (const { keyword, args } of instructions(text)) {
    switch (keyword) {
      case 'FROM':
        // A later stage starts from scratch: only the last stage is the image.
        workdir = '/';
        user = undefined;
        command = undefined;
        entrypoint = undefined;
        copies.length = 0;
        break;
      case 'WORKDIR':
        workdir = joinPosix(workdir, args.trim());
        break;
      case 'USER':
        user = args.trim().split(':')[0];
        break;
      case 'CMD':
        command = execForm(args.trim());
        break;
      case 'ENTRYPOINT':
        entrypoint = execForm(args.trim());
        break;
      case 'ENV': {
        const assignments = args.includes('=') ? [...args.matchAll(/([A-Za-z_]\w*)=("[^"]*"|\S*)/g)] : [];
        if (assignments.length > 0) for (const a of assignments) env[a[1]!] = a[2]!.replace(/^"(.*)"$/, '$1');
        else {
          const legacy = /^(\S+)\s+(.*)$/.exec(args.trim());
          if (legacy) env[legacy[1]!] = legacy[2]!;
        }
        break;
      }
      case 'RUN':
        for (const [name, uid] of usersCreated(args)) uids.set(name, uid);
        break;
      case 'COPY':
      case 'ADD': {
        const parts = args.trim().startsWith('[') ? execForm(args.trim()) : args.trim().split(/\s+/);
        const paths = parts.filter((p) => !p.startsWith('--'));
        if (paths.length < 2) break;
        const dest = paths[paths.length - 1]!;
        for (const from of paths.slice(0, -1)) {
          const to = joinPosix(workdir, dest);
          // `COPY a b/` and `COPY dir/ dir/` put things inside the destination directory.
          const isDir = from.endsWith('/') || from === '.';
          copies.push({ from, to: dest.endsWith('/') && !isDir ? joinPosix(to, from.split('/').pop()!) : to });
        }
        break;
      }
      default:
        break;
    }
  }
  const effectiveUser = user ?? 'root';
  return {
    ...(command ? { command } : {}),
    ...(entrypoint ? { entrypoint } : {}),
    user: effectiveUser,
    ...(uids.has(effectiveUser) ? { uid: uids.get(effectiveUser)! } : {}),
    copies,
    env,
  };
}

/**
 * Where a repository file lands in the image, or undefined when no COPY takes it. The last COPY that
 * takes it wins, as in the image's layers.
 */
export function containerPathOf(copies: readonly DockerfileCopy[], repoPath: string): string | undefined {
  let found: string | undefined;
  for (const copy of copies) {
    const from = copy.from.replace(/^\.\//, '');
    if (from === '.' || from === '') found = joinPosix(copy.to, repoPath);
    else if (from.endsWith('/') && repoPath.startsWith(from)) found = joinPosix(copy.to, repoPath.slice(from.length));
    else if (from === repoPath) found = copy.to;
    else if (!from.endsWith('/') && repoPath.startsWith(`${from}/`)) found = joinPosix(copy.to, repoPath.slice(from.length + 1));
  }
  return found;
}
