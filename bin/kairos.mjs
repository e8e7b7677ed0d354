#!/usr/bin/env node
// Entry point of the `kairos` command: runs the compiled CLI from dist/ (built by `npm install`
// through the `prepare` script, or `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(dist))) {
  process.stderr.write('kairos: dist/ is missing; run `npm install` (or `npm run build`) in the kairos folder first\n');
  process.exit(1);
}
const { main } = await import(dist.href);
await main(process.argv.slice(2));
