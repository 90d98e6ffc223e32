'use strict';
// Connection rate of a loopback server with and without configureServer.
// A client child process opens short connections in batches; each round
// runs every variant on a fresh server, in alternating order.

const { fork } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { root, median, relativeSpread, check, interleaveAsync, pairedRatios, pairedDiffs } = require('./common');

const sockbuf = require(path.join(root, 'dist'));

const SIZES = { recv: 262144, send: 262144 };
/** SO_RCVBUF of a socket given SIZES.recv: Linux reports twice the request. */
const WANTED_RECV = process.platform === 'linux' ? 2 * SIZES.recv : SIZES.recv;

function startClient() {
  const child = fork(path.join(__dirname, 'client.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending = null;
  child.on('message', (msg) => {
    const p = pending;
    pending = null;
    if (p) p(msg);
  });
  child.on('exit', (code) => {
    const p = pending;
    pending = null;
    if (p) p({ error: `client exited with code ${code}` });
  });
  return {
    run(request) {
      check(pending === null, 'client already busy');
      return new Promise((resolve, reject) => {
        const timer = setTimeoutUnref(() => reject(new Error('client batch timed out')), 60000);
        pending = (msg) => {
          clearTimeout(timer);
          if (msg.error) reject(new Error(`client: ${msg.error}`));
          else resolve(msg);
        };
        child.send(request);
      });
    },
    stop() {
      if (child.connected) child.send('exit');
    },
  };
}

function setTimeoutUnref(fn, ms) {
  const t = require('node:timers').setTimeout(fn, ms);
  t.unref();
  return t;
}
const { clearTimeout } = require('node:timers');

/** A listening server that ends every connection at once; `mode` picks the setup. */
function listen(mode) {
  const seen = { connections: 0, firstRecv: -1 };
  const server = net.createServer((socket) => {
    if (seen.connections++ === 0) seen.firstRecv = sockbuf.getRecvBufferSize(socket);
    socket.on('error', () => {});
    socket.end();
  });
  if (mode === 'configured') sockbuf.configureServer(server, SIZES);
  if (mode === 'perConnection') sockbuf.configureServer(server, { ...SIZES, perConnection: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', 128, () => resolve({ server, seen }));
  });
}

function close(server) {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function connectionRate({
  rounds = 12,
  connections = 400,
  tries = 3,
  concurrency = 8,
  perConnection = true,
} = {}) {
  const client = startClient();
  const recvOf = {};
  try {
    const variant = (mode) => async () => {
      const { server, seen } = await listen(mode);
      try {
        const { port } = server.address();
        // One sample: the best of `tries` batches on this server, so that a
        // batch slowed by other work on the machine does not decide it.
        let rate = 0;
        for (let i = 0; i < tries; i++) {
          const res = await client.run({ port, connections, concurrency });
          rate = Math.max(rate, (connections / res.ms) * 1000);
        }
        check(
          seen.connections === connections * tries,
          `${mode}: server saw ${seen.connections} of ${connections * tries} connections`,
        );
        recvOf[mode] = seen.firstRecv;
        return rate;
      } finally {
        await close(server);
      }
    };
    const variants = { plain: variant('plain'), configured: variant('configured') };
    if (perConnection) variants.perConnection = variant('perConnection');
    await variants.plain();
    await variants.configured();
    const s = await interleaveAsync(variants, rounds);
    // configureServer must really have applied: an accepted socket inherits
    // the listening socket's size (Linux doubles the request).
    check(recvOf.configured === WANTED_RECV, `configured server's connection has SO_RCVBUF ${recvOf.configured}`);
    check(
      recvOf.plain !== WANTED_RECV,
      `plain server's connection already has SO_RCVBUF ${WANTED_RECV}: nothing to compare`,
    );
    const out = {
      rounds,
      connections,
      tries,
      concurrency,
      plainPerSec: median(s.plain),
      configuredPerSec: median(s.configured),
      spread: relativeSpread(s.plain),
      ratio: median(pairedRatios(s.configured, s.plain)),
      recv: recvOf,
    };
    if (perConnection) {
      out.perConnectionPerSec = median(s.perConnection);
      out.perConnectionRatio = median(pairedRatios(s.perConnection, s.plain));
    }
    return out;
  } finally {
    client.stop();
  }
}

/**
 * The client side: connections opened by sockbuf.createConnection with both
 * buffer sizes (set on each descriptor before its connect(2)), and with no
 * settings at all (the cost of the hook alone), against net.connect, to the
 * same plain server, in alternating order. Per sample: the best rate and the
 * least CPU time (user + system) of the client process per connection, of
 * `tries` batches.
 */
async function clientRate({ rounds = 12, connections = 400, tries = 3, concurrency = 8 } = {}) {
  const client = startClient();
  const { server } = await listen('plain');
  const recvOf = {};
  const cpuUs = { net: [], sockbufBare: [], sockbuf: [] };
  try {
    const { port } = server.address();
    const variant = (mode) => async () => {
      let rate = 0;
      let cpu = Infinity;
      for (let i = 0; i < tries; i++) {
        const res = await client.run({ port, connections, concurrency, mode });
        rate = Math.max(rate, (connections / res.ms) * 1000);
        cpu = Math.min(cpu, (res.cpuMs * 1000) / connections);
        recvOf[mode] = res.recv;
      }
      cpuUs[mode].push(cpu);
      return rate;
    };
    const variants = { net: variant('net'), sockbufBare: variant('sockbufBare'), sockbuf: variant('sockbuf') };
    for (const name of Object.keys(variants)) {
      await variants[name]();
      cpuUs[name].length = 0;
    }
    const s = await interleaveAsync(variants, rounds);
    // The sizes must really have been set before the handshake (Linux doubles the request).
    check(recvOf.sockbuf === WANTED_RECV, `sockbuf.createConnection's socket has SO_RCVBUF ${recvOf.sockbuf}`);
    check(recvOf.net !== WANTED_RECV, `net.connect's socket already has SO_RCVBUF ${WANTED_RECV}: nothing to compare`);
    return {
      rounds,
      connections,
      tries,
      concurrency,
      netPerSec: median(s.net),
      sockbufPerSec: median(s.sockbuf),
      barePerSec: median(s.sockbufBare),
      spread: relativeSpread(s.net),
      ratio: median(pairedRatios(s.sockbuf, s.net)),
      bareRatio: median(pairedRatios(s.sockbufBare, s.net)),
      netCpuUs: median(cpuUs.net),
      sockbufCpuUs: median(cpuUs.sockbuf),
      bareCpuUs: median(cpuUs.sockbufBare),
      addedCpuUs: median(pairedDiffs(cpuUs.sockbuf, cpuUs.net)),
      bareAddedCpuUs: median(pairedDiffs(cpuUs.sockbufBare, cpuUs.net)),
      recv: recvOf,
    };
  } finally {
    client.stop();
    await close(server);
  }
}

module.exports = { connectionRate, clientRate };
