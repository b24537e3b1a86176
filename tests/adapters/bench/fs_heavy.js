// fs-heavy Node.js workload for scripts/bench-adapters: every wrapped path
// (callback, promises, FileHandle, WriteStream) and sync observations, N rounds.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { finished } = require('stream/promises');

const rounds = Number(process.argv[2] || 300);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aa-bench-'));
const data = Buffer.alloc(512, 'x');

function cbWrite(file) {
  return new Promise((res, rej) => fs.writeFile(file, data, (e) => (e ? rej(e) : res())));
}
function cbAppend(file) {
  return new Promise((res, rej) => fs.appendFile(file, data, (e) => (e ? rej(e) : res())));
}

async function main() {
  for (let i = 0; i < rounds; i++) {
    const f = path.join(dir, `f${i % 16}`);
    await cbWrite(f);
    await cbAppend(f);
    await fs.promises.appendFile(f, data);
    const fh = await fs.promises.open(f, 'a');
    await fh.write(data);
    await fh.close();
    const ws = fs.createWriteStream(f, { flags: 'a' });
    for (let k = 0; k < 4; k++) ws.write(data);
    ws.end();
    await finished(ws);
    fs.statSync(f);
    fs.readFileSync(f);
  }
  fs.rmSync(dir, { recursive: true });
}
main();
