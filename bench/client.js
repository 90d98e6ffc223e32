'use strict';
// Child process of bench/server.js: opens short loopback connections on
// request and reports how long a batch took and the CPU time it used.
// Messages over IPC:
//   in:  { port, connections, concurrency, mode? }
//        mode 'net' (default): net.connect;
//        mode 'sockbuf': sockbuf.createConnection with both buffer sizes,
//        set on each descriptor before its connect(2);
//        mode 'sockbufBare': sockbuf.createConnection with no settings
//   out: { ms, cpuMs, connections, recv } or { error }
//        (recv: SO_RCVBUF of the batch's first connection, as connected)

const net = require('node:net');
const path = require('node:path');
const { nowNs, root } = require('./common');

/** The sizes the 'sockbuf' mode asks for (the same as the server side's). */
const SIZES = { recv: 262144, send: 262144 };
let sockbuf;

function oneConnection(port, mode, seen) {
  return new Promise((resolve, reject) => {
    const sock =
      mode === 'sockbuf'
        ? sockbuf.createConnection({ port, host: '127.0.0.1', buffers: SIZES })
        : mode === 'sockbufBare'
          ? sockbuf.createConnection({ port, host: '127.0.0.1' })
          : net.connect({ port, host: '127.0.0.1' });
    sock.on('error', reject);
    if (seen.recv === null) sock.once('connect', () => (seen.recv = sockbuf.getRecvBufferSize(sock)));
    sock.on('data', () => {});
    // The server ends each connection at once; done when it is fully closed.
    sock.on('end', () => sock.end());
    sock.on('close', (hadError) => (hadError ? reject(new Error('connection closed with an error')) : resolve()));
  });
}

async function batch({ port, connections, concurrency, mode = 'net' }) {
  sockbuf ??= require(path.join(root, 'dist'));
  const seen = { recv: null };
  let started = 0;
  const worker = async () => {
    while (started < connections) {
      started++;
      await oneConnection(port, mode, seen);
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = nowNs();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = (nowNs() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, connections, recv: seen.recv };
}

process.on('message', (msg) => {
  if (msg === 'exit') {
    process.disconnect();
    return;
  }
  batch(msg).then(
    (result) => process.send(result),
    (err) => process.send({ error: String(err && err.stack) }),
  );
});
