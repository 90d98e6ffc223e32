// socketMemory and queuedBytes against `ss`, on sockets whose queues the test
// fills for real: a UDP receiver flooded while its event loop is blocked, and
// a TCP connection whose receiver does not read.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { queuedBytes, setRecvBufferSize, socketMemory } from '../lib';
import { boundUdp, closeAll, codeOf, listeningServer, portOf, track } from './helpers';

afterEach(closeAll);

/** ss's skmem fields and queue columns for the one socket bound to `port`. */
function ss(
  proto: 't' | 'u',
  port: number,
  peerPort?: number,
): { recvQ: number; sendQ: number; skmem: Record<string, number> } {
  const filter = peerPort === undefined ? `( sport = :${port} )` : `( sport = :${port} and dport = :${peerPort} )`;
  const res = spawnSync('ss', [`-${proto}amnH`, filter], { encoding: 'utf8' });
  const line = res.stdout.trim();
  const cols = line.split(/\s+/);
  const m = line.match(/skmem:\(([^)]*)\)/);
  if (!m) throw new Error(`no skmem in ss output: ${line}`);
  const skmem = Object.fromEntries(m[1].split(',').map((f) => [f.replace(/\d+$/, ''), Number(/\d+$/.exec(f)?.[0])]));
  return { recvQ: Number(cols[1]), sendQ: Number(cols[2]), skmem };
}

test('a flooded UDP receiver: drops and queued memory equal what ss sees', async () => {
  const sock = await boundUdp();
  setRecvBufferSize(sock, 8192);
  const port = sock.address().port;
  const before = socketMemory(sock);
  expect(before.drops).toBe(0);
  // The sender runs while this process's event loop is blocked in spawnSync,
  // so nothing reads the socket and the kernel has to drop the excess.
  const sent = spawnSync(
    'python3',
    [
      '-c',
      `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(500): s.sendto(b'x' * 1000, ('127.0.0.1', ${port}))`,
    ],
    { encoding: 'utf8' },
  );
  expect(sent.status).toBe(0);
  const mem = socketMemory(sock);
  const seen = ss('u', port);
  expect(mem.drops).toBeGreaterThan(0);
  expect(mem.drops).toBe(seen.skmem.d);
  expect(mem.recvAllocated).toBeGreaterThan(0);
  expect(mem.recvAllocated).toBe(seen.skmem.r);
  expect(mem.recvBuffer).toBe(seen.skmem.rb);
  expect(mem.recvBuffer).toBe(16384);
  // SIOCINQ on UDP is the size of the next datagram, not the whole queue.
  expect(queuedBytes(sock).recv).toBe(1000);
  // Once Node reads the queue, the drop counter stays (it counts since creation).
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(socketMemory(sock).drops).toBe(mem.drops);
});

test('a TCP receiver that does not read: queued bytes equal ss Recv-Q', async () => {
  const server = track(net.createServer({ pauseOnConnect: true }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const client = track(net.connect(portOf(server), '127.0.0.1'));
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  track(accepted);
  client.write(Buffer.alloc(10_000, 1));
  // Wait until the kernel has all of it on the receiving side.
  for (let i = 0; i < 100 && queuedBytes(accepted).recv < 10_000; i++) await new Promise((r) => setTimeout(r, 10));
  const q = queuedBytes(accepted);
  expect(q.recv).toBe(10_000);
  expect(q.send).toBe(0);
  const seen = ss('t', accepted.localPort as number, client.localPort as number);
  expect(seen.recvQ).toBe(q.recv);
  const mem = socketMemory(accepted);
  expect(mem.recvAllocated).toBeGreaterThan(0);
  expect(mem.recvAllocated).toBe(seen.skmem.r);
  expect(queuedBytes(client)).toEqual({ recv: 0, send: 0 });
});

test('a listening socket has no queues: EINVAL, as a system error', async () => {
  const server = await listeningServer();
  const err = codeOf(() => queuedBytes(server));
  expect(err).toBe('EINVAL');
  expect(socketMemory(server).drops).toBe(0);
});
