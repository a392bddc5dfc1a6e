// The git port of the rollback engine (runbook §3): the few questions and commands the git strategy needs.

export type GitResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface GitStatus {
  /** Full hash of HEAD. */
  head: string;
  /** Checked-out branch; absent when HEAD is detached. */
  branch?: string;
  /** Tracked files with uncommitted changes (`git status --porcelain` lines). */
  dirty: string[];
}

export interface GitPort {
  status(repo: string): Promise<GitResult<GitStatus>>;
  /** The full commit and tree hashes of a revision, or undefined when the repository has no such commit. */
  resolve(repo: string, rev: string): Promise<GitResult<{ commit: string; tree: string } | undefined>>;
  /** Where a local branch points, or undefined when there is no such branch. */
  branchAt(repo: string, branch: string): Promise<GitResult<string | undefined>>;
  createBranch(repo: string, branch: string, commit: string): Promise<GitResult<void>>;
  checkout(repo: string, ref: string): Promise<GitResult<void>>;
  /** The committed tree of a commit as a tar archive: the exact build context of that commit. */
  archive(repo: string, commit: string): Promise<GitResult<Buffer>>;
}
