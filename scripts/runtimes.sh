#!/usr/bin/env bash
# sockbuf under the other JavaScript runtimes, from npm:
#   Bun (bun@1.4): the jest suites that exercise sockbuf on real sockets run
#     with Bun as the runtime (jest itself, its workers and every child a test
#     spawns). The few files left out are listed below with their reason.
#   Deno (deno@2.9): Deno's node:net and node:dgram sockets have no file
#     descriptor, so every call on them must throw
#     ERR_SOCKBUF_UNSUPPORTED_RUNTIME, while descriptor numbers work: a UDP
#     socket made by Python is inherited by Deno, read and set through
#     sockbuf there, and Python reads it back (test/fixtures/deno-probe.cjs).
#
# usage: scripts/runtimes.sh [bun|deno]...   (default: both)
# env:
#   SOCKBUF_CACHE   downloads live here (default ~/.cache/sockbuf)
#   SOCKBUF_BUN_TESTS  test files for Bun (default: all but the ones below)
# Linux x64 (glibc) only: the binaries come from @oven/bun-linux-x64 and
# @deno/linux-x64-glibc.
# Needs: npm ci done (node_modules/, build/Release/sockbuf.node, dist/), python3.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${SOCKBUF_CACHE:-$HOME/.cache/sockbuf}
bun_version=1.4
deno_version=2.9
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(bun deno)

say() { echo "[runtimes] $*"; }
fail() { echo "[runtimes] FAILED: $*" >&2; status=1; }
status=0
cd "$root" || exit 1
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "Linux x64 only" >&2; exit 1; }
# shellcheck source=scripts/npm-tool.sh
. "$root/scripts/npm-tool.sh"
[ -f build/Release/sockbuf.node ] && [ -f dist/index.js ] || { echo "run npm ci first" >&2; exit 1; }

# Test files Bun does not run, and why.
bun_skipped=(
  # npm pack and installs into scratch projects: about npm, not the runtime
  test/package.test.ts
  # compiles consumers with tsc and runs them with Node (the "node16" forms)
  test/consumers.test.ts
  # type-checks the declarations with tsc: about TypeScript, not the runtime
  test/types.test.ts
  # its pool of random sockets includes an http.Server and a child's stdin
  # pipe, which have no descriptor under Bun (see bun_differs below)
  test/property.test.ts
  # Not yet made to work under Bun (left for a later change, listed in the
  # README): sockbuf.connect and the agents need Node's synchronous
  # 'connectionAttempt' event before each connect(2); the fast-properties
  # check is a V8 intrinsic; the README examples include connect.
  test/connect.test.ts
  test/connect-agent.test.ts
  test/loading.test.ts
  test/readme.test.ts
)
# Tests (by name) of what Bun does differently; README.md, "Bun and Deno":
bun_differs=(
  # Bun's net.Socket made from a descriptor ({ fd }) keeps none sockbuf can find
  'new net.Socket\(\{ fd \}\)'
  'a net.Socket created from \{ fd \}'
  # Bun's http.Server is Bun's own, not a net.Server, with no descriptor
  'an http.Server is a net.Server'
  # Bun's util.debuglog does not print for NODE_DEBUG
  'NODE_DEBUG=sockbuf logs'
  # strace counts the whole Bun process, which makes calls of its own
  'what it costs per connection'
  # IP_RECVERR's demonstrations and checks: not yet investigated under Bun
  'IP_RECVERR'
  'IPV6_RECVERR'
  # Bun closes a destroyed socket's descriptor later than Node, so the
  # number is not reused at once and the test's premise does not hold
  'a TLS socket over a raw socket destroyed on its own'
  # Bun's listening sockets: not yet investigated
  'a listening socket: its accept queue and backlog'
)

run_bun() {
  npm_tool "bun-$bun_version" "bun@$bun_version" || { fail "npm install bun@$bun_version"; return; }
  local bun=$cache/bun-$bun_version/node_modules/@oven/bun-linux-x64/bin/bun json log files=() f
  "$bun" --version >/dev/null 2>&1 || { fail "$bun does not run"; return; }
  say "Bun $("$bun" --version)"
  if [ -n "${SOCKBUF_BUN_TESTS:-}" ]; then
    read -r -a files <<<"$SOCKBUF_BUN_TESTS"
  else
    for f in test/*.test.ts; do
      [[ " ${bun_skipped[*]} " == *" $f "* ]] || files+=("$f")
    done
  fi
  json=$(mktemp) log=$(mktemp)
  # --bun: jest's `#!/usr/bin/env node` and every `node` a test spawns run
  # as Bun too; process.execPath is Bun's.
  local IFS='|'
  local name_filter="^(?!.*(${bun_differs[*]}))"
  unset IFS
  "$bun" --bun node_modules/jest/bin/jest.js --ci --json --outputFile="$json" -t "$name_filter" "${files[@]}" >"$log" 2>&1
  local rc=$?
  grep -E '^(PASS|FAIL) |^Tests:|●' "$log" | head -n 60
  # shellcheck disable=SC2016 # JavaScript, not shell, expands ${...} here
  node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(`bun: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} left out, ${r.numRuntimeErrorTestSuites} suites crashed`)' "$json" 2>/dev/null ||
    echo "bun: no jest results"
  rm -f "$json" "$log"
  [ $rc -eq 0 ] || fail "the suite under Bun"
}

run_deno() {
  npm_tool "deno-$deno_version" "deno@$deno_version" || { fail "npm install deno@$deno_version"; return; }
  # The platform package's binary itself: with install scripts off, npm's
  # .bin/deno is a Node launcher that does not pass inherited descriptors on.
  local deno=$cache/deno-$deno_version/node_modules/@deno/linux-x64-glibc/deno
  "$deno" --version >/dev/null 2>&1 || { fail "$deno does not run"; return; }
  say "$("$deno" --version | head -n 1)"
  DENO_BIN=$deno python3 - <<'EOF' || fail "Deno"
import json, os, socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 100000)
before = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
res = subprocess.run(
    [os.environ['DENO_BIN'], 'run', '-A', 'test/fixtures/deno-probe.cjs', '.', str(s.fileno())],
    pass_fds=[s.fileno()], capture_output=True, text=True, timeout=300)
after = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
if res.returncode != 0:
    sys.exit('deno exited %d\n%s\n%s' % (res.returncode, res.stdout, res.stderr[-3000:]))
r = json.loads(res.stdout)
print(json.dumps(r, indent=1)[:3000])
problems = []
def check(ok, what):
    print(('ok    ' if ok else 'FAIL  ') + what)
    if not ok: problems.append(what)
check(r['runtime'] == 'deno' and r['deno'], 'sockbuf.runtime is "deno"')
check(r['fdRecv'].get('value') == before, 'a descriptor number reads what Python set (%d)' % before)
check(r['fdObject'].get('value') == before, '{ fd } reads the same')
check(r['fdType'].get('value') == socket.SOCK_DGRAM, 'getsockopt(fd, SO_TYPE) is SOCK_DGRAM')
check(r['fdSet'].get('value', {}).get('effective') == after == 100000, 'setRecvBufferSize(fd, 50000) is what Python reads after (%d)' % after)
for name in ('dgram', 'server', 'client', 'accepted'):
    e = r.get(name, {})
    check(e.get('code') == 'ERR_SOCKBUF_UNSUPPORTED_RUNTIME' and 'Deno does not expose the file descriptors' in e.get('message', ''),
          '%s socket: ERR_SOCKBUF_UNSUPPORTED_RUNTIME' % name)
sys.exit(1 if problems else 0)
EOF
}

for w in "${which[@]}"; do
  case $w in
    bun) run_bun ;;
    deno) run_deno ;;
    *) echo "unknown runtime: $w" >&2; exit 2 ;;
  esac
done
exit $status
