// A Node base image made from this machine's own runtime, for building the sidecar's image where no
// registry answers (CI): FROM scratch + the node binary, npm, git, the shared libraries `ldd` lists for
// them, and a static busybox for the Dockerfile's RUN steps. Passed to the Dockerfile as NODE_IMAGE.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { TEST_LABEL } from './engine.ts';
import { findBusybox } from './replica.ts';
import { buildFromContext } from './image-build.ts';

/** The tag of the local base. Rebuilt once per test process; the engine's layer cache makes a repeat cheap. */
export const LOCAL_NODE_IMAGE = 'turtle-sentinel-ci/node:local';

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not on PATH: the local Node base image needs it`);
}

/** The absolute library paths `ldd` prints for a binary (the loader included). */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

/** Lay out the base's root file system in a directory; returns the build context directory. */
export function stageNodeBase(): string {
  const context = mkdtempSync(join(tmpdir(), 'ts-ship-node-base-'));
  const rootfs = join(context, 'rootfs');
  const put = (source: string, target: string, mode?: number) => {
    const to = join(rootfs, target);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(realpathSync(source), to); // libraries are symlinks to versioned files: copy the content
    if (mode !== undefined) chmodSync(to, mode);
  };
  const node = realpathSync(process.execPath);
  const git = realpathSync(onPath('git'));
  // npm is JavaScript: its whole package directory, run by this node.
  const npmDir = dirname(dirname(realpathSync(onPath('npm'))));

  put(node, 'usr/local/bin/node', 0o755);
  put(git, 'usr/bin/git', 0o755);
  for (const lib of new Set([...sharedLibraries(node), ...sharedLibraries(git)])) put(lib, lib.slice(1));
  cpSync(npmDir, join(rootfs, 'usr/local/lib/node_modules/npm'), { recursive: true, dereference: false });
  for (const tool of ['npm', 'npx']) {
    symlinkSync(`../lib/node_modules/npm/bin/${tool}-cli.js`, join(rootfs, 'usr/local/bin', tool));
  }
  put(findBusybox(), 'bin/busybox', 0o755);
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  // The official image's users: root, and node as uid 1000.
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  // This machine's trust store: where egress passes a TLS-inspecting proxy, npm inside the build must
  // trust what the host trusts (node reads it through NODE_EXTRA_CA_CERTS below).
  if (existsSync(CA_BUNDLE)) put(CA_BUNDLE, CA_BUNDLE.slice(1));

  writeFileSync(
    join(context, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY rootfs/ /',
      'RUN ["/bin/busybox","--install","-s","/bin"]',
      // /usr/bin/env for `#!/usr/bin/env node` (bin/turtle-sentinel.js), /tmp for npm.
      'RUN ["/bin/sh","-c","mkdir -p /usr/bin /tmp /root /home/node && ln -s /bin/busybox /usr/bin/env && chmod 1777 /tmp && chown 1000:1000 /home/node"]',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      ...(existsSync(CA_BUNDLE) ? [`ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`] : []),
      `LABEL ${TEST_LABEL}=node-base`,
      'CMD ["node"]',
      '',
    ].join('\n'),
  );
  return context;
}

/**
 * What the base is made of: node, npm and git versions and the bytes of the trust store and busybox.
 * A copy of the same files still has new mtimes, which the engine's build cache counts, so the tag's
 * label decides whether the base (and with it every cached layer of the sidecar's image) can be kept.
 */
export function nodeBaseFingerprint(): string {
  const hash = createHash('sha256');
  hash.update(process.version);
  hash.update(execFileSync(realpathSync(onPath('git')), ['--version'], { encoding: 'utf8' }));
  hash.update(readFileSync(join(dirname(dirname(realpathSync(onPath('npm')))), 'package.json')));
  hash.update(readFileSync(findBusybox()));
  if (existsSync(CA_BUNDLE)) hash.update(readFileSync(CA_BUNDLE));
  return hash.digest('hex').slice(0, 16);
}

const FINGERPRINT_LABEL = 'turtle-sentinel.node-base';

/** Build the local Node base unless the tagged one was made from the same runtime; returns its tag. */
export async function buildLocalNodeImage(docker: Docker): Promise<string> {
  const fingerprint = nodeBaseFingerprint();
  try {
    const existing = await docker.getImage(LOCAL_NODE_IMAGE).inspect();
    if (existing.Config?.Labels?.[FINGERPRINT_LABEL] === fingerprint) return LOCAL_NODE_IMAGE;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  const context = stageNodeBase();
  try {
    await buildFromContext(docker, context, { t: LOCAL_NODE_IMAGE, labels: { [FINGERPRINT_LABEL]: fingerprint } });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return LOCAL_NODE_IMAGE;
}
