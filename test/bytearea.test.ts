// The byte and struct path through the addon's byte area: values come back
// as copies that later calls do not overwrite, lengths past the area take the
// other path with the same results, and both agree with Python's getsockopt.
import { constants, getOption, getsockopt, setOption, setsockopt } from '../lib';
import {
  getLingerFd,
  getTimevalMsFd,
  lastIntValue,
  setGetFailedRead,
  setGetIntFdErrno,
  setLingerFd,
  setTimevalMsFd,
} from '../lib/raw';
import { loadNative } from '../lib/binding';

const native = loadNative();
import { resolveFd, type SocketLike } from '../lib/resolve';
import { boundUdp, closeAll, python } from './helpers';

afterEach(closeAll);

const { SOL_SOCKET, SO_RCVBUF, SO_LINGER } = constants as Record<string, number>;

function fdOf(sock: SocketLike): number {
  return resolveFd(sock);
}

test('a returned Buffer is a copy: the next call does not change it', async () => {
  const sock = await boundUdp();
  setOption(sock, 'SO_LINGER', { enabled: true, seconds: 7 }, { unsafe: true });
  const first = getsockopt(sock, SOL_SOCKET, SO_LINGER, 8);
  setOption(sock, 'SO_LINGER', { enabled: true, seconds: 2 }, { unsafe: true });
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

describe('struct linger and timeval in the area, against Python', () => {
  test.each([
    [true, 0],
    [true, 7],
    [false, 0],
    [true, 2147483647],
  ])('linger enabled=%s seconds=%i', async (enabled, seconds) => {
    const sock = await boundUdp();
    const fd = fdOf(sock);
    setLingerFd(fd, SOL_SOCKET, SO_LINGER, enabled, seconds);
    const [onoff, linger] = python<[number, number]>(
      fd,
      `out(list(struct.unpack('ii', sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8))))`,
    );
    expect(onoff !== 0).toBe(enabled);
    expect(linger).toBe(seconds);
    const out = getLingerFd(fd, SOL_SOCKET, SO_LINGER);
    expect(out).toEqual({ enabled, seconds });
    expect(getOption(sock, 'SO_LINGER')).toEqual(out);
  });

  // Python reads struct timeval as two native longs (x86-64: 8 bytes each).
  test.each([0, 0.0004, 1, 999, 999.9996, 1500, 1999, 86_400_000, 2147483647, 2147483647.5, 4294967296 * 1000 + 250])(
    'timeval of %d ms',
    async (ms) => {
      const sock = await boundUdp();
      const fd = fdOf(sock);
      setTimevalMsFd(fd, SOL_SOCKET, constants.SO_SNDTIMEO as number, ms);
      const [sec, usec] = python<[number, number]>(
        fd,
        `out(list(struct.unpack('ll', sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.calcsize('ll')))))`,
      );
      let micros = Math.round(ms * 1000);
      if (micros === 0 && ms > 0) micros = 1;
      // The kernel keeps jiffies: what it reads back is within a tick of the
      // request (999 ms may read back as 1 s and 0 us).
      expect(Math.abs(sec * 1e6 + usec - micros)).toBeLessThanOrEqual(10_000);
      expect(getTimevalMsFd(fd, SOL_SOCKET, constants.SO_SNDTIMEO as number)).toBe(getOption(sock, 'SO_SNDTIMEO'));
      expect(getTimevalMsFd(fd, SOL_SOCKET, constants.SO_SNDTIMEO as number)).toBe(
        sec * 1000 + Math.round(usec / 1000),
      );
    },
  );
});

describe('a buffer-size set and its read-back in one native call (setGetIntFdErrno)', () => {
  test('sets one option, reads another back, as Python sees them', async () => {
    const sock = await boundUdp();
    const fd = fdOf(sock);
    expect(setGetIntFdErrno(fd, SOL_SOCKET, SO_RCVBUF, 40000, SO_RCVBUF)).toBe(0);
    const [rcv, snd] = python<[number, number]>(
      fd,
      `out([sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF), sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)])`,
    );
    expect(lastIntValue()).toBe(rcv);
    // The option read back need not be the one set.
    expect(setGetIntFdErrno(fd, SOL_SOCKET, SO_RCVBUF, 50000, constants.SO_SNDBUF as number)).toBe(0);
    expect(lastIntValue()).toBe(snd);
  });

  test('a binary without setGetIntFrame (built before it) gets the same answers from two calls', async () => {
    const sock = await boundUdp();
    const fd = fdOf(sock);
    const binding = native as unknown as Record<string, unknown>;
    const saved = binding.setGetIntFrame;
    expect(typeof saved).toBe('function');
    delete binding.setGetIntFrame;
    try {
      expect(setGetIntFdErrno(fd, SOL_SOCKET, SO_RCVBUF, 45000, SO_RCVBUF)).toBe(0);
      const [rcv] = python<[number]>(fd, `out([sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)])`);
      expect(lastIntValue()).toBe(rcv);
      expect(rcv).toBe(90000);
      expect(setGetIntFdErrno(fd, SOL_SOCKET, 0x7fff, 1, SO_RCVBUF)).not.toBe(0);
      expect(setGetFailedRead()).toBe(false);
      expect(setGetIntFdErrno(fd, SOL_SOCKET, SO_RCVBUF, 30000, 0x7fff)).not.toBe(0);
      expect(setGetFailedRead()).toBe(true);
    } finally {
      binding.setGetIntFrame = saved;
    }
  });

  test('says which of the two calls failed', async () => {
    const sock = await boundUdp();
    const fd = fdOf(sock);
    // The set fails (no such option): no read.
    const setErr = setGetIntFdErrno(fd, SOL_SOCKET, 0x7fff, 1, SO_RCVBUF);
    expect(setErr).not.toBe(0);
    expect(setGetFailedRead()).toBe(false);
    // The set succeeds and the read-back fails (no such option to read).
    const readErr = setGetIntFdErrno(fd, SOL_SOCKET, SO_RCVBUF, 30000, 0x7fff);
    expect(readErr).not.toBe(0);
    expect(setGetFailedRead()).toBe(true);
    const [rcv] = python<[number]>(fd, `out([sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)])`);
    expect(rcv).toBe(60000);
    // A descriptor that is no socket: the set's error.
    expect(setGetIntFdErrno(0x7ffffff0, SOL_SOCKET, SO_RCVBUF, 1, SO_RCVBUF)).not.toBe(0);
    expect(setGetFailedRead()).toBe(false);
  });
});
