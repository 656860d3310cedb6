#!/usr/bin/env node
// The `descent` command; the CLI itself is src/cli/main.ts, built to dist/.
import { main } from '../dist/cli/main.js';

await main();
