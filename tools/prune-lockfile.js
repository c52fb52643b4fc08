#!/usr/bin/env node
// The npm registry mirror these machines use serves no packages for other platforms, so npm
// writes package-lock.json with optional platform binaries (msgpackr-extract, @unrs/resolver-
// binding, ...) referenced but absent, and `npm ci` then refuses the lock. This drops references to
// optional dependencies the lock has no entry for. Run it after every `npm install`.
const fs = require('fs');
const file = require('path').join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const paths = new Set(Object.keys(lock.packages));
let removed = 0;
for (const [at, meta] of Object.entries(lock.packages)) {
  const optional = meta.optionalDependencies;
  if (!optional) continue;
  for (const name of Object.keys(optional)) {
    // Resolution walks up node_modules folders, as Node does.
    const parts = at ? at.split('/node_modules/') : [''];
    const found =
      parts.some((_, i) => paths.has(`${parts.slice(0, parts.length - i).join('/node_modules/')}${at ? '/node_modules/' : 'node_modules/'}${name}`)) ||
      paths.has(`node_modules/${name}`);
    if (!found) {
      delete optional[name];
      removed++;
    }
  }
  if (Object.keys(optional).length === 0) delete meta.optionalDependencies;
}
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`prune-lockfile: removed ${removed} reference(s) to optional packages missing from the lock`);
