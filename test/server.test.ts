// configureServer: every accepted connection gets the sizes, whether it was
// called before or after listen(), checked on the accepted sockets and by
// Python reading their descriptors.
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { configureServer, getBufferSizes, getRecvBufferSize } from '../lib';
import { resolveFd } from '../lib/resolve';
import { closeAll, codeOf, portOf, python, track } from './helpers';

afterEach(closeAll);

const RECV = 200_000;
const SEND = 150_000;

/** Opens `n` connections and returns the sizes each accepted socket has. */
async function acceptedSizes(server: net.Server, n: number): Promise<{ recv: number; send: number; py: number }[]> {
  const seen: { recv: number; send: number; py: number }[] = [];
  const done = new Promise<void>((resolve) => {
    server.on('connection', (sock: net.Socket) => {
      track(sock);
      const sizes = getBufferSizes(sock);
      const py = python<number>(resolveFd(sock), 'out(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))');
      seen.push({ ...sizes, py });
      if (seen.length === n) resolve();
    });
  });
  for (let i = 0; i < n; i++) {
    const client = track(net.connect(portOf(server), '127.0.0.1'));
    await once(client, 'connect');
  }
  await done;
  return seen;
}

test('called before listen(): applied on "listening", inherited by every accepted socket', async () => {
  const server = track(net.createServer());
  expect(configureServer(server, { recv: RECV, send: SEND })).toBeUndefined();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  expect(getBufferSizes(server)).toEqual({ recv: 2 * RECV, send: 2 * SEND });
  const sizes = await acceptedSizes(server, 4);
  expect(sizes).toEqual(Array(4).fill({ recv: 2 * RECV, send: 2 * SEND, py: 2 * RECV }));
});

test('called after listen(): reports the listening socket and applies to later connections', async () => {
  const server = track(net.createServer());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const report = configureServer(server, { recv: RECV, send: SEND });
  expect(report?.recv).toMatchObject({ requested: RECV, effective: 2 * RECV, clamped: false });
  expect(report?.send).toMatchObject({ requested: SEND, effective: 2 * SEND, clamped: false });
  const sizes = await acceptedSizes(server, 3);
  expect(sizes).toEqual(Array(3).fill({ recv: 2 * RECV, send: 2 * SEND, py: 2 * RECV }));
});

test('without configureServer, accepted sockets keep the defaults (the test can tell)', async () => {
  const server = track(net.createServer());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const [first] = await acceptedSizes(server, 1);
  expect(first.recv).not.toBe(2 * RECV);
});

test('perConnection: each accepted socket is sized before user code sees it', async () => {
  const server = track(net.createServer());
  configureServer(server, { recv: RECV, perConnection: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sizes = await acceptedSizes(server, 3);
  for (const s of sizes) expect(s.recv).toBe(2 * RECV);
});

test('calling again replaces the sizes; re-listening after close applies them again', async () => {
  const server = track(net.createServer());
  configureServer(server, { recv: RECV });
  configureServer(server, { recv: 2 * RECV });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  expect(getRecvBufferSize(server)).toBe(4 * RECV);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  expect(getRecvBufferSize(server)).toBe(4 * RECV);
  const [first] = await acceptedSizes(server, 1);
  expect(first.recv).toBe(4 * RECV);
});

test('an http.Server is a net.Server: its requests arrive on sized sockets', async () => {
  const server = track(
    http.createServer((req, res) => {
      res.end(String(getRecvBufferSize(req.socket)));
    }),
  );
  configureServer(server, { recv: RECV });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const body = await new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: portOf(server), agent: false }, (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve(data));
      })
      .on('error', reject);
  });
  expect(Number(body)).toBe(2 * RECV);
});

test('bad arguments: not a server, bad sizes', () => {
  expect(codeOf(() => configureServer({} as never, { recv: 1 }))).toBe('ERR_INVALID_ARG_TYPE');
  expect(codeOf(() => configureServer(net.createServer(), { recv: -1 }))).toBe('ERR_OUT_OF_RANGE');
  expect(codeOf(() => configureServer(net.createServer(), { recv: 1, perConnection: 1 as never }))).toBe(
    'ERR_INVALID_ARG_TYPE',
  );
  expect(codeOf(() => configureServer(net.createServer(), undefined as never))).toBe('ERR_INVALID_ARG_TYPE');
});
