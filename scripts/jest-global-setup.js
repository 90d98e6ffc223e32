'use strict';
// jest's globalSetup: resolves, once per run, the Python interpreter that the
// tests' oracles start (test/helpers.ts pythonBin()), and hands it to the
// workers through SOCKBUF_PYTHON. `python3` on PATH may be a version
// manager's shim: pyenv's is a shell script that costs 0.4 s of wall time
// per start on the idle CI machine and over 1 s under the suite's load,
// against 0.1 s for the interpreter it picks, and the suites start Python
// hundreds of times. An interpreter already named in SOCKBUF_PYTHON (the
// caller's, or scripts/asan.sh's wrapper) is kept. Every run pays one start
// here, also a run of suites that never start Python.
const { resolvePython } = require('./python-bin');

module.exports = function globalSetup() {
  if (!process.env.SOCKBUF_PYTHON) process.env.SOCKBUF_PYTHON = resolvePython();
};
