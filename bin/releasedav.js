#!/usr/bin/env node
// Entry for the installed `releasedav` command: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';
register();
await import('../src/main.ts');
