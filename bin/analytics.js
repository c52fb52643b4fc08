#!/usr/bin/env node
'use strict';
// `npx analytics …` runs this file (package.json "bin"). The command line itself is TypeScript
// (src/cli), compiled by `npm run build`; this only says so when dist/ is not there yet.
const path = require('path');

const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
let cli;
try {
  cli = require(entry);
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(entry)) {
    process.stderr.write(`analytics: not built yet: run npm run build in ${path.resolve(__dirname, '..')}\n`);
    process.exit(2);
  }
  throw err;
}
cli.runFromProcess();
