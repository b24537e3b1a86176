// Node.js 20 test subjects for awaitaudit.  Each scenario hands a write to
// libuv's threadpool and observes the file; the positive form observes before
// the write's promise/callback settled, the twin (--twin) waits first.
// Prints `stale K/N`.  Run with UV_USE_IO_URING=0 so fs work stays on the
// threadpool where the shim can see it.
//
// usage: node subjects.js filehandle|append|stream|exists [--twin] [--iters N] [--dir D]
//   filehandle: fs.promises.open, fh.write(buf) not awaited, fs.statSync(path)
//   append:     fs.appendFile(path, data, cb), fs.readFileSync(path) before cb
//   exists:     fs.promises.writeFile(path) not awaited, fs.existsSync(path)
//               (an access(2) check: ENOENT before the pool's open created it)
//   stream:     createWriteStream, write, end, fs.statSync (the stream defers
//               even the submission to a later tick: only awaitaudit's Node.js
//               adapter can see it, see DESIGN.md section 4)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const PAYLOAD = Buffer.from('awaitaudit node payload\n');

function parseArgs(argv) {
  const opts = { scenario: argv[0], twin: false, iters: 200, dir: os.tmpdir() };
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--twin') opts.twin = true;
    else if (argv[i] === '--iters') opts.iters = Number(argv[++i]);
    else if (argv[i] === '--dir') opts.dir = argv[++i];
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!['filehandle', 'append', 'stream', 'exists'].includes(opts.scenario) || !(opts.iters > 0)) {
    throw new Error('usage: subjects.js filehandle|append|stream|exists [--twin] [--iters N] [--dir D]');
  }
  return opts;
}

function sizeOf(file) {
  try {
    return fs.statSync(file).size; // AA-OBSERVE filehandle stream
  } catch (e) {
    if (e.code === 'ENOENT') return -1;
    throw e;
  }
}

async function fileHandleOnce(file, twin) {
  const fh = await fs.promises.open(file, 'w');
  const pending = fh.write(PAYLOAD); // AA-WRITE filehandle
  if (twin) await pending;
  const stale = sizeOf(file) !== PAYLOAD.length;
  await pending;
  await fh.close();
  return stale;
}

function appendOnce(file, twin) {
  // The file exists beforehand (an append-only log), so the early read
  // sees old content rather than ENOENT.
  fs.writeFileSync(file, '');
  return new Promise((resolve, reject) => {
    let stale = null;
    fs.appendFile(file, PAYLOAD, (err) => { // AA-WRITE append
      if (err) return reject(err);
      if (twin) stale = !fs.readFileSync(file).equals(PAYLOAD); // AA-OBSERVE append-twin
      resolve(stale);
    });
    if (!twin) stale = !fs.readFileSync(file).equals(PAYLOAD); // AA-OBSERVE append
  });
}

async function existsOnce(file, twin) {
  const pending = fs.promises.writeFile(file, PAYLOAD); // AA-WRITE exists
  if (twin) await pending;
  const stale = !fs.existsSync(file); // AA-OBSERVE exists
  await pending;
  return stale;
}

function streamOnce(file, twin) {
  return new Promise((resolve, reject) => {
    const ws = fs.createWriteStream(file);
    ws.on('error', reject);
    ws.write(PAYLOAD); // AA-WRITE stream
    ws.end();
    if (twin) {
      ws.on('finish', () => resolve(sizeOf(file) !== PAYLOAD.length));
      return;
    }
    const stale = sizeOf(file) !== PAYLOAD.length;
    ws.on('close', () => resolve(stale));
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(opts.dir, 'aa-node-'));
  let stale = 0;
  for (let i = 0; i < opts.iters; i++) {
    const file = path.join(dir, `f${i}`);
    let wasStale;
    if (opts.scenario === 'filehandle') wasStale = await fileHandleOnce(file, opts.twin);
    else if (opts.scenario === 'append') wasStale = await appendOnce(file, opts.twin);
    else if (opts.scenario === 'exists') wasStale = await existsOnce(file, opts.twin);
    else wasStale = await streamOnce(file, opts.twin);
    if (wasStale) stale++;
  }
  fs.rmSync(dir, { recursive: true });
  console.log(`stale ${stale}/${opts.iters}`);
}

main().catch((e) => {
  console.error(`subjects.js: ${e.message}`);
  process.exit(2);
});
