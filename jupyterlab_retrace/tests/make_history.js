// Writes a real Retrace history (the engine the page uses, src/history, built
// by `npm run build:node`) for the Python tests of `jupyter retrace check`.
// stdin: {"root": ".../build/node", "gitdir": ".../.retrace/<id>.git",
//         "commits": [{"notebook": {...}, "runs": [...], "attachments": {"name": "text"}}]}
const fs = require('fs');
const path = require('path');

async function main() {
  const spec = JSON.parse(fs.readFileSync(0, 'utf8'));
  const { HistoryStore } = require(path.join(spec.root, 'history', 'store.js'));
  const { LocalBackend } = require(path.join(spec.root, 'history', 'backend.js'));
  let t = Date.UTC(2026, 0, 1);
  const store = new HistoryStore({ backend: new LocalBackend(fs, spec.gitdir), now: () => (t += 1000) });
  await store.init();
  for (const c of spec.commits) {
    store.attachments = c.attachments ? () => c.attachments : null;
    await store.commitSnapshot(c.notebook, c.runs);
  }
}

main().catch(e => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
