// awaitaudit runtime adapter for Node.js, loaded with NODE_OPTIONS=--require.
//
// The shim sees syscalls on libuv's pool threads, but not the moment the
// program *asked* for a write (createWriteStream defers even the open to a
// later tick) nor the moment Node told the program it was done.  This adapter
// writes those moments as one-line JSON markers to the shim's marker fd
// (AWAITAUDIT_MARKER_FD), which the shim logs as MARKER records in program
// order on the calling thread:
//   {"t":"request","op":"write","api":..,"path":..,"fd":..,"id":N,"loc":"/abs/f.js:12:5","fn":..}
//   {"t":"delivered","id":N,"api":..}      callback called / promise settled / 'finish'
//   {"t":"observe","op":"stat","api":..,"path":..,"loc":..,"fn":..}
//   {"t":"site","op":"write","path":..,"loc":..,"fn":..}  the user line of the sync write that follows
//   {"t":"exit","pending":[ids],"loc":..}  process.exit() with requests not delivered
// Without the variable nothing is wrapped: the adapter costs one env lookup.
'use strict';

const markerFd = Number.parseInt(process.env.AWAITAUDIT_MARKER_FD ?? '', 10);
if (Number.isInteger(markerFd) && markerFd >= 0) install(markerFd);

function install(fd) {
  const fs = require('fs');
  const pathMod = require('path');
  const writeSync = fs.writeSync;  // the original, before anything is wrapped
  const ADAPTER_FILE = __filename;

  let nextId = 1;
  let inApi = 0;             // >0 while a wrapped API runs: nested wrapped calls are the runtime's own
  const pending = new Set(); // request ids not yet delivered
  const fdPaths = new Map(); // fd -> absolute path, learned from open()

  function emit(obj) {
    try {
      writeSync(fd, JSON.stringify(obj) + '\n');
    } catch {
      // The marker channel is gone (fd closed by the program): markers are best effort.
    }
  }

  // First stack frame in the user's code: not node: internals, not this file.
  function userFrame() {
    const savedPrepare = Error.prepareStackTrace;
    const savedLimit = Error.stackTraceLimit;
    Error.prepareStackTrace = (_e, frames) => frames;
    Error.stackTraceLimit = 24;
    const holder = {};
    Error.captureStackTrace(holder, userFrame);
    const frames = holder.stack;
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
    if (!Array.isArray(frames)) return null;
    for (const f of frames) {
      const file = f.getFileName();
      if (!file || file === ADAPTER_FILE || file.startsWith('node:')) continue;
      const fileAbs = file.startsWith('file://') ? require('url').fileURLToPath(file) : file;
      return {
        loc: `${fileAbs}:${f.getLineNumber()}:${f.getColumnNumber()}`,
        fn: f.getFunctionName() || f.getMethodName() || '<top>',
      };
    }
    return null;
  }

  function absPath(p) {
    if (typeof p === 'string') return pathMod.resolve(p);
    if (Buffer.isBuffer(p)) return pathMod.resolve(p.toString());
    if (p instanceof URL && p.protocol === 'file:') return require('url').fileURLToPath(p);
    return undefined;
  }
  const isFd = (x) => Number.isInteger(x) && x >= 0;
  function target(p) {
    if (isFd(p)) return { fd: p, path: fdPaths.get(p) };
    return { path: absPath(p) };
  }

  // A request: returns its id, or 0 when it is the runtime's own nested call
  // or no user frame asked for it (internal continuations).
  function request(op, api, tgt) {
    if (inApi > 0) return 0;
    const u = userFrame();
    if (!u) return 0;
    const id = nextId++;
    pending.add(id);
    emit({ t: 'request', op, api, path: tgt.path, fd: tgt.fd, id, loc: u.loc, fn: u.fn });
    return id;
  }
  function delivered(id, api) {
    if (!id || !pending.delete(id)) return;
    emit({ t: 'delivered', id, api });
  }
  function observe(op, api, tgt) {
    if (inApi > 0) return;
    const u = userFrame();
    if (!u) return;
    emit({ t: 'observe', op, api, path: tgt.path, fd: tgt.fd, loc: u.loc, fn: u.fn });
  }

  // Runs fn with nested wrapped calls silenced.
  function inside(fn) {
    inApi++;
    try {
      return fn();
    } finally {
      inApi--;
    }
  }

  // ---- callback API ---------------------------------------------------------
  // Wraps obj[name](target, ..., cb): request at the call, delivered just
  // before the program's callback runs.
  function wrapCallback(obj, name, op, api, targetArg = 0) {
    const orig = obj[name];
    if (typeof orig !== 'function') return;
    obj[name] = function (...args) {
      const cbIdx = args.length - 1;
      if (inApi > 0 || typeof args[cbIdx] !== 'function') return orig.apply(this, args);
      const id = request(op, api, target(args[targetArg]));
      if (id) {
        const cb = args[cbIdx];
        args[cbIdx] = function (...r) {
          delivered(id, api);
          return cb.apply(this, r);
        };
      }
      return inside(() => orig.apply(this, args));
    };
  }

  // ---- promise API ------------------------------------------------------------
  function settle(promise, id, api) {
    if (!id || !promise || typeof promise.then !== 'function') return promise;
    return promise.then(
      (v) => { delivered(id, api); return v; },
      (e) => { delivered(id, api); throw e; });
  }
  function wrapPromise(obj, name, op, api, getTarget) {
    const orig = obj[name];
    if (typeof orig !== 'function') return;
    obj[name] = function (...args) {
      if (inApi > 0) return orig.apply(this, args);
      const id = request(op, api, getTarget(this, args));
      return settle(inside(() => orig.apply(this, args)), id, api);
    };
  }

  // ---- open(): remember fd -> path for fd-based writes ------------------------
  const origOpen = fs.open;
  fs.open = function (p, ...rest) {
    const cbIdx = rest.length - 1;
    if (typeof rest[cbIdx] === 'function') {
      const cb = rest[cbIdx];
      const abs = absPath(p);
      rest[cbIdx] = function (err, newFd) {
        if (!err && abs !== undefined) fdPaths.set(newFd, abs);
        return cb.apply(this, arguments);
      };
    }
    return origOpen.call(this, p, ...rest);
  };
  const origOpenSync = fs.openSync;
  fs.openSync = function (p, ...rest) {
    const newFd = origOpenSync.call(this, p, ...rest);
    const abs = absPath(p);
    if (abs !== undefined) fdPaths.set(newFd, abs);
    return newFd;
  };

  for (const [name, op] of [['write', 'write'], ['writev', 'write'], ['writeFile', 'write'],
    ['appendFile', 'write'], ['truncate', 'write'], ['ftruncate', 'write']]) {
    wrapCallback(fs, name, op, `fs.${name}`);
  }
  wrapCallback(fs, 'copyFile', 'write', 'fs.copyFile', 1);

  const fsp = fs.promises;
  for (const name of ['writeFile', 'appendFile', 'truncate']) {
    wrapPromise(fsp, name, 'write', `fsPromises.${name}`, (_self, a) => target(a[0]));
  }
  wrapPromise(fsp, 'copyFile', 'write', 'fsPromises.copyFile', (_self, a) => target(a[1]));

  // FileHandle's class is not exported: patch its prototype on the first handle.
  let fileHandlePatched = false;
  const fhPath = new WeakMap();
  function patchFileHandle(fh) {
    if (fileHandlePatched) return;
    fileHandlePatched = true;
    const proto = Object.getPrototypeOf(fh);
    for (const name of ['write', 'writev', 'writeFile', 'appendFile', 'truncate']) {
      wrapPromise(proto, name, 'write', `FileHandle.${name}`,
        (self) => ({ fd: self.fd, path: fhPath.get(self) ?? fdPaths.get(self.fd) }));
    }
  }
  const origPOpen = fsp.open;
  fsp.open = async function (p, ...rest) {
    const fh = await origPOpen.call(this, p, ...rest);
    const abs = absPath(p);
    if (abs !== undefined) fhPath.set(fh, abs);
    patchFileHandle(fh);
    return fh;
  };

  // ---- WriteStream ------------------------------------------------------------
  // write(chunk[, enc][, cb]) and end() are requests; the stream's own
  // write callbacks deliver single writes, 'finish'/'close' deliver them all.
  const kState = Symbol('awaitaudit.stream');
  function streamState(ws) {
    let s = ws[kState];
    if (s) return s;
    s = { ids: new Set() };
    ws[kState] = s;
    const deliverAll = (api) => () => {
      for (const id of s.ids) delivered(id, api);
      s.ids.clear();
    };
    // prepend: the marker must precede the program's own listeners.
    ws.prependListener('finish', deliverAll('WriteStream finish'));
    ws.prependListener('close', deliverAll('WriteStream close'));
    return s;
  }
  function streamTarget(ws) {
    return { path: absPath(ws.path), fd: isFd(ws.fd) ? ws.fd : undefined };
  }
  const WS = fs.WriteStream.prototype;
  for (const name of ['write', 'end']) {
    const orig = WS[name];
    WS[name] = function (...args) {
      if (inApi > 0 || (name === 'end' && args.length === 0 && this.writableEnded)) {
        return orig.apply(this, args);
      }
      const id = request('write', `WriteStream.${name}`, streamTarget(this));
      if (id) {
        streamState(this).ids.add(id);
        const cbIdx = args.findIndex((a) => typeof a === 'function');
        if (cbIdx >= 0) {
          const cb = args[cbIdx];
          args[cbIdx] = function (...r) {
            delivered(id, `WriteStream.${name} callback`);
            return cb.apply(this, r);
          };
        }
      }
      return inside(() => orig.apply(this, args));
    };
  }

  // ---- pipe()/pipeline() into a WriteStream -----------------------------------
  // The stream's write() calls then come from Node's internals, with no user
  // frame, so the program's request is the pipe/pipeline call itself; the
  // stream's 'finish'/'close' deliver it as for write()/end().
  const stream = require('stream');
  function pipedInto(streams, api) {
    for (const s of streams) {
      if (!(s instanceof fs.WriteStream) || s.writableFinished) continue;
      const id = request('write', api, streamTarget(s));
      if (id) streamState(s).ids.add(id);
    }
  }
  const RS = stream.Readable.prototype;
  const origPipe = RS.pipe;
  RS.pipe = function (dest, ...rest) {
    if (inApi === 0) pipedInto([dest], 'Readable.pipe');
    return inside(() => origPipe.call(this, dest, ...rest));
  };
  // pipeline(a, b, ..., cb) or pipeline([a, b, ...], cb); every stream after
  // the first is a destination.
  const destinations = (args) => {
    const list = Array.isArray(args[0]) ? args[0] : args;
    return list.slice(1).filter((s) => s && typeof s === 'object');
  };
  const origPipeline = stream.pipeline;
  const wrappedPipeline = function (...args) {
    if (inApi === 0) pipedInto(destinations(args), 'stream.pipeline');
    return inside(() => origPipeline.apply(this, args));
  };
  stream.pipeline = wrappedPipeline;
  const sp = stream.promises;
  if (sp && typeof sp.pipeline === 'function') {
    const origPPipeline = sp.pipeline;
    sp.pipeline = function (...args) {
      if (inApi === 0) pipedInto(destinations(args), 'streamPromises.pipeline');
      return inside(() => origPPipeline.apply(this, args));
    };
  }

  // ---- synchronous writes: the user line of the write that follows ---------
  // Not requests (the caller waits for them), but on a thread that works for
  // another, such as a worker_threads worker, they are the write a finding
  // shows, and its native stack has no JavaScript frame.
  for (const name of ['writeFileSync', 'appendFileSync', 'writeSync', 'writevSync']) {
    const orig = fs[name];
    if (typeof orig !== 'function') continue;
    fs[name] = function (p, ...rest) {
      if (inApi > 0) return orig.call(this, p, ...rest);
      const tgt = target(p);
      const u = tgt.path === undefined ? null : userFrame();
      if (u) emit({ t: 'site', op: 'write', path: tgt.path, loc: u.loc, fn: u.fn });
      return inside(() => orig.call(this, p, ...rest));
    };
  }

  // ---- observations the syscall level cannot attribute to a user line -------
  const observeSync = [['statSync', 'stat'], ['lstatSync', 'stat'], ['existsSync', 'stat'],
    ['accessSync', 'stat'], ['readFileSync', 'read'], ['fstatSync', 'stat'],
    ['readSync', 'read'], ['renameSync', 'rename'], ['unlinkSync', 'unlink'],
    ['copyFileSync', 'read'], ['truncateSync', 'write'], ['rmSync', 'unlink']];
  for (const [name, op] of observeSync) {
    const orig = fs[name];
    if (typeof orig !== 'function') continue;
    fs[name] = function (p, ...rest) {
      if (inApi === 0) observe(op, `fs.${name}`, target(p));
      return inside(() => orig.call(this, p, ...rest));
    };
  }
  for (const [name, op] of [['stat', 'stat'], ['lstat', 'stat'], ['access', 'stat'],
    ['readFile', 'read'], ['rename', 'rename'], ['unlink', 'unlink']]) {
    const orig = fs[name];
    fs[name] = function (p, ...rest) {
      if (inApi === 0) observe(op, `fs.${name}`, target(p));
      return inside(() => orig.call(this, p, ...rest));
    };
    const origP = fsp[name];
    if (typeof origP === 'function') {
      fsp[name] = function (p, ...rest) {
        if (inApi === 0) observe(op, `fsPromises.${name}`, target(p));
        return inside(() => origP.call(this, p, ...rest));
      };
    }
  }

  // ---- exit with requests still pending: their writes may never happen -----
  const origExit = process.exit;
  process.exit = function (...args) {
    const u = userFrame();
    emit({ t: 'exit', pending: [...pending], loc: u?.loc, fn: u?.fn });
    pending.clear();
    return origExit.apply(this, args);
  };
  process.on('exit', () => {
    if (pending.size) emit({ t: 'exit', pending: [...pending] });
  });
}
