// A clock for tests of timing code: implements retry.ts's Timers, and time moves only when the test
// says so. advance(ms) fires the timers that fall due, in order of due time (then of creation).
import type { Timers } from '../../src/adapters/retry.ts';

interface Pending {
  id: number;
  at: number;
  callback: () => void;
}

export class FakeClock implements Timers {
  private current: number;
  private nextId = 1;
  private readonly pending: Pending[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.current + Math.max(0, ms), callback };
    this.pending.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    const index = this.pending.findIndex((t) => t.id === handle);
    if (index >= 0) this.pending.splice(index, 1);
  }

  /** Delays of the timers not fired yet, from now, in the order they fall due. */
  pendingDelays(): number[] {
    return this.due().map((t) => t.at - this.current);
  }

  /** Move time forward by `ms`, firing each timer when its time comes (promise callbacks run in between). */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      const next = this.due()[0];
      if (!next || next.at > end) break;
      this.pending.splice(this.pending.indexOf(next), 1);
      this.current = next.at;
      next.callback();
      await settle();
    }
    this.current = end;
    await settle();
  }

  private due(): Pending[] {
    return [...this.pending].sort((a, b) => a.at - b.at || a.id - b.id);
  }
}

/** Let promise callbacks and immediates run, so code woken by a timer reaches its next await. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}
