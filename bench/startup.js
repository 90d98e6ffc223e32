'use strict';
// What require('sockbuf') adds to a process's start-up: `node -e` with and
// without the require, spawned one at a time, interleaved, medians.

const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  root,
  nowNs,
  median,
  relativeSpread,
  check,
  positive,
  interleave,
  pairedRatios,
  pairedDiffs,
} = require('./common');

// The children run without NODE_EXTRA_CA_CERTS: with it, every Node process
// parses that CA bundle at start-up (about 80 ms of CPU on the machine the
// README's figures come from, where the sandbox sets it), which makes
// `node -e 0` three times as long and its jitter far larger than the few ms
// measured here. It is the same for every child, so nothing of sockbuf's
// is left out. Everything else is inherited.
const CHILD_ENV = { ...process.env };
delete CHILD_ENV.NODE_EXTRA_CA_CERTS;
// Every child runs in the project folder that has sockbuf (and the empty
// addon) installed in node_modules/, and requires it by name, as a user's
// program does: a require by path would skip the package's name resolution.
const CHILD = { encoding: 'utf8', env: CHILD_ENV, cwd: undefined };

// Every child reports the CPU time it used up to the end of its script: a
// figure that other work on the machine hardly moves, unlike the wall clock.
const REPORT_CPU = ';const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000));';

function spawnOnce(script) {
  const t0 = nowNs();
  const res = spawnSync(process.execPath, ['-e', script + REPORT_CPU], CHILD);
  const ms = (nowNs() - t0) / 1e6;
  check(res.status === 0, `node -e ${JSON.stringify(script)} failed: ${res.stderr || res.error}`);
  const cpuMs = Number(res.stdout);
  check(Number.isFinite(cpuMs) && cpuMs > 0, `node -e ${JSON.stringify(script)} reported CPU time ${res.stdout}`);
  return { ms, cpuMs };
}

/**
 * One sample: the fastest of `tries` sequential runs (a run the scheduler
 * delayed is dropped); the least CPU time of those runs goes to `cpu`.
 */
function spawnMs(script, cpu, tries = 3) {
  let ms = Infinity;
  let cpuMs = Infinity;
  for (let i = 0; i < tries; i++) {
    const run = spawnOnce(script);
    ms = Math.min(ms, run.ms);
    cpuMs = Math.min(cpuMs, run.cpuMs);
  }
  cpu.push(cpuMs);
  return ms;
}

// Also measured inside the child: the require alone, from a clock read just
// before it, so process creation does not enter that number.
const INNER =
  'const t0 = process.hrtime.bigint(); require(%ROOT%); ' +
  'process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));';

/** The least number a child printed over `tries` runs of `node -e script`. */
function leastPrinted(script, what, tries = 3) {
  let min = Infinity;
  for (let i = 0; i < tries; i++) {
    const res = spawnSync(process.execPath, ['-e', script], CHILD);
    check(res.status === 0, `${what} failed: ${res.stderr || res.error}`);
    min = Math.min(min, Number(res.stdout));
  }
  return positive(min, what);
}

function requireMs(target) {
  return leastPrinted(INNER.replace('%ROOT%', JSON.stringify(target)), 'in-process require timing');
}

// sockbuf's own share, measured inside a child: the CPU time of the require()
// alone, after the module loader has loaded one other (empty) file, so that
// neither process start-up nor the loader's first use (which any package's
// require pays) is counted. Far less noisy than the differences between
// whole processes above, whose start-up CPU time varies by several ms.
const INNER_CPU =
  'require(%WARM%); const c0 = process.cpuUsage(); require(%TARGET%); const c = process.cpuUsage(c0); ' +
  'process.stdout.write(String((c.user + c.system) / 1000));';

// What the first call adds: sockbuf loads its binary (dlopen and Node-API's
// set-up) when a call first needs it, not at require('sockbuf'). Timed
// alone, after the require, through the loader's own entry point.
const FIRST_LOAD_CPU =
  "require(%WARM%); const s = require('sockbuf'); const c0 = process.cpuUsage(); " +
  "s[Symbol.for('sockbuf.core')].binding.loadNative(); const c = process.cpuUsage(c0); " +
  'process.stdout.write(String((c.user + c.system) / 1000));';

function firstLoadCpuMs(warm) {
  return leastPrinted(FIRST_LOAD_CPU.replace('%WARM%', JSON.stringify(warm)), 'binary load CPU timing');
}

function innerCpuMs(warm, target) {
  const script = INNER_CPU.replace('%WARM%', JSON.stringify(warm)).replace('%TARGET%', JSON.stringify(target));
  return leastPrinted(script, 'in-process require CPU timing');
}

/**
 * The floor of any native addon: a one-file package that loads an N-API
 * addon whose init does nothing, compiled here against this Node's headers.
 * What require() of it adds over `node -e 0` is what the module system and
 * dlopen cost before sockbuf does anything. null when it cannot be built.
 */
function floorPackage(project) {
  const include = path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node');
  if (!fs.existsSync(path.join(include, 'node_api.h'))) return null;
  const dir = path.join(project, 'node_modules', 'floor');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'floor.c'),
    '#include <node_api.h>\nstatic napi_value Init(napi_env env, napi_value exports) { (void)env; return exports; }\nNAPI_MODULE(floor, Init)\n',
  );
  fs.writeFileSync(path.join(dir, 'index.js'), "'use strict';\nmodule.exports = require('./floor.node');\n");
  // Like any installed package, it has a package.json, which Node's loader
  // reads for the file's module type (about 0.3 ms here).
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "floor", "version": "1.0.0", "main": "index.js" }\n');
  fs.writeFileSync(path.join(dir, 'empty.js'), "'use strict';\n");
  try {
    execFileSync(
      process.env.CC || 'cc',
      ['-shared', '-fPIC', '-O2', '-I', include, '-o', path.join(dir, 'floor.node'), path.join(dir, 'floor.c')],
      {
        stdio: 'pipe',
      },
    );
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return { dir };
}

/**
 * sockbuf as a package manager installs it: package.json, dist/ and
 * prebuilds/ with both of this platform's files (glibc and musl, as the
 * released package holds them on Linux), and no build/. A checkout's
 * build/Release would be found first and skip the prebuild choice, which
 * is part of what a user's require pays.
 */
function installedPackage() {
  const target = `${process.platform}-${process.arch}`;
  const binary = [
    path.join(root, 'prebuilds', target, 'sockbuf.node'),
    path.join(root, 'build', 'Release', 'sockbuf.node'),
  ].find((file) => fs.existsSync(file));
  check(binary !== undefined, 'no compiled binary to measure: run npm run build');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockbuf-bench-installed-'));
  const pkg = path.join(dir, 'node_modules', 'sockbuf');
  fs.mkdirSync(path.join(pkg, 'prebuilds', target), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
  fs.copyFileSync(binary, path.join(pkg, 'prebuilds', target, 'sockbuf.node'));
  if (process.platform === 'linux') {
    fs.copyFileSync(binary, path.join(pkg, 'prebuilds', target, 'sockbuf.musl.node'));
  }
  // Node resolves a package with an "exports" map, as sockbuf's, through its
  // ESM resolver, whose first use in a process costs milliseconds. Measured
  // beside it: the same package without the map, and a one-line package
  // with a map, required first to warm the resolver up as an application's
  // other packages would.
  const withoutExports = path.join(dir, 'node_modules', 'sockbuf-without-exports');
  fs.cpSync(pkg, withoutExports, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  delete manifest.exports;
  fs.writeFileSync(path.join(withoutExports, 'package.json'), JSON.stringify(manifest, null, 2));
  const other = path.join(dir, 'node_modules', 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(
    path.join(other, 'package.json'),
    JSON.stringify({ name: 'other', version: '1.0.0', exports: { '.': './index.js' } }),
  );
  fs.writeFileSync(path.join(other, 'index.js'), "'use strict';\n");
  return { project: dir, pkg, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function startup({ rounds = 30, tries = 1 } = {}) {
  const installed = installedPackage();
  try {
    CHILD.cwd = installed.project;
    return measureStartup(installed, rounds, tries);
  } finally {
    installed.cleanup();
  }
}

function measureStartup(installed, rounds, tries) {
  const withRequire = "require('sockbuf')";
  // The require must give the real API, or the timing means nothing.
  const probe = spawnSync(
    process.execPath,
    ['-e', `process.stdout.write(typeof ${withRequire}.getRecvBufferSize)`],
    CHILD,
  );
  check(probe.stdout === 'function', `require('sockbuf') does not load sockbuf: ${probe.stderr}`);
  const resolved = spawnSync(process.execPath, ['-p', "require.resolve('sockbuf')"], CHILD).stdout.trim();
  check(resolved === path.join(installed.pkg, 'dist', 'index.js'), `require('sockbuf') resolves to ${resolved}`);
  // A program that uses sockbuf has loaded node:net or node:dgram already:
  // also measure against that baseline, which does not count their cost.
  const net = "require('node:net'); require('node:dgram');";
  const cpu = { bare: [], sockbuf: [], net: [], netSockbuf: [], floor: [], floorJs: [] };
  const variants = {
    bare: () => spawnMs('', cpu.bare, tries),
    sockbuf: () => spawnMs(withRequire, cpu.sockbuf, tries),
    net: () => spawnMs(net, cpu.net, tries),
    netSockbuf: () => spawnMs(`${net} ${withRequire}`, cpu.netSockbuf, tries),
  };
  const floor = floorPackage(installed.project);
  if (floor !== null) {
    variants.floor = () => spawnMs("require('floor')", cpu.floor, tries);
    variants.floorJs = () =>
      spawnMs(`require(${JSON.stringify(path.join(floor.dir, 'empty.js'))})`, cpu.floorJs, tries);
  }
  let s;
  const inner = [];
  // In-process CPU of the require alone (see INNER_CPU), alternating with
  // the same measure for an empty .js file and the empty N-API addon.
  const innerCpu = { sockbuf: [], js: [], addon: [], noExportsMap: [], resolverWarm: [], firstLoad: [] };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sockbuf-bench-warm-'));
  try {
    for (const v of Object.values(variants)) v();
    for (const list of Object.values(cpu)) list.length = 0;
    s = interleave(variants, rounds);
    for (let i = 0; i < Math.min(rounds, 5); i++) inner.push(requireMs('sockbuf'));
    const warm = path.join(scratch, 'warm.js');
    fs.writeFileSync(warm, "'use strict';\n");
    // In the project, where require('other') finds the package.
    const warmResolver = path.join(installed.project, 'warm-resolver.js');
    fs.writeFileSync(warmResolver, "'use strict';\nrequire('other');\n");
    let emptyJs = path.join(scratch, 'empty.js');
    if (floor === null) fs.writeFileSync(emptyJs, "'use strict';\n");
    else emptyJs = path.join(floor.dir, 'empty.js');
    for (let i = 0; i < Math.max(5, Math.round(rounds / 2)); i++) {
      innerCpu.sockbuf.push(innerCpuMs(warm, 'sockbuf'));
      innerCpu.noExportsMap.push(innerCpuMs(warm, 'sockbuf-without-exports'));
      innerCpu.resolverWarm.push(innerCpuMs(warmResolver, 'sockbuf'));
      innerCpu.firstLoad.push(firstLoadCpuMs(warm));
      innerCpu.js.push(innerCpuMs(warm, emptyJs));
      if (floor !== null) innerCpu.addon.push(innerCpuMs(warm, 'floor'));
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return {
    rounds,
    tries,
    bareMs: median(s.bare),
    sockbufMs: median(s.sockbuf),
    addedMs: median(pairedDiffs(s.sockbuf, s.bare)),
    ratio: median(pairedRatios(s.sockbuf, s.bare)),
    spread: relativeSpread(s.bare),
    netMs: median(s.net),
    netSockbufMs: median(s.netSockbuf),
    addedAfterNetMs: median(pairedDiffs(s.netSockbuf, s.net)),
    bareCpuMs: median(cpu.bare),
    addedCpuMs: median(pairedDiffs(cpu.sockbuf, cpu.bare)),
    addedAfterNetCpuMs: median(pairedDiffs(cpu.netSockbuf, cpu.net)),
    // What any native addon's require adds (null when none could be built),
    // and sockbuf's cost over it, paired by round.
    floorAddedCpuMs: floor === null ? null : median(pairedDiffs(cpu.floor, cpu.bare)),
    floorJsAddedCpuMs: floor === null ? null : median(pairedDiffs(cpu.floorJs, cpu.bare)),
    overFloorCpuMs: floor === null ? null : median(pairedDiffs(cpu.sockbuf, cpu.floor)),
    requireOnlyMs: median(inner),
    // CPU of the require() alone inside the process, after the loader's first file.
    innerCpuMs: median(innerCpu.sockbuf),
    innerEmptyJsCpuMs: median(innerCpu.js),
    innerEmptyAddonCpuMs: innerCpu.addon.length === 0 ? null : median(innerCpu.addon),
    // The same package without its "exports" map, and sockbuf after another
    // package with a map was required (paired by round).
    innerNoExportsMapCpuMs: median(innerCpu.noExportsMap),
    innerExportsMapAddedCpuMs: median(pairedDiffs(innerCpu.sockbuf, innerCpu.noExportsMap)),
    innerResolverWarmCpuMs: median(innerCpu.resolverWarm),
    // The binary's load, paid by the first call that needs it.
    firstLoadCpuMs: median(innerCpu.firstLoad),
  };
}

module.exports = { startup };
