// The records of the guarded system's JSON state files (positions.json, entries.json, order_log.json) as
// zod schemas, one set per release family: the TypeScript types, the key lists and the type checks of
// the state-file validator all derive from them, so a field is declared once (reference §1, §6).
import { z } from 'zod';

/**
 * A whole number as Python's `int` reads it: any integral number, however large (z.int() would stop
 * at 2^53 where the guarded system does not). `wording` tells the validator which sentence to use.
 */
const int = () => z.number().refine(Number.isInteger, { params: { wording: 'whole' } });

/**
 * Any number, NaN and ±Infinity included. Only for the result fields of a close: a price from a missing
 * bar (numpy nan) lands there, the guarded system keeps working, and halting trading for it would be wrong.
 */
const anyFloat = () => z.custom<number>((v) => typeof v === 'number', { params: { wording: 'number' } });

/** v3.2.x `Position` dataclass (`203bcee:src/position_tracker.py`): optional fields have a default. */
const positionV32 = z.object({
  position_id: z.string(),
  symbol: z.string(),
  system: int(),
  direction: z.enum(['LONG', 'SHORT']),
  entry_date: z.string(),
  entry_price: z.number(),
  entry_n: z.number(),
  units: int(),
  max_units: int(),
  shares_per_unit: int(),
  total_shares: int(),
  stop_loss: z.number(),
  pyramid_level: int(),
  exit_period: int(),
  // `partial` is defined by the dataclass's comment but never written; it still loads.
  status: z.enum(['open', 'closed', 'partial']),
  last_update: z.string(),
  exit_date: z.string().nullable().optional(),
  exit_price: anyFloat().nullable().optional(),
  exit_reason: z.string().nullable().optional(),
  pnl: anyFloat().nullable().optional(),
  pnl_pct: anyFloat().nullable().optional(),
  r_multiple: anyFloat().nullable().optional(),
});

/** Keys `validate_position_schema` checks first (v3.2.x): a record lacking one is skipped, not loaded. */
const validatedV32 = [
  'position_id',
  'symbol',
  'entry_price',
  'status',
  'direction',
  'system',
  'entry_date',
  'entry_n',
  'units',
  'total_shares',
  'stop_loss',
] as const;

/** v3.2.x `PositionEntry`: no defaults, every field must be present. */
const entryV32 = z.object({
  entry_id: z.string(),
  position_id: z.string(),
  entry_date: z.string(),
  entry_price: z.number(),
  shares: int(),
  pyramid_level: int(),
  n_value: z.number(),
});

/**
 * An AutoTrader order record. The fill checks need the non-optional fields; the rest is evidence. Later
 * versions add fields, so extra keys are tolerated: the file is only read by the sidecar, never loaded.
 */
const orderV32 = z.looseObject({
  order_id: z.string(),
  symbol: z.string(),
  side: z.string(),
  quantity: int().optional(),
  price: z.number().nullable().optional(),
  order_type: z.string().optional(),
  status: z.string(),
  timestamp: z.string(),
  dry_run: z.boolean().optional(),
  fill_price: z.number().nullable().optional(),
  fill_time: z.string().nullable().optional(),
  error_message: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
});

/** A record schema: an object of field schemas, strict about keys or not. */
export type RecordSchema = z.ZodObject<Record<string, z.ZodType>>;

/** The record shapes of one release family. */
export interface ReleaseRecords {
  position: RecordSchema;
  /** Missing one of these, a position is skipped; missing only other required keys, the load crashes. */
  validatedPositionKeys: readonly string[];
  entry: RecordSchema;
  order: RecordSchema;
  /** Whether a key outside the schema makes the file unloadable, per record kind. */
  strictKeys: { position: boolean; entry: boolean; order: boolean };
}

/** Release families the sidecar knows; the release catalogue (issue 9) adds entries here. */
export const RECORD_SHAPES = {
  'v3.2': {
    position: positionV32,
    validatedPositionKeys: validatedV32,
    entry: entryV32,
    order: orderV32,
    strictKeys: { position: true, entry: true, order: false },
  },
} as const satisfies Record<string, ReleaseRecords>;

export type ReleaseFamily = keyof typeof RECORD_SHAPES;

/** Every field of a record schema, in declaration order. */
export function knownKeys(schema: RecordSchema): string[] {
  return Object.keys(schema.shape);
}

/** The fields a record must have: those without a default (not optional) in the schema. */
export function requiredKeys(schema: RecordSchema): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field instanceof z.ZodOptional))
    .map(([key]) => key);
}

// The key lists of v3.2.x: the defaults of the positions-integrity rule, which the daemon passes on.

/** Fields of the v3.2.x `Position` dataclass without a default: `Position(**record)` raises without one. */
export const V32_REQUIRED_POSITION_KEYS: readonly string[] = requiredKeys(positionV32);

/** Keys `validate_position_schema` checks first (v3.2.x): a record lacking one is skipped, not loaded. */
export const V32_VALIDATED_POSITION_KEYS: readonly string[] = validatedV32;

/** Fields of the v3.2.x `Position` dataclass: any other key crashes `Position.from_dict` (`cls(**data)`). */
export const V32_KNOWN_POSITION_KEYS: readonly string[] = knownKeys(positionV32);

/**
 * One position record as the guarded system writes it. Only the keys validate_position_schema checks are
 * sure to be there (the positions-integrity rule may require fewer than the dataclass does).
 */
export type PositionRecord = Pick<z.output<typeof positionV32>, (typeof validatedV32)[number]> &
  Partial<Omit<z.output<typeof positionV32>, (typeof validatedV32)[number]>>;

export type EntryRecord = z.output<typeof entryV32>;

export type OrderRecord = z.output<typeof orderV32>;
