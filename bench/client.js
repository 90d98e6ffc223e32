'use strict';
// Child process of bench/server.js: opens short loopback connections on
// request and reports how long a batch took. Messages over IPC:
//   in:  { port, connections, concurrency }
//   out: { ms, connections } or { error }

const net = require('node:net');
const { nowNs } = require('./common');

function oneConnection(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.on('error', reject);
    sock.on('data', () => {});
    // The server ends each connection at once; done when it is fully closed.
    sock.on('end', () => sock.end());
    sock.on('close', (hadError) => (hadError ? reject(new Error('connection closed with an error')) : resolve()));
  });
}

async function batch({ port, connections, concurrency }) {
  let started = 0;
  const worker = async () => {
    while (started < connections) {
      started++;
      await oneConnection(port);
    }
  };
  const t0 = nowNs();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms: (nowNs() - t0) / 1e6, connections };
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
