// Real sockets on loopback for the tests, and oracles that read the same
// file descriptor from outside sockbuf.
import { spawn, spawnSync, type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns } from 'node:child_process';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';

export const fixtures = path.join(__dirname, 'fixtures');
export const tlsKey = readFileSync(path.join(fixtures, 'key.pem'));
export const tlsCert = readFileSync(path.join(fixtures, 'cert.pem'));

type Closable = { close(cb?: () => void): unknown } | { destroy(): unknown };
const open: Closable[] = [];

const quiet = (): void => {};

/**
 * Registers something for closeAll(). A test socket must not take the test
 * runner down when its peer resets it (an abortive close after SO_LINGER 0,
 * a random option): errors are ignored here and tests assert results
 * explicitly. A server's accepted connections ignore errors too.
 */
export function track<T extends Closable>(thing: T): T {
  open.push(thing);
  const emitter = thing as unknown as { on?: (event: string, fn: (...args: never[]) => void) => unknown };
  if (typeof emitter.on === 'function') {
    emitter.on('error', quiet);
    if (thing instanceof net.Server) {
      // Not closed by closeAll: they end when their client does (destroying
      // the TCP socket under a live TLS socket crashes Node 20).
      thing.on('connection', (sock: net.Socket) => {
        sock.on('error', quiet);
      });
    }
  }
  return thing;
}

/** Closes every socket and server the helpers made (call in afterEach). */
export async function closeAll(): Promise<void> {
  const things = open.splice(0);
  await Promise.all(
    things.map(
      (t) =>
        new Promise<void>((resolve) => {
          if ('destroy' in t) {
            t.destroy();
            resolve();
            return;
          }
          try {
            (t as { close(cb?: (err?: Error) => void): unknown }).close(() => resolve());
          } catch {
            resolve();
          }
        }),
    ),
  );
}

export async function listeningServer(
  onConnection?: (s: net.Socket) => void,
  options: net.ServerOpts = {},
): Promise<net.Server> {
  const server = track(net.createServer(options, onConnection));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

export function portOf(server: net.Server | tls.Server): number {
  return (server.address() as net.AddressInfo).port;
}

/** A connected TCP pair on loopback: the client and the server's accepted socket. */
export async function tcpPair(): Promise<{ server: net.Server; client: net.Socket; accepted: net.Socket }> {
  const server = await listeningServer();
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const client = track(net.connect(portOf(server), '127.0.0.1'));
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  track(accepted);
  return { server, client, accepted };
}

/** A TLS client/server pair on loopback, both secured. */
export async function tlsPair(): Promise<{ server: tls.Server; client: tls.TLSSocket; accepted: tls.TLSSocket }> {
  const server = track(tls.createServer({ key: tlsKey, cert: tlsCert }));
  const acceptedP = once(server, 'secureConnection') as Promise<[tls.TLSSocket]>;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = track(tls.connect({ port: portOf(server), host: '127.0.0.1', ca: tlsCert, servername: 'localhost' }));
  await once(client, 'secureConnect');
  const [accepted] = await acceptedP;
  track(accepted);
  return { server, client, accepted };
}

/** A UDP socket bound on loopback. */
export async function boundUdp(type: 'udp4' | 'udp6' = 'udp4'): Promise<dgram.Socket> {
  const sock = track(dgram.createSocket(type));
  sock.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
  await once(sock, 'listening');
  return sock;
}

let pythonPath: string | undefined;
/**
 * The Python interpreter the oracles start: SOCKBUF_PYTHON (set once per
 * run by scripts/jest-global-setup.js), else the one `python3` on PATH
 * resolves to, asked once per test file. Starting it by its own path skips a
 * version manager's shim (pyenv's costs several times the interpreter's own
 * start).
 */
export function pythonBin(): string {
  pythonPath ??=
    process.env.SOCKBUF_PYTHON || (require('../scripts/python-bin.js') as { resolvePython(): string }).resolvePython();
  return pythonPath;
}

/** The message for a Python that could not be started at all. */
function pythonStartError(err: Error): Error {
  return new Error(
    `cannot start Python (${pythonBin()}: SOCKBUF_PYTHON, or python3 on PATH): ${err.message}; the tests need Python 3 as their oracle`,
  );
}

/** spawnSync of the oracles' Python; throws a clear error when it cannot start (its exit status is the caller's to check). */
export function pythonSync(args: string[], options: SpawnSyncOptionsWithStringEncoding): SpawnSyncReturns<string> {
  const res = spawnSync(pythonBin(), args, options);
  if (res.error !== undefined) throw pythonStartError(res.error);
  return res;
}

/**
 * Runs Python with `fd` inherited as its fd 3 (`sock` in the script is a
 * socket object over it) and returns what the script printed, parsed as JSON.
 * The independent oracle: Python's socket module reading the same socket.
 */
export function python<T = unknown>(fd: number | null, script: string): T {
  const prelude = [
    'import json, socket, struct, sys',
    fd === null ? 'sock = None' : 'sock = socket.socket(fileno=3)',
    'def out(v): print(json.dumps(v))',
  ].join('\n');
  const stdio: (number | 'pipe')[] = ['pipe', 'pipe', 'pipe'];
  if (fd !== null) stdio.push(fd);
  const res = pythonSync(['-c', `${prelude}\n${script}\nif sock is not None: sock.detach()`], {
    stdio,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`python failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}

/** `sysctl -n key` from procps: the oracle for systemLimits. */
export function sysctl(key: string): string | null {
  const res = spawnSync('sysctl', ['-n', key], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : null;
}

/** Number of open file descriptors of this process. */
export function openFdCount(): number {
  return require('node:fs').readdirSync('/proc/self/fd').length as number;
}

/** Waits a tick of the event loop. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The `code` of what `fn` throws, or undefined when it does not throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

/**
 * A loopback listener (Python, listen(0), never accepting) whose accept
 * queue is already full: clients that connect to it stay in SYN_SENT.
 */
export async function stuckListener(): Promise<{ port: number; stop(): void }> {
  const py = spawn(
    pythonBin(),
    [
      '-c',
      [
        'import socket, sys',
        'l = socket.socket()',
        "l.bind(('127.0.0.1', 0))",
        'l.listen(0)',
        'print(l.getsockname()[1], flush=True)',
        'sys.stdin.read()',
      ].join('\n'),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  // A Python that cannot start fails here at once, not at the test's timeout.
  try {
    await once(py, 'spawn');
  } catch (err) {
    throw pythonStartError(err as Error);
  }
  const [data] = (await once(py.stdout, 'data')) as [Buffer];
  const port = Number(data.toString().trim());
  // Fill the queue: listen(0) holds one connection.
  for (let i = 0; i < 2; i++) track(net.connect(port, '127.0.0.1'));
  await new Promise((r) => setTimeout(r, 100));
  return {
    port,
    stop: () => {
      py.stdin.end();
      py.kill();
    },
  };
}

let distBuilt = false;

/** Tests that run dist/ (the CLI, fixtures): build it when it is missing or older than lib/. */
export function ensureDist(): void {
  if (distBuilt) return;
  const root = path.join(__dirname, '..');
  const libDir = path.join(root, 'lib');
  const { existsSync, readdirSync, statSync } = require('node:fs') as typeof import('node:fs');
  const stale = readdirSync(libDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .some((f) => {
      const js = path.join(root, 'dist', f.replace(/\.ts$/, '.js'));
      return !existsSync(js) || statSync(js).mtimeMs < statSync(path.join(libDir, f)).mtimeMs;
    });
  if (stale) {
    // What `npm run build:ts` does: tsc, then scripts/bundle.js.
    for (const args of [
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      [path.join(root, 'scripts', 'bundle.js')],
    ]) {
      const res = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
      if (res.status !== 0) {
        throw new Error(`dist/ is older than lib/ and ${path.basename(args[0])} failed:\n${res.stdout}${res.stderr}`);
      }
    }
  }
  distBuilt = true;
}
