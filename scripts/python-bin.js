'use strict';
// The Python interpreter `python3` on PATH stands for, as a path that starts
// it without any shim (sys.executable), once that path has been seen to
// import `socket` when started directly; otherwise `python3` itself, so that
// nothing changes for a setup this cannot see through (the tests then report
// a Python that does not start, see test/helpers.ts pythonSync).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const TIMEOUT_MS = 30000;

function resolvePython() {
  const asked = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
  });
  const exe = asked.status === 0 ? asked.stdout.trim() : '';
  if (exe === '' || !path.isAbsolute(exe) || !fs.existsSync(exe)) return 'python3';
  // A wrapper may set up an environment its interpreter needs (LD_LIBRARY_PATH, ...).
  const direct = spawnSync(exe, ['-c', 'import socket'], { encoding: 'utf8', timeout: TIMEOUT_MS });
  return direct.status === 0 ? exe : 'python3';
}

module.exports = { resolvePython };

if (require.main === module) console.log(resolvePython());
