#!/usr/bin/env node
// `npx sluice <command>` (package.json `bin`). The CLI is TypeScript, like
// the rest of Sluice: register tsx's loader first (as lib/embedded/runtime/
// taskWorkerEntry.mjs does for worker threads), then load the program.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
await main(process.argv.slice(2));
