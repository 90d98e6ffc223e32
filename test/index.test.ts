// The index declares each of its stubs with the signature of the function it
// calls (lib/index.ts says why). Checked at compile time by `npm run
// typecheck` (tsconfig.json includes test/; jest runs without type
// diagnostics): a signature that drifts from its module's makes its
// `true as Same<...>` below a type error. At run time, the test checks that
// every function of the index has its line here, and that an editor shows
// the same documentation and parameter names for it as for its module's.
import * as path from 'node:path';
import * as ts from 'typescript';
import * as index from '../lib/index';
import * as raw from '../lib/raw';
import * as sizes from '../lib/sizes';
import * as options from '../lib/options';
import * as limits from '../lib/limits';
import * as observe from '../lib/observe';
import * as tcpinfo from '../lib/tcpinfo';
import * as diagnose from '../lib/diagnose';
import * as udpsizing from '../lib/udpsizing';
import * as connect from '../lib/connect';
import * as agent from '../lib/agent';

/** true when the two types are identical (not merely assignable: an added optional parameter differs). */
type Identical<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Identical, `this` included (which the identity above does not see). */
type Same<A, B> = [Identical<A, B>, Identical<ThisParameterType<A>, ThisParameterType<B>>] extends [true, true]
  ? true
  : false;

const checks: Record<string, true> = {
  getsockopt: true as Same<typeof index.getsockopt, typeof raw.getsockopt>,
  setsockopt: true as Same<typeof index.setsockopt, typeof raw.setsockopt>,
  getBufferSizes: true as Same<typeof index.getBufferSizes, typeof sizes.getBufferSizes>,
  getRecvBufferSize: true as Same<typeof index.getRecvBufferSize, typeof sizes.getRecvBufferSize>,
  getSendBufferSize: true as Same<typeof index.getSendBufferSize, typeof sizes.getSendBufferSize>,
  setBufferSizes: true as Same<typeof index.setBufferSizes, typeof sizes.setBufferSizes>,
  setRecvBufferSize: true as Same<typeof index.setRecvBufferSize, typeof sizes.setRecvBufferSize>,
  setSendBufferSize: true as Same<typeof index.setSendBufferSize, typeof sizes.setSendBufferSize>,
  configureServer: true as Same<typeof index.configureServer, typeof sizes.configureServer>,
  getOption: true as Same<typeof index.getOption, typeof options.getOption>,
  setOption: true as Same<typeof index.setOption, typeof options.setOption>,
  systemLimits: true as Same<typeof index.systemLimits, typeof limits.systemLimits>,
  socketMemory: true as Same<typeof index.socketMemory, typeof observe.socketMemory>,
  queuedBytes: true as Same<typeof index.queuedBytes, typeof observe.queuedBytes>,
  tcpInfo: true as Same<typeof index.tcpInfo, typeof tcpinfo.tcpInfo>,
  diagnose: true as Same<typeof index.diagnose, typeof diagnose.diagnose>,
  measureDatagramCost: true as Same<typeof index.measureDatagramCost, typeof udpsizing.measureDatagramCost>,
  recommendUdpBuffer: true as Same<typeof index.recommendUdpBuffer, typeof udpsizing.recommendUdpBuffer>,
  connect: true as Same<typeof index.connect, typeof connect.connect>,
  connectReports: true as Same<typeof index.connectReports, typeof connect.connectReports>,
  createConnection: true as Same<typeof index.createConnection, typeof connect.createConnection>,
  createTlsConnection: true as Same<typeof index.createTlsConnection, typeof connect.createTlsConnection>,
  undiciConnector: true as Same<typeof index.undiciConnector, typeof agent.undiciConnector>,
};

test("every function of the index is declared with its module's signature, and none is left out", () => {
  const functions = Object.keys(index)
    .filter((k) => typeof (index as Record<string, unknown>)[k] === 'function')
    .sort();
  expect(Object.keys(checks).sort()).toEqual(functions);
});

test("each function of the index has its module's documentation and parameter names (what an editor shows)", () => {
  const root = path.join(__dirname, '..');
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(root, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const program = ts.createProgram([path.join(root, 'lib', 'index.ts')], { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const exportsOf = (file: string): Map<string, ts.Symbol> => {
    const source = program.getSourceFile(path.join(root, 'lib', file))!;
    return new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).map((x) => [x.name, x]));
  };
  /** Each call signature's documentation and parameter names, as quick info and signature help show them. */
  const shown = (symbol: ts.Symbol): string[] =>
    checker
      .getTypeOfSymbol(symbol)
      .getCallSignatures()
      .map(
        (sig) =>
          `${ts.displayPartsToString(sig.getDocumentationComment(checker))} (${sig.parameters.map((p) => p.name).join(', ')})`,
      );
  const indexExports = exportsOf('index.ts');
  const modules = [
    'raw',
    'sizes',
    'options',
    'limits',
    'observe',
    'tcpinfo',
    'diagnose',
    'udpsizing',
    'connect',
    'agent',
  ];
  const moduleExports = modules.map((m) => exportsOf(`${m}.ts`));
  const compared: string[] = [];
  for (const name of Object.keys(checks)) {
    const own = moduleExports.find((m) => m.has(name))!.get(name)!;
    const stub = indexExports.get(name)!;
    const docs = shown(own);
    // Documented (an overload's comment stands on its first signature).
    expect(`${name}: ${docs[0]}`).not.toMatch(/^\w+: {2}\(/);
    expect(`${name}: ${shown(stub).join(' | ')}`).toBe(`${name}: ${docs.join(' | ')}`);
    compared.push(name);
  }
  expect(compared.length).toBe(Object.keys(checks).length);
});
