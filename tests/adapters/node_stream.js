// Node.js subject for the adapter tests: createWriteStream + write + end, then
// the file is observed.  Modes:
//   early   statSync and readFileSync right after end(), before 'finish' (the bug)
//   finish  the same calls inside the 'finish' listener (the twin)
//   finished  the same calls after `await finished(ws)` from stream/promises (twin)
//   exit    process.exit() right after end(): the write is lost
// Prints what the early observation saw, so the driver can compare.
'use strict';
const fs = require('fs');
const { finished } = require('stream/promises');

const [mode, file] = process.argv.slice(2);
const PAYLOAD = 'awaitaudit adapter payload\n';

function observe() {
  let size;
  try {
    size = fs.statSync(file).size; // AA-OBSERVE-STAT
  } catch (e) {
    size = e.code;
  }
  let text;
  try {
    text = fs.readFileSync(file, 'utf8'); // AA-OBSERVE-READ
  } catch (e) {
    text = e.code;
  }
  console.error(`observed size=${size} read=${JSON.stringify(text)}`);
}

async function main() {
  const ws = fs.createWriteStream(file);
  ws.write(PAYLOAD); // AA-WRITE
  ws.end(); // AA-END
  if (mode === 'early') {
    observe();
  } else if (mode === 'finish') {
    ws.on('finish', observe);
  } else if (mode === 'finished') {
    await finished(ws);
    observe();
  } else if (mode === 'exit') {
    process.exit(0); // AA-EXIT
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main();
