#!/usr/bin/env node
// The package's bin: run the TypeScript CLI through tsx, so `npx groupspec` works right after
// `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../cli/main.ts', import.meta.url).href);
