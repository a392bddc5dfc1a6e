// Durations in configuration files: always with a unit (`90s`, `10m`, `2h`, `1d`), parsed to milliseconds.
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `2h`, `1d` → milliseconds. Plain numbers are refused: units must be explicit. */
export const duration = z
  .string()
  .regex(DURATION, 'expected a duration such as 90s, 10m, 2h or 1d')
  .transform((text) => {
    const [, amount, unit] = DURATION.exec(text)!;
    return Math.round(Number(amount) * UNIT_MS[unit!]!);
  });
