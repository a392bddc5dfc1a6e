#!/usr/bin/env node
// Launcher: Node 20 cannot run TypeScript by itself, so register tsx's loader, then start the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
