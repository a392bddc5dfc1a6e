// Git's blob id of some bytes, for recognising a release by the content of its files: the catalogue
// lists `git rev-parse TAG:path`, so the same hash of a file read from the image names the same file.
import { createHash } from 'node:crypto';

/** `sha1("blob <length>\0" + bytes)` in hex: what `git hash-object` prints for the bytes. */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
