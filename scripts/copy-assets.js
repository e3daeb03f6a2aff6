/**
 * tsc emits only JavaScript; the bundler reads lib/, so non-TypeScript sources
 * that the code imports (the kernel tracer's Python) are copied beside it.
 */
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
for (const file of ['src/kernel/tracer.py']) {
  const target = path.join(root, file.replace(/^src\//, 'lib/'));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(root, file), target);
}
