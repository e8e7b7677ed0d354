// Runs the CLI from source (tests and development: `node --import tsx src/cli/bin.ts ...`).
import { main } from './main.js';

await main(process.argv.slice(2));
