// The params schema of every rule kind, keyed by kind: what config/schema.ts builds the rule union from.
// Apart from the kind objects of index.ts because their types derive from that union (a type cycle).
import { cronScheduleParams } from './cron-schedule.ts';
import { repeatedFailuresParams } from './repeated-failures.ts';
import { telegramDeliveryParams } from './telegram-delivery.ts';
import { positionsIntegrityParams } from './positions-integrity.ts';
import { fillIntegrityParams } from './fill-integrity.ts';
import { containerStateParams } from './container-state.ts';
import { sourceHealthParams } from './source-health.ts';
import { guardTrippedParams } from './guard-tripped.ts';

export const ruleParams = {
  'cron-schedule': cronScheduleParams,
  'repeated-failures': repeatedFailuresParams,
  'telegram-delivery': telegramDeliveryParams,
  'positions-integrity': positionsIntegrityParams,
  'fill-integrity': fillIntegrityParams,
  'container-state': containerStateParams,
  'source-health': sourceHealthParams,
  'guard-tripped': guardTrippedParams,
} as const;
