// socketMemory and queuedBytes against `ss`, on sockets whose queues the test
// fills for real: a UDP receiver flooded while its event loop is blocked, and
// a TCP connection whose receiver does not read.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { queuedBytes, setRecvBufferSize, socketMemory } from '../lib';
import * as os from 'node:os';
import * as path from 'node:path';
import { boundUdp, closeAll, codeOf, listeningServer, portOf, python, pythonSync, track } from './helpers';

/** A connected pair of Unix domain stream sockets. */
async function unixPair(): Promise<[net.Socket, net.Socket]> {
  const file = path.join(os.tmpdir(), `sockbuf-observe-${process.pid}-${Date.now()}.sock`);
  const server = track(net.createServer());
  server.listen(file);
  await once(server, 'listening');
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const client = track(net.connect(file));
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  return [client, track(accepted)];
}

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
  const sent = pythonSync(
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
  expect(queuedBytes(client)).toEqual({ recv: 0, send: 0, unsent: 0 });
});

test('a flooded TCP sender: send counts every unacknowledged byte, unsent the never-sent part, as ss and Python see them', async () => {
  const server = track(net.createServer({ pauseOnConnect: true }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const client = track(net.connect(portOf(server), '127.0.0.1'));
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  track(accepted);
  setRecvBufferSize(accepted, 16384);
  // Far more than the receiver's window and the sender's buffer: the window
  // closes, and the kernel holds bytes it has not sent yet.
  client.write(Buffer.alloc(8 << 20, 1));
  const fd = (client as unknown as { _handle: { fd: number } })._handle.fd;
  // Settled once two readings a moment apart agree (the receiver never reads).
  let q = queuedBytes(client);
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const next = queuedBytes(client);
    if (next.send === q.send && next.unsent === q.unsent && (q.unsent ?? 0) > 0) break;
    q = next;
  }
  expect(q.unsent).not.toBeNull();
  const unsent = q.unsent as number;
  expect(unsent).toBeGreaterThan(0);
  expect(q.send).toBeGreaterThan(unsent);
  // Python's ioctls on the same descriptor (SIOCOUTQ = TIOCOUTQ, SIOCOUTQNSD = 0x894b).
  const py = python<[number, number]>(
    fd,
    'import fcntl, termios\n' +
      "def q(req): return struct.unpack('i', fcntl.ioctl(sock.fileno(), req, b'\\0' * 4))[0]\n" +
      'out([q(termios.TIOCOUTQ), q(0x894B)])',
  );
  expect(py).toEqual([q.send, unsent]);
  // ss: Send-Q is the unacknowledged bytes, tcp_info's notsent the unsent ones.
  const res = spawnSync('ss', ['-tnHi', `( sport = :${client.localPort} and dport = :${portOf(server)} )`], {
    encoding: 'utf8',
  });
  const cols = res.stdout.trim().split(/\s+/);
  expect(Number(cols[2])).toBe(q.send);
  expect(Number(/notsent:(\d+)/.exec(res.stdout)?.[1])).toBe(unsent);
  expect(queuedBytes(client)).toEqual(q);
  client.destroy();
});

test('UDP and Unix domain sockets have no unsent count: null, not 0', async () => {
  const sock = await boundUdp();
  expect(queuedBytes(sock).unsent).toBeNull();
  const [a] = await unixPair();
  expect(queuedBytes(a)).toEqual({ recv: 0, send: 0, unsent: null });
});

test('a listening socket has no queues: EINVAL, as a system error', async () => {
  const server = await listeningServer();
  const err = codeOf(() => queuedBytes(server));
  expect(err).toBe('EINVAL');
  expect(socketMemory(server).drops).toBe(0);
});
