/** Runs one example by name: `npm run example mlp`. */

import { existsSync, readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const name = process.argv[2];
const available = readdirSync(here).filter((f) => f.endsWith('.js') && f !== 'run.js').map((f) => f.slice(0, -3));
if (!name || !existsSync(new URL(`${name}.js`, here))) {
  console.error(`usage: npm run example <name>\navailable: ${available.join(', ')}`);
  process.exit(2);
}
const mod = (await import(new URL(`${name}.js`, here).href)) as { main: () => unknown };
await mod.main();
