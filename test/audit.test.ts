// Findings of the hostile review of the merged work, each reproduced on real
// sockets: a stale descriptor must never reach a socket that took its number,
// unsafe values need the opt-in, and every throw has a code.
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  connect,
  constants,
  configureServer,
  diagnose,
  getOption,
  getRecvBufferSize,
  getsockopt,
  recommendUdpBuffer,
  setOption,
  setRecvBufferSize,
  undiciConnector,
} from '../lib';
import { closeAll, codeOf, ensureDist, fixtures, listeningServer, tcpPair, track } from './helpers';

const c = constants;

afterEach(closeAll);

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe('a closed handle never reaches the socket that reused its number', () => {
  test('a stale handle in an object posing as a net.Socket, after the fd was memoised', async () => {
    const server = track(await listeningServer());
    const client = track(net.connect((server.address() as net.AddressInfo).port, '127.0.0.1'));
    await new Promise((resolve) => client.once('connect', resolve));
    getRecvBufferSize(client); // memoises the descriptor on the handle
    const handle = (client as unknown as { _handle: { fd: number } })._handle;
    const oldFd = handle.fd;
    client.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    // Open listeners until one takes the closed descriptor's number.
    let victimFd = -1;
    for (let i = 0; i < 20 && victimFd !== oldFd; i++) {
      const victim = track(net.createServer().listen(0, '127.0.0.1'));
      await new Promise((resolve) => victim.once('listening', resolve));
      victimFd = (victim as unknown as { _handle: { fd: number } })._handle.fd;
    }
    const before = getsockopt(victimFd, c.SOL_SOCKET, c.SO_RCVBUF);
    const posing = Object.create(net.Socket.prototype) as net.Socket;
    (posing as unknown as { _handle: unknown })._handle = handle;
    const code = codeOf(() => setRecvBufferSize(posing, 4096));
    expect(['ERR_SOCKBUF_CLOSED', 'ERR_SOCKBUF_NO_FD']).toContain(code);
    expect(getsockopt(victimFd, c.SOL_SOCKET, c.SO_RCVBUF)).toBe(before);
    // The number was really reused, or the check above proved nothing.
    expect(victimFd).toBe(oldFd);
  });

  test('a TLS socket over a raw socket destroyed on its own (run in a child: Node may crash afterwards)', () => {
    ensureDist();
    const script = `
      const net = require('node:net'); const tls = require('node:tls'); const fs = require('node:fs');
      const sb = require(${JSON.stringify(path.join(__dirname, '..', 'dist'))}); const c = sb.constants;
      const srv = tls.createServer({ key: fs.readFileSync(${JSON.stringify(path.join(fixtures, 'key.pem'))}),
        cert: fs.readFileSync(${JSON.stringify(path.join(fixtures, 'cert.pem'))}) }, () => {}).listen(0, '127.0.0.1', () => {
        const raw = net.connect(srv.address().port, '127.0.0.1', () => {
          const t = tls.connect({ socket: raw, rejectUnauthorized: false }, () => {
            sb.getRecvBufferSize(t);
            const oldFd = raw._handle.fd;
            raw.destroy();
            const victim = net.createServer().listen(0);
            const vfd = victim._handle.fd;
            const before = sb.getsockopt(vfd, c.SOL_SOCKET, c.SO_RCVBUF);
            let code = 'none';
            try { sb.setRecvBufferSize(t, 4096); } catch (e) { code = e.code; }
            console.log(JSON.stringify({ reused: vfd === oldFd, code, before, after: sb.getsockopt(vfd, c.SOL_SOCKET, c.SO_RCVBUF) }));
            process.exit(0);
          });
        });
      });`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      reused: boolean;
      code: string;
      before: number;
      after: number;
    };
    expect(out.reused).toBe(true);
    expect(['ERR_SOCKBUF_CLOSED', 'ERR_SOCKBUF_NO_FD']).toContain(out.code);
    expect(out.after).toBe(out.before);
  });
});

test('SO_RCVLOWAT above 1 stalls a Node socket: refused without { unsafe: true }', async () => {
  const { client } = await tcpPair();
  expect(codeOf(() => setOption(client, 'SO_RCVLOWAT', 1 << 20))).toBe('ERR_SOCKBUF_UNSAFE_OPTION');
  expect(getsockopt(client, c.SOL_SOCKET, c.SO_RCVLOWAT)).toBe(1);
  setOption(client, 'SO_RCVLOWAT', 1);
  setOption(client, 'SO_RCVLOWAT', 4096, { unsafe: true });
  expect(getsockopt(client, c.SOL_SOCKET, c.SO_RCVLOWAT)).toBe(4096);
});

describe('every throw has a code', () => {
  test('revoked Proxies as options of connect, the agents, diagnose and recommendUdpBuffer', async () => {
    expect(codeOf(() => connect(revoked() as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => connect({ host: '127.0.0.1', port: 9, buffers: revoked() } as never))).toBe(
      'ERR_INVALID_ARG_TYPE',
    );
    expect(codeOf(() => connect({ host: '127.0.0.1', port: 9, socketOptions: revoked() } as never))).toBe(
      'ERR_INVALID_ARG_TYPE',
    );
    expect(codeOf(() => undiciConnector(revoked() as never))).toBe('ERR_INVALID_ARG_TYPE');
    const { client } = await tcpPair();
    expect(codeOf(() => diagnose(client, revoked() as never))).toBe('ERR_INVALID_ARG_TYPE');
    await expect(recommendUdpBuffer(revoked() as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('configureServer on a frozen server', () => {
    const server = Object.freeze(net.createServer());
    expect(codeOf(() => configureServer(server, { recv: 65536 }))).toBe('ERR_INVALID_ARG_VALUE');
  });
});

test('recommendUdpBuffer refuses advice no socket buffer can follow', async () => {
  await expect(recommendUdpBuffer({ rate: 20000, payload: 64, pause: 500 })).rejects.toMatchObject({
    code: 'ERR_OUT_OF_RANGE',
  });
});

test('recommend says when one TCP connection cannot fill the path (BDP past the largest TCP window)', () => {
  const { recommend } = require('../lib/report') as typeof import('../lib/report');
  const huge = recommend(1e12, 0.08);
  expect(huge.notes.some((n) => n.startsWith('One TCP connection cannot fill this path'))).toBe(true);
  const normal = recommend(1e9, 0.08);
  expect(normal.notes.some((n) => n.startsWith('One TCP connection cannot fill this path'))).toBe(false);
});

test('SO_PEERCRED on a TCP socket is an error, not pid 0 and uid 4294967295', async () => {
  const { client } = await tcpPair();
  expect(codeOf(() => getOption(client, 'SO_PEERCRED'))).toBe('ERR_INVALID_ARG_VALUE');
});

test('connect checks timeout as net.connect does', () => {
  for (const timeout of [-1, '100', Infinity]) {
    let netCode: string | undefined;
    try {
      net.connect({ host: '127.0.0.1', port: 9, timeout } as never).destroy();
    } catch (err) {
      netCode = (err as { code?: string }).code;
    }
    expect(netCode).toBeDefined();
    expect(codeOf(() => connect({ host: '127.0.0.1', port: 9, timeout } as never))).toBe(netCode);
  }
});
