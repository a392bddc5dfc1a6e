// The real clock: the only place the runtime reads the time of day.
import type { Clock } from '../runtime/ports.ts';

export const systemClock: Clock = { now: () => Date.now() };
