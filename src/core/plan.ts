// The exact plan of a rollback, halt or resume, built from inspected facts (pure): the operations in
// order, the text an operator approves, and a content hash that binds an approval to this plan.
import type { PlanPreview } from './types.ts';
import type { HashText } from './hash.ts';
import { stopsText, type HaltStops } from './halt-levers.ts';
import { EN_STOPS, enList } from './text/en/words.ts';
import { KO_STOPS, koList } from './text/ko/words.ts';
import { blockedReason, loadBlock, targetUser, type PlanBlock, type RollbackRelease } from './rollback-target.ts';

export type PlanAction = 'rollback' | 'halt' | 'resume';
export type Strategy = 'image-tag' | 'git';

/** What recreate carries over from a container's own configuration, summarised for the operator. */
export interface ConfigSummary {
  cmd?: string[];
  entrypoint?: string[];
  user?: string;
  workingDir?: string;
  /** Names of the environment variables the container sets itself (values are never shown: secrets). */
  env: string[];
  binds: string[];
  ports: string[];
  restart: string;
  networks: { name: string; aliases: string[] }[];
  labels: number;
}

export interface ContainerFact {
  name: string;
  id: string;
  imageId: string;
  /** `Config.Image`: the reference the container was created from. */
  imageRef: string;
  status: string;
  composeProject?: string;
  composeService?: string;
  config: ConfigSummary;
}

export interface GitFacts {
  repo: string;
  head: string;
  branch?: string;
  dirty: string[];
  /** The configured target as written (`238760b`) and what it resolves to. */
  requested: string;
  target?: { commit: string; tree: string };
  branchName: string;
  /** Where the rollback branch already points, when it exists. */
  branchAt?: string;
  dockerfile: string;
}

export interface FailedTarget {
  target: string;
  at: number;
  detail: string;
}

export interface VerifySpec {
  crontabRuns: string[];
  crontabDoesNotRun: string[];
  files: string[];
}

export interface PlanFacts {
  action: PlanAction;
  strategy: 'auto' | Strategy;
  cronContainer: string;
  /** The configured containers, in order; nothing else is ever touched. */
  configured: string[];
  /** Inspected containers by name; absent = not found. */
  containers: Record<string, ContainerFact | undefined>;
  backup: { reference: string; imageId?: string };
  rollbackTag: { reference: string; imageId?: string };
  composeSeparator: '-' | '_';
  /** Current image ID of each compose image name (absent: the name does not exist). */
  composeImages: Record<string, string | undefined>;
  git: { enabled: boolean; facts?: GitFacts; error?: string };
  verify: VerifySpec;
  /** Targets whose verification failed before: never retried unless forced. */
  failedTargets: FailedTarget[];
  force: boolean;
  /** Paths as the operator knows them (relative to the deployment root), for the plan text. */
  display: { dataDir: string; logsDir: string };
  /**
   * The catalogued release the rollback goes to and the current records (rollback-target.ts): absent
   * when neither the running release is recognised nor a target release configured.
   */
  release?: RollbackRelease;
  /** What a halt stops on the running release, when it is recognised (catalogue `halt`). */
  haltStops?: HaltStops;
}

export type ImageTarget = { id: string } | { builtFrom: string };

export type PlanOp =
  | { op: 'preflight'; container: string; baseline: string[] }
  | { op: 'build'; repo: string; commit: string; tree: string; dockerfile: string; tag: string; previousId?: string }
  | { op: 'backup'; dataDir: string; logsDir: string }
  | { op: 'stop'; container: string; id: string }
  | { op: 'rename'; container: string; id: string; to: string }
  | {
      op: 'create';
      container: string;
      fromId: string;
      image: ImageTarget;
      config: ConfigSummary;
      /** The user the target release needs instead of the container's own (root for a Debian-cron target). */
      user?: string;
    }
  /**
   * Between creating the cron container and starting it: its files are the target release's (the git blob
   * ids of the catalogue's recognition files, read from the created container). The backup tag holds
   * whatever the deploy script tagged last, which on any release but the runbook's may be another release
   * than the target: this is where that is found out, before anything runs on today's state.
   */
  | { op: 'release-check'; container: string; image: ImageTarget; release: string; files: Record<string, string> }
  | { op: 'start'; container: string }
  | { op: 'tag'; image: ImageTarget; references: { reference: string; previousId?: string }[] }
  | { op: 'git-checkout'; repo: string; branch: string; commit: string; branchExists: boolean; previous: string; previousHead: string }
  | { op: 'verify'; containers: string[]; image: ImageTarget; spec: VerifySpec }
  | { op: 'remove-old'; containers: { name: string; id: string; renamedTo: string }[] }
  /** `stops`: what stopping the container stops on the running release (halt-levers.ts), when recognised. */
  | { op: 'halt'; container: string; id: string; stops?: HaltStops }
  | { op: 'resume'; container: string; id: string };

export interface Plan {
  id: string;
  action: PlanAction;
  strategy?: Strategy;
  /** What a failed verification is recorded against: `image:<id>` or `commit:<sha>`. */
  target?: string;
  ops: PlanOp[];
  preview: PlanPreview;
}

/** No plan, and why; `blocked` when the target cannot load the current state files (escalated, never run). */
export type PlanResult = { ok: true; plan: Plan } | { ok: false; reason: string; blocked?: PlanBlock };

/** The name compose gives the image it builds for a service (`<project>-<service>` in Compose v2). */
export function composeImageName(
  container: Pick<ContainerFact, 'composeProject' | 'composeService'>,
  separator: '-' | '_',
): string | undefined {
  if (!container.composeProject || !container.composeService) return undefined;
  return `${container.composeProject}${separator}${container.composeService}`.toLowerCase();
}

/** The name the original container keeps (stopped) until verification passes. */
export function renamedName(container: ContainerFact): string {
  return `${container.name}-pre-rollback-${shortId(container.id)}`;
}

export function buildPlan(facts: PlanFacts, hash: HashText): PlanResult {
  const missing = facts.configured.filter((name) => facts.containers[name] === undefined);
  switch (facts.action) {
    case 'halt':
    case 'resume':
      return cronPlan(facts, facts.action, hash);
    case 'rollback':
      if (missing.length > 0) {
        return {
          ok: false,
          reason: `configured container${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found: a rollback recreates every guarded container, so nothing was planned`,
        };
      }
      // Before anything else: a target that cannot load the current state is no plan at all, whatever
      // the strategy, the approval policy or the images at hand.
      if (facts.release) {
        const blocked = loadBlock(facts.release);
        if (blocked) return { ok: false, reason: blockedReason(blocked), blocked };
      }
      return rollbackPlan(facts, hash);
  }
}

function cronPlan(facts: PlanFacts, action: 'halt' | 'resume', hash: HashText): PlanResult {
  const cron = facts.containers[facts.cronContainer];
  if (!cron) return { ok: false, reason: `cron container ${facts.cronContainer} not found` };
  const active = cron.status === 'running' || cron.status === 'restarting';
  if (action === 'halt' && !active) return { ok: false, reason: `${cron.name} is already stopped (${cron.status}): nothing to halt` };
  if (action === 'resume' && active) return { ok: false, reason: `${cron.name} is already ${cron.status}: nothing to resume` };
  const ops: PlanOp[] =
    action === 'halt'
      ? [
          { op: 'preflight', container: cron.name, baseline: [] },
          { op: 'halt', container: cron.name, id: cron.id, ...(facts.haltStops ? { stops: facts.haltStops } : {}) },
        ]
      : [{ op: 'resume', container: cron.name, id: cron.id }];
  return { ok: true, plan: finish(hash, action, undefined, undefined, ops, undefined) };
}

function rollbackPlan(facts: PlanFacts, hash: HashText): PlanResult {
  const strategy = chooseStrategy(facts);
  if (!strategy.ok) return strategy;
  // The cron container first (it is the one that trades), then the others in configured order.
  const names = [facts.cronContainer, ...facts.configured.filter((n) => n !== facts.cronContainer)];
  const containers = names.map((n) => facts.containers[n]!);

  let image: ImageTarget;
  let target: string;
  const ops: PlanOp[] = [{ op: 'preflight', container: facts.cronContainer, baseline: names }];
  if (strategy.value === 'image-tag') {
    const id = facts.backup.imageId!;
    image = { id };
    target = `image:${id}`;
    const current = new Set(containers.map((c) => c.imageId));
    if (current.size === 1 && current.has(id)) {
      return {
        ok: false,
        reason: `the containers already run ${facts.backup.reference} (${shortId(id)}): nothing to roll back (if the deploy script ran twice, the backup tag names the new version)`,
      };
    }
  } else {
    const git = facts.git.facts!;
    const commit = git.target!.commit;
    image = { builtFrom: commit };
    target = `commit:${commit}`;
    const built = facts.rollbackTag.imageId;
    if (built !== undefined && containers.every((c) => c.imageId === built) && git.head === commit) {
      return {
        ok: false,
        reason: `the containers already run ${facts.rollbackTag.reference} (${shortId(built)}) and ${git.repo} is at ${shortSha(commit)}: nothing to roll back`,
      };
    }
    ops.push({
      op: 'build',
      repo: git.repo,
      commit,
      tree: git.target!.tree,
      dockerfile: git.dockerfile,
      tag: facts.rollbackTag.reference,
      ...(facts.rollbackTag.imageId !== undefined ? { previousId: facts.rollbackTag.imageId } : {}),
    });
  }

  const failed = facts.failedTargets.find((f) => f.target === target);
  if (failed && !facts.force) {
    return {
      ok: false,
      reason: `${describeTarget(target)} failed verification before (${failed.detail}); it is never retried automatically: an operator can force it from the CLI (rollback --force)`,
    };
  }

  ops.push({ op: 'backup', dataDir: facts.display.dataDir, logsDir: facts.display.logsDir });
  for (const c of containers) {
    ops.push({ op: 'stop', container: c.name, id: c.id });
    ops.push({ op: 'rename', container: c.name, id: c.id, to: renamedName(c) });
    const user = facts.release ? targetUser(facts.release.target, c.config.user) : undefined;
    ops.push({ op: 'create', container: c.name, fromId: c.id, image, config: c.config, ...(user !== undefined ? { user } : {}) });
    // The git strategy builds the target's own commit; a tagged image is only what someone tagged.
    if (strategy.value === 'image-tag' && c.name === facts.cronContainer && facts.release) {
      const files = facts.release.target.recognition.files;
      if (Object.keys(files).length > 0) {
        ops.push({ op: 'release-check', container: c.name, image, release: facts.release.target.release, files: { ...files } });
      }
    }
    ops.push({ op: 'start', container: c.name });
  }
  const references = [...new Set(containers.flatMap((c) => composeImageName(c, facts.composeSeparator) ?? []))].sort();
  if (references.length > 0) {
    ops.push({
      op: 'tag',
      image,
      references: references.map((reference) => {
        const previousId = facts.composeImages[reference];
        return previousId !== undefined ? { reference, previousId } : { reference };
      }),
    });
  }
  if (strategy.value === 'git') {
    const git = facts.git.facts!;
    ops.push({
      op: 'git-checkout',
      repo: git.repo,
      branch: git.branchName,
      commit: git.target!.commit,
      branchExists: git.branchAt !== undefined,
      previous: git.branch ?? git.head,
      previousHead: git.head,
    });
  }
  ops.push({ op: 'verify', containers: names, image, spec: facts.verify });
  ops.push({ op: 'remove-old', containers: containers.map((c) => ({ name: c.name, id: c.id, renamedTo: renamedName(c) })) });
  return { ok: true, plan: finish(hash, 'rollback', strategy.value, target, ops, 'id' in image ? image.id : undefined) };
}

function chooseStrategy(facts: PlanFacts): { ok: true; value: Strategy } | { ok: false; reason: string } {
  const backupExists = facts.backup.imageId !== undefined;
  const gitProblem = (): string | undefined => {
    if (!facts.git.enabled) return 'the git strategy is disabled (rollback.git.enabled: false)';
    if (facts.git.error !== undefined) return `git: ${facts.git.error}`;
    const git = facts.git.facts;
    if (!git) return 'git: no repository facts';
    if (git.dirty.length > 0) {
      const shown = git.dirty.slice(0, 5).join(', ');
      return `the working tree of ${git.repo} has uncommitted changes (${shown}${git.dirty.length > 5 ? `, … ${git.dirty.length} in all` : ''}): commit or stash them first`;
    }
    if (!git.target) return `commit ${git.requested} does not exist in ${git.repo}`;
    if (git.branchAt !== undefined && git.branchAt !== git.target.commit) {
      return `branch ${git.branchName} already exists at ${shortSha(git.branchAt)}, not at ${shortSha(git.target.commit)}: rename or delete it first`;
    }
    return undefined;
  };
  switch (facts.strategy) {
    case 'image-tag':
      return backupExists
        ? { ok: true, value: 'image-tag' }
        : { ok: false, reason: `backup tag ${facts.backup.reference} does not exist: use the git strategy (rollback --strategy git)` };
    case 'git': {
      const problem = gitProblem();
      return problem === undefined ? { ok: true, value: 'git' } : { ok: false, reason: problem };
    }
    case 'auto': {
      // A backup image that failed before (not the target release, or it did not verify) is not tried
      // again on its own: the git strategy builds the target's commit instead.
      const failed =
        backupExists && !facts.force ? facts.failedTargets.find((f) => f.target === `image:${facts.backup.imageId}`) : undefined;
      if (backupExists && !failed) return { ok: true, value: 'image-tag' };
      const problem = gitProblem();
      if (problem === undefined) return { ok: true, value: 'git' };
      return {
        ok: false,
        reason: failed
          ? `image ${shortId(facts.backup.imageId!)} of backup tag ${facts.backup.reference} failed verification before (${failed.detail}); it is never retried automatically: an operator can force it from the CLI (rollback --force), and ${problem}`
          : `backup tag ${facts.backup.reference} does not exist, and ${problem}`,
      };
    }
  }
}

function finish(
  hash: HashText,
  action: PlanAction,
  strategy: Strategy | undefined,
  target: string | undefined,
  ops: PlanOp[],
  targetImageId: string | undefined,
): Plan {
  const id = hash(canonicalJson({ action, strategy: strategy ?? null, target: target ?? null, ops })).slice(0, 16);
  const steps = ops.map((op) => describeOp(op));
  const preview: PlanPreview = {
    id,
    action,
    ...(strategy ? { strategy } : {}),
    steps,
    stepsKo: ops.map((op) => describeOpKo(op)),
    ...(targetImageId ? { targetImageId } : {}),
  };
  return { id, action, ...(strategy ? { strategy } : {}), ...(target ? { target } : {}), ops, preview };
}

// ---------------------------------------------------------------------------------------------
// Operator text: one line per operation

export function describeOp(op: PlanOp): string {
  switch (op.op) {
    case 'preflight':
      return op.baseline.length > 0
        ? `check that no job runs in ${op.container} (otherwise defer); record the inspect and image ID of ${op.baseline.join(', ')}; take the verification baseline`
        : `check that no job runs in ${op.container} (otherwise defer)`;
    case 'build':
      return `build the image of commit ${shortSha(op.commit)} (tree ${shortSha(op.tree)}) of ${op.repo} through the Docker API (${op.dockerfile}) and tag it ${op.tag}${op.previousId ? ` (now ${shortId(op.previousId)})` : ''}; a failed build stops here with nothing changed`;
    case 'backup':
      return `back up ${op.dataDir}/positions/positions.json (and entries.json, order_log.json when present) as ${op.dataDir}/positions/backups/positions.json.pre-rollback-<YYYYmmdd_HHMMSS>, SHA-256 verified, mode and owner kept; snapshot ${op.logsDir}/*.log as <log>.pre-rollback-<YYYYmmdd_HHMMSS>`;
    case 'stop':
      return `stop ${op.container} (container ${shortId(op.id)}) and set its restart policy to "no"`;
    case 'rename':
      return `rename ${op.container} to ${op.to} (kept, stopped, until verification passes)`;
    case 'create':
      return `create ${op.container} from the configuration of ${shortId(op.fromId)} with ${describeImage(op.image)} pinned by ID: ${describeConfig(op.user !== undefined ? { ...op.config, user: op.user } : op.config)}${op.user !== undefined ? ` (user ${op.user} instead of ${op.config.user ?? 'the image default'}: the target runs Debian cron, which needs root)` : ''}`;
    case 'release-check':
      return `before starting it, read ${Object.keys(op.files).join(', ')} from the created ${op.container} and compare them with ${op.release}'s (git blob ids of the release catalogue): if ${describeImage(op.image)} is not ${op.release}, nothing is started on it and the original containers are restored`;
    case 'start':
      return `start ${op.container}`;
    case 'tag':
      return `tag ${describeImage(op.image)} as ${op.references.map((r) => `${r.reference} (now ${r.previousId ? shortId(r.previousId) : 'absent'})`).join(', ')}, so that a plain compose recreate runs it too`;
    case 'git-checkout':
      return `${op.branchExists ? 'check out branch' : 'create branch'} ${op.branch}${op.branchExists ? '' : ` at ${shortSha(op.commit)} and check it out`} in ${op.repo} (was ${op.previous === op.previousHead ? shortSha(op.previous) : op.previous})`;
    case 'verify':
      return [
        `verify against the baseline: ${op.containers.join(', ')} running ${describeImage(op.image)}`,
        op.spec.crontabRuns.length + op.spec.crontabDoesNotRun.length > 0
          ? `the crontab runs ${op.spec.crontabRuns.join(', ') || '(any)'}${op.spec.crontabDoesNotRun.length ? ` and not ${op.spec.crontabDoesNotRun.join(', ')}` : ''}`
          : undefined,
        op.spec.files.length > 0 ? `${op.spec.files.join(', ')} present` : undefined,
        'positions.json byte-identical to its backup; if a check that passed in the baseline fails, the original containers are restored',
      ]
        .filter((s) => s !== undefined)
        .join('; ');
    case 'remove-old':
      return `remove ${op.containers.map((c) => c.renamedTo).join(', ')} (only after verification passed)`;
    case 'halt':
      return op.stops
        ? `stop ${op.container} (container ${shortId(op.id)}): on ${op.stops.release} this stops ${stopsText(op.stops.stops, EN_STOPS, enList)}; nothing else is touched`
        : `stop ${op.container} (container ${shortId(op.id)}): the scheduled jobs stop; nothing else is touched`;
    case 'resume':
      return `start ${op.container} (container ${shortId(op.id)})`;
  }
}

/** The plan's lines in the operator's language (plans made before Korean lines existed show English). */
export function planSteps(plan: Pick<PlanPreview, 'steps' | 'stepsKo'>, lang: 'ko' | 'en'): string[] {
  const localized: Record<'ko' | 'en', string[] | undefined> = { ko: plan.stepsKo, en: plan.steps };
  return localized[lang] ?? plan.steps;
}

/** The same operation for a Korean-speaking operator; names, IDs, paths and Docker's own terms stay as they are. */
function describeOpKo(op: PlanOp): string {
  switch (op.op) {
    case 'preflight':
      return op.baseline.length > 0
        ? `${op.container}에서 실행 중인 작업이 없는지 확인 (있으면 보류); ${op.baseline.join(', ')}의 inspect와 이미지 ID 기록; 검증 기준선 확보`
        : `${op.container}에서 실행 중인 작업이 없는지 확인 (있으면 보류)`;
    case 'build':
      return `${op.repo}의 커밋 ${shortSha(op.commit)} (tree ${shortSha(op.tree)}) 이미지를 Docker API로 빌드 (${op.dockerfile})하고 ${op.tag} 태그 지정${op.previousId ? ` (현재 ${shortId(op.previousId)})` : ''}; 빌드가 실패하면 아무것도 바꾸지 않고 여기서 멈춤`;
    case 'backup':
      return `${op.dataDir}/positions/positions.json (있으면 entries.json, order_log.json도)을 ${op.dataDir}/positions/backups/positions.json.pre-rollback-<YYYYmmdd_HHMMSS>로 백업, SHA-256 검증, 권한과 소유자 유지; ${op.logsDir}/*.log를 <log>.pre-rollback-<YYYYmmdd_HHMMSS>로 스냅샷`;
    case 'stop':
      return `${op.container} (컨테이너 ${shortId(op.id)}) 정지, 재시작 정책을 "no"로 설정`;
    case 'rename':
      return `${op.container}의 이름을 ${op.to}로 변경 (검증을 통과할 때까지 정지 상태로 보관)`;
    case 'create':
      return `${shortId(op.fromId)}의 설정으로 ${op.container} 생성, ${describeImageKo(op.image)}를 ID로 고정: ${describeConfig(op.user !== undefined ? { ...op.config, user: op.user } : op.config)}${op.user !== undefined ? ` (${op.config.user ?? '이미지 기본값'} 대신 사용자 ${op.user}: 대상 릴리스는 root가 필요한 Debian cron으로 실행됨)` : ''}`;
    case 'release-check':
      return `시작하기 전에 생성된 ${op.container}에서 ${Object.keys(op.files).join(', ')}를 읽어 ${op.release}의 것과 비교 (릴리스 카탈로그의 git blob id): ${describeImageKo(op.image)}의 파일이 ${op.release}의 것과 다르면 그 이미지로는 아무것도 시작하지 않고 원래 컨테이너를 되돌림`;
    case 'start':
      return `${op.container} 시작`;
    case 'tag':
      return `${describeImageKo(op.image)}에 ${op.references.map((r) => `${r.reference} (현재 ${r.previousId ? shortId(r.previousId) : '없음'})`).join(', ')} 태그 지정: compose로 다시 만들어도 이 이미지가 실행되도록`;
    case 'git-checkout':
      return `${op.repo}에서 ${op.branchExists ? `브랜치 ${op.branch} 체크아웃` : `${shortSha(op.commit)}에 브랜치 ${op.branch}를 만들고 체크아웃`} (이전 ${op.previous === op.previousHead ? shortSha(op.previous) : op.previous})`;
    case 'verify':
      return [
        `기준선 대비 검증: ${op.containers.join(', ')}가 ${describeImageKo(op.image)}로 실행 중`,
        op.spec.crontabRuns.length + op.spec.crontabDoesNotRun.length > 0
          ? `crontab이 ${op.spec.crontabRuns.join(', ') || '(무엇이든)'}를 실행${op.spec.crontabDoesNotRun.length ? `하고 ${op.spec.crontabDoesNotRun.join(', ')}는 실행하지 않음` : ''}`
          : undefined,
        op.spec.files.length > 0 ? `${op.spec.files.join(', ')} 존재` : undefined,
        'positions.json이 백업과 바이트 단위로 같음; 기준선에서 통과한 확인이 실패하면 원래 컨테이너를 되돌림',
      ]
        .filter((s) => s !== undefined)
        .join('; ');
    case 'remove-old':
      return `${op.containers.map((c) => c.renamedTo).join(', ')} 삭제 (검증을 통과한 뒤에만)`;
    case 'halt':
      return op.stops
        ? `${op.container} (컨테이너 ${shortId(op.id)}) 정지: ${op.stops.release}에서는 ${stopsText(op.stops.stops, KO_STOPS, koList)}이 멈춤; 다른 것은 건드리지 않음`
        : `${op.container} (컨테이너 ${shortId(op.id)}) 정지: 예약된 작업이 멈춤; 다른 것은 건드리지 않음`;
    case 'resume':
      return `${op.container} (컨테이너 ${shortId(op.id)}) 시작`;
  }
}

function describeImageKo(image: ImageTarget): string {
  return 'id' in image ? `이미지 ${shortId(image.id)}` : `${shortSha(image.builtFrom)}에서 빌드한 이미지`;
}

function describeImage(image: ImageTarget): string {
  return 'id' in image ? `image ${shortId(image.id)}` : `the image built from ${shortSha(image.builtFrom)}`;
}

function describeTarget(target: string): string {
  if (target.startsWith('image:')) return `image ${shortId(target.slice('image:'.length))}`;
  if (target.startsWith('commit:')) return `commit ${shortSha(target.slice('commit:'.length))}`;
  return target;
}

function describeConfig(c: ConfigSummary): string {
  const parts = [
    c.entrypoint ? `entrypoint ${JSON.stringify(c.entrypoint)}` : undefined,
    c.cmd ? `command ${JSON.stringify(c.cmd)}` : undefined,
    c.user ? `user ${c.user}` : undefined,
    c.workingDir ? `workdir ${c.workingDir}` : undefined,
    c.env.length > 0 ? `env ${c.env.join(', ')}` : 'no env of its own',
    c.binds.length > 0 ? `binds ${c.binds.join(', ')}` : undefined,
    c.ports.length > 0 ? `ports ${c.ports.join(', ')}` : undefined,
    `restart ${c.restart}`,
    c.networks.length > 0
      ? `networks ${c.networks.map((n) => (n.aliases.length ? `${n.name} [${n.aliases.join(', ')}]` : n.name)).join(', ')}`
      : undefined,
    `${c.labels} labels`,
  ];
  return parts.filter((p) => p !== undefined).join('; ');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

// ---------------------------------------------------------------------------------------------
// Content hash: the runtime's SHA-256 over the canonical JSON (the core has no node:crypto)

/** JSON with object keys sorted, so the same plan always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
