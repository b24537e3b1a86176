// fs-heavy Node.js workload for scripts/hardening: sync, callback and promise
// file APIs, streams, renames and a directory walk.  Every operation is
// awaited before the file is observed, so awaitaudit must report nothing
// manifested.  Prints a digest that must not change under the shim.
'use strict';
const fs = require('fs');
const fsp = require('fs/promises');
const path = require('path');
const crypto = require('crypto');

const dir = process.argv[2];
const N = 200;

function writeStream(file, chunks) {
  return new Promise((resolve, reject) => {
    const ws = fs.createWriteStream(file);
    ws.on('error', reject);
    ws.on('finish', resolve);
    for (const c of chunks) ws.write(c);
    ws.end();
  });
}

async function main() {
  fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
  for (let i = 0; i < N; i++) fs.writeFileSync(path.join(dir, 'a', `s${i}.txt`), `sync ${i}\n`.repeat(i % 17 + 1));
  await Promise.all(Array.from({ length: N }, (_, i) =>
    fsp.writeFile(path.join(dir, 'a', 'b', `p${i}.txt`), `promise ${i}\n`.repeat(i % 13 + 1))));
  await Promise.all(Array.from({ length: N }, (_, i) => new Promise((res, rej) =>
    fs.appendFile(path.join(dir, 'a', `s${i}.txt`), `cb ${i}\n`, (e) => (e ? rej(e) : res())))));
  for (let i = 0; i < 20; i++)
    await writeStream(path.join(dir, `stream${i}.bin`), Array.from({ length: 50 }, (_, k) => Buffer.alloc(1024, i + k)));
  for (let i = 0; i < N; i += 2)
    await fsp.rename(path.join(dir, 'a', 'b', `p${i}.txt`), path.join(dir, 'a', 'b', `r${i}.txt`));
  for (let i = 1; i < N; i += 4) await fsp.unlink(path.join(dir, 'a', 'b', `p${i}.txt`));
  const h = crypto.createHash('sha256');
  let files = 0, bytes = 0;
  async function walk(d) {
    const ents = (await fsp.readdir(d, { withFileTypes: true })).sort((x, y) => (x.name < y.name ? -1 : 1));
    for (const e of ents) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { await walk(p); continue; }
      const st = await fsp.stat(p);
      const data = await fsp.readFile(p);
      if (st.size !== data.length) throw new Error(`size mismatch on ${p}`);
      h.update(path.relative(dir, p)); h.update(data);
      files++; bytes += data.length;
    }
  }
  await walk(dir);
  console.log(`files ${files} bytes ${bytes} sha256 ${h.digest('hex')}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
