#!/usr/bin/env node
// Entry point of the `vigie` command. The engine is TypeScript run through tsx's loader,
// so there is no separate compile step between a checkout and a working CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../engine/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
