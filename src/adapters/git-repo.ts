// The git port of the rollback engine (runbook §3): the few questions and commands the git strategy
// needs, through the git CLI. Expected failures (not a repository, unknown commit) are values.
import { execFile } from 'node:child_process';
import type { GitPort } from '../ports/git.ts';

interface Ran {
  code: number;
  stdout: Buffer;
  stderr: string;
}

const MAX_ARCHIVE_BYTES = 1 << 30;

export function createGitRepo(options: { gitBinary?: string; timeoutMs?: number } = {}): GitPort {
  const binary = options.gitBinary ?? 'git';
  const timeout = options.timeoutMs ?? 120_000;

  const run = (repo: string, args: string[]): Promise<Ran | { spawnError: string }> =>
    new Promise((resolve) => {
      // safe.directory: the checkout is usually owned by another user than the sidecar (a bind mount);
      // without it git refuses every command with "dubious ownership".
      const argv = ['-C', repo, '-c', `safe.directory=${repo}`, '-c', 'core.quotepath=off', ...args];
      execFile(
        binary,
        argv,
        {
          encoding: 'buffer',
          maxBuffer: MAX_ARCHIVE_BYTES,
          timeout,
          env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' },
        },
        (error, stdout, stderr) => {
          const err = error as (NodeJS.ErrnoException & { code?: number | string }) | null;
          if (err && typeof err.code === 'string') {
            resolve({ spawnError: err.code === 'ENOENT' ? `the git command was not found (${binary})` : `git: ${err.message}` });
            return;
          }
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
            stdout: stdout as Buffer,
            stderr: (stderr as Buffer).toString('utf8').trim(),
          });
        },
      );
    });

  const text = (r: Ran): string => r.stdout.toString('utf8').trim();
  const failure = (r: Ran | { spawnError: string }, what: string): string =>
    'spawnError' in r ? r.spawnError : `${what} failed (exit ${r.code}): ${r.stderr.split('\n')[0] || 'no message'}`;

  return {
    async status(repo) {
      const inside = await run(repo, ['rev-parse', '--is-inside-work-tree']);
      if ('spawnError' in inside) return { ok: false, error: inside.spawnError };
      if (inside.code !== 0 || text(inside) !== 'true')
        return { ok: false, error: `${repo} is not a git working tree${inside.stderr ? `: ${inside.stderr.split('\n')[0]}` : ''}` };
      const head = await run(repo, ['rev-parse', '--verify', 'HEAD']);
      if ('spawnError' in head || head.code !== 0) return { ok: false, error: failure(head, 'git rev-parse HEAD') };
      const branch = await run(repo, ['symbolic-ref', '-q', '--short', 'HEAD']);
      if ('spawnError' in branch) return { ok: false, error: branch.spawnError };
      // Untracked files do not make the tree dirty: checkout leaves them alone (and refuses to
      // overwrite one), and a deployment's data/ and logs/ live in the checkout.
      const porcelain = await run(repo, ['status', '--porcelain=v1', '--untracked-files=no']);
      if ('spawnError' in porcelain || porcelain.code !== 0) return { ok: false, error: failure(porcelain, 'git status') };
      const dirty = porcelain.stdout
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      return { ok: true, value: { head: text(head), ...(branch.code === 0 && text(branch) ? { branch: text(branch) } : {}), dirty } };
    },
    async resolve(repo, rev) {
      const commit = await run(repo, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
      if ('spawnError' in commit) return { ok: false, error: commit.spawnError };
      if (commit.code !== 0) return { ok: true, value: undefined };
      const tree = await run(repo, ['rev-parse', '--verify', `${text(commit)}^{tree}`]);
      if ('spawnError' in tree || tree.code !== 0) return { ok: false, error: failure(tree, 'git rev-parse tree') };
      return { ok: true, value: { commit: text(commit), tree: text(tree) } };
    },
    async branchAt(repo, branch) {
      const r = await run(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
      if ('spawnError' in r) return { ok: false, error: r.spawnError };
      return { ok: true, value: r.code === 0 ? text(r) : undefined };
    },
    async createBranch(repo, branch, commit) {
      const r = await run(repo, ['branch', branch, commit]);
      return 'spawnError' in r || r.code !== 0
        ? { ok: false, error: failure(r, `git branch ${branch} ${commit}`) }
        : { ok: true, value: undefined };
    },
    async checkout(repo, ref) {
      const r = await run(repo, ['checkout', '-q', ref]);
      return 'spawnError' in r || r.code !== 0 ? { ok: false, error: failure(r, `git checkout ${ref}`) } : { ok: true, value: undefined };
    },
    async archive(repo, commit) {
      const r = await run(repo, ['archive', '--format=tar', commit]);
      return 'spawnError' in r || r.code !== 0 ? { ok: false, error: failure(r, `git archive ${commit}`) } : { ok: true, value: r.stdout };
    },
  };
}
