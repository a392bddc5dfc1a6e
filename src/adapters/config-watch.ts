// Hot reload: watches sentinel.yaml and the rule files, debounces, re-loads, and reports either the new
// valid version (onReload) or why the new version is refused (onInvalid) so the caller keeps the last good one.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isRuleFileName } from '../config/load-rules.ts';
import { watchDir, type DirWatch } from './dir-watch.ts';

/** What `load` returns: a valid version (anything with `ok: true`) or the reasons it is refused. */
export type LoadOutcome = { ok: true } | { ok: false; errors: string[] };

export interface WatchConfigOptions<R extends LoadOutcome> {
  /** The config file; absent when running on the embedded default (then only rules are watched). */
  configPath?: string | undefined;
  /** Rule files or directories, as the config names them. */
  rulesPaths: readonly string[];
  /** Loads everything again (config and rules); must not throw, but a throw is reported as invalid. */
  load: () => Promise<R>;
  /** A new valid version: the caller switches to it. */
  onReload: (result: Extract<R, { ok: true }>) => void | Promise<void>;
  /** A new version that does not load: the caller keeps what it has, and says why. */
  onInvalid: (errors: string[]) => void | Promise<void>;
  /** Watcher failures and exceptions thrown by the callbacks (which are bugs of the caller). */
  onError?: (err: unknown) => void;
  /** Quiet time after the last change before re-loading (editors write in several steps). */
  debounceMs?: number;
}

export interface ConfigWatcher {
  /** Resolves once the watches are in place: changes made after this are seen. */
  ready: Promise<void>;
  /** Re-load now even if no file changed (`/reload`). Resolves when the callbacks have run. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Watch the config and rules. Directories are watched, never the files themselves: editors save by
 * writing a temporary file and renaming it over the old one (a new inode). Each path's parent directory
 * and each rules directory is watched with `watchDir`, which follows a directory deleted and re-created.
 */
export function watchConfig<R extends LoadOutcome>(options: WatchConfigOptions<R>): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 300;
  const reportError =
    options.onError ?? ((err: unknown) => process.emitWarning(`config watcher: ${err instanceof Error ? err.message : String(err)}`));
  const configFile = options.configPath ? resolve(options.configPath) : undefined;
  const rulesTargets = options.rulesPaths.map((p) => resolve(p));

  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let pending: 'changed' | 'forced' | undefined;
  let lastSignature: string | undefined;
  const watches: DirWatch[] = [];

  const relevant = new Relevance(configFile, rulesTargets);

  const runOnce = async (force: boolean): Promise<void> => {
    const signature = await contentSignature(configFile, rulesTargets);
    // Several events per save (write, rename, chmod) and `touch` must not re-announce the same content.
    if (!force && signature === lastSignature) return;
    lastSignature = signature;
    let outcome: R | { ok: false; errors: string[] };
    try {
      outcome = await options.load();
    } catch (err) {
      outcome = { ok: false, errors: [`reload failed: ${err instanceof Error ? err.message : String(err)}`] };
    }
    if (closed) return;
    try {
      if (outcome.ok) await options.onReload(outcome as Extract<R, { ok: true }>);
      else await options.onInvalid((outcome as { errors: string[] }).errors);
    } catch (err) {
      reportError(err);
    }
  };

  /** Runs are serial; a change during a run queues exactly one more. */
  const request = (kind: 'changed' | 'forced'): Promise<void> => {
    if (closed) return Promise.resolve();
    if (running) {
      if (pending !== 'forced') pending = kind;
      return running;
    }
    running = (async () => {
      let next: 'changed' | 'forced' | undefined = kind;
      while (next && !closed) {
        pending = undefined;
        await runOnce(next === 'forced');
        next = pending;
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void request('changed');
    }, debounceMs);
  };

  const ready = (async () => {
    lastSignature = await contentSignature(configFile, rulesTargets);
    const rulesDirs = await Promise.all(rulesTargets.map(async (p) => ((await isDirectory(p)) ? p : undefined)));
    relevant.setRulesDirs(rulesDirs.filter((p): p is string => p !== undefined));
    if (closed) return;
    // All at once: the sooner every watch is armed, the shorter the window in which an edit goes unseen.
    const armed = await Promise.all(
      [...relevant.watchRoots()].map((root) =>
        watchDir({
          dir: root,
          coalesceMs: 0, // the debounce above does the coalescing
          onChange: ({ names }) => {
            // Unknown names (the directory came back, an unnamed event): the content signature decides.
            if (!names || [...names].some((name) => relevant.triggers(join(root, name)))) schedule();
          },
          onWatchError: (path, code) => {
            if (code !== 'ENOENT' && code !== 'ENOTDIR') reportError(new Error(`cannot watch ${path} (${code})`));
          },
        }),
      ),
    );
    if (closed) for (const watch of armed) watch.close();
    else watches.push(...armed);
  })();

  return {
    ready,
    reload: () => request('forced'),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await ready.catch(() => undefined);
      for (const watch of watches.splice(0)) watch.close();
      await running;
    },
  };
}

/** Which paths to watch and which changes matter. */
class Relevance {
  private readonly files = new Set<string>();
  private readonly roots = new Set<string>();
  private rulesDirs = new Set<string>();

  constructor(configFile: string | undefined, rulesTargets: string[]) {
    if (configFile) this.files.add(configFile);
    for (const p of rulesTargets) this.files.add(p);
    for (const p of this.files) this.roots.add(dirname(p));
  }

  setRulesDirs(dirs: string[]): void {
    this.rulesDirs = new Set(dirs);
  }

  /** The directories to watch: each named path's parent, and each rules directory (for the rule files in it). */
  watchRoots(): Set<string> {
    return new Set([...this.roots, ...this.rulesDirs]);
  }

  /** A change that can alter what loads: a named file, a rules directory, or a rule file in one. */
  triggers(path: string): boolean {
    const p = resolve(path);
    if (this.files.has(p) || this.rulesDirs.has(p)) return true;
    return this.rulesDirs.has(dirname(p)) && isRuleFileName(basename(p));
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** A hash of everything that can change what loads: the config and every rule file, by name and content. */
async function contentSignature(configFile: string | undefined, rulesTargets: string[]): Promise<string> {
  const hash = createHash('sha256');
  const add = async (path: string): Promise<void> => {
    hash.update(`\0${path}\0`);
    try {
      hash.update(await readFile(path));
    } catch (err) {
      hash.update(`unreadable:${(err as { code?: string }).code ?? 'error'}`);
    }
  };
  if (configFile) await add(configFile);
  for (const target of rulesTargets) {
    if (await isDirectory(target)) {
      let names: string[] = [];
      try {
        names = (await readdir(target)).filter(isRuleFileName).sort();
      } catch {
        hash.update(`\0${target}\0unlistable`);
      }
      hash.update(`\0${target}/\0`);
      for (const name of names) await add(join(target, name));
    } else {
      await add(target);
    }
  }
  return hash.digest('hex');
}
