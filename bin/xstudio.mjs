#!/usr/bin/env node
// The `xstudio` command. It runs the TypeScript sources directly through tsx,
// so `npx xstudio` works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/cli.ts');
process.exitCode = await main(process.argv.slice(2));
