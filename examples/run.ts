/** Runs one example by name: `npm run example mlp`. */

const name = process.argv[2];
if (!name) {
  console.error('usage: npm run example <name>   (for example: npm run example mlp)');
  process.exit(2);
}
const mod = (await import(`./${name}.js`).catch(() => {
  console.error(`no example named '${name}' in examples/`);
  process.exit(2);
})) as { main: () => unknown };
mod.main();
