#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx (no separate compile step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../services/cli/main.ts');
await main();
