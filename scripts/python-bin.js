'use strict';
// The Python interpreter `python3` on PATH stands for, as a path that starts
// it without any shim (sys.executable); `python3` itself when Python cannot
// say, so that the caller's own spawn reports what is wrong.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function resolvePython() {
  const res = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const exe = res.status === 0 ? res.stdout.trim() : '';
  return exe !== '' && path.isAbsolute(exe) && fs.existsSync(exe) ? exe : 'python3';
}

module.exports = { resolvePython };

if (require.main === module) console.log(resolvePython());
