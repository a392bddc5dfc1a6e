// Compensation: put the original containers (and the image tags and git checkout) back as they were
// before a rollback that failed or was interrupted, leaving alone what this rollback did not create.
import { shortId } from '../../core/plan.ts';
import { EXECUTION_LABEL } from './recreate-spec.ts';
import { planTargetImage, preflightData, waitForNoJob, type RunContext, type StepEnv } from './steps.ts';

/** Put the original containers back as they were before the rollback (compensation). */
export async function restoreOriginal(env: StepEnv, run: RunContext): Promise<{ ok: boolean; detail: string }> {
  const pre = preflightData(run);
  const preflight = run.ops.find((o) => o.op === 'preflight');
  const names = preflight && preflight.op === 'preflight' ? preflight.baseline : [];
  if (!pre) return { ok: true, detail: 'no container had been changed' };
  const problems: string[] = [];
  const target = planTargetImage(run);

  for (const name of [...names].reverse()) {
    const original = pre.containers[name]?.doc;
    if (!original) continue;
    const current = await env.docker.inspectContainer(name);
    if (current.ok && current.value.Name === `/${name}` && current.value.Id !== original.Id) {
      if (current.value.Config?.Labels?.[EXECUTION_LABEL] !== run.execId) {
        problems.push(`${name} is held by ${shortId(current.value.Id)}, which this rollback did not create: left alone`);
        continue;
      }
      if (name === env.deployment.cronContainer && (current.value.State?.Running || current.value.State?.Restarting)) {
        const quiet = await waitForNoJob(env, name);
        if (!quiet.ok) env.logger.warn({ container: name }, `${quiet.detail}; removing it anyway to restore the original`);
      }
      const removed = await env.docker.remove(current.value.Id);
      if (!removed.ok) {
        problems.push(removed.error.message);
        continue;
      }
    } else if (!current.ok && current.error.kind !== 'not-found') {
      problems.push(current.error.message);
      continue;
    }
    const old = await env.docker.inspectContainer(original.Id);
    if (!old.ok) {
      problems.push(old.error.kind === 'not-found' ? `the original ${name} (${shortId(original.Id)}) no longer exists` : old.error.message);
      continue;
    }
    if (old.value.Name !== `/${name}`) {
      const renamed = await env.docker.rename(original.Id, name);
      if (!renamed.ok) {
        problems.push(renamed.error.message);
        continue;
      }
    }
    // Only a policy this rollback changed is set back: updating a container the rollback never stopped
    // (the crash-looping dashboard, when the cron container's step failed) races its restarts in the engine.
    const wanted = original.HostConfig.RestartPolicy ?? { Name: 'no' };
    const now = old.value.HostConfig.RestartPolicy ?? { Name: 'no' };
    if ((now.Name ?? 'no') !== (wanted.Name ?? 'no') || (now.MaximumRetryCount ?? 0) !== (wanted.MaximumRetryCount ?? 0)) {
      const policy = await env.docker.setRestartPolicy(original.Id, wanted);
      if (!policy.ok) problems.push(policy.error.message);
    }
    const wasUp = original.State?.Running === true || original.State?.Restarting === true;
    if (wasUp) {
      const started = await env.docker.start(original.Id);
      if (!started.ok) problems.push(started.error.message);
    }
  }

  const tagOp = run.ops.find((o) => o.op === 'tag');
  if (tagOp && tagOp.op === 'tag' && target) {
    for (const ref of tagOp.references) {
      const now = await env.docker.inspectImage(ref.reference);
      if (!now.ok && now.error.kind !== 'not-found') {
        problems.push(now.error.message);
        continue;
      }
      if (!now.ok || now.value.Id !== target) continue; // never tagged by us, or moved since by someone else
      const r = ref.previousId ? await env.docker.tag(ref.previousId, ref.reference) : await env.docker.untag(ref.reference);
      if (!r.ok) problems.push(r.error.message);
    }
  }

  const checkout = run.ops.find((o) => o.op === 'git-checkout');
  if (checkout && checkout.op === 'git-checkout' && env.git) {
    const status = await env.git.status(checkout.repo);
    if (!status.ok) problems.push(status.error);
    else if (status.value.branch === checkout.branch) {
      if (status.value.dirty.length > 0)
        problems.push(`${checkout.repo} has uncommitted changes on ${checkout.branch}: not switched back to ${checkout.previous}`);
      else {
        const r = await env.git.checkout(checkout.repo, checkout.previous);
        if (!r.ok) problems.push(r.error);
      }
    }
  }

  // Confirm: each original container holds its name again, and runs if it ran before.
  const state: string[] = [];
  for (const name of names) {
    const original = pre.containers[name]?.doc;
    if (!original) continue;
    const r = await env.docker.inspectContainer(name);
    if (!r.ok || r.value.Id !== original.Id) {
      problems.push(`${name} is not the original container ${shortId(original.Id)}`);
      continue;
    }
    state.push(`${name} ${shortId(original.Id)} (image ${shortId(r.value.Image)}, ${r.value.State?.Status ?? 'unknown'})`);
  }
  return problems.length === 0
    ? { ok: true, detail: `the original containers are back: ${state.join(', ')}` }
    : { ok: false, detail: `restoring the original containers is incomplete: ${problems.join('; ')}` };
}
