// The Scheduler port over node-cron: fires in a timezone, never two fires of one schedule at once
// (`noOverlap`), and node-cron's own warnings (a missed fire under a blocked event loop, an overlap)
// go to the sidecar's log instead of the console.
import { schedule, type Logger as NodeCronLogger } from 'node-cron';
import type { Logger } from 'pino';
import type { Scheduler } from '../ports/scheduler.ts';

function nodeCronLogger(logger: Logger, name: string): NodeCronLogger {
  const text = (m: string | Error) => (m instanceof Error ? m.message : m);
  return {
    info: (m) => logger.debug({ schedule: name }, `node-cron: ${text(m)}`),
    warn: (m) => logger.warn({ schedule: name }, `node-cron: ${text(m)}`),
    error: (m, err) => logger.error({ schedule: name, err: err?.message }, `node-cron: ${text(m)}`),
    debug: (m) => logger.debug({ schedule: name }, `node-cron: ${text(m)}`),
  };
}

export function createNodeCronScheduler(logger: Logger): Scheduler {
  return {
    every(name, cron, timeZone, fire) {
      const task = schedule(
        cron,
        async (context) => {
          // `context.date` is the fire time the run answers (whole seconds), not when the timer woke.
          try {
            await fire(context.date.getTime());
          } catch (err) {
            // A bug in a fire: say so and keep the schedule; the next fire tries again.
            logger.error({ schedule: name, err: err instanceof Error ? err.stack : String(err) }, 'scheduled task failed');
          }
        },
        { name, timezone: timeZone, noOverlap: true, logger: nodeCronLogger(logger, name) },
      );
      // node-cron still answers getNextRun() for a destroyed task: a stopped job has no next run.
      let stopped = false;
      return {
        nextRun: () => (stopped ? undefined : task.getNextRun()?.getTime()),
        stop: () => {
          stopped = true;
          void task.destroy();
        },
      };
    },
  };
}
