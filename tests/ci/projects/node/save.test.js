// A user's Node.js test as the CI wrapper meets it (`node --test`): a helper
// that writes through a FileHandle and measures the file.  With
// AA_SEEDED_BUG=1 it measures before the write's promise settled.
'use strict';
const test = require('node:test');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const seeded = process.env.AA_SEEDED_BUG === '1';
const PAYLOAD = Buffer.from('node ci payload\n');

async function saveAndMeasure(file) {
  const fh = await fs.promises.open(file, 'w');
  const pending = fh.write(PAYLOAD);
  if (!seeded) await pending;
  let size;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    size = -1;
  }
  await pending;
  await fh.close();
  return size;
}

test('saved size', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aa-ci-node-'));
  let stale = 0;
  for (let i = 0; i < 30; i++) {
    if ((await saveAndMeasure(path.join(dir, `f${i}`))) !== PAYLOAD.length) stale++;
  }
  fs.rmSync(dir, { recursive: true });
  // Deliberately not asserted: the test passes, awaitaudit must still see the bug.
  console.log(`stale ${stale}/30`);
});
