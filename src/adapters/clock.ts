// The real clock: the only place the runtime reads the time of day.
import type { Clock } from '../ports/clock.ts';

export const systemClock: Clock = { now: () => Date.now() };
