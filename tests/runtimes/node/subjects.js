// Node.js 20 test subjects for awaitaudit.  Each scenario hands a write to
// libuv's threadpool and observes the file; the positive form observes before
// the write's promise/callback settled, the twin (--twin) waits first.
// Prints `stale K/N`.  Run with UV_USE_IO_URING=0 so fs work stays on the
// threadpool where the shim can see it.
//
// usage: node subjects.js SCENARIO [--twin] [--iters N] [--dir D]
//   filehandle: fs.promises.open, fh.write(buf) not awaited, fs.statSync(path)
//   append:     fs.appendFile(path, data, cb), fs.readFileSync(path) before cb
//   exists:     fs.promises.writeFile(path) not awaited, fs.existsSync(path)
//               (an access(2) check: ENOENT before the pool's open created it)
//   stream:     createWriteStream, write, end, fs.statSync (the stream defers
//               even the submission to a later tick: only awaitaudit's Node.js
//               adapter can see it, see DESIGN.md section 4)
//   pappend:    fs.promises.appendFile(path) not awaited, fs.readFileSync(path)
//               (the file exists beforehand: the early read sees old content)
//   pcopy:      fs.promises.copyFile(src, dst) not awaited, fs.statSync(dst)
//   pipeline:   stream.pipeline(Readable, createWriteStream(path), cb); the
//               positive stats on the source's 'end', the twin in cb
//   pipe:       readable.pipe(createWriteStream(path)); the positive stats on
//               the source's 'end', the twin on the write stream's 'finish'
//   worker:     a worker_threads worker writes the file on request and posts
//               its reply; the positive worker replies before writing, the
//               twin after; main stats on the reply
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const PAYLOAD = Buffer.from('awaitaudit node payload\n');
const SCENARIOS = ['filehandle', 'append', 'stream', 'exists', 'pappend', 'pcopy', 'pipeline', 'pipe', 'worker'];

function parseArgs(argv) {
  const opts = { scenario: argv[0], twin: false, iters: 200, dir: os.tmpdir() };
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--twin') opts.twin = true;
    else if (argv[i] === '--iters') opts.iters = Number(argv[++i]);
    else if (argv[i] === '--dir') opts.dir = argv[++i];
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!SCENARIOS.includes(opts.scenario) || !(opts.iters > 0)) {
    throw new Error(`usage: subjects.js ${SCENARIOS.join('|')} [--twin] [--iters N] [--dir D]`);
  }
  return opts;
}

function sizeOf(file) {
  try {
    return fs.statSync(file).size; // AA-OBSERVE filehandle stream pcopy pipeline pipe worker
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

async function pAppendOnce(file, twin) {
  fs.writeFileSync(file, '');
  const pending = fs.promises.appendFile(file, PAYLOAD); // AA-WRITE pappend
  if (twin) await pending;
  const stale = !fs.readFileSync(file).equals(PAYLOAD); // AA-OBSERVE pappend
  await pending;
  return stale;
}

async function pCopyOnce(src, file, twin) {
  const pending = fs.promises.copyFile(src, file); // AA-WRITE pcopy
  if (twin) await pending;
  const stale = sizeOf(file) !== PAYLOAD.length;
  await pending;
  return stale;
}

function pipelineOnce(file, twin) {
  const { Readable, pipeline } = require('stream');
  return new Promise((resolve, reject) => {
    const src = Readable.from([PAYLOAD]);
    let stale = null;
    if (!twin) src.on('end', () => { stale = sizeOf(file) !== PAYLOAD.length; });
    pipeline(src, fs.createWriteStream(file), (err) => { // AA-WRITE pipeline
      if (err) return reject(err);
      if (twin) stale = sizeOf(file) !== PAYLOAD.length;
      resolve(stale);
    });
  });
}

function pipeOnce(file, twin) {
  const { Readable } = require('stream');
  return new Promise((resolve, reject) => {
    const src = Readable.from([PAYLOAD]);
    const ws = fs.createWriteStream(file);
    ws.on('error', reject);
    let stale = null;
    if (twin) ws.on('finish', () => { stale = sizeOf(file) !== PAYLOAD.length; });
    else src.on('end', () => { stale = sizeOf(file) !== PAYLOAD.length; });
    ws.on('close', () => resolve(stale));
    src.pipe(ws); // AA-WRITE pipe
  });
}

// The worker (this file, run by worker_threads) answers each {file}
// request; `early` workers answer before the write (the bug: "accepted" read
// as "done").
function workerMain() {
  const { parentPort, workerData } = require('worker_threads');
  parentPort.on('message', (file) => {
    if (workerData.early) parentPort.postMessage(file);
    fs.writeFileSync(file, PAYLOAD); // AA-WRITE worker
    if (!workerData.early) parentPort.postMessage(file);
  });
}

function workerOnce(worker, file) {
  return new Promise((resolve) => {
    worker.once('message', () => resolve(sizeOf(file) !== PAYLOAD.length));
    worker.postMessage(file); // AA-SUBMIT worker
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(opts.dir, 'aa-node-'));
  let stale = 0;
  let worker = null;
  let src = null;
  if (opts.scenario === 'worker') {
    const { Worker } = require('worker_threads');
    worker = new Worker(__filename, { workerData: { early: !opts.twin } });
  }
  if (opts.scenario === 'pcopy') {
    src = path.join(dir, 'src');
    fs.writeFileSync(src, PAYLOAD);
  }
  for (let i = 0; i < opts.iters; i++) {
    const file = path.join(dir, `f${i}`);
    let wasStale;
    if (opts.scenario === 'filehandle') wasStale = await fileHandleOnce(file, opts.twin);
    else if (opts.scenario === 'append') wasStale = await appendOnce(file, opts.twin);
    else if (opts.scenario === 'exists') wasStale = await existsOnce(file, opts.twin);
    else if (opts.scenario === 'pappend') wasStale = await pAppendOnce(file, opts.twin);
    else if (opts.scenario === 'pcopy') wasStale = await pCopyOnce(src, file, opts.twin);
    else if (opts.scenario === 'pipeline') wasStale = await pipelineOnce(file, opts.twin);
    else if (opts.scenario === 'pipe') wasStale = await pipeOnce(file, opts.twin);
    else if (opts.scenario === 'worker') wasStale = await workerOnce(worker, file);
    else wasStale = await streamOnce(file, opts.twin);
    if (wasStale) stale++;
  }
  if (worker) await worker.terminate();
  fs.rmSync(dir, { recursive: true });
  console.log(`stale ${stale}/${opts.iters}`);
}

if (!require('worker_threads').isMainThread) {
  workerMain();
} else {
  main().catch((e) => {
    console.error(`subjects.js: ${e.message}`);
    process.exit(2);
  });
}
