// Every way a program imports sockbuf, compiled the way its project would
// compile it and then RUN against the installed package: CommonJS require,
// .mjs default/named/namespace imports, TypeScript to CommonJS (with and
// without esModuleInterop), node16 and nodenext .cts and .mts, and bundler
// resolution (type-checked by tsc, bundled by esbuild). Each program makes
// the same real calls on a UDP socket through the default import, a named
// import and the namespace, and Node's own dgram getter is the oracle. The
// subpath entry sockbuf/binary is type-checked and run under each
// moduleResolution too (node10 ignores `exports`: it finds the declarations
// through package.json's typesVersions).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { makeProject, ok, tsc } from './installed';

let project = '';

beforeAll(() => {
  project = makeProject('sockbuf-consumers-');
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

interface Result {
  form: string;
  requested: number;
  viaDefault: number;
  viaNamed: number;
  viaNamespace: number;
  node: number;
  sameFunction: boolean;
  defaultIsModule: boolean;
}

// The body every consumer shares, after its own import lines bind
// `sockbuf` (default import), `getRecvBufferSize` (named) and `ns` (namespace).
const body = (form: string): string => `
const udp = dgram.createSocket('udp4');
udp.bind(0, '127.0.0.1', () => {
  const report = sockbuf.setRecvBufferSize(udp, 100000);
  console.log(JSON.stringify({
    form: ${JSON.stringify(form)},
    requested: report.requested,
    viaDefault: sockbuf.getRecvBufferSize(udp),
    viaNamed: getRecvBufferSize(udp),
    viaNamespace: ns.getRecvBufferSize(udp),
    node: udp.getRecvBufferSize(),
    sameFunction: sockbuf.getRecvBufferSize === getRecvBufferSize && ns.getRecvBufferSize === getRecvBufferSize,
    defaultIsModule: typeof sockbuf.constants.SO_RCVBUF === 'number' && typeof sockbuf.getsockopt === 'function',
  }));
  udp.close();
});
`;

const esImports = `import sockbuf from 'sockbuf';
import { getRecvBufferSize } from 'sockbuf';
import * as ns from 'sockbuf';
import * as dgram from 'node:dgram';
`;

function write(dir: string, files: Record<string, string>): string {
  const at = path.join(project, dir);
  rmSync(at, { recursive: true, force: true });
  mkdirSync(at, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(at, name), text);
  return at;
}

function runNode<T = Result>(file: string): T {
  const res = ok(process.execPath, [file], path.dirname(file));
  expect(res.stderr).toBe('');
  return JSON.parse(res.stdout) as T;
}

function compile(dir: string, compilerOptions: Record<string, unknown>, files: string[]): void {
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      // skipLibCheck: only sockbuf's declarations are worth checking, and the
      // nodenext run checks them (checking @types/node each time is slow).
      compilerOptions: {
        strict: true,
        types: ['node'],
        outDir: 'out',
        rootDir: '.',
        skipLibCheck: true,
        ...compilerOptions,
      },
      files,
    }),
  );
  ok(process.execPath, [tsc, '-p', 'tsconfig.json'], dir);
}

function expectWorking(result: Result, form: string): void {
  expect(result.form).toBe(form);
  expect(result.requested).toBe(100000);
  // Node's own getter reads the same socket: the oracle.
  expect(result.viaDefault).toBe(result.node);
  expect(result.viaNamed).toBe(result.node);
  expect(result.viaNamespace).toBe(result.node);
  // Linux doubles the request; elsewhere the kernel keeps it as asked.
  expect(result.node).toBe(process.platform === 'linux' ? 200000 : 100000);
  expect(result.sameFunction).toBe(true);
  expect(result.defaultIsModule).toBe(true);
}

test('CommonJS require: the module, its named members and its default are one object', () => {
  const dir = write('cjs', {
    'main.js': `const sockbuf = require('sockbuf');
const { getRecvBufferSize } = require('sockbuf');
const ns = require('sockbuf').default;
if (ns !== sockbuf) throw new Error('default is not the module');
const dgram = require('node:dgram');
${body('cjs')}`,
  });
  expectWorking(runNode(path.join(dir, 'main.js')), 'cjs');
});

test('.mjs: default, named and namespace imports', () => {
  const dir = write('mjs', { 'main.mjs': esImports + body('mjs') });
  expectWorking(runNode(path.join(dir, 'main.mjs')), 'mjs');
});

test.each([
  ['commonjs + esModuleInterop', { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }],
  ['commonjs without esModuleInterop', { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: false }],
])('TypeScript compiled to CommonJS, %s: import sockbuf from "sockbuf" runs', (form, options) => {
  const dir = write(`ts-${form.replace(/\W+/g, '-')}`, { 'main.ts': esImports + body(form) });
  compile(dir, { target: 'ES2022', ...options, ignoreDeprecations: '5.0' }, ['main.ts']);
  expectWorking(runNode(path.join(dir, 'out', 'main.js')), form);
});

test.each(['node16', 'nodenext'])('TypeScript %s: .cts and .mts files both run', (mode) => {
  const dir = write(`ts-${mode}`, {
    'package.json': JSON.stringify({ type: 'commonjs' }),
    'main.cts': esImports + body(`${mode} cts`),
    'main.mts': esImports + body(`${mode} mts`),
  });
  const skipLibCheck = mode !== 'nodenext';
  compile(dir, { target: 'ES2022', module: mode, moduleResolution: mode, skipLibCheck }, ['main.cts', 'main.mts']);
  expectWorking(runNode(path.join(dir, 'out', 'main.cjs')), `${mode} cts`);
  expectWorking(runNode(path.join(dir, 'out', 'main.mjs')), `${mode} mts`);
});

test.each(['cjs', 'esm'])(
  'TypeScript with moduleResolution "bundler", bundled by esbuild to %s with sockbuf external, runs',
  (format) => {
    const dir = write(`bundler-${format}`, { 'main.ts': esImports + body(`bundler ${format}`) });
    compile(dir, { target: 'ES2022', module: 'esnext', moduleResolution: 'bundler', noEmit: true }, ['main.ts']);
    const out = path.join(dir, format === 'esm' ? 'bundle.mjs' : 'bundle.cjs');
    buildSync({
      absWorkingDir: dir,
      entryPoints: ['main.ts'],
      bundle: true,
      platform: 'node',
      format: format as 'cjs' | 'esm',
      external: ['sockbuf'],
      outfile: out,
      logLevel: 'silent',
    });
    expectWorking(runNode(out), `bundler ${format}`);
  },
);

// A program that imports only sockbuf/binary: the declarations must be
// sockbuf's (a number is no BinarySource), and the import must load at run
// time. Nothing loads sockbuf itself, so the path given is only recorded.
const binaryProgram = (form: string): string => `import { useBinary, type BinarySource } from 'sockbuf/binary';
let rejected = 'nothing';
try {
  // @ts-expect-error a number is no BinarySource
  useBinary(42);
} catch (err) {
  rejected = (err as { code: string }).code;
}
const source: BinarySource = 'sockbuf.node';
useBinary(source);
console.log(JSON.stringify({ form: ${JSON.stringify(form)}, rejected }));
`;

test.each([
  ['node10', { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '5.0' }, 'commonjs', ['main.ts']],
  ['node16', { module: 'node16', moduleResolution: 'node16' }, 'commonjs', ['main.cts', 'main.mts']],
  ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, 'commonjs', ['main.cts', 'main.mts']],
  ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'module', ['main.ts']],
])("TypeScript %s: import { useBinary } from 'sockbuf/binary' type-checks and runs", (mode, options, type, files) => {
  const dir = write(`ts-binary-${mode}`, {
    'package.json': JSON.stringify({ type }),
    ...Object.fromEntries(files.map((file) => [file, binaryProgram(`${mode} ${file}`)])),
  });
  compile(dir, { target: 'ES2022', ...options }, files);
  for (const file of files) {
    const out = path.join(dir, 'out', file.replace(/\.([cm]?)ts$/, '.$1js'));
    const result = runNode<{ form: string; rejected: string }>(out);
    expect(result).toEqual({ form: `${mode} ${file}`, rejected: 'ERR_INVALID_ARG_TYPE' });
  }
});

// A library that re-exports sockbuf's functions and catalog, compiled with
// declarations: each type must be named through 'sockbuf' itself. A type
// that TypeScript can only name through a file of dist/ (hidden by the
// package's exports map) is error TS2742 ("cannot be named without a
// reference to .../sockbuf/dist/..."), which every such library would hit.
const reexporting = `import * as sockbuf from 'sockbuf';
export const fns = {
  getsockopt: sockbuf.getsockopt, setsockopt: sockbuf.setsockopt, getOption: sockbuf.getOption,
  setOption: sockbuf.setOption, getBufferSizes: sockbuf.getBufferSizes, setBufferSizes: sockbuf.setBufferSizes,
  setRecvBufferSize: sockbuf.setRecvBufferSize, configureServer: sockbuf.configureServer,
  systemLimits: sockbuf.systemLimits, socketMemory: sockbuf.socketMemory, queuedBytes: sockbuf.queuedBytes,
  tcpInfo: sockbuf.tcpInfo, diagnose: sockbuf.diagnose, measureDatagramCost: sockbuf.measureDatagramCost,
  recommendUdpBuffer: sockbuf.recommendUdpBuffer, connect: sockbuf.connect, connectReports: sockbuf.connectReports,
  createConnection: sockbuf.createConnection, createTlsConnection: sockbuf.createTlsConnection,
  undiciConnector: sockbuf.undiciConnector,
};
export const catalog = () => sockbuf.optionCatalog;
export const lingerOf = (s: import('node:net').Socket) => sockbuf.getOption(s, 'SO_LINGER');
`;

test.each([
  ['node16', { module: 'node16', moduleResolution: 'node16' }],
  ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
  ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ['node10', { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '5.0' }],
])(
  'TypeScript %s with declarations: a library re-exporting sockbuf functions names every type through sockbuf',
  (mode, options) => {
    const dir = write(`ts-declarations-${mode}`, {
      'package.json': JSON.stringify({ type: 'commonjs' }),
      'lib.ts': reexporting,
    });
    compile(dir, { target: 'ES2022', declaration: true, ...options }, ['lib.ts']);
    const emitted = readFileSync(path.join(dir, 'out', 'lib.d.ts'), 'utf8');
    expect(emitted).not.toMatch(/sockbuf\/dist/);
    expect(emitted).toMatch(/typeof sockbuf\.getOption|import\("sockbuf"\)/);
  },
);
