// The byte and struct path through the addon's byte area: values come back
// as copies that later calls do not overwrite, lengths past the area take the
// other path with the same results, and both agree with Python's getsockopt.
import { constants, getOption, getsockopt, setOption, setsockopt } from '../lib';
import { boundUdp, closeAll, python } from './helpers';

afterEach(closeAll);

const { SOL_SOCKET, SO_RCVBUF, SO_LINGER } = constants as Record<string, number>;

function fdOf(sock: object): number {
  return (sock as { _handle: { fd: number } })._handle.fd;
}

test('a returned Buffer is a copy: the next call does not change it', async () => {
  const sock = await boundUdp();
  setOption(sock, 'SO_LINGER', { enabled: true, seconds: 7 });
  const first = getsockopt(sock, SOL_SOCKET, SO_LINGER, 8);
  setOption(sock, 'SO_LINGER', { enabled: true, seconds: 2 });
  const second = getsockopt(sock, SOL_SOCKET, SO_LINGER, 8);
  expect(first.readInt32LE(4)).toBe(7);
  expect(second.readInt32LE(4)).toBe(2);
  expect(getOption(sock, 'SO_LINGER')).toEqual({ enabled: true, seconds: 2 });
});

test.each([4, 64, 65, 4096, 4097, 70000])(
  'getsockopt with length %i returns the 4 bytes the kernel wrote',
  async (length) => {
    const sock = await boundUdp();
    setsockopt(sock, SOL_SOCKET, SO_RCVBUF, 40000);
    const buf = getsockopt(sock, SOL_SOCKET, SO_RCVBUF, length);
    expect(buf.length).toBe(4);
    const [py] = python<[number]>(fdOf(sock), `out([sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)])`);
    expect(buf.readInt32LE(0)).toBe(py);
  },
);

test.each([4, 100, 4096, 4097, 9000])(
  'setsockopt with %i bytes hands the kernel exactly those bytes',
  async (length) => {
    const sock = await boundUdp();
    const bytes = Buffer.alloc(length);
    bytes.writeInt32LE(50000, 0);
    // The kernel reads an int from the first 4 bytes of any longer optlen.
    setsockopt(sock, SOL_SOCKET, SO_RCVBUF, bytes);
    const [py] = python<[number]>(fdOf(sock), `out([sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)])`);
    expect(py).toBe(100000);
    // A view at an offset inside a larger buffer: only its own bytes count.
    const outer = Buffer.alloc(length + 8, 0xff);
    outer.writeInt32LE(30000, 8);
    setsockopt(sock, SOL_SOCKET, SO_RCVBUF, outer.subarray(8));
    expect(getsockopt(sock, SOL_SOCKET, SO_RCVBUF)).toBe(60000);
  },
);

test('a short setsockopt (3 bytes) is the kernel EINVAL, not a read past them', async () => {
  const sock = await boundUdp();
  expect(() => setsockopt(sock, SOL_SOCKET, SO_RCVBUF, Buffer.from([1, 2, 3]))).toThrow(
    expect.objectContaining({ code: 'EINVAL', syscall: 'setsockopt' }),
  );
});
