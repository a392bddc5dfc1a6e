// SHA-256 for the runtime: node:crypto stays out of the core, which gets this function injected.
import { createHash } from 'node:crypto';

/** Hex SHA-256 of the bytes, or of the UTF-8 encoding of a string. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
