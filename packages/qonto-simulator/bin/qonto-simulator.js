#!/usr/bin/env node
// The `qonto-simulator` command: runs the TypeScript entry through tsx (the package ships no
// compiled build yet). Reads PORT, HOST, SIMULATOR_WEBHOOK_URL, SIMULATOR_WEBHOOK_SECRET and
// SIMULATOR_STEP_MS (see ../README.md).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
