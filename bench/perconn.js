'use strict';
// The system calls configureServer adds per accepted connection, and those
// sockbuf.createConnection adds per client connection, counted by
// `strace -f -c` (Linux): this file run as a child, once plain and once with
// { perConnection: true } (or with its clients made by createConnection with
// both buffer sizes), accepting CONNECTIONS connections from itself. The
// difference, divided by the connections, is what sockbuf costs.
//
// child usage: node bench/perconn.js plain|perConnection|client CONNECTIONS

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { root, check } = require('./common');

const CALLS = ['setsockopt', 'getsockopt', 'ioctl', 'socket', 'fcntl', 'close'];

function child(mode, count) {
  const sockbuf = require(path.join(root, 'dist'));
  const server = net.createServer((socket) => socket.destroy());
  if (mode === 'perConnection') sockbuf.configureServer(server, { recv: 262144, send: 262144, perConnection: true });
  server.listen(0, '127.0.0.1', async () => {
    const { port } = server.address();
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => {
        const c =
          mode === 'client'
            ? sockbuf.createConnection({ port, host: '127.0.0.1', buffers: { recv: 262144, send: 262144 } })
            : net.connect(port, '127.0.0.1');
        c.on('close', resolve);
        c.on('error', resolve);
      });
    }
    server.close();
  });
}

function count(mode, connections) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sockbuf-strace-')), 'out');
  try {
    const res = spawnSync(
      'strace',
      [
        '-f',
        '-c',
        '-e',
        `trace=${CALLS.join(',')}`,
        '-o',
        out,
        process.execPath,
        path.join(__dirname, 'perconn.js'),
        mode,
        String(connections),
      ],
      { encoding: 'utf8', timeout: 120000 },
    );
    check(res.status === 0, `strace ${mode} failed (status ${res.status}): ${res.stderr || res.error}`);
    const text = fs.readFileSync(out, 'utf8');
    const counts = {};
    for (const call of CALLS) {
      const line = text.split('\n').find((l) => l.trim().endsWith(` ${call}`));
      counts[call] = line ? Number(line.trim().split(/\s+/)[3]) : 0;
    }
    return counts;
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/**
 * Per-connection system calls configureServer({ perConnection: true }) adds
 * (mode 'perConnection'), or sockbuf.createConnection with both sizes
 * (mode 'client'); null without strace. Each mode runs with `connections` and with twice as
 * many: the difference between the two runs is what the extra connections
 * cost, so the listening socket's own calls (made once) drop out exactly.
 */
function perConnectionSyscalls({ connections = 200, mode = 'perConnection' } = {}) {
  if (process.platform !== 'linux' || spawnSync('strace', ['-V']).status !== 0) return null;
  const plain = count('plain', connections);
  const configured = count(mode, connections);
  const plain2 = count('plain', 2 * connections);
  const configured2 = count(mode, 2 * connections);
  const added = {};
  for (const call of CALLS) {
    const extra = configured2[call] - plain2[call] - (configured[call] - plain[call]);
    added[call] = Math.round((extra / connections) * 100) / 100;
  }
  return { connections, plain, [mode]: configured, addedPerConnection: added };
}

if (require.main === module) child(process.argv[2], Number(process.argv[3]));

module.exports = { perConnectionSyscalls };
