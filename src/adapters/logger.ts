// pino JSON logs on stdout, with every known secret scrubbed from the bytes before they are written.
// pino's `redact` only matches key paths, and telegraf's network errors carry the token inside URLs,
// so the scrub happens on the serialized line, whatever key or message the secret hides in.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 8) continue; // too short to be a real secret; scrubbing it would mangle text
    out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

export function createLogger(options: { level: string; secrets: readonly string[]; write?: (line: string) => void }): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      write(scrubSecrets(chunk.toString(), options.secrets));
      callback();
    },
  });
  return pino({ level: options.level, base: { app: 'turtle-sentinel' } }, destination);
}
