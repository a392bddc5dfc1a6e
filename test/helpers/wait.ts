// One way for tests to wait on something real (a file event, a container, a child's output):
// poll a probe until it yields a value, and fail with what was awaited and, optionally, what was seen.
// Polling, not fixed sleeps: a test waits only as long as the thing it waits for takes.

export interface WaitOptions {
  /** How long before the wait fails; generous, because CI machines are slow and shared. */
  timeoutMs?: number;
  /** How often to probe. */
  everyMs?: number;
  /** Appended to the failure message: the state the test saw, to make a timeout diagnosable. */
  seen?: () => string;
}

/** Waits until `probe` returns something other than `undefined`/`false`, and returns it. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const everyMs = options.everyMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const seen = options.seen ? `; seen: ${options.seen()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
    }
    await sleep(everyMs);
  }
}

/** A real pause, for the few tests that must let wall time pass (e.g. to prove nothing happens). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
