// http.Agent, https.Agent and undici (fetch) clients whose every connection
// opens with the sizes, checked on the client sockets, by `ss` listing every
// connection to the server's port (socket memory of the clients' sockets and
// the window scale the server's side learnt in the SYN), and by counting
// sockets against requests (keep-alive reuses them).
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as undici from 'undici';
import {
  connectReports,
  createConnection,
  createTlsConnection,
  getBufferSizes,
  undiciConnector,
  type ConnectAttemptReport,
} from '../lib';
import { closeAll, codeOf, portOf, tlsCert, tlsKey, track } from './helpers';

afterEach(closeAll);

const RECV = 1 << 20;
const SEND = 300_000;
// The scale Linux picks in the SYN for a locked receive buffer whose window
// part (half of the 2 * RECV the kernel reports) is below tcp_rmem[2] and
// rmem_max: the one for that space (see lockedWscales in connect.test.ts).
const LOCKED_SCALE = Math.floor(Math.log2(RECV)) - 15;

interface Conn {
  local: number;
  rb: number;
  tb: number;
  peerScale: number;
}

/** Every established connection to `port` from this host, as ss sees the client's end and the server's. */
function connectionsTo(port: number): Conn[] {
  const run = (filter: string): string =>
    spawnSync('ss', ['-tinmH', 'state', 'established', filter], { encoding: 'utf8' }).stdout;
  const clients = run(`( dport = :${port} )`);
  const servers = run(`( sport = :${port} )`);
  const out: Conn[] = [];
  const re = /127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:(\d+)\s*\n?\s*skmem:\(r\d+,rb(\d+),t\d+,tb(\d+)/g;
  for (const m of clients.matchAll(re)) {
    const local = Number(m[1]);
    const serverSide = new RegExp(`127\\.0\\.0\\.1:${port}\\s+127\\.0\\.0\\.1:${local}\\b[^]*?wscale:(\\d+),`).exec(
      servers,
    );
    out.push({ local, rb: Number(m[3]), tb: Number(m[4]), peerScale: serverSide ? Number(serverSide[1]) : -1 });
  }
  return out;
}

async function serve(server: http.Server | https.Server): Promise<number> {
  track(server);
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return portOf(server as unknown as net.Server);
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.socket.on('error', () => {});
  res.end(`hello from ${req.socket.remotePort}`);
}

/** `count` requests, `parallel` at a time, through `agent`; returns the client sockets used. */
async function requests(
  mod: typeof http | typeof https,
  agent: http.Agent,
  port: number,
  count: number,
  parallel: number,
): Promise<Set<net.Socket>> {
  const sockets = new Set<net.Socket>();
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = mod.get({ host: '127.0.0.1', port, agent, path: '/' }, (res) => {
        sockets.add(res.socket);
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
    });
  for (let i = 0; i < count; i += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, one));
  }
  return sockets;
}

function checkSockets(sockets: Set<net.Socket>, port: number, requestCount: number): void {
  expect(sockets.size).toBeGreaterThanOrEqual(2);
  expect(sockets.size).toBeLessThan(requestCount); // keep-alive reused them
  const seen = connectionsTo(port);
  for (const sock of sockets) {
    expect(getBufferSizes(sock)).toEqual({ recv: 2 * RECV, send: 2 * SEND });
    const reports = connectReports(sock) as ConnectAttemptReport[];
    expect(reports.at(-1)!.buffers.recv!.effective).toBe(2 * RECV);
    const conn = seen.find((c) => c.local === sock.localPort);
    expect(conn).toEqual({ local: sock.localPort, rb: 2 * RECV, tb: 2 * SEND, peerScale: LOCKED_SCALE });
  }
}

describe('http.Agent and https.Agent', () => {
  test('http.Agent with createConnection: every keep-alive socket has the sizes from the SYN on', async () => {
    const port = await serve(http.createServer(handler));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 3, buffers: { recv: RECV, send: SEND } } as never);
    agent.createConnection = createConnection as never;
    try {
      const sockets = await requests(http, agent, port, 12, 3);
      checkSockets(sockets, port, 12);
      // Without it: the same agent options give plain sockets (the control).
      const plain = new http.Agent({ keepAlive: true, buffers: { recv: RECV, send: SEND } } as never);
      const [control] = await requests(http, plain, port, 1, 1);
      expect(getBufferSizes(control).recv).not.toBe(2 * RECV);
      plain.destroy();
    } finally {
      agent.destroy();
    }
  });

  test('https.Agent with createTlsConnection: the same, TLS sessions reused', async () => {
    const port = await serve(https.createServer({ key: tlsKey, cert: tlsCert }, handler));
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: 2,
      rejectUnauthorized: false,
      buffers: { recv: RECV, send: SEND },
    } as never);
    agent.createConnection = createTlsConnection as never;
    try {
      // One first, so that the agent holds a session when it opens the next.
      const sockets = await requests(https, agent, port, 1, 1);
      for (const s of await requests(https, agent, port, 8, 2)) sockets.add(s);
      checkSockets(sockets, port, 9);
      const reused = [...sockets].filter((s) => (s as import('node:tls').TLSSocket).isSessionReused());
      expect(reused.length).toBeGreaterThan(0);
    } finally {
      agent.destroy();
    }
  });
});

describe('createTlsConnection on its own', () => {
  test.each([
    ['::1 first', ['::1', '127.0.0.1']],
    ['127.0.0.1 first', ['127.0.0.1', '::1']],
  ])(
    'a name with both families under autoSelectFamily (%s): every attempt sized, TLS over the one that connected',
    async (_l, order) => {
      const server = track(https.createServer({ key: tlsKey, cert: tlsCert }, handler));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = portOf(server as unknown as net.Server);
      // A lookup that calls back synchronously: the attempts must still be caught.
      const lookup = (_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void): void =>
        cb(
          null,
          order.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        );
      const reports: ConnectAttemptReport[] = [];
      const sock = track(
        createTlsConnection({
          host: 'dual.test',
          port,
          lookup,
          autoSelectFamily: true,
          rejectUnauthorized: false,
          buffers: { recv: RECV, send: SEND },
        } as never),
      );
      sock.on('sockbufConfigured', (r: ConnectAttemptReport) => reports.push(r));
      await once(sock, 'secureConnect');
      expect(getBufferSizes(sock)).toEqual({ recv: 2 * RECV, send: 2 * SEND });
      sock.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      let text = '';
      sock.on('data', (d: Buffer) => (text += d.toString()));
      await once(sock, 'end');
      expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(reports.map((r) => r.address)).toEqual(order[0] === '127.0.0.1' ? ['127.0.0.1'] : order);
      for (const r of reports) expect(r.buffers.recv!.effective).toBe(2 * RECV);
      expect(connectReports(sock)).toEqual(reports);
    },
  );
});

test('createTlsConnection with socket: null (no socket, to Node) sizes the connection it makes', async () => {
  const server = track(https.createServer({ key: tlsKey, cert: tlsCert }, handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sock = track(
    createTlsConnection({
      host: '127.0.0.1',
      port: portOf(server as unknown as net.Server),
      socket: null,
      rejectUnauthorized: false,
      buffers: { recv: RECV, send: SEND },
    } as never),
  );
  await once(sock, 'secureConnect');
  expect(getBufferSizes(sock)).toEqual({ recv: 2 * RECV, send: 2 * SEND });
  expect(connectReports(sock)).toEqual([expect.objectContaining({ address: '127.0.0.1', family: 4 })]);
  sock.destroy();
});

describe('fetch through undici', () => {
  test('undici.fetch with an Agent whose connect is undiciConnector: http and https origins', async () => {
    const httpPort = await serve(http.createServer(handler));
    const httpsPort = await serve(https.createServer({ key: tlsKey, cert: tlsCert }, handler));
    const dispatcher = new undici.Agent({
      connections: 2,
      connect: undiciConnector({ buffers: { recv: RECV, send: SEND }, tls: { rejectUnauthorized: false } }),
    });
    try {
      for (const [scheme, port] of [
        ['http', httpPort],
        ['https', httpsPort],
      ] as const) {
        const remotePorts = new Set<string>();
        for (let round = 0; round < 3; round++) {
          const bodies = await Promise.all(
            [0, 1].map(async () => {
              const res = await undici.fetch(`${scheme}://127.0.0.1:${port}/`, { dispatcher });
              return res.text();
            }),
          );
          for (const b of bodies) remotePorts.add(b.replace('hello from ', ''));
        }
        // 6 requests, 2 at a time, over at most 2 connections.
        expect(remotePorts.size).toBeGreaterThanOrEqual(1);
        expect(remotePorts.size).toBeLessThanOrEqual(2);
        const seen = connectionsTo(port);
        for (const p of remotePorts) {
          expect(seen.find((c) => c.local === Number(p))).toEqual({
            local: Number(p),
            rb: 2 * RECV,
            tb: 2 * SEND,
            peerScale: LOCKED_SCALE,
          });
        }
      }
    } finally {
      await dispatcher.close();
    }
  });

  test('bad settings throw when the connector is made; a refused connection fails the fetch', async () => {
    expect(codeOf(() => undiciConnector({ buffers: { recv: -5 } }))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => undiciConnector(null as never))).toBe('ERR_INVALID_ARG_TYPE');
    const server = track(http.createServer());
    const port = await serve(server);
    await new Promise((r) => server.close(r));
    const dispatcher = new undici.Agent({ connect: undiciConnector({ buffers: { recv: RECV } }) });
    try {
      const err = await undici.fetch(`http://127.0.0.1:${port}/`, { dispatcher }).catch((e: Error) => e);
      expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    } finally {
      await dispatcher.close();
    }
  });
});
