// Type-level tests: the TypeScript compiler accepts correct option values and
// rejects wrong ones, using the package's real declarations.
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..');

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  types: ['node'],
  skipLibCheck: true,
};
const snippetFile = path.join(root, 'test', '__typecheck__.ts');
// Every file but the snippet is the same in each compile: parsed once
// (TypeScript's lib, @types/node, lib/), and each program is built from the
// one before, which reuses what did not change. Each program still checks
// its snippet from scratch.
const parsed = new Map<string, ts.SourceFile | undefined>();
const baseHost = ts.createCompilerHost(options);
let previous: ts.Program | undefined;

/** Compiles one snippet against lib/ and returns its error messages. */
function diagnostics(body: string): string[] {
  const file = snippetFile;
  const source = `import * as net from 'node:net';\nimport { getOption, setOption, setBufferSizes, getsockopt, constants } from '../lib';\ndeclare const sock: net.Socket;\n${body}\n`;
  const host: ts.CompilerHost = {
    ...baseHost,
    readFile: (name) => (path.resolve(name) === file ? source : baseHost.readFile(name)),
    fileExists: (name) => path.resolve(name) === file || baseHost.fileExists(name),
    getSourceFile: (name, languageVersion, onError) => {
      if (path.resolve(name) === file) return ts.createSourceFile(name, source, languageVersion);
      if (!parsed.has(name)) parsed.set(name, baseHost.getSourceFile(name, languageVersion, onError));
      return parsed.get(name);
    },
  };
  const program = ts.createProgram([file], options, host, previous);
  previous = program;
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && path.resolve(d.file.fileName) === file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

jest.setTimeout(60_000);

test('correct values compile', () => {
  expect(
    diagnostics(`
      setOption(sock, 'TCP_NODELAY', true);
      setOption(sock, 'SO_RCVBUF', 65536);
      setOption(sock, 'SO_LINGER', { enabled: true, seconds: 5 });
      setOption(sock, 'SO_RCVTIMEO', 1500);
      setOption(sock, 'TCP_CONGESTION', 'bbr');
      const seconds: number = getOption(sock, 'SO_LINGER').seconds;
      const on: boolean = getOption(sock, 'SO_KEEPALIVE');
      const algo: string = getOption(sock, 'TCP_CONGESTION');
      const n: number = getsockopt(sock, 1, 8);
      const b: Buffer = getsockopt(sock, 1, 8, 4);
      const written: number = getsockopt(sock, 1, 13, new Uint8Array(8));
      const intoView: number = getsockopt(sock, 1, 13, new DataView(new ArrayBuffer(8)));
      const intoShared: number = getsockopt(sock, 1, 13, new SharedArrayBuffer(8));
      const r = setBufferSizes(sock, { recv: 1, force: true });
      const eff: number | undefined = r.recv?.effective;
      const granted: number | undefined = r.recv?.granted;
      const sol: number = constants.SOL_SOCKET;
      const maybe: number | undefined = constants.TCP_INFO;
      const cred: { pid: number; uid: number; gid: number } = getOption(sock, 'SO_PEERCRED');
      const mtu: number = getOption(sock, 'IPV6_MTU');
      setOption(sock, 'IP_RECVERR', true, { unsafe: true });
      setOption(sock, 'SO_BINDTODEVICE', '');
      void [seconds, on, algo, n, b, written, intoView, intoShared, eff, granted, sol, maybe, cred, mtu];
    `),
  ).toEqual([]);
});

test.each([
  ['a number for a boolean option', `setOption(sock, 'TCP_NODELAY', 1);`],
  ['a boolean for an int option', `setOption(sock, 'SO_RCVBUF', true);`],
  ['a string for an int option', `setOption(sock, 'TCP_KEEPCNT', '3');`],
  ['a number for SO_LINGER', `setOption(sock, 'SO_LINGER', 5);`],
  ['a number for TCP_CONGESTION', `setOption(sock, 'TCP_CONGESTION', 5);`],
  ['an unknown option name', `getOption(sock, 'SO_NOPE');`],
  ['setting a read-only option', `setOption(sock, 'SO_TYPE', 1);`],
  ['a getOption result used as the wrong type', `const x: string = getOption(sock, 'SO_RCVBUF'); void x;`],
  ['a string size', `setBufferSizes(sock, { recv: '64KiB' });`],
  ['a misspelled constant', `getsockopt(sock, constants.SOL_SOCKET, constants.SO_RCVBUFF);`],
  ['a read into a target used as a Buffer', `const x: Buffer = getsockopt(sock, 1, 13, new Uint8Array(8)); void x;`],
  ['a string as the length', `getsockopt(sock, 1, 13, '8');`],
  ['a constant that does not exist anywhere', `const x: number | undefined = constants.SO_NOPE; void x;`],
  ['a platform-specific constant used as a number', `const x: number = constants.TCP_INFO; void x;`],
  ['setting the read-only SO_PEERCRED', `setOption(sock, 'SO_PEERCRED', { pid: 1, uid: 0, gid: 0 });`],
  ['a non-boolean opt-in', `setOption(sock, 'UDP_GRO', true, { unsafe: 'yes' });`],
])('%s is a compile error', (_label, snippet) => {
  expect(diagnostics(snippet).length).toBeGreaterThan(0);
});

// README's *http and https agents*: the methods are assigned to an agent.
// @types/node types the agent's callback as (err, stream), which a listener
// typed () => void (as net.createConnection's) cannot take: the control case
// shows the check is real.
test("README's agent assignments compile under strict; net.createConnection's own type does not", () => {
  const agents = `import * as http from 'node:http';
      import * as https from 'node:https';
      import * as sockbuf from '../lib';
      const agent = new http.Agent({ keepAlive: true });
      const secure = new https.Agent({ keepAlive: true });`;
  expect(
    diagnostics(`${agents}
      agent.createConnection = sockbuf.createConnection;
      secure.createConnection = sockbuf.createTlsConnection;
      sockbuf.createConnection({ port: 1 }, () => {});
      sockbuf.createTlsConnection({ port: 1 }, function () {});
      // The README's TypeScript form of the agents' options: AgentOptions does not know buffers.
      const options: http.AgentOptions & sockbuf.SockbufConnectOptions = { keepAlive: true, buffers: { recv: 4 << 20, send: 1 << 20 } };
      const sized = new http.Agent(options);
      sized.createConnection = sockbuf.createConnection;
      const tlsOptions: https.AgentOptions & sockbuf.SockbufConnectOptions = { keepAlive: true, buffers: { recv: 4 << 20 } };
      const sizedSecure = new https.Agent(tlsOptions);
      sizedSecure.createConnection = sockbuf.createTlsConnection;`),
  ).toEqual([]);
  // As a literal, straight into the constructor, buffers is an excess property.
  expect(
    diagnostics(`${agents}
      new http.Agent({ keepAlive: true, buffers: { recv: 1 } });`),
  ).toEqual([expect.stringContaining("'buffers' does not exist")]);
  expect(diagnostics(`${agents}\n      agent.createConnection = net.createConnection;`)).toEqual([
    expect.stringContaining('is not assignable'),
  ]);
});
