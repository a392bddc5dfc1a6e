#!/usr/bin/env node
// Launcher. In a development checkout (src/ present and tsx installed) it runs the TypeScript sources
// through tsx, so an edit is never hidden behind a stale dist/. In the image (and any install without
// dev dependencies) there is no tsx: it runs the compiled dist/main.js.
import { existsSync } from 'node:fs';

const source = new URL('../src/main.ts', import.meta.url);
const compiled = new URL('../dist/main.js', import.meta.url);

async function tsxRegister() {
  try {
    return (await import('tsx/esm/api')).register;
  } catch {
    return undefined; // `npm prune --omit=dev` or an image: no tsx
  }
}

const register = existsSync(source) ? await tsxRegister() : undefined;
if (register) {
  register();
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write('turtle-sentinel: neither tsx (development) nor dist/main.js (run `npm run build`) is available\n');
  process.exit(2);
}
